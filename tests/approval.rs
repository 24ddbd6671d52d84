//! Sign-off: a committee report says "DRAFT – not approved for publication" on every page
//! and in its metadata until `scorecard approve` records its period in the audit log; the log
//! names an edited entry, and a kill while approving leaves it whole.

use crate::common::*;
use std::path::Path;
use std::process::Command;

const AS_OF: &str = "2026-04-07";
const DRAFT: &str = "DRAFT – not approved for publication";

fn pdf_title(path: &Path) -> Option<String> {
    let o = Command::new("pdfinfo").arg(path).output().ok()?;
    let info = String::from_utf8_lossy(&o.stdout).into_owned();
    info.lines().find_map(|l| l.strip_prefix("Title:")).map(|t| t.trim().to_string())
}

fn approve(project: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["approve", "--project", project.to_str().unwrap(), "--as-of", AS_OF];
    args.extend(extra);
    scorecard(&args)
}

#[test]
fn an_unapproved_period_is_marked_draft_and_an_approved_one_is_not() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let (code, _) = run_json(&project, AS_OF);
    assert!(code <= 1);
    let out = project.join("output");
    let jc = out.join(format!("scorecard-ARP-demo-{AS_OF}-joint-committee.pdf"));
    let dashboard = out.join(format!("scorecard-ARP-demo-{AS_OF}-oib-dashboard.pdf"));
    if let (Some(text), Some(pages)) = (pdf_text(&jc, None), pdf_text(&jc, Some((2, 2)))) {
        assert!(text.matches(DRAFT).count() >= 2 * 8, "on every page, top and bottom: {}", text.matches(DRAFT).count());
        assert!(pages.contains(DRAFT), "page 2");
        assert!(pdf_title(&jc).unwrap().ends_with(&format!("({DRAFT})")), "{:?}", pdf_title(&jc));
        assert!(!pdf_text(&dashboard, None).unwrap().contains(DRAFT), "an internal dashboard needs no approval");
    } else {
        eprintln!("note: pdftotext (poppler-utils) is not installed; PDF text not checked");
    }
    let status = scorecard(&["status", "--project", project.to_str().unwrap(), "--as-of", AS_OF, "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(json["awaiting_approval"].as_array().unwrap().iter().any(|a| a == "joint-committee 2025/26 Q4"), "{json}");

    // Nothing is recorded without a name, for an unknown period, or for a period without figures.
    assert_eq!(approve(&project, &["--period", "2025/26 Q4", "--by", " "]).status.code(), Some(2));
    assert_eq!(approve(&project, &["--period", "Q9", "--by", "A N Other"]).status.code(), Some(2));
    let o = approve(&project, &["--period", "2030/31 Q1", "--by", "A N Other"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no figures for 2030/31 Q1"), "{}", stderr(&o));
    let log = std::fs::read_to_string(project.join("store/audit.jsonl")).unwrap_or_default();
    assert!(!log.contains("\"kind\":\"approval\""), "nothing recorded");

    let o = approve(
        &project,
        &["--period", "2025/26 Q4", "--by", "Head of Revenues", "--note", "Joint Committee 21 April"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("approved 2025/26 Q4 (every report) by Head of Revenues on 07/04/2026"),
        "{}",
        stderr(&o)
    );
    let log = std::fs::read_to_string(project.join("store/audit.jsonl")).unwrap();
    let entry: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(entry["kind"], "approval");
    assert_eq!(entry["on"].as_str(), Some(AS_OF), "the run clock, not the wall clock");
    assert!(entry["detail"]["figures"].as_array().unwrap().len() > 20, "every figure of the period is kept");
    let verify = scorecard(&["audit", "verify", "--project", project.to_str().unwrap()]);
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));

    // The approval changes the reports: the next run publishes them without the mark.
    let (code, json) = run_json(&project, AS_OF);
    assert!(code <= 1, "{json}");
    if let Some(text) = pdf_text(&jc, None) {
        assert!(!text.contains(DRAFT), "approved");
        assert!(!pdf_title(&jc).unwrap().contains("DRAFT"));
    }
    let status = scorecard(&["status", "--project", project.to_str().unwrap(), "--as-of", AS_OF, "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(!json["awaiting_approval"].as_array().unwrap().iter().any(|a| a == "joint-committee 2025/26 Q4"), "{json}");

    // An edited entry is named.
    let n = log.lines().count();
    std::fs::write(project.join("store/audit.jsonl"), log.replacen("Head of Revenues", "Head of Finance", 1)).unwrap();
    let verify = scorecard(&["audit", "verify", "--project", project.to_str().unwrap()]);
    assert_eq!(verify.status.code(), Some(1));
    let named = format!("entry {n}: its content does not match its SHA-256");
    assert!(stderr(&verify).contains(&named), "{}", stderr(&verify));
}

#[test]
fn a_kill_while_approving_leaves_the_log_whole() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let (code, _) = run_json(&project, AS_OF);
    assert!(code <= 1);
    let o = approve(&project, &["--period", "2025/26 M12", "--by", "Head of Revenues"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = std::fs::read(project.join("store/audit.jsonl")).unwrap();

    let p = project.to_str().unwrap();
    let args = ["approve", "--project", p, "--as-of", AS_OF, "--period", "2025/26 Q4", "--by", "Head of Revenues"];
    kill_at_point(&args, "audit:writing");
    assert_eq!(std::fs::read(project.join("store/audit.jsonl")).unwrap(), before, "the log as it was");
    let verify = scorecard(&["audit", "verify", "--project", project.to_str().unwrap()]);
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));
    // The killed approval's lock is taken over, and approving again works.
    let o = approve(&project, &["--period", "2025/26 Q4", "--by", "Head of Revenues"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines = |b: &[u8]| b.iter().filter(|c| **c == b'\n').count();
    assert_eq!(lines(&std::fs::read(project.join("store/audit.jsonl")).unwrap()), lines(&before) + 1);
}

/// A corrected extract after approval: the figure is shown as restated, with the approved
/// value, the new one and the file that changed it, in the report, the workbook and the
/// open-data CSV; approving the period again accepts it.
#[test]
fn a_correction_after_approval_is_shown_as_a_restatement() {
    use calamine::Reader;
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("demo");
    let p = project.to_str().unwrap();
    let o = scorecard(&["demo", p, "--no-run", "--per-council"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Breckland's March revenues are late: approved without them, they arrive afterwards.
    let late = "revenues_breckland_20260331.xlsx";
    let held = dir.path().join(late);
    std::fs::rename(project.join("drop").join(late), &held).unwrap();
    assert!(run_json(&project, AS_OF).0 <= 1);
    let o = approve(&project, &["--period", "2025/26 Q4", "--by", "Head of Revenues"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let log = std::fs::read_to_string(project.join("store/audit.jsonl")).unwrap();
    let approval: serde_json::Value = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["kind"] == "approval")
        .unwrap();
    let was = approval["detail"]["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["indicator"] == "ctax_collection_rate" && f["partner"] == "E07000010")
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_string();

    // Fenland's revenues for 31 March corrected: two accounts, one of them half paid.
    let corrected = "Revenues account extract - Fenland (corrected)\nReport run on 31/03/2026 09:00\n\n\
        Council,Tax Type,Account Reference,Liability Year,Net Debit,Collected,Balance,Recovery Stage,Payment Method\n\
        Fenland,Council Tax,CT3000001,2025/26,1000.00,1000.00,0.00,None,Direct Debit\n\
        Fenland,Council Tax,CT3000002,2025/26,1000.00,500.00,500.00,Reminder,Cash\n\
        Total,,,,2000.00,1500.00,500.00,,\n";
    std::fs::write(project.join("drop/revenues_fenland_20260331_corrected.csv"), corrected).unwrap();
    std::fs::rename(&held, project.join("drop").join(late)).unwrap();
    let later = "2026-04-14";
    let (code, json) = run_json(&project, later);
    assert!(code <= 1, "{json}");
    let because = "because revenues for Fenland as at 31/03/2026 were replaced by file \
                   revenues_fenland_20260331_corrected.csv on 14/04/2026";
    let sentence = format!("restated: was {was}, now 75.00, {because}");

    // The open-data CSV's notes.
    let out = project.join("output");
    let csv = std::fs::read_to_string(out.join(format!("scorecard-ARP-demo-{later}.csv"))).unwrap();
    let row = csv.lines().find(|l| l.starts_with("ctax_collection_rate,E07000010,2025/26 Q4,")).unwrap();
    assert!(row.contains(&sentence), "{row}\n{sentence}");
    // The late file: no value was approved, and now there is one.
    let row = csv.lines().find(|l| l.starts_with("ctax_collection_rate,E07000143,2025/26 Q4,")).unwrap();
    let now = row.split(',').nth(5).unwrap();
    let arrived = format!(
        "restated: was no value, now {now}, because revenues for Breckland as at 31/03/2026 arrived in file {late} on 14/04/2026"
    );
    assert!(!now.is_empty() && row.contains(&arrived), "{row}\n{arrived}");
    // The workbook's Values sheet.
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook(out.join(format!("scorecard-ARP-demo-{later}.xlsx"))).unwrap();
    let values = book.worksheet_range("Values").unwrap();
    assert!(values.rows().flatten().any(|c| c.to_string().contains(&sentence)), "the Values sheet says it");
    // The report's restatements section.
    if let Some(text) = pdf_text(&out.join(format!("scorecard-ARP-demo-{later}-joint-committee.pdf")), None) {
        // A long file name breaks after an underscore.
        let text = squash(&text.replace('\u{200b}', "")).replace("_ ", "_");
        let section = text.split("Restated figures").nth(2).expect("the section, after the contents");
        let section = section.split("Summary").next().unwrap_or_default();
        let cell = format!("Fenland 2025/26 Q4 {was} 75.00 {}", because.trim_start_matches("because "));
        assert!(section.contains(&cell), "{cell}\n---\n{section}");
    }
    // In the audit log, which still verifies.
    let log = std::fs::read_to_string(project.join("store/audit.jsonl")).unwrap();
    assert!(log.lines().any(|l| l.contains("\"kind\":\"restatement\"") && l.contains("\"now\":\"75.00\"")));
    let verify = scorecard(&["audit", "verify", "--project", p]);
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));

    // Approving again accepts the restatement.
    let o =
        scorecard(&["approve", "--project", p, "--as-of", later, "--period", "2025/26 Q4", "--by", "Head of Revenues"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(run_json(&project, later).0 <= 1);
    let csv = std::fs::read_to_string(out.join(format!("scorecard-ARP-demo-{later}.csv"))).unwrap();
    assert!(!csv.contains("restated:"), "accepted");
}
