//! Exit codes of the `scorecard` binary: the contract with cron, systemd and wrappers.
//!
//! Takes nothing; gives the numeric codes documented in the README so that every stage
//! reports its outcome the same way.

/// Everything was read, accepted and published.
pub const OK: i32 = 0;
/// The run completed and published, but at least one file was quarantined or an
/// error-severity finding was raised.
pub const COMPLETED_WITH_PROBLEMS: i32 = 1;
/// The run failed: nothing was published for this run.
pub const FAILED: i32 = 2;
/// The configuration (scorecard.toml, sources, indicators, targets) is invalid (EX_CONFIG).
pub const INVALID_CONFIG: i32 = 78;
/// Another run holds the project's lock; this run did nothing (EX_TEMPFAIL: try again later).
pub const LOCKED: i32 = 75;

/// What each exit code of one command means. `--help` shows these words and the README's
/// "Exit codes" section repeats them (`tests/cli.rs` holds the two to the same words).
pub type Meanings = &'static [(i32, &'static str)];

const CONFIG: &str = "Invalid configuration (`scorecard.toml`, `sources/`, `indicators/`, `targets.toml`, `benchmarks.toml`, a report template); nothing was read or moved.";

/// `scorecard run` (and `scorecard demo`, which runs it).
pub const RUN: Meanings = &[
    (OK, "All files accepted (or none waiting), outputs written; or nothing had changed since the last run, so nothing was done and its outputs are current."),
    (COMPLETED_WITH_PROBLEMS, "Completed and outputs written, but a file was quarantined (a check failed at error level), a council's data for a month has not arrived where the source's `partners_present` check has `severity = \"error\"`, or the summary lists an error or warning that lost no data (a feedback workbook or data-quality record not written, kept commentary not usable). Check findings at warning level, waived problems, stale sources and missing data at warning level are reported but leave the code at 0."),
    (FAILED, "Failed: a stage could not run (folder not writable, store unreadable, template error); nothing was published for this run."),
    (LOCKED, "Another run holds the project's lock; this run did nothing (try again later)."),
    (INVALID_CONFIG, CONFIG),
];

/// `scorecard demo`: writes a project, then runs the job on it.
pub const DEMO: Meanings = &[
    (OK, "The demo project was written and the job ran with every file accepted (or, with `--no-run`, the project was written)."),
    (COMPLETED_WITH_PROBLEMS, "The job ran and wrote its outputs, but reported a problem (as `scorecard run`'s exit code 1)."),
    (FAILED, "The project could not be written (the folder already holds a `scorecard.toml`, or is not writable), or the job failed; nothing was published."),
    (LOCKED, "Another run holds the project's lock; the job did nothing."),
    (INVALID_CONFIG, CONFIG),
];

/// `scorecard check`.
pub const CHECK: Meanings = &[
    (OK, "Every file is clean: it matches a source, every check passes and the job would accept it."),
    (COMPLETED_WITH_PROBLEMS, "A file has a problem: a check found failing rows, or the job would quarantine, skip or refuse it as a duplicate."),
    (INVALID_CONFIG, CONFIG),
];

/// `scorecard status`.
pub const STATUS: Meanings = &[(OK, "The status was shown."), (INVALID_CONFIG, CONFIG)];

/// `scorecard validate`.
pub const VALIDATE: Meanings = &[
    (OK, "Every definition file is valid and every report template compiles."),
    (
        INVALID_CONFIG,
        "A definition file has a problem or a report template does not compile; each is listed with its file and line.",
    ),
];

/// `scorecard test`.
pub const TEST: Meanings = &[
    (OK, "Every worked example gives the figures it expects."),
    (COMPLETED_WITH_PROBLEMS, "An example gives another figure, or cannot run; each is listed."),
    (INVALID_CONFIG, CONFIG),
];

/// `scorecard draft`.
pub const DRAFT: Meanings = &[
    (OK, "The source definition was written, and it validates."),
    (FAILED, "Nothing was written: a sample file cannot be read, no header row was found, or the definition file already exists."),
    (INVALID_CONFIG, "The project's `scorecard.toml` (read for its partner councils) is invalid."),
];

/// `scorecard new`.
pub const NEW: Meanings = &[
    (OK, "The project folder was written."),
    (FAILED, "Nothing was written: the folder already holds a `scorecard.toml`, a partner is neither a GSS code nor a name the register knows, or the folder cannot be written."),
];

/// `scorecard approve`.
pub const APPROVE: Meanings = &[
    (OK, "The approval was recorded in the audit log; the next run publishes the period's reports without the draft mark."),
    (FAILED, "Nothing was recorded: the period has no figures, the report or period is unknown, the approver is not named, or the audit log fails its check or cannot be written."),
    (LOCKED, "Another run holds the project's lock; nothing was recorded (try again later)."),
    (INVALID_CONFIG, CONFIG),
];

/// `scorecard audit verify`.
pub const AUDIT: Meanings = &[
    (OK, "Every entry of the audit log is whole and linked to the one before (or there is no log yet)."),
    (
        COMPLETED_WITH_PROBLEMS,
        "An entry was changed, removed or inserted, or the log was cut short; the first such entry is named.",
    ),
    (INVALID_CONFIG, CONFIG),
];

/// `scorecard explain`.
pub const EXPLAIN: Meanings = &[
    (OK, "The figure was explained."),
    (FAILED, "There is no such figure (an unknown indicator, partner or period, or a period the data does not cover), or the store cannot be read."),
    (INVALID_CONFIG, CONFIG),
];

/// The exit codes as `--help` shows them, after the options.
pub fn help(meanings: Meanings) -> String {
    let mut out = String::from("Exit codes:\n");
    for (code, words) in meanings {
        out.push_str(&format!("  {code:>2}  {words}\n"));
    }
    out
}
