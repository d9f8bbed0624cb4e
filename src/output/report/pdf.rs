//! `report.pdf` (with `[output] pdf = true`): `report.html` printed by
//! headless Chromium, whose print styles keep each map and table row on
//! one page. Chromium stamps the PDF with the time it was made; the two
//! dates are replaced by a fixed one of the same length (so the byte
//! offsets in the file stay right), which makes the file the same bytes
//! on every run with the same Chromium.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

/// The name of the PDF in the output folder.
pub const REPORT_PDF: &str = "report.pdf";

/// The date written in place of Chromium's (PDF date syntax, the same
/// length as the ones it writes).
const FIXED_DATE: &[u8] = b"(D:20000101000000+00'00')";

/// The Chromium to run: `BORDERCHANGE_CHROMIUM`, else the first of
/// `chromium`, `chromium-browser` and `google-chrome` on the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(program) = std::env::var_os("BORDERCHANGE_CHROMIUM") {
        return Some(PathBuf::from(program));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| {
            ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name))
        })
        .find(|p| p.is_file())
}

/// Prints `dir/report.html` to `dir/report.pdf`; returns the PDF's name.
pub fn print(dir: &Path) -> Result<PathBuf> {
    let html = dir.join("report.html");
    let pdf = dir.join(REPORT_PDF);
    let program = chromium().ok_or_else(|| {
        Error::Usage(
            "[output] pdf = true needs Chromium to print report.html: install it (Debian: \
             apt-get install chromium), or name the program in BORDERCHANGE_CHROMIUM"
                .to_owned(),
        )
    })?;
    let html = html.canonicalize().map_err(|source| Error::Io {
        path: html.clone(),
        source,
    })?;
    // A fresh profile, so that nothing of the user's browser is read.
    let profile = tempfile::tempdir().map_err(|source| Error::Io {
        path: std::env::temp_dir(),
        source,
    })?;
    let output = Command::new(&program)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .map_err(|e| {
            Error::Usage(format!(
                "[output] pdf = true: Chromium ('{}') could not be started ({e}); install it \
                 (Debian: apt-get install chromium), or name the program in BORDERCHANGE_CHROMIUM",
                program.display()
            ))
        })?;
    let printed = std::fs::read(&pdf).ok().filter(|b| b.starts_with(b"%PDF"));
    let Some(mut bytes) = printed else {
        return Err(Error::Usage(format!(
            "Chromium ('{}') did not print report.html to {REPORT_PDF} (exit {}): {}",
            program.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    };
    fix_dates(&mut bytes);
    std::fs::write(&pdf, bytes).map_err(|source| Error::Io {
        path: pdf.clone(),
        source,
    })?;
    Ok(PathBuf::from(REPORT_PDF))
}

/// Replaces every PDF date `(D:YYYYMMDDHHmmSS+HH'mm')` with
/// [`FIXED_DATE`], in place.
fn fix_dates(bytes: &mut [u8]) {
    let n = FIXED_DATE.len();
    let mut i = 0;
    while i + n <= bytes.len() {
        let w = &bytes[i..i + n];
        let is_date = w.starts_with(b"(D:")
            && w[3..17].iter().all(u8::is_ascii_digit)
            && matches!(w[17], b'+' | b'-' | b'Z')
            && w[18..20].iter().all(u8::is_ascii_digit)
            && w[20] == b'\''
            && w[21..23].iter().all(u8::is_ascii_digit)
            && w[23] == b'\''
            && w[24] == b')';
        if is_date {
            bytes[i..i + n].copy_from_slice(FIXED_DATE);
            i += n;
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_fixed_and_the_length_kept() {
        let mut pdf = b"<</CreationDate (D:20261206042540+00'00')\n/ModDate (D:20261206042541-05'30')>> (D:2026)".to_vec();
        let before = pdf.len();
        fix_dates(&mut pdf);
        assert_eq!(pdf.len(), before);
        assert_eq!(
            String::from_utf8(pdf).unwrap(),
            "<</CreationDate (D:20000101000000+00'00')\n/ModDate (D:20000101000000+00'00')>> (D:2026)"
        );
    }
}
