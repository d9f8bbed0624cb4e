//! Finding the file a command works on, with a message that says what to do
//! when it is not there: an installed binary run outside the repository has
//! no `borderchange.toml`, and should point to `borderchange init`.

use std::path::{Path, PathBuf};

use anyhow::bail;
use borderchange::config::BUNDLED_CONFIG;

/// What `borderchange init` writes when given no path.
const INIT_DEFAULT: &str = "analysis.toml";

/// The analysis file `command` (`run`, `validate`) works on: the one given,
/// else the bundled one; an error naming `init` when it does not exist.
pub fn analysis_file(given: Option<PathBuf>, command: &str) -> anyhow::Result<PathBuf> {
    let here = std::env::current_dir()
        .map(|d| format!("'{}'", d.display()))
        .unwrap_or_else(|_| "the current folder".to_owned());
    let Some(path) = given else {
        let bundled = PathBuf::from(BUNDLED_CONFIG);
        if bundled.is_file() {
            return Ok(bundled);
        }
        let nearby = tomls_in(Path::new("."));
        let pick = if nearby.is_empty() {
            String::new()
        } else {
            format!(
                " Analysis files here: {}; run one with `borderchange {command} {}`.",
                quoted(&nearby),
                nearby[0]
            )
        };
        bail!(
            "no analysis file given, and no '{BUNDLED_CONFIG}' (the bundled analysis, in the \
             borderchange repository) in {here}.{pick} To start one, run `borderchange init` \
             (it writes '{INIT_DEFAULT}' to edit), then `borderchange {command} {INIT_DEFAULT}`."
        );
    };
    if path.is_dir() {
        let inside = tomls_in(&path);
        let listed = if inside.is_empty() {
            "it holds no .toml file".to_owned()
        } else {
            format!("it holds {}", quoted(&inside))
        };
        bail!(
            "'{}' is a folder, not an analysis file: name the .toml file ({listed}), or write one \
             with `borderchange init {}`",
            path.display(),
            path.join(INIT_DEFAULT).display()
        );
    }
    if !path.exists() {
        bail!(
            "no analysis file '{}' (looked from {here}): check the name, or write a new one there \
             with `borderchange init {}`",
            path.display(),
            path.display()
        );
    }
    Ok(path)
}

/// Checks that a run's manifest exists, naming what writes one.
pub fn manifest(path: &Path) -> anyhow::Result<()> {
    if path.is_file() {
        return Ok(());
    }
    bail!(
        "no manifest '{}': every run writes manifest.json into its output folder; run the \
         analysis first (`borderchange run FILE`), or name the manifest: `borderchange verify \
         DIR/manifest.json`",
        path.display()
    )
}

/// The `.toml` files directly in `dir`, sorted (at most five).
fn tomls_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        // Cargo's own files are no analyses.
        .filter(|n| n != "Cargo.toml" && n != "Cargo.lock")
        .collect();
    names.sort();
    names.truncate(5);
    names
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
