//! Extracts older systems save with an `.xls` name that are really markup (mirrors
//! `ingest::markup`): an HTML page holding the report as a table, and an Excel 2003 XML
//! spreadsheet. Each is read with the same values as the same rows in a real workbook or CSV:
//! the run's figures are byte for byte those of the demo's own files.

use crate::common::*;
use scorecard::demo::data::{generate, Body, DemoExtract};
use std::fmt::Write;

/// Text escaped for HTML and XML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Money as an older revenues system prints it in a web page: `£1,234.56`, `(12.34)`.
fn money(v: f64) -> String {
    let s = scorecard::render::format::thousands(v.abs(), 2);
    if v < 0.0 {
        format!("({s})")
    } else {
        format!("£{s}")
    }
}

/// A revenues extract as the web page an older revenues system saves with an `.xls` name:
/// the title and run date above the table, a header row of `<th>`, money as text, a totals
/// row whose label spans four columns, a note below.
fn revenues_html(x: &DemoExtract) -> String {
    let Body::Revenues(rows) = &x.body else { panic!("revenues") };
    let mut h = String::from("<html><head><meta charset=\"utf-8\"><title>Accounts</title></head><body>\n");
    let _ = writeln!(h, "<h1>Revenues account extract - {}</h1>", x.council.unwrap_or("all"));
    let _ = writeln!(h, "<p>Report run on {} 06:12</p>", x.as_at.format("%d/%m/%Y"));
    h.push_str("<table border=\"1\">\n<thead><tr>");
    for c in [
        "Council",
        "Tax Type",
        "Account Reference",
        "Liability Year",
        "Net Collectable Debit",
        "Amount Collected",
        "Balance",
        "Recovery Stage",
        "Payment Method",
    ] {
        let _ = write!(h, "<th>{c}</th>");
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    let (mut debit, mut collected) = (0.0, 0.0);
    for r in rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(r.council_text),
            if r.tax_type == "CTAX" { "Council Tax" } else { "Business Rates" },
            r.account_ref,
            scorecard::periods::fy_label(r.liability_year),
            money(r.net_debit),
            money(r.collected),
            money(((r.net_debit - r.collected) * 100.0).round() / 100.0),
            r.recovery_stage,
            r.payment_method
        );
        debit += r.net_debit;
        collected += r.collected;
    }
    let _ = writeln!(
        h,
        "<tr><td colspan=\"4\"><b>Total</b></td><td>{}</td><td>{}</td><td>{}</td><td></td><td></td></tr>",
        money(debit),
        money(collected),
        money(debit - collected)
    );
    h.push_str("</tbody></table>\n<p>End of report.</p></body></html>\n");
    h
}

/// A benefits extract as an Excel 2003 XML spreadsheet: typed cells (`DateTime` dates,
/// `String` text), `ss:Index` skipping a blank row, the control count below.
fn benefits_xml(x: &DemoExtract) -> String {
    let Body::Benefits(rows) = &x.body else { panic!("benefits") };
    let mut s = String::from(
        "<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\">\n<Worksheet ss:Name=\"Work items\"><Table>\n",
    );
    let text = |v: &str| format!("<Cell><Data ss:Type=\"String\">{}</Data></Cell>", esc(v));
    let date = |d: chrono::NaiveDate| format!("<Cell><Data ss:Type=\"DateTime\">{}T00:00:00.000</Data></Cell>", d);
    let _ = writeln!(s, "<Row>{}</Row>", text("Housing Benefit and Council Tax Reduction work items"));
    let _ = writeln!(s, "<Row>{}</Row>", text(&format!("Report run on {}", x.as_at.format("%d/%m/%Y"))));
    let header = [
        "Council",
        "Claim Reference",
        "Work Type",
        "Date Received",
        "Date Decided",
        "Outcome",
        "Quality Checked",
        "Found Correct",
    ];
    let _ = writeln!(s, "<Row ss:Index=\"4\">{}</Row>", header.iter().map(|h| text(h)).collect::<String>());
    for r in rows {
        let mut row = String::new();
        row.push_str(&text(r.council_text));
        row.push_str(&text(&r.claim_ref));
        row.push_str(&text(if r.work_type == "new_claim" { "New Claim" } else { "Change of Circumstances" }));
        row.push_str(&date(r.received));
        match r.decided {
            Some(d) => row.push_str(&date(d)),
            None => row.push_str("<Cell/>"),
        }
        row.push_str(&text(r.outcome));
        // Blank cells skipped with ss:Index, as Excel writes them.
        let qc = if r.decided.is_some() {
            if r.quality_checked {
                "Y"
            } else {
                "N"
            }
        } else {
            ""
        };
        let fc = r.found_correct.map(|b| if b { "Y" } else { "N" }).unwrap_or("");
        if !qc.is_empty() {
            row.push_str(&format!("<Cell ss:Index=\"7\"><Data ss:Type=\"String\">{qc}</Data></Cell>"));
        }
        if !fc.is_empty() {
            row.push_str(&format!("<Cell ss:Index=\"8\"><Data ss:Type=\"String\">{fc}</Data></Cell>"));
        }
        let _ = writeln!(s, "<Row>{row}</Row>");
    }
    let _ = writeln!(s, "<Row>{}</Row>", text(&format!("Total items: {}", rows.len())));
    s.push_str("</Table></Worksheet></Workbook>\n");
    s
}

#[test]
fn an_html_xls_and_an_excel_2003_xml_xls_read_as_the_workbooks_do() {
    let demo = generate(scorecard::demo::SEED);
    let pick = |source: &str| -> DemoExtract {
        demo.extracts
            .iter()
            .filter(|x| x.source == source && x.as_at.format("%Y%m").to_string() == "202510")
            .flat_map(|x| x.per_council(&|_| 0))
            .find(|x| x.council == Some("Fenland"))
            .unwrap()
    };
    let (revenues, benefits) = (pick("revenues"), pick("benefits"));
    let as_workbooks = tempfile::tempdir().unwrap();
    let a = as_workbooks.path().join("p");
    scorecard::demo::write_config(&a).unwrap();
    for x in [&revenues, &benefits] {
        scorecard::demo::write::write_extract(&a.join("drop"), x).unwrap();
    }
    let as_markup = tempfile::tempdir().unwrap();
    let b = as_markup.path().join("p");
    scorecard::demo::write_config(&b).unwrap();
    std::fs::write(b.join("drop/revenues_fenland_20251031.xls"), revenues_html(&revenues)).unwrap();
    std::fs::write(b.join("drop/benefits_workitems_fenland_20251031.xls"), benefits_xml(&benefits)).unwrap();

    let (_, ja) = run_json(&a, "2025-11-07");
    let (_, jb) = run_json(&b, "2025-11-07");
    let files = |j: &serde_json::Value| {
        let mut v: Vec<(String, u64, u64)> = j["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                assert_eq!(f["status"], "accepted", "{f}");
                (
                    f["source"].as_str().unwrap().to_string(),
                    f["rows_read"].as_u64().unwrap(),
                    f["rows_accepted"].as_u64().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(files(&ja), files(&jb), "the same rows read and accepted");
    let csv = |j: &serde_json::Value| {
        let p = j["outputs"].as_array().unwrap().iter().find(|o| o["kind"] == "csv").unwrap()["path"]
            .as_str()
            .unwrap()
            .to_string();
        std::fs::read_to_string(p).unwrap()
    };
    let (ca, cb) = (csv(&ja), csv(&jb));
    assert!(ca.lines().count() > 10, "figures were made");
    assert_eq!(ca, cb, "the markup files give the workbooks' figures");
    // The HTML's totals row reconciled with its rows (the totals check passed).
    let quality = std::fs::read_dir(b.join("store/quality/revenues")).unwrap().next().unwrap().unwrap().path();
    let record: serde_json::Value = serde_json::from_slice(&std::fs::read(quality).unwrap()).unwrap();
    let totals = record["checks"].as_array().unwrap().iter().find(|c| c["id"] == "totals:net_debit+collected").unwrap();
    assert_eq!(totals["status"], "pass", "{totals}");
}
