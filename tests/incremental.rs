//! Nights that each add a month give the figures one run over every month gives: the demo's
//! last three months delivered night by night (each night folding its month into what the
//! store kept from the night before) against a fresh project given every file at once.

use crate::common::{demo_project, run_json};
use std::path::Path;

/// The `YYYYMMDD` a demo file name ends with.
fn dated(file: &Path) -> String {
    let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
    stem.rsplit('_').next().unwrap().to_string()
}

/// The run's open-data CSV.
fn csv(summary: &serde_json::Value) -> Vec<u8> {
    let outputs = summary["outputs"].as_array().unwrap();
    let csv = outputs.iter().find(|o| o["kind"] == "csv").expect("a CSV output");
    std::fs::read(csv["path"].as_str().unwrap()).unwrap()
}

#[test]
fn nights_adding_a_month_each_give_the_figures_of_one_run_over_every_month() {
    let nightly = demo_project();
    let project = nightly.path().join("demo");
    let drop = project.join("drop");
    let held = nightly.path().join("held");
    std::fs::create_dir_all(&held).unwrap();
    // The last three months are held back, then delivered one month a night.
    let mut months: Vec<String> = Vec::new();
    for e in std::fs::read_dir(&drop).unwrap() {
        let path = e.unwrap().path();
        let day = dated(&path);
        if day.as_str() >= "20260101" {
            months.push(day[..6].to_string());
            std::fs::rename(&path, held.join(path.file_name().unwrap())).unwrap();
        }
    }
    months.sort();
    months.dedup();
    assert_eq!(months, ["202601", "202602", "202603"]);
    let (code, _) = run_json(&project, "2026-01-07");
    assert!(code <= 1, "the first night ran (exit {code})");
    let nights = [("202601", "2026-02-07"), ("202602", "2026-03-07"), ("202603", "2026-04-07")];
    let mut last = serde_json::Value::Null;
    for (month, as_of) in nights {
        for e in std::fs::read_dir(&held).unwrap() {
            let path = e.unwrap().path();
            if dated(&path).starts_with(month) {
                std::fs::rename(&path, drop.join(path.file_name().unwrap())).unwrap();
            }
        }
        let (code, summary) = run_json(&project, as_of);
        assert!(code <= 1, "night of {as_of} (exit {code}): {summary}");
        last = summary;
    }
    // What the store kept between nights is there (and was folded into, night after night).
    let kept = project.join("store/summaries");
    for source in ["benefits", "hr_staff", "hr_absence"] {
        assert!(kept.join(source).join("latest/kept.json").is_file(), "{source}: latest versions kept");
    }
    assert!(
        std::fs::read_dir(kept.join("benefits/figures")).unwrap().count() > 0,
        "the outstanding-items counts are kept"
    );

    let once = demo_project();
    let whole = once.path().join("demo");
    let (code, summary) = run_json(&whole, "2026-04-07");
    assert!(code <= 1, "the run over every month (exit {code})");
    let (a, b) = (csv(&last), csv(&summary));
    assert!(a.len() > 100_000, "the CSV has the demo's figures ({} bytes)", a.len());
    if a != b {
        let (a, b) = (String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
        let differ: Vec<(&str, &str)> = a.lines().zip(b.lines()).filter(|(x, y)| x != y).take(5).collect();
        panic!("the figures differ (night by night, then at once): {differ:#?}");
    }
}
