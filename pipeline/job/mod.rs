//! The nightly job around a run: one run at a time ([`lock`]), no work when nothing has
//! changed since the last run, a log file and a JSON record of every run, the clerks' index of
//! reports ([`index`]), and what `scorecard status` reads ([`status`]).
//!
//! Takes a loaded project, the run clock (`--as-of`) and the options; gives an [`Outcome`]
//! with the exit code. Everything it writes is written whole (temporary file, then rename),
//! and temporary files left by a killed run are removed under the lock before work starts.

pub mod lock;

use crate::config::Project;
use crate::exit;
use crate::run::{self, RunSummary};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// How the job is asked to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Rebuild everything even when nothing has changed.
    pub force: bool,
    /// Show progress bars (only when stderr is a terminal).
    pub progress: bool,
}

/// What one run of the job left behind: `output/runs/<as-of>-<seq>.json`, and
/// `output/last-run.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    /// The run's number among the runs of its as-of date (1, 2, ...).
    pub seq: u32,
    pub as_of: NaiveDate,
    pub exit_code: i32,
    /// True when nothing had changed and no work was done.
    pub skipped: bool,
    pub elapsed_seconds: f64,
    /// The inputs' fingerprint: definitions, templates, comparator data, the store, the run date.
    pub fingerprint: String,
    /// The log file of the run.
    pub log: PathBuf,
    pub summary: Option<RunSummary>,
    /// Outputs of the run the skip relied on (so `status` can list them).
    pub outputs: Vec<PathBuf>,
    /// Sources whose data is stale.
    pub stale: Vec<String>,
    pub message: String,
}

/// The job's result.
#[derive(Debug)]
pub struct Outcome {
    pub exit_code: i32,
    /// A few lines for a person (stderr, cron mail).
    pub human: String,
    /// What `--json` prints (for a run that did nothing: its reason in `errors` or `skipped`).
    pub summary: RunSummary,
    pub record: Option<RunRecord>,
}

/// `output/runs` of a project.
pub fn runs_dir(output: &Path) -> PathBuf {
    output.join("runs")
}

/// `output/last-run.json`.
pub fn last_run_path(output: &Path) -> PathBuf {
    output.join("last-run.json")
}

/// The record of the last run, if any.
pub fn last_record(output: &Path) -> Option<RunRecord> {
    serde_json::from_slice(&std::fs::read(last_run_path(output)).ok()?).ok()
}

/// The files whose contents decide a run's outputs, in a fixed order.
fn inputs(project: &Project) -> Vec<PathBuf> {
    let root = &project.root;
    let mut files = vec![
        root.join("scorecard.toml"),
        root.join("targets.toml"),
        root.join("waivers.toml"),
        root.join("commentary.csv"),
        root.join("benchmarks.toml"),
    ];
    let store = project.folder(&project.settings.folders.store);
    files.push(store.join("manifest.json"));
    // An approval changes the reports (their draft mark).
    files.push(crate::store::audit::path(&store));
    for dir in [
        root.join("sources"),
        root.join("indicators"),
        root.join("report-templates"),
        root.join("benchmarks"),
        store.join("commentary"),
    ] {
        let mut more: Vec<PathBuf> = walk(&dir);
        more.sort();
        files.extend(more);
    }
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.is_file() {
            out.push(p);
        }
    }
    out
}

/// A fingerprint of everything a run's outputs depend on: this program's version, the run
/// date, every definition file, template and comparator file, and the store's manifest.
pub fn fingerprint(project: &Project, as_of: NaiveDate) -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(as_of.to_string().as_bytes());
    for f in inputs(project) {
        h.update(f.strip_prefix(&project.root).unwrap_or(&f).to_string_lossy().as_bytes());
        match std::fs::read(&f) {
            Ok(bytes) => {
                h.update((bytes.len() as u64).to_le_bytes());
                h.update(&bytes);
            }
            Err(_) => h.update(b"absent"),
        }
    }
    crate::common::hex(&h.finalize())
}

/// Removes `.<name>.<pid>.tmp` files that a killed run left while writing (only ever called
/// under the lock, so no live run is writing them).
fn remove_temporaries(dir: &Path) -> usize {
    walk(dir)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| crate::fs::is_temporary(&n.to_string_lossy())))
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count()
}

/// The next run number for a date.
fn next_seq(output: &Path, as_of: NaiveDate) -> u32 {
    let prefix = format!("{as_of}-");
    std::fs::read_dir(runs_dir(output))
        .map(|d| {
            d.flatten()
                .filter_map(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    n.strip_prefix(&prefix)?.strip_suffix(".json")?.parse::<u32>().ok()
                })
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
        + 1
}

/// The log of one run: one line per event, each stamped with the run date and the seconds
/// since the run started.
struct Log {
    as_of: NaiveDate,
    start: Instant,
    lines: Vec<String>,
}

impl Log {
    fn event(&mut self, what: impl AsRef<str>) {
        let what = crate::render::format::printable(what.as_ref()).into_owned();
        let line = format!("{} +{:.3}s {}", self.as_of, self.start.elapsed().as_secs_f64(), what);
        self.lines.push(line);
    }
}

/// The outcome of a run that could not take the project's lock: exit 75 while another run
/// holds it, else exit 2 with the reason.
fn locked_out(project: &Project, as_of: NaiveDate, e: lock::LockError) -> Outcome {
    let mut summary = RunSummary::empty(project, as_of);
    let (exit_code, human) = match &e {
        lock::LockError::Held { holder } => {
            summary.errors.push(format!("another run holds the lock ({holder})"));
            let human = format!(
                "scorecard: another run holds the lock on {} ({holder}); this run did nothing. Try again when it has finished.\nexit code {}\n",
                project.root.display(),
                exit::LOCKED
            );
            (exit::LOCKED, human)
        }
        _ => {
            summary.errors.push(e.to_string());
            (exit::FAILED, format!("scorecard: {e}\nexit code {}\n", exit::FAILED))
        }
    };
    summary.exit_code = exit_code;
    Outcome { exit_code, human, summary, record: None }
}

/// Every folder a run writes to: the drop folder's work area, the archive, the quarantine,
/// the store and the outputs.
fn written_folders(project: &Project) -> [PathBuf; 5] {
    let f = &project.settings.folders;
    [
        crate::publish::intake::work_dir(&project.folder(&f.drop)),
        project.folder(&f.archive),
        project.folder(&f.quarantine),
        project.folder(&f.store),
        project.folder(&f.output),
    ]
}

/// What an interrupted run left, cleared under the lock: temporary files in every folder a
/// run writes to, and a release of outputs it had begun to make current.
fn clean_up(project: &Project, folders: &[PathBuf], log: &mut Log) {
    let removed: usize = folders.iter().map(|d| remove_temporaries(d)).sum();
    if removed > 0 {
        log.event(format!("removed {removed} temporary file(s) left by an interrupted run"));
    }
    for done in crate::publish::release::recover(&project.folder(&project.settings.folders.output)) {
        log.event(done);
    }
}

/// How many files wait in a usable drop folder.
fn waiting_files(drop: &Path) -> Result<usize, crate::run::RunError> {
    crate::run::drop_folder_ready(drop)?;
    let entries = crate::ingest::discover(drop).map_err(|e| crate::run::RunError::drop_folder(drop, "list", e))?;
    Ok(entries.iter().filter(|e| e.kind == crate::ingest::EntryKind::Candidate).count())
}

/// The progress bar of files read and checked (on a terminal only).
fn progress_bar(waiting: usize) -> indicatif::ProgressBar {
    let b = indicatif::ProgressBar::new(waiting as u64);
    b.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} files")
            .expect("valid template")
            .progress_chars("=> "),
    );
    b.set_message("reading and checking");
    b
}

/// The run itself, with the progress bar (on a terminal), its number for the index, and the
/// lock checked again before publishing.
fn run_under_lock(
    project: &Project,
    as_of: NaiveDate,
    started: SystemTime,
    opts: &Options,
    lock: &lock::ProjectLock,
    seq: u32,
    waiting: usize,
) -> RunSummary {
    let bar = opts.progress.then(|| progress_bar(waiting));
    let still_ours = || lock.still_held(&project.root).map_err(Into::into);
    let hooks =
        run::Hooks { progress: bar.as_ref(), seq: Some(seq), still_ours: Some(&still_ours), typeset_all: opts.force };
    let summary = run::run_with(project, as_of, started, &hooks);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    summary
}

/// A run's summary in the log, a line per fact.
fn log_summary(log: &mut Log, summary: &RunSummary) {
    for s in &summary.repairs {
        log.event(format!("repair: {s}"));
    }
    for n in &summary.notes {
        log.event(format!("note: {n}"));
    }
    for f in &summary.files {
        log.event(format!("{} {}: {}", f.status, f.name, f.reason));
    }
    for r in &summary.replaced {
        log.event(format!("replaced: {}", r.message));
    }
    for m in &summary.missing {
        log.event(format!(
            "missing: {} (check {}, {})",
            m.message,
            m.check,
            format!("{:?}", m.severity).to_lowercase()
        ));
    }
    for s in &summary.stale {
        log.event(format!("stale: {s}"));
    }
    for o in &summary.outputs {
        log.event(format!("wrote {} {}", o.kind, o.path.display()));
    }
    for w in &summary.warnings {
        log.event(format!("warning: {w}"));
    }
    for e in &summary.errors {
        log.event(format!("error: {e}"));
    }
}

/// The log, the run's JSON record and `last-run.json`, each written whole; what could not be
/// written, as lines for the summary.
fn write_records(output: &Path, log: &Log, record: &RunRecord) -> String {
    let mut text = log.lines.join("\n");
    text.push('\n');
    let json = serde_json::to_vec_pretty(record).expect("record serialises");
    let mut problems = String::new();
    for (path, bytes) in [
        (record.log.clone(), text.as_bytes()),
        (runs_dir(output).join(format!("{}-{}.json", record.as_of, record.seq)), json.as_slice()),
        (last_run_path(output), json.as_slice()),
    ] {
        if let Err(e) = crate::fs::write_atomic(&path, bytes) {
            problems.push_str(&format!("  error: could not write {}: {e}\n", path.display()));
        }
    }
    problems
}

/// What a night is run with, once its lock is held.
struct Night<'a> {
    project: &'a Project,
    as_of: NaiveDate,
    started: SystemTime,
    opts: &'a Options,
    lock: &'a lock::ProjectLock,
    seq: u32,
}

/// What the night did: its exit code, its summary (none when skipped), the outputs that are
/// current, the stale sources, and a line for the record.
struct Tonight {
    exit_code: i32,
    summary: Option<RunSummary>,
    outputs: Vec<PathBuf>,
    stale: Vec<String>,
    message: String,
}

impl Night<'_> {
    /// Fails on a drop folder that cannot be used, skips when nothing has changed since the
    /// last run (unless forced), else runs.
    fn decide(
        &self,
        waiting: Result<usize, crate::run::RunError>,
        unchanged: Option<&RunRecord>,
        log: &mut Log,
    ) -> Tonight {
        let (exit_code, summary, outputs, stale, message) = match (waiting, unchanged) {
            (Err(e), _) => {
                log.event(format!("error: {e}"));
                let mut summary = RunSummary::empty(self.project, self.as_of);
                summary.exit_code = exit::FAILED;
                summary.errors.push(e.to_string());
                (exit::FAILED, Some(summary), Vec::new(), Vec::new(), "the drop folder cannot be used".to_string())
            }
            (Ok(0), Some(r)) if !self.opts.force => {
                let message = format!(
                    "nothing new since the last run (as of {}, run {}): no files waiting and no definition, template, comparator table or stored extract changed; the outputs are up to date (use --force to rebuild)",
                    r.as_of, r.seq
                );
                log.event(&message);
                (exit::OK, None, r.outputs.clone(), r.stale.clone(), message)
            }
            (Ok(waiting), unchanged) => {
                if self.opts.force && unchanged.is_some() {
                    log.event("--force: rebuilding although nothing has changed");
                }
                log.event(format!("{waiting} file(s) waiting in the drop folder"));
                let summary =
                    run_under_lock(self.project, self.as_of, self.started, self.opts, self.lock, self.seq, waiting);
                log_summary(log, &summary);
                let outputs: Vec<PathBuf> = summary.outputs.iter().map(|o| o.path.clone()).collect();
                if summary.exit_code != exit::FAILED {
                    log.event("index updated: latest/, reports.json, index.csv, index.html");
                }
                log.event(format!("seconds per stage: {}", summary.seconds.line()));
                let message = format!("run finished with exit code {}", summary.exit_code);
                (summary.exit_code, Some(summary.clone()), outputs, summary.stale.clone(), message)
            }
        };
        Tonight { exit_code, summary, outputs, stale, message }
    }
}

/// Runs the nightly job: lock, skip if nothing changed, run, log, record, index.
pub fn nightly(project: &Project, as_of: NaiveDate, started: SystemTime, opts: &Options) -> Outcome {
    let start = Instant::now();
    let mut log = Log { as_of, start, lines: Vec::new() };
    let output = project.folder(&project.settings.folders.output);
    let who = format!("pid {} started a run as of {as_of}", std::process::id());
    let lock = match lock::acquire(&project.root, &who) {
        Ok(l) => l,
        Err(e) => return locked_out(project, as_of, e),
    };
    log.event(format!("run as of {as_of} started (pid {})", std::process::id()));
    if let Some(previous) = &lock.took_over {
        log.event(format!("took over a stale lock left by a run that did not finish ({previous})"));
    }
    let drop_folder = project.folder(&project.settings.folders.drop);
    clean_up(project, &written_folders(project), &mut log);
    let print = fingerprint(project, as_of);
    // A drop folder that is missing, unreadable or cannot be written to fails the night,
    // whether or not anything has changed.
    let waiting = waiting_files(&drop_folder);
    let seq = next_seq(&output, as_of);
    let log_path = output.join("logs").join(format!("{as_of}-{seq}.log"));

    let previous = last_record(&output);
    let unchanged = previous.as_ref().filter(|r| {
        r.fingerprint == print && r.exit_code <= exit::COMPLETED_WITH_PROBLEMS && r.outputs.iter().all(|p| p.is_file())
    });
    let night = Night { project, as_of, started, opts, lock: &lock, seq };
    let Tonight { exit_code, summary, outputs, stale, message } = night.decide(waiting, unchanged, &mut log);
    let skipped = summary.is_none();
    // After a skip, the fingerprint stays that of the run whose outputs are current.
    let record = RunRecord {
        seq,
        as_of,
        exit_code,
        skipped,
        elapsed_seconds: start.elapsed().as_secs_f64(),
        fingerprint: if skipped { print } else { fingerprint(project, as_of) },
        log: log_path.clone(),
        summary: summary.clone(),
        outputs,
        stale,
        message: message.clone(),
    };
    log.event(format!("finished: exit code {exit_code}"));
    let mut human = match &summary {
        Some(s) => s.human(),
        None => format!("scorecard run as of {as_of}: {message}\nexit code {exit_code}\n"),
    };
    human.push_str(&write_records(&output, &log, &record));
    human.push_str(&format!("  log: {}\n", log_path.display()));
    drop(lock);
    let summary = summary.unwrap_or_else(|| {
        let mut s = RunSummary::empty(project, as_of);
        s.skipped = true;
        s.stale = record.stale.clone();
        s.outputs = previous.as_ref().and_then(|r| r.summary.as_ref().map(|x| x.outputs.clone())).unwrap_or_default();
        s
    });
    Outcome { exit_code, human, summary, record: Some(record) }
}
