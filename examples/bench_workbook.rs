//! Workbook benchmark (issue 7): writing a workbook whose `Values` sheet has about 250,000
//! rows (300 councils and the partnership, every shipped indicator, 56 periods: 36 months,
//! 12 quarters, 3 years and 5 years-to-date), in constant-memory mode, against reading the
//! same rows back with calamine, in the same run.
//!
//! The report model is built by the pipeline's own `ReportModel::build` from synthetic
//! values; the whole workbook is rendered (every sheet, charts and sparklines included) and
//! then the `Values` sheet is read back. Each measurement is repeated (`BENCH_ROUNDS`,
//! default 3) and the median printed, with the peak resident memory of the process.
//!
//! `BENCH_VALUES_ONLY=constant` or `=memory` writes only the Values sheet, in constant-memory
//! mode or held in memory, and prints the process's peak memory, to compare the two.
//!
//! Run: `cargo run --release --example bench_workbook` (see BENCHMARKS.md for figures).

use calamine::Reader;
use scorecard::config::{Partner, Project};
use scorecard::indicators::{IndicatorValue, Rag, ALL};
use scorecard::periods::Period;
use scorecard::render::{workbook, ReportModel};
use std::time::Instant;

const COUNCILS: usize = 300;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    // BENCH_VALUES_ONLY=memory or =constant: only the Values sheet, held in memory or in
    // constant-memory mode, so that the peak memory of the two can be compared.
    let only = std::env::var("BENCH_VALUES_ONLY").ok();
    let dir = tempfile::tempdir()?;
    scorecard::demo::write_config(dir.path())?;
    let mut project = Project::load(dir.path()).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    project.settings.partner = (0..COUNCILS)
        .map(|i| Partner { code: format!("E07{:06}", i + 1), name: format!("Council {:03}", i + 1), aliases: vec![] })
        .collect();
    let mut periods = Vec::new();
    for fy in 2023..2026 {
        periods.extend((1..=12).map(|m| Period::month(fy, m)));
        periods.extend((1..=4).map(|q| Period::quarter(fy, q)));
        periods.push(Period::year(fy));
    }
    periods.extend((1..=5).map(|m| Period::year_to_date(2025, m)));
    let mut rng = fastrand::Rng::with_seed(7);
    let mut values = Vec::new();
    for def in &project.indicators {
        for code in project.settings.partner.iter().map(|p| p.code.as_str()).chain([ALL]) {
            for p in &periods {
                let v = 50.0 + rng.f64() * 50.0;
                values.push(IndicatorValue {
                    indicator_id: def.id().to_string(),
                    partner_code: code.to_string(),
                    period: *p,
                    value: Some(v),
                    numerator: Some(v * 10.0),
                    denominator: Some(1000.0),
                    target: Some(75.0),
                    rag: Some([Rag::Green, Rag::Amber, Rag::Red][rng.usize(0..3)]),
                    last_year: Some(v - 1.0),
                    direction: None,
                    note: None,
                });
            }
        }
    }
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 4, 7).unwrap();
    let t = Instant::now();
    let model = ReportModel::build(&project, &values, vec![], vec![], vec![], &[], as_of);
    let build = t.elapsed().as_secs_f64();
    drop(values);
    println!("values sheet rows: {} (model built in {build:.2} s)", model.values.len());
    assert!(model.values.len() > workbook::values::CONSTANT_MEMORY_ROWS, "constant-memory mode is used");

    let path = dir.path().join("big.xlsx");
    let (mut write, mut alone, mut read) = (Vec::new(), Vec::new(), Vec::new());
    let mut size = 0;
    if let Some(mode) = only {
        let t = Instant::now();
        let bytes = workbook::values::render_alone(&model, mode == "constant")?;
        println!(
            "Values sheet alone ({mode}): {:.2} s, {:.1} MB, peak RSS {:.0} MB",
            t.elapsed().as_secs_f64(),
            bytes.len() as f64 / 1e6,
            peak_rss_mb()
        );
        return Ok(());
    }
    for round in 0..rounds {
        let t = Instant::now();
        let bytes = workbook::render(&model)?;
        write.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let only = workbook::values::render_alone(&model, true)?;
        alone.push(t.elapsed().as_secs_f64());
        drop(only);
        size = bytes.len();
        std::fs::write(&path, &bytes)?;
        drop(bytes);
        let t = Instant::now();
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&path)?;
        let range = wb.worksheet_range("Values")?;
        let rows = range.rows().count();
        read.push(t.elapsed().as_secs_f64());
        assert_eq!(rows, model.values.len() + 1, "every row read back");
        println!(
            "round {}: write whole workbook {:.2} s, write Values sheet alone {:.2} s, read Values sheet {:.2} s",
            round + 1,
            write[round],
            alone[round],
            read[round]
        );
    }
    println!(
        "median: write whole workbook {:.2} s, write Values alone {:.2} s, read Values {:.2} s; Values write/read {:.2}; file {:.1} MB; peak RSS {:.0} MB",
        median(write),
        median(alone.clone()),
        median(read.clone()),
        median(alone) / median(read),
        size as f64 / 1e6,
        peak_rss_mb()
    );
    Ok(())
}
