//! The system's font faces as fontdb lists them (families, style, weight),
//! found without reading every font file whole.
//!
//! Reference path: `fontdb::Database::load_system_fonts`, which reads every
//! font file under fontconfig's folders into memory to parse four of its
//! tables: 113 MB here with the Noto CJK collections, about 60 ms of a run.
//!
//! Fast path: [`system_faces`] walks the same folders the same way and reads
//! only each face's table directory and its `name`, `OS/2` and `post`
//! tables (all fontdb looks at) into a zeroed buffer the size of the file,
//! which fontdb's own parser then reads. `tests::fast_scan_lists_what_fontdb_lists`
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

/// The font file at `path` with only its headers, table directories and
/// [`LISTED_TABLES`] read, the rest left zero. An untouched zeroed buffer
/// costs no memory: the allocator maps zero pages for it.
fn read_tables(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let len = usize::try_from(file.metadata()?.len()).unwrap_or(usize::MAX);
    let mut data = vec![0u8; len];
    // Reads `n` bytes at `from` (as far as the file goes).
    let fill = |data: &mut [u8], from: usize, n: usize| -> std::io::Result<()> {
        let end = from.saturating_add(n).min(len);
        if from < end {
            file.read_exact_at(&mut data[from..end], from as u64)?;
        }
        Ok(())
    };
    let u32_at = |data: &[u8], at: usize| -> usize {
        data.get(at..at + 4)
            .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let u16_at = |data: &[u8], at: usize| -> usize {
        data.get(at..at + 2)
            .map_or(0, |b| usize::from(u16::from_be_bytes([b[0], b[1]])))
    };
    fill(&mut data, 0, 12)?;
    let offsets: Vec<usize> = if data.starts_with(b"ttcf") {
        let n = u32_at(&data, 8).min(len / 4);
        fill(&mut data, 12, 4 * n)?;
        (0..n).map(|i| u32_at(&data, 12 + 4 * i)).collect()
    } else {
        vec![0]
    };
    for offset in offsets {
        fill(&mut data, offset, 12)?;
        let tables = u16_at(&data, offset.saturating_add(4));
        let records = offset.saturating_add(12);
        fill(&mut data, records, 16 * tables)?;
        for k in 0..tables {
            let record = records + 16 * k;
            let listed = data
                .get(record..record + 4)
                .is_some_and(|tag| LISTED_TABLES.iter().any(|t| t[..] == *tag));
            if listed {
                let (at, n) = (u32_at(&data, record + 8), u32_at(&data, record + 12));
                fill(&mut data, at, n)?;
            }
        }
    }
    Ok(data)
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

    /// A face's listed tables are read as they are in the file.
    #[test]
    fn listed_tables_are_read_whole() {
        let faces = system_faces();
        let face = faces
            .iter()
            .find(|f| f.families.iter().any(|n| n == "DejaVu Sans"))
            .expect("DejaVu Sans installed (make deps)");
        let whole = std::fs::read(&face.path).unwrap();
        let sparse = read_tables(&face.path).unwrap();
        assert_eq!(whole.len(), sparse.len());
        let raw = ttf_parser::RawFace::parse(&whole, face.index).unwrap();
        for tag in LISTED_TABLES {
            let tag = ttf_parser::Tag::from_bytes(tag);
            let sparse_raw = ttf_parser::RawFace::parse(&sparse, face.index).unwrap();
            assert_eq!(raw.table(tag), sparse_raw.table(tag));
        }
    }
}
