//! Files that used to poison a night, each made here (they are all small), and runs killed or
//! disturbed between the steps of quarantining and publishing (mirrors `publish::intake`,
//! `publish::release`, `run::intake`, `run::fate` and the limits in `ingest`): each ends with
//! the right exit code and reason, within a stated memory, with nothing half-done.

use crate::common::*;
use scorecard::demo::data::{generate, DemoExtract};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const AS_OF: &str = "2026-04-07";

/// A demo project holding only March 2026's extracts (one file per source), and its folder.
fn small_project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    scorecard::demo::write_config(&project).unwrap();
    for x in march() {
        scorecard::demo::write::write_extract(&project.join("drop"), &x).unwrap();
    }
    (dir, project)
}

fn march() -> Vec<DemoExtract> {
    generate(scorecard::demo::SEED)
        .extracts
        .into_iter()
        .filter(|x| x.as_at.format("%Y%m").to_string() == "202603")
        .collect()
}

/// Runs `scorecard run --json` with `env`, sampling the process's peak resident memory
/// (`VmHWM`) until it ends: (exit code, JSON, stderr, peak MB).
fn run_measured(project: &Path, as_of: &str, env: &[(&str, &str)]) -> (i32, serde_json::Value, String, f64) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scorecard"));
    cmd.args(["run", "--project", project.to_str().unwrap(), "--as-of", as_of, "--json"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut s).unwrap();
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut s).unwrap();
        s
    });
    let mut peak_kb = 0u64;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)) {
                peak_kb = peak_kb.max(kb.parse().unwrap_or(0));
            }
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let code = child.wait().unwrap().code().unwrap_or(-1);
    let stdout = reader.join().unwrap();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
    let json = serde_json::from_slice(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stderr}"));
    (code, json, stderr, peak_kb as f64 / 1024.0)
}

fn file<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["files"].as_array().unwrap().iter().find(|f| f["name"] == name).unwrap_or_else(|| panic!("{name}: {json:#}"))
}

/// Every quarantined file has its reason beside it; no temporary file is left anywhere.
fn assert_nothing_half_done(project: &Path) {
    for f in files_under(project) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "a temporary file left: {}", f.display());
        let in_quarantine = f.components().any(|c| c.as_os_str() == "quarantine");
        if in_quarantine && !name.ends_with(".reason.txt") && !name.ends_with(".feedback.xlsx") {
            assert!(
                PathBuf::from(format!("{}.reason.txt", f.display())).exists(),
                "{} is in the quarantine without its reason",
                f.display()
            );
        }
    }
}

/// A revenues CSV of `n` accounts for Fenland as at 31 March 2026, with `poison` in the debit
/// of the first `k` rows.
fn revenues_csv(n: usize, k: usize, poison: &str) -> String {
    let mut s = String::from("Revenues account extract\r\nReport run on 31/03/2026\r\n\r\nCouncil,Tax Type,Account Reference,Liability Year,Net Collectable Debit,Amount Collected\r\n");
    for i in 0..n {
        let debit = if i < k { poison.to_string() } else { "1000".to_string() };
        s.push_str(&format!("Fenland,Council Tax,CT{:07},2025/26,{debit},900\r\n", 3_000_000 + i));
    }
    s
}

#[test]
fn numbers_too_large_are_rejected_cells_and_the_next_night_runs() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    scorecard::demo::write_config(&project).unwrap();
    std::fs::write(project.join("drop/revenues_fenland_20260331.csv"), revenues_csv(200, 2, "1e308")).unwrap();
    let (code, json) = run_json(&project, AS_OF);
    assert!(code <= 1, "{json:#}");
    let f = file(&json, "revenues_fenland_20260331.csv");
    assert_eq!((f["status"].as_str(), f["rows_rejected"].as_u64()), (Some("accepted"), Some(2)), "{f}");
    assert!(f["reason"].as_str().unwrap().contains("too large to be a real figure"), "{f}");
    let manifest = std::fs::read_to_string(project.join("store/manifest.json")).unwrap();
    assert!(!manifest.contains("null"), "every total kept is a number");
    // The next nights load the store and run.
    let (code, json) = run_json_with(&project, AS_OF, &["--force"]);
    assert!(code <= 1, "{json:#}");
}

#[test]
fn files_that_would_exhaust_memory_are_refused_within_seconds_and_two_gigabytes() {
    let (_dir, project) = small_project();
    let drop = project.join("drop");
    // 200 sheets, each with cells in A1 and A1048576 (61 KB; once 4.95 GB).
    let mut wb = rust_xlsxwriter::Workbook::new();
    for _ in 0..200 {
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "Council").unwrap();
        ws.write_number(1_048_575, 0, 1.0).unwrap();
    }
    std::fs::write(drop.join("revenues_sheets_20260331.xlsx"), wb.save_to_buffer().unwrap()).unwrap();
    // A CSV with one line of 100,000 commas (187 KB; once padded every row to that width).
    let mut wide = revenues_csv(10, 0, "");
    wide.push_str(&",".repeat(100_000));
    wide.push_str("\r\n");
    std::fs::write(drop.join("revenues_wide_20260331.csv"), wide).unwrap();
    // A commentary file of 100,000 bad lines (once 5.9 GB, 92 s, a 1,727-page report).
    let mut c = String::from("indicator,partner,period,explanation,action,owner\r\n");
    for i in 0..100_000 {
        c.push_str(&format!("no_such_indicator_{i},Fenland,2025/26 M12,x,y,z\r\n"));
    }
    std::fs::write(drop.join("commentary_bad.csv"), c).unwrap();
    // A commentary with a one-megabyte explanation (once a 424-page report).
    let long = format!(
        "indicator,partner,period,explanation,action,owner\r\nctax_collection_rate,Fenland,2025/26 M12,{},act,me\r\n",
        "x".repeat(1024 * 1024)
    );
    std::fs::write(drop.join("commentary_long.csv"), long).unwrap();
    // A workbook whose shared strings say they are a billion.
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, bytes) in [
        ("[Content_Types].xml", &b"<Types/>"[..]),
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/sharedStrings.xml", b"<?xml version=\"1.0\"?><sst xmlns=\"x\" count=\"1000000000\" uniqueCount=\"1000000000\"><si><t>a</t></si></sst>"),
    ] {
        z.start_file(name, opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    std::fs::write(drop.join("revenues_strings_20260331.xlsx"), z.finish().unwrap().into_inner()).unwrap();

    let start = std::time::Instant::now();
    let (code, json, stderr, peak_mb) = run_measured(&project, AS_OF, &[]);
    let took = start.elapsed().as_secs_f64();
    eprintln!("hostile night: {took:.1} s, peak {peak_mb:.0} MB, {} bytes of stderr", stderr.len());
    assert_eq!(code, 1, "completed, with quarantined files: {json:#}");
    let reason = |n: &str| file(&json, n)["reason"].as_str().unwrap().to_string();
    let status = |n: &str| file(&json, n)["status"].as_str().unwrap().to_string();
    for (name, says) in [
        ("revenues_sheets_20260331.xlsx", "limit of 10000000 cells over all its sheets (limits.max_cells"),
        ("revenues_wide_20260331.csv", "100001 fields, more than the limit of 16384 (limits.max_columns"),
        ("commentary_bad.csv", "more than the limit of 10000 lines (limits.max_commentary_lines"),
        ("commentary_long.csv", "more than the limit of 2000 (limits.max_commentary_chars"),
        ("revenues_strings_20260331.xlsx", "1000000000 distinct texts, more than the limit"),
    ] {
        assert_eq!(status(name), "quarantined", "{name}: {}", reason(name));
        assert!(reason(name).contains(says), "{name}: {}", reason(name));
        assert!(reason(name).len() < 3000, "{name}: a reason a clerk can read ({} bytes)", reason(name).len());
    }
    assert!(stderr.len() < 20_000, "the summary stays short: {} bytes", stderr.len());
    assert!(peak_mb < 2048.0, "peak {peak_mb:.0} MB");
    assert!(took < 120.0, "{took:.0} s");
    assert_nothing_half_done(&project);
}

#[test]
fn a_file_replaced_in_the_drop_folder_during_a_run_is_loaded_by_the_next() {
    let (_dir, project) = small_project();
    let drop = project.join("drop");
    let name = "revenues_fenland_20260331.csv";
    let first = revenues_csv(100, 0, "");
    let second = first.replace(",1000,900\r\n", ",1000,950\r\n");
    std::fs::write(drop.join(name), &first).unwrap();
    // The run stops for a few seconds once it has taken its files; the clerk saves a
    // correction under the same name meanwhile.
    let mut child = Command::new(env!("CARGO_BIN_EXE_scorecard"))
        .args(["run", "--project", project.to_str().unwrap(), "--as-of", AS_OF, "--json"])
        .env("SCORECARD_PAUSE_AT", "intake:taken")
        .env("SCORECARD_PAUSE_SECONDS", "3")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while err.read_line(&mut line).unwrap() > 0 && !line.contains("paused at intake:taken") {
        line.clear();
    }
    std::fs::write(drop.join(name), &second).unwrap();
    let out = child.wait_with_output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = file(&json, name);
    assert_eq!(f["status"], "accepted");
    // What was judged is what was stored and archived: the first version.
    let archived = std::fs::read_to_string(f["moved_to"].as_str().unwrap()).unwrap();
    assert_eq!(archived, first);
    assert_eq!(std::fs::read_to_string(drop.join(name)).unwrap(), second, "the correction waits in the drop folder");
    let (_, json) = run_json(&project, AS_OF);
    let f = file(&json, name);
    assert_eq!(f["status"], "accepted", "{f}");
    assert_eq!(json["replaced"].as_array().unwrap().len(), 1, "the correction replaces Fenland's data: {json:#}");
    assert_nothing_half_done(&project);
}

/// Starts a run that pauses at `point`, waits until it gets there and kills it with SIGKILL.
fn kill_at(project: &Path, point: &str, extra: &[&str]) {
    let mut args = vec!["run", "--project", project.to_str().unwrap(), "--as-of", AS_OF];
    args.extend(extra);
    kill_at_point(&args, point);
}

#[test]
fn runs_killed_between_the_steps_of_quarantining_archiving_and_publishing() {
    let (_dir, project) = small_project();
    std::fs::write(project.join("drop/revenues_bad_20260331.csv"), "Council\r\nFenland\r\n").unwrap();
    // Killed with an extract stored but not archived (the first file of the night).
    kill_at(&project, "archive:stored", &[]);
    assert_nothing_half_done(&project);
    // Killed with a reason written and its file not yet beside it (the last file): the file
    // is not in the quarantine without its reason, and the next run finishes the job.
    kill_at(&project, "quarantine:beside-written", &[]);
    assert_nothing_half_done(&project);
    let (code, json) = run_json(&project, AS_OF);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(file(&json, "revenues_bad_20260331.csv")["status"], "quarantined");
    assert_nothing_half_done(&project);
    assert_eq!(std::fs::read_dir(project.join("drop")).unwrap().count(), 0, "every file has gone somewhere");
    let outputs = |json: &serde_json::Value| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = json["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let p = o["path"].as_str().unwrap();
                (p.to_string(), std::fs::read(p).unwrap())
            })
            .collect();
        v.sort();
        v
    };
    let before = outputs(&json);

    // A commentary file changes the outputs; the run making them is killed once one output
    // is current and the others not yet, then once with none current.
    std::fs::write(
        project.join("drop/commentary_march.csv"),
        "indicator,partner,period,explanation,action,owner\r\nctax_collection_rate,Fenland,2025/26 M12,A late run of refunds.,None needed.,Head of Revenues\r\n",
    )
    .unwrap();
    kill_at(&project, "release:staged", &[]);
    let now: Vec<(String, Vec<u8>)> = before.iter().map(|(p, _)| (p.clone(), std::fs::read(p).unwrap())).collect();
    assert_eq!(now, before, "killed before the commit: the previous set, exactly");
    kill_at(&project, "release:committing", &["--force"]);
    let (code, json) = run_json(&project, AS_OF);
    assert!(code <= 1, "{json:#}");
    let after = outputs(&json);
    assert!(after.iter().zip(&before).any(|(a, b)| a.1 != b.1), "the commentary changed the outputs");
    assert!(
        !std::fs::read_dir(project.join("output"))
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(".release-")),
        "no release left unfinished"
    );
    // The set on disk is the set of one clean run of the same inputs.
    let (code, json) = run_json_with(&project, AS_OF, &["--force"]);
    assert!(code <= 1);
    assert_eq!(outputs(&json), after, "the same bytes as an uninterrupted run");
    assert_nothing_half_done(&project);
}

#[test]
fn folder_faults_are_exit_2_and_names_are_shown_escaped() {
    let (dir, project) = small_project();
    // A missing drop folder.
    let settings = project.join("scorecard.toml");
    let original = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(&settings, original.replace("drop = \"drop\"", "drop = \"nowhere\"")).unwrap();
    let (code, json) = run_json(&project, AS_OF);
    assert_eq!(code, 2, "{json:#}");
    let why = json["errors"][0].as_str().unwrap();
    assert!(why.contains("nowhere") && why.contains("create it"), "{why}");
    // A drop folder the job cannot take files out of: a read-only disk.
    let ro = dir.path().join("ro-drop");
    if tmpfs(&ro, "4m", false).is_some() {
        for x in march() {
            scorecard::demo::write::write_extract(&ro, &x).unwrap();
        }
        let remounted = Command::new("mount").args(["-o", "remount,ro"]).arg(&ro).status().unwrap().success();
        std::fs::write(&settings, original.replace("drop = \"drop\"", &format!("drop = \"{}\"", ro.display())))
            .unwrap();
        let (code, json) = run_json(&project, AS_OF);
        let left = std::fs::read_dir(&ro).unwrap().count();
        unmount(&ro);
        assert!(remounted);
        assert_eq!(code, 2, "{json:#}");
        let why = json["errors"][0].as_str().unwrap();
        assert!(why.contains("cannot write to the drop folder") && why.contains("read-only"), "{why}");
        assert_eq!(left, march().len(), "nothing was taken");
        assert!(
            !project.join("archive").exists() || files_under(&project.join("archive")).is_empty(),
            "nothing copied"
        );
    } else {
        eprintln!("skipped: this machine does not allow mounting a tmpfs (a read-only drop folder is not tried)");
    }
    std::fs::write(&settings, &original).unwrap();
    // A file name with a line break and an escape sequence cannot forge lines in cron mail.
    let name = "revenues_x\u{1b}[31m\nFAKE: all well.csv";
    std::fs::write(project.join("drop").join(name), "not an extract").unwrap();
    let o = scorecard(&["run", "--project", project.to_str().unwrap(), "--as-of", AS_OF]);
    let err = stderr(&o);
    assert!(!err.contains('\u{1b}'), "no raw escape sequence in the summary");
    assert!(!err.lines().any(|l| l.starts_with("FAKE")), "no forged line: {err}");
    assert!(err.contains("\\u{1b}[31m\\nFAKE"), "{err}");
    let log = files_under(&project.join("output/logs")).pop().unwrap();
    assert!(!std::fs::read_to_string(log).unwrap().contains('\u{1b}'));
}

#[test]
fn settling_future_times_commentary_and_feedback_written_late() {
    let (_dir, project) = small_project();
    let settings = project.join("scorecard.toml");
    let original = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(&settings, original.replace("settle_seconds = 0", "settle_seconds = 600")).unwrap();
    let drop = project.join("drop");
    // The run compares modification times with the wall clock when it starts, so the test
    // sets them from the wall clock too.
    #[allow(clippy::disallowed_methods)]
    let now = std::time::SystemTime::now();
    let set_mtime = |p: &Path, ahead: i64| {
        let when = if ahead >= 0 {
            now + std::time::Duration::from_secs(ahead as u64)
        } else {
            now - std::time::Duration::from_secs((-ahead) as u64)
        };
        std::fs::File::options().write(true).open(p).unwrap().set_modified(when).unwrap();
    };
    // Every extract settled long ago, but one saved by a machine whose clock runs two days
    // ahead: read, not left for ever.
    for e in std::fs::read_dir(&drop).unwrap().flatten() {
        set_mtime(&e.path(), -3600);
    }
    let ahead = drop.join("revenues_20260331.xlsx");
    set_mtime(&ahead, 2 * 86_400);
    // A commentary file being written now is left for the next run, like an extract.
    let commentary = drop.join("commentary_now.csv");
    std::fs::write(&commentary, "indicator,partner,period,explanation,action,owner\r\n").unwrap();
    // The feedback folder cannot be made (a file stands in its place).
    std::fs::write(project.join("output/feedback"), "in the way").unwrap();
    let (_, json) = run_json(&project, AS_OF);
    assert_eq!(file(&json, "revenues_20260331.xlsx")["status"], "accepted", "{json:#}");
    let c = file(&json, "commentary_now.csv");
    assert_eq!(c["status"], "skipped");
    assert!(c["reason"].as_str().unwrap().contains("settle_seconds"), "{c}");
    assert!(commentary.exists());
    assert!(json["errors"].as_array().unwrap().iter().any(|e| e.as_str().unwrap().contains("feedback")), "{json:#}");
    // The next run, with the way clear, writes the feedback workbooks the first could not.
    std::fs::remove_file(project.join("output/feedback")).unwrap();
    let (_, json) = run_json_with(&project, AS_OF, &["--force"]);
    let repairs: Vec<&str> = json["repairs"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert!(
        repairs
            .iter()
            .any(|r| r.starts_with("made ") && r.contains("feedback workbook(s) an earlier run could not write")),
        "{repairs:?}"
    );
    let made = files_under(&project.join("output/feedback")).len();
    assert!(made >= march().len() - 1, "{made} feedback workbooks");
}

#[test]
fn a_deleted_extract_is_found_even_when_its_summary_would_hide_it() {
    let (_dir, project) = small_project();
    let (code, _) = run_json(&project, AS_OF);
    assert_eq!(code, 0);
    let part = files_under(&project.join("store/revenues")).into_iter().next().unwrap();
    std::fs::remove_file(&part).unwrap();
    let (code, json) = run_json_with(&project, AS_OF, &["--force"]);
    assert_eq!(code, 2, "{json:#}");
    assert!(json["errors"][0].as_str().unwrap().contains(&part.file_name().unwrap().to_string_lossy().into_owned()));
}
