//! Ingestion benchmark (issue 3): a generated 250,000-row x 12-column `.xlsx` extract read
//! (1) by calamine alone, opening the sheet and visiting every cell, and (2) by scorecard's
//! ingestion: format check, streaming read, header detection, as-at date, and type
//! conversion into a polars DataFrame. The two alternate, each run in a fresh process, for
//! several rounds (`BENCH_ROUNDS`, default 5); the medians, the median of the ratios within each
//! pair and the peak memory (VmHWM) are reported; then four such files are ingested one after another and
//! in parallel (rayon) to show the use of both cores.
//!
//! Run: `cargo run --release --example bench_ingest` (see BENCHMARKS.md for figures).

use calamine::Reader;
use measure::median;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

const ROWS: u32 = 250_000;

const SOURCE: &str = r#"
id = "bench"
name = "Benchmark extract"
kind = "snapshot"
file_patterns = ["bench*"]
as_at = ["title", "file_name"]
max_rejected_pct = 0.0
[[column]]
field = "council"
type = "partner"
headers = ["Council"]
required = true
[[column]]
field = "tax_type"
type = "code"
headers = ["Tax Type"]
required = true
values = { CTAX = ["Council Tax"], NNDR = ["Business Rates"] }
[[column]]
field = "account_ref"
type = "text"
headers = ["Account Reference"]
required = true
[[column]]
field = "liability_year"
type = "financial_year"
headers = ["Liability Year"]
required = true
[[column]]
field = "net_debit"
type = "money"
headers = ["Net Debit"]
required = true
[[column]]
field = "collected"
type = "money"
headers = ["Collected"]
required = true
[[column]]
field = "balance"
type = "money"
headers = ["Balance"]
[[column]]
field = "recovery_stage"
type = "text"
headers = ["Recovery Stage"]
[[column]]
field = "payment_method"
type = "text"
headers = ["Payment Method"]
[[column]]
field = "band"
type = "text"
headers = ["Band"]
[[column]]
field = "start_date"
type = "date"
headers = ["Start Date"]
[[column]]
field = "discount"
type = "yes_no"
headers = ["Single Person Discount"]
"#;

/// The same extract with the data-quality checks a revenues source declares (as in
/// `sources/revenues.toml`), for the cost of the checks.
const CHECKS: &str = r#"
[[check]]
kind = "pattern"
field = "account_ref"
pattern = '^CT\d{8}$'
[[check]]
kind = "range"
field = "net_debit"
min = 0
[[check]]
kind = "complete"
field = "balance"
min_pct = 95
[[check]]
kind = "dates"
field = "start_date"
earliest = "1990-01-01"
latest = "as_at"
[[check]]
kind = "unique"
fields = ["council", "tax_type", "account_ref", "liability_year"]
[[check]]
kind = "compare"
left = "balance"
op = "="
right = "net_debit - collected"
tolerance = 0.01
[[check]]
kind = "compare"
left = "collected"
op = "<="
right = "net_debit"
[[check]]
kind = "totals"
fields = ["net_debit", "collected"]
severity = "warning"
[[check]]
kind = "partners_present"
severity = "warning"
[[check]]
kind = "max_age"
days = 45
[[check]]
kind = "as_at_in_period"
field = "liability_year"
"#;

fn generate(path: &Path) {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    ws.write_string(0, 0, "Revenues account extract").unwrap();
    ws.write_string(1, 0, "Report run on 31/10/2025 06:12").unwrap();
    let headers = [
        "Council",
        "Tax Type",
        "Account Reference",
        "Liability Year",
        "Net Debit",
        "Collected",
        "Balance",
        "Recovery Stage",
        "Payment Method",
        "Band",
        "Start Date",
        "Single Person Discount",
    ];
    for (j, h) in headers.iter().enumerate() {
        ws.write_string(3, j as u16, *h).unwrap();
    }
    let mut rng = fastrand::Rng::with_seed(7);
    let councils = ["Breckland", "East Suffolk", "Fenland"];
    let stages = ["None", "Reminder", "Final Notice", "Summons", "Liability Order"];
    let methods = ["Direct Debit", "Online", "Cash", "Standing Order"];
    for i in 0..ROWS {
        let r = 4 + i;
        let debit = (1000.0 + rng.f64() * 2500.0 * 100.0).round() / 100.0;
        let collected = (debit * rng.f64() * 100.0).round() / 100.0;
        ws.write_string(r, 0, councils[rng.usize(0..3)]).unwrap();
        ws.write_string(r, 1, if rng.f64() < 0.9 { "Council Tax" } else { "Business Rates" }).unwrap();
        ws.write_string(r, 2, format!("CT{:08}", i)).unwrap();
        ws.write_string(r, 3, "2025/26").unwrap();
        ws.write_number(r, 4, debit).unwrap();
        ws.write_number(r, 5, collected).unwrap();
        ws.write_number(r, 6, ((debit - collected) * 100.0).round() / 100.0).unwrap();
        ws.write_string(r, 7, stages[rng.usize(0..5)]).unwrap();
        ws.write_string(r, 8, methods[rng.usize(0..4)]).unwrap();
        ws.write_string(r, 9, ["A", "B", "C", "D", "E", "F", "G", "H"][rng.usize(0..8)]).unwrap();
        let start =
            rust_xlsxwriter::ExcelDateTime::from_ymd(2000 + rng.u16(0..25), rng.u8(1..13), rng.u8(1..29)).unwrap();
        ws.write_datetime_with_format(r, 10, &start, &date).unwrap();
        ws.write_string(r, 11, if rng.bool() { "Y" } else { "N" }).unwrap();
    }
    wb.save(path).unwrap();
}

/// calamine alone: open the workbook and visit every cell of the sheet.
fn calamine_alone(bytes: &[u8]) -> usize {
    let mut wb = calamine::Xlsx::new(Cursor::new(bytes)).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    range.used_cells().count()
}

/// The floor under any reader: inflating the sheet's XML and the shared strings from the
/// zip, parsing nothing. Gives the bytes inflated.
fn inflate(bytes: &[u8]) -> usize {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut n = 0;
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().map(|n| n.to_string()).unwrap_or_default();
        if name.contains("worksheets/") || name.contains("sharedStrings") {
            let mut out = Vec::with_capacity(f.size() as usize);
            f.read_to_end(&mut out).unwrap();
            n += out.len();
        }
    }
    n
}

/// Seconds `unzip -p` takes to write the sheet XML and shared strings to a pipe (`None`
/// without `unzip`).
fn unzip_p(file: &Path) -> Option<f64> {
    let t = Instant::now();
    let out = std::process::Command::new("unzip")
        .arg("-p")
        .arg(file)
        .args(["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
        .stdout(std::process::Stdio::null())
        .status()
        .ok()?;
    out.success().then(|| t.elapsed().as_secs_f64())
}

#[path = "common/measure.rs"]
mod measure;

fn project() -> scorecard::config::Project {
    let dir = std::env::temp_dir().join("scorecard-bench-project");
    if !dir.join("scorecard.toml").exists() {
        scorecard::demo::write_config(&dir).unwrap();
    }
    std::fs::write(dir.join("sources/bench.toml"), SOURCE).unwrap();
    let checked = SOURCE.replace("id = \"bench\"", "id = \"bench_checked\"") + CHECKS;
    std::fs::write(dir.join("sources/bench_checked.toml"), checked).unwrap();
    scorecard::config::Project::load(&dir).unwrap_or_else(|e| panic!("{e:?}"))
}

/// scorecard's ingestion: read, find the header and as-at date, convert into a DataFrame,
/// and run the source's checks (`bench`: the built-in ones; `bench_checked`: eleven more).
/// Gives the rows loaded and the seconds spent after reading (conversion and checks).
fn ingest(project: &scorecard::config::Project, path: &Path, bytes: &[u8], source: &str) -> (usize, f64) {
    let source = project.source(source).unwrap();
    let t = Instant::now();
    let raw = scorecard::ingest::read_extract(path, bytes, source, &project.settings.limits).unwrap();
    let read = t.elapsed().as_secs_f64();
    let env = scorecard::check::CheckEnv {
        partners: &project.settings.partner,
        as_of: raw.as_at,
        history: &[],
        waivers: &[],
    };
    let x = scorecard::check::check(raw, source, &env);
    let checks = t.elapsed().as_secs_f64() - read;
    if std::env::var_os("BENCH_PHASES").is_some() {
        eprintln!("read and layout {read:.3} s, checks and DataFrame {checks:.3} s");
    }
    assert_eq!(x.rows_rejected, 0, "{:?}", x.findings().next());
    assert!(x.verdict == scorecard::check::Verdict::Accept, "{:?}", x.verdict);
    (x.table.height(), checks)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = std::env::temp_dir().join("bench_20251031.xlsx");
    if args.len() > 1 {
        // A measuring child: one mode, RUNS times, then its median time and peak memory.
        let runs: usize = args[2].parse().unwrap();
        let bytes = std::fs::read(&file).unwrap();
        let project = project();
        let (mut times, mut checks) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let t = Instant::now();
            let (n, c) = match args[1].as_str() {
                "calamine" => (calamine_alone(&bytes), 0.0),
                "inflate" => (inflate(&bytes), 0.0),
                "checked" => ingest(&project, &file, &bytes, "bench_checked"),
                _ => ingest(&project, &file, &bytes, "bench"),
            };
            times.push(t.elapsed().as_secs_f64());
            checks.push(c);
            std::hint::black_box(n);
        }
        println!("{} {} {}", median(times), (measure::peak_mb() * 1024.0) as u64, median(checks));
        return;
    }
    if !file.exists() {
        let t = Instant::now();
        generate(&file);
        eprintln!("generated {} in {:.1} s", file.display(), t.elapsed().as_secs_f64());
    }
    let bytes = std::fs::read(&file).unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
    let mut sheet_data: u64 = 0;
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).unwrap();
        if f.name().map(|n| n.contains("worksheets/") || n.contains("sharedStrings")).unwrap_or(false) {
            sheet_data += f.size();
        }
    }
    // The two measurements alternate, each in a fresh process, so that a slow minute on a
    // shared machine falls on both alike; the ratio is taken within each pair.
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let me = std::env::current_exe().unwrap();
    let child = |mode: &str| -> (f64, u64, f64) {
        let o = std::process::Command::new(&me).args([mode, "1"]).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        eprint!("{}", String::from_utf8_lossy(&o.stderr));
        let text = String::from_utf8_lossy(&o.stdout);
        let mut it = text.split_whitespace();
        let mut next = || it.next().unwrap().to_string();
        (next().parse().unwrap(), next().parse().unwrap(), next().parse().unwrap())
    };
    let (mut cal, mut ing, mut chk, mut ratios, mut extra) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut vs_floor, mut vs_polars, mut vs_pandas) = (Vec::new(), Vec::new(), Vec::new());
    let mut vs_unzip = Vec::new();
    let f = file.display().to_string();
    let (mut m_cal, mut m_ing) = (0, 0);
    for round in 1..=rounds {
        let (t_cal, m, _) = child("calamine");
        m_cal = m_cal.max(m);
        let (t_ing, m, c_ing) = child("ingest");
        m_ing = m_ing.max(m);
        // The cost of the declared checks: the time after reading with them, less the time
        // after reading without them, against the whole ingestion without them (both
        // phases are timed inside their processes, so the noisy read does not enter).
        let (t_chk, _, c_chk) = child("checked");
        println!(
            "round {round}: calamine alone {t_cal:.3} s, scorecard ingestion {t_ing:.3} s (ratio {:.2}), with eleven declared checks {t_chk:.3} s (+{:.0}%)",
            t_ing / t_cal,
            (c_chk - c_ing) / t_ing * 100.0
        );
        // The floor and the peers, on the same file in the same round: polars read_excel
        // (fastexcel over calamine) and pandas with calamine, each to a typed table; the
        // header is the sheet's fourth row.
        let (t_floor, _, _) = child("inflate");
        // The floor as the issue measured it: `unzip -p` of the sheet and shared strings.
        let t_unzip = unzip_p(&file);
        let polars = measure::peer("workbook-polars", &[&f, "3"]);
        let pandas = measure::peer("workbook-pandas", &[&f, "3"]);
        let mut line =
            format!("round {round}: inflating the sheet XML {t_floor:.3} s (ingestion / it {:.2})", t_ing / t_floor);
        vs_floor.push(t_ing / t_floor);
        if let Some(t) = t_unzip {
            line += &format!("; unzip -p {t:.3} s (ingestion / it {:.2})", t_ing / t);
            vs_unzip.push(t_ing / t);
        }
        for (name, p, all) in
            [("polars + fastexcel", &polars, &mut vs_polars), ("pandas + calamine", &pandas, &mut vs_pandas)]
        {
            if let Some(p) = p {
                assert_eq!(p.rows, ROWS as usize, "{name} read every row");
                line += &format!(
                    "; {name} {:.3} s in the script, {:.3} s as a process (ingestion / it {:.2})",
                    p.seconds,
                    p.process,
                    t_ing / p.seconds
                );
                all.push(t_ing / p.seconds);
            }
        }
        println!("{line}");
        cal.push(t_cal);
        ing.push(t_ing);
        chk.push(t_chk);
        ratios.push(t_ing / t_cal);
        extra.push((c_chk - c_ing) / t_ing * 100.0);
    }
    println!(
        "file: {} ({:.1} MB on disk, {:.1} MB uncompressed sheet data), {} rows x 12 columns",
        file.display(),
        bytes.len() as f64 / 1e6,
        sheet_data as f64 / 1e6,
        ROWS
    );
    println!(
        "calamine alone (open + visit every cell): {:.3} s median of {rounds}, peak RSS {:.0} MB",
        median(cal),
        m_cal as f64 / 1024.0
    );
    println!(
        "scorecard ingestion (to a typed DataFrame): {:.3} s median of {rounds}, peak RSS {:.0} MB",
        median(ing),
        m_ing as f64 / 1024.0
    );
    println!("ratio ingestion / calamine: {:.2} median of the {rounds} pairs (target <= 1.30)", median(ratios));
    println!(
        "with eleven declared data-quality checks: {:.3} s median, adding {:.0}% to ingestion (median of the {rounds} rounds; target <= 30%)",
        median(chk),
        median(extra)
    );
    println!("peak memory / uncompressed sheet data: {:.2} (target < 5)", m_ing as f64 * 1024.0 / sheet_data as f64);
    println!("ratios within each round, median (lowest-highest) of {rounds}:");
    println!("  ingestion / inflating the sheet XML in-process: {} (target <= 2.50)", measure::ratio_line(&vs_floor));
    if !vs_unzip.is_empty() {
        println!("  ingestion / unzip -p of the same parts: {} (target <= 2.50)", measure::ratio_line(&vs_unzip));
    }
    if !vs_polars.is_empty() {
        println!(
            "  ingestion / polars + fastexcel: {} (target <= 0.77, i.e. 1.3 times faster)",
            measure::ratio_line(&vs_polars)
        );
    }
    if !vs_pandas.is_empty() {
        println!("  ingestion / pandas + calamine: {}", measure::ratio_line(&vs_pandas));
    }

    // Several files: one after another, then in parallel.
    let project = project();
    let files: Vec<PathBuf> = (0..4).map(|_| file.clone()).collect();
    let t = Instant::now();
    for f in &files {
        ingest(&project, f, &bytes, "bench");
    }
    let seq = t.elapsed().as_secs_f64();
    use rayon::prelude::*;
    let t = Instant::now();
    // As the nightly job does: it says how many large workbooks it is about to read.
    let expected = scorecard::ingest::expect_large_workbooks(files.iter().map(PathBuf::as_path));
    files.par_iter().for_each(|f| {
        ingest(&project, f, &bytes, "bench");
    });
    drop(expected);
    let par = t.elapsed().as_secs_f64();
    println!(
        "4 files: {seq:.2} s one after another, {par:.2} s in parallel on {} threads: speed-up {:.2}",
        rayon::current_num_threads(),
        seq / par
    );
}
