//! `scorecard.toml`: the organisation, its partner councils, the folders and report settings.

use super::ConfigError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The whole of `scorecard.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub organisation: Organisation,
    /// The partner councils, in the order reports list them.
    #[serde(default)]
    pub partner: Vec<Partner>,
    #[serde(default)]
    pub folders: Folders,
    #[serde(default)]
    pub report: ReportSettings,
    #[serde(default)]
    pub limits: Limits,
}

/// Limits that keep one hostile or broken file from harming the run. A file over a limit is
/// quarantined with the limit named in its reason.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest file read, in megabytes (commentary files included).
    pub max_file_mb: u64,
    /// Most cells read from one file, over all its sheets or tables together (each row
    /// counted to its last used cell; a text file's every line counted as wide as its widest).
    pub max_cells: usize,
    /// Most fields on one line of a text file (Excel's own limit is 16,384 columns).
    pub max_columns: usize,
    /// Longest line of a text file, in kilobytes.
    pub max_line_kb: usize,
    /// Largest web page saved as `.xls` read, in megabytes (a page is parsed whole, as a
    /// browser does, so it takes several times its size in memory).
    pub max_html_mb: u64,
    /// Largest shared-strings part of an `.xlsx` workbook, in megabytes uncompressed (every
    /// distinct text of the workbook, read whole before the sheets).
    pub max_shared_strings_mb: u64,
    /// Longest time spent reading one file, in seconds.
    pub max_file_seconds: u64,
    /// Most lines of a commentary file.
    pub max_commentary_lines: usize,
    /// Longest explanation, action or owner in a commentary file, in characters.
    pub max_commentary_chars: usize,
    /// Most failing rows listed for one file over all its checks (the counts stay whole).
    pub max_findings_listed: usize,
    /// Largest total uncompressed size a workbook's parts may declare, in megabytes.
    pub max_uncompressed_mb: u64,
    /// Largest compression ratio of one part of a workbook (zip bombs compress thousands
    /// of times; real workbooks rarely beyond 100).
    pub max_compression_ratio: u64,
    /// A file modified less than this many seconds before the run started is left for the
    /// next run (it may still be being copied).
    pub settle_seconds: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_mb: 200,
            max_cells: 10_000_000,
            max_columns: 16_384,
            max_line_kb: 1024,
            max_html_mb: 50,
            max_shared_strings_mb: 256,
            max_file_seconds: 300,
            max_commentary_lines: 10_000,
            max_commentary_chars: 2_000,
            max_findings_listed: 100_000,
            max_uncompressed_mb: 2048,
            max_compression_ratio: 1000,
            settle_seconds: 60,
        }
    }
}

/// Who the reports are for.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Full name, shown on the cover and every page ("Anglia Revenues Partnership").
    pub name: String,
    /// Short name for file names and narrow columns ("ARP").
    pub short_name: String,
    /// Set for demonstration projects: every output then says the data is synthetic.
    #[serde(default)]
    pub synthetic: bool,
}

impl Organisation {
    /// The label used for the partnership-wide figures (partner code `ALL`).
    pub fn partnership_label(&self) -> String {
        format!("{} (all partners)", self.short_name)
    }
}

/// One partner council.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Partner {
    /// ONS GSS code, for example `E07000143`.
    pub code: String,
    /// Name as reports show it.
    pub name: String,
    /// Other spellings extracts use for this council ("Breckland District Council").
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl Partner {
    /// True if an extract's council cell names this partner (by code, name or alias,
    /// ignoring case, spacing and punctuation).
    pub fn matches(&self, cell: &str) -> bool {
        let key = crate::common::normalise_header(cell);
        !key.is_empty()
            && std::iter::once(&self.code)
                .chain(std::iter::once(&self.name))
                .chain(self.aliases.iter())
                .any(|n| crate::common::normalise_header(n) == key)
    }
}

/// Folders, relative to the project folder unless absolute.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Folders {
    /// Where finance staff drop extracts.
    pub drop: PathBuf,
    /// Where accepted (and duplicate) extracts are moved, by run date.
    pub archive: PathBuf,
    /// Where rejected extracts are moved, each with a `.reason.txt`.
    pub quarantine: PathBuf,
    /// The history of accepted extracts in normalised form (Parquet).
    pub store: PathBuf,
    /// Workbooks, CSVs and PDFs for clerks and the website.
    pub output: PathBuf,
}

impl Default for Folders {
    fn default() -> Self {
        Folders {
            drop: "drop".into(),
            archive: "archive".into(),
            quarantine: "quarantine".into(),
            store: "store".into(),
            output: "output".into(),
        }
    }
}

/// How the committee report is labelled.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSettings {
    /// The meeting the report is written for.
    #[serde(default = "default_meeting")]
    pub meeting: String,
    /// Author shown in document properties.
    #[serde(default = "default_author")]
    pub author: String,
    /// The PDF reports to produce (`joint-committee`, `oib-dashboard`, `data-quality`,
    /// `charnwood-quarterly`), each typeset from `report-templates/<id>.typ`.
    #[serde(default = "default_reports")]
    pub reports: Vec<String>,
    /// Whether reports wait for `scorecard approve` before they are published without a
    /// draft mark: `true` or `false` for every report; left out, committee reports
    /// (`joint-committee`, `charnwood-quarterly`) wait and internal dashboards do not.
    #[serde(default)]
    pub require_approval: Option<bool>,
}

impl ReportSettings {
    /// Whether a report needs its period approved before it is published without a draft
    /// mark.
    pub fn requires_approval(&self, report: &str) -> bool {
        match self.require_approval {
            Some(all) => all,
            None => super::reports::kind(report).is_some_and(|k| k.approval_by_default),
        }
    }
}

fn default_reports() -> Vec<String> {
    super::reports::DEFAULT_REPORTS.iter().map(|s| s.to_string()).collect()
}

fn default_meeting() -> String {
    "Joint Committee".into()
}
fn default_author() -> String {
    "Performance team".into()
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings {
            meeting: default_meeting(),
            author: default_author(),
            reports: default_reports(),
            require_approval: None,
        }
    }
}

impl Settings {
    pub(super) fn validate(&self, path: &Path, errors: &mut Vec<ConfigError>) {
        let mut codes = std::collections::BTreeSet::new();
        for p in &self.partner {
            if !is_gss_code(&p.code) {
                errors.push(ConfigError::whole_file(
                    path,
                    &format!(
                        "partner `{}` has code `{}`: expected an ONS GSS code, a letter and 8 digits such as E07000143",
                        p.name, p.code
                    ),
                ));
            }
            if !codes.insert(p.code.clone()) {
                errors.push(ConfigError::whole_file(path, &format!("partner code `{}` appears twice", p.code)));
            }
        }
        for r in &self.report.reports {
            if super::reports::kind(r).is_none() {
                let known: Vec<&str> = super::reports::KINDS.iter().map(|k| k.id).collect();
                errors.push(ConfigError::whole_file(
                    path,
                    &format!(
                        "[report] reports names `{r}`, which is not a report this tool makes ({})",
                        known.join(", ")
                    ),
                ));
            }
        }
        if self.partner.is_empty() {
            errors
                .push(ConfigError::whole_file(path, "no [[partner]] defined: at least one partner council is needed"));
        }
    }
}

/// ONS GSS code shape: one of E, W, S, N followed by eight digits.
pub fn is_gss_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 9 && matches!(b[0], b'E' | b'W' | b'S' | b'N') && b[1..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gss_codes() {
        assert!(is_gss_code("E07000143"));
        assert!(!is_gss_code("E0700014"));
        assert!(!is_gss_code("X07000143"));
    }

    #[test]
    fn partner_matches_aliases_loosely() {
        let p = Partner {
            code: "E07000143".into(),
            name: "Breckland".into(),
            aliases: vec!["Breckland District Council".into()],
        };
        assert!(p.matches("BRECKLAND"));
        assert!(p.matches("Breckland District  Council"));
        assert!(p.matches("e07000143"));
        assert!(!p.matches("Fenland"));
        assert!(!p.matches(""));
    }
}
