//! National-scale benchmark (issue 10): a national body running the nightly job over
//! account snapshots for every council, one CSV a month of 10 million rows at full size,
//! measured at one tenth, one third and full size (30, 100 and 300 councils of 33,334
//! council-tax and business-rate accounts each) to show how the cost grows.
//!
//! For each size the program writes (once, seeded) a project with that many councils as
//! partners, the shipped revenues source and three revenues indicators (council tax and
//! business rates collected in year, the council tax base), reports for a national body
//! (the data-quality report and the monthly dashboard), and two months' national CSVs
//! (April and May). Each measured night runs in a fresh process on a copy of the project:
//! night 1 reads April into an empty store; night 2 reads May with April stored. The raw
//! read of the same CSV (the csv crate, every field as text) runs in its own process.
//! Peak memory is each process's VmHWM.
//!
//! Run: `bench/run.sh` (all benchmarks) or `cargo run --release --example bench_national`;
//! `BENCH_SIZES` (default `30,100,300` councils), `BENCH_ROUNDS` (default 1),
//! `BENCH_DIR` (default `$TMPDIR/scorecard-bench-national`).

use measure::{child, copy_tree, median, peer, ratio_line, Night, Peer, Raw};
use std::io::Write;
use std::path::{Path, PathBuf};

#[path = "common/measure.rs"]
mod measure;

const ACCOUNTS_PER_COUNCIL: usize = 33_334;
const NNDR_SHARE: usize = 15; // one account in 15 is business rates

fn main() {
    if !measure::as_child() {
        parent();
    }
}

fn code(i: usize) -> String {
    format!("E07{:06}", i + 1)
}

fn settings(councils: usize) -> String {
    let mut s = String::from(
        "[organisation]\nname = \"National benchmark (synthetic)\"\nshort_name = \"national\"\nsynthetic = true\n\n",
    );
    for i in 0..councils {
        s.push_str(&format!("[[partner]]\ncode = \"{}\"\nname = \"Council {:03}\"\n\n", code(i), i + 1));
    }
    s.push_str(
        "[folders]\ndrop = \"drop\"\narchive = \"archive\"\nquarantine = \"quarantine\"\nstore = \"store\"\noutput = \"output\"\n\n\
         [report]\nmeeting = \"National performance board\"\nauthor = \"Benchmark\"\nreports = [\"oib-dashboard\", \"data-quality\"]\n\n\
         [limits]\nsettle_seconds = 0\nmax_file_mb = 4096\nmax_cells = 200000000\n",
    );
    s
}

const INDICATORS: &str = r#"[[indicator]]
id = "ctax_collection_rate"
name = "Council tax collected in year"
perspective = "Financial"
unit = "percent"
polarity = "higher"
decimals = 2
owner = "Head of Revenues"
definition = "Amounts collected against the current financial year's council tax liability as a percentage of the net collectable debit for that year."
data_source = "Revenues account snapshot"
method = { kind = "collection_rate", source = "revenues", tax_type = "CTAX" }

[[indicator]]
id = "nndr_collection_rate"
name = "Business rates collected in year"
perspective = "Financial"
unit = "percent"
polarity = "higher"
decimals = 2
owner = "Head of Revenues"
definition = "Amounts collected against the current financial year's business rates liability as a percentage of the net collectable debit for that year."
data_source = "Revenues account snapshot"
method = { kind = "collection_rate", source = "revenues", tax_type = "NNDR" }

[[indicator]]
id = "ctax_base_accounts"
name = "Council tax base (chargeable accounts)"
perspective = "Strategic context"
unit = "count"
polarity = "higher"
decimals = 0
owner = "Head of Revenues"
definition = "Council tax accounts with a liability for the current financial year, at the period end."
data_source = "Revenues account snapshot"
[indicator.method]
kind = "ratio"
source = "revenues"
period = "snapshot"
where = { tax_type = "CTAX", liability_year = "(period year)" }
numerator = { of = "count" }
"#;

const TARGETS: &str = "[[target]]\nindicator = \"ctax_collection_rate\"\nvalue = 97.0\nmonthly = [9.6, 18.9, 28.2, 37.5, 46.8, 56.0, 65.2, 74.4, 83.6, 92.8, 95.2, 97.0]\n\n\
[[target]]\nindicator = \"nndr_collection_rate\"\nvalue = 97.5\nmonthly = [9.5, 18.8, 28.0, 37.3, 46.5, 55.8, 65.0, 74.3, 83.5, 92.8, 95.3, 97.5]\n";

/// One month's national CSV: every council's accounts, as a national collection would
/// hold them (council code, tax type, account, liability year, money as plain numbers).
fn write_month(path: &Path, councils: usize, month: u32, seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    writeln!(w, "Council,Tax Type,Account Reference,Liability Year,Net Collectable Debit,Amount Collected,Balance,Recovery Stage,Payment Method").unwrap();
    let stages = ["None", "Reminder", "Final Notice"];
    let methods = ["Direct Debit", "Online", "Cash"];
    for c in 0..councils {
        let code = code(c);
        for i in 0..ACCOUNTS_PER_COUNCIL {
            let ctax = i % NNDR_SHARE != 0;
            let debit = if ctax { 1100.0 + (i % 2400) as f64 } else { 2500.0 + (i % 90_000) as f64 };
            let share = (month as f64 / 10.0).min(1.0) * (0.9 + rng.f64() * 0.1);
            let collected = (debit * share * 100.0).round() / 100.0;
            writeln!(
                w,
                "{code},{},{}{:07},2025/26,{debit:.2},{collected:.2},{:.2},{},{}",
                if ctax { "Council Tax" } else { "Business Rates" },
                if ctax { "CT" } else { "BR" },
                i,
                ((debit - collected) * 100.0).round() / 100.0,
                stages[i % 3],
                methods[(i + c) % 3],
            )
            .unwrap();
        }
    }
    w.flush().unwrap();
}

/// The project for `councils` councils and its two months' files, made once.
fn setup(root: &Path, councils: usize) -> (PathBuf, [PathBuf; 2]) {
    let dir = root.join(format!("{councils}"));
    let base = dir.join("base");
    let files = [dir.join("files/revenues_national_20250430.csv"), dir.join("files/revenues_national_20250531.csv")];
    if dir.join("ready").exists() {
        return (base, files);
    }
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["drop", "sources", "indicators"] {
        std::fs::create_dir_all(base.join(sub)).unwrap();
    }
    std::fs::create_dir_all(dir.join("files")).unwrap();
    std::fs::write(base.join("scorecard.toml"), settings(councils)).unwrap();
    let manifest = measure::checkout();
    std::fs::copy(manifest.join("sources/revenues.toml"), base.join("sources/revenues.toml")).unwrap();
    std::fs::write(base.join("indicators/national.toml"), INDICATORS).unwrap();
    std::fs::write(base.join("targets.toml"), TARGETS).unwrap();
    std::fs::create_dir_all(base.join("report-templates")).unwrap();
    for entry in std::fs::read_dir(manifest.join("report-templates")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, base.join("report-templates").join(p.file_name().unwrap())).unwrap();
    }
    if let Err(e) = scorecard::config::Project::load(&base) {
        panic!("the national project does not load: {e:?}");
    }
    write_month(&files[0], councils, 1, 1);
    write_month(&files[1], councils, 2, 2);
    std::fs::write(dir.join("ready"), "").unwrap();
    (base, files)
}

fn parent() {
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "30,100,300".into())
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect();
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let root = std::env::var_os("BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("scorecard-bench-national"));
    let mut table = Vec::new();
    for &councils in &sizes {
        let t = std::time::Instant::now();
        let (base, files) = setup(&root, councils);
        let rows = councils * ACCOUNTS_PER_COUNCIL;
        let mb = std::fs::metadata(&files[1]).unwrap().len() as f64 / 1e6;
        eprintln!(
            "{councils} councils: {rows} rows a month, {mb:.0} MB a file (ready in {:.0} s)",
            t.elapsed().as_secs_f64()
        );
        let run = root.join(format!("{councils}/run"));
        let (mut first, mut second, mut raws) = (Vec::new(), Vec::new(), Vec::new());
        let mut peers: Vec<(Option<Peer>, Option<Peer>)> = Vec::new();
        for round in 1..=rounds {
            let raw: Raw = child(&["raw", &files[1].display().to_string()], 0);
            copy_tree(&base, &run);
            let mut nights = Vec::new();
            for (f, as_of) in files.iter().zip(["2025-05-07", "2025-06-07"]) {
                std::fs::copy(f, run.join("drop").join(f.file_name().unwrap())).unwrap();
                let n: Night = child(&["night", &run.display().to_string(), as_of], 0);
                assert_eq!(n.accepted, 1, "the month's file accepted (exit {})", n.exit_code);
                println!(
                    "{councils} councils, round {round}, night as of {as_of}: {:.2} s, peak {:.0} MB, exit {} ({})",
                    n.wall,
                    n.peak_mb,
                    n.exit_code,
                    n.seconds.line()
                );
                nights.push(n);
            }
            println!(
                "{councils} councils, round {round}: raw read of May's CSV {:.2} s, peak {:.0} MB",
                raw.wall, raw.peak_mb
            );
            // The peers, on the same file, in the same round: polars and DuckDB doing the
            // read, three checks, Parquet and the collection rate (bench/peers.py).
            let out = root.join(format!("{councils}/peer-out"));
            let _ = std::fs::remove_dir_all(&out);
            std::fs::create_dir_all(&out).unwrap();
            let (f, o) = (files[1].display().to_string(), out.display().to_string());
            let polars = peer("national-polars", &[&f, &o]);
            let duckdb = peer("national-duckdb", &[&f, &o]);
            let n2 = nights.last().unwrap();
            let against = |p: &Option<Peer>| {
                p.as_ref().map_or("not run".to_string(), |p| {
                    format!(
                        "{:.2} s in the script ({:.2} s as a process, peak {:.0} MB): night 2 / it {:.2}",
                        p.seconds,
                        p.process,
                        p.peak_mb,
                        n2.wall / p.seconds
                    )
                })
            };
            println!(
                "{councils} councils, round {round}: polars script {}; DuckDB {}; ingestion / raw read {:.2}",
                against(&polars),
                against(&duckdb),
                n2.seconds.ingest / raw.wall
            );
            peers.push((polars, duckdb));
            second.push(nights.pop().unwrap());
            first.push(nights.pop().unwrap());
            raws.push(raw);
        }
        let vs_polars: Vec<f64> =
            peers.iter().zip(&second).filter_map(|((p, _), n)| p.as_ref().map(|p| n.wall / p.seconds)).collect();
        let vs_duckdb: Vec<f64> =
            peers.iter().zip(&second).filter_map(|((_, d), n)| d.as_ref().map(|d| n.wall / d.seconds)).collect();
        let vs_raw: Vec<f64> = second.iter().zip(&raws).map(|(n, r)| n.seconds.ingest / r.wall).collect();
        let per_million: Vec<f64> = second.iter().map(|n| n.peak_mb.max(0.0) / (rows as f64 / 1e6)).collect();
        println!("{councils} councils, ratios within each round, median (lowest-highest) of {rounds}:");
        if !vs_polars.is_empty() {
            println!("  night 2 / polars script: {} (target <= 1.50)", ratio_line(&vs_polars));
        }
        if !vs_duckdb.is_empty() {
            println!("  night 2 / DuckDB: {} (target < 1.00)", ratio_line(&vs_duckdb));
        }
        println!("  ingestion / raw read: {} (target <= 3.00)", ratio_line(&vs_raw));
        println!("  peak memory of night 2 per million rows: {} MB (target < 350)", ratio_line(&per_million));
        table.push((councils, rows, mb, first, second, raws));
    }
    println!("\nmedians of {rounds} round(s); night 2 reads May with April stored\n");
    println!("| councils | rows a month | CSV MB | raw read s | night 1 s | night 2 s | ingest s | after ingestion s | ingest / raw | night 2 s per million rows | peak MB (night 2) | peak MB per million rows |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (councils, rows, mb, first, second, raws) in &table {
        let m = |v: Vec<f64>| median(v);
        let n2 = m(second.iter().map(|n| n.wall).collect());
        let ingest = m(second.iter().map(|n| n.seconds.ingest).collect());
        let after = m(second.iter().map(|n| n.seconds.after_ingest()).collect());
        let raw = m(raws.iter().map(|r| r.wall).collect());
        let peak =
            m(second.iter().map(|n| n.peak_mb).collect::<Vec<_>>()).max(m(first.iter().map(|n| n.peak_mb).collect()));
        let million = *rows as f64 / 1e6;
        println!(
            "| {councils} | {rows} | {mb:.0} | {raw:.2} | {:.2} | {n2:.2} | {ingest:.2} | {after:.2} | {:.2} | {:.2} | {peak:.0} | {:.0} |",
            m(first.iter().map(|n| n.wall).collect()),
            ingest / raw,
            n2 / million,
            peak / million
        );
    }
    for (councils, _, _, _, second, _) in &table {
        let n = &second[second.len() / 2];
        println!("{councils} councils, night 2 by stage: {}", n.seconds.line());
    }
}
