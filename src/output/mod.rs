//! Everything a run writes: the layers with their styles and the QGIS
//! project ([`layers`]), the reports, tables and maps ([`report`]). `run`
//! decides where (a staging folder) and when; this module decides what.

pub mod layers;
pub mod print_layout;
pub mod qgis;
pub mod report;

use std::fs;
use std::path::{Path, PathBuf};

use crate::analysis::Analysis;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::load::Inputs;
use report::Provenance;

/// What the writers of a run's outputs need.
pub(crate) struct Outputs<'a> {
    pub(crate) dir: &'a Path,
    pub(crate) config: &'a Config,
    pub(crate) inputs: &'a Inputs,
    pub(crate) analysis: &'a Analysis,
    pub(crate) provenance: &'a Provenance,
    /// The analysis file, relative to the output folder where it can be
    /// (what the QGIS project finds the `[[context]]` layers by).
    pub(crate) config_from_outputs: &'a str,
}

/// Writes `content` to `name` in `dir`; returns `name`.
pub(crate) fn write_text(dir: &Path, name: &str, content: String) -> Result<PathBuf> {
    let path = dir.join(name);
    fs::write(&path, content).map_err(|source| Error::Io { path, source })?;
    Ok(PathBuf::from(name))
}

/// The maps (SVG and PNG), reports and tables.
pub(crate) fn write_reports(out: &Outputs) -> Result<Vec<PathBuf>> {
    let text = |name: &str, content: String| write_text(out.dir, name, content);
    let fonts = report::maps::Fonts::system();
    let maps = report::maps::maps(out.config, out.inputs, out.analysis, &fonts)?;
    let maps_dir = out.dir.join("maps");
    // Not `create_dir_all`: a run ended by a signal moves its staging
    // folder away while this may still be running, and must not find it
    // made again.
    fs::create_dir(&maps_dir).map_err(|source| Error::Io {
        path: maps_dir.clone(),
        source,
    })?;
    // Every face the maps' text was measured in.
    let fonts = fonts.database();
    // Rasterising is the slow part: one map per core.
    let pngs = crate::support::parallel::map(&maps, |m| report::maps::png(&m.svg, &fonts));
    let mut map_files = Vec::new();
    for (m, png) in maps.iter().zip(pngs) {
        map_files.push(text(&format!("maps/{}.svg", m.name), m.svg.clone())?);
        let png_name = format!("maps/{}.png", m.name);
        let png = png.ok_or_else(|| Error::Io {
            path: out.dir.join(&png_name),
            source: std::io::Error::other("the map could not be rasterised"),
        })?;
        let path = out.dir.join(&png_name);
        fs::write(&path, png).map_err(|source| Error::Io { path, source })?;
        map_files.push(PathBuf::from(png_name));
    }
    let markdown = report::report_markdown(out.config, out.analysis, out.provenance, &maps);
    let mut files = vec![
        text(
            "report.json",
            report::report_json(out.config, out.analysis, out.provenance, out.inputs),
        )?,
        text("report.md", markdown)?,
        text(
            "report.html",
            report::report_html(out.config, out.analysis, out.provenance, &maps),
        )?,
        text("areas.csv", report::areas_csv(out.analysis))?,
        text("transfers.csv", report::transfers_csv(out.analysis))?,
        text("boundaries.csv", report::boundaries_csv(out.analysis))?,
        text(
            "datapackage.json",
            report::datapackage_json(out.config, out.analysis),
        )?,
        text("sources.bib", report::sources::bibtex(out.config))?,
        text("sources.json", report::sources::csl_json(out.config))?,
    ];
    if out.config.output.pdf {
        files.push(report::pdf::print(out.dir)?);
    }
    files.extend(map_files);
    Ok(files)
}

/// Every holder of a run, each once: the snapshots' and those the readings
/// give zones to (the maps and the QGIS styles colour the same list).
pub(crate) fn holders(inputs: &Inputs) -> Vec<String> {
    let drawn = inputs
        .snapshots
        .iter()
        .flat_map(|s| s.holdings.iter().map(|h| h.state.clone()));
    let assigned = inputs
        .readings
        .iter()
        .flat_map(|r| r.assignments.iter().map(|a| a.holder.clone()));
    let set: std::collections::BTreeSet<String> = drawn.chain(assigned).collect();
    set.into_iter().collect()
}

/// The schema the PostgreSQL format writes to.
pub(crate) fn postgres_schema(config: &Config) -> &str {
    config
        .output
        .schema
        .as_deref()
        .unwrap_or(crate::io::postgres::DEFAULT_SCHEMA)
}
