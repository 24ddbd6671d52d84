//! The committee pack read as a councillor, a clerk and a manager read it (issue 20): one
//! check for each defect found on the demo's Q4 2025/26 reports that can be checked in
//! text. The commentary the officers wrote for March reaches the Q4 reports and the monthly
//! dashboard; page 1 of the Joint Committee report counts the statuses and lists every
//! result off target with its commentary; figures equal as shown are "no change"; context
//! measures have no status; no jargon, no swallowed punctuation; the workbook's Commentary
//! sheet keeps to the periods being reported; a check that compared nothing is not a pass.

use crate::common::*;
use calamine::Reader;
use std::process::Command;

const AS_OF: &str = "2026-04-07";

/// The demo run once, its outputs folder.
fn demo_run() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let (code, json) = run_json(&project, AS_OF);
    assert!(code == 0 || code == 1, "{json:#}");
    (dir, project)
}

#[test]
fn the_committee_reads_the_commentary_page_one_and_honest_figures() {
    let (_dir, project) = demo_run();
    let out = project.join("output");
    let stem = format!("scorecard-ARP-demo-{AS_OF}");
    let jc = out.join(format!("{stem}-joint-committee.pdf"));
    let Some(all) = pdf_text(&jc, None) else {
        eprintln!("note: pdftotext (poppler-utils) is not installed; the committee pack's text is not checked");
        return;
    };
    // Commentary written for March (M12) explains the Q4 figures, in the partnership's
    // report, the council's own report and the monthly dashboard.
    let commentary = std::fs::read_to_string(project.join("commentary.csv")).unwrap();
    let march: Vec<Vec<&str>> = commentary
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|r| r.get(2) == Some(&"2025/26 M12"))
        .collect();
    assert!(!march.is_empty(), "the demo's commentary has March rows");
    let page1 = pdf_text(&jc, Some((1, 1))).unwrap();
    let oib = pdf_text(&out.join(format!("{stem}-oib-dashboard.pdf")), None).unwrap();
    for r in &march {
        let explanation = r[3];
        assert!(page1.contains(explanation), "page 1 of the Q4 report lacks the March commentary {explanation:?}");
        assert!(oib.contains(explanation), "the dashboard lacks the March commentary {explanation:?}");
        if r[1] != "ALL" {
            let own = out.join(format!("{stem}-joint-committee-{}.pdf", r[1].to_lowercase().replace(' ', "-")));
            assert!(pdf_text(&own, None).unwrap().contains(explanation), "{}'s report", r[1]);
        }
    }
    // Page 1 stands alone: statuses counted by perspective and council, results off target.
    for words in
        ["At a glance", "Perspective", "Council", "Off target or close to it", "Changes since Quarter 3, 2025/26"]
    {
        assert!(page1.contains(words), "page 1 lacks {words:?}: {page1}");
    }
    // Its sentence says whose results it counts, and the Red and Amber list says whose it
    // lists, for a council's report lists the partnership's results beside the council's own.
    assert!(page1.contains("The partnership has 10 results with a target: 9 are on target or better, 1 is close to it and 0 are off target; 5 more have no target or no figure yet."), "{page1}");
    assert!(page1.contains("Every Red or Amber result of the partnership and of each council, Red first."), "{page1}");
    let fenland1 = pdf_text(&out.join(format!("{stem}-joint-committee-fenland.pdf")), Some((1, 1))).unwrap();
    assert!(fenland1.contains("Fenland has 8 results with a target: 6 are on target or better, 2 are close to it and 0 are off target; 5 more have no target or no figure yet."), "{fenland1}");
    assert!(
        fenland1.contains("Every Red or Amber result of Fenland and of the partnership as a whole, Red first."),
        "{fenland1}"
    );
    assert!(
        fenland1.contains("ARP-demo (all partners)"),
        "Fenland's list has the partnership's Amber result: {fenland1}"
    );
    assert!(!page1.contains("Contents"), "the contents come after page 1");
    // Plain words and whole sentences.
    for pdf in [&all, &oib] {
        for jargon in ["QUARTILE.INC", "within 0% of target", "Item Detail"] {
            assert!(!pdf.contains(jargon), "{jargon:?} in a report");
        }
    }
    assert!(all.contains("The last eight quarters for the partnership (Breckland, East Suffolk and Fenland), and"));
    assert!(all.contains("Every indicator for Quarter 4, 2025/26 (January to March 2026), for the partnership (Breckland, East Suffolk and Fenland)."));
    assert!(!all.contains("median 9"), "the median's sentence keeps its punctuation");
    // Units everywhere: the dashboard names a figure's unit beside the indicator, and a
    // council's benchmark sentence gives the median with its unit.
    assert!(oib.contains("Time to process new benefit claims (days)"), "{oib}");
    let fenland_text = pdf_text(&out.join(format!("{stem}-joint-committee-fenland.pdf")), None).unwrap();
    let medians: Vec<&str> = fenland_text.split("median is ").skip(1).collect();
    assert!(!medians.is_empty(), "Fenland's report has benchmark sentences");
    for m in medians {
        let figure: Vec<&str> = m.split_whitespace().take(2).map(|w| w.trim_end_matches(['.', ','])).collect();
        let with_unit = figure[0].ends_with('%') || figure[0].starts_with('£') || figure.get(1) == Some(&"days");
        assert!(with_unit, "a median without its unit: {:?}", &m[..m.len().min(40)]);
    }
    // A council already in the top quartile has no gap to it, and the change in rank begins
    // its own sentence.
    assert!(!fenland_text.contains("the gap to the top quartile is in the top quartile"), "{fenland_text}");
    assert!(fenland_text.contains("The comparators’ median is 97.10%. Up 9 places since 2023/24."), "{fenland_text}");
    assert!(
        fenland_text.contains("the gap to the top quartile is 2.46 percentage points. Down 11 places since 2023/24."),
        "{fenland_text}"
    );
    // Context measures are not judged.
    assert!(all.contains("context measure"));
    // Every chart's figures follow as a table.
    assert!(all.contains("Appendix: chart figures"));
    // The data-quality report claims no more than was checked: reliability checks with no
    // earlier extract to compare are "not checked", and relevance, full everywhere, is a
    // sentence rather than a column.
    let dq = pdf_text(&out.join(format!("{stem}-data-quality.pdf")), None).unwrap();
    assert!(dq.contains("not checked"), "reliability compared nothing in the demo's single night");
    assert!(dq.contains("Relevance: every source checked scores 100.0%"), "{dq}");
    assert!(!dq.contains("No complete period yet"));
    // An open finding is named in words as well as by its id, and its counts are given once,
    // with thousands separated.
    for words in [
        "amounts collected do not exceed the debit (overpayments leave credit balances)",
        "collected_within_debit",
        "100 of 5,459",
    ] {
        assert!(dq.contains(words), "{words:?}: {dq}");
    }
    assert!(!dq.contains("100 of 5459 fail"), "{dq}");
    // The stale source's row does not say its name twice.
    assert!(dq.contains("What is wrong Performance returns no extract has been accepted yet (STALE)."), "{dq}");
    // A partner's report says "partnership only" for figures made for the partnership alone.
    let fenland = pdf_text(&out.join(format!("{stem}-joint-committee-fenland.pdf")), None).unwrap();
    assert!(fenland.contains("partnership only"));

    // Indicator names are row headers (a screen reader names the row with each figure).
    if let Ok(o) = Command::new("pdfinfo").arg("-struct-text").arg(&jc).output() {
        let tree = String::from_utf8_lossy(&o.stdout).into_owned();
        let lines: Vec<&str> = tree.lines().collect();
        let row_headers: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.contains("/Scope /Row"))
            .filter_map(|(i, _)| lines[i..(i + 6).min(lines.len())].iter().find(|l| l.trim_start().starts_with('"')))
            .copied()
            .collect();
        assert!(row_headers.iter().any(|l| l.contains("Council tax collected in year")), "{row_headers:?}");
    }
    // The dashboard fits two landscape pages.
    if let Ok(info) = Command::new("pdfinfo").arg(out.join(format!("{stem}-oib-dashboard.pdf"))).output() {
        let info = String::from_utf8_lossy(&info.stdout).into_owned();
        let pages = info.lines().find(|l| l.starts_with("Pages:")).and_then(|l| l.split_whitespace().nth(1));
        assert_eq!(pages, Some("2"), "{info}");
        assert!(info.lines().any(|l| l.starts_with("Page size:") && l.contains("841.89 x 595.2")), "{info}");
    }
}

#[test]
fn direction_and_status_say_no_more_than_the_figures_shown() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let (code, json) = run_json(&project, AS_OF);
    assert!(code == 0 || code == 1, "{json:#}");
    let loaded = scorecard::config::Project::load(&project).unwrap();
    let as_of = chrono::NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").unwrap();
    let model = scorecard::run::model_of(&loaded, as_of).unwrap();
    let mut equal_as_shown = 0;
    for v in &model.values {
        let def = loaded.indicators.iter().find(|d| d.id() == v.indicator_id).unwrap();
        let context = def.polarity == scorecard::config::Polarity::Context;
        if context {
            assert_eq!(
                (v.rag.as_deref(), v.target),
                (None, None),
                "{} {}: a context measure",
                v.indicator_id,
                v.period
            );
            assert!(matches!(v.direction.as_str(), "" | "up" | "down" | "no change"), "{}", v.direction);
        } else {
            assert!(matches!(v.direction.as_str(), "" | "improved" | "worse" | "no change"), "{}", v.direction);
        }
        if v.value.is_some() && v.value_text == v.last_year_text && def.direction_precision.is_none() {
            assert_eq!(v.direction, "no change", "{} {} {}: equal as shown", v.indicator_id, v.partner_code, v.period);
            equal_as_shown += 1;
        }
    }
    assert!(equal_as_shown > 0, "the demo has figures equal as shown to last year's");
    // The council tax collection rate of Q4: 97.46% against 97.46%.
    let q4 = model
        .values
        .iter()
        .find(|v| v.indicator_id == "ctax_collection_rate" && v.partner_code == "ALL" && v.period == "2025/26 Q4")
        .unwrap();
    assert_eq!(
        (q4.value_text.as_str(), q4.last_year_text.as_str(), q4.direction.as_str()),
        ("97.46%", "97.46%", "no change")
    );

    // The Commentary sheet keeps to the periods being reported.
    let workbook = project.join(format!("output/scorecard-ARP-demo-{AS_OF}.xlsx"));
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&workbook).unwrap();
    let sheet = book.worksheet_range("Commentary").unwrap();
    let periods: std::collections::BTreeSet<String> =
        sheet.rows().skip(1).filter_map(|r| r.get(2).map(|c| c.to_string())).collect();
    let reported: std::collections::BTreeSet<String> =
        model.values.iter().filter(|v| v.reported).map(|v| v.period.clone()).collect();
    assert!(!periods.is_empty());
    assert!(periods.is_subset(&reported), "{periods:?} against {reported:?}");
    assert!(sheet.rows().count() < 60, "{} rows: the real gaps must not drown", sheet.rows().count());
}
