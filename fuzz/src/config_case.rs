//! One config fuzz case: shared by the `config` fuzz target and
//! `tests/fuzz_regressions.rs`.

use std::path::Path;

use borderchange::config::{Config, Step};

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
    // Positions in messages about holders are found from the text's spans.
    config.source = Some((Path::new("fuzz.toml").to_owned(), text.to_owned()));
    for (i, r) in config.references.iter().enumerate() {
        let table = [Step::Key("reference"), Step::Index(i)];
        let (line, _) = config.position_of(&[table[0], table[1], Step::Key("id")]);
        assert!(line > 0, "a parsed reference's id has a position");
        let quantity = r.quantity().expect("parse accepted the reference");
        for (_, holder) in quantity.holders() {
            let _ = config.position_of_string(&table, holder);
        }
    }
}
