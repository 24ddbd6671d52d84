//! What happens to files that are not good extracts: quarantined with a reason, skipped, or
//! archived as duplicates; never lost.

use crate::common::*;

#[test]
fn bad_and_unknown_files_are_quarantined_with_reasons() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let drop = project.join("drop");
    // Keep one good extract of each kind, plus broken ones.
    for e in std::fs::read_dir(&drop).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if !name.contains("20250430") {
            std::fs::remove_file(p).unwrap();
        }
    }
    std::fs::write(drop.join("minutes_of_meeting.docx"), b"not an extract").unwrap();
    std::fs::write(drop.join("revenues_20250531.csv"), "Council,Account\nBreckland,1\n").unwrap();
    std::fs::write(drop.join("~$revenues_20250430.xlsx"), b"lock").unwrap();
    // An exact copy of a good extract under another name.
    std::fs::copy(drop.join("benefits_workitems_20250430.csv"), drop.join("benefits_copy_20250430.csv")).unwrap();

    let (code, json) = run_json(&project, "2025-06-01");
    assert_eq!(code, 1, "completed with quarantined files: {json:#}");
    let status = |name: &str| -> (String, String) {
        let f =
            json["files"].as_array().unwrap().iter().find(|f| f["name"] == name).unwrap_or_else(|| panic!("{name}"));
        (f["status"].as_str().unwrap().into(), f["reason"].as_str().unwrap().into())
    };
    let (s, r) = status("minutes_of_meeting.docx");
    assert_eq!(s, "quarantined");
    assert!(r.contains("matches no source definition"), "{r}");
    let (s, r) = status("revenues_20250531.csv");
    assert_eq!(s, "quarantined");
    assert!(r.contains("no header row") && r.contains("tax_type"), "{r}");
    assert_eq!(status("~$revenues_20250430.xlsx").0, "skipped");
    let statuses: Vec<String> =
        ["benefits_copy_20250430.csv", "benefits_workitems_20250430.csv"].iter().map(|n| status(n).0).collect();
    assert!(statuses.contains(&"duplicate".to_string()) && statuses.contains(&"accepted".to_string()), "{statuses:?}");
    for n in ["hr_staff_20250430.xlsx", "hr_absence_20250430.xlsx", "revenues_20250430.xlsx"] {
        assert_eq!(status(n).0, "accepted", "{n}");
    }

    // The quarantine holds each rejected file and a reason a clerk can read.
    let q = project.join("quarantine").join("2025-06-01");
    let kept = |prefix: &str, suffix: &str| -> std::path::PathBuf {
        std::fs::read_dir(&q)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                let n = p.file_name().unwrap().to_string_lossy();
                n.starts_with(prefix) && n.ends_with(suffix)
            })
            .unwrap_or_else(|| panic!("{prefix}*{suffix} in the quarantine"))
    };
    let reason = std::fs::read_to_string(kept("revenues_20250531.", ".csv.reason.txt")).unwrap();
    assert!(reason.contains("no header row"), "{reason}");
    // Kept under its own name plus the start of its SHA-256.
    let docx = kept("minutes_of_meeting.", ".docx");
    let sha = scorecard::common::sha256_hex(b"not an extract");
    assert_eq!(docx.file_name().unwrap().to_string_lossy(), format!("minutes_of_meeting.{}.docx", &sha[..12]));
    // Only the lock file is left in the drop folder.
    let left: Vec<String> =
        std::fs::read_dir(&drop).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, vec!["~$revenues_20250430.xlsx".to_string()]);
    // Outputs are still written.
    assert_eq!(json["outputs"].as_array().unwrap().len(), 2 + 6, "workbook, CSV and six PDF reports");
}

/// Commentary dropped with the extracts is checked, kept and used in later runs; a file with
/// a bad row is quarantined naming the line.
#[test]
fn dropped_commentary_is_kept_or_quarantined_with_its_lines() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let drop = project.join("drop");
    for f in std::fs::read_dir(&drop).unwrap() {
        let p = f.unwrap().path();
        if !p.file_name().unwrap().to_string_lossy().starts_with("revenues_20250430") {
            std::fs::remove_file(p).unwrap();
        }
    }
    std::fs::remove_file(project.join("commentary.csv")).unwrap();
    std::fs::write(
        drop.join("commentary_may.csv"),
        "indicator,partner,period,explanation,action,owner\nctax_collection_rate,Breckland,2025/26 M01,Annual bills went out late.,Reminders brought forward.,Head of Revenues\n",
    )
    .unwrap();
    std::fs::write(
        drop.join("commentary_bad.csv"),
        "indicator,partner,period,explanation,action,owner\nctax_collection_rate,Norwich,2025/26 M01,x,y,z\nno_such_indicator,ALL,2025/26,x,y,z\n",
    )
    .unwrap();
    let (code, json) = run_json(&project, "2025-05-07");
    assert_eq!(code, 1, "the bad commentary file is quarantined: {json:#}");
    let file = |name: &str| json["files"].as_array().unwrap().iter().find(|f| f["name"] == name).unwrap().clone();
    assert_eq!(file("commentary_may.csv")["status"], "accepted");
    let bad = file("commentary_bad.csv");
    assert_eq!(bad["status"], "quarantined");
    let reason = bad["reason"].as_str().unwrap();
    assert!(reason.contains("line 2") && reason.contains("Norwich") && reason.contains("line 3"), "{reason}");
    let csv =
        |as_of: &str| std::fs::read_to_string(project.join(format!("output/scorecard-ARP-demo-{as_of}.csv"))).unwrap();
    let row = |text: &str| {
        text.lines().find(|l| l.starts_with("ctax_collection_rate,E07000143,2025/26 M01,")).unwrap().to_string()
    };
    assert!(row(&csv("2025-05-07")).contains("Annual bills went out late."), "{}", row(&csv("2025-05-07")));
    // The next run, with nothing new, still uses the kept commentary.
    let (_, _) = run_json(&project, "2025-05-08");
    assert!(row(&csv("2025-05-08")).contains("Reminders brought forward."));
}
