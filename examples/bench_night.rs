//! Partnership night benchmark (issue 10): one nightly run of the whole job at partnership
//! volume, timed by stage, against the raw read of the same files, on 2 cores and on one
//! thread, and against a straightforward pandas + openpyxl script doing the same night.
//!
//! Setup (not timed): the demo project's definitions, 35 months of history at partnership
//! volume straight into its store (3 partners, 250,000 council-tax and 15,000 business-rate
//! accounts a month, 60,000 benefit items a year, 1,500 staff), one run as of that month so
//! that its outputs and per-extract summaries exist (last night), and the 36th month's four
//! extracts written as the systems export them. Each round copies that project, drops the
//! four files and runs `scorecard`'s nightly job (`job::nightly`: lock, fingerprint, read,
//! check, store, archive, indicators, benchmarks, workbook, CSV, six PDF reports, index) in
//! a fresh process; the raw read and the pandas script run in the same round.
//!
//! Run: `bench/run.sh` (all benchmarks) or `cargo run --release --example bench_night`;
//! `BENCH_ROUNDS` (default 3), `BENCH_DIR` (default `$TMPDIR/scorecard-bench-night`),
//! `BENCH_PANDAS=0` to leave the pandas script out, `BENCH_MONTHS` (default 36: the night
//! adds March, the end of a quarter and a year; 35 makes it add February, a month inside a
//! quarter, with 34 months of history; a `BENCH_DIR` prepared with another number of months
//! is prepared again).

use chrono::{Duration, NaiveDate};
use measure::{child, copy_tree, median, range, Night, Raw};
use partnership::FIRST_FY;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[path = "common/measure.rs"]
mod measure;
#[path = "common/partnership.rs"]
mod partnership;

#[derive(serde::Deserialize)]
struct Pandas {
    seconds: std::collections::BTreeMap<String, f64>,
    peak_mb: f64,
}

fn main() {
    if !measure::as_child() {
        parent();
    }
}

fn parent() {
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let pandas = std::env::var("BENCH_PANDAS").map_or(true, |v| v != "0");
    let root = std::env::var_os("BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("scorecard-bench-night"));
    let (base, night_files, as_of) = setup(&root);
    let files: Vec<String> = night_files.iter().map(|p| p.display().to_string()).collect();
    let size: f64 = night_files.iter().map(|p| std::fs::metadata(p).unwrap().len() as f64).sum::<f64>() / 1e6;
    println!("partnership night: {} files, {size:.1} MB; {rounds} rounds", files.len());

    let run_dir = root.join("run");
    let mut nights: Vec<(usize, Night)> = Vec::new();
    let mut raws: Vec<(usize, Raw)> = Vec::new();
    let mut pys: Vec<(f64, Pandas)> = Vec::new();
    for round in 1..=rounds {
        for threads in [0, 1] {
            let mut raw_args = vec!["raw"];
            raw_args.extend(files.iter().map(String::as_str));
            let raw: Raw = child(&raw_args, threads);
            copy_tree(&base, &run_dir);
            for f in &night_files {
                std::fs::copy(f, run_dir.join("drop").join(f.file_name().unwrap())).unwrap();
            }
            let n: Night = child(&["night", &run_dir.display().to_string(), &as_of.to_string()], threads);
            assert_eq!(n.accepted, night_files.len(), "every file accepted (exit {})", n.exit_code);
            println!(
                "round {round}, {}: raw read {:.3} s; night {:.3} s ({}), peak {:.0} MB, exit {}",
                if threads == 0 { "all cores" } else { "1 thread" },
                raw.wall,
                n.wall,
                n.seconds.line(),
                n.peak_mb,
                n.exit_code
            );
            raws.push((threads, raw));
            nights.push((threads, n));
        }
        if pandas {
            let py = root.join("py");
            let _ = std::fs::remove_dir_all(&py);
            std::fs::create_dir_all(py.join("drop")).unwrap();
            for f in &night_files {
                std::fs::copy(f, py.join("drop").join(f.file_name().unwrap())).unwrap();
            }
            let history = std::fs::read_dir(base.join("output"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.extension().is_some_and(|e| e == "csv") && !p.ends_with("index.csv"))
                .expect("last night's open-data CSV");
            let script = measure::checkout().join("bench/pandas_night.py");
            let t = Instant::now();
            let out = Command::new("python3")
                .arg(&script)
                .arg(py.join("drop"))
                .arg(&history)
                .arg(py.join("out"))
                .output()
                .expect("python3");
            let wall = t.elapsed().as_secs_f64();
            let text = String::from_utf8_lossy(&out.stdout);
            match serde_json::from_str::<Pandas>(text.lines().last().unwrap_or_default()) {
                Ok(p) => {
                    println!("round {round}, pandas + openpyxl: {wall:.3} s, peak {:.0} MB", p.peak_mb);
                    if round == 1 {
                        agreement(&py.join("out"), &run_dir.join("output"));
                    }
                    pys.push((wall, p));
                }
                Err(e) => {
                    println!(
                        "round {round}: the pandas script did not run ({e}): {}",
                        String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or_default()
                    );
                }
            }
        }
    }
    report(&nights, &raws, &pys, rounds);
}

/// Compares the pandas script's figures for the new month with scorecard's open-data CSV,
/// so that the comparison is of the same work.
fn agreement(py_out: &Path, ours: &Path) {
    let newest_csv = |dir: &Path| {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv") && !p.ends_with("index.csv"))
            .collect();
        v.sort();
        v.pop().expect("a CSV")
    };
    let read = |path: PathBuf| -> std::collections::BTreeMap<(String, String, String), f64> {
        let mut r = csv::Reader::from_path(path).unwrap();
        let h = r.headers().unwrap().clone();
        let at = |name: &str| h.iter().position(|c| c == name).unwrap();
        let (i, p, per, v) = (at("indicator_id"), at("partner_code"), at("period"), at("value"));
        r.records()
            .map(|rec| rec.unwrap())
            .filter_map(|rec| Some(((rec[i].into(), rec[p].into(), rec[per].into()), rec[v].parse().ok()?)))
            .collect()
    };
    let (theirs, ours) = (read(newest_csv(py_out)), read(newest_csv(ours)));
    // The month the script computed: the latest monthly period (its other rows are last
    // night's figures, copied).
    let monthly = |p: &str| p.len() == 11 && p.as_bytes()[8] == b'M'; // "2025/26 M12"
    let month = theirs.keys().map(|k| k.2.clone()).filter(|p| monthly(p)).max().unwrap_or_default();
    let (mut same, mut differ) = (0, Vec::new());
    for (k, v) in theirs.iter().filter(|(k, _)| k.2 == month) {
        match ours.get(k) {
            Some(o) if (o - v).abs() < 0.006 => same += 1,
            o => differ.push(format!("{} {} pandas {v:.2} scorecard {o:.2?}", k.0, k.1)),
        }
    }
    println!("pandas figures for {month} equal to scorecard's (to 2 decimals): {same} of {}", same + differ.len());
    for d in differ {
        println!("  differs: {d}");
    }
}

/// The prepared project: definitions, 35 months of history, last night's run; and the 36th
/// month's files. Made once and kept (delete `BENCH_DIR` to make it again).
fn setup(root: &Path) -> (PathBuf, Vec<PathBuf>, NaiveDate) {
    let base = root.join("base");
    let night = root.join("night");
    let ready = root.join("ready");
    let mut partnership = partnership::Partnership::new(11);
    let mut months = Vec::new();
    for fy in FIRST_FY..FIRST_FY + 3 {
        for m in 1..=12u32 {
            months.push((fy, m));
        }
    }
    months.truncate(std::env::var("BENCH_MONTHS").ok().and_then(|v| v.parse().ok()).unwrap_or(36).clamp(2, 36));
    let &(fy, m) = months.last().unwrap();
    let last = partnership::last_day(fy, m);
    let as_of = last + Duration::days(7);
    // `ready` holds the number of months the project was prepared with; another number
    // prepares it again.
    if std::fs::read_to_string(&ready).is_ok_and(|m| m.trim() == months.len().to_string()) {
        let files = std::fs::read_dir(&night).unwrap().map(|e| e.unwrap().path()).collect();
        return (base, files, as_of);
    }
    let _ = std::fs::remove_dir_all(root);
    let t = Instant::now();
    scorecard::demo::write_config(&base).unwrap();
    let mut store = scorecard::store::Store::open(&base.join("store")).unwrap();
    let mut rows = 0;
    let mut files = Vec::new();
    let mut previous = None;
    for (i, (fy, m)) in months.iter().enumerate() {
        let month = partnership.month(*fy, *m);
        if i + 1 < months.len() {
            previous = Some(month.as_at);
            rows += month.store(&mut store);
        } else {
            files = month.write(&night);
        }
    }
    drop(store);
    let last_night = previous.unwrap() + Duration::days(7);
    let n = measure::night(&base, last_night);
    assert!(n.exit_code <= 1, "last night's run failed: exit {}", n.exit_code);
    std::fs::write(&ready, months.len().to_string()).unwrap();
    eprintln!(
        "set up {} months ({rows} rows) and last night's run in {:.1} s",
        months.len() - 1,
        t.elapsed().as_secs_f64()
    );
    (base, files, as_of)
}

fn report(nights: &[(usize, Night)], raws: &[(usize, Raw)], pys: &[(f64, Pandas)], rounds: usize) {
    let pick =
        |threads: usize| -> Vec<&Night> { nights.iter().filter(|(t, _)| *t == threads).map(|(_, n)| n).collect() };
    let (all, one) = (pick(0), pick(1));
    let raw =
        |threads: usize| -> Vec<f64> { raws.iter().filter(|(t, _)| *t == threads).map(|(_, r)| r.wall).collect() };
    println!("\nmedians of {rounds} rounds (seconds)\n");
    println!("| stage | 2 cores | 1 thread | speed-up |");
    println!("|---|---|---|---|");
    let stage_names: Vec<&str> = scorecard::run::StageSeconds::default().stages().iter().map(|(n, _)| *n).collect();
    for (i, name) in stage_names.iter().enumerate() {
        let a = median(all.iter().map(|n| n.seconds.stages()[i].1).collect());
        let b = median(one.iter().map(|n| n.seconds.stages()[i].1).collect());
        println!("| {name} | {a:.3} | {b:.3} | {:.2} |", b / a);
    }
    let after = |v: &[&Night]| median(v.iter().map(|n| n.seconds.after_ingest()).collect());
    let wall = |v: &[&Night]| median(v.iter().map(|n| n.wall).collect());
    println!(
        "| everything after ingestion | {:.3} | {:.3} | {:.2} |",
        after(&all),
        after(&one),
        after(&one) / after(&all)
    );
    println!(
        "| whole night (job::nightly, end to end) | {:.3} | {:.3} | {:.2} |",
        wall(&all),
        wall(&one),
        wall(&one) / wall(&all)
    );
    println!(
        "| raw read of the same files (calamine, csv) | {:.3} | {:.3} | {:.2} |",
        median(raw(0)),
        median(raw(1)),
        median(raw(1)) / median(raw(0))
    );
    let peak = |v: &[&Night]| median(v.iter().map(|n| n.peak_mb).collect());
    println!("| peak memory of the night (MB) | {:.0} | {:.0} | |", peak(&all), peak(&one));
    let rows = all.first().map_or(0, |n| n.rows);
    let outputs = all.first().map_or(0, |n| n.outputs);
    println!("\nrows loaded {rows}; outputs written {outputs}");

    // Ratios within each round (same minute of this machine).
    for (threads, label) in [(0, "2 cores"), (1, "1 thread")] {
        let v = pick(threads);
        let r = raw(threads);
        let ingest: Vec<f64> = v.iter().zip(&r).map(|(n, r)| n.seconds.ingest / r).collect();
        let after: Vec<f64> = v.iter().map(|n| n.seconds.after_ingest() / n.seconds.ingest).collect();
        let (lo, hi) = range(&ingest);
        println!(
            "{label}: ingestion / raw read: median {:.2} ({lo:.2}-{hi:.2}; target <= 1.30); after ingestion / ingestion: median {:.2} ({:.2}-{:.2}; target < 0.50)",
            median(ingest.clone()),
            median(after.clone()),
            range(&after).0,
            range(&after).1
        );
    }
    if !pys.is_empty() {
        let py = median(pys.iter().map(|(w, _)| *w).collect());
        let ours = wall(&all);
        println!(
            "\npandas + openpyxl script (process wall time, median of {}): {py:.3} s; peak {:.0} MB",
            pys.len(),
            median(pys.iter().map(|(_, p)| p.peak_mb).collect())
        );
        let mut names: Vec<&String> = pys[0].1.seconds.keys().collect();
        names.sort();
        for name in names {
            let s = median(pys.iter().map(|(_, p)| p.seconds.get(name).copied().unwrap_or(0.0)).collect());
            println!("  {name}: {s:.3} s");
        }
        println!("pandas script / scorecard night: {:.1} x", py / ours);
    }
}
