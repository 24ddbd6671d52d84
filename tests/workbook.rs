//! The workbook as real clients see it: the demo's workbook is read back with calamine, and
//! converted by LibreOffice (headless) and read back again, and every figure on the Values,
//! Scorecard, Trends and Benchmarks sheets is compared with the report model the pipeline
//! builds in-process from the same store. Two projects with the same inputs give the same
//! workbook and PDF bytes; text that looks like a formula stays text.

use crate::common::*;
use calamine::{Data, Reader};
use scorecard::render::ReportModel;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const AS_OF: &str = "2026-04-07";

/// Commentary whose text a spreadsheet would take for formulas.
const HOSTILE: &str = "ctax_collection_rate,Breckland,2025/26 M12,\"=HYPERLINK(\"\"http://example.com\"\",\"\"click\"\")\",@SUM(A1),+44 1234 567890\r\n";

fn number(c: &Data) -> Option<f64> {
    match c {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// The rows of a sheet below its header row (found by its first cell), as a header-keyed map.
fn table(
    wb: &mut calamine::Xlsx<std::io::BufReader<std::fs::File>>,
    sheet: &str,
    first: &str,
) -> Vec<HashMap<String, Data>> {
    let range = wb.worksheet_range(sheet).unwrap_or_else(|e| panic!("sheet {sheet}: {e}"));
    let rows: Vec<&[Data]> = range.rows().collect();
    let h = rows
        .iter()
        .position(|r| r.first().is_some_and(|c| *c == first))
        .unwrap_or_else(|| panic!("{sheet}: header {first}"));
    let header: Vec<String> = rows[h].iter().map(|c| c.to_string()).collect();
    rows[h + 1..]
        .iter()
        .take_while(|r| !r.iter().all(|c| matches!(c, Data::Empty)))
        .map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

/// What the workbook stores for a figure of an indicator: a percentage as a fraction with a
/// percent format (97.46% as 0.9746), every other figure as it is.
fn scale(m: &ReportModel, id: &str) -> f64 {
    let unit = &m.indicators.iter().find(|i| i.id == id).unwrap().unit;
    if unit == "percent" {
        0.01
    } else {
        1.0
    }
}

/// Compares every figure of the workbook at `path` with the model; returns how many.
fn compare(path: &Path, m: &ReportModel) -> usize {
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let mut n = 0;
    // Values: every figure, target and last year's figure.
    let by_key: HashMap<(&str, &str, &str), &scorecard::render::model::ValueRow> =
        m.values.iter().map(|v| ((v.indicator_id.as_str(), v.partner_code.as_str(), v.period.as_str()), v)).collect();
    let rows = table(&mut wb, "Values", "Indicator id");
    assert_eq!(rows.len(), m.values.len(), "{}: one row per figure", path.display());
    for r in &rows {
        let key = (r["Indicator id"].to_string(), r["Partner code"].to_string(), r["Period"].to_string());
        let v = by_key[&(key.0.as_str(), key.1.as_str(), key.2.as_str())];
        for (col, want) in [("Value", v.value), ("Target", v.target), ("Same period last year", v.last_year)] {
            match (number(&r[col]), want.map(|w| w * scale(m, &v.indicator_id))) {
                (Some(got), Some(want)) => assert!(close(got, want), "{key:?} {col}: {got} against {want}"),
                (None, None) => {}
                (got, want) => panic!("{key:?} {col}: {got:?} against {want:?}"),
            }
            n += 1;
        }
    }
    // Scorecard: each latest-month cell.
    let rows = table(&mut wb, "Scorecard", "Perspective");
    let cells: usize = m.scorecard.iter().map(|s| s.cells.len()).sum();
    assert_eq!(rows.len(), cells);
    for r in &rows {
        let s = m.scorecard.iter().find(|s| s.name == r["Indicator"].to_string()).unwrap();
        let c = s.cells.iter().find(|c| c.partner_name == r["Council"].to_string()).unwrap();
        assert_eq!(r["Period"].to_string(), c.period);
        match (number(&r["Value"]), c.value.map(|w| w * scale(m, &s.indicator_id))) {
            (Some(got), Some(want)) => assert!(close(got, want), "{} {}: {got} against {want}", s.name, c.partner_name),
            (None, None) => assert_eq!(r["Value"].to_string(), "no data"),
            (got, want) => panic!("{} {}: {got:?} against {want:?}", s.name, c.partner_name),
        }
        assert_eq!(r["RAG"].to_string(), c.rag.clone().unwrap_or_default());
        n += 1;
    }
    // Trends: each month's figure of each council.
    let range = wb.worksheet_range("Trends").unwrap();
    let all: Vec<&[Data]> = range.rows().collect();
    let months: Vec<String> = all[0][3..].iter().map(|c| c.to_string()).collect();
    assert_eq!(months.len(), 36, "three years of months");
    for r in &all[1..] {
        if r[2] != "value" {
            continue;
        }
        let info = m.indicators.iter().find(|i| i.name == r[0].to_string()).unwrap();
        let partner = m.partners.iter().find(|p| p.name == r[1].to_string()).unwrap();
        for (j, month) in months.iter().enumerate() {
            let want = m
                .values
                .iter()
                .find(|v| {
                    v.indicator_id == info.id
                        && v.partner_code == partner.code
                        && v.period_kind == scorecard::periods::PeriodKind::Month
                        && v.period_start.format("%b %Y").to_string() == *month
                })
                .and_then(|v| v.value);
            match (number(&r[3 + j]), want.map(|w| w * scale(m, &info.id))) {
                (Some(got), Some(want)) => assert!(close(got, want), "trend {} {} {month}", info.id, partner.code),
                (None, None) => {}
                (got, want) => panic!("trend {} {} {month}: {got:?} against {want:?}", info.id, partner.code),
            }
            n += 1;
        }
    }
    // Benchmarks: every standing.
    let rows = table(&mut wb, "Benchmarks", "Indicator");
    assert_eq!(rows.len(), m.benchmark.rows.len());
    for (r, b) in rows.iter().zip(&m.benchmark.rows) {
        assert_eq!((r["Partner"].to_string(), r["Year"].to_string()), (b.partner_name.clone(), b.year.clone()));
        let k = scale(m, &b.indicator_id);
        for (col, want) in [
            ("Value", b.value * k),
            ("Rank (1 = best)", b.rank as f64),
            ("Councils ranked", b.group_size as f64),
            ("Median", b.median * k),
            ("Lower quartile", b.lower_quartile * k),
            ("Upper quartile", b.upper_quartile * k),
        ] {
            let got = number(&r[col]).unwrap_or_else(|| panic!("{col}: {:?}", r[col]));
            assert!(close(got, want), "{} {} {col}: {got} against {want}", b.indicator_id, b.partner_code);
            n += 1;
        }
    }
    n
}

fn run_demo(dir: &Path) -> PathBuf {
    let project = dir.join("demo");
    let o = scorecard(&["demo", project.to_str().unwrap(), "--no-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut commentary = std::fs::read_to_string(project.join("commentary.csv")).unwrap();
    commentary.push_str(HOSTILE);
    std::fs::write(project.join("commentary.csv"), commentary).unwrap();
    let (code, json) = run_json(&project, AS_OF);
    assert_eq!(code, 0, "{json:#}");
    project
}

#[test]
fn every_figure_survives_calamine_and_libreoffice() {
    let dir = tempfile::tempdir().unwrap();
    let project = run_demo(dir.path());
    let xlsx = project.join("output").join(format!("scorecard-ARP-demo-{AS_OF}.xlsx"));
    let loaded = scorecard::config::Project::load(&project).unwrap();
    let as_of = chrono::NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").unwrap();
    let model = scorecard::run::model_of(&loaded, as_of).unwrap();

    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let names = wb.sheet_names();
    for sheet in [
        "Summary",
        "Scorecard",
        "Trends",
        "Trend charts",
        "Benchmarks",
        "Benchmark charts",
        "Comparators",
        "Data quality",
        "Commentary",
        "Definitions",
        "Values",
        "Lineage",
    ] {
        assert!(names.contains(&sheet.to_string()), "sheet {sheet} in {names:?}");
    }
    let n = compare(&xlsx, &model);
    assert!(n > 10_000, "{n} figures compared");

    // The Summary and the Scorecard group their rows by perspective, in the order each
    // perspective's first indicator is defined, as the reports do.
    let mut order: Vec<String> = Vec::new();
    for i in &model.indicators {
        if !order.contains(&i.perspective) {
            order.push(i.perspective.clone());
        }
    }
    for (sheet, first) in [("Summary", "Perspective"), ("Scorecard", "Perspective")] {
        let mut runs: Vec<String> = table(&mut wb, sheet, first).iter().map(|r| r["Perspective"].to_string()).collect();
        runs.dedup();
        assert_eq!(runs, order, "{sheet}: each perspective's rows together, in order");
    }

    // Formula-like text is text: no formula anywhere in the workbook, and the commentary reads
    // back as written. The CSV guards it with an apostrophe.
    let values = table(&mut wb, "Values", "Indicator id");
    let hostile = values
        .iter()
        .find(|r| r["Commentary"].to_string().contains("HYPERLINK"))
        .expect("the hostile commentary reaches the workbook");
    assert!(matches!(hostile["Commentary"], Data::String(ref s) if s.starts_with("=HYPERLINK")));
    let zip = std::fs::read(&xlsx).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        if name.starts_with("xl/worksheets/") {
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut f, &mut xml).unwrap();
            assert!(!xml.contains("<f>") && !xml.contains("<f "), "{name}: no formulas");
        }
    }
    let csv = std::fs::read_to_string(project.join("output").join(format!("scorecard-ARP-demo-{AS_OF}.csv"))).unwrap();
    assert!(csv.contains("\"'=HYPERLINK("), "the CSV guards a leading =");

    // LibreOffice opens the workbook and saves it again; every figure is still there.
    let Ok(o) = std::process::Command::new("soffice").arg("--version").output() else {
        eprintln!("skipped: LibreOffice (soffice) is not installed; `.ci/run` installs it");
        return;
    };
    assert!(o.status.success());
    let out = dir.path().join("libreoffice");
    let profile = format!("-env:UserInstallation=file://{}", dir.path().join("lo-profile").display());
    let o = std::process::Command::new("soffice")
        .args([profile.as_str(), "--headless", "--convert-to", "xlsx", "--outdir"])
        .arg(&out)
        .arg(&xlsx)
        .output()
        .unwrap();
    assert!(o.status.success(), "LibreOffice: {}", String::from_utf8_lossy(&o.stderr));
    let converted = out.join(xlsx.file_name().unwrap());
    assert!(converted.is_file(), "LibreOffice wrote {}: {}", converted.display(), String::from_utf8_lossy(&o.stdout));
    assert_eq!(compare(&converted, &model), n, "LibreOffice kept every figure");
}

#[test]
fn same_inputs_give_the_same_workbook_bytes() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let name = format!("output/scorecard-ARP-demo-{AS_OF}.xlsx");
    let (pa, pb) = (run_demo(a.path()), run_demo(b.path()));
    let (x, y) = (std::fs::read(pa.join(&name)).unwrap(), std::fs::read(pb.join(&name)).unwrap());
    assert!(x == y, "two runs on the same inputs wrote different workbooks");
    // And the same PDF reports, byte for byte (creation date from the run clock).
    let pdfs = |p: &Path| {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(p.join("output"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|f| f.extension().is_some_and(|e| e == "pdf"))
            .map(|f| (f.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&f).unwrap()))
            .collect();
        v.sort();
        v
    };
    let (ra, rb) = (pdfs(&pa), pdfs(&pb));
    assert_eq!(ra.len(), 6, "six reports");
    for ((na, ba), (nb, bb)) in ra.iter().zip(&rb) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na}: two runs on the same inputs wrote different PDFs");
    }
    // Document properties: title, author, company, and the run clock as the creation time.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(x)).unwrap();
    let mut core = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("docProps/core.xml").unwrap(), &mut core).unwrap();
    assert!(core.contains("<dc:title>Anglia Revenues Partnership (demo) performance report</dc:title>"), "{core}");
    assert!(core.contains("<dc:creator>ARP performance team (demo)</dc:creator>"), "{core}");
    assert!(core.contains(">2026-04-07T00:00:00Z</dcterms:created>"), "{core}");
    let mut app = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("docProps/app.xml").unwrap(), &mut app).unwrap();
    assert!(app.contains("<Company>Anglia Revenues Partnership (demo)</Company>"), "{app}");
}
