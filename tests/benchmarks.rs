//! Benchmarking end to end on the demo project: each partner's rank, group size, median and
//! quartiles in the open-data CSV equal values computed here from the demo's comparator files
//! (read with the csv crate, not the pipeline's reader) and the partners' own yearly figures;
//! the workbook and the PDF show every partner's position for every benchmarked indicator;
//! the comparator data's faults are reported.

use crate::common::*;
use calamine::{Data, Reader};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const AS_OF: &str = "2026-04-07";
const PARTNERS: [&str; 3] = ["E07000143", "E07000244", "E07000010"];
/// Indicator, higher is better, the comparator file and how its figures are found.
const BENCHMARKED: [(&str, bool); 4] = [
    ("ctax_collection_rate", true),
    ("nndr_collection_rate", true),
    ("hb_new_claims_days", false),
    ("ctax_cost_per_account", false),
];

/// QUARTILE.INC, written out again here.
fn quartile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Published figures for 2024/25 by (indicator, code), from the demo's two tables.
fn published(project: &Path) -> BTreeMap<(String, String), f64> {
    let mut out = BTreeMap::new();
    let register = std::fs::read_to_string(project.join("benchmarks/local_authorities.csv")).unwrap();
    let code_of_name = |name: &str| -> String {
        let key =
            |s: &str| s.to_lowercase().replace('&', "and").chars().filter(|c| c.is_alphanumeric()).collect::<String>();
        register
            .lines()
            .find(|l| l.split(',').nth(2).is_some_and(|n| key(n) == key(name)))
            .map(|l| l.split(',').next().unwrap().to_string())
            .unwrap_or_else(|| panic!("{name} not in the register"))
    };
    // Wide: skip the title lines, then one row per council.
    let text = std::fs::read_to_string(project.join("benchmarks/collection_rates.csv")).unwrap();
    let table: String = text.lines().skip(3).map(|l| format!("{l}\n")).collect();
    let mut r = csv::Reader::from_reader(table.as_bytes());
    let header = r.headers().unwrap().clone();
    let ct = header.iter().position(|h| h == "Council tax collection rate 2024-25 (%)").unwrap();
    let nndr = header.iter().position(|h| h == "NNDR collection rate 2024-25 (%)").unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        if !rec[0].starts_with("E0") && !rec[0].is_empty() {
            continue; // England, the region
        }
        let code = if rec[0].is_empty() { code_of_name(&rec[1]) } else { rec[0].to_string() };
        for (id, j) in [("ctax_collection_rate", ct), ("nndr_collection_rate", nndr)] {
            if let Ok(v) = rec[j].parse::<f64>() {
                out.insert((id.to_string(), code.clone()), v);
            }
        }
    }
    let mut r = csv::Reader::from_path(project.join("benchmarks/costs_and_processing.csv")).unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        if &rec[0] != "2024-25" || !rec[1].starts_with("E0") {
            continue;
        }
        let id = if rec[3].starts_with("Housing Benefit") { "hb_new_claims_days" } else { "ctax_cost_per_account" };
        out.insert((id.to_string(), rec[1].to_string()), rec[4].parse().unwrap());
    }
    out
}

#[test]
fn demo_reports_show_each_partners_position_among_its_comparators() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let (code, json) = run_json(&project, AS_OF);
    assert_eq!(code, 0, "{json:#}");
    let out = |ext: &str| project.join("output").join(format!("scorecard-ARP-demo-{AS_OF}.{ext}"));

    // The partners' own 2024/25 figures, at full precision, from the workbook (which keeps a
    // percentage as a fraction with a percent format).
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(out("xlsx")).unwrap();
    let values = wb.worksheet_range("Values").unwrap();
    let mut own: BTreeMap<(String, String), f64> = BTreeMap::new();
    for r in values.rows().skip(1) {
        if r[4] == "2024/25" {
            if let Data::Float(v) = r[7] {
                let v = if r[8] == "percent" { v * 100.0 } else { v };
                own.insert((r[0].to_string(), r[2].to_string()), v);
            }
        }
    }

    // Independently: the nearest-neighbour lists, without repeats or the abolished Waveney.
    let lists: BTreeMap<String, Vec<String>> =
        serde_json::from_slice(&std::fs::read(project.join("benchmarks/nearest_neighbours.json")).unwrap()).unwrap();
    let published = published(&project);
    let mut expected = BTreeMap::new();
    for partner in PARTNERS {
        let members: BTreeSet<&String> = lists[partner].iter().filter(|c| *c != "E07000206").collect();
        for (id, higher) in BENCHMARKED {
            let figure = |c: &str| {
                if PARTNERS.contains(&c) {
                    own.get(&(id.to_string(), c.to_string())).copied()
                } else {
                    published.get(&(id.to_string(), c.to_string())).copied()
                }
            };
            let mine = figure(partner).unwrap_or_else(|| panic!("{partner} {id}: own figure"));
            let mut all: Vec<f64> = members.iter().filter_map(|c| figure(c)).collect();
            all.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let rank = 1 + all.iter().filter(|v| if higher { **v > mine } else { **v < mine }).count();
            let q = (quartile(&all, 0.25), quartile(&all, 0.5), quartile(&all, 0.75));
            expected.insert((id, partner), (rank, all.len(), q));
        }
    }

    // The open-data CSV's benchmark columns for the 2024/25 rows.
    let text = std::fs::read_to_string(out("csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap_or_else(|| panic!("CSV column {n}"));
    assert_eq!(
        header[header.len() - 8..header.len() - 1],
        ["benchmark_group", "rank", "group_size", "quartile", "median", "lower_quartile", "upper_quartile"]
    );
    assert_eq!(header.last(), Some(&"notes"));
    let mut checked = 0;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    for rec in reader.records() {
        let rec = rec.unwrap();
        let (id, partner, period) = (&rec[col("indicator_id")], &rec[col("partner_code")], &rec[col("period")]);
        let Some((rank, size, (q1, median, q3))) = expected.get(&(id, partner)).filter(|_| period == "2024/25") else {
            continue;
        };
        assert_eq!(&rec[col("benchmark_group")], "nearest_neighbours");
        assert_eq!(rec[col("rank")].parse::<usize>().unwrap(), *rank, "{id} {partner} rank");
        assert_eq!(rec[col("group_size")].parse::<usize>().unwrap(), *size, "{id} {partner} group size");
        for (name, want) in [("median", median), ("lower_quartile", q1), ("upper_quartile", q3)] {
            let got: f64 = rec[col(name)].parse().unwrap();
            assert!((got - want).abs() <= 0.005 + 1e-9, "{id} {partner} {name}: {got} against {want}");
        }
        let quartile: u8 = rec[col("quartile")].parse().unwrap();
        assert!((1..=4).contains(&quartile));
        checked += 1;
    }
    assert_eq!(checked, expected.len(), "every partner and benchmarked indicator has its standing");
    assert!(
        !text.lines().any(|l| l.contains(",2025/26 M12,") && l.contains("nearest_neighbours")),
        "months carry no benchmark"
    );

    // The workbook: a standing per partner, indicator and group for 2024/25, and the notes.
    let sheet = wb.worksheet_range("Benchmarks").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    for partner in ["Breckland", "East Suffolk", "Fenland"] {
        for group in ["Nearest neighbours (illustrative)", "East of England shire districts"] {
            let n = rows.iter().filter(|r| r[1] == partner && r[2] == "2024/25" && r[3] == group).count();
            assert_eq!(n, 4, "{partner} in {group}: four benchmarked indicators");
        }
    }
    let all_text = rows.iter().map(|r| r.join(" ")).collect::<Vec<_>>().join("\n");
    for expected in [
        "E07000206 in the list for E07000244 is no longer in use (Waveney District Council",
        "E07000146 appears more than once in the list for E07000010",
        "East of England, England are rows of totals",
        "`96.8 (p)` is not a number",
        "QUARTILE.INC",
    ] {
        assert!(all_text.contains(expected), "workbook notes say {expected:?}");
    }
    assert!(wb.sheet_names().contains(&"Comparators".to_string()));

    // The PDF: the section, every benchmarked indicator, every partner's rank.
    let pdf_path = project.join("output").join(format!("scorecard-ARP-demo-{AS_OF}-joint-committee.pdf"));
    assert!(pdf_path.is_file(), "the partnership's Joint Committee report");
    match std::process::Command::new("pdftotext").arg(&pdf_path).arg("-").output() {
        Ok(o) => {
            assert!(o.status.success(), "pdftotext read the report");
            let pdf = String::from_utf8_lossy(&o.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(pdf.contains("How we compare with other councils"), "benchmark section");
            for name in [
                "Council tax collected in year, 2024/25",
                "Business rates collected in year, 2024/25",
                "Cost of collecting council tax per chargeable account, 2024/25",
                "Value for money",
            ] {
                assert!(pdf.contains(name), "PDF has {name:?}");
            }
            for ((id, partner), (rank, size, _)) in &expected {
                let _ = (id, partner);
                assert!(pdf.contains(&format!("{rank} of {size}")), "rank {rank} of {size} in the PDF");
            }
        }
        Err(_) => eprintln!("note: pdftotext (poppler-utils) is not installed; PDF text not checked"),
    }
}
