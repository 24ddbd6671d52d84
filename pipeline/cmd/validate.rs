//! `scorecard validate`: every definition file checked, every problem reported at once with
//! its file and line (by [`crate::cmd::load`]), then every report template compiled against
//! sample data.

use crate::cli::{today, ValidateArgs};
use crate::config::Project;
use crate::exit;
use crate::render::{self, ReportModel};
use chrono::NaiveDate;

pub fn main(a: &ValidateArgs) -> i32 {
    let p = match super::load(&a.project.project) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let problems = check_templates(&p, today());
    if !problems.is_empty() {
        for e in &problems {
            eprintln!("{e}");
        }
        eprintln!("{}: {} report template(s) do not compile", p.root.display(), problems.len());
        return exit::INVALID_CONFIG;
    }
    println!(
        "{}: valid ({} sources, {} indicators, {} targets, {} partners)",
        p.root.display(),
        p.sources.len(),
        p.indicators.len(),
        p.targets.target.len(),
        p.settings.partner.len()
    );
    println!("reports: {} (every template compiles)", p.settings.report.reports.join(", "));
    if let Ok(t) = render::pdf::Templates::load(&p.root.join("report-templates")) {
        for n in t.notes() {
            println!("note: {n}");
        }
    }
    exit::OK
}

/// Compiles every report template the project uses against a sample model (its definitions
/// and no figures, so every empty state is typeset too): a template's mistakes show, with
/// its file and line, before a nightly run depends on it. Returns the problems found.
pub fn check_templates(project: &Project, as_of: NaiveDate) -> Vec<String> {
    let templates = match render::pdf::Templates::load(&project.root.join("report-templates")) {
        Ok(t) => t,
        Err(e) => return vec![format!("reading the report templates: {e}")],
    };
    let model = ReportModel::build(project, &[], Vec::new(), Vec::new(), Vec::new(), &[], as_of);
    let mut seen = std::collections::BTreeSet::new();
    render::report::jobs(project)
        .into_iter()
        .filter(|(kind, _)| seen.insert(kind.id))
        .filter_map(|(kind, partner)| {
            let focus = render::report::focus(project, &model, kind, &partner);
            let data = render::report::ReportData { model: &model, focus: &focus };
            render::pdf::render(&data, &templates, kind.template, kind.id, as_of).err().map(|e| e.to_string())
        })
        .collect()
}
