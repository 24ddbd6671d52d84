//! `scorecard explain`: how one figure was made ([`crate::indicators::explain`]). Reads only.

use crate::cli::ExplainArgs;
use crate::exit;
use crate::indicators::explain::explain;

pub fn main(a: &ExplainArgs) -> i32 {
    let p = match super::load(&a.project.project) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let store = match crate::store::Store::open(&p.folder(&p.settings.folders.store)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("explain: {e}");
            return exit::FAILED;
        }
    };
    let as_of = a.as_of.or_today();
    match explain(&p, &store, &a.indicator, &a.partner, &a.period, as_of) {
        Ok(mut e) => {
            e.restatement = restatement(&p, &store, &e, as_of);
            if a.json.json {
                super::print_json(&e);
            } else {
                print!("{}", e.human());
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("explain: {e}");
            exit::FAILED
        }
    }
}

/// The figure's restatement since its period was approved, from the audit log.
fn restatement(
    p: &crate::config::Project,
    store: &crate::store::Store,
    e: &crate::indicators::explain::Explanation,
    as_of: chrono::NaiveDate,
) -> Option<String> {
    let entries = crate::store::audit::read(&p.folder(&p.settings.folders.store)).ok()?;
    let def = p.indicators.iter().find(|d| d.id() == e.indicator)?;
    let values = crate::indicators::compute_one(p, def, store, as_of).ok()?;
    crate::publish::approve::restatements(p, store, &values, &entries)
        .into_iter()
        .find(|r| r.indicator == e.indicator && r.partner == e.partner && r.period == e.period)
        .map(|r| r.sentence())
}
