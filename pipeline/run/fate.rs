//! The second half of a night's files: what becomes of each file read and judged.
//!
//! [`decide`] gives a file's [`Fate`] from its judgement and the store (the nightly job, a
//! commentary drop and `scorecard check` all ask it); [`settle`] carries it out: an accepted
//! extract is stored and archived; a duplicate is archived apart; a rejected file is
//! quarantined with its reason and feedback workbook written before it appears there; a file
//! that cannot be dealt with tonight goes back to the drop folder, and its report says so.
//! Every data-quality record is kept and every feedback workbook written, whatever the fate.

use super::intake::{Judged, Judging};
use super::{timed, RunSummary};
use crate::check::{self, CheckedExtract, FileReport, FileStatus, Verdict};
use crate::config::Project;
use crate::publish::intake::Taken;
use crate::render;
use crate::store::{Replaced, Store, StoredExtract};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

/// What is to become of a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Fate {
    /// Stored, then archived.
    Accept,
    /// Archived apart, not stored again: the same bytes as this file already stored.
    Duplicate { of: String, as_at: NaiveDate, loaded_on: NaiveDate },
    /// Into the quarantine, with this reason.
    Quarantine(String),
    /// Back to the drop folder for the next run, with this reason.
    Skip(String),
}

impl Fate {
    /// The status a file with this fate ends with.
    pub fn status(&self) -> FileStatus {
        match self {
            Fate::Accept => FileStatus::Accepted,
            Fate::Duplicate { .. } => FileStatus::Duplicate,
            Fate::Quarantine(_) => FileStatus::Quarantined,
            Fate::Skip(_) => FileStatus::Skipped,
        }
    }
}

/// A file's fate from its judgement, against what the store already holds (`None` when
/// there is no store to compare with).
pub fn decide(judged: &Judged, store: Option<&Store>) -> Fate {
    let x = match judged {
        Judged::Skip(why) => return Fate::Skip(why.clone()),
        Judged::Reject { reason, .. } => return Fate::Quarantine(reason.clone()),
        Judged::Checked(x) => x,
    };
    if let Some(prev) = store.and_then(|s| s.find_sha256(&x.sha256)) {
        return Fate::Duplicate { of: prev.file_name.clone(), as_at: prev.as_at, loaded_on: prev.loaded_on };
    }
    match &x.verdict {
        Verdict::Accept => Fate::Accept,
        Verdict::Quarantine(reason) => Fate::Quarantine(format!("{}: {reason}", x.file_name)),
    }
}

/// What a checked file's quarantine reason ends with: where its failing rows are listed.
const FEEDBACK_SENTENCE: &str =
    "Every failing row is listed in the feedback workbook beside this file (and in the output folder's feedback folder).";

/// Where a night's files go.
pub struct Places {
    /// `archive/<run date>/`.
    pub archive: PathBuf,
    /// `quarantine/<run date>/`.
    pub quarantine: PathBuf,
    /// `output/feedback/<run date>/`.
    pub feedback: PathBuf,
}

/// Seconds spent storing and keeping quality records, and error-level findings, over the
/// night's files.
#[derive(Default)]
pub struct Tally {
    pub store: f64,
    pub quality: f64,
    pub error_findings: usize,
}

/// A file sent back to the drop folder for the next run, with `why` in its report.
fn back(taken: Taken, report: &mut FileReport, why: String) {
    report.status = FileStatus::Skipped;
    report.reason = match taken.give_back() {
        Ok(_) => format!("{why}; it is back in the drop folder for the next run"),
        Err(e) => format!(
            "{why}; it could not be put back in the drop folder ({e}) and waits in its work area, from where the next run puts it back"
        ),
    };
}

/// A file into the quarantine with its reason, and the files `beside` it written first; or,
/// if that fails, back to the drop folder.
fn quarantine(
    taken: Taken,
    report: &mut FileReport,
    places: &Places,
    sha: &str,
    reason: String,
    beside: &[(&str, &[u8])],
) {
    match taken.quarantine(&places.quarantine, sha, &reason, beside) {
        Ok(dest) => {
            report.status = FileStatus::Quarantined;
            report.reason = reason;
            report.moved_to = Some(dest.display().to_string());
        }
        Err((taken, e)) => back(taken, report, format!("{reason} (it could not be moved to the quarantine: {e})")),
    }
}

/// A file into the archive (or its `duplicates/` folder); if that fails, back to the drop
/// folder, where the next run finds it a duplicate of what was stored.
fn archive(taken: Taken, report: &mut FileReport, dir: &Path, sha: &str) {
    match taken.archive(dir, sha) {
        Ok(dest) => report.moved_to = Some(dest.display().to_string()),
        Err((taken, e)) => {
            let why = format!("{} (it could not be archived: {e})", report.reason);
            let status = report.status;
            back(taken, report, why);
            // Stored, or a duplicate, all the same: only its place is wrong.
            report.status = status;
        }
    }
}

/// The report of a checked extract before its fate: source, date, rows, warnings.
fn report_of(name: &str, x: &CheckedExtract) -> FileReport {
    FileReport {
        source: Some(x.source_id.clone()),
        as_at: Some(x.as_at),
        rows_read: Some(x.rows_read),
        rows_accepted: Some(x.rows_accepted),
        rows_rejected: Some(x.rows_rejected),
        warnings: x.checks.iter().filter(|c| c.status == check::Status::Warning).count(),
        ..FileReport::new(name)
    }
}

/// Carries out one file's fate, and gives its report.
pub fn settle(
    judging: Judging,
    project: &Project,
    store: &mut Store,
    places: &Places,
    as_of: NaiveDate,
    summary: &mut RunSummary,
    tally: &mut Tally,
) -> FileReport {
    let Judging { taken, sha256, judged } = judging;
    let fate = decide(&judged, Some(store));
    let mut report = FileReport::new(&taken.name);
    let x = match judged {
        Judged::Checked(x) => x,
        Judged::Reject { source, .. } => {
            report.source = source;
            if let Fate::Quarantine(reason) = fate {
                quarantine(taken, &mut report, places, &sha256, reason, &[]);
            }
            return report;
        }
        Judged::Skip(_) => {
            if let Fate::Skip(why) = fate {
                back(taken, &mut report, why);
            }
            return report;
        }
    };
    report = report_of(&taken.name, &x);
    tally.error_findings += x.errors();
    summary.findings += x.findings_total();
    let feedback = match fate {
        Fate::Duplicate { .. } => None,
        _ => timed(&mut tally.quality, || keep_quality(&x, store, as_of, &mut summary.errors)),
    };
    match fate {
        Fate::Duplicate { of, as_at, loaded_on } => {
            report.status = FileStatus::Duplicate;
            report.reason = format!(
                "identical to {of} (as at {as_at}), already loaded on {loaded_on}; archived without loading again"
            );
            archive(taken, &mut report, &places.archive.join("duplicates"), &sha256);
            return report;
        }
        Fate::Quarantine(reason) => {
            let beside: Vec<(&str, &[u8])> = feedback.iter().map(|b| (".feedback.xlsx", b.as_slice())).collect();
            quarantine(taken, &mut report, places, &sha256, format!("{reason}. {FEEDBACK_SENTENCE}"), &beside);
        }
        Fate::Skip(why) => back(taken, &mut report, why),
        Fate::Accept => accept(taken, &x, &mut report, project, store, places, as_of, summary, tally, &sha256),
    }
    write_feedback(feedback, &x, &mut report, places, &mut summary.errors);
    report
}

/// An accepted extract stored, then archived; its replacements told.
#[allow(clippy::too_many_arguments)]
fn accept(
    taken: Taken,
    x: &CheckedExtract,
    report: &mut FileReport,
    project: &Project,
    store: &mut Store,
    places: &Places,
    as_of: NaiveDate,
    summary: &mut RunSummary,
    tally: &mut Tally,
    sha256: &str,
) {
    match timed(&mut tally.store, || store.put(x, as_of)) {
        Ok(stored) => {
            report.status = FileStatus::Accepted;
            report.reason = if x.rows_rejected > 0 {
                format!(
                    "{} rows rejected: {}",
                    crate::render::format::thousands(x.rows_rejected as f64, 0),
                    x.findings().next().map(|(_, f)| f.to_string()).unwrap_or_default()
                )
            } else {
                format!("{} rows loaded", crate::render::format::thousands(x.rows_accepted as f64, 0))
            };
            report.reason.push_str(&format!(" ({})", covered(project, &stored.entry)));
            for r in stored.replaced {
                let r = Replaced::of(project, r);
                report.reason.push_str(&format!("; {}", r.message));
                summary.replaced.push(r);
            }
            summary.warnings.extend(stored.warnings);
            for c in x.checks.iter().filter(|c| c.waiver.is_some()) {
                let waiver = c.waiver.as_deref().unwrap_or_default();
                summary.waived.push(format!("{}: check {} accepted by a waiver ({waiver})", x.file_name, c.id));
            }
            crate::testpoint::reached("archive:stored");
            archive(taken, report, &places.archive, sha256);
        }
        Err(e) => {
            summary.errors.push(e.to_string());
            back(taken, report, format!("could not store it: {e}"));
        }
    }
}

/// Writes a file's feedback workbook into the output folder's feedback folder (a quarantined
/// file's is beside it already).
fn write_feedback(
    feedback: Option<Vec<u8>>,
    x: &CheckedExtract,
    report: &mut FileReport,
    places: &Places,
    errors: &mut Vec<String>,
) {
    let Some(bytes) = feedback else { return };
    let path = places.feedback.join(feedback_name(&x.file_name, &x.sha256));
    match crate::fs::write_atomic(&path, &bytes) {
        Ok(()) => report.feedback = Some(path.display().to_string()),
        Err(e) => errors.push(format!("writing {}: {e}", path.display())),
    }
    if report.status == FileStatus::Quarantined {
        if let Some(dest) = &report.moved_to {
            report.feedback = Some(format!("{dest}.feedback.xlsx"));
        }
    }
}

/// Writes the feedback workbooks an earlier run of the last week could not write (a full or
/// read-only output folder), from the quality records it kept (which list the first
/// [`check::RECORD_LISTED`] failing rows of each check; the counts are whole). Returns what
/// was done, in words.
pub fn mend_feedback(store: &Store, output: &Path, as_of: NaiveDate) -> Vec<String> {
    let Ok(records) = store.quality_records() else { return Vec::new() };
    let mut made = Vec::new();
    for r in records.iter().filter(|r| r.checked_on <= as_of && (as_of - r.checked_on).num_days() <= 7) {
        let path = output.join("feedback").join(r.checked_on.to_string()).join(feedback_name(&r.file_name, &r.sha256));
        if path.exists() {
            continue;
        }
        if let Ok(bytes) = render::feedback::render(r) {
            if crate::fs::write_atomic(&path, &bytes).is_ok() {
                made.push(r.file_name.clone());
            }
        }
    }
    if made.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "made {} feedback workbook(s) an earlier run could not write, from its quality records: {}",
        made.len(),
        made.join(", ")
    )]
}

/// `<stem>.<sha12>.feedback.xlsx`: the name of a file's feedback workbook, wherever it is
/// written (the nightly job, `scorecard check --feedback`).
pub fn feedback_name(file_name: &str, sha256: &str) -> String {
    let stem = file_name.rsplit_once('.').map_or(file_name, |(s, _)| s);
    format!("{stem}.{}.feedback.xlsx", &sha256[..12.min(sha256.len())])
}

/// Keeps the record of an extract's checks in the store and renders its feedback workbook
/// (`None`, with the error noted, if it cannot be rendered).
fn keep_quality(x: &CheckedExtract, store: &Store, as_of: NaiveDate, errors: &mut Vec<String>) -> Option<Vec<u8>> {
    let record = x.record(as_of);
    if let Err(e) = store.put_quality(&record) {
        errors.push(format!("keeping the data-quality record of {}: {e}", x.file_name));
    }
    render::feedback::render(&record)
        .map_err(|e| errors.push(format!("rendering the feedback workbook of {}: {e}", x.file_name)))
        .ok()
}

/// The councils whose data a stored extract brought, in words ("for Breckland, Fenland").
fn covered(project: &Project, e: &StoredExtract) -> String {
    let names: Vec<String> = e
        .parts
        .iter()
        .map(|p| match p.partner.as_str() {
            crate::config::ALL => "the partnership".to_string(),
            code => project.partner_name(code),
        })
        .collect();
    format!("for {}", names.join(", "))
}

/// Checks a dropped commentary file (read once, from the work area): kept in the store and
/// archived when every row is good, quarantined with its problems named otherwise.
pub fn commentary(project: &Project, store: &Store, taken: Taken, places: &Places) -> FileReport {
    let mut report = FileReport { source: Some("commentary".into()), ..FileReport::new(&taken.name) };
    let (fate, bytes, sha256, rows) = judge_commentary(project, &taken);
    report.rows_read = rows.map(|(good, bad)| good + bad);
    match fate {
        Fate::Skip(why) => back(taken, &mut report, why),
        Fate::Quarantine(reason) => quarantine(taken, &mut report, places, &sha256, reason, &[]),
        Fate::Duplicate { .. } => unreachable!("commentary is kept, never compared as a duplicate"),
        Fate::Accept => {
            if let Err(err) = store.put_commentary(&taken.name, &bytes) {
                back(taken, &mut report, format!("could not keep the commentary: {err}"));
                return report;
            }
            let kept = rows.map_or(0, |(good, _)| good);
            report.status = FileStatus::Accepted;
            report.rows_accepted = Some(kept);
            report.reason = format!("{kept} comment(s) kept");
            archive(taken, &mut report, &places.archive, &sha256);
        }
    }
    report
}

/// A commentary file's fate, its bytes and their SHA-256, and its good and bad rows.
fn judge_commentary(project: &Project, taken: &Taken) -> (Fate, Vec<u8>, String, Option<(usize, usize)>) {
    let limit = project.settings.limits.max_file_mb;
    let size = std::fs::metadata(&taken.work).map(|m| m.len()).unwrap_or(0);
    if size > limit * 1024 * 1024 {
        let sha = crate::fs::sha256_file(&taken.work).unwrap_or_default();
        let reason = format!(
            "{}: the file is {:.1} MB, larger than the limit of {limit} MB (limits.max_file_mb in scorecard.toml)",
            taken.name,
            size as f64 / 1024.0 / 1024.0
        );
        return (Fate::Quarantine(reason), Vec::new(), sha, None);
    }
    let bytes = match taken.read() {
        Ok(b) => b,
        Err(why) => return (Fate::Skip(why.to_string()), Vec::new(), String::new(), None),
    };
    let sha256 = crate::common::sha256_hex(&bytes);
    let named = taken.drop.join(&taken.name);
    let mut errors = Vec::new();
    let rows = crate::config::parse_commentary(
        &named,
        &bytes,
        &project.indicators,
        &project.settings.partner,
        &project.settings.limits,
        &mut errors,
    );
    let counts = Some((rows.len(), errors.len()));
    if errors.is_empty() {
        return (Fate::Accept, bytes, sha256, counts);
    }
    const SHOWN: usize = 20;
    let listed = errors.iter().take(SHOWN).map(|e| format!("line {}: {}", e.line, e.message)).collect::<Vec<_>>();
    let more = if errors.len() > SHOWN { format!("; and {} more", errors.len() - SHOWN) } else { String::new() };
    let reason = format!(
        "{}: the commentary file has {} problem(s), so none of it is used: {}{more}",
        taken.name,
        errors.len(),
        listed.join("; ")
    );
    (Fate::Quarantine(reason), bytes, sha256, counts)
}
