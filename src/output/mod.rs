//! Everything a run writes: the layers with their styles and the QGIS
//! project ([`layers`]), the reports, tables and maps ([`report`]). `run`
//! decides where (a staging folder) and when; this module decides what.

pub mod layers;
pub mod print_layout;
pub mod qgis;
pub mod report;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::sync::Mutex;

use crate::analysis::Analysis;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::load::Inputs;
use crate::manifest::{self, FileEntry};
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
    /// The maps' projection and extent for the QGIS project: sent once,
    /// when made; nothing if it could not be made.
    pub(crate) map_view: &'a Mutex<Receiver<MapFrame>>,
    /// The cores the writers share: each takes one for each file (or
    /// group of files) it makes.
    pub(crate) cores: &'a crate::support::parallel::Cores,
}

/// The maps' projection (PROJ definition) and the study region's extent
/// in it (xmin, ymin, xmax, ymax, metres), as [`report::maps::MapView`]
/// has them.
pub(crate) type MapFrame = (String, (f64, f64, f64, f64));

/// Writes `content` to `name` in `dir`; returns `name`.
pub(crate) fn write_text(dir: &Path, name: &str, content: String) -> Result<PathBuf> {
    let path = dir.join(name);
    fs::write(&path, content).map_err(|source| Error::Io { path, source })?;
    Ok(PathBuf::from(name))
}

/// A file written (relative to the output folder) and its manifest entry.
pub(crate) type Hashed = (PathBuf, FileEntry);

/// Writes `content` to `name` in `dir`, hashing it from memory for the
/// manifest as it is written.
///
/// Fast path: the reference path is [`hashed_from_disk`] (the file read
/// back), which `tests::hashing_as_written_matches_reading_back` holds equal.
///
/// Written a mebibyte at a time: Linux copies a buffer of several
/// megabytes into the page cache in one `write` up to several times slower
/// than in pieces (a 5 MB buffer 1.3–10 ms against 1.2–1.4 ms, 69 MB
/// 100–200 ms against 17–22 ms, ext4 here; BENCHMARKS.md).
pub(crate) fn write_hashed(dir: &Path, name: &str, content: &[u8]) -> Result<Hashed> {
    write_hashed_from(dir, name, |out| {
        content.chunks(1 << 20).try_for_each(|c| out.write_all(c))
    })
}

/// As [`write_hashed`], the content written by `fill` in pieces (an output
/// too large to hold whole), each hashed as it is written.
///
/// Fast path, as [`write_hashed`]: `tests::hashing_as_written_matches_
/// reading_back` holds it equal to [`hashed_from_disk`].
pub(crate) fn write_hashed_from(
    dir: &Path,
    name: &str,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<Hashed> {
    /// A file that hashes what is written to it.
    struct Hashing {
        file: fs::File,
        hasher: sha2::Sha256,
        bytes: u64,
    }
    impl std::io::Write for Hashing {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            use sha2::Digest;
            let n = self.file.write(buf)?;
            self.hasher.update(&buf[..n]);
            self.bytes += n as u64;
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.file.flush()
        }
    }
    let path = dir.join(name);
    let io_error = |source| Error::Io {
        path: path.clone(),
        source,
    };
    let file = fs::File::create(&path).map_err(io_error)?;
    let mut out = Hashing {
        file,
        hasher: sha2::Digest::new(),
        bytes: 0,
    };
    fill(&mut out).map_err(io_error)?;
    let name = PathBuf::from(name);
    let entry = FileEntry {
        path: manifest::slash_path(&name),
        bytes: out.bytes,
        sha256: format!("{:x}", sha2::Digest::finalize(out.hasher)),
    };
    Ok((name, entry))
}

/// A file another writer made (GDAL, Chromium), hashed by reading it back.
pub(crate) fn hashed_from_disk(dir: &Path, name: PathBuf) -> Result<Hashed> {
    let mut entries = manifest::output_entries(dir, std::slice::from_ref(&name))?;
    let entry = entries.pop().ok_or_else(|| Error::Io {
        path: dir.join(&name),
        source: std::io::Error::other("the file was not hashed"),
    })?;
    Ok((name, entry))
}

/// The maps (SVG and PNG), reports and tables, each with its manifest
/// entry, the maps drawn in `view`.
pub(crate) fn write_reports(out: &Outputs, view: report::maps::MapView) -> Result<Vec<Hashed>> {
    let core = out.cores.take();
    let fonts = report::maps::Fonts::system();
    let maps = report::maps::maps_in(view, out.config, out.inputs, out.analysis, &fonts);
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
    // Rasterising is the slow part: what every map begins with drawn once,
    // then one map per core, each written and hashed where it was drawn.
    let grounds = report::maps::raster::Grounds::of(&maps, &fonts);
    drop(core);
    // The reports and tables are one more job beside the maps, taken
    // first; the maps follow, the largest first, so that the last job to
    // end, with the other core idle, is a small one.
    let mut jobs = vec![ReportJob::Texts];
    jobs.extend(maps.iter().map(ReportJob::Map));
    let cost = |job: &ReportJob| match job {
        ReportJob::Texts => usize::MAX,
        ReportJob::Map(m) => m.svg.len(),
    };
    let written = crate::support::parallel::map_costliest_first(&jobs, cost, |job| {
        let _core = out.cores.take();
        match job {
            ReportJob::Texts => report_texts(out, &maps),
            ReportJob::Map(m) => {
                let svg = write_hashed(out.dir, &format!("maps/{}.svg", m.name), m.svg.as_bytes())?;
                let png_name = format!("maps/{}.png", m.name);
                // Drawn from the outlines thinned to the pixel grid (the SVG
                // file keeps every point).
                let png = grounds.png(m, &fonts).ok_or_else(|| Error::Io {
                    path: out.dir.join(&png_name),
                    source: std::io::Error::other("the map could not be rasterised"),
                })?;
                Ok(vec![svg, write_hashed(out.dir, &png_name, &png)?])
            }
        }
    });
    let mut files = Vec::new();
    for w in written {
        files.extend(w?);
    }
    // From the HTML report, written above.
    if out.config.output.pdf {
        files.push(hashed_from_disk(out.dir, report::pdf::print(out.dir)?)?);
    }
    Ok(files)
}

/// One job of [`write_reports`].
enum ReportJob<'m> {
    /// The reports and tables.
    Texts,
    /// A map's SVG and PNG.
    Map(&'m report::maps::Map),
}

/// The reports and tables, each with its manifest entry.
fn report_texts(out: &Outputs, maps: &[report::maps::Map]) -> Result<Vec<Hashed>> {
    let text = |name: &str, content: String| write_hashed(out.dir, name, content.as_bytes());
    let markdown = report::report_markdown(out.config, out.analysis, out.provenance, maps);
    Ok(vec![
        text(
            "report.json",
            report::report_json(out.config, out.analysis, out.provenance, out.inputs),
        )?,
        text("report.md", markdown)?,
        text(
            "report.html",
            report::report_html(out.config, out.analysis, out.provenance, maps),
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
    ])
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

#[cfg(test)]
mod tests {
    /// A file hashed from memory as it is written has the entry it has
    /// when read back (the reference path).
    #[test]
    fn hashing_as_written_matches_reading_back() {
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in [("empty.txt", Vec::new()), ("big.bin", vec![7u8; 200_001])] {
            let written = super::write_hashed(dir.path(), name, &content).unwrap();
            let read = super::hashed_from_disk(dir.path(), name.into()).unwrap();
            assert_eq!(written, read);
            // In pieces of 7 bytes.
            let pieces = super::write_hashed_from(dir.path(), name, |out| {
                content.chunks(7).try_for_each(|c| out.write_all(c))
            })
            .unwrap();
            assert_eq!(pieces, read);
        }
    }
}
