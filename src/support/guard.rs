//! Panics inside dependencies, turned into errors.
//!
//! The overlay and geodesic code we depend on may panic on geometry it
//! cannot handle. A run must then end in a message that names what was being
//! done to which features, with exit code 2 and no partial output, never in
//! a panic trace. [`catching`] runs one geometry operation and converts a
//! panic into [`Error::Geometry`]; the binary installs
//! [`install_quiet_panic_hook`] so the caught panic prints nothing itself.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use crate::error::{Error, Result};

/// The last panic's message and location, kept by the quiet hook.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Runs `operation`; a panic inside it becomes [`Error::Geometry`] naming
/// `what` (called only then: what was being done, to which features).
pub fn catching<T>(what: impl FnOnce() -> String, operation: impl FnOnce() -> T) -> Result<T> {
    catch_unwind(AssertUnwindSafe(operation)).map_err(|payload| Error::Geometry {
        what: what(),
        reason: panic_message(payload.as_ref()),
    })
}

/// The text a panic carried, with its location when the quiet hook saw it.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    match LAST_PANIC.lock().ok().and_then(|mut last| last.take()) {
        Some(located) if located.contains(&message) => located,
        _ => message,
    }
}

/// Replaces the default panic hook (which prints a trace on stderr) with one
/// that only remembers the message and location for [`panic_message`]; for
/// the binary, whose every panic ends in an error message of its own.
pub fn install_quiet_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        let located = match info.location() {
            Some(l) => format!("{message} (at {}:{})", l.file(), l.line()),
            None => message,
        };
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(located);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_naming_the_operation() {
        let err = catching(
            || "intersecting 'A' 1700 with 'B' 1800".to_owned(),
            || -> u8 { panic!("segment index out of range") },
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("intersecting 'A' 1700 with 'B' 1800"),
            "{text}"
        );
        assert!(text.contains("segment index out of range"), "{text}");
    }

    #[test]
    fn no_panic_passes_the_value_through() {
        assert_eq!(catching(|| unreachable!(), || 7).unwrap(), 7);
    }
}
