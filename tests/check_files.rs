//! `scorecard check`: tells staff which source a file is and every problem, moving nothing.

use crate::common::*;

#[test]
fn check_reports_source_problems_and_moves_nothing() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let drop = project.join("drop");
    let p = project.to_str().unwrap();

    // A good extract: clean, exit 0.
    let good = drop.join("hr_absence_20250430.xlsx");
    let o = scorecard(&["check", "--project", p, good.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("source hr_absence") && out.contains("no problems found"), "{out}");

    // One bad council name among thousands of rows: accepted with a finding, exit 1.
    let text = std::fs::read_to_string(drop.join("benefits_workitems_20250430.csv")).unwrap();
    let bad = dir.path().join("benefits_workitems_20250430.csv");
    std::fs::write(&bad, text.replacen("\r\nFenland,", "\r\nNorwich,", 1)).unwrap();
    // A renamed extract, recognised by its header row.
    let renamed = dir.path().join("export_april.xlsx");
    std::fs::copy(drop.join("hr_staff_20250430.xlsx"), &renamed).unwrap();
    let unknown = dir.path().join("notes.txt");
    std::fs::write(&unknown, "nothing to see").unwrap();

    let o = scorecard(&[
        "check",
        "--project",
        p,
        "--json",
        bad.to_str().unwrap(),
        renamed.to_str().unwrap(),
        unknown.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let bad_j = &json[0];
    assert_eq!(bad_j["source"], "benefits");
    assert_eq!(bad_j["verdict"], "accept");
    assert_eq!(bad_j["rows_rejected"], 1);
    let f = &bad_j["findings"][0];
    assert_eq!(f["value"], "Norwich");
    assert_eq!(f["column"], "A (Council)");
    assert!(f["row"].as_u64().unwrap() > 4, "row number as the user sees it: {f}");
    assert_eq!(json[1]["source"], "hr_staff", "recognised by its header: {}", json[1]);
    assert_eq!(json[1]["verdict"], "accept");
    assert_eq!(json[2]["verdict"], "quarantine");
    assert!(json[2]["reason"].as_str().unwrap().contains("matches no source definition"), "{}", json[2]);

    // Nothing was moved.
    assert!(bad.exists() && renamed.exists() && unknown.exists() && good.exists());
    assert!(!project.join("archive").exists() && !project.join("store").exists());
}
