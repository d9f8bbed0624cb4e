//! The fonts the maps are drawn with, and text measured in them: the
//! families the maps name (DejaVu Sans first) read into memory once per
//! run, and for every character those lack (Chinese, say) the first system
//! font that has it, tried in a fixed order (Noto Sans CJK SC and other
//! listed faces first, then upright regular sans faces), so a label in any
//! script the system has a font for is drawn, never a row of boxes. Widths
//! come from the fonts' own advances, for legends and labels that fit.
//!
//! Everything is read from system paths in a sorted order, so two runs on
//! one machine draw with the same faces and write the same files.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use resvg::usvg::fontdb::{Database, Source, Style, ID};

/// The families the maps name, in order of preference.
pub const MAP_FONTS: [&str; 3] = ["DejaVu Sans", "Liberation Sans", "Arial"];

/// Fallback families tried first, in this order: simplified Chinese before
/// the other CJK faces of the same collection (the Han characters of
/// Chinese place names drawn as in China), then wide-coverage sans faces.
const FALLBACKS: [&str; 6] = [
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Noto Sans",
    "DejaVu Sans",
];

/// Width of a character no font has, em (about the box drawn for it).
const MISSING_EM: f64 = 0.6;

/// The map fonts of a run; fallbacks are added as text needs them.
pub struct Fonts {
    state: Mutex<State>,
}

struct State {
    /// Faces read into memory: the map fonts, then fallbacks in the order
    /// they were needed (the rasteriser's fallback takes the first face
    /// that has a character).
    db: Database,
    /// System faces not read yet, in the order they are tried.
    candidates: Vec<Candidate>,
    /// The face that draws each character looked up (`None`: no font has
    /// it).
    face_of: HashMap<char, Option<ID>>,
    /// Each face's glyph of each character measured: whether it has one,
    /// and its advance (em). Parsing the face for every character was most
    /// of the cost of measuring the maps' labels.
    glyphs: HashMap<(ID, char), (bool, Option<f64>)>,
}

#[derive(Debug, Clone)]
struct Candidate {
    rank: (usize, u8, u16),
    path: PathBuf,
    index: u32,
}

/// Where a face stands among the fallbacks: the listed families first, in
/// their order; then upright faces before italic, sans before others,
/// regular weight before others. Ties go by path and face index.
fn fallback_rank(families: &[String], style: Style, weight: u16) -> (usize, u8, u16) {
    let listed = families
        .iter()
        .filter_map(|f| FALLBACKS.iter().position(|l| l == f))
        .min()
        .unwrap_or(FALLBACKS.len());
    let sans = families
        .iter()
        .any(|f| f.contains("Sans") && !f.contains("Mono"));
    let upright = style == Style::Normal;
    (
        listed,
        u8::from(!upright) * 2 + u8::from(!sans),
        weight.abs_diff(400),
    )
}

impl Fonts {
    /// The system's fonts of the families the maps use, read into memory
    /// once per run (all system fonts when none of them is installed: a
    /// database of font files opens the file again for every label), and
    /// the other system faces as fallbacks. The faces are listed without
    /// reading the files whole ([`super::system_fonts`]).
    pub fn system() -> Fonts {
        Fonts::from_faces(super::system_fonts::system_faces(), &MAP_FONTS)
    }

    /// As [`Fonts::system`], from the faces of `system` (files), with
    /// `primary` as the families read first.
    #[cfg(test)]
    fn from_database(system: &Database, primary: &[&str]) -> Fonts {
        Fonts::from_faces(super::system_fonts::listed(system), primary)
    }

    /// As [`Fonts::system`], from a list of system faces, with `primary` as
    /// the families read first.
    fn from_faces(mut faces: Vec<super::system_fonts::SystemFace>, primary: &[&str]) -> Fonts {
        faces.sort_by(|a, b| (&a.path, a.index).cmp(&(&b.path, b.index)));
        let mut db = Database::new();
        let mut read = std::collections::BTreeSet::new();
        let mut candidates = Vec::new();
        for face in faces {
            if face.families.iter().any(|n| primary.contains(&n.as_str())) {
                if read.insert(face.path.clone()) {
                    if let Ok(bytes) = std::fs::read(&face.path) {
                        db.load_font_data(bytes);
                    }
                }
            } else {
                candidates.push(Candidate {
                    rank: fallback_rank(&face.families, face.style, face.weight),
                    path: face.path,
                    index: face.index,
                });
            }
        }
        candidates.sort_by(|a, b| (a.rank, &a.path, a.index).cmp(&(b.rank, &b.path, b.index)));
        Fonts {
            state: Mutex::new(State {
                db,
                candidates,
                face_of: HashMap::new(),
                glyphs: HashMap::new(),
            }),
        }
    }

    /// The faces to rasterise with: every face measured so far.
    pub fn database(&self) -> Arc<Database> {
        Arc::new(self.lock().db.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere while holding it leaves nothing half-done.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Width of `text` at `size` px, bold or not, in px: each character's
    /// advance in the face that draws it (the map font of that weight when
    /// it has the character, else the first face that does), loading the
    /// fallback faces it needs. Kerning is left out: it only narrows Latin
    /// text, by well under a character.
    pub fn width(&self, text: &str, size: f64, bold: bool) -> f64 {
        self.measure(text, size, bold, State::glyph)
    }

    /// [`Fonts::width`] with every face parsed again for each character
    /// (the reference path of its cache of glyphs).
    #[cfg(test)]
    fn width_uncached(&self, text: &str, size: f64, bold: bool) -> f64 {
        self.measure(text, size, bold, |state, id, c| {
            (has_char(&state.db, id, c), advance_em(&state.db, id, c))
        })
    }

    /// [`Fonts::width`], with `glyph` saying whether a face has a
    /// character and its advance there (em).
    fn measure(
        &self,
        text: &str,
        size: f64,
        bold: bool,
        mut glyph: impl FnMut(&mut State, ID, char) -> (bool, Option<f64>),
    ) -> f64 {
        let mut state = self.lock();
        let state = &mut *state;
        state.cover(text);
        let primary = state.primary(bold);
        let mut em = 0.0;
        for c in text.chars() {
            let face = primary
                .filter(|id| glyph(state, *id, c).0)
                .or_else(|| state.face_of.get(&c).copied().flatten());
            em += face
                .and_then(|id| glyph(state, id, c).1)
                .unwrap_or(MISSING_EM);
        }
        em * size
    }

    /// The characters of `text` no installed font has.
    pub fn missing(&self, text: &str) -> Vec<char> {
        let mut state = self.lock();
        state.cover(text);
        text.chars()
            .filter(|c| state.face_of.get(c) == Some(&None))
            .collect()
    }
}

impl State {
    /// Whether face `id` has `c`, and its advance there (em), as
    /// [`has_char`] and [`advance_em`] say, each looked up once.
    fn glyph(&mut self, id: ID, c: char) -> (bool, Option<f64>) {
        let db = &self.db;
        *self
            .glyphs
            .entry((id, c))
            .or_insert_with(|| (has_char(db, id, c), advance_em(db, id, c)))
    }

    /// The first map font of the weight (regular or bold) that is loaded.
    fn primary(&self, bold: bool) -> Option<ID> {
        let weight = if bold { 700 } else { 400 };
        MAP_FONTS.iter().find_map(|family| {
            self.db
                .faces()
                .filter(|f| f.families.iter().any(|(n, _)| n == family))
                .filter(|f| f.style == Style::Normal)
                .min_by_key(|f| (f.weight.0.abs_diff(weight), f.stretch != Default::default()))
                .map(|f| f.id)
        })
    }

    /// Looks up the face of every character of `text` not looked up yet,
    /// reading fallback faces from the system where no loaded face has it.
    fn cover(&mut self, text: &str) {
        let mut wanted: Vec<char> = Vec::new();
        for c in text.chars() {
            if self.face_of.contains_key(&c) || wanted.contains(&c) || c.is_control() {
                continue;
            }
            match self.db.faces().find(|f| has_char(&self.db, f.id, c)) {
                Some(f) => {
                    let id = f.id;
                    self.face_of.insert(c, Some(id));
                }
                None => wanted.push(c),
            }
        }
        let mut k = 0;
        while !wanted.is_empty() && k < self.candidates.len() {
            let candidate = self.candidates[k].clone();
            k += 1;
            let Ok(bytes) = std::fs::read(&candidate.path) else {
                continue;
            };
            let covers: Vec<char> = match ttf_parser::Face::parse(&bytes, candidate.index) {
                Ok(face) => wanted
                    .iter()
                    .copied()
                    .filter(|c| face.glyph_index(*c).is_some())
                    .collect(),
                Err(_) => continue,
            };
            if covers.is_empty() {
                continue;
            }
            // Only this face of a collection: the rasteriser would take
            // the collection's first face that has a character.
            let ids = self.db.load_font_source(Source::Binary(Arc::new(bytes)));
            let mut kept = None;
            for id in ids {
                let index = self.db.face_source(id).map(|(_, i)| i);
                if index == Some(candidate.index) && kept.is_none() {
                    kept = Some(id);
                } else {
                    self.db.remove_face(id);
                }
            }
            self.candidates.remove(k - 1);
            k -= 1;
            for c in covers {
                self.face_of.insert(c, kept);
                wanted.retain(|w| *w != c);
            }
        }
        for c in wanted {
            self.face_of.insert(c, None);
        }
    }
}

fn has_char(db: &Database, id: ID, c: char) -> bool {
    db.with_face_data(id, |data, index| {
        ttf_parser::Face::parse(data, index)
            .ok()
            .and_then(|f| f.glyph_index(c))
            .is_some()
    }) == Some(true)
}

/// The advance of `c` in face `id`, em.
fn advance_em(db: &Database, id: ID, c: char) -> Option<f64> {
    db.with_face_data(id, |data, index| {
        let face = ttf_parser::Face::parse(data, index).ok()?;
        let glyph = face.glyph_index(c)?;
        let advance = face.glyph_hor_advance(glyph)?;
        Some(f64::from(advance) / f64::from(face.units_per_em()))
    })
    .flatten()
}

/// Rasterises an SVG map to PNG with `fonts` (labels are skipped when there
/// are none).
pub fn png(svg: &str, fonts: &Arc<Database>) -> Option<Vec<u8>> {
    draw(svg, fonts, None)?.encode_png().ok()
}

/// Draws an SVG document with `fonts` onto `under` (a picture of the
/// document's size), or onto a blank one.
pub fn draw(
    svg: &str,
    fonts: &Arc<Database>,
    under: Option<resvg::tiny_skia::Pixmap>,
) -> Option<resvg::tiny_skia::Pixmap> {
    let options = resvg::usvg::Options {
        fontdb: fonts.clone(),
        ..resvg::usvg::Options::default()
    };
    let tree = resvg::usvg::Tree::from_str(svg, &options).ok()?;
    let size = tree.size().to_int_size();
    let mut pixmap = match under {
        Some(p) if (p.width(), p.height()) == (size.width(), size.height()) => p,
        Some(_) => return None,
        None => resvg::tiny_skia::Pixmap::new(size.width(), size.height())?,
    };
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    Some(pixmap)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A label drawn alone on white, as RGBA pixels.
    fn drawn(text: &str, fonts: &Fonts) -> Vec<u8> {
        // Measured first: measuring loads the fallback faces.
        let width = fonts.width(text, 20.0, false);
        assert!(width > 0.0);
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"240\" height=\"40\" font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\"><rect width=\"240\" height=\"40\" fill=\"#ffffff\"/><text x=\"4\" y=\"28\" font-size=\"20\">{text}</text></svg>"
        );
        let options = resvg::usvg::Options {
            fontdb: fonts.database(),
            ..resvg::usvg::Options::default()
        };
        let tree = resvg::usvg::Tree::from_str(&svg, &options).expect("a valid SVG");
        let mut pixmap = resvg::tiny_skia::Pixmap::new(240, 40).expect("a pixmap");
        resvg::render(
            &tree,
            resvg::tiny_skia::Transform::default(),
            &mut pixmap.as_mut(),
        );
        pixmap.data().to_vec()
    }

    /// Chinese and Russian names are drawn with real glyphs: no character
    /// is missing from the fonts, and each name draws otherwise than the
    /// same number of characters no font has (private-use code points,
    /// drawn as the `.notdef` box). Needs DejaVu Sans and Noto Sans CJK
    /// (`make deps`), as a run does.
    #[test]
    fn chinese_and_russian_names_are_not_drawn_as_boxes() {
        let fonts = Fonts::system();
        for name in ["黑龙江", "瑷珲", "Амур", "Хабаровск"] {
            assert_eq!(fonts.missing(name), Vec::<char>::new(), "{name}");
            let boxes: String = (0..name.chars().count())
                .map(|i| char::from_u32(0xe000 + i as u32).unwrap_or('?'))
                .collect();
            assert_eq!(fonts.missing(&boxes).len(), boxes.chars().count());
            let ink = |pixels: &[u8]| pixels.iter().filter(|&&v| v < 128).count();
            let (real, notdef) = (drawn(name, &fonts), drawn(&boxes, &fonts));
            assert!(ink(&real) > 0, "{name} draws nothing");
            assert_ne!(real, notdef, "{name} is drawn as boxes");
        }
        // The Han characters come from a CJK face, at about 1 em each.
        let w = fonts.width("黑龙江", 10.0, false);
        assert!((w - 30.0).abs() < 1.5, "{w}");
    }

    /// Without the fallback (the map fonts alone, as before), the Chinese
    /// name is drawn exactly as the boxes: the comparison above can fail.
    #[test]
    fn without_fallback_chinese_is_drawn_as_boxes() {
        let mut system = Database::new();
        system.load_system_fonts();
        let fonts = Fonts::from_database(&system, &MAP_FONTS);
        fonts.lock().candidates.clear();
        assert_eq!(fonts.missing("黑龙江").len(), 3);
        assert_eq!(
            drawn("黑龙江", &fonts),
            drawn("\u{e000}\u{e001}\u{e002}", &fonts)
        );
    }

    /// Widths are the fonts' advances: longer text is wider, bold wider
    /// than regular, and twice the size twice the width.
    #[test]
    fn widths_follow_the_font() {
        let fonts = Fonts::system();
        let a = fonts.width("Khabarovsk", 11.0, false);
        assert!(a > 40.0 && a < 80.0, "{a}");
        assert!(fonts.width("Khabarovsk", 11.0, true) > a);
        approx::assert_relative_eq!(fonts.width("Khabarovsk", 22.0, false), 2.0 * a);
        assert!(fonts.width("Khabarovsk Krai", 11.0, false) > a);
    }

    /// Widths measured with the cache of glyphs are those measured by
    /// parsing the faces for every character, in every script and weight,
    /// before and after the characters are cached.
    #[test]
    fn cached_widths_match_the_uncached_ones() {
        let fonts = Fonts::system();
        for _ in 0..2 {
            for text in ["Khabarovsk", "黑龙江 Amur", "Хабаровск", "\u{e000}x", ""] {
                for bold in [false, true] {
                    let cached = fonts.width(text, 11.0, bold);
                    assert_eq!(cached, fonts.width_uncached(text, 11.0, bold), "{text}");
                }
            }
        }
    }
}
