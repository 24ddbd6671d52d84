//! `scorecard demo`: writes the demo project ([`crate::demo`]) and, unless `--no-run`, runs
//! the nightly job on it.

use crate::cli::DemoArgs;
use crate::demo::Delivery;
use crate::exit;

pub fn main(a: &DemoArgs) -> i32 {
    let delivery = if a.per_council { Delivery::PerCouncil } else { Delivery::Partnership };
    if let Err(e) = crate::demo::write_project_as(&a.dir, delivery) {
        eprintln!("demo: {e:#}");
        return exit::FAILED;
    }
    eprintln!("wrote the demo project to {}", a.dir.display());
    if a.no_run {
        return exit::OK;
    }
    match super::load(&a.dir) {
        Ok(p) => {
            let as_of = a.as_of.unwrap_or_else(crate::demo::default_as_of);
            let code = super::run::run_and_report(&p, as_of, a.json.json, false);
            eprintln!("outputs are in {}", p.folder(&p.settings.folders.output).display());
            code
        }
        Err(code) => code,
    }
}
