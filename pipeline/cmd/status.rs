//! `scorecard status`: the last run and its result, the files waiting in the drop folder,
//! sources whose data is stale today, and the reports the last run produced. Reads only; takes
//! no lock, so it can be used while a run is going on.

use crate::cli::StatusArgs;
use crate::config::Project;
use crate::job::{last_record, RunRecord};
use crate::render::FileStatus;
use chrono::NaiveDate;
use serde::Serialize;
use std::path::PathBuf;

pub fn main(a: &StatusArgs) -> i32 {
    match super::load(&a.project.project) {
        Ok(p) => {
            let s = status(&p, a.as_of.or_today());
            if a.json.json {
                super::print_json(&s);
            } else {
                print!("{}", s.human());
            }
            crate::exit::OK
        }
        Err(code) => code,
    }
}

#[derive(Debug, Serialize)]
pub struct Status {
    pub project: PathBuf,
    pub last_run: Option<LastRun>,
    /// A run holds the lock, or one was killed before it finished: what its lock file says.
    pub lock: Option<String>,
    /// Files waiting in the drop folder (those the next run will read).
    pub waiting: Vec<String>,
    /// Sources whose latest accepted extract is older than their limit, as of `as_of`.
    pub stale: Vec<String>,
    /// Councils whose data for a month has not arrived (sources with `partners_present`).
    pub missing: Vec<String>,
    /// The reports the last run produced (or found up to date).
    pub reports: Vec<PathBuf>,
    /// Reports published so far whose period needs approval and has none yet
    /// (`scorecard approve`): `joint-committee 2025/26 Q2`.
    pub awaiting_approval: Vec<String>,
    pub index: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
pub struct LastRun {
    pub as_of: NaiveDate,
    pub seq: u32,
    pub exit_code: i32,
    pub skipped: bool,
    pub message: String,
    pub log: PathBuf,
    pub accepted: usize,
    pub quarantined: usize,
}

pub fn status(project: &Project, as_of: NaiveDate) -> Status {
    let output = project.folder(&project.settings.folders.output);
    let record: Option<RunRecord> = last_record(&output);
    let waiting = crate::ingest::discover(&project.folder(&project.settings.folders.drop))
        .map(|e| e.into_iter().filter(|e| e.kind == crate::ingest::EntryKind::Candidate).map(|e| e.name).collect())
        .unwrap_or_default();
    let deliveries = crate::store::Store::open(&project.folder(&project.settings.folders.store))
        .map(|s| s.deliveries())
        .unwrap_or_default();
    let missing = crate::store::coverage::missing(&project.sources, &project.settings.partner, &deliveries, as_of);
    let stale = crate::render::model::source_quality(project, &deliveries, &[], &[], &[], as_of)
        .into_iter()
        .filter(|q| q.stale)
        .map(|q| q.statement)
        .collect();
    let lock =
        std::fs::read_to_string(crate::job::lock::lock_path(&project.root)).ok().filter(|s| !s.trim().is_empty());
    let index = output.join("index.html");
    let awaiting_approval = awaiting_approval(project, &output);
    Status {
        awaiting_approval,
        project: project.root.clone(),
        last_run: record.as_ref().map(|r| {
            let count = |s: FileStatus| {
                r.summary.as_ref().map(|x| x.files.iter().filter(|f| f.status == s).count()).unwrap_or(0)
            };
            LastRun {
                as_of: r.as_of,
                seq: r.seq,
                exit_code: r.exit_code,
                skipped: r.skipped,
                message: r.message.clone(),
                log: r.log.clone(),
                accepted: count(FileStatus::Accepted),
                quarantined: count(FileStatus::Quarantined),
            }
        }),
        lock,
        waiting,
        stale,
        missing: missing.into_iter().map(|m| m.message).collect(),
        reports: record
            .map(|r| r.outputs.into_iter().filter(|p| p.extension().is_some_and(|e| e == "pdf")).collect())
            .unwrap_or_default(),
        index: index.is_file().then_some(index),
    }
}

/// Every (report, period) the output folder's `reports.json` lists whose report needs
/// approval and whose period has none in the audit log (every one, if the log fails its check).
fn awaiting_approval(project: &Project, output: &std::path::Path) -> Vec<String> {
    let listed: Vec<serde_json::Value> = std::fs::read(output.join("reports.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let store = project.folder(&project.settings.folders.store);
    let approvals = crate::store::audit::read(&store).map(|e| crate::store::audit::approvals(&e)).unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    for r in &listed {
        let (Some(report), Some(period)) = (r["report"].as_str(), r["period"].as_str()) else { continue };
        let wanted = project.settings.report.requires_approval(report)
            && !period.is_empty()
            && !crate::store::audit::is_approved(&approvals, report, period);
        let item = format!("{report} {period}");
        if wanted && !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

impl Status {
    /// The status for a person.
    pub fn human(&self) -> String {
        let mut out = format!("scorecard status of {}\n", self.project.display());
        match &self.last_run {
            Some(r) => {
                // The job's message for a run that ended normally only repeats its exit code.
                let routine = r.message == format!("run finished with exit code {}", r.exit_code);
                out.push_str(&format!(
                    "last run: as of {} (run {}), exit code {}{}: {} accepted, {} quarantined{}\n  log: {}\n",
                    r.as_of,
                    r.seq,
                    r.exit_code,
                    if r.skipped { ", nothing new" } else { "" },
                    r.accepted,
                    r.quarantined,
                    if routine { String::new() } else { format!("; {}", r.message) },
                    r.log.display()
                ))
            }
            None => out.push_str("last run: none yet\n"),
        }
        if let Some(l) = &self.lock {
            out.push_str(&format!(
                "lock: {l} (a run is going on, or one was killed; the next run takes a dead run's lock over)\n"
            ));
        }
        out.push_str(&format!("files waiting in the drop folder: {}\n", self.waiting.len()));
        for w in &self.waiting {
            out.push_str(&format!("  {w}\n"));
        }
        out.push_str(&format!("stale sources: {}\n", self.stale.len()));
        for s in &self.stale {
            out.push_str(&format!("  {s}\n"));
        }
        out.push_str(&format!("councils' data not yet arrived: {}\n", self.missing.len()));
        for m in &self.missing {
            out.push_str(&format!("  {m}\n"));
        }
        out.push_str(&format!("reports of the last run: {}\n", self.reports.len()));
        for r in &self.reports {
            out.push_str(&format!("  {}\n", r.display()));
        }
        out.push_str(&format!("periods awaiting approval for publication: {}\n", self.awaiting_approval.len()));
        for a in &self.awaiting_approval {
            out.push_str(&format!(
                "  {a} (scorecard approve --period \"{}\" --by NAME)\n",
                a.split_once(' ').map_or("", |x| x.1)
            ));
        }
        if let Some(i) = &self.index {
            out.push_str(&format!("index for clerks: {}\n", i.display()));
        }
        out
    }
}
