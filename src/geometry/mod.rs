//! The engine's geometry rules, on longitude/latitude on WGS84 only: what
//! a valid polygon feature is, what `--repair` may change, the antimeridian
//! shift, and the one definition of features → holdings that `load`,
//! `validate` and the fuzz target share. Nothing here reads files or the
//! analysis file.

pub mod antimeridian;
pub mod holdings;
pub mod validity;
