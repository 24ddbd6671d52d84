//! Entry points for fuzzing: the code paths the cargo-fuzz targets in `fuzz/` drive with
//! arbitrary bytes, kept here so that `tests/fuzz_regressions.rs` replays every saved crash
//! input through exactly the same code. Each returns normally for any input; a panic is a bug.

use crate::config::{Limits, Partner, SourceDef};
use crate::ingest::{Cell, DateSystem, Grid};
use std::sync::OnceLock;

/// The shipped source definitions and partners (the demo's), loaded once.
fn shipped() -> &'static (Vec<SourceDef>, Vec<Partner>) {
    static S: OnceLock<(Vec<SourceDef>, Vec<Partner>)> = OnceLock::new();
    S.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        crate::demo::write_config(dir.path()).expect("demo configuration");
        let p = crate::config::Project::load(dir.path()).expect("the shipped configuration is valid");
        (p.sources.clone(), p.settings.partner.clone())
    })
}

/// Any text (and the first 8 bytes as a number) converted in a column of every shipped type.
pub fn cell_conversion(data: &[u8]) {
    let (sources, partners) = shipped();
    let text = String::from_utf8_lossy(data);
    let number = data.get(..8).and_then(|b| b.try_into().ok()).map(f64::from_le_bytes).unwrap_or(0.0);
    let cells = [Cell::Text(text.as_ref().into()), Cell::Number(number)];
    for s in sources {
        for col in &s.column {
            for cell in &cells {
                for dates in [DateSystem::Excel1900, DateSystem::Excel1904] {
                    let _ = crate::check::values::convert(cell, col, partners, dates);
                    let _ = crate::check::values::is_known_missing(cell, col);
                }
            }
        }
    }
}

/// Any grid of text (lines split on commas) given to header detection for every source.
pub fn header_detection(data: &[u8]) {
    let (sources, _) = shipped();
    let text = String::from_utf8_lossy(data);
    let rows: Vec<Vec<Cell>> = text
        .lines()
        .take(200)
        .map(|l| l.split(',').take(64).map(|c| if c.is_empty() { Cell::Empty } else { Cell::Text(c.into()) }).collect())
        .collect();
    let grid = Grid::of_rows(Some("Sheet1".into()), rows, DateSystem::Excel1900);
    for s in sources {
        if let Ok(layout) = crate::ingest::find_layout(&grid, s) {
            let _ = crate::ingest::find_as_at(&grid, &layout, "extract.csv", s);
        }
    }
}

/// Any bytes as a whole extract named `name`: identified, read within tight limits, checked.
pub fn ingest(data: &[u8], name: &str) {
    let (sources, partners) = shipped();
    let limits = Limits { max_cells: 200_000, max_uncompressed_mb: 64, ..Default::default() };
    let path = std::path::Path::new(name);
    let Ok(source) = crate::ingest::identify(path, data, sources, &limits) else { return };
    if let Ok(raw) = crate::ingest::read_extract(path, data, source, &limits) {
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 4, 7).expect("a date");
        let env = crate::check::CheckEnv { partners, as_of, history: &[], waivers: &[] };
        let _ = crate::check::check(raw, source, &env);
    }
}
