//! Measuring helpers shared by the benchmark programs: a process's peak memory, the raw
//! read every ingestion is compared with (calamine for workbooks, the csv crate for CSV),
//! measuring children started by the program itself, and a nightly run timed by stage.

#![allow(dead_code)]

use calamine::Reader;
use rayon::prelude::*;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// This process's peak resident memory (VmHWM), in MB.
pub fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .map(|kb: f64| kb / 1024.0)
        .unwrap_or(0.0)
}

/// The raw read of one file: its bytes from disk and every cell parsed by calamine (first
/// sheet of a workbook) or the csv crate (as UTF-8 text), nothing converted or checked.
/// Returns the cells seen.
pub fn raw_read(path: &Path) -> usize {
    let bytes = std::fs::read(path).unwrap();
    let csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if csv {
        let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes.as_slice());
        let mut record = csv::StringRecord::new();
        let mut n = 0;
        while r.read_record(&mut record).unwrap() {
            n += record.iter().filter(|c| !c.is_empty()).count();
        }
        n
    } else {
        let mut wb = calamine::Xlsx::new(Cursor::new(bytes)).unwrap();
        let name = wb.sheet_names()[0].clone();
        wb.worksheet_range(&name).unwrap().used_cells().count()
    }
}

/// Every file read raw, in parallel as the nightly job reads them: seconds and cells.
pub fn raw_read_all(files: &[PathBuf]) -> (f64, usize) {
    let t = Instant::now();
    let cells = files.par_iter().map(|f| raw_read(f)).sum();
    (t.elapsed().as_secs_f64(), cells)
}

/// One nightly run of a project, as `scorecard run` does it, timed by stage.
#[derive(serde::Serialize, serde::Deserialize, Clone)]
pub struct Night {
    pub wall: f64,
    pub peak_mb: f64,
    pub exit_code: i32,
    pub accepted: usize,
    pub rows: usize,
    pub outputs: usize,
    pub seconds: scorecard::run::StageSeconds,
}

/// Runs the nightly job (lock, fingerprint, every stage, index, log) on `root` as of `as_of`,
/// as `scorecard run` does.
pub fn night(root: &Path, as_of: chrono::NaiveDate) -> Night {
    let project = scorecard::config::Project::load(root).unwrap_or_else(|e| panic!("{e:?}"));
    let t = Instant::now();
    let opts = scorecard::job::Options { force: false, progress: false };
    let out = scorecard::job::nightly(&project, as_of, scorecard::cli::started(), &opts);
    let wall = t.elapsed().as_secs_f64();
    let s = &out.summary;
    Night {
        wall,
        peak_mb: peak_mb(),
        exit_code: out.exit_code,
        accepted: s.files.iter().filter(|f| f.status == scorecard::check::FileStatus::Accepted).count(),
        rows: s.files.iter().filter_map(|f| f.rows_accepted).sum(),
        outputs: s.outputs.len(),
        seconds: s.seconds,
    }
}

/// The raw read of a night's files, as a measuring child reports it.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Raw {
    pub wall: f64,
    pub cells: usize,
    pub peak_mb: f64,
}

/// When this program was started as a measuring child (`night <project> <as-of>` or
/// `raw <file>...`), does that measurement, prints it as one JSON line and returns true.
pub fn as_child() -> bool {
    let args: Vec<String> = std::env::args().collect();
    // The worker threads the binary sets up.
    scorecard::cli::init_threads();
    let line = match args.get(1).map(String::as_str) {
        Some("night") => {
            let as_of: chrono::NaiveDate = args[3].parse().unwrap();
            serde_json::to_string(&night(Path::new(&args[2]), as_of))
        }
        Some("raw") => {
            let files: Vec<PathBuf> = args[2..].iter().map(PathBuf::from).collect();
            let (wall, cells) = raw_read_all(&files);
            serde_json::to_string(&Raw { wall, cells, peak_mb: peak_mb() })
        }
        _ => return false,
    };
    println!("{}", line.unwrap());
    true
}

/// Runs this program again as a measuring child (`args`), with `threads` worker threads for
/// rayon and polars (0: all cores), and parses the JSON line it prints last.
pub fn child<T: serde::de::DeserializeOwned>(args: &[&str], threads: usize) -> T {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(exe);
    cmd.args(args);
    if threads > 0 {
        cmd.env("RAYON_NUM_THREADS", threads.to_string()).env("POLARS_MAX_THREADS", threads.to_string());
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or_default();
    serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("child {args:?} failed ({e}): {text}\n{}", String::from_utf8_lossy(&out.stderr)))
}

/// Copies a folder tree (the prepared project) so that every round starts from the same state.
pub fn copy_tree(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    let status = Command::new("cp").arg("-a").arg(from).arg(to).status().unwrap();
    assert!(status.success(), "cp -a {} {}", from.display(), to.display());
}

/// The project's checkout the program is run from (`bench/run.sh` runs it from the root),
/// else the one it was built from.
pub fn checkout() -> PathBuf {
    let here = PathBuf::from(".");
    if here.join("bench/pandas_night.py").is_file() {
        here
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }
}

/// A peer's run of the same work (`bench/peers.py`): the seconds it reports from inside the
/// script (after Python and the library have started), the process's whole wall time, its
/// peak memory, the rows it read and what else it printed (checks, figures).
#[derive(serde::Deserialize)]
pub struct Peer {
    pub seconds: f64,
    pub peak_mb: f64,
    pub rows: usize,
    #[serde(skip)]
    pub process: f64,
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

/// Runs `bench/peers.py TASK ARGS...` (the peers' script, see its docstring); `None`, with
/// the reason on stderr, when Python or the peer's library is missing.
pub fn peer(task: &str, args: &[&str]) -> Option<Peer> {
    let script = checkout().join("bench/peers.py");
    let t = Instant::now();
    let out = Command::new("python3").arg(&script).arg(task).args(args).output().ok()?;
    let process = t.elapsed().as_secs_f64();
    if !out.status.success() {
        eprintln!(
            "peer {task} did not run: {}",
            String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or_default()
        );
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut p: Peer = serde_json::from_str(text.lines().last().unwrap_or_default()).ok()?;
    p.process = process;
    Some(p)
}

/// `median (lowest-highest)` of ratios, for the lines the programs print.
pub fn ratio_line(v: &[f64]) -> String {
    let (lo, hi) = range(v);
    format!("{:.2} ({lo:.2}-{hi:.2})", median(v.to_vec()))
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Smallest and largest.
pub fn range(v: &[f64]) -> (f64, f64) {
    v.iter().fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)))
}
