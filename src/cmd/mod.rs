//! One module per subcommand, each of the same shape: arguments → config →
//! one library call → printed summary and exit code. Beside them what they
//! share: `ui` (quiet, colour), `progress` (the moving progress line) and
//! `find` (the analysis file or manifest, or what to do without one).

pub mod completions;
pub mod find;
pub mod init;
pub mod man;
pub mod progress;
pub mod run;
pub mod ui;
pub mod validate;
pub mod verify;
