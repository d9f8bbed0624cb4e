//! What several maps of a run draw alike after their outlines (the
//! graticule, the rivers, the places and their labels, the scale bar, the
//! legend lines they share), parsed once and drawn on each of them.
//!
//! Each map's drawing after its plain outlines is read as a list of
//! parts ([`parts`]): an element on a line of its own, or a group of
//! elements from its opening line to its closing one. A part that more
//! than one map draws (the same text, in the same document head, in or
//! out of the map's plain group) is parsed, its text laid out, the first
//! time a map draws it, and the tree drawn again for the other maps; the
//! parts between are drawn from one document each, as before.
//!
//! Reference path: the map's whole drawing after its outlines as one
//! document ([`super::fonts::draw`] of it, thinned). Fast path:
//! [`Repeated::draw`]. The parts are drawn one after the other straight
//! onto the picture (the map's group is plain, its head, repeated in
//! every document, draws nothing: the `<svg>` tag and the style sheet,
//! and no part names another: no `id`, `url(` or `href`), so the pixels
//! are the same;
//! `tests::repeated_parts_are_drawn_as_the_whole_document_draws_them` and
//! `a_run_draws_the_maps_the_reference_path_draws` in
//! `tests/reference_paths.rs` hold the pictures equal. Laying out the same
//! labels again on every map was a sixth of drawing the PNGs.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::fontdb::Database;
use resvg::usvg::{Options, Tree};

use super::raster::thinned;

/// One part of a map's drawing: where it lies, and whether it is inside
/// the map's group.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Part {
    span: Range<usize>,
    in_group: bool,
}

/// The parts of `rest`, a map's drawing from inside its group (after the
/// group's opening tag) to the end of the document: each line an element
/// (beginning with `<` and ending with `>`, naming no group), or a group's
/// lines from its opening tag (a line of its own) to its closing one. The
/// line closing the map's group and the document's closing tag are no
/// parts. `None` when `rest` is of any other form, or a part may name
/// another (`id=`, `url(`, `href`) or sets a style (`<style`, `<defs`):
/// then it is drawn whole.
fn parts(rest: &str) -> Option<Vec<Part>> {
    let mut parts = Vec::new();
    let mut in_group = true;
    let mut ended = false;
    // The start of the open nested group, and how deep it is.
    let mut nested: Option<(usize, usize)> = None;
    let mut at = 0;
    for line in rest.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let text = line.strip_suffix('\n')?;
        if ended
            || ["id=", "url(", "href", "<style", "<defs"]
                .iter()
                .any(|n| text.contains(n))
        {
            return None;
        }
        let opens =
            text.starts_with("<g") && !text.ends_with("/>") && text.matches('<').count() == 1;
        let closes = text == "</g>";
        if let Some((from, depth)) = nested.as_mut() {
            if opens {
                *depth += 1;
            } else if closes {
                *depth -= 1;
                if *depth == 0 {
                    parts.push(Part {
                        span: *from..at,
                        in_group,
                    });
                    nested = None;
                }
            }
            continue;
        }
        if opens {
            nested = Some((start, 1));
        } else if closes && in_group {
            in_group = false;
        } else if text == "</svg>" && !in_group {
            ended = true;
        } else if text.starts_with('<')
            && text.ends_with('>')
            && !text.contains("<g")
            && !text.contains("</g")
            && !text.contains("svg")
            && balanced(text)
        {
            parts.push(Part {
                span: start..at,
                in_group,
            });
        } else {
            return None;
        }
    }
    (ended && at == rest.len()).then_some(parts)
}

/// Whether the tags of `line` close as many elements as they open (each
/// `<name` closed by `/>` or a closing tag; comments aside), so that it
/// reads as a document of its own.
fn balanced(line: &str) -> bool {
    let count = |pattern: &str| line.matches(pattern).count();
    let closing = count("</");
    count("<") == closing + count("<!") + closing + count("/>")
}

/// The document a run of a map's drawing is drawn from: the map's head,
/// its group's opening tag when the run begins inside it, the run, and
/// the closing tags it lacks.
fn document(head: &str, open: &str, run: &str, starts_in: bool, ends_in: bool) -> String {
    let mut doc = String::with_capacity(head.len() + open.len() + run.len() + 16);
    doc.push_str(head);
    if starts_in {
        doc.push_str(open);
    }
    doc.push_str(run);
    if !run.ends_with("</svg>\n") {
        if ends_in {
            doc.push_str("</g>\n");
        }
        doc.push_str("</svg>\n");
    }
    doc
}

/// The parts more than one map draws, each by the document it is drawn
/// from (unthinned), with its tree once a map has drawn it.
#[derive(Default)]
pub struct Repeated {
    trees: HashMap<String, OnceLock<Option<Tree>>>,
}

impl Repeated {
    /// The parts that more than one of `maps` (each its head, its group's
    /// opening tag, and its drawing from inside the group to the end)
    /// draws.
    pub fn of<'a>(maps: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>) -> Repeated {
        let mut seen: HashMap<String, bool> = HashMap::new();
        for (head, open, rest) in maps {
            let Some(parts) = parts(rest) else {
                continue;
            };
            for part in parts {
                let text = &rest[part.span];
                let doc = document(head, open, text, part.in_group, part.in_group);
                seen.entry(doc)
                    .and_modify(|again| *again = true)
                    .or_insert(false);
            }
        }
        Repeated {
            trees: seen
                .into_iter()
                .filter(|(_, again)| *again)
                .map(|(doc, _)| (doc, OnceLock::new()))
                .collect(),
        }
    }

    /// How many parts are drawn from a tree parsed once.
    pub fn count(&self) -> usize {
        self.trees.len()
    }

    /// Draws `rest` (a map's drawing from inside its group to the end of
    /// the document, after `head` and the group's opening tag `open`),
    /// thinned, onto `picture`: the repeated parts from their trees, the
    /// runs between from one document each.
    pub fn draw(
        &self,
        head: &str,
        open: &str,
        rest: &str,
        mut picture: Pixmap,
        fonts: &Arc<Database>,
    ) -> Option<Pixmap> {
        let Some(parts) = parts(rest).filter(|_| !self.trees.is_empty()) else {
            let doc = document(head, open, rest, true, true);
            return super::fonts::draw(&thinned(&doc), fonts, Some(picture));
        };
        // The run not drawn yet: where it starts, whether there inside the
        // group, and whether it holds a part.
        let (mut from, mut from_in, mut holds) = (0, true, false);
        for part in &parts {
            let doc = document(
                head,
                open,
                &rest[part.span.clone()],
                part.in_group,
                part.in_group,
            );
            let Some(cell) = self.trees.get(&doc) else {
                holds = true;
                continue;
            };
            if holds {
                let run = document(
                    head,
                    open,
                    &rest[from..part.span.start],
                    from_in,
                    part.in_group,
                );
                picture = super::fonts::draw(&thinned(&run), fonts, Some(picture))?;
            }
            let tree = cell.get_or_init(|| {
                let options = Options {
                    fontdb: fonts.clone(),
                    ..Options::default()
                };
                Tree::from_str(&thinned(&doc), &options).ok()
            });
            let tree = tree.as_ref()?;
            let size = tree.size().to_int_size();
            if (size.width(), size.height()) != (picture.width(), picture.height()) {
                return None;
            }
            resvg::render(tree, Transform::default(), &mut picture.as_mut());
            (from, from_in, holds) = (part.span.end, part.in_group, false);
        }
        if holds {
            let run = document(head, open, &rest[from..], from_in, false);
            picture = super::fonts::draw(&thinned(&run), fonts, Some(picture))?;
        }
        Some(picture)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"300\" height=\"200\" viewBox=\"0 0 300 200\" font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\">\
        <style>.graticule path{fill:none;stroke:#9aa4ad;stroke-width:0.5;stroke-dasharray:2 3}\
        .place{font-size:11px;fill:#222222;paint-order:stroke;stroke:#ffffff;stroke-width:3px}\
        .legend{font-size:11px;fill:#222222}</style>\n";
    const OPEN: &str = "<g>\n";

    /// A map's drawing after its outlines, of the kinds the maps draw:
    /// `own` is what only this map draws.
    fn rest(own: &str) -> String {
        format!(
            "<g class=\"graticule\">\n<path d=\"M0.0,20.0L300.0,40.0\"/>\n<text x=\"10.0\" y=\"30.0\" class=\"place\">45°N</text>\n</g>\n\
             <path d=\"M20.0,150.0L80.1,120.2L80.2,120.3L140.0,160.0\" fill=\"none\" stroke=\"#4a90c8\" stroke-width=\"0.9\"/>\n\
             <path d=\"M30.0,40.0L200.0,90.0L250.0,60.0\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1.6\" stroke-dasharray=\"5 3\" stroke-linejoin=\"round\"/>\n\
             {own}\
             <circle cx=\"118.5\" cy=\"91.2\" r=\"3\" fill=\"#222222\" stroke=\"#ffffff\" stroke-width=\"1\"/>\n\
             <text x=\"125.0\" y=\"94.8\" class=\"place\">Nerchinsk</text>\n\
             <!-- no room for the label Uda -->\n\
             </g>\n<path d=\"M0,0H300V20H0Z\" fill=\"#ffffff\"/>\n\
             <text x=\"12\" y=\"16\" font-size=\"13\" font-weight=\"bold\" fill=\"#222222\">{own_title}</text>\n\
             <g transform=\"translate(200.0,40.0)\">\n<rect x=\"0\" y=\"1.0\" width=\"18\" height=\"12\" fill=\"#f2d56b\"/>\n\
             <text x=\"24\" y=\"11.0\" class=\"legend\"><tspan>Qing</tspan></text>\n</g>\n\
             <text x=\"26.0\" y=\"186.0\" font-size=\"9\" fill=\"#555555\">scale true at the centre</text>\n</svg>\n",
            own_title = if own.is_empty() { "Alike" } else { "Its own — 1860" }
        )
    }

    /// Each map drawn part by part, some parts from trees parsed for
    /// another map, and drawn whole: the same pixels.
    #[test]
    fn repeated_parts_are_drawn_as_the_whole_document_draws_them() {
        let fonts = super::super::Fonts::system();
        for t in ["45°N", "Nerchinsk", "Qing", "Alike", "Its own — 1860"] {
            fonts.width(t, 11.0, false);
        }
        let fonts = fonts.database();
        let own = "<text x=\"60.0\" y=\"70.0\" class=\"place\">Aihui</text>\n\
                   <path d=\"M40.0,50.0L90.0,50.0\" stroke=\"#333333\" stroke-width=\"0.8\"/>\n";
        let (a, b) = (rest(own), rest(""));
        let repeated = Repeated::of([(HEAD, OPEN, a.as_str()), (HEAD, OPEN, b.as_str())]);
        // All but the parts of `own` and the title.
        assert_eq!(repeated.count(), parts(&b).expect("parts").len() - 1);
        let blank = || {
            let mut page = Pixmap::new(300, 200).expect("a picture");
            page.fill(resvg::tiny_skia::Color::from_rgba8(238, 244, 248, 255));
            page
        };
        for rest in [&a, &b] {
            let reference = super::super::fonts::draw(
                &thinned(&format!("{HEAD}{OPEN}{rest}")),
                &fonts,
                Some(blank()),
            )
            .expect("drawn");
            // Twice: the trees parsed, then drawn again.
            for _ in 0..2 {
                let fast = repeated
                    .draw(HEAD, OPEN, rest, blank(), &fonts)
                    .expect("drawn");
                assert!(fast.data() == reference.data(), "the pictures differ");
            }
            let alone = Repeated::default().draw(HEAD, OPEN, rest, blank(), &fonts);
            assert!(alone.expect("drawn").data() == reference.data());
        }
    }

    /// Parts are elements on lines of their own and whole groups; any
    /// other form, or a part naming another, is drawn whole.
    #[test]
    fn parts_are_lines_and_whole_groups() {
        let rest = "<circle r=\"1\"/>\n<!-- a note -->\n<g class=\"a\">\n<g>\n<path d=\"M1,1\"/>\n</g>\n</g>\n</g>\n<text><tspan>x</tspan></text>\n</svg>\n";
        let spans: Vec<(&str, bool)> = parts(rest)
            .expect("parts")
            .into_iter()
            .map(|p| (&rest[p.span], p.in_group))
            .collect();
        assert_eq!(
            spans,
            [
                ("<circle r=\"1\"/>\n", true),
                ("<!-- a note -->\n", true),
                (
                    "<g class=\"a\">\n<g>\n<path d=\"M1,1\"/>\n</g>\n</g>\n",
                    true
                ),
                ("<text><tspan>x</tspan></text>\n", false),
            ]
        );
        for bad in [
            "<circle r=\"1\"/>\n</g>\n</svg>",
            "<circle r=\"1\"/>\n</g>\n",
            "<circle r=\"1\"/>\n</svg>\n",
            "<circle id=\"c\" r=\"1\"/>\n</g>\n</svg>\n",
            "<use href=\"#c\"/>\n</g>\n</svg>\n",
            "<g><circle r=\"1\"/></g>\n</g>\n</svg>\n",
            "text\n</g>\n</svg>\n",
            "<g>\n<circle r=\"1\"/>\n</g>\n</svg>\n",
            "<text x=\"1\">\nx</text>\n</g>\n</svg>\n",
            "<text x=\"1\"><tspan>x</text>\n</g>\n</svg>\n",
        ] {
            assert_eq!(parts(bad), None, "{bad}");
        }
    }
}
