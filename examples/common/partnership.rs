//! The partnership's data at benchmark volume, shared by the benchmark programs: three
//! partners, 250,000 council-tax and 15,000 business-rate accounts, 60,000 benefit work items
//! a year, 1,500 staff and their absences, generated from a seed (the same bytes every time),
//! and three years of monthly extracts either straight into a store (typed tables, as
//! ingestion leaves them) or written as the systems export them.

#![allow(dead_code)]

use chrono::{Duration, NaiveDate};
use polars::prelude::*;
use scorecard::check::{days_since_epoch, CheckedExtract, Verdict};
use scorecard::demo::data::{AbsenceRow, Body, DemoExtract, RevenueRow, StaffRow, WorkItemRow};
use scorecard::periods::month_start;
use std::path::{Path, PathBuf};

pub const PARTNERS: [(&str, &str); 3] =
    [("E07000143", "Breckland"), ("E07000244", "East Suffolk"), ("E07000010", "Fenland")];
pub const CTAX: [usize; 3] = [90_000, 100_000, 60_000];
pub const NNDR: [usize; 3] = [5_000, 6_000, 4_000];
pub const ITEMS_PER_YEAR: usize = 60_000;
pub const STAFF: usize = 1_500;
pub const FIRST_FY: i32 = 2023;

pub fn last_day(fy: i32, m: u32) -> NaiveDate {
    let next = if m == 12 { month_start(fy + 1, 1) } else { month_start(fy, m + 1) };
    next - Duration::days(1)
}

pub fn days(d: NaiveDate) -> i32 {
    days_since_epoch(d)
}

/// The revenues accounts of one month end.
pub fn revenues(rng: &mut fastrand::Rng, fy: i32, m: u32) -> Vec<RevenueRow> {
    let mut out = Vec::with_capacity(265_000);
    for (p, (code, name)) in PARTNERS.iter().enumerate() {
        for (tax, n) in [("CTAX", CTAX[p]), ("NNDR", NNDR[p])] {
            for i in 0..n {
                let debit = if tax == "CTAX" { 1100.0 + (i % 2400) as f64 } else { 2500.0 + (i % 90_000) as f64 };
                let share = (m as f64 / 10.0).min(1.0) * (0.9 + rng.f64() * 0.1);
                let collected = (debit * share * 100.0).round() / 100.0;
                out.push(RevenueRow {
                    partner: code,
                    council_text: name,
                    tax_type: tax,
                    account_ref: format!("{}{}{:06}", if tax == "CTAX" { "CT" } else { "BR" }, p + 1, i),
                    liability_year: fy,
                    net_debit: debit,
                    collected,
                    recovery_stage: ["None", "Reminder", "Final Notice"][i % 3],
                    payment_method: ["Direct Debit", "Online", "Cash"][i % 3],
                });
            }
        }
    }
    out
}

/// Every benefit work item over the three years (received, decided).
pub fn work_items(rng: &mut fastrand::Rng) -> Vec<WorkItemRow> {
    let start = month_start(FIRST_FY, 1);
    let mut out = Vec::new();
    for i in 0..ITEMS_PER_YEAR * 3 {
        let received = start + Duration::days(rng.i64(0..3 * 365));
        let decided = received + Duration::days(rng.i64(0..30));
        let p = i % 3;
        out.push(WorkItemRow {
            partner: PARTNERS[p].0,
            council_text: PARTNERS[p].1,
            claim_ref: format!("{}{:07}", ["BK", "ES", "FL"][p], i),
            work_type: if rng.f64() < 0.2 { "new_claim" } else { "change_of_circumstances" },
            received,
            decided: Some(decided),
            outcome: ["Awarded", "Refused", "Nil award"][i % 3],
            quality_checked: i % 10 == 0,
            found_correct: (i % 10 == 0).then_some(i % 20 != 0),
        });
    }
    out
}

pub fn staff(rng: &mut fastrand::Rng) -> Vec<StaffRow> {
    (0..STAFF)
        .map(|i| StaffRow {
            employee_id: format!("E{:05}", i),
            team: ["Council Tax", "Benefits", "Recovery"][i % 3],
            fte: [1.0, 0.8, 0.5][i % 3],
            start: NaiveDate::from_ymd_opt(2010 + (i % 12) as i32, 1 + (i % 12) as u32, 1).unwrap(),
            leaving: (rng.f64() < 0.3).then(|| month_start(FIRST_FY, 1) + Duration::days(rng.i64(0..3 * 365))),
            leaving_reason: "Resignation",
        })
        .collect()
}

pub fn absences(rng: &mut fastrand::Rng) -> Vec<AbsenceRow> {
    let start = month_start(FIRST_FY - 1, 1);
    let mut seen = std::collections::HashSet::new();
    (0..STAFF * 8)
        .map(|i| {
            let first = start + Duration::days(rng.i64(0..4 * 365));
            AbsenceRow {
                employee_id: format!("E{:05}", i % STAFF),
                first_day: first,
                last_day: Some(first + Duration::days(rng.i64(0..6))),
                fte_days_lost: 1.0 + (i % 5) as f64,
                reason: "Cold or flu",
            }
        })
        // One absence per person and first day (the source's key).
        .filter(|a| seen.insert((a.employee_id.clone(), a.first_day)))
        .collect()
}

/// The typed table ingestion would have produced, as a checked extract ready to store.
pub fn extract(source: &str, as_at: NaiveDate, table: DataFrame) -> CheckedExtract {
    let n = table.height();
    let mut table = table;
    table.with_column(Column::new("_row".into(), (5..5 + n as i64).collect::<Vec<i64>>())).unwrap();
    CheckedExtract {
        file_name: format!("{source}_{}.xlsx", as_at.format("%Y%m%d")),
        sha256: scorecard::common::sha256_hex(format!("{source}{as_at}").as_bytes()),
        source_id: source.into(),
        partner_field: matches!(source, "revenues" | "benefits" | "budget").then(|| "council".to_string()),
        as_at,
        table,
        rows_read: n,
        rows_accepted: n,
        rows_rejected: 0,
        totals_rows: 0,
        checks: Vec::new(),
        scores: Vec::new(),
        sums: Default::default(),
        verdict: Verdict::Accept,
    }
}

pub fn date_col(name: &str, v: Vec<Option<NaiveDate>>) -> Column {
    Column::new(name.into(), v.into_iter().map(|d| d.map(days)).collect::<Vec<_>>()).cast(&DataType::Date).unwrap()
}

pub fn revenues_table(rows: &[RevenueRow]) -> DataFrame {
    let s = |f: fn(&RevenueRow) -> String| rows.iter().map(f).collect::<Vec<_>>();
    DataFrame::new(
        rows.len(),
        vec![
            Column::new("council".into(), s(|r| r.partner.to_string())),
            Column::new("tax_type".into(), s(|r| r.tax_type.to_string())),
            Column::new("account_ref".into(), s(|r| r.account_ref.clone())),
            Column::new("liability_year".into(), rows.iter().map(|r| r.liability_year).collect::<Vec<_>>()),
            Column::new("net_debit".into(), rows.iter().map(|r| r.net_debit).collect::<Vec<_>>()),
            Column::new("collected".into(), rows.iter().map(|r| r.collected).collect::<Vec<_>>()),
            Column::new("balance".into(), rows.iter().map(|r| r.net_debit - r.collected).collect::<Vec<_>>()),
            Column::new("recovery_stage".into(), s(|r| r.recovery_stage.to_string())),
            Column::new("payment_method".into(), s(|r| r.payment_method.to_string())),
        ],
    )
    .unwrap()
}

pub fn benefits_table(rows: &[&WorkItemRow]) -> DataFrame {
    DataFrame::new(
        rows.len(),
        vec![
            Column::new("council".into(), rows.iter().map(|r| r.partner.to_string()).collect::<Vec<_>>()),
            Column::new("claim_ref".into(), rows.iter().map(|r| r.claim_ref.clone()).collect::<Vec<_>>()),
            Column::new("work_type".into(), rows.iter().map(|r| r.work_type.to_string()).collect::<Vec<_>>()),
            date_col("date_received", rows.iter().map(|r| Some(r.received)).collect()),
            date_col("date_decided", rows.iter().map(|r| r.decided).collect()),
            Column::new("outcome".into(), rows.iter().map(|r| r.outcome.to_string()).collect::<Vec<_>>()),
            Column::new("quality_checked".into(), rows.iter().map(|r| r.quality_checked).collect::<Vec<_>>()),
            Column::new("found_correct".into(), rows.iter().map(|r| r.found_correct).collect::<Vec<_>>()),
        ],
    )
    .unwrap()
}

pub fn staff_table(rows: &[StaffRow]) -> DataFrame {
    DataFrame::new(
        rows.len(),
        vec![
            Column::new("employee_id".into(), rows.iter().map(|r| r.employee_id.clone()).collect::<Vec<_>>()),
            Column::new("team".into(), rows.iter().map(|r| r.team.to_string()).collect::<Vec<_>>()),
            Column::new("fte".into(), rows.iter().map(|r| r.fte).collect::<Vec<_>>()),
            date_col("start_date", rows.iter().map(|r| Some(r.start)).collect()),
            date_col("leaving_date", rows.iter().map(|r| r.leaving).collect()),
            Column::new("leaving_reason".into(), rows.iter().map(|r| r.leaving_reason.to_string()).collect::<Vec<_>>()),
        ],
    )
    .unwrap()
}

pub fn absence_table(rows: &[&AbsenceRow]) -> DataFrame {
    DataFrame::new(
        rows.len(),
        vec![
            Column::new("employee_id".into(), rows.iter().map(|r| r.employee_id.clone()).collect::<Vec<_>>()),
            date_col("first_day", rows.iter().map(|r| Some(r.first_day)).collect()),
            date_col("last_day", rows.iter().map(|r| r.last_day).collect()),
            Column::new("fte_days_lost".into(), rows.iter().map(|r| r.fte_days_lost).collect::<Vec<_>>()),
            Column::new("reason".into(), rows.iter().map(|r| r.reason.to_string()).collect::<Vec<_>>()),
        ],
    )
    .unwrap()
}

/// One month's extracts, as the month's history holds them.
pub struct Month {
    pub as_at: NaiveDate,
    pub revenues: Vec<RevenueRow>,
    pub work: Vec<WorkItemRow>,
    pub staff: Vec<StaffRow>,
    pub absences: Vec<AbsenceRow>,
}

/// The generated people and work items the months are cut from.
pub struct Partnership {
    rng: fastrand::Rng,
    items: Vec<WorkItemRow>,
    people: Vec<StaffRow>,
    sick: Vec<AbsenceRow>,
}

impl Partnership {
    pub fn new(seed: u64) -> Partnership {
        let mut rng = fastrand::Rng::with_seed(seed);
        let items = work_items(&mut rng);
        let people = staff(&mut rng);
        let sick = absences(&mut rng);
        Partnership { rng, items, people, sick }
    }

    /// The extracts of month `m` (1 = April) of financial year `fy`.
    pub fn month(&mut self, fy: i32, m: u32) -> Month {
        let as_at = last_day(fy, m);
        let window = as_at - Duration::days(91);
        let revenues = revenues(&mut self.rng, fy, m);
        // Decisions after the as-at date are not known yet.
        let work = self
            .items
            .iter()
            .filter(|i| i.received <= as_at && i.received >= window)
            .map(|i| WorkItemRow { decided: i.decided.filter(|d| *d <= as_at), ..i.clone() })
            .collect();
        let staff = self
            .people
            .iter()
            .filter(|s| s.start <= as_at)
            .map(|s| StaffRow { leaving: s.leaving.filter(|l| *l <= as_at), ..s.clone() })
            .collect();
        let absences = self
            .sick
            .iter()
            .filter(|a| a.first_day <= as_at && a.first_day >= as_at - Duration::days(730))
            .cloned()
            .collect();
        Month { as_at, revenues, work, staff, absences }
    }
}

impl Month {
    /// The month's four extracts stored as ingestion would leave them; returns the rows stored.
    pub fn store(&self, store: &mut scorecard::store::Store) -> usize {
        let work: Vec<&WorkItemRow> = self.work.iter().collect();
        let absent: Vec<&AbsenceRow> = self.absences.iter().collect();
        let mut rows = 0;
        for x in [
            extract("revenues", self.as_at, revenues_table(&self.revenues)),
            extract("benefits", self.as_at, benefits_table(&work)),
            extract("hr_staff", self.as_at, staff_table(&self.staff)),
            extract("hr_absence", self.as_at, absence_table(&absent)),
        ] {
            rows += x.rows_read;
            store.put(&x, self.as_at).unwrap();
        }
        rows
    }

    /// The month's four extracts written into `dir` as the systems export them (`.xlsx`
    /// with title and totals rows for revenues and HR, CSV for benefits); returns the paths.
    pub fn write(self, dir: &Path) -> Vec<PathBuf> {
        std::fs::create_dir_all(dir).unwrap();
        let as_at = self.as_at;
        let mut paths = Vec::new();
        for (source, body) in [
            ("revenues", Body::Revenues(self.revenues)),
            ("benefits", Body::Benefits(self.work)),
            ("hr_staff", Body::Staff(self.staff)),
            ("hr_absence", Body::Absence(self.absences)),
        ] {
            let ext = if source == "benefits" { "csv" } else { "xlsx" };
            let file_name = format!(
                "{}_{}.{ext}",
                if source == "benefits" { "benefits_workitems" } else { source },
                as_at.format("%Y%m%d")
            );
            paths.push(dir.join(&file_name));
            scorecard::demo::write::write_extract(dir, &DemoExtract { file_name, source, as_at, body, council: None })
                .unwrap();
        }
        paths
    }
}
