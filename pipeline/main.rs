//! The `scorecard` binary: parses the command line and hands over to the library.

use clap::Parser;
use scorecard::cli::{started, today, Cli, Command};
use scorecard::config::Project;
use scorecard::exit;
use std::path::Path;

fn load(dir: &Path) -> Result<Project, i32> {
    Project::load(dir).map_err(|errors| {
        for e in &errors {
            eprintln!("{e}");
        }
        eprintln!("{} problem(s) in the configuration of {}", errors.len(), dir.display());
        exit::INVALID_CONFIG
    })
}

fn run_and_report(project: &Project, as_of: chrono::NaiveDate, json: bool, force: bool) -> i32 {
    use std::io::IsTerminal;
    let options = scorecard::job::Options { force, progress: std::io::stderr().is_terminal() };
    let outcome = scorecard::job::nightly(project, as_of, started(), &options);
    eprint!("{}", outcome.human);
    if json {
        println!("{}", serde_json::to_string_pretty(&outcome.summary).expect("summary serialises"));
    }
    outcome.exit_code
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run { project, as_of, json, force } => match load(&project) {
            Ok(p) => run_and_report(&p, as_of.unwrap_or_else(today), json, force),
            Err(code) => code,
        },
        Command::Status { project, as_of, json } => match load(&project) {
            Ok(p) => {
                let s = scorecard::job::status::status(&p, as_of.unwrap_or_else(today));
                if json {
                    println!("{}", serde_json::to_string_pretty(&s).expect("status serialises"));
                } else {
                    print!("{}", s.human());
                }
                exit::OK
            }
            Err(code) => code,
        },
        Command::Check { project, files, json, as_of, feedback } => match load(&project) {
            Ok(p) => {
                let history = scorecard::preflight::history(&p);
                let as_of = as_of.unwrap_or_else(today);
                let checks: Vec<_> =
                    files.iter().map(|f| scorecard::preflight::check_file(&p, f, as_of, &history)).collect();
                if let Some(dir) = &feedback {
                    for c in &checks {
                        match scorecard::preflight::write_feedback(c, dir) {
                            Ok(Some(path)) => eprintln!("wrote {}", path.display()),
                            Ok(None) => {}
                            Err(e) => eprintln!("feedback workbook for {}: {e}", c.path.display()),
                        }
                    }
                }
                if json {
                    println!("{}", serde_json::to_string_pretty(&checks).expect("serialises"));
                } else {
                    for c in &checks {
                        print!("{}", c.human());
                    }
                }
                if checks.iter().all(|c| c.clean()) {
                    exit::OK
                } else {
                    exit::COMPLETED_WITH_PROBLEMS
                }
            }
            Err(code) => code,
        },
        Command::Test { project, json } => match load(&project) {
            Ok(p) => {
                let results = scorecard::indicators::examples::run_all(&p);
                if json {
                    println!("{}", serde_json::to_string_pretty(&results).expect("serialises"));
                }
                let passed = results.iter().filter(|r| r.passed).count();
                for r in &results {
                    let word = if r.passed { "ok    " } else { "FAILED" };
                    eprintln!("{word} {}: {}", r.indicator, r.example);
                    for l in &r.lines {
                        eprintln!("         {l}");
                    }
                }
                eprintln!("{} examples: {passed} passed, {} failed", results.len(), results.len() - passed);
                if passed == results.len() {
                    exit::OK
                } else {
                    exit::COMPLETED_WITH_PROBLEMS
                }
            }
            Err(code) => code,
        },
        Command::Validate { project } => match load(&project) {
            Ok(p) => {
                let problems = scorecard::run::check_templates(&p, today());
                if !problems.is_empty() {
                    for e in &problems {
                        eprintln!("{e}");
                    }
                    eprintln!("{}: {} report template(s) do not compile", p.root.display(), problems.len());
                    exit::INVALID_CONFIG
                } else {
                    println!(
                        "{}: valid ({} sources, {} indicators, {} targets, {} partners)",
                        p.root.display(),
                        p.sources.len(),
                        p.indicators.len(),
                        p.targets.target.len(),
                        p.settings.partner.len()
                    );
                    println!("reports: {} (every template compiles)", p.settings.report.reports.join(", "));
                    exit::OK
                }
            }
            Err(code) => code,
        },
        Command::Demo { dir, no_run, per_council, as_of, json } => {
            let delivery = if per_council {
                scorecard::demo::Delivery::PerCouncil
            } else {
                scorecard::demo::Delivery::Partnership
            };
            demo(&dir, delivery, no_run, as_of, json)
        }
    };
    std::process::exit(code);
}

/// `scorecard demo`: writes the demo project and, unless `no_run`, runs the job on it.
fn demo(
    dir: &Path,
    delivery: scorecard::demo::Delivery,
    no_run: bool,
    as_of: Option<chrono::NaiveDate>,
    json: bool,
) -> i32 {
    match scorecard::demo::write_project_as(dir, delivery) {
        Err(e) => {
            eprintln!("demo: {e:#}");
            exit::FAILED
        }
        Ok(_) => {
            eprintln!("wrote the demo project to {}", dir.display());
            if no_run {
                exit::OK
            } else {
                match load(dir) {
                    Ok(p) => {
                        let as_of = as_of.unwrap_or_else(scorecard::demo::default_as_of);
                        let code = run_and_report(&p, as_of, json, false);
                        eprintln!("outputs are in {}", p.folder(&p.settings.folders.output).display());
                        code
                    }
                    Err(code) => code,
                }
            }
        }
    }
}
