//! The nightly job: every stage in order, one run clock, one summary.
//!
//! Takes a loaded [`Project`] and the run's as-of date; reads the drop folder ([`ingest`]),
//! checks each file ([`check`]), stores accepted extracts ([`store`]) and moves every file to
//! the archive or the quarantine ([`publish`]), computes the indicators ([`indicators`]),
//! renders the workbook, CSV and PDF ([`render`]) and writes them atomically. Gives a
//! [`RunSummary`] whose `exit_code` follows [`crate::exit`]. One broken file never stops the
//! others; if rendering fails, nothing is published for the run.

use crate::check::{self, CheckEnv, Verdict};
use crate::config::Project;
use crate::exit;
use crate::indicators;
use crate::ingest::{self, EntryKind};
use crate::publish;
use crate::render::{self, FileReport, ReportModel};
use crate::store::coverage::MissingDelivery;
use crate::store::{Replaced, Store, StoredExtract};
use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// Wall-clock seconds the run spent in each stage, for the log, the run record and the
/// benchmark (never in an output). Reading and checking files runs on every core: `ingest`
/// is the time until every file is read into its typed table (with the built-in checks),
/// `checks` the time for the declared checks after that, plus keeping each file's quality
/// record and writing its feedback workbook.
#[derive(Debug, Clone, Copy, Default, Serialize, serde::Deserialize, PartialEq)]
pub struct StageSeconds {
    pub ingest: f64,
    pub checks: f64,
    /// Storing accepted extracts (Parquet and manifest).
    pub store: f64,
    /// Indicators, breakdowns, the data-quality summary and the report model.
    pub indicators: f64,
    /// Comparator tables read and standings computed.
    pub benchmarks: f64,
    /// The workbook and the open-data CSV.
    pub workbook: f64,
    /// Every PDF report.
    pub pdf: f64,
    /// Moving files to the archive or quarantine, writing the outputs, the clerks' index.
    pub publish: f64,
}

impl StageSeconds {
    /// Every stage, in order, with its name.
    pub fn stages(&self) -> [(&'static str, f64); 8] {
        [
            ("ingest", self.ingest),
            ("checks", self.checks),
            ("store", self.store),
            ("indicators", self.indicators),
            ("benchmarks", self.benchmarks),
            ("workbook", self.workbook),
            ("pdf", self.pdf),
            ("publish", self.publish),
        ]
    }

    /// Everything after ingestion.
    pub fn after_ingest(&self) -> f64 {
        self.stages().iter().skip(1).map(|(_, s)| s).sum()
    }

    /// One line for the log: `ingest 2.01 s, checks 0.10 s, ...`.
    pub fn line(&self) -> String {
        self.stages().iter().map(|(n, s)| format!("{n} {s:.3} s")).collect::<Vec<_>>().join(", ")
    }
}

fn since(clock: Instant) -> f64 {
    clock.elapsed().as_secs_f64()
}

/// Runs `f`, adding the seconds it took to `seconds`.
fn timed<T>(seconds: &mut f64, f: impl FnOnce() -> T) -> T {
    let clock = Instant::now();
    let out = f();
    *seconds += since(clock);
    out
}

/// Absolute paths of the project's folders.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct FolderPaths {
    pub drop: PathBuf,
    pub archive: PathBuf,
    pub quarantine: PathBuf,
    pub store: PathBuf,
    pub output: PathBuf,
}

/// One file written by the run.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct OutputFile {
    /// `workbook`, `csv` or `pdf`.
    pub kind: String,
    pub path: PathBuf,
    /// For a report: what it is, for whom and for which period (the clerks' index lists it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportMeta>,
}

/// What a report is: its kind, title, meeting, partner and period.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct ReportMeta {
    pub report: String,
    pub title: String,
    pub meeting: String,
    /// The partner, or the partnership.
    pub partner: String,
    pub period: String,
}

/// What the run did; printed with `--json`.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct RunSummary {
    pub exit_code: i32,
    pub as_of: NaiveDate,
    pub project: PathBuf,
    pub folders: FolderPaths,
    pub files: Vec<FileReport>,
    pub outputs: Vec<OutputFile>,
    /// Figures computed (indicator x partner x period), with a value or empty.
    pub values: usize,
    /// Failing rows (or items) of the data-quality checks that did not pass, over this
    /// run's files; each file's feedback workbook lists them.
    pub findings: usize,
    /// Sources whose latest accepted extract is older than their `stale_after_days`.
    pub stale: Vec<String>,
    /// Problems that stopped a stage, if any.
    pub errors: Vec<String>,
    /// Councils' data replaced by this run's files, each in a sentence.
    #[serde(default)]
    pub replaced: Vec<Replaced>,
    /// Councils whose data for a month has not arrived (sources with a `partners_present`
    /// check), whichever files were to bring it.
    #[serde(default)]
    pub missing: Vec<MissingDelivery>,
    /// What was done to the store before the run read it: a migration from the old layout,
    /// or what an interrupted run left finished.
    #[serde(default)]
    pub store_repairs: Vec<String>,
    /// Nothing had changed since the last run, so no work was done (the outputs listed are
    /// that run's, still current).
    #[serde(default)]
    pub skipped: bool,
    /// Time spent in each stage.
    #[serde(default)]
    pub seconds: StageSeconds,
}

impl RunSummary {
    /// A summary of a run that has done nothing yet.
    pub fn empty(project: &Project, as_of: NaiveDate) -> RunSummary {
        let f = &project.settings.folders;
        RunSummary {
            exit_code: exit::OK,
            as_of,
            project: project.root.clone(),
            folders: FolderPaths {
                drop: project.folder(&f.drop),
                archive: project.folder(&f.archive),
                quarantine: project.folder(&f.quarantine),
                store: project.folder(&f.store),
                output: project.folder(&f.output),
            },
            files: Vec::new(),
            outputs: Vec::new(),
            values: 0,
            findings: 0,
            stale: Vec::new(),
            errors: Vec::new(),
            replaced: Vec::new(),
            missing: Vec::new(),
            store_repairs: Vec::new(),
            skipped: false,
            seconds: StageSeconds::default(),
        }
    }

    /// A few lines for a person (stderr, cron mail).
    pub fn human(&self) -> String {
        let count = |s: &str| self.files.iter().filter(|f| f.status == s).count();
        let mut out = format!(
            "scorecard run as of {}: {} accepted, {} quarantined, {} duplicate, {} skipped; {} figures; {} findings\n",
            self.as_of,
            count("accepted"),
            count("quarantined"),
            count("duplicate"),
            count("skipped"),
            self.values,
            self.findings
        );
        for f in self.files.iter().filter(|f| f.status == "quarantined") {
            out.push_str(&format!("  quarantined {}: {}\n", f.name, f.reason));
        }
        let warned: Vec<&FileReport> = self.files.iter().filter(|f| f.status == "accepted" && f.warnings > 0).collect();
        for f in warned.iter().take(5) {
            out.push_str(&format!("  accepted {} with {} data-quality warning(s)\n", f.name, f.warnings));
        }
        if warned.len() > 5 {
            out.push_str(&format!(
                "  ... and {} more files accepted with warnings (each file's feedback workbook lists them)\n",
                warned.len() - 5
            ));
        }
        for r in &self.replaced {
            out.push_str(&format!("  replaced: {}\n", r.message));
        }
        for m in &self.missing {
            out.push_str(&format!(
                "  missing: {} (check {}, {})\n",
                m.message,
                m.check,
                format!("{:?}", m.severity).to_lowercase()
            ));
        }
        for s in &self.stale {
            out.push_str(&format!("  stale: {s}\n"));
        }
        for o in &self.outputs {
            out.push_str(&format!("  wrote {} {}\n", o.kind, o.path.display()));
        }
        for e in &self.errors {
            out.push_str(&format!("  error: {e}\n"));
        }
        out.push_str(&format!("exit code {}\n", self.exit_code));
        out
    }
}

/// The outcome of reading and checking one file, as the nightly job (in parallel) and
/// `scorecard check` both see it.
pub enum Judged {
    Skip(String),
    Reject { source: Option<String>, reason: String },
    Checked(Box<check::CheckedExtract>),
}

/// Reads and checks one file: size limit, identification, reading, checks (against the
/// store's `history`, on the run date `as_of`). With `started`, a file changed too recently
/// (see `limits.settle_seconds`) is skipped for the next run.
pub fn judge(
    path: &Path,
    project: &Project,
    started: Option<SystemTime>,
    as_of: NaiveDate,
    history: &[StoredExtract],
) -> Judged {
    match read(path, project, started, as_of) {
        Ok((typed, source)) => declared(typed, source, project, as_of, history),
        Err(judged) => judged,
    }
}

/// The source's declared checks on a file [`read`] has typed.
fn declared(
    typed: Box<check::Typed>,
    source: &crate::config::SourceDef,
    project: &Project,
    as_of: NaiveDate,
    history: &[StoredExtract],
) -> Judged {
    let env = CheckEnv { partners: &project.settings.partner, as_of, history, waivers: &project.waivers };
    Judged::Checked(Box::new(check::declared(*typed, source, &env)))
}

/// The first half of [`judge`]: the file read into its typed table (with the built-in
/// checks), or why it is skipped or rejected.
fn read<'p>(
    path: &Path,
    project: &'p Project,
    started: Option<SystemTime>,
    as_of: NaiveDate,
) -> Result<(Box<check::Typed>, &'p crate::config::SourceDef), Judged> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return Err(Judged::Skip(format!("cannot read the file's details: {e}"))),
    };
    let size = meta.len();
    let limits = &project.settings.limits;
    if !meta.is_file() {
        return Err(Judged::Skip("not a regular file".into()));
    }
    if let (Some(started), Ok(modified)) = (started, meta.modified()) {
        let age = started.duration_since(modified).map(|d| d.as_secs()).unwrap_or(0);
        if age < limits.settle_seconds {
            return Err(Judged::Skip(format!(
                "changed {age} s before the run started (less than limits.settle_seconds = {}): it may still be being copied, so it is left for the next run",
                limits.settle_seconds
            )));
        }
    }
    if size > limits.max_file_mb * 1024 * 1024 {
        return Err(Judged::Reject {
            source: None,
            reason: format!(
                "{name}: the file is {:.1} MB, larger than the limit of {} MB (limits.max_file_mb in scorecard.toml)",
                size as f64 / 1024.0 / 1024.0,
                limits.max_file_mb
            ),
        });
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return Err(Judged::Skip(format!(
                "cannot read the file: {e}; it stays in the drop folder for the next run"
            )))
        }
    };
    let source = match ingest::identify(path, &bytes, &project.sources, limits) {
        Ok(s) => s,
        Err(e) => return Err(Judged::Reject { source: None, reason: e.0 }),
    };
    let raw = match ingest::read_extract(path, &bytes, source, limits) {
        Ok(r) => r,
        Err(e) => return Err(Judged::Reject { source: Some(source.id().to_string()), reason: e.0 }),
    };
    drop(bytes);
    let env = CheckEnv { partners: &project.settings.partner, as_of, history: &[], waivers: &project.waivers };
    Ok((Box::new(check::typed(raw, source, &env)), source))
}

/// Runs the nightly job on a loaded project. `as_of` is the run clock for everything the
/// outputs say; `started` (the wall clock when the command began) is used only to leave
/// files that are still being copied.
pub fn run(project: &Project, as_of: NaiveDate, started: SystemTime) -> RunSummary {
    run_with(project, as_of, started, None)
}

/// [`run`], advancing `progress` by one for each file read and checked.
pub fn run_with(
    project: &Project,
    as_of: NaiveDate,
    started: SystemTime,
    progress: Option<&indicatif::ProgressBar>,
) -> RunSummary {
    let mut summary = RunSummary::empty(project, as_of);
    let folders = summary.folders.clone();
    let fail = |mut s: RunSummary, msg: String| {
        s.errors.push(msg);
        s.exit_code = exit::FAILED;
        s
    };
    for dir in [&folders.drop, &folders.archive, &folders.quarantine, &folders.store, &folders.output] {
        if let Err(e) = std::fs::create_dir_all(dir) {
            return fail(summary, format!("cannot create folder {}: {e}", dir.display()));
        }
    }
    let mut store = match Store::open(&folders.store) {
        Ok(s) => s,
        Err(e) => return fail(summary, e.to_string()),
    };
    // A store of the old layout is migrated, and what an interrupted run left is finished,
    // before anything reads it (the nightly job holds the project's lock).
    match store.migrate(&project.sources).and_then(|mut done| {
        done.extend(store.repair()?);
        Ok(done)
    }) {
        Ok(done) => summary.store_repairs = done,
        Err(e) => return fail(summary, format!("the store could not be made ready: {e}")),
    }
    let entries = match ingest::discover(&folders.drop) {
        Ok(e) => e,
        Err(e) => return fail(summary, format!("cannot list the drop folder {}: {e}", folders.drop.display())),
    };

    // Commentary dropped with the extracts: checked like the project's commentary.csv, kept
    // in the store (so it stays in use) and archived, or quarantined with every bad row.
    let (commentary, entries): (Vec<ingest::Entry>, Vec<ingest::Entry>) =
        entries.into_iter().partition(|e| e.kind == EntryKind::Candidate && crate::config::is_commentary_file(&e.name));
    let archive_dir = folders.archive.join(as_of.to_string());
    let quarantine_dir = folders.quarantine.join(as_of.to_string());
    for e in commentary {
        summary.files.push(take_commentary(project, &store, &e, &archive_dir, &quarantine_dir));
    }
    let mut project = project.clone();
    for (path, bytes) in store.commentary_files() {
        let mut errors = Vec::new();
        let rows =
            crate::config::parse_commentary(&path, &bytes, &project.indicators, &project.settings.partner, &mut errors);
        project.commentary.extend(rows);
        summary.errors.extend(errors.iter().map(|e| format!("kept commentary: {e}")));
    }
    let project = &project;

    // Read every candidate in parallel, then check them in parallel; nothing is moved yet.
    let history = store.extracts().to_vec();
    let clock = Instant::now();
    type Read<'p> = Result<(Box<check::Typed>, &'p crate::config::SourceDef), Judged>;
    let read: Vec<(ingest::Entry, Option<Read>)> = entries
        .into_par_iter()
        .map(|e| {
            let r = (e.kind == EntryKind::Candidate).then(|| read(&e.path, project, Some(started), as_of));
            (e, r)
        })
        .collect();
    summary.seconds.ingest = since(clock);
    let clock = Instant::now();
    let judged: Vec<(ingest::Entry, Option<Judged>)> = read
        .into_par_iter()
        .map(|(e, r)| {
            let j = r.map(|r| match r {
                Ok((typed, source)) => declared(typed, source, project, as_of, &history),
                Err(j) => j,
            });
            if let (Some(p), true) = (progress, j.is_some()) {
                p.inc(1);
            }
            (e, j)
        })
        .collect();
    summary.seconds.checks = since(clock);
    let (loop_clock, mut put_seconds, mut quality_seconds) = (Instant::now(), 0.0, 0.0);

    let feedback_dir = folders.output.join("feedback").join(as_of.to_string());
    let mut error_findings = 0usize;
    for (entry, j) in judged {
        let mut report = FileReport::new(&entry.name);
        let quarantine_with = |report: &mut FileReport, reason: String| {
            report.status = "quarantined".into();
            match publish::quarantine(&entry.path, &quarantine_dir, &reason) {
                Ok(dest) => report.moved_to = Some(dest.display().to_string()),
                Err(e) => {
                    report.status = "skipped".into();
                    report.reason =
                        format!("{reason} (could not move it to the quarantine: {e}; it stays in the drop folder)");
                    return;
                }
            }
            report.reason = reason;
        };
        match (entry.kind.clone(), j) {
            (EntryKind::Skip(reason), _) | (_, Some(Judged::Skip(reason))) => {
                report.status = "skipped".into();
                report.reason = reason;
            }
            (_, None) => unreachable!("candidates are always judged"),
            (_, Some(Judged::Reject { source, reason })) => {
                report.source = source;
                quarantine_with(&mut report, reason);
            }
            (_, Some(Judged::Checked(x))) => {
                report.source = Some(x.source_id.clone());
                report.as_at = Some(x.as_at);
                report.rows_read = Some(x.rows_read);
                report.rows_accepted = Some(x.rows_accepted);
                report.rows_rejected = Some(x.rows_rejected);
                report.warnings = x.checks.iter().filter(|c| c.status == check::Status::Warning).count();
                if let Some(prev) = store.find_sha256(&x.sha256) {
                    report.status = "duplicate".into();
                    report.reason = format!(
                        "identical to {} (as at {}), already loaded on {}; archived without loading again",
                        prev.file_name, prev.as_at, prev.loaded_on
                    );
                    match publish::move_into(&entry.path, &archive_dir.join("duplicates")) {
                        Ok(dest) => report.moved_to = Some(dest.display().to_string()),
                        Err(e) => report.reason.push_str(&format!(" (could not archive it: {e})")),
                    }
                } else {
                    match &x.verdict {
                        Verdict::Quarantine(reason) => {
                            let reason = format!(
                                "{}: {reason}. Every failing row is listed in the feedback workbook beside this file \
                                 (and in the output folder's feedback folder).",
                                x.file_name
                            );
                            quarantine_with(&mut report, reason);
                        }
                        Verdict::Accept => match timed(&mut put_seconds, || store.put(&x, as_of)) {
                            Ok(stored) => {
                                report.status = "accepted".into();
                                report.reason = if x.rows_rejected > 0 {
                                    format!(
                                        "{} rows rejected: {}",
                                        x.rows_rejected,
                                        x.findings().next().map(|(_, f)| f.to_string()).unwrap_or_default()
                                    )
                                } else {
                                    format!("{} rows loaded", x.rows_accepted)
                                };
                                report.reason.push_str(&format!(" ({})", covered(project, &stored.entry)));
                                for r in stored.replaced {
                                    let r = Replaced::of(project, r);
                                    report.reason.push_str(&format!("; {}", r.message));
                                    summary.replaced.push(r);
                                }
                                summary.errors.extend(stored.warnings);
                                match publish::move_into(&entry.path, &archive_dir) {
                                    Ok(dest) => report.moved_to = Some(dest.display().to_string()),
                                    Err(e) => {
                                        report.reason.push_str(&format!(" (loaded, but could not archive it: {e})"))
                                    }
                                }
                            }
                            Err(e) => {
                                report.status = "skipped".into();
                                report.reason =
                                    format!("could not store it: {e}; it stays in the drop folder for the next run");
                                summary.errors.push(e.to_string());
                            }
                        },
                    }
                }
                error_findings += x.errors();
                summary.findings += x.findings_total();
                if report.status != "duplicate" {
                    timed(&mut quality_seconds, || {
                        keep_quality(&x, &mut report, &store, &feedback_dir, as_of, &mut summary.errors)
                    });
                }
            }
        }
        summary.files.push(report);
    }
    summary.seconds.store = put_seconds;
    summary.missing =
        crate::store::coverage::missing(&project.sources, &project.settings.partner, &store.deliveries(), as_of);
    summary.seconds.checks += quality_seconds;
    summary.seconds.publish = since(loop_clock) - put_seconds - quality_seconds;

    let model = match build_model(project, &store, summary.files.clone(), as_of) {
        Ok(built) => {
            summary.values = built.values;
            summary.seconds.indicators = built.seconds.0;
            summary.seconds.benchmarks = built.seconds.1;
            summary.errors.extend(built.warnings);
            summary.stale = built.model.quality.iter().filter(|q| q.stale).map(|q| q.statement.clone()).collect();
            built.model
        }
        Err(e) => return fail(summary, e),
    };
    let templates = match render::pdf::Templates::load(&project.root.join("report-templates")) {
        Ok(t) => t,
        Err(e) => return fail(summary, format!("reading the report templates: {e}")),
    };
    let clock = Instant::now();
    let mut rendered = match render_tables(&model) {
        Ok(r) => r,
        Err(e) => return fail(summary, e),
    };
    summary.seconds.workbook = since(clock);
    let clock = Instant::now();
    match render_reports(project, &model, &templates) {
        Ok(r) => rendered.extend(r),
        Err(e) => return fail(summary, e),
    }
    summary.seconds.pdf = since(clock);
    let clock = Instant::now();
    for r in rendered {
        let path = folders.output.join(r.file_name);
        if let Err(e) = publish::write_atomic(&path, &r.bytes) {
            return fail(summary, format!("writing {}: {e}", path.display()));
        }
        summary.outputs.push(OutputFile { kind: r.kind, path, report: r.report });
    }
    summary.seconds.publish += since(clock);
    let problems = summary.files.iter().any(|f| f.status == "quarantined")
        || error_findings > 0
        || !summary.errors.is_empty()
        || summary.missing.iter().any(|m| m.severity == crate::config::Severity::Error);
    summary.exit_code = if problems { exit::COMPLETED_WITH_PROBLEMS } else { exit::OK };
    summary
}

/// The councils whose data a stored extract brought, in words ("for Breckland, Fenland").
fn covered(project: &Project, e: &StoredExtract) -> String {
    let names: Vec<String> = e
        .parts
        .iter()
        .map(|p| match p.partner.as_str() {
            crate::store::paths::WHOLE => "the partnership".to_string(),
            code => project.partner_name(code),
        })
        .collect();
    format!("for {}", names.join(", "))
}

/// A report model and what building it noticed.
pub struct Built {
    pub model: ReportModel,
    /// Figures computed.
    pub values: usize,
    /// Problems that did not stop it (an unreadable data-quality record).
    pub warnings: Vec<String>,
    /// Seconds spent on the indicators (with the rest of the model) and on benchmarking.
    pub seconds: (f64, f64),
}

/// The report model of the store as at `as_of`, with this run's files: indicators, data
/// quality, breakdowns and benchmarks. Comparator tables are reference data in the project
/// folder, read every time; their problems are notes in the report, never a reason to stop.
pub fn build_model(
    project: &Project,
    store: &Store,
    files: Vec<FileReport>,
    as_of: NaiveDate,
) -> Result<Built, String> {
    let clock = Instant::now();
    let values = indicators::compute_all(project, store, as_of).map_err(|e| format!("computing indicators: {e}"))?;
    // After the headline figures, so that the store's tables they made are shared.
    let breakdowns = indicators::breakdowns(project, store, as_of).map_err(|e| format!("computing breakdowns: {e}"))?;
    let mut warnings = Vec::new();
    let records = store.quality_records().unwrap_or_else(|e| {
        warnings.push(format!("reading the data-quality records: {e}"));
        Vec::new()
    });
    let deliveries = store.deliveries();
    let missing = crate::store::coverage::missing(&project.sources, &project.settings.partner, &deliveries, as_of);
    let quality = render::model::source_quality(project, &deliveries, &missing, &records, &files, as_of);
    let mut model = ReportModel::build(project, &values, files, store.extracts().to_vec(), quality, &breakdowns, as_of);
    model.missing = missing;
    model.replacements = store.replacements().iter().cloned().map(|r| Replaced::of(project, r)).collect();
    let indicators_seconds = since(clock);
    let clock = Instant::now();
    let comparators = crate::benchmark::table::read_all(
        &project.root,
        &project.benchmarks,
        &project.settings.partner,
        &project.settings.limits,
    );
    let benchmarking = crate::benchmark::standing::standings(project, &comparators, &values);
    let model = model.with_benchmarks(render::benchmark::section(project, &comparators, &benchmarking));
    Ok(Built { model, values: values.len(), warnings, seconds: (indicators_seconds, since(clock)) })
}

/// The report model of a project as its store stands, without reading the drop folder (for
/// tests and checks that compare outputs with the figures behind them).
pub fn model_of(project: &Project, as_of: NaiveDate) -> Result<ReportModel, String> {
    let store = Store::open(&project.folder(&project.settings.folders.store)).map_err(|e| e.to_string())?;
    build_model(project, &store, Vec::new(), as_of).map(|b| b.model)
}

/// Checks a dropped commentary file: kept in the store and archived when every row is good,
/// quarantined with every bad row named otherwise.
fn take_commentary(
    project: &Project,
    store: &Store,
    e: &ingest::Entry,
    archive_dir: &Path,
    quarantine_dir: &Path,
) -> FileReport {
    let mut report = FileReport { source: Some("commentary".into()), ..FileReport::new(&e.name) };
    let bytes = match std::fs::read(&e.path) {
        Ok(b) => b,
        Err(err) => {
            report.status = "skipped".into();
            report.reason = format!("cannot read the file: {err}; it stays in the drop folder for the next run");
            return report;
        }
    };
    let mut errors = Vec::new();
    let rows =
        crate::config::parse_commentary(&e.path, &bytes, &project.indicators, &project.settings.partner, &mut errors);
    report.rows_read = Some(rows.len() + errors.len());
    if !errors.is_empty() {
        let reason = format!(
            "{}: the commentary file has {} problem(s), so none of it is used: {}",
            e.name,
            errors.len(),
            errors.iter().map(|e| format!("line {}: {}", e.line, e.message)).collect::<Vec<_>>().join("; ")
        );
        report.status = "quarantined".into();
        match publish::quarantine(&e.path, quarantine_dir, &reason) {
            Ok(dest) => {
                report.moved_to = Some(dest.display().to_string());
                report.reason = reason;
            }
            Err(err) => {
                report.status = "skipped".into();
                report.reason =
                    format!("{reason} (could not move it to the quarantine: {err}; it stays in the drop folder)");
            }
        }
        return report;
    }
    if let Err(err) = store.put_commentary(&e.name, &bytes) {
        report.status = "skipped".into();
        report.reason = format!("could not keep the commentary: {err}; it stays in the drop folder for the next run");
        return report;
    }
    report.status = "accepted".into();
    report.rows_accepted = Some(rows.len());
    report.reason = format!("{} comment(s) kept", rows.len());
    match publish::move_into(&e.path, archive_dir) {
        Ok(dest) => report.moved_to = Some(dest.display().to_string()),
        Err(err) => report.reason.push_str(&format!(" (kept, but could not archive it: {err})")),
    }
    report
}

/// Keeps the record of an extract's checks in the store and writes its feedback workbook to
/// the output folder and, for a quarantined file, beside it in the quarantine.
fn keep_quality(
    x: &check::CheckedExtract,
    report: &mut FileReport,
    store: &Store,
    feedback_dir: &Path,
    as_of: NaiveDate,
    errors: &mut Vec<String>,
) {
    let record = x.record(as_of);
    if let Err(e) = store.put_quality(&record) {
        errors.push(format!("keeping the data-quality record of {}: {e}", x.file_name));
    }
    let bytes = match render::feedback::render(&record) {
        Ok(b) => b,
        Err(e) => {
            errors.push(format!("rendering the feedback workbook of {}: {e}", x.file_name));
            return;
        }
    };
    let stem = x.file_name.rsplit_once('.').map_or(x.file_name.as_str(), |(s, _)| s);
    let name = format!("{stem}.{}.feedback.xlsx", &x.sha256[..12.min(x.sha256.len())]);
    let mut places = vec![feedback_dir.join(&name)];
    if report.status == "quarantined" {
        if let Some(dest) = &report.moved_to {
            places.push(PathBuf::from(format!("{dest}.feedback.xlsx")));
        }
    }
    for path in places {
        match publish::write_atomic(&path, &bytes) {
            Ok(()) => report.feedback = Some(path.display().to_string()),
            Err(e) => errors.push(format!("writing {}: {e}", path.display())),
        }
    }
}

/// One rendered output, not yet written.
/// One output, rendered in memory.
pub struct Rendered {
    /// `workbook`, `csv` or `pdf`.
    pub kind: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub report: Option<ReportMeta>,
}

/// Renders the workbook and the CSV in memory.
fn render_tables(model: &ReportModel) -> Result<Vec<Rendered>, String> {
    let stem = model.file_stem();
    let workbook = render::workbook::render(model).map_err(|e| format!("rendering the workbook: {e}"))?;
    let csv = render::csv::render(model);
    Ok(vec![
        Rendered { kind: "workbook".into(), file_name: format!("{stem}.xlsx"), bytes: workbook, report: None },
        Rendered { kind: "csv".into(), file_name: format!("{stem}.csv"), bytes: csv, report: None },
    ])
}

/// Compiles every report template the project uses against a sample model (its definitions
/// and no figures, so every empty state is typeset too): a template's mistakes show, with
/// its file and line, before a nightly run depends on it. Returns the problems found.
pub fn check_templates(project: &Project, as_of: NaiveDate) -> Vec<String> {
    let templates = match render::pdf::Templates::load(&project.root.join("report-templates")) {
        Ok(t) => t,
        Err(e) => return vec![format!("reading the report templates: {e}")],
    };
    let model = ReportModel::build(project, &[], Vec::new(), Vec::new(), Vec::new(), &[], as_of);
    let mut seen = std::collections::BTreeSet::new();
    render::report::jobs(project)
        .into_iter()
        .filter(|(kind, _)| seen.insert(kind.id))
        .filter_map(|(kind, partner)| {
            let focus = render::report::focus(project, &model, kind, &partner);
            let data = render::report::ReportData { model: &model, focus: &focus };
            render::pdf::render(&data, &templates, kind.template, kind.id, as_of).err().map(|e| e.to_string())
        })
        .collect()
}

/// Every PDF report of the project, typeset in parallel.
pub fn render_reports(
    project: &Project,
    model: &ReportModel,
    templates: &render::pdf::Templates,
) -> Result<Vec<Rendered>, String> {
    render::report::jobs(project)
        .par_iter()
        .map(|(kind, partner)| {
            let focus = render::report::focus(project, model, kind, partner);
            let data = render::report::ReportData { model, focus: &focus };
            let name = (partner != indicators::ALL).then_some(focus.partner_name.as_str());
            let file_name = render::report::file_name(model, kind, name);
            let ident = file_name.trim_end_matches(".pdf").to_string();
            let bytes = render::pdf::render(&data, templates, kind.template, &ident, model.as_of)
                .map_err(|e| format!("rendering {file_name}: {e}"))?;
            let report = ReportMeta {
                report: kind.id.to_string(),
                title: kind.title.to_string(),
                meeting: focus.audience.clone(),
                partner: if partner == indicators::ALL { focus.scope.clone() } else { focus.partner_name.clone() },
                period: focus.period.clone().unwrap_or_default(),
            };
            Ok(Rendered { kind: "pdf".into(), file_name, bytes, report: Some(report) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_seconds_add_up_after_ingestion() {
        let s = StageSeconds {
            ingest: 2.0,
            checks: 0.1,
            store: 0.2,
            indicators: 0.3,
            benchmarks: 0.01,
            workbook: 0.04,
            pdf: 0.5,
            publish: 0.05,
        };
        assert!((s.after_ingest() - 1.2).abs() < 1e-9);
        assert_eq!(s.stages()[0], ("ingest", 2.0));
        assert_eq!(
            s.line(),
            "ingest 2.000 s, checks 0.100 s, store 0.200 s, indicators 0.300 s, benchmarks 0.010 s, workbook 0.040 s, pdf 0.500 s, publish 0.050 s"
        );
    }
}
