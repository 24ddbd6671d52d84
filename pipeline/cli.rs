//! The command line: `scorecard run`, `scorecard demo` and `scorecard validate`.
//!
//! Takes raw arguments (clap); gives resolved values: an absolute project folder and the one
//! run clock, read here and nowhere else.

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the nightly job: read the drop folder, check, store, compute and publish.
    ///
    /// Every file in the drop folder ends in the archive (accepted or duplicate) or the
    /// quarantine (rejected, with a .reason.txt), or is skipped with a reason (lock files,
    /// hidden and temporary files, folders). Outputs go to the output folder.
    ///
    /// Exit codes: 0 all good; 1 completed with quarantined files or error findings;
    /// 2 failed, nothing published; 78 invalid configuration.
    ///
    /// Example: scorecard run --project /srv/scorecard --as-of 2025-10-31 --json
    Run {
        /// The project folder (holding scorecard.toml).
        #[arg(long, value_name = "DIR", default_value = ".")]
        project: PathBuf,
        /// The run date: the only clock the run reads. Defaults to today.
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Print one JSON object describing the run on stdout.
        #[arg(long)]
        json: bool,
        /// Rebuild every output even when nothing has changed since the last run.
        #[arg(long)]
        force: bool,
    },
    /// Show the last run and its result, files waiting in the drop folder, stale sources and
    /// the reports produced. Reads only: safe while a run is going on.
    ///
    /// Example: scorecard status --project /srv/scorecard
    Status {
        /// The project folder (holding scorecard.toml).
        #[arg(long, value_name = "DIR", default_value = ".")]
        project: PathBuf,
        /// The date staleness is judged on. Defaults to today.
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Write a complete demo project with synthetic extracts, then run the job on it.
    ///
    /// The project has three partner councils and three financial years of monthly extracts
    /// from the revenues, benefits and HR systems in its drop folder. Every output made from it
    /// says the data is synthetic.
    ///
    /// Example: scorecard demo ./demo
    Demo {
        /// Folder to write the demo project into (must not hold a scorecard.toml yet).
        #[arg(value_name = "DIR", default_value = "demo")]
        dir: PathBuf,
        /// Only write the project; do not run the job.
        #[arg(long)]
        no_run: bool,
        /// Deliver the revenues, benefits and budget extracts as one file per council (as
        /// most partnerships' councils export them) instead of one file for the partnership.
        /// The figures are the same either way.
        #[arg(long)]
        per_council: bool,
        /// The run date for the job. Defaults to a week after the demo data's last month end
        /// (7 April 2026), so the demo gives the same outputs whatever day it runs.
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Print the run's JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Check extract files before dropping them: which source each matches and every problem.
    ///
    /// Nothing is moved or stored. Exit code 0 when every file is clean, 1 when any has a
    /// problem (a finding, or it would be quarantined), 78 when the configuration is invalid.
    ///
    /// Example: scorecard check --project /srv/scorecard revenues_20251031.xlsx
    Check {
        /// The project folder (holding scorecard.toml).
        #[arg(long, value_name = "DIR", default_value = ".")]
        project: PathBuf,
        /// Files to check.
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
        /// Print a JSON array, one object per file, on stdout.
        #[arg(long)]
        json: bool,
        /// The date the timeliness checks count from (YYYY-MM-DD); today by default.
        #[arg(long, value_name = "DATE")]
        as_of: Option<NaiveDate>,
        /// Also write each file's feedback workbook (every failing row) into this folder.
        #[arg(long, value_name = "DIR")]
        feedback: Option<PathBuf>,
    },
    /// Check every definition file and report every problem with its file and line.
    ///
    /// Exit code 78 when anything is invalid, 0 otherwise.
    ///
    /// Example: scorecard validate --project /srv/scorecard
    Validate {
        /// The project folder (holding scorecard.toml).
        #[arg(long, value_name = "DIR", default_value = ".")]
        project: PathBuf,
    },
    /// Run the worked examples written beside the indicator definitions
    /// (`[[indicator.example]]`: a few rows of each source and the values expected), through
    /// the real checks, store and computation.
    ///
    /// Exit code 0 when every example passes, 1 when any fails, 78 when the configuration is
    /// invalid.
    ///
    /// Example: scorecard test --project /srv/scorecard
    Test {
        /// The project folder (holding scorecard.toml).
        #[arg(long, value_name = "DIR", default_value = ".")]
        project: PathBuf,
        /// Print a JSON array, one object per example, on stdout.
        #[arg(long)]
        json: bool,
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
