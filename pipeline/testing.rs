//! Helpers for the unit tests of every stage: a project on disk with the shipped definitions,
//! and extracts built from rows of text, read and checked by the real ingest and check code.

use crate::check::CheckedExtract;
use crate::config::Project;
use crate::ingest::{find_as_at, find_layout, Cell, Grid, RawExtract};
use chrono::NaiveDate;
use std::path::Path;

/// The demo project's configuration (no extracts) written into `dir` and loaded.
pub fn project(dir: &Path) -> Project {
    crate::demo::write_config(dir).expect("write demo configuration");
    Project::load(dir).unwrap_or_else(|e| panic!("shipped configuration invalid: {e:?}"))
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("ISO date")
}

/// A grid: a title row "Report run on <as_at>", a blank row, the header, then the rows.
pub fn grid(as_at: NaiveDate, header: &[&str], rows: &[Vec<&str>]) -> Grid {
    let text = |s: &str| if s.is_empty() { Cell::Empty } else { Cell::Text(s.into()) };
    let mut all = vec![vec![Cell::Text(format!("Report run on {}", as_at.format("%d/%m/%Y")).into())], vec![]];
    all.push(header.iter().map(|h| text(h)).collect());
    all.extend(rows.iter().map(|r| r.iter().map(|c| text(c)).collect()));
    Grid::of_rows(Some("Sheet1".into()), all, Default::default())
}

/// An extract of `source` read from a grid by the real layout and check code, checked on its
/// own as-at date with no history.
pub fn checked(
    project: &Project,
    source: &str,
    as_at: NaiveDate,
    header: &[&str],
    rows: &[Vec<&str>],
) -> CheckedExtract {
    let def = project.source(source).expect("source defined");
    let env = crate::check::CheckEnv {
        partners: &project.settings.partner,
        as_of: as_at,
        history: &[],
        waivers: &project.waivers,
    };
    checked_with(def, &env, as_at, header, rows)
}

/// An extract of any source definition, checked in `env`.
pub fn checked_with(
    def: &crate::config::SourceDef,
    env: &crate::check::CheckEnv,
    as_at: NaiveDate,
    header: &[&str],
    rows: &[Vec<&str>],
) -> CheckedExtract {
    let grid = grid(as_at, header, rows);
    let layout = find_layout(&grid, def).expect("header found");
    let file_name = format!("{}_{}.xlsx", def.id(), as_at.format("%Y%m%d"));
    let as_at = find_as_at(&grid, &layout, &file_name, def).expect("as-at found");
    let raw = RawExtract {
        path: file_name.clone().into(),
        sha256: crate::common::sha256_hex(format!("{}{as_at}{rows:?}", def.id()).as_bytes()),
        file_name,
        source_id: def.id().to_string(),
        grid,
        layout,
        as_at,
    };
    let x = crate::check::check(raw, def, env);
    assert_eq!(x.rows_accepted + x.rows_rejected, x.rows_read, "rows accepted + rejected = rows read");
    x
}

pub const REVENUES_HEADER: [&str; 6] =
    ["Council", "Tax Type", "Account Reference", "Liability Year", "Net Collectable Debit", "Amount Collected"];

pub const BENEFITS_HEADER: [&str; 5] = ["Council", "Claim Reference", "Work Type", "Date Received", "Date Decided"];

/// A benefits extract: rows of (council, claim, days to decision; a multiple of 3: none
/// yet), each claim once, received on a day fixed by its number.
pub fn benefits_night(p: &Project, store: &mut crate::store::Store, as_at: NaiveDate, rows: &[(usize, usize, u32)]) {
    const COUNCILS: [&str; 3] = ["Fenland", "Breckland", "East Suffolk"];
    let day = |d: u32| (date("2024-04-01") + chrono::Duration::days(d as i64)).format("%d/%m/%Y").to_string();
    let mut claims = std::collections::BTreeMap::new();
    for &(council, claim, decided) in rows {
        claims.insert((council % 3, claim), decided);
    }
    let rows: Vec<Vec<String>> = claims
        .into_iter()
        .map(|((council, claim), decided)| {
            let got = (claim as u32 * 7) % 200;
            let decided = if decided % 3 == 0 { String::new() } else { day(got + decided) };
            vec![COUNCILS[council].into(), format!("C{claim}"), "New Claim".into(), day(got), decided]
        })
        .collect();
    let rows: Vec<Vec<&str>> = rows.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
    store.put(&checked(p, "benefits", as_at, &BENEFITS_HEADER, &rows), as_at).unwrap();
}

/// How a night's date is chosen ([`Nights::next`]), and its benefits rows ([`benefits_night`]).
pub type Night = (u8, Vec<(usize, usize, u32)>);

/// Nights of benefits extracts for the property tests of what a night keeps for the next:
/// each night, how its date is chosen ([`Nights::next`]) and its rows ([`benefits_night`]).
pub fn benefits_nights() -> impl proptest::strategy::Strategy<Value = Vec<Night>> {
    use proptest::prelude::*;
    prop::collection::vec((0u8..6, prop::collection::vec((0usize..3, 0usize..40, 0u32..90), 1..25)), 2..8)
}

/// The dates of those nights, from June 2024: mostly the next month's end; now and then the
/// month before the latest (a late extract) or the latest again.
pub struct Nights {
    month: i32,
}

impl Default for Nights {
    fn default() -> Nights {
        Nights { month: crate::periods::Period::month_of(date("2024-06-30")).month_index() }
    }
}

impl Nights {
    /// The as-at date of a night's extract chosen by `how`, and the night's run date (a week
    /// after the latest month's end).
    pub fn next(&mut self, how: u8) -> (NaiveDate, NaiveDate) {
        use crate::periods::Period;
        let as_at = match how {
            0 => Period::from_month_index(self.month - 1).end(),
            1 => Period::from_month_index(self.month).end(),
            _ => {
                self.month += 1;
                Period::from_month_index(self.month).end()
            }
        };
        (as_at, Period::from_month_index(self.month).end() + chrono::Duration::days(7))
    }
}
