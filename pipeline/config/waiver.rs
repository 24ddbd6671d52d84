//! `waivers.toml`: known data-quality problems the performance officer accepts for a time,
//! with a comment and an expiry date, so that they stop blocking the nightly load. Waived
//! failures are still listed, as waived; after the expiry date they block again.

use super::{ConfigError, SourceDef};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WaiverFile {
    #[serde(default)]
    pub waiver: Vec<Waiver>,
}

/// One accepted problem.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The source whose check is waived.
    pub source: Spanned<String>,
    /// The check id, as the feedback workbook and `scorecard check` show it
    /// (`unique:account_ref`, `types`, or the `id` given in the definition).
    pub check: Spanned<String>,
    /// Why the problem is accepted and what is being done about it.
    pub comment: String,
    /// Last day the waiver applies (`2026-01-31`).
    pub expires: Spanned<toml::Value>,
    /// Who accepted it.
    #[serde(default)]
    pub by: String,
    /// Only files whose name matches this pattern (`*` and `?` wildcards); all by default.
    pub file: Option<String>,
    #[serde(skip, default = "epoch")]
    pub expires_on: chrono::NaiveDate,
}

fn epoch() -> chrono::NaiveDate {
    chrono::NaiveDate::MIN
}

/// Checks every source has whatever its declarations add to the built-in checks.
const BUILT_IN: [&str; 4] = ["types", "required", "columns", "known_missing"];

impl Waiver {
    /// Does this waiver cover a check of a source, for a file?
    pub fn applies_to(&self, source: &str, check: &str, file_name: &str) -> bool {
        let file_ok = match &self.file {
            None => true,
            Some(p) => glob::Pattern::new(p)
                .map(|p| p.matches_with(file_name, glob::MatchOptions { case_sensitive: false, ..Default::default() }))
                .unwrap_or(false),
        };
        self.source.get_ref() == source && self.check.get_ref() == check && file_ok
    }

    /// The waiver in words, for reports.
    pub fn describe(&self) -> String {
        let by = if self.by.is_empty() { String::new() } else { format!(" by {}", self.by) };
        format!("waived{by} until {}: {}", self.expires_on.format("%d/%m/%Y"), self.comment)
    }

    /// Parses the expiry date and checks the source and check exist.
    pub(super) fn validate(&mut self, path: &Path, sources: &[SourceDef], errors: &mut Vec<ConfigError>) {
        let text = match self.expires.get_ref() {
            toml::Value::Datetime(d) => d.to_string(),
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(d) => self.expires_on = d,
            Err(_) => errors.push(ConfigError::at_span(
                path,
                self.expires.span(),
                &format!("waiver expires `{text}`: expected a date such as 2026-01-31"),
            )),
        }
        if self.comment.trim().is_empty() {
            errors.push(ConfigError::at_span(path, self.source.span(), "a waiver needs a comment saying why"));
        }
        if let Some(p) = &self.file {
            if let Err(e) = glob::Pattern::new(p) {
                errors.push(ConfigError::at_span(path, self.source.span(), &format!("file pattern `{p}`: {e}")));
            }
        }
        let Some(source) = sources.iter().find(|s| s.id() == self.source.get_ref()) else {
            let ids: Vec<&str> = sources.iter().map(|s| s.id()).collect();
            errors.push(ConfigError::at_span(
                path,
                self.source.span(),
                &format!("waiver for source `{}`: no such source (sources: {})", self.source.get_ref(), ids.join(", ")),
            ));
            return;
        };
        let check = self.check.get_ref();
        if !BUILT_IN.contains(&check.as_str()) && !source.checks.iter().any(|c| &c.id == check) {
            let mut ids: Vec<&str> = BUILT_IN.to_vec();
            ids.extend(source.checks.iter().map(|c| c.id.as_str()));
            errors.push(ConfigError::at_span(
                path,
                self.check.span(),
                &format!("waiver for check `{check}`: source `{}` has no such check ({})", source.id(), ids.join(", ")),
            ));
        }
    }
}

/// Loads `waivers.toml` if present.
pub(super) fn load(path: &Path, sources: Option<&[SourceDef]>, errors: &mut Vec<ConfigError>) -> Vec<Waiver> {
    if !path.exists() {
        return Vec::new();
    }
    let Some(file) = super::diagnostic::parse_file::<WaiverFile>(path, errors) else { return Vec::new() };
    let mut waivers = file.waiver;
    if let Some(sources) = sources {
        for w in &mut waivers {
            w.validate(path, sources, errors);
        }
    }
    waivers
}

/// The path of the waivers file in a project.
pub fn waivers_path(root: &Path) -> PathBuf {
    root.join("waivers.toml")
}
