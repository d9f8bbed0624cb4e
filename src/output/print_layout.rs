//! Print layouts for the QGIS project: one A4 landscape page per snapshot
//! with its map (the snapshot's layers at its time), a title, a legend, a
//! scale bar and the sources, ready for Layout → Export as PDF. Written as
//! the plain XML QGIS 3.22 reads; what is left out takes QGIS's defaults.

use std::fmt::Write as _;

use super::qgis::escape;
use crate::date::Date;

/// A layer a layout's map draws.
#[derive(Debug, Clone)]
pub struct LayoutLayer {
    /// The project layer's id.
    pub id: String,
    /// The legend's heading for it; `None` keeps it out of the legend.
    pub legend: Option<String>,
}

/// One print layout.
#[derive(Debug, Clone)]
pub struct PrintLayout {
    /// The name in QGIS's layout manager.
    pub name: String,
    /// The title printed on the page.
    pub title: String,
    /// The layers the map draws, top first.
    pub layers: Vec<LayoutLayer>,
    /// The map's time, first days (start, end): layers with a time range
    /// show what holds then.
    pub range: (Date, Date),
    /// The sources printed at the foot of the page.
    pub sources: String,
}

/// Page size, mm (A4 landscape).
const PAGE: (f64, f64) = (297.0, 210.0);
/// Margin, mm.
const MARGIN: f64 = 10.0;
/// The box the map is fitted into, mm.
const MAP_BOX: (f64, f64) = (205.0, 140.0);
/// Where the map's box starts from the top, mm.
const MAP_TOP: f64 = 24.0;

/// A stable item id: the same on every run (the project is hashed in the
/// manifest), unique within the project.
fn uuid(layout: usize, item: usize) -> String {
    format!("{{b0c4de00-0000-4000-8000-{layout:06}{item:06}}}")
}

/// The `<Layouts>` element for `layouts`, each map showing `extent` (map
/// CRS: xmin, ymin, xmax, ymax).
pub fn layouts_xml(layouts: &[PrintLayout], extent: (f64, f64, f64, f64)) -> String {
    let mut x = String::from("  <Layouts>\n");
    for (i, layout) in layouts.iter().enumerate() {
        x.push_str(&layout_xml(layout, i, extent));
    }
    x.push_str("  </Layouts>\n");
    x
}

/// The map item's size: `extent`'s shape, as large as [`MAP_BOX`] allows.
fn map_size((xmin, ymin, xmax, ymax): (f64, f64, f64, f64)) -> (f64, f64) {
    let (w, h) = MAP_BOX;
    let ratio = (xmax - xmin) / (ymax - ymin);
    if !ratio.is_finite() || ratio <= 0.0 {
        return MAP_BOX;
    }
    if ratio > w / h {
        (w, w / ratio)
    } else {
        (h * ratio, h)
    }
}

/// The attributes every layout item has: type, place and size (mm), id.
fn item_head(kind: u32, (x, y): (f64, f64), (w, h): (f64, f64), id: &str, z: usize) -> String {
    format!(
        "<LayoutItem type=\"{kind}\" uuid=\"{id}\" templateUuid=\"{id}\" id=\"\" \
         position=\"{x:.1},{y:.1},mm\" positionOnPage=\"{x:.1},{y:.1},mm\" \
         size=\"{w:.1},{h:.1},mm\" referencePoint=\"0\" zValue=\"{z}\" visibility=\"1\" \
         opacity=\"1\" frame=\"false\" background=\"false\""
    )
}

// QGIS 3.22's item types (QgsLayoutItemRegistry).
const PAGE_ITEM: u32 = 65638;
const MAP_ITEM: u32 = 65639;
const LABEL_ITEM: u32 = 65641;
const LEGEND_ITEM: u32 = 65642;
const SCALE_BAR_ITEM: u32 = 65646;

fn layout_xml(l: &PrintLayout, index: usize, extent: (f64, f64, f64, f64)) -> String {
    let mut x = String::new();
    let _ = writeln!(
        x,
        "    <Layout name=\"{}\" units=\"mm\" printResolution=\"300\" worldFileMap=\"\">",
        escape(&l.name)
    );
    let _ = writeln!(
        x,
        "      <PageCollection>\n        {}/>\n      </PageCollection>",
        item_head(PAGE_ITEM, (0.0, 0.0), PAGE, &uuid(index, 0), 0)
            .replace("background=\"false\"", "background=\"true\"")
    );
    let map_id = uuid(index, 1);
    let (w, h) = map_size(extent);
    let (start, end) = l.range;
    let _ = writeln!(
        x,
        "      {} drawCanvasItems=\"true\" keepLayerSet=\"true\" followPreset=\"false\" \
         followPresetName=\"\" mapRotation=\"0\" mapFlags=\"0\" isTemporal=\"1\" \
         temporalRangeBegin=\"{start}T00:00:00Z\" temporalRangeEnd=\"{end}T00:00:00Z\">",
        item_head(MAP_ITEM, (MARGIN, MAP_TOP), (w, h), &map_id, 1)
            .replace("frame=\"false\"", "frame=\"true\"")
    );
    let (xmin, ymin, xmax, ymax) = extent;
    let _ = writeln!(
        x,
        "        <Extent xmin=\"{xmin}\" ymin=\"{ymin}\" xmax=\"{xmax}\" ymax=\"{ymax}\"/>"
    );
    x.push_str("        <LayerSet>\n");
    for layer in &l.layers {
        let _ = writeln!(x, "          <Layer>{}</Layer>", escape(&layer.id));
    }
    x.push_str("        </LayerSet>\n");
    x.push_str("      </LayoutItem>\n");

    let _ = writeln!(
        x,
        "      {} labelText=\"{}\" halign=\"1\" valign=\"32\" marginX=\"0\" marginY=\"0\" htmlState=\"0\">\n        \
         <LabelFont description=\"Sans Serif,18,-1,5,75,0,0,0,0,0\" style=\"\"/>\n        \
         <FontColor red=\"0\" green=\"0\" blue=\"0\" alpha=\"255\"/>\n      </LayoutItem>",
        item_head(
            LABEL_ITEM,
            (MARGIN, MARGIN - 2.0),
            (PAGE.0 - 2.0 * MARGIN, 12.0),
            &uuid(index, 2),
            2
        ),
        escape(&l.title)
    );

    let right = MARGIN + w + 6.0;
    let _ =
        writeln!(
        x,
        "      {} title=\"\" map_uuid=\"{map_id}\" resizeToContents=\"1\" legendFilterByMap=\"1\" \
         legendFilterByAtlas=\"0\" columnCount=\"1\" symbolWidth=\"7\" symbolHeight=\"4\" \
         wrapChar=\"\" boxSpace=\"2\" columnSpace=\"2\">",
        item_head(LEGEND_ITEM, (right, MAP_TOP), (0.0, 0.0), &uuid(index, 3), 3)
    );
    x.push_str("        <layer-tree-group>\n");
    for layer in &l.layers {
        let Some(heading) = &layer.legend else {
            continue;
        };
        let _ = writeln!(
            x,
            "          <layer-tree-layer id=\"{}\" name=\"{}\" checked=\"Qt::Checked\" expanded=\"1\">\n            \
             <customproperties><Option type=\"Map\"><Option type=\"QString\" name=\"legend/title-label\" value=\"{}\"/></Option></customproperties>\n          \
             </layer-tree-layer>",
            escape(&layer.id),
            escape(heading),
            escape(heading)
        );
    }
    x.push_str("        </layer-tree-group>\n");
    x.push_str("      </LayoutItem>\n");

    let _ = writeln!(
        x,
        "      {} mapUuid=\"{map_id}\" style=\"Single Box\" unitType=\"kilometers\" unitLabel=\"km\" \
         numMapUnitsPerScaleBarUnit=\"1000\" numSegments=\"2\" numSegmentsLeft=\"0\" \
         numSubdivisions=\"1\" segmentSizeMode=\"1\" minBarWidth=\"30\" maxBarWidth=\"60\" \
         numUnitsPerSegment=\"100\" height=\"3\" labelBarSpace=\"3\" boxContentSpace=\"1\" \
         alignment=\"0\"/>",
        item_head(
            SCALE_BAR_ITEM,
            (MARGIN, MAP_TOP + h + 3.0),
            (60.0, 14.0),
            &uuid(index, 4),
            4
        )
    );

    let _ = writeln!(
        x,
        "      {} labelText=\"{}\" halign=\"1\" valign=\"32\" marginX=\"0\" marginY=\"0\" htmlState=\"0\">\n        \
         <LabelFont description=\"Sans Serif,7,-1,5,50,0,0,0,0,0\" style=\"\"/>\n        \
         <FontColor red=\"60\" green=\"60\" blue=\"60\" alpha=\"255\"/>\n      </LayoutItem>",
        item_head(
            LABEL_ITEM,
            (MARGIN, MAP_TOP + MAP_BOX.1 + 19.0),
            (PAGE.0 - 2.0 * MARGIN, PAGE.1 - MAP_TOP - MAP_BOX.1 - 19.0 - MARGIN),
            &uuid(index, 5),
            5
        ),
        escape(&l.sources)
    );
    x.push_str("    </Layout>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_keeps_the_extents_shape() {
        let (w, h) = map_size((0.0, 0.0, 4000.0, 1000.0));
        assert!((w / h - 4.0).abs() < 1e-9 && w <= MAP_BOX.0 && h <= MAP_BOX.1);
        let (w, h) = map_size((0.0, 0.0, 1000.0, 2000.0));
        assert!((w / h - 0.5).abs() < 1e-9 && h == MAP_BOX.1);
    }

    #[test]
    fn each_layout_has_its_own_item_ids_and_the_map_its_time() {
        let layout = |name: &str, year: i32| PrintLayout {
            name: name.into(),
            title: format!("Borders <{year}>"),
            layers: vec![LayoutLayer {
                id: format!("states_{year}"),
                legend: Some("Holders".into()),
            }],
            range: (Date::first_of(year), Date::first_of(year + 2)),
            sources: "a & b".into(),
        };
        let x = layouts_xml(
            &[layout("1858", 1858), layout("1860", 1860)],
            (0.0, 0.0, 2.0, 1.0),
        );
        assert_eq!(x.matches("<Layout name=").count(), 2);
        assert!(x.contains(
            "temporalRangeBegin=\"1860-01-01T00:00:00Z\" temporalRangeEnd=\"1862-01-01T00:00:00Z\""
        ));
        assert!(x.contains("labelText=\"Borders &lt;1858&gt;\"") && x.contains("a &amp; b"));
        let ids: std::collections::BTreeSet<&str> = x
            .split("uuid=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect();
        assert_eq!(ids.len(), 12, "{ids:?}");
    }
}
