//! The command line: one subcommand per room of [`crate::cmd`].
//!
//! Takes raw arguments (clap); gives each command its arguments, the ones every command
//! shares (the project folder, the run date, JSON output) declared once and flattened in. The
//! one run clock is read here and nowhere else ([`today`], [`started`]).

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
    /// The run date (YYYY-MM-DD): the only clock read. Defaults to today.
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
    /// Exit codes: 0 all files accepted (or none waiting) and outputs written, or nothing had
    /// changed; 1 completed and outputs written, but a file was quarantined, a check failed at
    /// error level or a council's data for a month is missing where that is an error; 2
    /// failed, nothing published; 75 another run holds the project's lock, nothing done; 78
    /// invalid configuration, nothing read or moved.
    ///
    /// Example: scorecard run --project /srv/scorecard --as-of 2025-10-31 --json
    Run(RunArgs),
    /// Show the last run and its result, files waiting in the drop folder, stale sources,
    /// councils' data not yet arrived and the reports produced. Reads only: safe while a run
    /// is going on.
    ///
    /// Example: scorecard status --project /srv/scorecard
    Status(StatusArgs),
    /// Write a complete demo project with synthetic extracts, then run the job on it.
    ///
    /// The project has three partner councils and three financial years of monthly extracts
    /// from the revenues, benefits and HR systems in its drop folder. Every output made from it
    /// says the data is synthetic.
    ///
    /// Example: scorecard demo ./demo
    Demo(DemoArgs),
    /// Check extract files before dropping them: which source each matches and every problem.
    ///
    /// Nothing is moved or stored. Exit code 0 when every file is clean, 1 when any has a
    /// problem (a finding, or it would be quarantined), 78 when the configuration is invalid.
    ///
    /// Example: scorecard check --project /srv/scorecard revenues_20251031.xlsx
    Check(CheckArgs),
    /// Check every definition file and report every problem with its file and line.
    ///
    /// Exit code 78 when anything is invalid, 0 otherwise.
    ///
    /// Example: scorecard validate --project /srv/scorecard
    Validate(ValidateArgs),
    /// Run the worked examples written beside the indicator definitions
    /// (`[[indicator.example]]`: a few rows of each source and the values expected), through
    /// the real checks, store and computation.
    ///
    /// Exit code 0 when every example passes, 1 when any fails, 78 when the configuration is
    /// invalid.
    ///
    /// Example: scorecard test --project /srv/scorecard
    Test(TestArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub project: ProjectArg,
    #[command(flatten)]
    pub as_of: AsOfArg,
    #[command(flatten)]
    pub json: JsonArg,
    /// Rebuild every output even when nothing has changed since the last run.
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
