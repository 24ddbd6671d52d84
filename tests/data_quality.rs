//! Data-quality checks end to end: faults planted in a demo extract are found, the file is
//! quarantined with a reason and a feedback workbook pointing at every faulty row, the
//! earlier data stays in use, warnings load, and a waiver stops a known problem blocking
//! until it expires.

use crate::common::*;
use calamine::{open_workbook, Data, Reader, Xlsx};
use std::path::{Path, PathBuf};

/// Reads every sheet of a workbook as text rows.
fn sheets(path: &Path) -> Vec<(String, Vec<Vec<String>>)> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    wb.sheet_names()
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).unwrap();
            let rows = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
            (name, rows)
        })
        .collect()
}

/// Rewrites a demo revenues workbook with faults planted: `plant(excel_row, cells)` may
/// change a data row's cells (Excel row numbers, 1-based).
fn rewrite(src: &Path, dest: &Path, plant: impl Fn(u32, &mut Vec<Data>)) {
    let mut wb: Xlsx<_> = open_workbook(src).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    let mut rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    // Header on Excel row 4; data until the "Total" row.
    let total = rows.iter().position(|r| r[0] == Data::String("Total".into())).unwrap();
    for (i, row) in rows.iter_mut().enumerate().take(total).skip(4) {
        plant(i as u32 + 1, row);
    }
    let mut out = rust_xlsxwriter::Workbook::new();
    let ws = out.add_worksheet();
    for (i, row) in rows.iter().enumerate() {
        for (j, c) in row.iter().enumerate() {
            match c {
                Data::String(s) => {
                    ws.write_string(i as u32, j as u16, s).unwrap();
                }
                Data::Float(f) => {
                    ws.write_number(i as u32, j as u16, *f).unwrap();
                }
                Data::Int(n) => {
                    ws.write_number(i as u32, j as u16, *n as f64).unwrap();
                }
                _ => {}
            }
        }
    }
    out.save(dest).unwrap();
}

fn set_aside_all_but(project: &Path, keep: &[&str]) -> PathBuf {
    let aside = project.join("aside");
    std::fs::create_dir_all(&aside).unwrap();
    for f in std::fs::read_dir(project.join("drop")).unwrap() {
        let p = f.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if !keep.contains(&name.as_str()) {
            std::fs::rename(&p, aside.join(&name)).unwrap();
        }
    }
    aside
}

#[test]
fn planted_faults_are_found_quarantined_fed_back_and_waived() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let p = project.to_str().unwrap();
    let aside = set_aside_all_but(&project, &["revenues_20250430.xlsx"]);

    // 1. April: clean, accepted.
    let (code, json) = run_json(&project, "2025-05-07");
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["files"][0]["status"], "accepted");

    // 2. May, with faults: balances wrong on rows 10, 20, ... (1 row in 10: above the 1%
    // error threshold), row 6 given row 5's account (a duplicate: a warning, under 0.1%),
    // one malformed reference on row 7 (a warning).
    let faulty = project.join("drop/revenues_20250530.xlsx");
    let source = aside.join("revenues_20250530.xlsx");
    let original = sheets(&source);
    let row5_ref = original[0].1[4][2].clone();
    rewrite(&source, &faulty, |r, cells| {
        if r % 10 == 0 {
            cells[6] = Data::Float(12_345.67);
        }
        if r == 6 {
            cells[2] = Data::String(row5_ref.clone());
        }
        if r == 7 {
            cells[2] = Data::String("C-7".into());
        }
    });
    let data_rows = original[0].1.iter().skip(4).take_while(|r| r[0] != "Total").count();
    let bad_balance_rows: Vec<u32> = (5..5 + data_rows as u32).filter(|r| r % 10 == 0).collect();
    let duplicate_row = 6;

    let (code, json) = run_json(&project, "2025-06-06");
    assert_eq!(code, 1, "a quarantined file gives exit code 1: {json}");
    let f = &json["files"][0];
    assert_eq!(f["status"], "quarantined", "{f}");
    let reason = f["reason"].as_str().unwrap();
    assert!(reason.contains("compare:balance=net_debit-collected"), "{reason}");
    assert!(reason.contains("feedback workbook"), "{reason}");
    let read = f["rows_read"].as_u64().unwrap();
    assert_eq!(read, f["rows_accepted"].as_u64().unwrap() + f["rows_rejected"].as_u64().unwrap());
    assert_eq!(read as usize, data_rows);

    // The quarantine holds the file, its reason and its feedback workbook.
    let moved = PathBuf::from(f["moved_to"].as_str().unwrap());
    assert!(moved.exists());
    assert!(Path::new(&format!("{}.reason.txt", moved.display())).exists());
    let feedback = PathBuf::from(format!("{}.feedback.xlsx", moved.display()));
    let book = sheets(&feedback);
    let summary = &book[0].1;
    let status_of = |id: &str| {
        summary.iter().find(|r| r[0] == id).map(|r| r[2].clone()).unwrap_or_else(|| panic!("no {id} in {summary:?}"))
    };
    assert_eq!(status_of("compare:balance=net_debit-collected"), "fail");
    assert_eq!(status_of("unique:council+tax_type+account_ref+liability_year"), "warning");
    assert_eq!(status_of("pattern:account_ref"), "warning");
    assert_eq!(status_of("totals:net_debit+collected"), "pass", "debit and collected still reconcile");
    // The sheet of the failed comparison lists exactly the planted rows (Excel numbers).
    let compare = book.iter().find(|(n, _)| n.starts_with("compare")).unwrap();
    let header = compare.1.iter().position(|r| r[0] == "Excel row").unwrap();
    let listed: Vec<u32> = compare.1[header + 1..].iter().map(|r| r[0].parse::<f64>().unwrap() as u32).collect();
    assert_eq!(listed, bad_balance_rows);
    let unique = book.iter().find(|(n, _)| n.starts_with("unique")).unwrap();
    assert!(unique.1.iter().any(|r| r[0] == duplicate_row.to_string() && r[5].contains("as row 5")), "{:?}", unique.1);
    let pattern = book.iter().find(|(n, _)| n.starts_with("pattern")).unwrap();
    assert!(pattern.1.iter().any(|r| r[0] == "7" && r[4] == "C-7"), "{:?}", pattern.1);

    // The earlier data stays in use and the report says so.
    let out = project.join("output");
    let workbook = out.join("scorecard-ARP-demo-2025-06-06.xlsx");
    let dq = sheets(&workbook).into_iter().find(|(n, _)| n == "Data quality").unwrap().1;
    let statement_col = dq[0].iter().position(|h| h == "Statement").expect("Statement column");
    let revenues = dq.iter().find(|r| r[0].starts_with("Revenues")).unwrap();
    let statement = &revenues[statement_col];
    assert!(statement.contains("30 April 2025") && statement.contains("quarantined"), "{statement}");
    // Below the scores, the checks the quarantined extract failed.
    let findings = dq.iter().position(|r| r[0].starts_with("Open findings: checks the latest extract")).unwrap();
    let failed: Vec<&Vec<String>> = dq[findings..].iter().filter(|r| r[0].starts_with("Revenues")).collect();
    assert!(failed.iter().any(|r| r[3].starts_with("unique:") && r[6] == "warning"), "{failed:?}");
    assert!(failed.iter().any(|r| r[3].starts_with("compare") && r[6] == "fail"), "{failed:?}");
    assert!(project.join("output/feedback/2025-06-06").read_dir().unwrap().count() >= 1);

    // 3. A waiver accepts the known problem: the same file dropped again loads, with the
    // check listed as waived.
    std::fs::write(
        project.join("waivers.toml"),
        "[[waiver]]\nsource = \"revenues\"\ncheck = \"compare:balance=net_debit-collected\"\n\
         comment = \"Balances lag a day behind payments after the May upgrade; supplier fixing (ticket 42)\"\n\
         by = \"Performance officer\"\nexpires = 2025-06-30\n",
    )
    .unwrap();
    std::fs::copy(&moved, &faulty).unwrap();
    // Before dropping it, `scorecard check` says what the job will do, on each side of the expiry.
    let o = scorecard(&["check", "--project", p, "--as-of", "2025-07-01", faulty.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("would be QUARANTINED") && text.contains("expired on 30/06/2025"), "{text}");
    // It wrote no feedback workbook, and does not say it did.
    assert!(text.contains("A nightly run would list every failing row in a feedback workbook"), "{text}");
    assert!(!text.contains("is listed in the feedback workbook beside this file"), "{text}");
    let (code, json) = run_json(&project, "2025-06-07");
    assert_eq!(code, 0, "warnings and waived problems do not fail the run: {json}");
    let f = &json["files"][0];
    assert_eq!(f["status"], "accepted", "{f}");
    assert!(f["warnings"].as_u64().unwrap() >= 2, "{f}");
    let feedback = PathBuf::from(f["feedback"].as_str().unwrap());
    let summary = &sheets(&feedback)[0].1;
    let waived = summary.iter().find(|r| r[0] == "compare:balance=net_debit-collected").unwrap();
    assert_eq!(waived[2], "waived");
    assert!(waived[8].contains("ticket 42") && waived[8].contains("30/06/2025"), "{waived:?}");

    // 4. Nothing new for months: revenues is reported stale; the sources never loaded too.
    let (code, json) = run_json(&project, "2025-09-01");
    assert_eq!(code, 0);
    let stale: Vec<&str> = json["stale"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(stale.iter().any(|s| s.starts_with("Revenues") && s.contains("STALE")), "{stale:?}");
    // A source never loaded says so once.
    assert!(stale.contains(&"Performance returns: no extract has been accepted yet (STALE)."), "{stale:?}");
    assert_eq!(
        stale.len(),
        6,
        "revenues (94 days old), and benefits, both HR sources, the budget and the performance returns (never loaded: a source that never arrived is never current): {stale:?}"
    );

    // Quality records are kept for every extract checked, accepted or not.
    let kept = files_under(&project.join("store/quality"));
    assert_eq!(kept.len(), 3, "{kept:?}");
}
