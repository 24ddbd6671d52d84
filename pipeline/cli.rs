//! The command line: one subcommand per room of [`crate::cmd`].
//!
//! Takes raw arguments (clap); gives each command its arguments, the ones every command
//! shares (the project folder, the run date, JSON output) declared once and flattened in. The
//! one run clock is read here and nowhere else ([`today`], [`started`]).

use crate::exit;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Performance reporting for a council revenues, benefits and HR partnership.
///
/// Reads the extracts finance staff drop into a folder, checks them, computes indicators
/// against targets and writes an Excel workbook, an open-data CSV and an accessible PDF
/// committee report.
#[derive(Debug, Parser)]
#[command(name = "scorecard", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The project folder a command works on.
#[derive(Debug, Clone, Args)]
pub struct ProjectArg {
    /// The project folder (holding scorecard.toml).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub project: PathBuf,
}

/// The date a command works as of.
#[derive(Debug, Clone, Args)]
pub struct AsOfArg {
    /// The run date (YYYY-MM-DD): every date the command uses comes from it. Defaults to
    /// today. (The one use of the machine's real date and time is limits.settle_seconds:
    /// files changed less than that many seconds before the run wait for the next run.)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
}

impl AsOfArg {
    /// The date given, or today.
    pub fn or_today(&self) -> NaiveDate {
        self.as_of.unwrap_or_else(today)
    }
}

/// Output for programs as well as people.
#[derive(Debug, Clone, Args)]
pub struct JsonArg {
    /// Print the result as JSON on stdout (the summary for people still goes to stderr).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the nightly job: read the drop folder, check, store, compute and publish.
    ///
    /// Every file in the drop folder ends in the archive (accepted or duplicate) or the
    /// quarantine (rejected, with a .reason.txt), or is skipped with a reason (lock files,
    /// hidden and temporary files, folders, files still being copied). Outputs go to the
    /// output folder, all of them together.
    ///
    /// Example: scorecard run --project /srv/scorecard --as-of 2025-10-31 --json
    #[command(after_help = exit::help(exit::RUN))]
    Run(RunArgs),
    /// Show the last run and its result, files waiting in the drop folder, stale sources,
    /// councils' data not yet arrived and the reports produced. Reads only: safe while a run
    /// is going on.
    ///
    /// Example: scorecard status --project /srv/scorecard
    #[command(after_help = exit::help(exit::STATUS))]
    Status(StatusArgs),
    /// Write a complete demo project with synthetic extracts, then run the job on it.
    ///
    /// The project has three partner councils and three financial years of monthly extracts
    /// from the revenues, benefits and HR systems in its drop folder. Every output made from it
    /// says the data is synthetic.
    ///
    /// Example: scorecard demo ./demo
    #[command(after_help = exit::help(exit::DEMO))]
    Demo(DemoArgs),
    /// Check extract files before dropping them: which source each matches and every problem.
    ///
    /// Nothing is moved or stored.
    ///
    /// Example: scorecard check --project /srv/scorecard revenues_20251031.xlsx
    #[command(after_help = exit::help(exit::CHECK))]
    Check(CheckArgs),
    /// Check every definition file and report every problem with its file and line.
    ///
    /// Example: scorecard validate --project /srv/scorecard
    #[command(after_help = exit::help(exit::VALIDATE))]
    Validate(ValidateArgs),
    /// Run the worked examples written beside the indicator definitions
    /// (`[[indicator.example]]`: a few rows of each source and the values expected), through
    /// the real checks, store and computation.
    ///
    /// Example: scorecard test --project /srv/scorecard
    #[command(after_help = exit::help(exit::TEST))]
    Test(TestArgs),
    /// Draft a source definition from sample extracts, for review.
    ///
    /// The draft says where the header row and the as-at date are, each column's type, the
    /// field names the shipped indicators use, file-name patterns, the key and suggested
    /// data-quality checks, every guess commented and every column it cannot place marked TODO.
    ///
    /// Writes sources/<ID>.toml in the project (refusing to replace one unless --replace,
    /// which keeps the old one as sources/<ID>.toml.previous), or --out FILE, or stdout with
    /// --out -. Partner councils are recognised from the project's scorecard.toml. Review the
    /// draft, then run `scorecard validate` and `scorecard check` on the same files.
    ///
    /// Example: scorecard draft --project /srv/scorecard --source revenues ctax_20251031.csv
    #[command(after_help = exit::help(exit::DRAFT))]
    Draft(DraftArgs),
    /// Write a new project folder for the partner councils named.
    ///
    /// The folder gets scorecard.toml (each partner's ONS GSS code and name), the shipped
    /// sources, indicators, targets and report templates, the reference of every definition
    /// key, a drop folder, and a README saying what to do next.
    ///
    /// A partner is given as a GSS code (E07000143), as CODE=NAME (E07000143=Breckland), or
    /// as a name looked up in --register (mySociety's uk_local_authorities_current.csv).
    ///
    /// Example: scorecard new ./arp --name "Anglia Revenues Partnership" --short-name ARP E07000143=Breckland E07000244="East Suffolk"
    #[command(after_help = exit::help(exit::NEW))]
    New(NewArgs),
    /// Approve a period's figures for publication, as they stand.
    ///
    /// Records in the store's audit log who approved which period (of one report, or of every
    /// report), on the run date, with every figure of the period and a fingerprint of them and
    /// of the extracts behind them. Until its period is approved, a report that needs approval
    /// (`[report] require_approval`; by default the committee reports) says "DRAFT – not
    /// approved for publication" on every page and in its metadata. The next run publishes it
    /// without the mark.
    ///
    /// Example: scorecard approve --project /srv/scorecard --period "2025/26 Q2" --by "Head of Revenues"
    #[command(after_help = exit::help(exit::APPROVE))]
    Approve(ApproveArgs),
    /// Check the store's audit log: every entry's SHA-256 and its link to the one before.
    ///
    /// Example: scorecard audit verify --project /srv/scorecard
    #[command(after_help = exit::help(exit::AUDIT))]
    Audit(AuditArgs),
    /// Explain how one figure was made, in words a performance officer can check by hand.
    ///
    /// The definition and counting rule, the numerator and denominator with their values, the
    /// extracts used (file, SHA-256, as-at date, rows), the rows each condition of the
    /// definition leaves out, the target, tolerance and the RAG rule that gave the status, the
    /// comparison with the same period last year, and for a partnership figure each council's
    /// part.
    ///
    /// Example: scorecard explain ctax_collection_rate --partner Fenland --period "2025/26 Q4"
    #[command(after_help = exit::help(exit::EXPLAIN))]
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub project: ProjectArg,
    #[command(flatten)]
    pub as_of: AsOfArg,
    #[command(flatten)]
    pub json: JsonArg,
    /// Rebuild every output even when nothing has changed since the last run (every report
    /// typeset again, none kept from an earlier run).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub project: ProjectArg,
    #[command(flatten)]
    pub as_of: AsOfArg,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder to write the demo project into (must not hold a scorecard.toml yet).
    #[arg(value_name = "DIR", default_value = "demo")]
    pub dir: PathBuf,
    /// Only write the project; do not run the job.
    #[arg(long)]
    pub no_run: bool,
    /// Deliver the revenues, benefits and budget extracts as one file per council (as most
    /// partnerships' councils export them) instead of one file for the partnership. The
    /// figures are the same either way.
    #[arg(long)]
    pub per_council: bool,
    /// The run date for the job. Defaults to a week after the demo data's last month end
    /// (7 April 2026), so the demo gives the same outputs whatever day it runs.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub project: ProjectArg,
    /// Files to check.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub json: JsonArg,
    #[command(flatten)]
    pub as_of: AsOfArg,
    /// Also write each file's feedback workbook (every failing row) into this folder.
    #[arg(long, value_name = "DIR")]
    pub feedback: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub project: ProjectArg,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub project: ProjectArg,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Debug, Args)]
pub struct DraftArgs {
    #[command(flatten)]
    pub project: ProjectArg,
    /// Sample extracts of one source (several files of the same layout give better guesses).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// The source's id (lower-case letters, digits and `_`): `revenues`, `benefits`,
    /// `hr_staff`, `hr_absence`, `budget` and `returns` are the ones the shipped indicators
    /// read. Defaults to one made from the first file's name.
    #[arg(long, value_name = "ID")]
    pub source: Option<String>,
    /// Where to write the draft; `-` for stdout. Defaults to sources/<ID>.toml in the project.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing sources/<ID>.toml, keeping it as sources/<ID>.toml.previous.
    #[arg(long)]
    pub replace: bool,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Folder to write the project into (created; must not hold a scorecard.toml yet).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The partner councils: GSS codes, CODE=NAME, or names found in --register.
    #[arg(value_name = "PARTNER", required = true)]
    pub partners: Vec<String>,
    /// The partnership's full name, shown on every report.
    #[arg(long, value_name = "TEXT")]
    pub name: Option<String>,
    /// A short name for file names and narrow columns.
    #[arg(long, value_name = "TEXT")]
    pub short_name: Option<String>,
    /// mySociety's register of local authorities (uk_local_authorities_current.csv), to find
    /// partners' codes by name and their other spellings.
    #[arg(long, value_name = "FILE")]
    pub register: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    #[command(flatten)]
    pub project: ProjectArg,
    #[command(flatten)]
    pub as_of: AsOfArg,
    /// The period approved: `2025/26 Q2`, `2025/26 M07` or `2025/26`.
    #[arg(long, value_name = "PERIOD")]
    pub period: String,
    /// One report (`joint-committee`, ...); every report of the period without it.
    #[arg(long, value_name = "REPORT")]
    pub report: Option<String>,
    /// Who approves (name and role, as the record should say).
    #[arg(long, value_name = "NAME")]
    pub by: String,
    /// A note kept with the approval.
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub note: String,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub project: ProjectArg,
    #[command(flatten)]
    pub as_of: AsOfArg,
    #[command(flatten)]
    pub json: JsonArg,
    /// The indicator's id (`ctax_collection_rate`).
    #[arg(value_name = "INDICATOR")]
    pub indicator: String,
    /// The partner: a code, a name, or ALL for the partnership.
    #[arg(long, value_name = "PARTNER", default_value = "ALL")]
    pub partner: String,
    /// The period: `2025/26 Q2`, `2025/26 M07` or `2025/26`.
    #[arg(long, value_name = "PERIOD")]
    pub period: String,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub action: AuditAction,
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Check every entry of `store/audit.jsonl`; name the first that breaks the chain.
    Verify {
        #[command(flatten)]
        project: ProjectArg,
    },
}

/// Today's date: read once, by the binary, when `--as-of` is not given.
#[allow(clippy::disallowed_methods)] // the one place the system clock is read
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The wall clock when the command started: used only to leave files that are still being
/// copied into the drop folder.
#[allow(clippy::disallowed_methods)] // read once, here, and passed down
pub fn started() -> std::time::SystemTime {
    std::time::SystemTime::now()
}

/// Sets up rayon's worker threads (as many as `RAYON_NUM_THREADS` says, else one per core)
/// with stacks of 16 MiB instead of Rust's 2 MiB. A worker waiting for the other half of a
/// join, or for polars' own pool, runs other tasks on top of its stack meanwhile (another
/// file's read, a check, a Parquet part), and in a debug build under load 2 MiB overflowed
/// (the test suite saw it). A stack takes memory only as far as it grows. Call it before
/// anything runs in parallel; later calls do nothing.
pub fn init_threads() {
    let _ = rayon::ThreadPoolBuilder::new().stack_size(16 << 20).build_global();
}
