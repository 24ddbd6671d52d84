//! The nightly job unattended: one run at a time (exit 75), a dead run's lock taken over,
//! runs killed with SIGKILL at several points losing and duplicating nothing, nothing done
//! when nothing changed (and `--force`), exit code 2 publishing nothing, a log and a JSON
//! record per run, the clerks' index and stable latest paths, `scorecard status`.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const AS_OF: &str = "2026-04-07";

fn start_run(project: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_scorecard"))
        .args(["run", "--project", project.to_str().unwrap(), "--as-of", AS_OF])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn lock_file(project: &Path) -> PathBuf {
    project.join(".scorecard.lock")
}

/// Every file below `dir` whose name starts with `prefix`.
fn count_named(dir: &Path, prefix: &str) -> usize {
    if !dir.exists() {
        return 0;
    }
    files_under(dir).iter().filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix)).count()
}

fn manifest_shas(project: &Path) -> Vec<String> {
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(project.join("store/manifest.json")).unwrap()).unwrap();
    m["extracts"].as_array().unwrap().iter().map(|e| e["sha256"].as_str().unwrap().to_string()).collect()
}

fn temporaries(project: &Path) -> Vec<PathBuf> {
    files_under(project)
        .into_iter()
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with('.') && n.ends_with(".tmp")
        })
        .collect()
}

#[test]
fn a_second_run_exits_75_and_a_dead_runs_lock_is_taken_over() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let first = start_run(&project, &[]);
    // Wait until the first run holds the lock (its note is in the lock file).
    let t = Instant::now();
    while std::fs::read_to_string(lock_file(&project)).unwrap_or_default().trim().is_empty() {
        assert!(t.elapsed() < Duration::from_secs(30), "the first run never took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (code, json) = run_json(&project, AS_OF);
    assert_eq!(code, 75, "{json:#}");
    let why = json["errors"][0].as_str().unwrap();
    assert!(why.contains(&format!("pid {}", first.id())), "names the holder: {why}");
    let first = first.wait_with_output().unwrap();
    assert_eq!(
        first.status.code(),
        Some(0),
        "the first run ended {:?}: {}",
        first.status,
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(std::fs::read_to_string(lock_file(&project)).unwrap().is_empty(), "a finished run leaves no note");

    // A run killed outright leaves its note behind but no lock: the next run takes it over.
    std::fs::write(lock_file(&project), "pid 4194301 started a run as of 2026-04-06").unwrap();
    let (code, json) = run_json(&project, AS_OF);
    assert_eq!(code, 0, "{json:#}");
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(project.join("output/last-run.json")).unwrap()).unwrap();
    let log = std::fs::read_to_string(record["log"].as_str().unwrap()).unwrap();
    assert!(log.contains("took over a stale lock left by a run that did not finish (pid 4194301"), "{log}");
}

/// Runs killed (SIGKILL) while reading files, then while writing outputs, and run again: every
/// dropped file ends archived exactly once, the store holds each extract once, no temporary
/// file is left, earlier outputs are whole after every kill, and the final outputs are the
/// same bytes as those of a run never interrupted.
#[test]
fn runs_killed_at_several_points_lose_and_duplicate_nothing() {
    let reference = demo_project();
    let (code, _) = run_json(&reference.path().join("demo"), AS_OF);
    assert_eq!(code, 0);
    let reference_csv =
        std::fs::read(reference.path().join(format!("demo/output/scorecard-ARP-demo-{AS_OF}.csv"))).unwrap();

    let dir = demo_project();
    let project = dir.path().join("demo");
    let dropped: Vec<String> = std::fs::read_dir(project.join("drop"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(dropped.len(), 180);
    // Killed while reading (0.3 s in), then while storing and archiving (as soon as 30, then
    // 120 files have been archived), in turn.
    let archived = || if project.join("archive").exists() { files_under(&project.join("archive")).len() } else { 0 };
    for (what, until) in [("reading", None), ("storing", Some(30)), ("storing", Some(120))] {
        let mut child = start_run(&project, &[]);
        match until {
            None => std::thread::sleep(Duration::from_millis(300)),
            Some(n) => {
                let t = Instant::now();
                while archived() < n && child.try_wait().unwrap().is_none() {
                    assert!(t.elapsed() < Duration::from_secs(120), "no progress");
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
        let _ = child.kill();
        let status = child.wait().unwrap();
        assert!(status.code().is_none(), "killed while {what}, before it finished ({} files archived)", archived());
    }
    let (code, json) = run_json(&project, AS_OF);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(std::fs::read_dir(project.join("drop")).unwrap().count(), 0, "nothing left in the drop folder");
    for name in &dropped {
        let stem = name.rsplit_once('.').unwrap().0;
        let kept = count_named(&project.join("archive"), &format!("{stem}."));
        assert_eq!(kept, 1, "{name} is kept exactly once (archive, or archive/duplicates after a kill)");
        assert_eq!(count_named(&project.join("quarantine"), &format!("{stem}.")), 0, "{name}");
    }
    let shas = manifest_shas(&project);
    let distinct: std::collections::BTreeSet<&String> = shas.iter().collect();
    assert_eq!((shas.len(), distinct.len()), (180, 180), "every extract stored once");
    assert!(temporaries(&project).is_empty(), "{:?}", temporaries(&project));
    let csv = project.join(format!("output/scorecard-ARP-demo-{AS_OF}.csv"));
    assert_eq!(std::fs::read(&csv).unwrap(), reference_csv, "the same figures as an uninterrupted run");

    // While computing and writing outputs (--force rebuilds): killed at 0.5 s, 1.5 s, 2.5 s.
    // After each kill the outputs on disk are the earlier, whole ones.
    let pdf = project.join(format!("output/scorecard-ARP-demo-{AS_OF}-joint-committee.pdf"));
    let xlsx = project.join(format!("output/scorecard-ARP-demo-{AS_OF}.xlsx"));
    for ms in [500, 1500, 2500] {
        let mut child = start_run(&project, &["--force"]);
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(std::fs::read(&csv).unwrap(), reference_csv, "killed at {ms} ms: the CSV is whole");
        let bytes = std::fs::read(&pdf).unwrap();
        assert!(
            bytes.starts_with(b"%PDF-") && bytes.trim_ascii_end().ends_with(b"%%EOF"),
            "killed at {ms} ms: whole PDF"
        );
        let wb: Result<calamine::Xlsx<_>, _> = calamine::open_workbook(&xlsx);
        assert!(wb.is_ok(), "killed at {ms} ms: the workbook opens");
    }
    let (code, json) = run_json(&project, AS_OF);
    assert_eq!(code, 0, "{json:#}");
    assert!(temporaries(&project).is_empty(), "{:?}", temporaries(&project));
    assert_eq!(std::fs::read(&csv).unwrap(), reference_csv);
    assert_eq!(manifest_shas(&project).len(), 180);
}

#[test]
fn nothing_new_does_no_work_force_rebuilds_and_logs_records_index_and_status_say_so() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let out = project.join("output");
    let o = scorecard(&["run", "--project", project.to_str().unwrap(), "--as-of", AS_OF]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(!err.contains('\r') && !err.contains('\u{1b}'), "no progress bar when stderr is not a terminal");

    // The log: one line per event, stamped with the run date; the JSON record.
    let log = std::fs::read_to_string(out.join(format!("logs/{AS_OF}-1.log"))).unwrap();
    assert!(log.lines().all(|l| l.starts_with(&format!("{AS_OF} +"))), "{log}");
    assert!(log.contains("accepted revenues_20260331.xlsx"), "{log}");
    assert!(log.contains("finished: exit code 0"), "{log}");
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(format!("runs/{AS_OF}-1.json"))).unwrap()).unwrap();
    assert_eq!((record["seq"].as_u64(), record["skipped"].as_bool()), (Some(1), Some(false)));
    // Seconds per stage, in the log and the record: every stage ran, so each took some time.
    assert!(log.contains("seconds per stage: ingest "), "{log}");
    let seconds = &record["summary"]["seconds"];
    for stage in ["ingest", "checks", "store", "indicators", "benchmarks", "workbook", "pdf", "publish"] {
        assert!(seconds[stage].as_f64().is_some_and(|s| s > 0.0), "{stage}: {seconds}");
    }
    assert!(seconds["ingest"].as_f64() < record["elapsed_seconds"].as_f64(), "{record}");

    // The index: six reports, new, newest first; a stable latest path for each.
    let index = std::fs::read_to_string(out.join("index.csv")).unwrap();
    let rows: Vec<&str> = index.lines().skip(1).collect();
    assert_eq!(rows.len(), 6, "{index}");
    assert!(rows.iter().all(|r| r.ends_with(",new")), "{index}");
    assert!(index.contains("Operational Improvement Board,Monthly performance dashboard"), "{index}");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("<html lang=\"en-GB\">") && html.contains("<th scope=\"col\">Meeting</th>"), "{html}");
    for link in html.split("href=\"").skip(1).map(|s| s.split('"').next().unwrap()) {
        assert!(out.join(link).is_file(), "the index links to {link}, which exists");
    }
    let latest = out.join("latest/joint-committee-breckland.pdf");
    let newest = out.join(format!("scorecard-ARP-demo-{AS_OF}-joint-committee-breckland.pdf"));
    assert_eq!(std::fs::read(&latest).unwrap(), std::fs::read(&newest).unwrap());

    // Nothing new: no work, the outputs untouched.
    let modified = |p: &Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let before = modified(&newest);
    let (code, json) = run_json(&project, AS_OF);
    assert_eq!(code, 0);
    assert_eq!(json["skipped"], true, "{json:#}");
    assert_eq!(json["outputs"].as_array().unwrap().len(), 8, "the current outputs are listed");
    assert_eq!(modified(&newest), before, "nothing rewritten");
    // --force rebuilds everything.
    let (code, json) = run_json_with(&project, AS_OF, &["--force"]);
    assert_eq!(code, 0);
    assert_eq!(json["skipped"], false);
    assert!(modified(&newest) > before, "rewritten");
    // A changed definition is work to do.
    let targets = project.join("targets.toml");
    let t = std::fs::read_to_string(&targets).unwrap();
    std::fs::write(&targets, format!("{t}\n# reviewed\n")).unwrap();
    let (_, json) = run_json(&project, AS_OF);
    assert_eq!(json["skipped"], false, "a changed definition is picked up");

    // The next night with nothing new: every report is kept from the last run (nothing any
    // of them shows has changed), none is marked new.
    let (code, _) = run_json_with(&project, "2026-04-08", &[]);
    assert_eq!(code, 0);
    let index = std::fs::read_to_string(out.join("index.csv")).unwrap();
    assert_eq!(index.lines().skip(1).count(), 6, "{index}");
    assert!(index.lines().skip(1).all(|r| r.starts_with("2026-04-07") && !r.ends_with(",new")), "{index}");
    // Typeset again (--force): the new reports are marked new, the earlier ones stay listed
    // below them.
    let (code, _) = run_json_with(&project, "2026-04-08", &["--force"]);
    assert_eq!(code, 0);
    let index = std::fs::read_to_string(out.join("index.csv")).unwrap();
    let rows: Vec<&str> = index.lines().skip(1).collect();
    assert_eq!(rows.len(), 12, "{index}");
    assert!(rows[..6].iter().all(|r| r.starts_with("2026-04-08") && r.ends_with(",new")), "{index}");
    assert!(rows[6..].iter().all(|r| r.starts_with("2026-04-07") && !r.ends_with(",new")), "{index}");
    assert_eq!(
        std::fs::read(out.join("latest/joint-committee-breckland.pdf")).unwrap(),
        std::fs::read(out.join("scorecard-ARP-demo-2026-04-08-joint-committee-breckland.pdf")).unwrap(),
        "latest follows the newest"
    );

    // Status: the last run, files waiting, stale sources, reports.
    std::fs::write(project.join("drop/benefits_workitems_20260430.csv"), "x").unwrap();
    let o = scorecard(&["status", "--project", project.to_str().unwrap(), "--as-of", "2026-09-30"]);
    assert_eq!(o.status.code(), Some(0));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("last run: as of 2026-04-08 (run 2), exit code 0"), "{s}");
    assert!(!s.contains("run finished with exit code"), "the exit code is said once: {s}");
    assert!(s.contains("files waiting in the drop folder: 1") && s.contains("benefits_workitems_20260430.csv"), "{s}");
    assert!(s.contains("STALE"), "data not refreshed for six months is stale: {s}");
    assert!(s.contains("reports of the last run: 6"), "{s}");
}

/// Exit code 2: a run that cannot read its store publishes nothing and says why.
#[test]
fn a_failed_run_exits_2_and_publishes_nothing() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    std::fs::create_dir_all(project.join("store")).unwrap();
    std::fs::write(project.join("store/manifest.json"), "{ not json").unwrap();
    let (code, json) = run_json(&project, AS_OF);
    assert_eq!(code, 2, "{json:#}");
    assert!(json["errors"][0].as_str().unwrap().contains("manifest"), "{json:#}");
    assert_eq!(json["outputs"].as_array().unwrap().len(), 0);
    let pdfs = std::fs::read_dir(project.join("output"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "pdf" || x == "xlsx" || x == "csv"));
    assert_eq!(pdfs.count(), 0, "nothing published");
    assert_eq!(std::fs::read_dir(project.join("drop")).unwrap().count(), 180, "every file left to the next run");
}
