//! `scorecard check`: what a member of staff learns about a file before dropping it.
//!
//! Takes a project and file paths; gives, for each file, the source it matches, its as-at
//! date, rows read, accepted and rejected, every finding, and whether the nightly job would
//! accept or quarantine it. Nothing is moved, stored or written.

use crate::check::{self, Finding, Verdict};
use crate::config::Project;
use crate::run::Judged;
use chrono::NaiveDate;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The verdict on one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileCheck {
    pub path: PathBuf,
    pub source: Option<String>,
    pub as_at: Option<NaiveDate>,
    pub rows_read: Option<usize>,
    pub rows_accepted: Option<usize>,
    pub rows_rejected: Option<usize>,
    pub totals_rows: Option<usize>,
    /// `accept` or `quarantine`.
    pub verdict: String,
    /// Why it would be quarantined, if it would.
    pub reason: Option<String>,
    pub findings: Vec<Finding>,
    /// All findings, including any beyond those listed.
    pub findings_total: usize,
}

impl FileCheck {
    /// Clean: it would be accepted with no finding at all.
    pub fn clean(&self) -> bool {
        self.verdict == "accept" && self.findings_total == 0
    }

    /// A few lines for a person.
    pub fn human(&self) -> String {
        let mut out = format!("{}: ", self.path.display());
        match &self.source {
            Some(s) => out.push_str(&format!("source {s}")),
            None => out.push_str("no source"),
        }
        if let Some(d) = self.as_at {
            out.push_str(&format!(", as at {}", d.format("%d/%m/%Y")));
        }
        if let (Some(r), Some(a), Some(j)) = (self.rows_read, self.rows_accepted, self.rows_rejected) {
            out.push_str(&format!(", {r} rows read, {a} accepted, {j} rejected"));
        }
        if let Some(t) = self.totals_rows.filter(|t| *t > 0) {
            out.push_str(&format!(", {t} totals row(s) set aside"));
        }
        out.push('\n');
        for f in &self.findings {
            let sev = match f.severity {
                check::Severity::Error => "error",
                check::Severity::Warning => "warning",
            };
            out.push_str(&format!("  {sev}: {f}\n"));
        }
        if self.findings_total > self.findings.len() {
            out.push_str(&format!("  ... and {} more findings\n", self.findings_total - self.findings.len()));
        }
        match &self.reason {
            Some(r) => out.push_str(&format!("  would be QUARANTINED: {r}\n")),
            None if self.clean() => out.push_str("  would be accepted: no problems found\n"),
            None => out.push_str("  would be accepted, with the findings above\n"),
        }
        out
    }
}

/// Checks one file as the nightly job would, without moving it.
pub fn check_file(project: &Project, path: &Path) -> FileCheck {
    let mut out = FileCheck {
        path: path.to_path_buf(),
        source: None,
        as_at: None,
        rows_read: None,
        rows_accepted: None,
        rows_rejected: None,
        totals_rows: None,
        verdict: "quarantine".into(),
        reason: None,
        findings: Vec::new(),
        findings_total: 0,
    };
    let x = match crate::run::judge(path, project, None) {
        Judged::Skip(reason) => {
            out.reason = Some(reason);
            return out;
        }
        Judged::Reject { source, reason } => {
            out.source = source;
            out.reason = Some(reason);
            return out;
        }
        Judged::Checked(x) => x,
    };
    out.source = Some(x.source_id.clone());
    out.as_at = Some(x.as_at);
    out.rows_read = Some(x.rows_read);
    out.rows_accepted = Some(x.rows_accepted);
    out.rows_rejected = Some(x.rows_rejected);
    out.totals_rows = Some(x.totals_rows);
    out.findings_total = x.findings_total;
    out.findings = x.findings;
    match x.verdict {
        Verdict::Accept => out.verdict = "accept".into(),
        Verdict::Quarantine(r) => out.reason = Some(r),
    }
    out
}
