//! `scorecard run`: the nightly job on a project ([`crate::job::nightly`]), its summary on
//! stderr and, with `--json`, its record on stdout.

use crate::cli::{started, RunArgs};
use crate::config::Project;
use chrono::NaiveDate;

pub fn main(a: &RunArgs) -> i32 {
    match super::load(&a.project.project) {
        Ok(p) => run_and_report(&p, a.as_of.or_today(), a.json.json, a.force),
        Err(code) => code,
    }
}

/// Runs the nightly job and reports it: the summary on stderr, the JSON on stdout if asked.
pub fn run_and_report(project: &Project, as_of: NaiveDate, json: bool, force: bool) -> i32 {
    use std::io::IsTerminal;
    let options = crate::job::Options { force, progress: std::io::stderr().is_terminal() };
    let outcome = crate::job::nightly(project, as_of, started(), &options);
    eprint!("{}", outcome.human);
    if json {
        super::print_json(&outcome.summary);
    }
    outcome.exit_code
}
