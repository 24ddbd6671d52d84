//! Deliveries as partnerships really send them (mirrors `store` and `store::coverage`): the
//! demo split into one file per council gives exactly the figures of one file for all; a
//! council's missing month empties the figures needing it, with a note and a finding; a
//! corrected file for one council replaces only that council's data, and says so; a store
//! of the old layout is migrated with nothing lost; the store reads in DuckDB or polars.

use crate::common::*;
use scorecard::demo::data::{generate, DemoExtract};
use std::path::{Path, PathBuf};

/// The demo's run date.
const AS_OF: &str = "2026-04-07";

/// A demo project (configuration only) with the given extracts in its drop folder.
fn project_with(dir: &Path, extracts: &[DemoExtract]) -> PathBuf {
    let project = dir.join("demo");
    scorecard::demo::write_config(&project).unwrap();
    for x in extracts {
        scorecard::demo::write::write_extract(&project.join("drop"), x).unwrap();
    }
    project
}

/// The open-data CSV of a project's last run.
fn csv_of(json: &serde_json::Value) -> String {
    let path = json["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "csv")
        .map(|o| o["path"].as_str().unwrap().to_string())
        .expect("a CSV was written");
    std::fs::read_to_string(path).unwrap()
}

/// CSV rows as field vectors, by (indicator, partner, period).
fn rows(csv: &str) -> std::collections::BTreeMap<(String, String, String), Vec<String>> {
    let mut r = ::csv::Reader::from_reader(csv.as_bytes());
    r.records()
        .map(|x| {
            let x = x.unwrap();
            let v: Vec<String> = x.iter().map(str::to_string).collect();
            ((v[0].clone(), v[1].clone(), v[2].clone()), v)
        })
        .collect()
}

fn column(csv: &str, name: &str) -> usize {
    csv.lines().next().unwrap().split(',').position(|c| c == name).unwrap()
}

/// Every row whose value is empty has a note saying why (beyond the synthetic-data note).
fn assert_every_empty_value_is_explained(csv: &str) {
    let (value, notes) = (column(csv, "value"), column(csv, "notes"));
    let mut empty = 0;
    for (key, row) in rows(csv) {
        if row[value].is_empty() {
            empty += 1;
            let why = row[notes].replace("synthetic data, not real council figures", "");
            assert!(why.trim_matches([';', ' ']).len() > 10, "{key:?} is empty with no reason: {:?}", row[notes]);
        }
    }
    eprintln!("{empty} empty figures, each with its reason");
}

#[test]
fn any_mix_of_deliveries_gives_the_figures_of_one_file_for_all() {
    use chrono::Datelike;
    let demo = generate(scorecard::demo::SEED);
    let whole = tempfile::tempdir().unwrap();
    let whole = project_with(whole.path(), &demo.extracts);
    // Even months: each council's revenues, benefits and budget extracts as files of their
    // own, Fenland's revenues dated a day earlier in the same month. Odd months: one file for
    // all councils.
    let mixed: Vec<DemoExtract> = demo
        .extracts
        .iter()
        .flat_map(|x| {
            let revenues = x.source == "revenues";
            match x.as_at.month() % 2 {
                0 => x.per_council(&|code| i64::from(revenues && code == "E07000010")),
                _ => vec![x.clone()],
            }
        })
        .collect();
    let fenland = |x: &DemoExtract| x.council == Some("Fenland");
    // Fenland's files for February 2026 arrive late, in the next night's run; so does a
    // second delivery of Fenland's May 2025 revenues and benefits, already in May's files
    // for all councils (a correction that changes nothing).
    let (late, on_time): (Vec<DemoExtract>, Vec<DemoExtract>) =
        mixed.into_iter().partition(|x| fenland(x) && x.as_at.format("%Y%m").to_string() == "202602");
    let resent: Vec<DemoExtract> = demo
        .extracts
        .iter()
        .filter(|x| x.as_at.format("%Y%m").to_string() == "202505" && x.source != "budget")
        .flat_map(|x| x.per_council(&|_| 0))
        .filter(fenland)
        .collect();
    assert_eq!((late.len(), resent.len()), (3, 2), "revenues, benefits and budget late; two resent");
    let dir = tempfile::tempdir().unwrap();
    let mixed_project = project_with(dir.path(), &on_time);

    let (code_whole, json_whole) = run_json(&whole, AS_OF);
    let (_, first_night) = run_json(&mixed_project, AS_OF);
    let missing: Vec<&str> =
        first_night["missing"].as_array().unwrap().iter().map(|m| m["message"].as_str().unwrap()).collect();
    assert_eq!(
        missing,
        [
            "no benefits extract from Fenland for 2025/26 M11",
            "no budget extract from Fenland for 2025/26 M11",
            "no revenues extract from Fenland for 2025/26 M11"
        ]
    );
    assert_every_empty_value_is_explained(&csv_of(&first_night));
    for x in late.iter().chain(&resent) {
        scorecard::demo::write::write_extract(&mixed_project.join("drop"), x).unwrap();
    }
    let (code_mixed, json_mixed) = run_json(&mixed_project, AS_OF);
    assert_eq!(code_whole, code_mixed, "{}", json_mixed["errors"]);
    let files = |j: &serde_json::Value, status: &str| {
        j["files"].as_array().unwrap().iter().filter(|f| f["status"] == status).count()
    };
    assert_eq!(files(&first_night, "accepted"), on_time.len(), "every file is accepted");
    assert_eq!(files(&json_mixed, "accepted"), late.len() + resent.len());
    assert_eq!(first_night["replaced"].as_array().unwrap().len(), 0, "no council's file replaces another's");
    let replaced: Vec<&str> =
        json_mixed["replaced"].as_array().unwrap().iter().map(|r| r["message"].as_str().unwrap()).collect();
    assert_eq!(replaced.len(), 2, "the resent files replace Fenland's part of May's: {replaced:?}");
    assert!(replaced.iter().all(|m| m.starts_with("Fenland's ") && m.contains("as at 30/05/2025")), "{replaced:?}");
    assert_eq!(json_mixed["missing"].as_array().unwrap().len(), 0, "{}", json_mixed["missing"]);
    let (a, b) = (csv_of(&json_whole), csv_of(&json_mixed));
    let (ra, rb) = (rows(&a), rows(&b));
    assert_eq!(ra.len(), rb.len());
    let differing: Vec<_> = ra.iter().filter(|(k, v)| rb.get(*k) != Some(v)).map(|(k, _)| k.clone()).collect();
    assert!(differing.is_empty(), "{} of {} figures differ, first {:?}", differing.len(), ra.len(), differing.first());
    assert_eq!(a, b, "the same bytes");
    assert_every_empty_value_is_explained(&a);
}

#[test]
fn a_missing_month_and_a_correction_for_one_council() {
    let demo = generate(scorecard::demo::SEED);
    // The last financial year only, one file per council: enough months for quarters.
    let last_year: Vec<DemoExtract> = demo
        .extracts
        .iter()
        .filter(|x| x.as_at >= chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap())
        .flat_map(|x| x.per_council(&|_| 0))
        .collect();
    // Fenland's revenues for October 2025 (2025/26 M07) never arrive.
    let kept: Vec<DemoExtract> =
        last_year.iter().filter(|x| x.file_name != "revenues_fenland_20251031.xlsx").cloned().collect();
    assert_eq!(kept.len() + 1, last_year.len(), "the file left out exists");
    let dir = tempfile::tempdir().unwrap();
    let project = project_with(dir.path(), &kept);
    let (code, json) = run_json(&project, AS_OF);
    assert_eq!(code, 0, "a missing month is a warning as shipped: {}", json["errors"]);
    let missing = json["missing"].as_array().unwrap();
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0]["message"], "no revenues extract from Fenland for 2025/26 M07");
    let csv = csv_of(&json);
    let (value, notes) = (column(&csv, "value"), column(&csv, "notes"));
    let all = rows(&csv);
    let get = |i: &str, p: &str, period: &str| all[&(i.to_string(), p.to_string(), period.to_string())].clone();
    for partner in ["E07000010", "ALL"] {
        let r = get("ctax_collection_rate", partner, "2025/26 M07");
        assert_eq!(r[value], "", "{partner} has no October figure");
        assert!(r[notes].starts_with("no revenues extract from Fenland for 2025/26 M07"), "{}", r[notes]);
    }
    let breckland = get("ctax_collection_rate", "E07000143", "2025/26 M07");
    assert!(!breckland[value].is_empty(), "other councils keep their figures");
    assert!(!get("ctax_collection_rate", "ALL", "2025/26 Q3")[value].is_empty(), "Q3 takes December's");
    assert_every_empty_value_is_explained(&csv);
    // The data-quality report and status say it too.
    let status = scorecard(&["status", "--project", project.to_str().unwrap(), "--as-of", AS_OF]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("no revenues extract from Fenland for 2025/26 M07"));
    let dq = json["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["path"].as_str().unwrap().ends_with("-data-quality.pdf"))
        .map(|o| o["path"].as_str().unwrap().to_string())
        .unwrap();
    if let Some(text) = pdf_text(Path::new(&dq)) {
        assert!(text.contains("Data not yet arrived") && text.contains("2025/26 M07"), "{text}");
    }

    // October arrives late; then a correction of Fenland's March figures alone.
    let late = last_year.iter().find(|x| x.file_name == "revenues_fenland_20251031.xlsx").unwrap();
    scorecard::demo::write::write_extract(&project.join("drop"), late).unwrap();
    let march = last_year.iter().find(|x| x.file_name == "revenues_fenland_20260331.xlsx").unwrap();
    let mut fix = march.clone();
    fix.file_name = "revenues_fenland_20260331_corrected.xlsx".into();
    if let scorecard::demo::data::Body::Revenues(rows) = &mut fix.body {
        for r in rows.iter_mut().filter(|r| r.tax_type == "CTAX") {
            r.collected = (r.collected * 0.5 * 100.0).round() / 100.0;
        }
    }
    scorecard::demo::write::write_extract(&project.join("drop"), &fix).unwrap();
    let (code, json2) = run_json(&project, "2026-04-08");
    assert_eq!(code, 0, "{}", json2["errors"]);
    assert_eq!(json2["missing"].as_array().unwrap().len(), 0, "the late file completes October");
    let replaced = json2["replaced"].as_array().unwrap();
    assert_eq!(replaced.len(), 1, "only Fenland's March data is replaced: {replaced:?}");
    let message = replaced[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Fenland's revenues as at ")
            && message.contains("from file revenues_fenland_20260331_corrected.xlsx")
            && message.contains("replace those from file revenues_fenland_20260331.xlsx"),
        "{message}"
    );
    let after = rows(&csv_of(&json2));
    let now = |i: &str, p: &str, period: &str| after[&(i.to_string(), p.to_string(), period.to_string())].clone();
    let id = "ctax_collection_rate";
    assert_eq!(now(id, "E07000143", "2025/26 M12")[value], get(id, "E07000143", "2025/26 M12")[value]);
    assert_eq!(now(id, "E07000244", "2025/26 M12")[value], get(id, "E07000244", "2025/26 M12")[value]);
    assert_ne!(now(id, "E07000010", "2025/26 M12")[value], get(id, "E07000010", "2025/26 M12")[value]);
    assert!(
        !now(id, "ALL", "2025/26 M07")[value].is_empty(),
        "October's partnership figure once every council's data is in"
    );
    // The log, the summary and the workbook's Lineage sheet name it.
    let log = std::fs::read_to_string(json_log(&project)).unwrap();
    assert!(log.contains(&format!("replaced: {message}")), "{log}");
    let workbook = json2["outputs"].as_array().unwrap().iter().find(|o| o["kind"] == "workbook").unwrap();
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(workbook["path"].as_str().unwrap()).unwrap();
    use calamine::Reader;
    let lineage = wb.worksheet_range("Lineage").unwrap();
    let text: Vec<String> = lineage.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    assert!(text.iter().any(|c| c == message), "the Lineage sheet lists the replacement");
    assert!(text.iter().any(|c| c == "revenues_fenland_20260331_corrected.xlsx"));
}

/// The newest log of a project.
fn json_log(project: &Path) -> PathBuf {
    let last: serde_json::Value =
        serde_json::from_slice(&std::fs::read(project.join("output/last-run.json")).unwrap()).unwrap();
    PathBuf::from(last["log"].as_str().unwrap())
}

/// The text of a PDF, or `None` (saying so) without pdftotext.
fn pdf_text(pdf: &Path) -> Option<String> {
    let out = std::process::Command::new("pdftotext").arg(pdf).arg("-").output();
    match out {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        _ => {
            eprintln!("pdftotext is not installed: the PDF's text is not checked");
            None
        }
    }
}

/// Runs a query on the store with DuckDB's or polars' Python module, whichever is installed.
fn external_reader() -> Option<&'static str> {
    for module in ["duckdb", "polars"] {
        let ok = std::process::Command::new("python3")
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(module);
        }
    }
    None
}

#[test]
fn the_store_is_a_partitioned_dataset_other_tools_read() {
    let demo = generate(scorecard::demo::SEED);
    let two_months: Vec<DemoExtract> = demo
        .extracts
        .iter()
        .filter(|x| x.source == "revenues" && x.as_at >= chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap())
        .flat_map(|x| x.per_council(&|_| 0))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let project = project_with(dir.path(), &two_months);
    let (_, json) = run_json(&project, AS_OF);
    let store = project.join("store");
    let parts: Vec<PathBuf> = files_under(&store.join("revenues"));
    assert_eq!(parts.len(), 6, "two months of three councils: {parts:?}");
    for p in &parts {
        let rel = p.strip_prefix(store.join("revenues")).unwrap().to_string_lossy().into_owned();
        assert!(rel.starts_with("partner=E0") && rel.contains("/as_at=2026-0"), "{rel}");
    }
    let Some(module) = external_reader() else {
        eprintln!("skipped: neither DuckDB nor polars is installed for python3 (pip install duckdb)");
        return;
    };
    // What the CSV says of March's collection rates, recomputed by another engine from the
    // files alone.
    let script = match module {
        "duckdb" => "import duckdb,sys\nfor r in duckdb.sql(\"select partner, round(100*sum(collected)/sum(net_debit), 6) from read_parquet('revenues/*/*/*.parquet', hive_partitioning=true) where tax_type='CTAX' and liability_year=2025 and as_at='2026-03-31' group by partner order by partner\").fetchall(): print(r[0], r[1])",
        _ => "import polars as pl\ndf = pl.scan_parquet('revenues/**/*.parquet', hive_partitioning=True).filter((pl.col('tax_type')=='CTAX') & (pl.col('liability_year')==2025) & (pl.col('as_at')==pl.date(2026,3,31))).group_by('partner').agg((100*pl.col('collected').sum()/pl.col('net_debit').sum()).round(6).alias('r')).sort('partner').collect()\nfor p, r in df.iter_rows(): print(p, r)",
    };
    let out = std::process::Command::new("python3").arg("-c").arg(script).current_dir(&store).output().unwrap();
    assert!(out.status.success(), "{module}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let csv = csv_of(&json);
    let (value, all) = (column(&csv, "value"), rows(&csv));
    let mut seen = 0;
    for line in text.lines() {
        let (partner, rate) = line.split_once(' ').unwrap();
        let ours = &all[&("ctax_collection_rate".to_string(), partner.to_string(), "2025/26 M12".to_string())][value];
        let theirs: f64 = rate.parse().unwrap();
        assert_eq!(ours, &format!("{theirs:.2}"), "{partner}");
        seen += 1;
    }
    assert_eq!(seen, 3, "{module} read every council: {text}");
}

/// A store written by the scorecard of October 2026 (one Parquet file per source and date),
/// and the files it was made from: `tests/fixtures/layout-1/`.
fn layout_1() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layout-1")
}

fn copy_dir(from: &Path, to: &Path) {
    for f in files_under(from) {
        let dest = to.join(f.strip_prefix(from).unwrap());
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&f, &dest).unwrap();
    }
}

#[test]
fn a_store_of_the_old_layout_is_migrated_with_nothing_lost() {
    let fixture = layout_1();
    let dir = tempfile::tempdir().unwrap();
    // The old store, moved into a project of today.
    let old = dir.path().join("old");
    scorecard::demo::write_config(&old).unwrap();
    copy_dir(&fixture.join("store"), &old.join("store"));
    let before = files_under(&old.join("store"));
    let (code, json) = run_json(&old, "2025-12-08");
    assert!(code <= 1, "{}", json["errors"]);
    let repairs = json["repairs"].as_array().unwrap();
    assert!(repairs.iter().any(|r| r.as_str().unwrap().starts_with("store migrated")), "{repairs:?}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(old.join("store/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["layout"], 2);
    // Every old file is kept; the dataset holds only partitions.
    let kept = files_under(&old.join("store/replaced/layout-1"));
    let old_parquet = before.iter().filter(|p| {
        let s = p.to_string_lossy();
        s.ends_with(".parquet") && !s.contains(".summary-")
    });
    assert_eq!(kept.len(), old_parquet.count(), "{kept:?}");
    for source in ["revenues", "benefits"] {
        for f in files_under(&old.join("store").join(source)) {
            let rel = f.strip_prefix(old.join("store").join(source)).unwrap().to_string_lossy().into_owned();
            assert!(rel.starts_with("partner=") && rel.contains("/as_at="), "{rel} is a partition");
        }
    }
    // The same files loaded afresh by today's program give the same figures.
    let fresh = dir.path().join("fresh");
    scorecard::demo::write_config(&fresh).unwrap();
    copy_dir(&fixture.join("drop-1"), &fresh.join("drop"));
    run_json(&fresh, "2025-12-05");
    copy_dir(&fixture.join("drop-2"), &fresh.join("drop"));
    let (_, fresh_json) = run_json(&fresh, "2025-12-08");
    let (a, b) = (csv_of(&json), csv_of(&fresh_json));
    assert_eq!(a, b, "the migrated store gives the figures of the same files loaded afresh");
    let r = rows(&a);
    let dd = &r[&("ctax_direct_debit_pct".into(), "E07000010".into(), "2025/26 M07".into())];
    assert_eq!(dd[column(&a, "value")], "50.00", "labels stored before became codes: Direct Debit is DD");
    // A second run has nothing left to migrate or repair.
    let (_, again) = run_json_with(&old, "2025-12-08", &["--force"]);
    assert_eq!(again["repairs"].as_array().unwrap().len(), 0);
}
