//! The legend beside a map, made to fit its column whatever the names:
//! text is measured in the map's fonts and wrapped at spaces (a word wider
//! than the column is broken), and a legend taller than the column is
//! scaled down as a whole, wrapped again to the wider lines that leaves.

use std::fmt::Write as _;

use super::fonts::Fonts;
use super::{escape, hex};

/// One entry of a legend.
pub enum LegendItem {
    /// A filled swatch and its label.
    Fill(String, (u8, u8, u8)),
    /// A line (dashed or not) and its label.
    Line(String, &'static str, bool),
    /// A grey note under the entry before it (smaller, indented).
    Note(String),
}

/// Legend text size, px; notes are a point smaller.
const SIZE: f64 = 11.0;
const NOTE: f64 = 10.0;
/// Room for the swatch left of the text, px.
const SWATCH: f64 = 24.0;

/// The legend as SVG, in the column from (`x`, `y`) of `width` × `height`
/// px.
pub fn legend(
    fonts: &Fonts,
    items: &[LegendItem],
    x: f64,
    y: f64,
    width: f64,
    height: f64,
) -> String {
    let (scale, lines) = fit(fonts, items, width, height);
    let mut s = String::new();
    if scale < 1.0 {
        let _ = writeln!(
            s,
            "<g transform=\"translate({x:.1},{y:.1}) scale({scale:.4})\">"
        );
    } else {
        let _ = writeln!(s, "<g transform=\"translate({x:.1},{y:.1})\">");
    }
    let mut ly = 0.0;
    for (item, (_, text)) in items.iter().zip(&lines) {
        let size = if matches!(item, LegendItem::Note(_)) {
            NOTE
        } else {
            SIZE
        };
        let lead = line_height(size);
        // First baseline.
        let base = ly + size;
        match item {
            LegendItem::Fill(_, colour) => {
                let _ = writeln!(
                    s,
                    "<rect x=\"0\" y=\"{:.1}\" width=\"18\" height=\"12\" fill=\"{}\" stroke=\"#666666\" stroke-width=\"0.5\"/>",
                    base - 10.0,
                    hex(*colour)
                );
            }
            LegendItem::Line(_, colour, dashed) => {
                let _ = writeln!(
                    s,
                    "<line x1=\"0\" y1=\"{:.1}\" x2=\"18\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"2.2\"{}/>",
                    base - 4.0,
                    base - 4.0,
                    if *dashed { " stroke-dasharray=\"5 3\"" } else { "" }
                );
            }
            LegendItem::Note(_) => {}
        }
        let class = if matches!(item, LegendItem::Note(_)) {
            "legend-note"
        } else {
            "legend"
        };
        let _ = write!(s, "<text x=\"{SWATCH}\" y=\"{base:.1}\" class=\"{class}\">");
        for (k, line) in text.iter().enumerate() {
            if k == 0 {
                let _ = write!(s, "<tspan>{}</tspan>", escape(line));
            } else {
                let _ = write!(
                    s,
                    "<tspan x=\"{SWATCH}\" dy=\"{lead:.1}\">{}</tspan>",
                    escape(line)
                );
            }
        }
        s.push_str("</text>\n");
        ly += item_height(item_size(item), text.len());
    }
    s.push_str("</g>\n");
    s
}

fn item_size(item: &LegendItem) -> f64 {
    match item {
        LegendItem::Note(_) => NOTE,
        _ => SIZE,
    }
}

fn line_height(size: f64) -> f64 {
    size * 1.25
}

/// An entry of `n` lines: its lines, and a gap below (less under a note's
/// entry, which the note belongs to).
fn item_height(size: f64, n: usize) -> f64 {
    let gap = if size < SIZE { 6.0 } else { 7.0 };
    line_height(size) * n as f64 + gap
}

fn total_height(lines: &[(f64, Vec<String>)]) -> f64 {
    lines
        .iter()
        .map(|(size, l)| item_height(*size, l.len()))
        .sum()
}

fn wrap_all(fonts: &Fonts, items: &[LegendItem], width: f64) -> Vec<(f64, Vec<String>)> {
    items
        .iter()
        .map(|item| {
            let text = match item {
                LegendItem::Fill(t, _) | LegendItem::Line(t, _, _) | LegendItem::Note(t) => t,
            };
            let size = item_size(item);
            (size, wrap(fonts, text, size, width - SWATCH))
        })
        .collect()
}

/// `text` in lines no wider than `width` px at `size`: broken at spaces,
/// and within a word only where the word alone is wider.
pub fn wrap(fonts: &Fonts, text: &str, size: f64, width: f64) -> Vec<String> {
    let fits = |t: &str| fonts.width(t, size, false) <= width;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let joined = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if fits(&joined) {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // The word alone, broken where it must be.
        for c in word.chars() {
            let mut longer = line.clone();
            longer.push(c);
            if !line.is_empty() && !fits(&longer) {
                lines.push(std::mem::take(&mut line));
                line.push(c);
            } else {
                line = longer;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The scale of the legend and its items' lines: wrapped at the column's
/// width; when too tall, scaled by the ratio and wrapped again at the
/// wider lines the scale allows (a few rounds settle it; a last shrink
/// without wrapping again makes sure).
fn fit(
    fonts: &Fonts,
    items: &[LegendItem],
    width: f64,
    height: f64,
) -> (f64, Vec<(f64, Vec<String>)>) {
    let mut scale = 1.0;
    let mut lines = wrap_all(fonts, items, width);
    for _ in 0..4 {
        let tall = total_height(&lines);
        if tall * scale <= height {
            break;
        }
        scale = height / tall;
        lines = wrap_all(fonts, items, width / scale);
    }
    let tall = total_height(&lines);
    if tall * scale > height {
        scale = height / tall;
    }
    (scale, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A holder with a very long name: every line of the legend, as
    /// measured, fits the column, no word is lost, and the legend is no
    /// taller than its column.
    #[test]
    fn a_very_long_holder_name_fits_the_column() {
        let fonts = Fonts::system();
        let long = "The Most Serene Confederation of the Upper and Lower Amur Valley Principalities and their Dependencies (as claimed in 1858, Пекинский договор, 瑷珲条约)";
        let mut items = vec![
            LegendItem::Fill(long.into(), (1, 2, 3)),
            LegendItem::Fill("Qing".into(), (1, 2, 3)),
            LegendItem::Fill(
                "Supercalifragilisticexpialidociouslylongwordwithoutanyspaces".into(),
                (1, 2, 3),
            ),
        ];
        let (width, height) = (230.0, 560.0);
        let (scale, lines) = fit(&fonts, &items, width, height);
        let lines: Vec<Vec<String>> = lines.into_iter().map(|(_, l)| l).collect();
        assert_eq!(scale, 1.0);
        for l in lines.iter().flatten() {
            let w = fonts.width(l, SIZE, false);
            assert!(w <= width - SWATCH, "{l:?} is {w} px wide");
        }
        assert!(lines[0].len() >= 4, "{:?}", lines[0]);
        assert_eq!(lines[0].join(" "), long);
        assert_eq!(
            lines[2].concat(),
            "Supercalifragilisticexpialidociouslylongwordwithoutanyspaces"
        );
        // Forty such entries: scaled to the column's height.
        for _ in 0..40 {
            items.push(LegendItem::Fill(long.into(), (1, 2, 3)));
        }
        let (scale, lines) = fit(&fonts, &items, width, height);
        let lines: Vec<Vec<String>> = lines.into_iter().map(|(_, l)| l).collect();
        assert!(scale < 1.0);
        let tall: f64 = items
            .iter()
            .zip(&lines)
            .map(|(i, l)| item_height(item_size(i), l.len()))
            .sum();
        assert!(tall * scale <= height + 1e-6, "{} > {height}", tall * scale);
        for l in lines.iter().flatten() {
            assert!(fonts.width(l, SIZE, false) * scale <= width - SWATCH * scale);
        }
    }
}
