//! The system's font faces as fontdb lists them (families, style, weight),
//! found without reading every font file whole.
//!
//! Reference path: `fontdb::Database::load_system_fonts`, which reads every
//! font file under fontconfig's folders into memory to parse four of its
//! tables: 113 MB here with the Noto CJK collections, about 60 ms of a run.
//!
//! Fast path: [`system_faces`] walks the same folders the same way and reads
//! only each face's table directory and its `name`, `OS/2` and `post`
//! tables (all fontdb looks at), packed into a small font that fontdb's
//! own parser then reads. `tests::fast_scan_lists_what_fontdb_lists`
//! holds the two equal.

use std::collections::HashSet;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use resvg::usvg::fontdb::{Database, Style};

/// One face of a system font file.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SystemFace {
    pub(super) path: PathBuf,
    pub(super) index: u32,
    pub(super) families: Vec<String>,
    pub(super) style: Style,
    pub(super) weight: u16,
}

/// The faces of `db` that come from files (the reference path's list).
#[cfg(test)]
pub(super) fn listed(db: &Database) -> Vec<SystemFace> {
    db.faces()
        .filter_map(|f| match &f.source {
            resvg::usvg::fontdb::Source::File(path) => Some(SystemFace {
                path: path.clone(),
                index: f.index,
                families: f.families.iter().map(|(n, _)| n.clone()).collect(),
                style: f.style,
                weight: f.weight.0,
            }),
            _ => None,
        })
        .collect()
}

/// Every face `Database::load_system_fonts` would load, from the same files.
pub(super) fn system_faces() -> Vec<SystemFace> {
    let mut faces = Vec::new();
    let mut seen = HashSet::new();
    match fontconfig_dirs() {
        Some(dirs) => {
            for dir in dirs {
                walk(&dir, &mut seen, &mut faces);
            }
        }
        None => {
            // fontdb's folders when fontconfig names none.
            let mut dirs = vec![
                PathBuf::from("/usr/share/fonts/"),
                PathBuf::from("/usr/local/share/fonts/"),
            ];
            if let Ok(home) = std::env::var("HOME") {
                dirs.push(Path::new(&home).join(".fonts"));
                dirs.push(Path::new(&home).join(".local/share/fonts"));
            }
            for dir in dirs {
                walk(&dir, &mut seen, &mut faces);
            }
        }
    }
    faces
}

/// The font folders fontconfig's files name, as fontdb reads them (`None`
/// when they name none).
fn fontconfig_dirs() -> Option<Vec<PathBuf>> {
    let mut fontconfig = fontconfig_parser::FontConfig::default();
    let home = std::env::var("HOME");
    if let Ok(config_file) = std::env::var("FONTCONFIG_FILE") {
        let _ = fontconfig.merge_config(Path::new(&config_file));
    } else {
        let xdg_config_home = match (std::env::var("XDG_CONFIG_HOME"), &home) {
            (Ok(value), _) => Some(PathBuf::from(value)),
            (Err(_), Ok(home)) => Some(Path::new(home).join(".config")),
            _ => None,
        };
        let read_global = match xdg_config_home {
            Some(p) => fontconfig
                .merge_config(&p.join("fontconfig/fonts.conf"))
                .is_err(),
            None => true,
        };
        if read_global {
            let _ = fontconfig.merge_config(Path::new("/etc/fonts/local.conf"));
        }
        let _ = fontconfig.merge_config(Path::new("/etc/fonts/fonts.conf"));
    }
    if fontconfig.dirs.is_empty() {
        return None;
    }
    let dirs = fontconfig
        .dirs
        .into_iter()
        .filter_map(|dir| match dir.path.strip_prefix("~") {
            Ok(rest) => home.as_ref().ok().map(|h| Path::new(h).join(rest)),
            Err(_) => Some(dir.path),
        })
        .collect();
    Some(dirs)
}

/// The font files under `dir`, recursively, as fontdb walks them: a
/// symbolic link followed to its target once, other entries as found.
fn walk(dir: &Path, seen: &mut HashSet<PathBuf>, faces: &mut Vec<SystemFace>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Some((path, file_type)) = resolve(entry, seen) else {
            continue;
        };
        if file_type.is_file() {
            let font = matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("ttf" | "ttc" | "TTF" | "TTC" | "otf" | "otc" | "OTF" | "OTC")
            );
            if font {
                faces.extend(faces_of(&path));
            }
        } else if file_type.is_dir() {
            walk(&path, seen, faces);
        }
    }
}

/// fontdb's `canonicalize`: an entry as it is unless it is a symbolic link,
/// which is followed and then skipped if its target was seen.
fn resolve(
    entry: std::fs::DirEntry,
    seen: &mut HashSet<PathBuf>,
) -> Option<(PathBuf, std::fs::FileType)> {
    let path = entry.path();
    let file_type = entry.file_type().ok()?;
    if !file_type.is_symlink() {
        if !seen.is_empty() {
            if seen.contains(&path) {
                return None;
            }
            seen.insert(path.clone());
        }
        return Some((path, file_type));
    }
    let stat = std::fs::metadata(&path).ok()?;
    let canon = std::fs::canonicalize(path).ok()?;
    if seen.contains(&canon) {
        return None;
    }
    seen.insert(canon.clone());
    Some((canon, stat.file_type()))
}

/// The faces of one font file, parsed by fontdb from its tables alone.
fn faces_of(path: &Path) -> Vec<SystemFace> {
    let Ok(data) = read_tables(path) else {
        return Vec::new();
    };
    let mut db = Database::new();
    db.load_font_data(data);
    db.faces()
        .map(|f| SystemFace {
            path: path.to_owned(),
            index: f.index,
            families: f.families.iter().map(|(n, _)| n.clone()).collect(),
            style: f.style,
            weight: f.weight.0,
        })
        .collect()
}

/// Tables fontdb reads to list a face.
const LISTED_TABLES: [&[u8; 4]; 3] = [b"name", b"OS/2", b"post"];

/// The font file at `path` cut down to what fontdb reads to list its
/// faces: the collection header, each face's table directory and its
/// [`LISTED_TABLES`], packed one after the other with the offsets
/// rewritten to match. A table or face the file does not hold whole gets
/// an offset past the end, so that it fails to parse as it does in the
/// whole file.
fn read_tables(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    // `n` bytes at `at`, or `None` when the file does not hold them.
    let read = |at: u64, n: u64| -> std::io::Result<Option<Vec<u8>>> {
        match at.checked_add(n) {
            Some(end) if end <= len => {
                let mut bytes = vec![0u8; usize::try_from(n).unwrap_or(0)];
                file.read_exact_at(&mut bytes, at)?;
                Ok(Some(bytes))
            }
            _ => Ok(None),
        }
    };
    let be_u32 = |b: &[u8], at: usize| u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let Some(head) = read(0, 12)? else {
        // Too short to be a font: as it is (fontdb rejects it the same).
        return Ok(read(0, len)?.unwrap_or_default());
    };
    let mut out = Vec::new();
    let faces: Vec<(Option<usize>, u64)> = if head.starts_with(b"ttcf") {
        let n = u64::from(be_u32(&head, 8));
        let Some(offsets) = read(12, 4 * n)? else {
            return Ok(head);
        };
        out.extend_from_slice(&head);
        out.extend_from_slice(&offsets);
        (0..n as usize)
            .map(|i| (Some(12 + 4 * i), u64::from(be_u32(&offsets, 4 * i))))
            .collect()
    } else {
        vec![(None, 0)]
    };
    for (slot, offset) in faces {
        let face_at = out.len();
        let directory = match read(offset, 12)? {
            Some(header) => {
                let tables = u64::from(u16::from_be_bytes([header[4], header[5]]));
                read(offset + 12, 16 * tables)?.map(|records| (header, records))
            }
            None => None,
        };
        let Some((header, mut records)) = directory else {
            // Not held whole: the face fails to parse, as in the file.
            if let Some(slot) = slot {
                out[slot..slot + 4].copy_from_slice(&u32::MAX.to_be_bytes());
            }
            continue;
        };
        if let Some(slot) = slot {
            let at = u32::try_from(face_at).unwrap_or(u32::MAX);
            out[slot..slot + 4].copy_from_slice(&at.to_be_bytes());
        }
        // The tables follow the directory, in the directory's order.
        let mut at = face_at + header.len() + records.len();
        let mut tables = Vec::new();
        for record in records.chunks_exact_mut(16) {
            if !LISTED_TABLES.iter().any(|t| t[..] == record[..4]) {
                continue;
            }
            let (from, n) = (be_u32(record, 8), be_u32(record, 12));
            let moved_to = match read(u64::from(from), u64::from(n))? {
                Some(bytes) => {
                    let to = u32::try_from(at).unwrap_or(u32::MAX);
                    at += bytes.len();
                    tables.push(bytes);
                    to
                }
                // Not held whole: past the end, as in the file.
                None => u32::MAX,
            };
            record[8..12].copy_from_slice(&moved_to.to_be_bytes());
        }
        out.extend_from_slice(&header);
        out.extend_from_slice(&records);
        for t in tables {
            out.extend_from_slice(&t);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut faces: Vec<SystemFace>) -> Vec<SystemFace> {
        faces.sort_by(|a, b| (&a.path, a.index).cmp(&(&b.path, b.index)));
        faces
    }

    /// The fast scan finds the faces fontdb's `load_system_fonts` finds,
    /// with the same families, style and weight (the reference path).
    #[test]
    fn fast_scan_lists_what_fontdb_lists() {
        let mut system = Database::new();
        system.load_system_fonts();
        let reference = sorted(listed(&system));
        assert!(!reference.is_empty(), "no system fonts to compare");
        assert_eq!(sorted(system_faces()), reference);
    }

    /// A face's listed tables are read as they are in the file, for every
    /// face of every system font file.
    #[test]
    fn listed_tables_are_read_whole() {
        let faces = system_faces();
        assert!(faces
            .iter()
            .any(|f| f.families.iter().any(|n| n == "DejaVu Sans")));
        for face in &faces {
            let whole = std::fs::read(&face.path).unwrap();
            let packed = read_tables(&face.path).unwrap();
            let raw = ttf_parser::RawFace::parse(&whole, face.index).unwrap();
            let packed_raw = ttf_parser::RawFace::parse(&packed, face.index).unwrap();
            for tag in LISTED_TABLES {
                let tag = ttf_parser::Tag::from_bytes(tag);
                assert_eq!(raw.table(tag), packed_raw.table(tag), "{:?}", face.path);
            }
        }
    }
}
