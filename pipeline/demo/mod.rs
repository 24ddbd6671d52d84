//! Demo: a complete synthetic project to try the pipeline on.
//!
//! Takes a folder; gives a project in it: `scorecard.toml` for three partner councils (marked
//! synthetic, so every output says so), the shipped `sources/`, `indicators/`, `targets.toml`
//! and `report-templates/`, comparator tables and groups for benchmarking ([`benchmarks`]),
//! and three financial years of monthly extracts from the revenues, benefits and HR systems in
//! its drop folder ([`data`] makes the rows, [`write`] the files).

pub mod benchmarks;
pub mod data;
pub mod write;

use std::path::Path;

/// The seed of the shipped demo.
pub const SEED: u64 = 20_230_401;

/// Shipped definition files, embedded so the binary can write a project anywhere.
pub const SHIPPED_FILES: [(&str, &str); 14] = [
    ("sources/revenues.toml", include_str!("../../sources/revenues.toml")),
    ("sources/benefits.toml", include_str!("../../sources/benefits.toml")),
    ("sources/hr_staff.toml", include_str!("../../sources/hr_staff.toml")),
    ("sources/hr_absence.toml", include_str!("../../sources/hr_absence.toml")),
    ("sources/budget.toml", include_str!("../../sources/budget.toml")),
    ("sources/returns.toml", include_str!("../../sources/returns.toml")),
    ("indicators/arp.toml", include_str!("../../indicators/arp.toml")),
    ("targets.toml", include_str!("../../targets.toml")),
    ("report-templates/lib.typ", include_str!("../../report-templates/lib.typ")),
    ("report-templates/joint-committee.typ", include_str!("../../report-templates/joint-committee.typ")),
    ("report-templates/oib-dashboard.typ", include_str!("../../report-templates/oib-dashboard.typ")),
    ("report-templates/data-quality.typ", include_str!("../../report-templates/data-quality.typ")),
    ("report-templates/charnwood-quarterly.typ", include_str!("../../report-templates/charnwood-quarterly.typ")),
    ("output/README.md", "Generated workbooks, open-data CSVs and PDF reports appear here.\n"),
];

/// The run date the demo uses unless told otherwise: a week after its last month end, as a
/// nightly job would run then (and so the demo's outputs are the same whatever day it is).
pub fn default_as_of() -> chrono::NaiveDate {
    data::last_working_day(data::FIRST_FY + data::YEARS - 1, 12) + chrono::Duration::days(7)
}

/// `scorecard.toml` of the demo project.
pub const DEMO_SETTINGS: &str = r#"# Demo project written by `scorecard demo`. The councils are real; every figure is synthetic.

[organisation]
name = "Anglia Revenues Partnership (demo)"
short_name = "ARP-demo"
synthetic = true

[[partner]]
code = "E07000143"
name = "Breckland"
aliases = ["Breckland Council", "Breckland District Council"]

[[partner]]
code = "E07000244"
name = "East Suffolk"
aliases = ["East Suffolk Council"]

[[partner]]
code = "E07000010"
name = "Fenland"
aliases = ["Fenland District Council", "Fenland Council"]

[folders]
drop = "drop"
archive = "archive"
quarantine = "quarantine"
store = "store"
output = "output"

[report]
meeting = "Joint Committee"
author = "ARP performance team (demo)"

[limits]
# The demo writes its extracts and runs at once, so it does not wait for files to settle.
settle_seconds = 0
"#;

/// The demo's commentary: two of the latest month's amber results are explained; the others
/// are left for the report to list as "commentary missing".
pub const DEMO_COMMENTARY: &str = "indicator,partner,period,explanation,action,owner\r\n\
nndr_collection_rate,Breckland,2025/26 M12,Two large rating appeals settled in March reduced the collectable debit late in the year.,Recovery team to pursue the remaining balances by June.,Head of Revenues\r\n\
staff_turnover_pct,ALL,2025/26 M12,Five retirements in the benefits team during the year.,Workforce plan to the April Joint Committee.,Head of HR\r\n";

/// Writes the demo project's configuration (no extracts) into `dir`, refusing a folder that
/// already holds a `scorecard.toml`.
pub fn write_config(dir: &Path) -> anyhow::Result<()> {
    if dir.join("scorecard.toml").exists() {
        anyhow::bail!(
            "{} already holds a scorecard.toml (an earlier demo?): choose another folder, or delete that one to start again; nothing was changed",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir.join("drop"))?;
    crate::fs::write_atomic(&dir.join("scorecard.toml"), DEMO_SETTINGS.as_bytes())?;
    for (rel, text) in SHIPPED_FILES {
        crate::fs::write_atomic(&dir.join(rel), text.as_bytes())?;
    }
    let record = Path::new("report-templates").join(crate::render::pdf::AS_SHIPPED);
    crate::fs::write_atomic(&dir.join(record), crate::render::pdf::as_shipped_record().as_bytes())?;
    crate::fs::write_atomic(&crate::config::commentary_path(dir), DEMO_COMMENTARY.as_bytes())?;
    for (rel, text) in benchmarks::files(SEED) {
        crate::fs::write_atomic(&dir.join(rel), text.as_bytes())?;
    }
    Ok(())
}

/// How the demo's extracts are delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Delivery {
    /// One file per source and month covering every council.
    #[default]
    Partnership,
    /// One file per council, source and month (HR, which has no council column, stays
    /// whole), as most partnerships' councils export them.
    PerCouncil,
}

/// Writes the demo project into `dir` (created if needed) and returns the data written.
/// Refuses to write into a folder that already holds a `scorecard.toml`, so a real project
/// is never overwritten.
pub fn write_project(dir: &Path) -> anyhow::Result<data::DemoData> {
    write_project_as(dir, Delivery::Partnership)
}

/// [`write_project`], delivering the extracts as `delivery` says.
pub fn write_project_as(dir: &Path, delivery: Delivery) -> anyhow::Result<data::DemoData> {
    write_config(dir)?;
    let demo = data::generate(SEED);
    let drop = dir.join("drop");
    use rayon::prelude::*;
    let files: Vec<data::DemoExtract> = match delivery {
        Delivery::Partnership => demo.extracts.clone(),
        Delivery::PerCouncil => demo.extracts.iter().flat_map(|x| x.per_council(&|_| 0)).collect(),
    };
    files.par_iter().try_for_each(|x| write::write_extract(&drop, x))?;
    Ok(demo)
}
