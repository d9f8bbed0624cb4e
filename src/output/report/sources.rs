//! The data sources: every distinct `source` of the analysis file's layers,
//! with the layers that use it, as the reports' last section, as BibTeX
//! (`sources.bib`) and CSL-JSON (`sources.json`), and as the Data
//! Package's `sources`.

use std::fmt::Write;

use serde_json::{json, Value};

use crate::config::{Config, DataSource};

/// What a layer feeds: which of the tables its source belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feeds {
    /// A snapshot (or the dated layer): every table.
    Holdings,
    /// The rivers: the boundaries' river stretches.
    Rivers,
    /// The disputed zones of the readings: every table.
    Zones,
    /// Lines drawn within a band: the transfers' bounds.
    Uncertainty,
}

impl Feeds {
    /// True when a layer of this kind feeds the table (`areas`,
    /// `transfers` or `boundaries`).
    pub fn feeds(self, table: &str) -> bool {
        match self {
            Feeds::Holdings | Feeds::Zones => true,
            Feeds::Rivers => table == "boundaries",
            Feeds::Uncertainty => table == "transfers",
        }
    }
}

/// One input layer as the sources section names it.
struct Layer<'a> {
    label: String,
    feeds: Feeds,
    sources: &'a [DataSource],
}

/// One distinct source with its citation key and the layers using it.
#[derive(Debug, Clone)]
pub struct Cited<'a> {
    /// BibTeX key and CSL-JSON id: family name (or title word) and year,
    /// unique in the run.
    pub key: String,
    /// The source as written.
    pub source: &'a DataSource,
    /// The layers that name it, in the file's order.
    pub layers: Vec<String>,
    /// What those layers feed.
    pub feeds: Vec<Feeds>,
}

fn file_name(path: &std::path::Path) -> String {
    let text = crate::io::postgres::redacted(&path.display().to_string());
    if crate::config::is_connection(path) {
        return text;
    }
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or(text)
}

/// Every input layer, in the file's order.
fn layers(config: &Config) -> Vec<Layer<'_>> {
    let mut out: Vec<Layer> = config
        .snapshots
        .iter()
        .map(|s| Layer {
            label: match s.when() {
                Ok(w) => format!("snapshot {w} ({})", s.treaty),
                Err(_) => format!("snapshot {}", s.treaty),
            },
            feeds: Feeds::Holdings,
            sources: &s.source,
        })
        .collect();
    out.extend(config.dated.iter().map(|d| Layer {
        label: format!("dated layer ({})", file_name(&d.path)),
        feeds: Feeds::Holdings,
        sources: &d.source,
    }));
    out.extend(config.rivers.iter().map(|r| Layer {
        label: "rivers".to_owned(),
        feeds: Feeds::Rivers,
        sources: &r.source,
    }));
    out.extend(config.zones.iter().map(|z| Layer {
        label: "zones (readings)".to_owned(),
        feeds: Feeds::Zones,
        sources: &z.source,
    }));
    out.extend(config.uncertainty.iter().map(|u| Layer {
        label: format!("uncertain lines ({})", file_name(&u.path)),
        feeds: Feeds::Uncertainty,
        sources: &u.source,
    }));
    out
}

/// The distinct sources, in the order the file first names them.
pub fn cited(config: &Config) -> Vec<Cited<'_>> {
    let mut out: Vec<Cited> = Vec::new();
    for layer in layers(config) {
        for source in layer.sources {
            match out.iter_mut().find(|c| c.source == source) {
                Some(c) => {
                    if c.layers.last() != Some(&layer.label) {
                        c.layers.push(layer.label.clone());
                        c.feeds.push(layer.feeds);
                    }
                }
                None => out.push(Cited {
                    key: String::new(),
                    source,
                    layers: vec![layer.label.clone()],
                    feeds: vec![layer.feeds],
                }),
            }
        }
    }
    // A `[sources]` name is the key; the others get family name and year,
    // with a letter where two would be equal or equal a name.
    let named: Vec<&str> = out.iter().filter_map(|c| c.source.key.as_deref()).collect();
    let stems: Vec<String> = out.iter().map(|c| key_stem(c.source)).collect();
    let keys: Vec<String> = out
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if let Some(key) = &c.source.key {
                return key.clone();
            }
            let stem = &stems[i];
            let generated = |j: usize| out[j].source.key.is_none() && stems[j] == *stem;
            let same = (0..out.len()).filter(|&j| generated(j)).count();
            let before = (0..i).filter(|&j| generated(j)).count();
            if same == 1 && !named.contains(&stem.as_str()) {
                return stem.clone();
            }
            // a, b, c … (then aa, ab …, never reached in practice).
            let mut suffix = String::new();
            let mut n = before;
            loop {
                suffix.insert(0, char::from(b'a' + (n % 26) as u8));
                if n < 26 {
                    break;
                }
                n = n / 26 - 1;
            }
            format!("{stem}{suffix}")
        })
        .collect();
    for (c, key) in out.iter_mut().zip(keys) {
        c.key = key;
    }
    out
}

/// The layers that name no source.
pub fn unsourced(config: &Config) -> Vec<String> {
    layers(config)
        .into_iter()
        .filter(|l| l.sources.is_empty())
        .map(|l| l.label)
        .collect()
}

/// The authors, split on " and " as BibTeX does.
fn authors(source: &DataSource) -> Vec<&str> {
    source
        .author
        .as_deref()
        .map(|a| {
            a.split(" and ")
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// "wessel2017": the first author's family name (before a comma, else the
/// last word), or the title's first word, in ASCII letters and digits,
/// and the year.
fn key_stem(source: &DataSource) -> String {
    let word = match authors(source).first() {
        Some(a) => match a.split_once(',') {
            Some((family, _)) => family.to_owned(),
            None => a.split_whitespace().last().unwrap_or_default().to_owned(),
        },
        None => source
            .title
            .split_whitespace()
            .find(|w| w.chars().any(|c| c.is_ascii_alphanumeric()))
            .unwrap_or_default()
            .to_owned(),
    };
    let mut stem: String = word
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if stem.is_empty() {
        stem = "source".to_owned();
    }
    if let Some(y) = source.year {
        stem.push_str(&y.to_string());
    }
    stem
}

/// The sources as Markdown: a numbered list with the layers each serves.
pub fn markdown(config: &Config) -> String {
    let mut md = String::new();
    let _ = write_markdown(&mut md, config);
    md
}

fn write_markdown(md: &mut String, config: &Config) -> std::fmt::Result {
    writeln!(md, "## Sources\n")?;
    let cited = cited(config);
    if cited.is_empty() {
        writeln!(
            md,
            "No layer names its source: give each `[[snapshot]]` and layer a `source` in the analysis file.\n"
        )?;
    } else {
        writeln!(
            md,
            "The data the layers were drawn from, as the analysis file gives them (also in \
             `sources.bib`, BibTeX, and `sources.json`, CSL-JSON). The published figures' \
             sources are in the references table.\n"
        )?;
        for c in &cited {
            writeln!(
                md,
                "- [{}] {} Used for: {}.",
                c.key,
                c.source.citation(),
                c.layers.join(", ")
            )?;
        }
        writeln!(md)?;
    }
    let missing = unsourced(config);
    if !missing.is_empty() && !cited.is_empty() {
        writeln!(md, "Layers without a source: {}.\n", missing.join(", "))?;
    }
    Ok(())
}

/// The sources as HTML.
pub fn html(config: &Config) -> String {
    let mut h = String::new();
    let _ = write_html(&mut h, config);
    h
}

fn write_html(h: &mut String, config: &Config) -> std::fmt::Result {
    let esc = crate::output::qgis::escape;
    writeln!(h, "<h2 id=\"sources\">Sources</h2>")?;
    let cited = cited(config);
    if cited.is_empty() {
        writeln!(
            h,
            "<p>No layer names its source: give each <code>[[snapshot]]</code> and layer a \
             <code>source</code> in the analysis file.</p>"
        )?;
        return Ok(());
    }
    writeln!(
        h,
        "<p>The data the layers were drawn from, as the analysis file gives them (also in \
         <code>sources.bib</code>, BibTeX, and <code>sources.json</code>, CSL-JSON). The \
         published figures' sources are in the references table.</p>\n<ul class=\"sources\">"
    )?;
    for c in &cited {
        let mut citation = esc(&c.source.citation());
        if let Some(url) = &c.source.url {
            let url = esc(url);
            citation = citation.replacen(&url, &format!("<a href=\"{url}\">{url}</a>"), 1);
        }
        writeln!(
            h,
            "<li id=\"source-{}\">[{}] {citation} <span class=\"note\">Used for: {}.</span></li>",
            esc(&c.key),
            esc(&c.key),
            esc(&c.layers.join(", "))
        )?;
    }
    writeln!(h, "</ul>")?;
    let missing = unsourced(config);
    if !missing.is_empty() {
        writeln!(
            h,
            "<p class=\"note\">Layers without a source: {}.</p>",
            esc(&missing.join(", "))
        )?;
    }
    Ok(())
}

/// A BibTeX field value: braces, backslashes and the characters TeX
/// treats specially escaped.
fn tex(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            _ => out.push(c),
        }
    }
    out
}

/// `sources.bib`: one `@misc` entry per source (the title in double
/// braces, so styles keep its capitals; `url` as written).
pub fn bibtex(config: &Config) -> String {
    let mut out = String::new();
    for c in cited(config) {
        let s = c.source;
        let mut fields = vec![];
        if let Some(a) = &s.author {
            fields.push(("author", format!("{{{}}}", tex(a))));
        }
        fields.push(("title", format!("{{{{{}}}}}", tex(&s.title))));
        if let Some(y) = s.year {
            fields.push(("year", format!("{{{y}}}")));
        }
        if let Some(p) = &s.publisher {
            fields.push(("publisher", format!("{{{}}}", tex(p))));
        }
        if let Some(u) = &s.url {
            // `url` is read verbatim by the url package: only braces are
            // unsafe in it.
            fields.push(("url", format!("{{{}}}", u.replace(['{', '}'], ""))));
        }
        let note: Vec<String> = s
            .licence
            .iter()
            .map(|l| format!("Licence: {l}"))
            .chain(s.note.clone())
            .collect();
        if !note.is_empty() {
            fields.push(("note", format!("{{{}}}", tex(&note.join(". ")))));
        }
        let _ = writeln!(out, "@misc{{{},", c.key);
        for (name, value) in fields {
            let _ = writeln!(out, "  {name} = {value},");
        }
        out.push_str("}\n\n");
    }
    out
}

/// One CSL name: "Family, Given" split, anything else as a literal.
fn csl_name(name: &str) -> Value {
    match name.split_once(',') {
        Some((family, given)) if !given.trim().is_empty() => {
            json!({"family": family.trim(), "given": given.trim()})
        }
        _ => json!({"literal": name}),
    }
}

/// The sources as CSL-JSON items (type `dataset`).
pub fn csl_items(config: &Config) -> Vec<Value> {
    cited(config)
        .into_iter()
        .map(|c| {
            let s = c.source;
            let mut item = serde_json::Map::new();
            item.insert("id".into(), json!(c.key));
            item.insert("type".into(), json!("dataset"));
            item.insert("title".into(), json!(s.title));
            let names = authors(s);
            if !names.is_empty() {
                item.insert(
                    "author".into(),
                    Value::Array(names.into_iter().map(csl_name).collect()),
                );
            }
            if let Some(y) = s.year {
                item.insert("issued".into(), json!({"date-parts": [[y]]}));
            }
            if let Some(p) = &s.publisher {
                item.insert("publisher".into(), json!(p));
            }
            if let Some(u) = &s.url {
                item.insert("URL".into(), json!(u));
            }
            if let Some(l) = &s.licence {
                item.insert("license".into(), json!(l));
            }
            if let Some(n) = &s.note {
                item.insert("note".into(), json!(n));
            }
            Value::Object(item)
        })
        .collect()
}

/// `sources.json`: the CSL-JSON array, pretty-printed.
pub fn csl_json(config: &Config) -> String {
    let mut text =
        serde_json::to_string_pretty(&Value::Array(csl_items(config))).unwrap_or_default();
    text.push('\n');
    text
}

/// The Data Package's `sources` (Frictionless: `title`, `path` for a URL;
/// the other parts of the citation as further properties), of the layers
/// feeding `table`, or of all layers when `table` is `None`.
pub fn package_sources(config: &Config, table: Option<&str>) -> Vec<Value> {
    cited(config)
        .into_iter()
        .filter(|c| table.is_none_or(|t| c.feeds.iter().any(|f| f.feeds(t))))
        .map(|c| {
            let s = c.source;
            let mut source = serde_json::Map::new();
            source.insert("title".into(), json!(s.title));
            if let Some(u) = &s.url {
                source.insert("path".into(), json!(u));
            }
            for (key, value) in [
                ("author", &s.author),
                ("publisher", &s.publisher),
                ("licence", &s.licence),
                ("note", &s.note),
            ] {
                if let Some(v) = value {
                    source.insert(key.into(), json!(v));
                }
            }
            if let Some(y) = s.year {
                source.insert("year".into(), json!(y));
            }
            source.insert("id".into(), json!(c.key));
            Value::Object(source)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra_a: &str, extra_b: &str, tail: &str) -> Config {
        let text = format!(
            "[[snapshot]]\nyear = 1\ntreaty = \"a\"\npath = \"a.shp\"\n{extra_a}\n\n\
             [[snapshot]]\nyear = 2\ntreaty = \"b\"\npath = \"b.shp\"\n{extra_b}\n{tail}"
        );
        Config::parse(&text, std::path::Path::new("a.toml")).expect("valid")
    }

    const DCW: &str = "source = { title = \"Digital Chart of the World\", author = \"Wessel, Paul\", year = 2020, url = \"https://example.org/dcw_{x}\", licence = \"LGPL-3+\", note = \"50% & more_\" }";

    #[test]
    fn one_source_used_twice_is_listed_once_with_both_layers() {
        let c = config(
            DCW,
            DCW,
            "[rivers]\npath = \"r.shp\"\nsource = \"Rivers of the world, 1990\"\n",
        );
        let cited = cited(&c);
        assert_eq!(cited.len(), 2);
        assert_eq!(cited[0].key, "wessel2020");
        assert_eq!(cited[0].layers, ["snapshot 1 (a)", "snapshot 2 (b)"]);
        assert_eq!(cited[1].key, "rivers");
        assert_eq!(cited[1].layers, ["rivers"]);
        assert!(unsourced(&c).is_empty());
        // Per table: the rivers feed only the boundaries.
        let titles = |t| -> Vec<String> {
            package_sources(&c, Some(t))
                .iter()
                .map(|s| s["title"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(titles("areas"), ["Digital Chart of the World"]);
        assert_eq!(titles("boundaries").len(), 2);
        assert_eq!(
            package_sources(&c, None)[0]["path"],
            "https://example.org/dcw_{x}"
        );
    }

    #[test]
    fn equal_keys_get_letters() {
        let c = config(
            "source = { title = \"One\", author = \"Smith, A.\", year = 1900 }",
            "source = { title = \"Two\", author = \"B. Smith\", year = 1900 }",
            "",
        );
        let keys: Vec<String> = cited(&c).into_iter().map(|c| c.key).collect();
        assert_eq!(keys, ["smith1900a", "smith1900b"]);
    }

    #[test]
    fn bibtex_escapes_and_keeps_braces_balanced() {
        let c = config(DCW, "", "");
        let bib = bibtex(&c);
        assert!(bib.starts_with("@misc{wessel2020,\n"), "{bib}");
        assert!(
            bib.contains("  title = {{Digital Chart of the World}},\n"),
            "{bib}"
        );
        assert!(
            bib.contains("  url = {https://example.org/dcw_x},\n"),
            "{bib}"
        );
        assert!(
            bib.contains("note = {Licence: LGPL-3+. 50\\% \\& more\\_}"),
            "{bib}"
        );
        let mut depth = 0i32;
        let mut previous = ' ';
        for ch in bib.chars() {
            if previous != '\\' {
                depth += match ch {
                    '{' => 1,
                    '}' => -1,
                    _ => 0,
                };
            }
            assert!(depth >= 0);
            previous = ch;
        }
        assert_eq!(depth, 0);
        assert_eq!(unsourced(&c), ["snapshot 2 (b)"]);
    }

    #[test]
    fn csl_names_split_family_and_given() {
        let c = config(
            "source = { title = \"T\", author = \"Wessel, Paul and Defense Mapping Agency\" }",
            "",
            "",
        );
        let items: Vec<Value> = serde_json::from_str(&csl_json(&c)).unwrap();
        assert_eq!(items[0]["type"], "dataset");
        assert_eq!(items[0]["author"][0]["family"], "Wessel");
        assert_eq!(items[0]["author"][0]["given"], "Paul");
        assert_eq!(items[0]["author"][1]["literal"], "Defense Mapping Agency");
        assert!(items[0].get("issued").is_none());
    }
}
