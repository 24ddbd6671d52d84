//! `scorecard draft`: a source definition drafted from sample extracts
//! ([`crate::setup::draft`]), proved to parse before it is written, then the project
//! validated with it so the officer sees at once what is still missing.

use crate::cli::DraftArgs;
use crate::config::{load_settings, Limits, Project, SourceDef};
use crate::exit;
use crate::setup::draft::{text, write_out, Draft};
use std::path::Path;

pub fn main(a: &DraftArgs) -> i32 {
    let dir = &a.project.project;
    let settings = match load_settings(dir) {
        Ok(s) => s,
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            return exit::INVALID_CONFIG;
        }
    };
    let (partners, limits) = match &settings {
        Some(s) => (s.partner.clone(), s.limits.clone()),
        None => {
            eprintln!("note: {} has no scorecard.toml, so council columns are read as text", dir.display());
            (Vec::new(), Limits::default())
        }
    };
    let files: Vec<&Path> = a.files.iter().map(|f| f.as_path()).collect();
    let draft = match Draft::make(&files, a.source.as_deref(), &partners, &limits) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("draft: {e}; nothing was written");
            return exit::FAILED;
        }
    };
    let toml = text::write(&draft);
    if let Err(errors) = SourceDef::parse(&toml) {
        // The draft is made to parse; if it does not, say so rather than write it.
        for e in &errors {
            eprintln!("draft: the definition drafted does not validate: {e}");
        }
        eprint!("{toml}");
        return exit::FAILED;
    }
    let written = match write_out(dir, &draft.id, &toml, a.out.as_deref(), a.replace) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("draft: {e}; nothing was written");
            return exit::FAILED;
        }
    };
    summarise(&draft, &written, dir, a.out.is_none());
    exit::OK
}

/// What was drafted, what to review, and (when written into the project) what `validate`
/// still says.
fn summarise(d: &Draft, written: &str, dir: &Path, in_project: bool) {
    let mapped = d.columns.iter().filter(|g| g.mapped.is_some()).count();
    eprintln!(
        "drafted source `{}` ({} columns, {mapped} matched to the shipped field names, {} TODO; {} suggested checks) -> {written}",
        d.id,
        d.columns.len(),
        d.columns.len() - mapped,
        d.checks.len()
    );
    if !in_project || !dir.join("scorecard.toml").exists() {
        return;
    }
    match Project::load(dir) {
        Ok(_) => eprintln!("the project validates with it; next: scorecard check --project {} FILE...", dir.display()),
        Err(errors) => {
            eprintln!(
                "the project does not validate yet ({} problem(s)); edit the draft where it says TODO:",
                errors.len()
            );
            for e in errors.iter().take(20) {
                eprintln!("  {e}");
            }
        }
    }
}
