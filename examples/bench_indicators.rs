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

use chrono::Duration;
use measure::median;
use partnership::FIRST_FY;
use scorecard::check::Verdict;
use std::path::Path;
use std::time::Instant;

#[path = "common/measure.rs"]
mod measure;
#[path = "common/partnership.rs"]
mod partnership;

fn main() {
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let root = std::env::temp_dir().join("scorecard-bench-indicators");
    let _ = std::fs::remove_dir_all(&root);
    scorecard::demo::write_config(&root).unwrap();
    let project = scorecard::config::Project::load(&root).unwrap_or_else(|e| panic!("{e:?}"));
    let mut partnership = partnership::Partnership::new(11);

    // Three years of history, straight into the store.
    let t = Instant::now();
    let mut store = scorecard::store::Store::open(&root.join("store")).unwrap();
    let mut rows_stored = 0usize;
    let mut last_month = None;
    for fy in FIRST_FY..FIRST_FY + 3 {
        for m in 1..=12u32 {
            let month = partnership.month(fy, m);
            rows_stored += month.store(&mut store);
            last_month = Some(month);
        }
    }
    eprintln!("stored 144 extracts, {rows_stored} rows, in {:.1} s", t.elapsed().as_secs_f64());

    // One month's extracts as the systems export them.
    let month = last_month.unwrap();
    let as_at = month.as_at;
    let files = month.write(&root.join("month"));
    let as_of = as_at + Duration::days(7);
    let history = store.history();

    let ingest_once = || -> f64 {
        let t = Instant::now();
        for f in &files {
            match scorecard::run::judge(f, &project, as_of, &history) {
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
