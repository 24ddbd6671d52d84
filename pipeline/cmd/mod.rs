//! The commands, one room each: `run` (the nightly job), `status`, `demo`, `check`,
//! `validate`, `test`, `draft` and `new` for a new partnership's first project, and
//! `approve`, `audit` and `explain` for sign-off and the story of a figure. Each takes its arguments from [`crate::cli`] and gives the process's
//! exit code ([`crate::exit`]); the binary only parses, dispatches and exits.

pub mod approve;
pub mod audit;
pub mod check;
pub mod demo;
pub mod draft;
pub mod explain;
pub mod new;
pub mod run;
pub mod status;
pub mod test;
pub mod validate;

use crate::cli::Command;
use crate::config::Project;
use crate::exit;
use std::path::Path;

/// Runs a command and gives its exit code.
pub fn dispatch(command: Command) -> i32 {
    match command {
        Command::Run(a) => run::main(&a),
        Command::Status(a) => status::main(&a),
        Command::Demo(a) => demo::main(&a),
        Command::Check(a) => check::main(&a),
        Command::Validate(a) => validate::main(&a),
        Command::Test(a) => test::main(&a),
        Command::Draft(a) => draft::main(&a),
        Command::New(a) => new::main(&a),
        Command::Approve(a) => approve::main(&a),
        Command::Audit(a) => audit::main(&a),
        Command::Explain(a) => explain::main(&a),
    }
}

/// A project loaded for a command, or the exit code after every problem in its
/// configuration has been printed with its file and line.
pub fn load(dir: &Path) -> Result<Project, i32> {
    Project::load(dir).map_err(|errors| {
        for e in &errors {
            eprintln!("{e}");
        }
        eprintln!("{} problem(s) in the configuration of {}", errors.len(), dir.display());
        exit::INVALID_CONFIG
    })
}

/// Prints a value as pretty JSON on stdout.
fn print_json(value: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(value).expect("serialises"));
}
