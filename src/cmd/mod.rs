//! One module per subcommand, each of the same shape: arguments → config →
//! one library call → printed summary and exit code.

pub mod init;
pub mod run;
pub mod validate;
pub mod verify;
