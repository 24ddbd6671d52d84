//! `scorecard approve`: a period's figures approved for publication
//! ([`crate::publish::approve`]), under the project's lock.

use crate::cli::ApproveArgs;
use crate::exit;
use crate::publish::approve::{approve, Request};

pub fn main(a: &ApproveArgs) -> i32 {
    let p = match super::load(&a.project.project) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let _lock = match crate::job::lock::acquire(&p.root, "scorecard approve") {
        Ok(l) => l,
        Err(e @ crate::job::lock::LockError::Held { .. }) => {
            eprintln!("approve: {e}");
            return exit::LOCKED;
        }
        Err(e) => {
            eprintln!("approve: {e}");
            return exit::FAILED;
        }
    };
    let req = Request { period: a.period.clone(), report: a.report.clone(), by: a.by.clone(), note: a.note.clone() };
    match approve(&p, a.as_of.or_today(), &req) {
        Ok((entry, approval)) => {
            let with_value = approval.figures.iter().filter(|f| !f.value.is_empty()).count();
            eprintln!(
                "approved {} ({}) by {} on {}: {} figures ({with_value} with a value), SHA-256 {}; {} extracts in the store, SHA-256 {}; audit log entry {}",
                approval.period,
                if approval.report == "all" { "every report" } else { approval.report.as_str() },
                approval.by,
                entry.on.format("%d/%m/%Y"),
                approval.figures.len(),
                approval.figures_sha256,
                approval.extracts,
                approval.extracts_sha256,
                entry.seq
            );
            eprintln!("the next run publishes the period's reports without the draft mark");
            exit::OK
        }
        Err(e) => {
            eprintln!("approve: {e}; nothing was recorded");
            exit::FAILED
        }
    }
}
