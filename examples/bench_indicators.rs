//! Indicator benchmark (issue 5): computing every shipped indicator (and its breakdowns) for
//! every period of three years of monthly history, for three partners at partnership volume
//! (250,000 council-tax and 15,000 business-rate accounts, 60,000 benefit items a year,
//! 1,500 staff), against ingesting one month's extracts of the same volume, in the same run.
//!
//! The history is built straight into a store (typed tables, as ingestion leaves them); the
//! month's extracts are written as the systems export them (`.xlsx` with title and totals
//! rows, CSV) and read through the nightly job's own `judge` (identification, reading,
//! every declared check). Each measurement is repeated (`BENCH_ROUNDS`, default 3) and the
//! median printed.
//!
//! Run: `cargo run --release --example bench_indicators` (see BENCHMARKS.md for figures).

use chrono::{Duration, NaiveDate};
use polars::prelude::*;
use scorecard::check::{days_since_epoch, CheckedExtract, Verdict};
use scorecard::demo::data::{AbsenceRow, Body, DemoExtract, RevenueRow, StaffRow, WorkItemRow};
use scorecard::periods::month_start;
use std::path::Path;
use std::time::Instant;

const PARTNERS: [(&str, &str); 3] =
    [("E07000143", "Breckland"), ("E07000244", "East Suffolk"), ("E07000010", "Fenland")];
const CTAX: [usize; 3] = [90_000, 100_000, 60_000];
const NNDR: [usize; 3] = [5_000, 6_000, 4_000];
const ITEMS_PER_YEAR: usize = 60_000;
const STAFF: usize = 1_500;
const FIRST_FY: i32 = 2023;

fn last_day(fy: i32, m: u32) -> NaiveDate {
    let next = if m == 12 { month_start(fy + 1, 1) } else { month_start(fy, m + 1) };
    next - Duration::days(1)
}

fn days(d: NaiveDate) -> i32 {
    days_since_epoch(d)
}

/// The revenues accounts of one month end.
fn revenues(rng: &mut fastrand::Rng, fy: i32, m: u32) -> Vec<RevenueRow> {
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
fn work_items(rng: &mut fastrand::Rng) -> Vec<WorkItemRow> {
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

fn staff(rng: &mut fastrand::Rng) -> Vec<StaffRow> {
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

fn absences(rng: &mut fastrand::Rng) -> Vec<AbsenceRow> {
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
fn extract(source: &str, as_at: NaiveDate, table: DataFrame) -> CheckedExtract {
    let n = table.height();
    let mut table = table;
    table.with_column(Column::new("_row".into(), (5..5 + n as i64).collect::<Vec<i64>>())).unwrap();
    CheckedExtract {
        file_name: format!("{source}_{}.xlsx", as_at.format("%Y%m%d")),
        sha256: scorecard::ingest::sha256_hex(format!("{source}{as_at}").as_bytes()),
        source_id: source.into(),
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

fn date_col(name: &str, v: Vec<Option<NaiveDate>>) -> Column {
    Column::new(name.into(), v.into_iter().map(|d| d.map(days)).collect::<Vec<_>>()).cast(&DataType::Date).unwrap()
}

fn revenues_table(rows: &[RevenueRow]) -> DataFrame {
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

fn benefits_table(rows: &[&WorkItemRow]) -> DataFrame {
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

fn staff_table(rows: &[StaffRow]) -> DataFrame {
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

fn absence_table(rows: &[&AbsenceRow]) -> DataFrame {
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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let root = std::env::temp_dir().join("scorecard-bench-indicators");
    let _ = std::fs::remove_dir_all(&root);
    scorecard::demo::write_config(&root).unwrap();
    let project = scorecard::config::Project::load(&root).unwrap_or_else(|e| panic!("{e:?}"));
    let mut rng = fastrand::Rng::with_seed(11);
    let items = work_items(&mut rng);
    let people = staff(&mut rng);
    let sick = absences(&mut rng);

    // Three years of history, straight into the store.
    let t = Instant::now();
    let mut store = scorecard::store::Store::open(&root.join("store")).unwrap();
    let mut rows_stored = 0usize;
    let mut last_month = None;
    for fy in FIRST_FY..FIRST_FY + 3 {
        for m in 1..=12u32 {
            let as_at = last_day(fy, m);
            let window = as_at - Duration::days(91);
            let revenue = revenues(&mut rng, fy, m);
            // Decisions after the as-at date are not known yet.
            let work: Vec<WorkItemRow> = items
                .iter()
                .filter(|i| i.received <= as_at && i.received >= window)
                .map(|i| WorkItemRow { decided: i.decided.filter(|d| *d <= as_at), ..i.clone() })
                .collect();
            let work: Vec<&WorkItemRow> = work.iter().collect();
            let leavers_known: Vec<StaffRow> = people
                .iter()
                .filter(|s| s.start <= as_at)
                .map(|s| StaffRow { leaving: s.leaving.filter(|l| *l <= as_at), ..s.clone() })
                .collect();
            let absent: Vec<&AbsenceRow> =
                sick.iter().filter(|a| a.first_day <= as_at && a.first_day >= as_at - Duration::days(730)).collect();
            for x in [
                extract("revenues", as_at, revenues_table(&revenue)),
                extract("benefits", as_at, benefits_table(&work)),
                extract("hr_staff", as_at, staff_table(&leavers_known)),
                extract("hr_absence", as_at, absence_table(&absent)),
            ] {
                rows_stored += x.rows_read;
                store.put(&x, as_at).unwrap();
            }
            last_month = Some((
                fy,
                m,
                revenue,
                work.into_iter().cloned().collect::<Vec<_>>(),
                leavers_known,
                absent.into_iter().cloned().collect::<Vec<_>>(),
            ));
        }
    }
    eprintln!("stored 144 extracts, {rows_stored} rows, in {:.1} s", t.elapsed().as_secs_f64());

    // One month's extracts as the systems export them.
    let (fy, m, revenue, work, staff_rows, absence_rows) = last_month.unwrap();
    let as_at = last_day(fy, m);
    let drop = root.join("month");
    std::fs::create_dir_all(&drop).unwrap();
    for (source, body) in [
        ("revenues", Body::Revenues(revenue)),
        ("benefits", Body::Benefits(work)),
        ("hr_staff", Body::Staff(staff_rows)),
        ("hr_absence", Body::Absence(absence_rows)),
    ] {
        let ext = if source == "benefits" { "csv" } else { "xlsx" };
        let x = DemoExtract {
            file_name: format!(
                "{}_{}.{ext}",
                if source == "benefits" { "benefits_workitems" } else { source },
                as_at.format("%Y%m%d")
            ),
            source,
            as_at,
            body,
        };
        scorecard::demo::write::write_extract(&drop, &x).unwrap();
    }
    let files: Vec<_> = std::fs::read_dir(&drop).unwrap().map(|e| e.unwrap().path()).collect();
    let as_of = as_at + Duration::days(7);
    let history = store.extracts().to_vec();

    let ingest_once = || -> f64 {
        let t = Instant::now();
        for f in &files {
            match scorecard::run::judge(f, &project, None, as_of, &history) {
                scorecard::run::Judged::Checked(x) => {
                    assert!(x.verdict == Verdict::Accept, "{}: {:?}", f.display(), x.verdict)
                }
                _ => panic!("{} not read", f.display()),
            }
        }
        t.elapsed().as_secs_f64()
    };
    // As the nightly job does: a store opened afresh, so reading the Parquet history and
    // building its summaries count every round.
    let compute_once = || -> (f64, usize) {
        let t = Instant::now();
        let store = scorecard::store::Store::open(&root.join("store")).unwrap();
        let values = scorecard::indicators::compute_all(&project, &store, as_of).unwrap();
        let breakdowns = scorecard::indicators::breakdowns(&project, &store, as_of).unwrap();
        (t.elapsed().as_secs_f64(), values.len() + breakdowns.iter().map(|b| b.values.len()).sum::<usize>())
    };
    let (mut ingest, mut compute, mut figures) = (Vec::new(), Vec::new(), 0);
    for round in 1..=rounds {
        let i = ingest_once();
        let (c, n) = compute_once();
        figures = n;
        println!(
            "round {round}: ingest one month's extracts {i:.3} s, compute every indicator over 36 months {c:.3} s"
        );
        ingest.push(i);
        compute.push(c);
    }
    if std::env::var_os("BENCH_DETAIL").is_some() {
        // Each indicator on its own (sources already read into the store's cache, so these
        // are the computations alone).
        scorecard::indicators::compute_all(&project, &store, as_of).unwrap();
        for def in &project.indicators {
            let t = Instant::now();
            scorecard::indicators::compute_one(&project, def, &store, as_of).unwrap();
            println!("  {:<28} {:.3} s", def.id(), t.elapsed().as_secs_f64());
        }
        let t = Instant::now();
        let fresh = scorecard::store::Store::open(&root.join("store")).unwrap();
        fresh.load("revenues", as_of).unwrap();
        println!("  reading the revenues history {:.3} s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        scorecard::indicators::breakdowns(&project, &store, as_of).unwrap();
        println!("  breakdowns                   {:.3} s", t.elapsed().as_secs_f64());
    }
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    for f in &files {
        println!("  {} ({:.1} MB)", f.file_name().unwrap().to_string_lossy(), size(f));
    }
    let (i, c) = (median(ingest), median(compute));
    println!("history: 36 months x 4 sources, {rows_stored} rows; {figures} figures computed (values and breakdowns)");
    println!("ingest one month (median of {rounds}): {i:.3} s");
    println!("compute every indicator for every period (median of {rounds}): {c:.3} s");
    println!("ratio compute / ingest: {:.2} (target < 1)", c / i);
}
