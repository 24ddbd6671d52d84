//! The PDF reports of the demo project, read as a clerk's tools read them: `pdfinfo` shows a
//! tagged PDF with its title and page count, the PDF/UA-1 and PDF/A-2 identifications are in
//! its metadata, and `pdftotext` finds the figures of the report model in each report. Typst
//! markup and a path put into an extract cell reach a report as literal text, never as markup.

use crate::common::*;
use scorecard::render::report;
use std::path::Path;
use std::process::Command;

const AS_OF: &str = "2026-04-07";
/// A benefits extract whose date cell holds Typst markup and a path.
const HOSTILE_CELL: &str = "#read(\"/etc/passwd\") ] # $x$";

fn info(file: &Path) -> Option<String> {
    let o = Command::new("pdfinfo").arg(file).output().ok()?;
    o.status.success().then(|| String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn every_report_is_tagged_archival_accessible_and_holds_the_model_figures() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    std::fs::write(
        project.join("drop/benefits_workitems_20260215.csv"),
        format!(
            "Housing Benefit and Council Tax Reduction work items\r\nReport run on 15/02/2026\r\n\r\nCouncil,Claim Reference,Work Type,Date Received,Date Decided,Outcome,Quality Checked,Found Correct\r\nBreckland,BR0000001,New Claim,\"{}\",,,No,\r\n",
            HOSTILE_CELL.replace('"', "\"\"")
        ),
    )
    .unwrap();
    let (code, json) = run_json(&project, AS_OF);
    assert!(code == 0 || code == 1, "{json:#}");

    let out = project.join("output");
    let stem = format!("scorecard-ARP-demo-{AS_OF}");
    let expected = [
        (format!("{stem}-joint-committee.pdf"), "Joint Committee quarterly performance report: The partnership"),
        (format!("{stem}-joint-committee-breckland.pdf"), "Joint Committee quarterly performance report: Breckland"),
        (
            format!("{stem}-joint-committee-east-suffolk.pdf"),
            "Joint Committee quarterly performance report: East Suffolk",
        ),
        (format!("{stem}-joint-committee-fenland.pdf"), "Joint Committee quarterly performance report: Fenland"),
        (format!("{stem}-oib-dashboard.pdf"), "Monthly performance dashboard: March 2026"),
        (format!("{stem}-data-quality.pdf"), "Data quality report, figures as at 7 April 2026"),
    ];
    let listed: Vec<String> = json["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "pdf")
        .map(|o| Path::new(o["path"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(listed.len(), expected.len(), "{listed:?}");

    for (name, title) in &expected {
        let path = out.join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(bytes.starts_with(b"%PDF-"), "{name}");
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(has(b"<pdfuaid:part>1</pdfuaid:part>"), "{name}: PDF/UA-1 identification");
        assert!(has(b"<pdfaid:part>2</pdfaid:part>"), "{name}: PDF/A-2 identification");
        assert!(has(b"/Lang(en-GB)"), "{name}: language en-GB");
        assert!(has(b"/StructTreeRoot"), "{name}: structure tree");
        match info(&path) {
            Some(i) => {
                assert!(i.lines().any(|l| l.starts_with("Tagged:") && l.ends_with("yes")), "{name}: {i}");
                let t = i.lines().find(|l| l.starts_with("Title:")).unwrap_or("");
                assert!(t.contains(title), "{name}: title {t:?}, expected {title:?}");
                let pages: usize = i
                    .lines()
                    .find(|l| l.starts_with("Pages:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
                    .unwrap();
                // The dashboard fits two landscape pages; every other report has at least three.
                let least = if name.contains("oib-dashboard") { 2 } else { 3 };
                assert!(pages >= least, "{name}: {pages} pages");
            }
            None => eprintln!("note: pdfinfo (poppler-utils) is not installed; PDF metadata not checked"),
        }
        // No word is drawn over another: every name and figure can be read.
        if let Some(over) = words_drawn_over(&path) {
            assert!(over.is_empty(), "{name}: words drawn over others: {over:?}");
        }
    }

    let Some(_) = pdf_text(&out.join(&expected[0].0), None) else {
        eprintln!("note: pdftotext (poppler-utils) is not installed; PDF text not checked");
        return;
    };
    let text = |name: &str| pdf_text(&out.join(name), None).unwrap();

    // The figures of the report model, as each report focuses on them.
    let loaded = scorecard::config::Project::load(&project).unwrap();
    let as_of = chrono::NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").unwrap();
    let model = scorecard::run::model_of(&loaded, as_of).unwrap();
    let mut checked = 0;
    for (kind, partner) in report::jobs(&loaded) {
        let focus = report::focus(&loaded, &model, kind, &partner);
        let name = report::file_name(&model, kind, (partner != "ALL").then_some(focus.partner_name.as_str()));
        let pdf = text(&name);
        match kind.id {
            "joint-committee" => {
                assert!(pdf.contains("Quarter 4, 2025/26 (January to March 2026)"), "{name}");
                for r in &focus.rows {
                    if let Some(c) = &r.cell {
                        assert!(pdf.contains(&squash(&c.value_text)), "{name}: {} {}", r.name, c.value_text);
                        checked += 1;
                    }
                    if let Some(b) = &r.benchmark {
                        assert!(pdf.contains(&format!("rank {}", b.rank_text)), "{name}: {} rank", r.name);
                        checked += 1;
                    }
                }
                for e in &focus.exceptions {
                    let words =
                        if e.commentary_missing { "Commentary missing".to_string() } else { squash(&e.commentary) };
                    assert!(pdf.contains(&words), "{name}: exception {} {words}", e.indicator_name);
                }
            }
            "oib-dashboard" => {
                for p in &focus.perspectives {
                    assert!(pdf.contains(p.as_str()), "{name}: perspective {p}");
                }
                for s in &model.scorecard {
                    for c in &s.cells {
                        assert!(pdf.contains(&squash(&c.number_text)), "{name}: {} {}", s.name, c.number_text);
                        checked += 1;
                    }
                }
            }
            "data-quality" => {
                // (The run's statements also name its quarantined files, which a model built
                // afterwards does not know of: the statement up to its full stop is checked.)
                for q in &model.quality {
                    let s = squash(q.statement.trim_end_matches('.'));
                    assert!(pdf.contains(&s), "{name}: {s}");
                    checked += 1;
                }
                // The hostile cell reached this report through the quarantine reason, as text.
                assert!(pdf.contains(HOSTILE_CELL), "{name}: the cell appears literally");
                assert!(!pdf.contains("root:x:0:0"), "{name}: no file was read");
            }
            other => panic!("unexpected report {other}"),
        }
    }
    assert!(checked > 100, "{checked} figures checked");
}

/// The demo partnership grown to twenty councils (seventeen without data): the dashboard
/// cuts its table of latest figures into tables of at most nine columns of figures, so every
/// council's name and figure is drawn whole, none over another; the commentary follows in a
/// table of its own. (One table of twenty-one columns drew the names over each other.)
#[test]
fn a_large_partnerships_dashboard_draws_every_councils_figures_whole() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let settings = project.join("scorecard.toml");
    let more: String =
        (4..=20).map(|i| format!("[[partner]]\ncode = \"E07900{i:03}\"\nname = \"Council {i:03}\"\n\n")).collect();
    let text = std::fs::read_to_string(&settings)
        .unwrap()
        .replacen("[folders]", &format!("{more}[folders]"), 1)
        .replacen("[report]\n", "[report]\nreports = [\"oib-dashboard\"]\n", 1);
    std::fs::write(&settings, text).unwrap();
    let (code, json) = run_json(&project, AS_OF);
    assert!(code == 0 || code == 1, "{json:#}");
    let dashboard = project.join(format!("output/scorecard-ARP-demo-{AS_OF}-oib-dashboard.pdf"));
    assert!(dashboard.exists(), "{json:#}");
    let Some(text) = pdf_text(&dashboard, None) else {
        eprintln!("note: pdftotext (poppler-utils) is not installed; the dashboard's layout not checked");
        return;
    };
    // Twenty councils and the partnership: three tables of seven columns of figures.
    for heading in
        ["Councils 1 to 7 of 20", "Councils 8 to 14 of 20", "Councils 15 to 20 of 20, and ARP-demo (all partners)"]
    {
        assert!(text.contains(heading), "{heading:?} in {text}");
    }
    assert!(text.contains("Commentary"), "{text}");
    for name in ["Breckland", "East Suffolk", "Fenland"]
        .into_iter()
        .map(String::from)
        .chain((4..=20).map(|i| format!("Council {i:03}")))
    {
        assert!(text.contains(&name), "{name} in {text}");
    }
    let over = words_drawn_over(&dashboard).unwrap();
    assert!(over.is_empty(), "words drawn over others: {over:?}");
}
