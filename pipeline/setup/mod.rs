//! Setting up a new partnership: [`new`] writes a project folder for the councils named, and
//! [`draft`] writes a source definition from sample extracts of a system nobody has described
//! yet, for a performance officer to review rather than write from scratch.
//!
//! Takes command-line choices and sample files; gives definition files (TOML with a comment on
//! every guess) that `scorecard validate` accepts. Reads the reader and cell conversions of
//! [`crate::ingest`] and [`crate::check`], so a draft's guesses are the ones the nightly job
//! will make.

pub mod draft;
pub mod new;

/// A TOML string literal (quoted and escaped).
pub fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A TOML array of string literals on one line.
pub fn toml_strings<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    format!("[{}]", items.into_iter().map(toml_string).collect::<Vec<_>>().join(", "))
}
