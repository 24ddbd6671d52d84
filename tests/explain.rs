//! `scorecard explain`: a figure's numerator and denominator recompute it, its extracts are
//! named with the SHA-256 of the very files archived, its rows are accounted for condition by
//! condition, and a partnership figure is the sum of its councils' parts.

use crate::common::*;

const AS_OF: &str = "2026-04-07";

fn explain(project: &std::path::Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["explain", "--project", project.to_str().unwrap(), "--as-of", AS_OF, "--json"];
    all.extend(args);
    let o = scorecard(&all);
    let code = o.status.code().unwrap();
    (code, serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null))
}

#[test]
fn a_figure_is_explained_from_its_extracts_to_its_status() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    assert!(run_json(&project, AS_OF).0 <= 1);

    let (code, e) = explain(&project, &["ctax_collection_rate", "--partner", "Breckland", "--period", "2025/26 Q4"]);
    assert_eq!(code, 0, "{e}");
    let (value, num, den) =
        (e["value"].as_f64().unwrap(), e["numerator"].as_f64().unwrap(), e["denominator"].as_f64().unwrap());
    assert!((num / den * 100.0 - value).abs() < 1e-9, "{num} / {den} x 100 = {value}");
    // The same figure as the open-data CSV publishes.
    let csv = std::fs::read_to_string(project.join(format!("output/scorecard-ARP-demo-{AS_OF}.csv"))).unwrap();
    let row = csv.lines().find(|l| l.starts_with("ctax_collection_rate,E07000143,2025/26 Q4,")).unwrap();
    assert!(row.contains(&format!(",{value:.2},")), "{row} vs {value}");
    // Its extract: the archived file with that SHA-256, as at a day in March 2026.
    let extracts = e["extracts"].as_array().unwrap();
    assert_eq!(extracts.len(), 1, "{e}");
    let x = &extracts[0];
    assert!(x["as_at"].as_str().unwrap().starts_with("2026-03"), "{x}");
    let archived = files_under(&project.join("archive"))
        .into_iter()
        .find(|p| {
            p.file_name().unwrap().to_string_lossy().starts_with(x["file"].as_str().unwrap().trim_end_matches(".xlsx"))
        })
        .unwrap();
    assert_eq!(scorecard::common::sha256_hex(&std::fs::read(archived).unwrap()), x["sha256"].as_str().unwrap());
    // Rows condition by condition, each step starting where the last ended.
    let rows = e["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "tax type, then liability year: {e}");
    assert_eq!(rows[0]["rows_before"].as_u64(), x["rows"].as_u64(), "every row of the council's extract");
    assert_eq!(rows[0]["rows_after"], rows[1]["rows_before"]);
    assert!(rows[1]["rows_after"].as_u64().unwrap() > 0);
    assert!(e["rag_rule"].as_str().unwrap().contains(e["rag"].as_str().unwrap()), "{e}");

    // The partnership: the sum of its councils' parts.
    let (_, all) = explain(&project, &["ctax_collection_rate", "--period", "2025/26 Q4"]);
    let parts = all["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 3);
    let sum = |k: &str| parts.iter().map(|p| p[k].as_f64().unwrap()).sum::<f64>();
    assert!((sum("numerator") - all["numerator"].as_f64().unwrap()).abs() < 0.01);
    assert!((sum("denominator") - all["denominator"].as_f64().unwrap()).abs() < 0.01);
    assert_eq!(all["extracts"].as_array().unwrap().len(), 3, "one extract per council");

    // A flow: items decided in the period, the last step's rows are the denominator.
    let (_, flow) = explain(&project, &["hb_new_claims_days", "--partner", "Fenland", "--period", "2025/26 Q3"]);
    let last = flow["rows"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["rows_after"].as_f64(), flow["denominator"].as_f64(), "{flow}");

    // A rolling-year figure: the leavers are the rows its window keeps.
    let (_, turnover) = explain(&project, &["staff_turnover_pct", "--period", "2025/26 Q4"]);
    let last = turnover["rows"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["rows_after"].as_f64(), turnover["numerator"].as_f64(), "{turnover}");

    // The workbook's Lineage sheet links the figure to the same extract and to this command.
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook(project.join(format!("output/scorecard-ARP-demo-{AS_OF}.xlsx"))).unwrap();
    let lineage = book.worksheet_range("Lineage").unwrap();
    let is = |c: Option<&calamine::Data>, v: &str| c.is_some_and(|c| *c == *v);
    let row = lineage
        .rows()
        .find(|r| is(r.first(), "ctax_collection_rate") && is(r.get(3), "2025/26 Q4") && is(r.get(2), "Breckland"))
        .expect("a Lineage row for the figure");
    let cells: Vec<String> = row.iter().map(|c| c.to_string()).collect();
    assert!(cells[7].contains(&x["sha256"].as_str().unwrap()[..12]), "{cells:?}");
    assert_eq!(cells[8], "scorecard explain ctax_collection_rate --partner E07000143 --period \"2025/26 Q4\"");

    // Commentary is told; a figure that does not exist is refused.
    let (_, c) = explain(&project, &["nndr_collection_rate", "--partner", "Breckland", "--period", "2025/26 M12"]);
    assert!(c["commentary"][0].as_str().unwrap().contains("rating appeals"), "{c}");
    assert_eq!(explain(&project, &["no_such_indicator", "--period", "2025/26 Q4"]).0, 2);
    assert_eq!(explain(&project, &["ctax_collection_rate", "--period", "2031/32 Q1"]).0, 2);
}
