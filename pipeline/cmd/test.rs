//! `scorecard test`: the worked examples beside the indicator definitions, run through the
//! real checks, store and computation ([`crate::indicators::examples`]).

use crate::cli::TestArgs;
use crate::exit;

pub fn main(a: &TestArgs) -> i32 {
    let p = match super::load(&a.project.project) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let results = crate::indicators::examples::run_all(&p);
    if a.json.json {
        super::print_json(&results);
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
