//! `scorecard audit verify`: the store's audit log checked entry by entry
//! ([`crate::store::audit`]).

use crate::cli::{AuditAction, AuditArgs};
use crate::exit;

pub fn main(a: &AuditArgs) -> i32 {
    let AuditAction::Verify { project } = &a.action;
    let p = match super::load(&project.project) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let store = p.folder(&p.settings.folders.store);
    match crate::store::audit::read(&store) {
        Ok(entries) => {
            let approvals = crate::store::audit::approvals(&entries).len();
            println!(
                "{}: {} entries, every one whole and linked to the one before ({approvals} approvals)",
                crate::store::audit::path(&store).display(),
                entries.len()
            );
            // The last line's SHA-256: recorded elsewhere (a committee's minutes), it shows
            // later that the log up to here is unchanged.
            let log = std::fs::read(crate::store::audit::path(&store)).unwrap_or_default();
            if let Some(sha) = crate::store::audit::last_sha256(&log) {
                println!("SHA-256 of the last entry: {sha}");
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("{e}");
            exit::COMPLETED_WITH_PROBLEMS
        }
    }
}
