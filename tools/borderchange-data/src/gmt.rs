//! Reading GMT's multi-segment text (`gmt coast … -M`).

use std::process::Command;

use anyhow::{bail, Context, Result};
use geo::{Coord, LineString, MultiPolygon, Polygon};

/// Runs `gmt` with `args` and returns its output's segments, each a list of
/// (longitude, latitude) points.
pub fn segments(args: &[&str]) -> Result<Vec<Vec<Coord<f64>>>> {
    // GMT writes gmt.history into its working folder: give it a scratch one.
    let scratch = tempfile::tempdir().context("creating a scratch folder for gmt")?;
    let out = Command::new("gmt")
        .args(args)
        .current_dir(scratch.path())
        .output()
        .with_context(|| "running gmt (install it with `make deps-data`)".to_string())?;
    if !out.status.success() {
        bail!(
            "gmt {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8(out.stdout).context("gmt printed non-UTF-8 text")?;
    let mut segs: Vec<Vec<Coord<f64>>> = Vec::new();
    for line in text.lines() {
        if line.starts_with('>') {
            segs.push(Vec::new());
            continue;
        }
        let mut it = line.split_whitespace();
        let (Some(x), Some(y)) = (it.next(), it.next()) else {
            continue;
        };
        let c = Coord {
            x: x.parse().with_context(|| format!("gmt output: {line}"))?,
            y: y.parse().with_context(|| format!("gmt output: {line}"))?,
        };
        match segs.last_mut() {
            Some(s) => s.push(c),
            None => segs.push(vec![c]),
        }
    }
    segs.retain(|s| !s.is_empty());
    Ok(segs)
}

/// A DCW unit (`MN`, `RU.AMU`, …) as polygons: GMT prints each ring as a
/// segment; DCW units have no holes.
pub fn dcw_unit(code: &str) -> Result<MultiPolygon<f64>> {
    let segs = segments(&["coast", &format!("-E{code}"), "-M"])?;
    if segs.is_empty() {
        bail!("DCW has no unit {code} (is gmt-dcw installed?)");
    }
    let polys = segs
        .into_iter()
        .filter(|s| s.len() >= 3)
        .map(|mut s| {
            if s.first() != s.last() {
                let first = s[0];
                s.push(first);
            }
            Polygon::new(LineString::new(s), vec![])
        })
        .collect();
    Ok(MultiPolygon::new(polys))
}

/// WDBII rivers (all permanent rivers, full resolution) inside a box.
pub fn rivers(west: f64, east: f64, south: f64, north: f64) -> Result<Vec<Vec<Coord<f64>>>> {
    segments(&[
        "coast",
        &format!("-R{west}/{east}/{south}/{north}"),
        "-Ir",
        "-Df",
        "-M",
    ])
}
