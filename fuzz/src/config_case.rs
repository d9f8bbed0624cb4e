//! One config fuzz case: shared by the `config` fuzz target and
//! `tests/fuzz_regressions.rs`.

use std::path::Path;

use borderchange::config::Config;

/// Parses `data` (when it is UTF-8) as an analysis file. Errors are fine;
/// panics are not. A parsed config is also walked the way `run` walks it.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut config) = Config::parse(text, Path::new("fuzz.toml")) else {
        return;
    };
    // What `check` accepted must hold up when used.
    assert!(config.snapshots.len() >= 2);
    let formats = config
        .output
        .formats()
        .expect("parse accepted the output formats");
    assert!(!formats.is_empty() || config.output.formats.is_empty());
    for r in &config.references {
        let quantity = r.quantity().expect("parse accepted the reference");
        let _ = quantity.holders();
        let _ = quantity.unit();
    }
    for s in &config.snapshots {
        let _ = config.holder_field(s);
        let _ = config.resolve(&s.path);
    }
    // Positions in messages about holders are searched in the text.
    config.source = Some((Path::new("fuzz.toml").to_owned(), text.to_owned()));
    for r in &config.references {
        let _ = config.position(&format!("id = \"{}\"", r.id), "\"");
    }
}
