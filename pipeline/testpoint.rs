//! Named points where a test can stop a run, to kill it there and check what the next run
//! finds. With `SCORECARD_PAUSE_AT=<point>[,<point>...]` in its environment, a run that
//! reaches one of those points writes `paused at <point>` on stderr and sleeps for
//! `SCORECARD_PAUSE_SECONDS` (default 60: a test kills it meanwhile, or changes a file and
//! lets it go on); without it, the points cost one look at a value read once.
//!
//! The points: `intake:taken` (every settled file taken into the work area), `quarantine:
//! beside-written` (a file's reason and feedback written, the file not yet moved),
//! `archive:stored` (an extract stored, not yet archived), `release:staged` (every output
//! written into the release, none current), `release:committing` (the first output made
//! current, the others not yet), `audit:writing` (an entry about to be added to the audit log).

use std::sync::OnceLock;

fn points() -> &'static [String] {
    static POINTS: OnceLock<Vec<String>> = OnceLock::new();
    POINTS.get_or_init(|| {
        std::env::var("SCORECARD_PAUSE_AT")
            .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    })
}

/// Pauses here if a test asked for this point.
pub fn reached(point: &str) {
    if points().iter().any(|p| p == point) {
        let seconds = std::env::var("SCORECARD_PAUSE_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
        eprintln!("paused at {point}");
        std::thread::sleep(std::time::Duration::from_secs(seconds));
    }
}
