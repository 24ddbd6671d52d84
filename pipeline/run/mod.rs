//! The nightly job: every stage in order, one run clock, one summary.
//!
//! Takes a loaded [`Project`] and the run's as-of date; reads the drop folder ([`ingest`]),
//! checks each file ([`check`]), stores accepted extracts ([`store`]) and moves every file to
//! the archive or the quarantine ([`publish`]), computes the indicators ([`indicators`]),
//! renders the workbook, CSV and PDF ([`render`]) and writes them atomically. Gives a
//! [`RunSummary`] whose `exit_code` follows [`crate::exit`]. One broken file never stops the
//! others; if rendering fails, nothing is published for the run.

mod audit;
mod error;
mod fate;
pub mod intake;
pub mod reports;

pub use error::RunError;
pub use fate::{decide, feedback_name, Fate};
pub use intake::{judge, Judged};

use crate::config::Project;
use crate::exit;
use crate::indicators;
use crate::ingest::{self, EntryKind};
use crate::publish::{self, intake::Taken};
use crate::render::{self, FileReport, FileStatus, ReportModel};
use crate::store::coverage::MissingDelivery;
use crate::store::{Replaced, Store};
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
    /// The workbook and the open-data CSV, made on one core while the PDF reports are
    /// typeset.
    pub workbook: f64,
    /// Every PDF report: the rest of the time the workbook, the CSV and the reports took
    /// together, so that the stages add up to the night's time.
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

pub use crate::render::{OutputFile, ReportMeta};

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
    /// Faults: what stopped the night, or an extract or output that could not be stored or
    /// written. Any makes the exit code 1 (2 when the night stopped).
    pub errors: Vec<String>,
    /// Problems that lost nothing of this night's figures or outputs but need a look: a
    /// replaced extract that could not be set aside, data-quality records that could not be
    /// read, lines of kept commentary that are not used. Any makes the exit code 1, as a
    /// quarantined file does.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Councils' data replaced by this run's files, each in a sentence.
    #[serde(default)]
    pub replaced: Vec<Replaced>,
    /// Councils whose data for a month has not arrived (sources with a `partners_present`
    /// check), whichever files were to bring it.
    #[serde(default)]
    pub missing: Vec<MissingDelivery>,
    /// What was done before the run read anything: files an interrupted run had taken put
    /// back in the drop folder, a store of the old layout migrated, what an interrupted run
    /// left in the store finished.
    #[serde(default)]
    pub repairs: Vec<String>,
    /// What the run chose that a person may want to know and need not act on: a copy of an
    /// earlier scorecard's template, unchanged, set aside for this one's.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Nothing had changed since the last run, so no work was done (the outputs listed are
    /// that run's, still current).
    #[serde(default)]
    pub skipped: bool,
    /// Data-quality failures of this run's files that a waiver accepted, each in words.
    #[serde(default)]
    pub waived: Vec<String>,
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
            warnings: Vec::new(),
            replaced: Vec::new(),
            missing: Vec::new(),
            repairs: Vec::new(),
            notes: Vec::new(),
            skipped: false,
            waived: Vec::new(),
            seconds: StageSeconds::default(),
        }
    }

    /// A few lines for a person (stderr, cron mail); file names, reasons and messages have
    /// their control characters shown escaped.
    pub fn human(&self) -> String {
        let p = |s: &str| render::format::printable(s).into_owned();
        let count = |s: FileStatus| self.files.iter().filter(|f| f.status == s).count();
        let mut out = format!(
            "scorecard run as of {}: {} accepted, {} quarantined, {} duplicate, {} skipped; {} figures; {} findings\n",
            self.as_of,
            count(FileStatus::Accepted),
            count(FileStatus::Quarantined),
            count(FileStatus::Duplicate),
            count(FileStatus::Skipped),
            self.values,
            self.findings
        );
        for f in self.files.iter().filter(|f| f.status == FileStatus::Quarantined) {
            out.push_str(&format!("  quarantined {}: {}\n", p(&f.name), p(&f.reason)));
        }
        let warned: Vec<&FileReport> =
            self.files.iter().filter(|f| f.status == FileStatus::Accepted && f.warnings > 0).collect();
        for f in warned.iter().take(5) {
            out.push_str(&format!("  accepted {} with {} data-quality warning(s)\n", p(&f.name), f.warnings));
        }
        if warned.len() > 5 {
            out.push_str(&format!(
                "  ... and {} more files accepted with warnings (each file's feedback workbook lists them)\n",
                warned.len() - 5
            ));
        }
        for r in &self.replaced {
            out.push_str(&format!("  replaced: {}\n", p(&r.message)));
        }
        for m in &self.missing {
            out.push_str(&format!(
                "  missing: {} (check {}, {})\n",
                p(&m.message),
                m.check,
                format!("{:?}", m.severity).to_lowercase()
            ));
        }
        for s in &self.stale {
            out.push_str(&format!("  stale: {}\n", p(s)));
        }
        for n in &self.notes {
            out.push_str(&format!("  note: {}\n", p(n)));
        }
        for o in &self.outputs {
            let path = p(&o.path.display().to_string());
            match &o.kept_from {
                Some(run) => out.push_str(&format!("  kept {} {path} (unchanged since run {run})\n", o.kind)),
                None => out.push_str(&format!("  wrote {} {path}\n", o.kind)),
            }
        }
        for w in &self.warnings {
            out.push_str(&format!("  warning: {}\n", p(w)));
        }
        for e in &self.errors {
            out.push_str(&format!("  error: {}\n", p(e)));
        }
        out.push_str(&format!("exit code {}\n", self.exit_code));
        out
    }
}

/// The drop folder is there, can be listed, and files can be taken out of it (its work area
/// can be made); else why not, naming the folder and the permission needed.
pub fn drop_folder_ready(drop: &Path) -> Result<(), RunError> {
    match std::fs::metadata(drop) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(RunError::DropNotAFolder(drop.to_path_buf())),
        Err(e) => return Err(RunError::drop_folder(drop, "find", e)),
    }
    std::fs::read_dir(drop).map_err(|e| RunError::drop_folder(drop, "list", e))?;
    let work = publish::intake::work_dir(drop);
    std::fs::create_dir_all(&work).map_err(|e| RunError::drop_folder(drop, "write to", e))?;
    // A probe only: the work area is made again when a file is taken.
    let _ = std::fs::remove_dir(&work);
    Ok(())
}

/// Runs the nightly job on a loaded project. `as_of` is the run clock for everything the
/// outputs say; `started` (the wall clock when the command began) is used only to leave
/// files that are still being copied.
pub fn run(project: &Project, as_of: NaiveDate, started: SystemTime) -> RunSummary {
    run_with(project, as_of, started, &Hooks::default())
}

/// What the nightly job adds to a run.
#[derive(Default)]
pub struct Hooks<'a> {
    /// Advanced by one for each file read and checked.
    pub progress: Option<&'a indicatif::ProgressBar>,
    /// The run's number among its date's runs: with it, the clerks' index is released with
    /// the outputs.
    pub seq: Option<u32>,
    /// Asked just before the outputs are made current; an `Err` (the project's lock was lost)
    /// publishes nothing.
    pub still_ours: Option<&'a (dyn Fn() -> Result<(), Box<dyn std::error::Error + Send + Sync>> + Sync)>,
    /// Typeset every report, even those unchanged since an earlier run (`--force`).
    pub typeset_all: bool,
}

/// [`run`], with the nightly job's [`Hooks`].
pub fn run_with(project: &Project, as_of: NaiveDate, started: SystemTime, hooks: &Hooks) -> RunSummary {
    let mut summary = RunSummary::empty(project, as_of);
    if let Err(e) = night(project, as_of, started, hooks, &mut summary) {
        summary.errors.push(e.to_string());
        summary.exit_code = exit::FAILED;
    }
    summary
}

/// The stages of a night in order; the summary gathers what each did, and the first fault
/// that stops the night is returned.
fn night(
    project: &Project,
    as_of: NaiveDate,
    started: SystemTime,
    hooks: &Hooks,
    summary: &mut RunSummary,
) -> Result<(), RunError> {
    let folders = summary.folders.clone();
    let mut store = prepare(project, &folders, as_of, summary)?;
    let (taken, commentary) = take_files(project, &folders, started, summary)?;
    crate::testpoint::reached("intake:taken");
    let places = fate::Places {
        archive: folders.archive.join(as_of.to_string()),
        quarantine: folders.quarantine.join(as_of.to_string()),
        feedback: folders.output.join("feedback").join(as_of.to_string()),
    };
    // Commentary dropped with the extracts: checked like the project's commentary.csv, kept
    // in the store (so it stays in use) and archived, or quarantined with its problems.
    for t in commentary {
        summary.files.push(fate::commentary(project, &store, t, &places));
    }
    let project = &with_kept_commentary(project, &store, summary);
    // What the indicators will read of each source, so that an extract stored tonight keeps
    // its summary as it is stored.
    crate::indicators::compute::plan_summaries(project, &store);
    let error_findings = load_files(project, &mut store, taken, &places, as_of, hooks, summary);
    summary.missing =
        crate::store::coverage::missing(&project.sources, &project.settings.partner, &store.deliveries(), as_of);

    let built = build_model(project, &store, summary.files.clone(), as_of)?;
    summary.values = built.values;
    summary.seconds.indicators = built.seconds.0;
    summary.seconds.benchmarks = built.seconds.1;
    summary.warnings.extend(built.warnings);
    summary.stale = built.model.quality.iter().filter(|q| q.stale).map(|q| q.statement.clone()).collect();
    let model = built.model;
    let store_dir = project.folder(&project.settings.folders.store);
    let recorded = audit::record(project, &store_dir, as_of, &summary.replaced, &summary.waived, &model.restatements);
    if let Err(e) = recorded {
        summary.warnings.push(format!("adding to the audit log: {e}"));
    }
    let templates = render::pdf::Templates::load(&project.root.join("report-templates"))?;
    summary.notes.extend(templates.notes().iter().cloned());
    let clock = Instant::now();
    // Only the nightly job keeps the index that says which reports earlier runs made.
    let earlier = match hooks.seq {
        Some(_) if !hooks.typeset_all => reports::Earlier::read(&folders.output, as_of),
        _ => reports::Earlier::none(),
    };
    // The workbook and the CSV are made on one core while the reports are typeset on all.
    let mut workbook = 0.0;
    let (tables, pdfs) = rayon::join(
        || timed(&mut workbook, || render_tables(&model)),
        || reports::render_reports(project, &model, &templates, &earlier),
    );
    let mut rendered = tables?;
    rendered.extend(pdfs?);
    summary.seconds.workbook = workbook;
    summary.seconds.pdf = since(clock) - workbook;
    let clock = Instant::now();
    summary.outputs = release(project, &folders.output, rendered, as_of, hooks)?;
    summary.seconds.publish += since(clock);
    let problems = summary.files.iter().any(|f| f.status == FileStatus::Quarantined)
        || error_findings > 0
        || !summary.errors.is_empty()
        || !summary.warnings.is_empty()
        || summary.missing.iter().any(|m| m.severity == crate::config::Severity::Error);
    summary.exit_code = if problems { exit::COMPLETED_WITH_PROBLEMS } else { exit::OK };
    Ok(())
}

/// Everything made ready before a file is read: the drop folder checked, the folders made,
/// files a killed run had taken put back, outputs it was releasing finished, the store
/// migrated, repaired and verified, feedback an earlier run could not write made (the nightly
/// job holds the project's lock).
fn prepare(
    project: &Project,
    folders: &FolderPaths,
    as_of: NaiveDate,
    summary: &mut RunSummary,
) -> Result<Store, RunError> {
    drop_folder_ready(&folders.drop)?;
    for dir in [&folders.archive, &folders.quarantine, &folders.store, &folders.output] {
        std::fs::create_dir_all(dir).map_err(|source| RunError::CreateFolder { path: dir.clone(), source })?;
    }
    let mut store = Store::open(&folders.store).map_err(RunError::OpenStore)?;
    let back = publish::intake::restore(&folders.drop)
        .map_err(|source| RunError::PutBack { dir: publish::intake::work_dir(&folders.drop), source })?;
    if !back.is_empty() {
        summary.repairs.push(format!(
            "put back in the drop folder {} file(s) an interrupted run had taken: {}",
            back.len(),
            back.join(", ")
        ));
    }
    summary.repairs.extend(publish::release::recover(&folders.output));
    let mut done = store.migrate(&project.sources).map_err(RunError::StoreNotReady)?;
    done.extend(store.repair().map_err(RunError::StoreNotReady)?);
    summary.repairs.extend(done);
    store.verify().map_err(RunError::StoreDamaged)?;
    summary.repairs.extend(fate::mend_feedback(&store, &folders.output, as_of));
    Ok(store)
}

/// Settled files taken into the work area (from here on nobody else writes to them): the
/// extracts, and commentary files apart. Files left alone are reported as skipped.
fn take_files(
    project: &Project,
    folders: &FolderPaths,
    started: SystemTime,
    summary: &mut RunSummary,
) -> Result<(Vec<Taken>, Vec<Taken>), RunError> {
    let entries = ingest::discover(&folders.drop).map_err(|e| RunError::drop_folder(&folders.drop, "list", e))?;
    let (mut taken, mut commentary) = (Vec::new(), Vec::new());
    for e in entries {
        let skipped = |reason: String| FileReport { status: FileStatus::Skipped, reason, ..FileReport::new(&e.name) };
        if let EntryKind::Skip(reason) = &e.kind {
            summary.files.push(skipped(reason.clone()));
            continue;
        }
        if let Err(why) = intake::settled(&e.path, started, &project.settings.limits) {
            summary.files.push(skipped(why.to_string()));
            continue;
        }
        match Taken::take(&folders.drop, &e.name) {
            Ok(Some(t)) if crate::config::is_commentary_file(&e.name) => commentary.push(t),
            Ok(Some(t)) => taken.push(t),
            Ok(None) => summary.files.push(skipped("it left the drop folder before it could be read".into())),
            Err(err) => {
                for t in taken.into_iter().chain(commentary) {
                    let _ = t.give_back();
                }
                return Err(RunError::drop_folder(&folders.drop, &format!("take {} out of", e.name), err));
            }
        }
    }
    Ok((taken, commentary))
}

/// The project with the commentary kept in the store added to its own.
fn with_kept_commentary(project: &Project, store: &Store, summary: &mut RunSummary) -> Project {
    let mut project = project.clone();
    for (path, bytes) in store.commentary_files() {
        let mut errors = Vec::new();
        let rows = crate::config::parse_commentary(
            &path,
            &bytes,
            &project.indicators,
            &project.settings.partner,
            &project.settings.limits,
            &mut errors,
        );
        project.commentary.extend(rows);
        summary.warnings.extend(errors.iter().map(|e| format!("kept commentary: {e}")));
    }
    project
}

/// Every taken file read and checked in parallel, then settled one by one in name order
/// (stored and archived, quarantined, or given back); the work area is left empty. Returns
/// the number of error-severity findings in accepted files.
fn load_files(
    project: &Project,
    store: &mut Store,
    taken: Vec<Taken>,
    places: &fate::Places,
    as_of: NaiveDate,
    hooks: &Hooks,
    summary: &mut RunSummary,
) -> usize {
    let history = store.history();
    let clock = Instant::now();
    // Several large workbooks keep both cores busy by themselves: none is cut in halves.
    let expected = ingest::expect_large_workbooks(taken.iter().map(|t| t.work.as_path()));
    let read: Vec<intake::Read> = taken.into_par_iter().map(|t| intake::read_taken(t, project, as_of)).collect();
    drop(expected);
    summary.seconds.ingest = since(clock);
    let clock = Instant::now();
    let judged: Vec<intake::Judging> = read
        .into_par_iter()
        .map(|r| {
            let j = r.judge(project, as_of, &history);
            if let Some(p) = hooks.progress {
                p.inc(1);
            }
            j
        })
        .collect();
    summary.seconds.checks = since(clock);
    let (loop_clock, mut tally) = (Instant::now(), fate::Tally::default());
    for j in judged {
        let report = fate::settle(j, project, store, places, as_of, summary, &mut tally);
        summary.files.push(report);
    }
    summary.files.sort_by(|a, b| a.name.cmp(&b.name));
    // The work area is empty now (every file has gone somewhere); it leaves no trace.
    let _ = std::fs::remove_dir(publish::intake::work_dir(&summary.folders.drop));
    summary.seconds.store = tally.store;
    summary.seconds.checks += tally.quality;
    summary.seconds.publish = since(loop_clock) - tally.store - tally.quality;
    tally.error_findings
}

/// Writes every output of the run (and, for the nightly job, the clerks' index) into a
/// release and makes them current together: on any failure the output folder keeps exactly
/// its previous set ([`publish::release`]).
fn release(
    project: &Project,
    output: &Path,
    rendered: Vec<Rendered>,
    as_of: NaiveDate,
    hooks: &Hooks,
) -> Result<Vec<OutputFile>, RunError> {
    let fault = |what: String| move |source| RunError::Publish { what, source };
    let mut release = publish::release::Release::begin(output)
        .map_err(fault(format!("cannot write to the output folder {}", output.display())))?;
    let mut outputs = Vec::new();
    for r in rendered {
        let path = match r.kept_from {
            Some(_) => output.join(&r.file_name),
            None => release.add(&r.file_name, &r.bytes).map_err(fault(format!("writing {}", r.file_name)))?,
        };
        outputs.push(OutputFile {
            kind: r.kind,
            path,
            report: r.report,
            kept_from: r.kept_from,
            fingerprint: r.fingerprint,
        });
    }
    if let Some(seq) = hooks.seq {
        let staged = |rel: &str| release.staged(rel);
        let index = render::index::render(project, output, &outputs, &staged, as_of, seq)?;
        for (rel, bytes) in index {
            release.add(&rel, &bytes).map_err(fault(format!("writing {rel}")))?;
        }
    }
    if let Some(check) = hooks.still_ours {
        check().map_err(RunError::LockLost)?;
    }
    release.commit().map_err(fault("making the outputs current".into()))?;
    Ok(outputs)
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
) -> Result<Built, RunError> {
    let clock = Instant::now();
    let values = indicators::compute_all(project, store, as_of).map_err(RunError::Indicators)?;
    // After the headline figures, so that the store's tables they made are shared.
    let breakdowns = indicators::breakdowns(project, store, as_of).map_err(RunError::Breakdowns)?;
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
    // Approvals for publication, from the audit log; a log that fails its check approves
    // nothing (every report needing approval is marked draft) and is reported.
    let store_dir = project.folder(&project.settings.folders.store);
    match crate::store::audit::read(&store_dir) {
        Ok(entries) => {
            model.approved =
                crate::store::audit::approvals(&entries).into_iter().map(|(_, a)| (a.report, a.period)).collect();
            model.restatements = crate::publish::approve::restatements(project, store, &values, &entries);
            for r in &model.restatements {
                let row = model
                    .values
                    .iter_mut()
                    .find(|v| v.indicator_id == r.indicator && v.partner_code == r.partner && v.period == r.period);
                if let Some(v) = row {
                    v.note = if v.note.is_empty() { r.sentence() } else { format!("{}; {}", v.note, r.sentence()) };
                }
            }
        }
        Err(e) => warnings.push(format!("{e}; no approval is taken from it, so reports needing one are marked draft")),
    }
    model.figure_lineage = figure_lineage(project, store, &model.values, as_of);
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

/// Every figure of the reported periods with the extracts it reads (the Lineage sheet).
fn figure_lineage(
    project: &Project,
    store: &Store,
    values: &[render::model::ValueRow],
    as_of: NaiveDate,
) -> Vec<render::model::FigureLineage> {
    values
        .iter()
        .filter(|v| v.reported)
        .filter_map(|v| {
            let def = project.indicators.iter().find(|d| d.id() == v.indicator_id)?;
            let period = crate::periods::Period::parse(&v.period)?;
            let used = indicators::explain::extracts_used(store, def, &v.partner_code, period, as_of);
            let extracts = if used.is_empty() {
                "made from two other figures (see them above)".to_string()
            } else {
                indicators::explain::extracts_line(&used)
            };
            Some(render::model::FigureLineage {
                indicator_id: v.indicator_id.clone(),
                indicator_name: v.indicator_name.clone(),
                partner_name: v.partner_name.clone(),
                period: v.period.clone(),
                value_text: v.value_text.clone(),
                numerator: v.numerator,
                denominator: v.denominator,
                extracts,
                explain: format!(
                    "scorecard explain {} --partner {} --period \"{}\"",
                    v.indicator_id, v.partner_code, v.period
                ),
            })
        })
        .collect()
}

/// The report model of a project as its store stands, without reading the drop folder (for
/// tests and checks that compare outputs with the figures behind them).
pub fn model_of(project: &Project, as_of: NaiveDate) -> Result<ReportModel, RunError> {
    let store = Store::open(&project.folder(&project.settings.folders.store)).map_err(RunError::OpenStore)?;
    build_model(project, &store, Vec::new(), as_of).map(|b| b.model)
}

/// One output, rendered in memory, not yet written.
pub struct Rendered {
    /// `workbook`, `csv` or `pdf`.
    pub kind: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub report: Option<ReportMeta>,
    /// A report kept from an earlier run (that run): nothing is written, `file_name` is its.
    pub kept_from: Option<String>,
    /// A report's fingerprint ([`reports`]).
    pub fingerprint: Option<String>,
}

impl Rendered {
    /// The workbook or the CSV.
    fn data(kind: &str, file_name: String, bytes: Vec<u8>) -> Rendered {
        Rendered { kind: kind.into(), file_name, bytes, report: None, kept_from: None, fingerprint: None }
    }
}

/// Renders the workbook and the CSV in memory.
fn render_tables(model: &ReportModel) -> Result<Vec<Rendered>, RunError> {
    let stem = model.file_stem();
    let workbook = render::workbook::render(model).map_err(RunError::Workbook)?;
    let csv = render::csv::render(model);
    Ok(vec![
        Rendered::data("workbook", format!("{stem}.xlsx"), workbook),
        Rendered::data("csv", format!("{stem}.csv"), csv),
    ])
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
