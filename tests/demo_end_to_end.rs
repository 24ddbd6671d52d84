//! The demo project end to end: the binary's workbook and CSV figures equal values computed
//! here, independently of the pipeline (no polars, no reader), from the rows the demo
//! generator wrote.

use crate::common::*;
use calamine::{Data, Reader};
use chrono::{Datelike, NaiveDate};
use scorecard::demo::data::{generate, Body, DemoData, DemoExtract, WorkItemRow};
use std::collections::{BTreeMap, HashMap};

const AS_OF: &str = "2026-05-15";

/// Financial month index (fy * 12 + month - 1) of a date.
fn midx(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month() as i32 - 4
}

fn fy_of(d: NaiveDate) -> i32 {
    if d.month() >= 4 {
        d.year()
    } else {
        d.year() - 1
    }
}

fn label(m: i32) -> String {
    let fy = m.div_euclid(12);
    format!("{}/{:02} M{:02}", fy, (fy + 1) % 100, m.rem_euclid(12) + 1)
}

fn qlabel(fy: i32, q: i32) -> String {
    format!("{}/{:02} Q{}", fy, (fy + 1) % 100, q)
}

fn ylabel(fy: i32) -> String {
    format!("{}/{:02}", fy, (fy + 1) % 100)
}

/// Expected values by (indicator, partner, period label).
type Expected = BTreeMap<(String, String, String), f64>;

fn collection_rates(demo: &DemoData, out: &mut Expected) {
    for x in &demo.extracts {
        let Body::Revenues(rows) = &x.body else { continue };
        let m = midx(x.as_at);
        let fy = fy_of(x.as_at);
        let mut sums: HashMap<&str, (f64, f64)> = HashMap::new();
        for r in rows.iter().filter(|r| r.tax_type == "CTAX" && r.liability_year == fy) {
            for key in [r.partner, "ALL"] {
                let e = sums.entry(key).or_default();
                e.0 += r.collected;
                e.1 += r.net_debit;
            }
        }
        for (partner, (c, d)) in sums {
            let v = c / d * 100.0;
            out.insert(("ctax_collection_rate".into(), partner.into(), label(m)), v);
            // Snapshot: a quarter and a year take the value of their last month.
            let month_no = m.rem_euclid(12) + 1;
            if month_no % 3 == 0 {
                out.insert(("ctax_collection_rate".into(), partner.into(), qlabel(fy, month_no / 3)), v);
            }
            if month_no == 12 {
                out.insert(("ctax_collection_rate".into(), partner.into(), ylabel(fy)), v);
            }
        }
    }
}

/// Work item key: council, claim reference, work type, date received.
type ItemKey = (&'static str, String, &'static str, NaiveDate);

/// The latest version of each benefit work item in these extracts (taken in as-at order, so
/// later versions overwrite earlier ones).
fn item_versions<'a>(extracts: impl IntoIterator<Item = &'a DemoExtract>) -> HashMap<ItemKey, WorkItemRow> {
    let mut latest = HashMap::new();
    for x in extracts {
        let Body::Benefits(rows) = &x.body else { continue };
        for r in rows {
            latest.insert((r.partner, r.claim_ref.clone(), r.work_type, r.received), r.clone());
        }
    }
    latest
}

fn new_claim_days(demo: &DemoData, as_of: NaiveDate, out: &mut Expected) {
    // The latest version of each item: extracts are in as-at order, so later ones overwrite.
    let latest = item_versions(&demo.extracts);
    let first_month = demo.extracts.iter().map(|x| midx(x.as_at)).min().unwrap();
    let last_month = demo.extracts.iter().map(|x| midx(x.as_at)).max().unwrap();
    let mut sums: HashMap<(String, String), (f64, f64)> = HashMap::new();
    for r in latest.values() {
        let Some(decided) = r.decided else { continue };
        if r.work_type != "new_claim" || decided > as_of || midx(decided) < first_month {
            continue;
        }
        let days = (decided - r.received).num_days() as f64 + 1.0;
        let m = midx(decided);
        let fy = m.div_euclid(12);
        let q = m.rem_euclid(12) / 3 + 1;
        // The year to date to every later month of the year, and the rolling 12 months to
        // each of the next 12 months whose window lies inside the data.
        let ytd = (m..=fy * 12 + 11).map(|k| format!("{} YTD", label(k)));
        let r12 =
            (m..m + 12).filter(|k| k - 11 >= first_month && *k <= last_month).map(|k| format!("{} R12", label(k)));
        let periods: Vec<String> = [label(m), qlabel(fy, q), ylabel(fy)].into_iter().chain(ytd).chain(r12).collect();
        for partner in [r.partner, "ALL"] {
            for period in periods.clone() {
                let e = sums.entry((partner.to_string(), period)).or_default();
                e.0 += days;
                e.1 += 1.0;
            }
        }
    }
    for ((partner, period), (s, n)) in sums {
        out.insert(("hb_new_claims_days".into(), partner, period), s / n);
    }
}

fn sickness(demo: &DemoData, out: &mut Expected) {
    let mut staff = HashMap::new();
    let mut absence = HashMap::new();
    let mut months = Vec::new();
    for x in &demo.extracts {
        match &x.body {
            Body::Staff(rows) => {
                for r in rows {
                    staff.insert(r.employee_id.clone(), r.clone());
                }
            }
            Body::Absence(rows) => {
                months.push(midx(x.as_at));
                for r in rows {
                    absence.insert((r.employee_id.clone(), r.first_day), (r.clone(), x.as_at));
                }
            }
            _ => {}
        }
    }
    let month_start = |m: i32| {
        let fy = m.div_euclid(12);
        let fm = m.rem_euclid(12) + 1;
        let (y, cm) = if fm <= 9 { (fy, fm + 3) } else { (fy + 1, fm - 9) };
        NaiveDate::from_ymd_opt(y, cm as u32, 1).unwrap()
    };
    let fte_on = |d: NaiveDate| -> f64 {
        staff.values().filter(|s| s.start <= d && s.leaving.is_none_or(|l| l >= d)).map(|s| s.fte).sum()
    };
    for m in months {
        let ws = month_start(m - 11);
        let we = month_start(m + 1).pred_opt().unwrap();
        let mut lost = 0.0;
        for (a, as_at) in absence.values() {
            let last = a.last_day.unwrap_or(*as_at);
            if a.first_day > we || last < ws || last < a.first_day {
                continue;
            }
            let inside = (last.min(we) - a.first_day.max(ws)).num_days() as f64 + 1.0;
            let length = (last - a.first_day).num_days() as f64 + 1.0;
            lost += a.fte_days_lost * inside / length;
        }
        let v = lost / ((fte_on(ws) + fte_on(we)) / 2.0);
        let fy = m.div_euclid(12);
        let month_no = m.rem_euclid(12) + 1;
        out.insert(("sickness_days_per_fte".into(), "ALL".into(), label(m)), v);
        if month_no % 3 == 0 {
            out.insert(("sickness_days_per_fte".into(), "ALL".into(), qlabel(fy, month_no / 3)), v);
        }
        if month_no == 12 {
            out.insert(("sickness_days_per_fte".into(), "ALL".into(), ylabel(fy)), v);
        }
    }
}

/// Records a snapshot value for its month, and for the quarter and year it closes.
fn snapshot(out: &mut Expected, id: &str, partner: &str, m: i32, v: f64) {
    let fy = m.div_euclid(12);
    let month_no = m.rem_euclid(12) + 1;
    out.insert((id.into(), partner.into(), label(m)), v);
    if month_no % 3 == 0 {
        out.insert((id.into(), partner.into(), qlabel(fy, month_no / 3)), v);
    }
    if month_no == 12 {
        out.insert((id.into(), partner.into(), ylabel(fy)), v);
    }
}

/// Revenues counts: the council tax and business rate bases and the direct-debit share of
/// current-year council tax accounts, from each month's extract.
fn revenues_counts(demo: &DemoData, out: &mut Expected) {
    for x in &demo.extracts {
        let Body::Revenues(rows) = &x.body else { continue };
        let (m, fy) = (midx(x.as_at), fy_of(x.as_at));
        let mut n: HashMap<(&str, &str), (f64, f64)> = HashMap::new();
        for r in rows.iter().filter(|r| r.liability_year == fy) {
            for key in [r.partner, "ALL"] {
                let e = n.entry((key, r.tax_type)).or_default();
                e.0 += 1.0;
                e.1 += (r.payment_method == "Direct Debit") as u8 as f64;
            }
        }
        for ((partner, tax), (count, dd)) in n {
            if tax == "CTAX" {
                snapshot(out, "ctax_base_accounts", partner, m, count);
                snapshot(out, "ctax_direct_debit_pct", partner, m, dd / count * 100.0);
            } else {
                snapshot(out, "nndr_base_accounts", partner, m, count);
            }
        }
    }
}

/// Benefit flows from the latest version of each item: accuracy over items decided in each
/// period, and items received in each period.
fn benefit_flows(demo: &DemoData, as_of: NaiveDate, out: &mut Expected) {
    let latest = item_versions(&demo.extracts);
    let first_month = demo.extracts.iter().map(|x| midx(x.as_at)).min().unwrap();
    let periods = |m: i32| [label(m), qlabel(m.div_euclid(12), m.rem_euclid(12) / 3 + 1), ylabel(m.div_euclid(12))];
    let mut accuracy: HashMap<(String, String), (f64, f64)> = HashMap::new();
    let mut received: HashMap<(String, String), f64> = HashMap::new();
    for r in latest.values() {
        if r.received <= as_of && midx(r.received) >= first_month {
            for partner in [r.partner, "ALL"] {
                for period in periods(midx(r.received)) {
                    *received.entry((partner.to_string(), period)).or_default() += 1.0;
                }
            }
        }
        let Some(decided) = r.decided else { continue };
        if !r.quality_checked || decided > as_of || midx(decided) < first_month {
            continue;
        }
        for partner in [r.partner, "ALL"] {
            for period in periods(midx(decided)) {
                let e = accuracy.entry((partner.to_string(), period)).or_default();
                e.0 += (r.found_correct == Some(true)) as u8 as f64;
                e.1 += 1.0;
            }
        }
    }
    for ((partner, period), (ok, n)) in accuracy {
        out.insert(("hb_accuracy_rate".into(), partner, period), ok / n * 100.0);
    }
    for ((partner, period), n) in received {
        out.insert(("hb_items_received".into(), partner, period), n);
    }
}

/// Items outstanding at each month end, from the versions known then.
fn outstanding(demo: &DemoData, out: &mut Expected) {
    let extracts: Vec<_> = demo.extracts.iter().filter(|x| matches!(x.body, Body::Benefits(_))).collect();
    for x in &extracts {
        let m = midx(x.as_at);
        let end = month_end(m);
        let known = item_versions(extracts.iter().copied().filter(|y| y.as_at <= end));
        let mut n: HashMap<&str, f64> = HashMap::new();
        for r in known.values().filter(|r| r.received <= end && r.decided.is_none_or(|d| d > end)) {
            *n.entry(r.partner).or_default() += 1.0;
            *n.entry("ALL").or_default() += 1.0;
        }
        for (partner, count) in n {
            snapshot(out, "hb_outstanding_items", partner, m, count);
        }
    }
}

fn month_start(m: i32) -> NaiveDate {
    let fy = m.div_euclid(12);
    let fm = m.rem_euclid(12) + 1;
    let (y, cm) = if fm <= 9 { (fy, fm + 3) } else { (fy + 1, fm - 9) };
    NaiveDate::from_ymd_opt(y, cm as u32, 1).unwrap()
}

fn month_end(m: i32) -> NaiveDate {
    month_start(m + 1).pred_opt().unwrap()
}

/// Rolling 12-month turnover: leavers / average headcount x 100 (partnership only).
fn turnover(demo: &DemoData, out: &mut Expected) {
    let mut staff = HashMap::new();
    let mut months = Vec::new();
    for x in &demo.extracts {
        let Body::Staff(rows) = &x.body else { continue };
        months.push(midx(x.as_at));
        for r in rows {
            staff.insert(r.employee_id.clone(), r.clone());
        }
    }
    let in_post = |d: NaiveDate| staff.values().filter(|s| s.start <= d && s.leaving.is_none_or(|l| l >= d)).count();
    for m in months {
        let (ws, we) = (month_start(m - 11), month_end(m));
        let leavers = staff.values().filter(|s| s.leaving.is_some_and(|l| l >= ws && l <= we)).count() as f64;
        let avg = (in_post(ws) + in_post(we)) as f64 / 2.0;
        snapshot(out, "staff_turnover_pct", "ALL", m, leavers / avg * 100.0);
    }
}

/// Budget: forecast outturn against budget, and the cost of collecting council tax per
/// current-year council tax account, from each month's extracts.
fn budget_and_unit_cost(demo: &DemoData, out: &mut Expected) {
    let mut accounts: HashMap<(i32, &str), f64> = HashMap::new();
    for x in &demo.extracts {
        let Body::Revenues(rows) = &x.body else { continue };
        let fy = fy_of(x.as_at);
        for r in rows.iter().filter(|r| r.tax_type == "CTAX" && r.liability_year == fy) {
            for key in [r.partner, "ALL"] {
                *accounts.entry((midx(x.as_at), key)).or_default() += 1.0;
            }
        }
    }
    for x in &demo.extracts {
        let Body::Budget(rows) = &x.body else { continue };
        let m = midx(x.as_at);
        let mut sums: HashMap<&str, (f64, f64, f64)> = HashMap::new();
        for r in rows {
            for key in [r.partner, "ALL"] {
                let e = sums.entry(key).or_default();
                e.0 += r.forecast_outturn;
                e.1 += r.annual_budget;
                if r.service == "Council Tax" {
                    e.2 += r.forecast_outturn;
                }
            }
        }
        for (partner, (forecast, budget, ctax_cost)) in sums {
            snapshot(out, "budget_forecast_pct", partner, m, forecast / budget * 100.0);
            let n = accounts[&(m, partner)];
            snapshot(out, "ctax_cost_per_account", partner, m, ctax_cost / n);
        }
    }
}

fn expected() -> Expected {
    let demo = generate(scorecard::demo::SEED);
    let as_of = NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").unwrap();
    let mut out = Expected::new();
    collection_rates(&demo, &mut out);
    new_claim_days(&demo, as_of, &mut out);
    sickness(&demo, &mut out);
    revenues_counts(&demo, &mut out);
    benefit_flows(&demo, as_of, &mut out);
    outstanding(&demo, &mut out);
    turnover(&demo, &mut out);
    budget_and_unit_cost(&demo, &mut out);
    out
}

#[test]
fn demo_figures_match_an_independent_computation() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let dropped = std::fs::read_dir(project.join("drop")).unwrap().count();
    assert_eq!(dropped, 5 * 36, "three years of monthly extracts from five sources");

    let (code, json) = run_json(&project, AS_OF);
    assert_eq!(code, 0, "{json:#}");
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), dropped);
    for f in files {
        assert_eq!(f["status"], "accepted", "{f}");
        assert!(f["source"].is_string() && f["reason"].is_string() && f["name"].is_string());
    }
    for k in ["drop", "archive", "quarantine", "output"] {
        assert!(std::path::Path::new(json["folders"][k].as_str().unwrap()).is_absolute(), "{k}");
    }
    // Nothing is lost: every file moved from the drop folder to the archive.
    assert_eq!(std::fs::read_dir(project.join("drop")).unwrap().count(), 0);
    let archived = std::fs::read_dir(project.join("archive").join(AS_OF)).unwrap().count();
    assert_eq!(archived, dropped);

    let outputs = json["outputs"].as_array().unwrap();
    let path_of = |kind: &str| -> std::path::PathBuf {
        let o = outputs.iter().find(|o| o["kind"] == kind).unwrap_or_else(|| panic!("no {kind} output: {json:#}"));
        o["path"].as_str().unwrap().into()
    };
    let (csv_path, xlsx_path, pdf_path) = (path_of("csv"), path_of("workbook"), path_of("pdf"));

    let want = expected();
    assert!(want.len() > 36 * 4, "the independent computation found figures ({})", want.len());

    // The open-data CSV.
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = text.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("indicator_id,partner_code,period,period_start,period_end,value,unit,target,rag"));
    let mut seen = 0;
    let mut csv_periods = std::collections::BTreeSet::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let key = (f[0].to_string(), f[1].to_string(), f[2].to_string());
        csv_periods.insert(f[2].to_string());
        if let Some(v) = want.get(&key) {
            let got: f64 = f[5].parse().unwrap_or_else(|_| panic!("value of {key:?} is {:?}", f[5]));
            let decimals = f[5].split('.').nth(1).map(str::len).unwrap_or(0);
            assert!(decimals >= 2, "at least two decimals: {line}");
            assert!((got - v).abs() <= 0.005 + 1e-9, "{key:?}: CSV {got}, expected {v:.4}");
            assert!(["Red", "Amber", "Green", "Blue", ""].contains(&f[8]), "{line}");
            seen += 1;
        }
    }
    assert_eq!(seen, want.len(), "every independently computed figure is in the CSV");
    for p in ["2023/24 M01", "2024/25 Q3", "2025/26", "2025/26 M12"] {
        assert!(csv_periods.contains(p), "period {p} in the CSV");
    }
    assert!(!csv_periods.contains("2026/27 M01"), "no period beyond the data");

    // Direction of travel and commentary: the demo explains Breckland's business-rates result
    // for March 2026; every 2025/26 figure with a 2024/25 counterpart has a direction.
    let row = text
        .lines()
        .find(|l| l.starts_with("nndr_collection_rate,E07000143,2025/26 M12,"))
        .expect("Breckland's March business rates");
    assert!(row.contains("Two large rating appeals") && row.contains("(Head of Revenues)"), "{row}");
    for line in text.lines().filter(|l| l.contains(",2025/26 M") && !l.contains(",,percent,") && !l.contains(",,days,"))
    {
        let direction = line.split(',').nth(14).unwrap();
        // Context measures (the tax base, the caseload received) go up or down.
        let words: &[&str] = if line.contains(",Strategic context,") {
            &["up", "down", "no change"]
        } else {
            &["improved", "worse", "no change"]
        };
        assert!(words.contains(&direction), "{line}");
    }

    // The workbook, read back with calamine.
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx_path).unwrap();
    let range = wb.worksheet_range("Values").unwrap();
    let mut rows = range.rows();
    let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("column {name}"));
    let (ci, cp, cper, cv) = (col("Indicator id"), col("Partner code"), col("Period"), col("Value"));
    // Percentages are stored as fractions with a percent format (97.46% as 0.9746).
    let cu = col("Unit");
    let mut checked = 0;
    for r in rows {
        let key = (r[ci].to_string(), r[cp].to_string(), r[cper].to_string());
        if let Some(v) = want.get(&key) {
            let Data::Float(got) = r[cv] else { panic!("{key:?}: value cell is {:?}", r[cv]) };
            let v = if r[cu] == "percent" { v / 100.0 } else { *v };
            assert!((got - v).abs() < 1e-9 * v.abs().max(1.0), "{key:?}: workbook {got}, expected {v}");
            checked += 1;
        }
    }
    assert_eq!(checked, want.len(), "every figure is in the workbook");
    // Amber results nobody has commented on are marked, so the committee sees the gap.
    let values = wb.worksheet_range("Values").unwrap();
    let missing = values
        .rows()
        .filter(|r| r.iter().any(|c| *c == "commentary missing"))
        .map(|r| (r[ci].to_string(), r[cp].to_string(), r[cper].to_string()))
        .collect::<Vec<_>>();
    assert!(missing.contains(&("hb_accuracy_rate".into(), "E07000244".into(), "2025/26 M12".into())), "{missing:?}");
    assert!(!missing.iter().any(|m| m.0 == "nndr_collection_rate" && m.1 == "E07000143" && m.2 == "2025/26 M12"));
    assert!(wb.sheet_names().contains(&"Scorecard".to_string()));
    // The collection rate broken down by payment method, for March 2026, computed here from
    // the demo's rows: Breckland's direct-debit payers.
    let demo = generate(scorecard::demo::SEED);
    let march = demo.extracts.iter().rfind(|x| matches!(x.body, Body::Revenues(_))).unwrap();
    let Body::Revenues(rows) = &march.body else { unreachable!() };
    let (c, d) = rows
        .iter()
        .filter(|r| r.partner == "E07000143" && r.tax_type == "CTAX" && r.liability_year == fy_of(march.as_at))
        .filter(|r| r.payment_method == "Direct Debit")
        .fold((0.0, 0.0), |a, r| (a.0 + r.collected, a.1 + r.net_debit));
    let breakdowns = wb.worksheet_range("Breakdowns").unwrap();
    let header = breakdowns.rows().position(|r| r[0] == "Payment Method").expect("payment method breakdown");
    let dd = breakdowns.rows().skip(header).find(|r| r[0] == "Direct Debit").unwrap();
    let Data::Float(got) = dd[1] else { panic!("{dd:?}") };
    assert!(
        (got - c / d).abs() < 1e-9,
        "Breckland direct debit {got} vs {} (a fraction, shown as a percentage)",
        c / d
    );
    // Beside it, the group's size: Breckland's direct-debit payers' net collectable debit.
    let head: Vec<String> = breakdowns.rows().nth(header).unwrap().iter().map(|c| c.to_string()).collect();
    let base = head.iter().position(|h| h == "Net collectable debit: Breckland").expect("base column");
    let Data::Float(debit) = dd[base] else { panic!("{dd:?}") };
    assert!((debit - d).abs() < 1e-6, "Breckland direct-debit debit {debit} vs {d}");

    // The PDF: a real PDF, tagged, and it says the data is synthetic.
    let pdf = std::fs::read(&pdf_path).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "PDF header");
    assert!(pdf.windows(b"/StructTreeRoot".len()).any(|w| w == b"/StructTreeRoot"), "tagged PDF");
    match std::process::Command::new("pdftotext").arg(&pdf_path).arg("-").output() {
        Ok(o) => {
            assert!(o.status.success(), "pdftotext read the report");
            let text = String::from_utf8_lossy(&o.stdout);
            assert!(text.contains("Synthetic data"), "the PDF says the data is synthetic");
            // True of any project marked synthetic, not only one `scorecard demo` wrote.
            assert!(!text.contains("scorecard demo"), "the notice does not claim the demo made it");
            assert!(text.contains("Breckland"), "partner names appear");
        }
        Err(_) => eprintln!("note: pdftotext (poppler-utils) is not installed; PDF text not checked"),
    }

    // A second run with nothing new: same figures, same CSV bytes.
    let (code2, json2) = run_json(&project, AS_OF);
    assert_eq!(code2, 0);
    assert_eq!(json2["files"].as_array().unwrap().len(), 0);
    assert_eq!(std::fs::read_to_string(&csv_path).unwrap(), text, "same inputs, same CSV");
}
