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
