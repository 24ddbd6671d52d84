//! Broken and hostile input the test suite makes itself, dropped into a real project: each
//! file ends quarantined with a reason or skipped with a log line, the run exits 1 (completed,
//! with quarantined files), nothing is lost, no link is followed, nothing hangs. And faults
//! around the run: a read-only output folder, a full disk, a corrupted store file, a partner's
//! extract missing for a month.

use crate::common::*;
use std::io::Write;

const AS_OF: &str = "2026-04-07";

/// A zip holding the given parts, deflated.
fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// The parts of an Office compound file that mark a workbook saved with a password: the
/// compound-file signature and the `EncryptionInfo` and `EncryptedPackage` streams' names.
fn encrypted_workbook() -> Vec<u8> {
    let mut b = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    b.resize(512, 0);
    for name in ["EncryptionInfo", "EncryptedPackage"] {
        let mut entry: Vec<u8> = name.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        entry.resize(128, 0);
        b.extend(entry);
    }
    b.resize(4096, 0xAB);
    b
}

/// An xlsx with one sheet of `rows` x `cols` numbers, written by rust_xlsxwriter in
/// constant-memory mode.
fn big_sheet(rows: u32, cols: u16) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory().unwrap();
    for r in 0..rows {
        for c in 0..cols {
            ws.write_number(r, c, 1.0).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn broken_and_hostile_files_are_quarantined_or_skipped_and_none_is_lost() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let drop = project.join("drop");
    // Half a million cells per sheet at most, for this project.
    let settings = project.join("scorecard.toml");
    let s = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(&settings, s.replace("settle_seconds = 0", "settle_seconds = 0\nmax_cells = 500000")).unwrap();
    let good = std::fs::read(drop.join("revenues_20260331.xlsx")).unwrap();
    // Only the hostile files this time.
    for e in std::fs::read_dir(&drop).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    let put = |name: &str, bytes: &[u8]| std::fs::write(drop.join(name), bytes).unwrap();
    put("revenues_20260401.xlsx", &good[..good.len() / 2]);
    put("revenues_20260402.xlsx", b"");
    let zeros = vec![b' '; 120 * 1024 * 1024];
    put(
        "revenues_20260403.xlsx",
        &zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"<workbook/>"),
            ("xl/worksheets/sheet1.xml", &zeros),
        ]),
    );
    drop_large(zeros);
    put("revenues_20260404.xlsx", &encrypted_workbook());
    put("revenues_20260405.xls", b"<html><body><table><tr><td>Council</td></tr></table></body></html>");
    put("revenues_20260406.xlsx", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR not a workbook");
    put("revenues_20260409.xlsx", &big_sheet(1_048_576, 1));
    put("revenues_20260410.xlsx", &big_sheet(1, 16_384));
    let mut huge = String::from("Housing Benefit and Council Tax Reduction work items\r\nReport run on 10/04/2026\r\n\r\nCouncil,Claim Reference,Work Type,Date Received,Date Decided,Outcome,Quality Checked,Found Correct\r\n");
    huge.push_str(&"x".repeat(100 * 1024 * 1024));
    huge.push_str(",BR1,New Claim,01/04/2026,,,No,\r\n");
    put("benefits_workitems_20260410.csv", huge.as_bytes());
    drop_large(huge.into_bytes());
    // Unreadable (root reads it anyway), a folder, a link out of the folder, a named pipe.
    put("benefits_workitems_20260411.csv", b"Council\r\n");
    let unreadable = drop.join("benefits_workitems_20260411.csv");
    let _ = std::fs::set_permissions(&unreadable, std::os::unix::fs::PermissionsExt::from_mode(0o000));
    std::fs::create_dir(drop.join("revenues_folder")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", drop.join("revenues_20260412.csv")).unwrap();
    let fifo = drop.join("revenues_20260413.csv");
    let made_fifo = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());

    let t = std::time::Instant::now();
    let (code, json) = run_json(&project, AS_OF);
    assert_eq!(code, 1, "completed, with quarantined files: {json:#}");
    assert!(t.elapsed() < std::time::Duration::from_secs(300), "no hang");
    let files = json["files"].as_array().unwrap();
    let status = |name: &str| -> (String, String) {
        let f = files.iter().find(|f| f["name"] == name).unwrap_or_else(|| panic!("{name} reported: {json:#}"));
        (f["status"].as_str().unwrap().to_string(), f["reason"].as_str().unwrap().to_string())
    };
    let quarantined = |name: &str, because: &str| {
        let (s, r) = status(name);
        assert_eq!(s, "quarantined", "{name}: {r}");
        assert!(r.to_lowercase().contains(because), "{name}: {r:?} should say {because:?}");
        assert!(r.len() < 2_000, "{name}: the reason is short enough to read ({} bytes)", r.len());
    };
    quarantined("revenues_20260401.xlsx", "damaged");
    quarantined("revenues_20260402.xlsx", "empty");
    quarantined("revenues_20260403.xlsx", "zip bomb");
    quarantined("revenues_20260404.xlsx", "password");
    // A web page saved as .xls is read like a workbook; this one holds no extract.
    quarantined("revenues_20260405.xls", "table 1 of the web page': no header row");
    quarantined("revenues_20260406.xlsx", "not");
    quarantined("revenues_20260409.xlsx", "limit");
    quarantined("revenues_20260410.xlsx", "header");
    quarantined("benefits_workitems_20260410.csv", "");
    let (s, _) = status("benefits_workitems_20260411.csv");
    assert!(["quarantined", "skipped"].contains(&s.as_str()), "{s}");
    for (name, because) in [("revenues_folder", "folder"), ("revenues_20260412.csv", "link")] {
        let (s, r) = status(name);
        assert_eq!(s, "skipped", "{name}");
        assert!(r.contains(because), "{name}: {r}");
    }
    if made_fifo {
        assert_eq!(status("revenues_20260413.csv").0, "skipped", "a named pipe is never opened");
    }

    // Nothing lost: each quarantined file is in the quarantine with its reason; what was
    // skipped is where it was; the link's target was not read or moved.
    let q = project.join("quarantine").join(AS_OF);
    for f in files.iter().filter(|f| f["status"] == "quarantined") {
        let name = f["name"].as_str().unwrap();
        let stem = name.rsplit_once('.').unwrap().0;
        let kept: Vec<String> = std::fs::read_dir(&q)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&format!("{stem}.")))
            .collect();
        let ext = name.rsplit_once('.').unwrap().1;
        assert!(kept.iter().any(|n| n.ends_with(".reason.txt")), "{name}: its reason in the quarantine: {kept:?}");
        let copies = kept.iter().filter(|n| n.ends_with(&format!(".{ext}"))).count();
        assert_eq!(copies, 1, "{name} itself in the quarantine, once: {kept:?}");
    }
    let left: Vec<String> =
        std::fs::read_dir(&drop).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    for name in ["revenues_folder", "revenues_20260412.csv"] {
        assert!(left.contains(&name.to_string()), "{name} left in place: {left:?}");
    }
    assert!(std::fs::symlink_metadata(drop.join("revenues_20260412.csv")).unwrap().file_type().is_symlink());
    let record = std::fs::read_to_string(project.join("output/last-run.json")).unwrap();
    assert!(!record.contains("root:x:0:0"), "the link's target was never read");
    let log = std::fs::read_to_string(project.join(format!("output/logs/{AS_OF}-1.log"))).unwrap();
    assert!(log.contains("skipped revenues_20260412.csv: symbolic link"), "a log line for the skipped link: {log}");
}

/// Frees a large buffer at once (keeps the test's peak memory down).
fn drop_large<T>(x: T) {
    std::mem::drop(x);
}

/// The output folder read-only, then on a full disk: the run fails (exit 2) saying why, and
/// the outputs already there stay as they were.
#[test]
fn read_only_and_full_output_folders_fail_cleanly_and_keep_earlier_outputs() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let (code, _) = run_json(&project, AS_OF);
    assert_eq!(code, 0);
    let output = project.join("output");
    let earlier: Vec<(std::path::PathBuf, Vec<u8>)> = files_under(&output)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pdf" || e == "xlsx" || e == "csv"))
        .filter(|p| p.parent() == Some(&output) && p.file_name().unwrap().to_string_lossy().starts_with("scorecard-"))
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    assert_eq!(earlier.len(), 8);

    // Read-only: a small disk holding a copy of the outputs, then remounted read-only, as the
    // output folder.
    let ro = dir.path().join("ro-output");
    if tmpfs(&ro, "64m", false).is_none() {
        eprintln!("skipped: this machine does not allow mounting a tmpfs (run as root on Linux to test a read-only and a full output folder)");
        return;
    }
    for (p, b) in &earlier {
        std::fs::write(ro.join(p.file_name().unwrap()), b).unwrap();
    }
    let remounted = std::process::Command::new("mount").args(["-o", "remount,ro"]).arg(&ro).status().unwrap().success();
    assert!(remounted);
    let settings = project.join("scorecard.toml");
    let original = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(&settings, original.replace("output = \"output\"", &format!("output = \"{}\"", ro.display())))
        .unwrap();
    let (code, json) = run_json_with(&project, AS_OF, &["--force"]);
    unmount(&ro);
    assert_eq!(code, 2, "{json:#}");
    let why = json["errors"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect::<Vec<_>>().join("; ");
    assert!(why.contains(&ro.display().to_string()) && why.to_lowercase().contains("read-only"), "{why}");

    // Full: a 2 MB disk holding the earlier outputs as far as they fit.
    let full = dir.path().join("full-output");
    tmpfs(&full, "2m", false).unwrap();
    std::fs::write(&settings, original.replace("output = \"output\"", &format!("output = \"{}\"", full.display())))
        .unwrap();
    let filler = full.join("filler.bin");
    let _ = std::fs::write(&filler, vec![0u8; 1_900_000]);
    let (code, json) = run_json_with(&project, AS_OF, &["--force"]);
    let leftovers: Vec<String> = std::fs::read_dir(&full)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    unmount(&full);
    assert_eq!(code, 2, "{json:#}");
    let why = json["errors"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect::<Vec<_>>().join("; ");
    assert!(why.to_lowercase().contains("no space"), "{why}");
    assert!(leftovers.is_empty(), "no half-written file left behind: {leftovers:?}");
    std::fs::write(&settings, original).unwrap();
    // The project's own outputs were never touched.
    for (p, b) in &earlier {
        assert_eq!(&std::fs::read(p).unwrap(), b, "{} unchanged", p.display());
    }
}

/// A store file damaged on disk: the run stops (exit 2) naming the file, publishes nothing new,
/// and the earlier outputs stay as they were.
#[test]
fn a_corrupted_store_file_fails_the_run_naming_it() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let (code, _) = run_json(&project, AS_OF);
    assert_eq!(code, 0);
    let csv = project.join(format!("output/scorecard-ARP-demo-{AS_OF}.csv"));
    let before = std::fs::read(&csv).unwrap();
    // The March revenues data of every council cut short; the summaries made from them are
    // intact, so only a check of the data itself can notice.
    let mut damaged: Vec<std::path::PathBuf> = files_under(&project.join("store/revenues"));
    damaged.retain(|p| p.to_string_lossy().contains("as_at=2026-03-31"));
    assert!(!damaged.is_empty());
    for p in &damaged {
        let bytes = std::fs::read(p).unwrap();
        std::fs::write(p, &bytes[..bytes.len() / 3]).unwrap();
    }
    let (code, json) = run_json_with(&project, AS_OF, &["--force"]);
    assert_eq!(code, 2, "{json:#}");
    let why = json["errors"][0].as_str().unwrap();
    assert!(why.contains("2026-03-31"), "names the damaged file: {why}");
    assert_eq!(std::fs::read(&csv).unwrap(), before, "earlier outputs intact");
}

/// One partner's extract missing for a month: the reports still render, and the gap is shown
/// as "no data" for that partner and month (and for the partnership, whose collection rate
/// needs every partner).
#[test]
fn a_partners_missing_month_renders_as_a_marked_gap() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    // Fenland's rows taken out of the March 2026 revenues extract, which is written again
    // as the system would (title, header, totals of what is left).
    use scorecard::demo::data::{generate, Body};
    let demo = generate(scorecard::demo::SEED);
    let mut march =
        demo.extracts.into_iter().rfind(|x| matches!(x.body, Body::Revenues(_))).expect("a March revenues extract");
    if let Body::Revenues(rows) = &mut march.body {
        rows.retain(|r| r.partner != "E07000010");
    }
    scorecard::demo::write::write_extract(&project.join("drop"), &march).unwrap();
    let (code, json) = run_json(&project, AS_OF);
    assert!(code <= 1, "{json:#}");
    let csv = std::fs::read_to_string(project.join(format!("output/scorecard-ARP-demo-{AS_OF}.csv"))).unwrap();
    let value = |partner: &str| {
        csv.lines()
            .find(|l| l.starts_with(&format!("ctax_collection_rate,{partner},2025/26 M12,")))
            .map(|l| l.split(',').nth(5).unwrap().to_string())
    };
    assert_eq!(value("E07000010").unwrap_or_default(), "", "no figure for Fenland's missing month");
    assert_eq!(value("ALL").unwrap_or_default(), "", "nor for the partnership, which needs every partner");
    assert!(!value("E07000143").unwrap().is_empty(), "Breckland's figure is there");
    let pdf = project.join(format!("output/scorecard-ARP-demo-{AS_OF}-oib-dashboard.pdf"));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"), "the dashboard still renders");
    if let Ok(o) = std::process::Command::new("pdftotext").arg("-layout").arg(&pdf).arg("-").output() {
        let text = String::from_utf8_lossy(&o.stdout);
        let line = text.lines().find(|l| l.contains("Council tax collected in year")).unwrap_or_default();
        assert!(line.contains("no data"), "the gap is marked: {line}");
    }
}
