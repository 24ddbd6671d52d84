//! `scorecard new`: a project folder for a new partnership ([`crate::setup::new`]).

use crate::cli::NewArgs;
use crate::exit;
use crate::setup::new::{write, NewProject};

pub fn main(a: &NewArgs) -> i32 {
    let p = NewProject { name: a.name.clone(), short_name: a.short_name.clone(), partners: a.partners.clone() };
    match write(&a.dir, &p, a.register.as_deref()) {
        Ok(partners) => {
            eprintln!("wrote a project for {} partner(s) to {}:", partners.len(), a.dir.display());
            for n in &partners {
                let todo = if n.name_unknown { " (give its name in scorecard.toml)" } else { "" };
                eprintln!("  {} {}{todo}", n.partner.code, n.partner.name);
            }
            eprintln!("next: read {}", a.dir.join("README.md").display());
            exit::OK
        }
        Err(e) => {
            eprintln!("new: {e}");
            exit::FAILED
        }
    }
}
