//! `scorecard check`: what a member of staff learns about a file before dropping it.
//!
//! Takes a project, the date to check against and file paths; gives, for each file, the
//! source it matches, its as-at date, rows read, accepted and rejected, the result of every
//! data-quality check the nightly job would run (against the same store history and
//! waivers), and whether the job would accept or quarantine it. Nothing is moved or stored;
//! a feedback workbook is written only when asked for.

use crate::check::{CheckResult, FileReport, FileStatus, Finding, QualityRecord, Status};
use crate::cli::CheckArgs;
use crate::config::Project;
use crate::exit;
use crate::run::{Fate, Judged};
use chrono::NaiveDate;
use serde::Serialize;
use std::path::{Path, PathBuf};

pub fn main(a: &CheckArgs) -> i32 {
    let p = match super::load(&a.project.project) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let store = crate::store::Store::open(&p.folder(&p.settings.folders.store)).ok();
    let as_of = a.as_of.or_today();
    let checks: Vec<FileCheck> = a.files.iter().map(|f| check_file(&p, f, as_of, store.as_ref())).collect();
    if let Some(dir) = &a.feedback {
        for c in &checks {
            match write_feedback(c, dir) {
                Ok(Some(path)) => eprintln!("wrote {}", path.display()),
                Ok(None) => {}
                Err(e) => eprintln!("feedback workbook for {}: {e}", c.path.display()),
            }
        }
    }
    if a.json.json {
        super::print_json(&checks);
    } else {
        for c in &checks {
            print!("{}", c.human());
        }
    }
    if checks.iter().all(|c| c.clean()) {
        exit::OK
    } else {
        exit::COMPLETED_WITH_PROBLEMS
    }
}

/// One failing row with the check it failed, for `--json` readers.
#[derive(Debug, Clone, Serialize)]
pub struct CheckFinding {
    pub check: String,
    pub status: Status,
    #[serde(flatten)]
    pub finding: Finding,
}

/// The verdict on one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileCheck {
    pub path: PathBuf,
    /// What the nightly job would make of it (`status`: accepted, quarantined, skipped or
    /// duplicate), with the source it matches, its as-at date, its rows and the reason.
    #[serde(flatten)]
    pub file: FileReport,
    pub totals_rows: Option<usize>,
    /// `accept`, `quarantine`, `duplicate` (the same bytes already loaded: archived apart) or
    /// `skip` (it cannot be read now).
    pub verdict: String,
    /// Every check and its result.
    pub checks: Vec<CheckResult>,
    /// The listed failures of the checks that did not pass.
    pub findings: Vec<CheckFinding>,
    /// Failing rows (or items) of the checks that did not pass, listed or not.
    pub findings_total: usize,
    #[serde(skip)]
    pub record: Option<QualityRecord>,
}

/// Failures shown per check in the human summary.
const SHOWN_PER_CHECK: usize = 5;

impl FileCheck {
    /// Clean: it would be accepted, every check passing.
    pub fn clean(&self) -> bool {
        self.file.status == FileStatus::Accepted && self.checks.iter().all(|c| c.status == Status::Pass)
    }

    /// A few lines for a person.
    pub fn human(&self) -> String {
        let mut out = format!("{}: ", self.path.display());
        match &self.file.source {
            Some(s) => out.push_str(&format!("source {s}")),
            None => out.push_str("no source"),
        }
        if let Some(d) = self.file.as_at {
            out.push_str(&format!(", as at {}", d.format("%d/%m/%Y")));
        }
        if let (Some(r), Some(a), Some(j)) = (self.file.rows_read, self.file.rows_accepted, self.file.rows_rejected) {
            out.push_str(&format!(", {r} rows read, {a} accepted, {j} rejected"));
        }
        if let Some(t) = self.totals_rows.filter(|t| *t > 0) {
            out.push_str(&format!(", {t} totals row(s) set aside"));
        }
        out.push('\n');
        for c in self.checks.iter().filter(|c| c.status != Status::Pass) {
            out.push_str(&format!(
                "  {} {} ({}): {}: {}\n",
                c.status.word(),
                c.id,
                c.characteristic.name().to_lowercase(),
                c.description,
                c.message
            ));
            if let Some(w) = &c.waiver {
                out.push_str(&format!("    {w}\n"));
            }
            for f in c.failures.iter().take(SHOWN_PER_CHECK) {
                out.push_str(&format!("    {f}\n"));
            }
            if c.failing > SHOWN_PER_CHECK.min(c.failures.len()) {
                out.push_str(&format!(
                    "    ... {} failing in all (a nightly run's feedback workbook would list up to {})\n",
                    c.failing,
                    crate::check::MAX_LISTED
                ));
            }
        }
        let passed = self.checks.iter().filter(|c| c.status == Status::Pass).count();
        if !self.checks.is_empty() {
            out.push_str(&format!("  {passed} of {} checks pass\n", self.checks.len()));
        }
        match self.file.status {
            FileStatus::Accepted if self.clean() => out.push_str("  would be accepted: no problems found\n"),
            FileStatus::Accepted => out.push_str("  would be accepted, with the findings above\n"),
            FileStatus::Duplicate => out.push_str(&format!("  would not be loaded again: {}\n", self.file.reason)),
            _ => out.push_str(&format!("  would be QUARANTINED: {}\n", self.file.reason)),
        }
        out
    }
}

/// Checks one file as the nightly job would on `as_of`, without moving it: its judgement and
/// its fate decided as the nightly job decides them ([`crate::run::decide`]).
pub fn check_file(project: &Project, path: &Path, as_of: NaiveDate, store: Option<&crate::store::Store>) -> FileCheck {
    let history = store.map(|s| s.history()).unwrap_or_default();
    let judged = crate::run::judge(path, project, as_of, &history);
    let fate = crate::run::decide(&judged, store);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut out = FileCheck {
        path: path.to_path_buf(),
        file: FileReport { status: fate.status(), ..FileReport::new(&name) },
        totals_rows: None,
        verdict: match fate {
            Fate::Accept => "accept",
            Fate::Duplicate { .. } => "duplicate",
            Fate::Quarantine(_) => "quarantine",
            Fate::Skip(_) => "skip",
        }
        .into(),
        checks: Vec::new(),
        findings: Vec::new(),
        findings_total: 0,
        record: None,
    };
    out.file.reason = match &fate {
        Fate::Accept => String::new(),
        Fate::Duplicate { of, as_at, loaded_on } => {
            format!("identical to {of} (as at {as_at}), already loaded on {loaded_on}")
        }
        // `check` writes nothing: it says what a night would write for a checked file.
        Fate::Quarantine(why) if matches!(judged, Judged::Checked(_)) => format!(
            "{why}. A nightly run would list every failing row in a feedback workbook beside the file in the quarantine."
        ),
        Fate::Quarantine(why) | Fate::Skip(why) => why.clone(),
    };
    let x = match judged {
        Judged::Checked(x) => x,
        Judged::Reject { source, .. } => {
            out.file.source = source;
            return out;
        }
        Judged::Skip(_) => return out,
    };
    out.file.source = Some(x.source_id.clone());
    out.file.as_at = Some(x.as_at);
    out.file.rows_read = Some(x.rows_read);
    out.file.rows_accepted = Some(x.rows_accepted);
    out.file.rows_rejected = Some(x.rows_rejected);
    out.totals_rows = Some(x.totals_rows);
    out.findings_total = x.findings_total();
    out.findings =
        x.findings().map(|(c, f)| CheckFinding { check: c.id.clone(), status: c.status, finding: f.clone() }).collect();
    out.record = Some(x.record(as_of));
    out.checks = x.checks.clone();
    out
}

/// Writes the feedback workbook of a checked file into `dir`; gives its path.
pub fn write_feedback(check: &FileCheck, dir: &Path) -> Result<Option<PathBuf>, FeedbackError> {
    let Some(record) = &check.record else { return Ok(None) };
    let bytes = crate::render::feedback::render(record)?;
    let path = dir.join(crate::run::feedback_name(&record.file_name, &record.sha256));
    crate::fs::write_atomic(&path, &bytes).map_err(|source| FeedbackError::Write { path: path.clone(), source })?;
    Ok(Some(path))
}

/// Why a feedback workbook could not be written.
#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    #[error("{0}")]
    Render(#[from] rust_xlsxwriter::XlsxError),
    #[error("writing {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}
