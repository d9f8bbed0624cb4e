//! The map of the disputed zones (`[zones]`, with `[[variant]]`): each
//! zone outlined and named over the newest snapshot, and in the legend what
//! every reading makes of it: the base as the snapshots draw it (the holder
//! that has the zone's inner point in each snapshot), the others as their
//! `[[variant.assign]]` tables give it.

use std::fmt::Write as _;

use geo::{Contains, InteriorPoint};

use super::fonts::Fonts;
use super::labels::{Label, Placer, Rect};
use super::legend::LegendItem;
use super::{document, furniture, hex, map_area, write_label, Body, Frame, Map, LABEL_SIZE};
use crate::load::Inputs;
use crate::output::qgis::treaty_colours;

/// The zones' map, or `None` when the analysis has no zones or no
/// readings.
pub(super) fn zone_map(
    frame: &Frame,
    fonts: &Fonts,
    inputs: &Inputs,
    title: &str,
    background: Body,
    grat_boxes: &[Rect],
    context_legend: Vec<LegendItem>,
) -> Option<Map> {
    if inputs.zones.is_empty() || inputs.readings.is_empty() {
        return None;
    }
    let slots: Vec<String> = (0..inputs.zones.len()).map(|k| k.to_string()).collect();
    let colours = treaty_colours(&slots);
    let mut body = background;
    let mut legend = Vec::new();
    let mut labels = Vec::new();
    // A zone's inner point is costly (geo finds it by relating the
    // polygons): worked out once per zone, each on its own core.
    let inner = crate::support::parallel::map(&inputs.zones, |zone| zone.geometry.interior_point());
    for ((zone, (_, colour)), inner) in inputs.zones.iter().zip(&colours).zip(inner) {
        let _ = writeln!(
            body.own,
            "<path d=\"{}\" fill=\"{}\" fill-opacity=\"0.35\" fill-rule=\"evenodd\" stroke=\"{}\" stroke-width=\"1.6\" stroke-linejoin=\"round\"/>",
            frame.polygons(&zone.geometry),
            hex(*colour),
            hex(*colour)
        );
        legend.push(LegendItem::Fill(zone.id.clone(), *colour));
        for line in readings_of(inputs, zone, inner) {
            legend.push(LegendItem::Note(line));
        }
        // Named at its inner point, or near it.
        if let Some(at) = inner.and_then(|p| frame.px(p.x(), p.y())) {
            labels.push(Label {
                text: zone.id.clone(),
                width: fonts.width(&zone.id, LABEL_SIZE, true),
                size: LABEL_SIZE,
                anchors: vec![at],
                gap: 0.0,
            });
        }
    }
    // Centred on their points where there is room (gap 0).
    let mut placer = Placer::new(map_area(), furniture(frame, grat_boxes));
    for label in &labels {
        body.own.push_str(&write_label(&mut placer, label, "zone"));
    }
    legend.extend(context_legend);
    let caption = format!("{title} — disputed zones and the readings");
    let (svg, shared) = document(frame, fonts, &caption, &body, &legend);
    Some(Map {
        name: "zones".into(),
        title: caption,
        svg,
        shared,
    })
}

/// One line per reading: who holds the zone (whose inner point is `inner`)
/// in which snapshots.
fn readings_of(
    inputs: &Inputs,
    zone: &crate::geometry::variants::Zone,
    inner: Option<geo::Point<f64>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (i, reading) in inputs.readings.iter().enumerate() {
        let mut held: Vec<(String, Vec<String>)> = Vec::new();
        for s in &inputs.snapshots {
            let assigned = reading
                .assigned_in(s.year.year)
                .into_iter()
                .find(|(z, _)| *z == zone.id)
                .map(|(_, h)| h.to_owned());
            // Unassigned: as drawn in the snapshot.
            let holder = assigned.or_else(|| {
                let p = inner?;
                s.holdings
                    .iter()
                    .find(|h| h.geometry.contains(&p))
                    .map(|h| h.state.clone())
            });
            let holder = holder.unwrap_or_else(|| "nobody".to_owned());
            match held.last_mut() {
                Some((h, years)) if *h == holder => years.push(s.year.to_string()),
                _ => held.push((holder, vec![s.year.to_string()])),
            }
        }
        let base = if i == 0 { " (as drawn)" } else { "" };
        let parts: Vec<String> = held
            .iter()
            .map(|(h, years)| format!("{h} {}", years.join(", ")))
            .collect();
        out.push(format!("{}{base}: {}", reading.name, parts.join("; ")));
    }
    out
}
