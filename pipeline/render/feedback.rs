//! The feedback workbook for the person who supplied an extract: a summary sheet (pass,
//! warning, fail and waived by characteristic, then every check with its result) and one
//! sheet per check that did not pass, listing the failing rows with their Excel row
//! numbers, keys and values, so the data owner can go straight to each one.

use super::workbook::{fit, text, write_table, X};
use crate::check::{CheckResult, QualityRecord, Status};
use crate::config::Characteristic;
use rust_xlsxwriter::{Color, DocProperties, Format, Workbook, Worksheet, XlsxError};
use std::collections::BTreeSet;

/// A sheet name Excel accepts (at most 31 characters, none of `[]:*?/\`), unique in the book.
fn sheet_name(id: &str, used: &mut BTreeSet<String>) -> String {
    let clean: String = id.chars().map(|c| if "[]:*?/\\'".contains(c) { ' ' } else { c }).collect();
    let base: String = clean.trim().chars().take(28).collect();
    let base = if base.is_empty() { "check".to_string() } else { base };
    let mut name = base.clone();
    let mut n = 2;
    while !used.insert(name.to_lowercase()) {
        name = format!("{base} {n}");
        n += 1;
    }
    name
}

/// Renders the feedback workbook of one checked extract. The creation time is the run's
/// as-of date, so the same inputs give the same bytes.
pub fn render(r: &QualityRecord) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let created = r.checked_on.and_hms_opt(0, 0, 0).expect("midnight");
    let title_text = format!("Data-quality feedback: {}", r.file_name);
    wb.set_properties(&DocProperties::new().set_title(&title_text).set_creation_datetime(&created));
    let mut used = BTreeSet::from(["summary".to_string()]);
    let failed: Vec<&CheckResult> =
        r.checks.iter().filter(|c| c.status != Status::Pass && !c.failures.is_empty()).collect();
    let names: Vec<String> = failed.iter().map(|c| sheet_name(&c.id, &mut used)).collect();
    let ws = wb.add_worksheet().set_name("Summary")?;
    ws.write_string_with_format(0, 0, &title_text, &title_format())?;
    let row = write_facts(ws, r)?;
    write_checks(ws, r, &failed, &names, row)?;
    for (k, (c, name)) in failed.iter().zip(&names).enumerate() {
        write_failures(wb.add_worksheet().set_name(name)?, c, k + 1)?;
    }
    wb.save_to_buffer()
}

fn title_format() -> Format {
    Format::new().set_bold().set_font_size(14)
}

fn count_format() -> Format {
    Format::new().set_num_format("#,##0")
}

/// A check's result as a coloured word, so the status is read from text and colour alike.
fn status_format(s: Status) -> Format {
    let (bg, fg) = match s {
        Status::Pass => (0x00703C, 0xFFFFFF),
        Status::Warning | Status::Waived => (0xFFDD00, 0x0B0C0C),
        Status::Error => (0xD4351C, 0xFFFFFF),
    };
    Format::new().set_background_color(Color::RGB(bg)).set_font_color(Color::RGB(fg)).set_bold()
}

/// The file's facts (source, dates, rows, outcome) and its scores by characteristic; returns
/// the next free row.
fn write_facts(ws: &mut Worksheet, r: &QualityRecord) -> Result<u32, XlsxError> {
    let bold = Format::new().set_bold();
    let (num, pct) = (count_format(), Format::new().set_num_format("0.0%"));
    let outcome = match &r.reason {
        Some(reason) => format!("{}: {reason}", r.outcome),
        None => r.outcome.to_string(),
    };
    let facts = [
        ("Source", r.source.clone()),
        ("As at", r.as_at.format("%d/%m/%Y").to_string()),
        ("Checked on", r.checked_on.format("%d/%m/%Y").to_string()),
        ("Rows read", r.rows_read.to_string()),
        ("Rows accepted", r.rows_accepted.to_string()),
        ("Rows rejected", r.rows_rejected.to_string()),
        ("Outcome", outcome),
    ];
    for (i, (k, v)) in facts.iter().enumerate() {
        ws.write_string_with_format(2 + i as u32, 0, *k, &bold)?;
        ws.write_string(2 + i as u32, 1, fit(v))?;
    }
    let row = 3 + facts.len() as u32;
    ws.write_string_with_format(row, 0, "By characteristic", &bold)?;
    let count = |ch: Characteristic, s: Status| {
        X::Num(r.checks.iter().filter(|c| c.characteristic == ch && c.status == s).count() as f64, num.clone())
    };
    let by_char = Characteristic::ALL
        .iter()
        .filter_map(|&ch| {
            let score = r.scores.iter().find(|s| s.characteristic == ch)?;
            Some(vec![
                text(ch.name()),
                X::Num(score.checks as f64, num.clone()),
                count(ch, Status::Pass),
                count(ch, Status::Warning),
                count(ch, Status::Error),
                count(ch, Status::Waived),
                X::Num(score.pass_pct / 100.0, pct.clone()),
            ])
        })
        .collect();
    let headers = ["Characteristic", "Checks", "Passed", "Warnings", "Failed", "Waived", "Score"];
    write_table(ws, row + 1, "ByCharacteristic", &headers, by_char)
}

/// Every check with its result, pointing to the sheet of its failures.
fn write_checks(
    ws: &mut Worksheet,
    r: &QualityRecord,
    failed: &[&CheckResult],
    names: &[String],
    row: u32,
) -> Result<(), XlsxError> {
    let num = count_format();
    ws.write_string_with_format(row, 0, "Every check", &Format::new().set_bold())?;
    let checks_at = row + 1;
    let rows = r
        .checks
        .iter()
        .map(|c| {
            let sheet = failed.iter().position(|f| f.id == c.id).map(|k| names[k].clone());
            vec![
                text(&c.id),
                text(c.characteristic.name()),
                text(c.status.word()),
                text(&c.description),
                text(&c.message),
                X::Num(c.checked as f64, num.clone()),
                X::Num(c.failing as f64, num.clone()),
                text(sheet.map(|s| format!("see sheet '{s}'")).unwrap_or_default()),
                text(c.waiver.clone().unwrap_or_default()),
            ]
        })
        .collect();
    let headers =
        ["Check", "Characteristic", "Result", "What is checked", "Outcome", "Checked", "Failing", "Details", "Waiver"];
    write_table(ws, checks_at, "Checks", &headers, rows)?;
    for (i, c) in r.checks.iter().enumerate() {
        ws.write_string_with_format(checks_at + 1 + i as u32, 2, c.status.word(), &status_format(c.status))?;
    }
    ws.set_autofit_max_width(420);
    ws.autofit();
    Ok(())
}

/// One failed check's sheet: what it checks, and each failing row listed (up to the limit).
fn write_failures(ws: &mut Worksheet, c: &CheckResult, number: usize) -> Result<(), XlsxError> {
    let num = count_format();
    ws.write_string_with_format(0, 0, fit(&format!("{}: {}", c.id, c.description)), &title_format())?;
    ws.write_string(1, 0, fit(&format!("{} ({}); {}", c.status.word(), c.characteristic.name(), c.message)))?;
    let mut row = 2;
    if c.failing > c.failures.len() {
        ws.write_string(row, 0, format!("{} failing; the first {} are listed here.", c.failing, c.failures.len()))?;
        row += 1;
    }
    if let Some(w) = &c.waiver {
        ws.write_string(row, 0, fit(w))?;
        row += 1;
    }
    let rows = c
        .failures
        .iter()
        .map(|f| {
            vec![
                f.row.map(|r| X::Num(r as f64, num.clone())).unwrap_or(X::Blank),
                text(f.sheet.clone().unwrap_or_default()),
                text(f.column.clone().unwrap_or_default()),
                text(f.key.clone().unwrap_or_default()),
                text(f.value.clone().unwrap_or_default()),
                text(&f.message),
            ]
        })
        .collect();
    let headers = ["Excel row", "Sheet", "Column", "Key", "Value", "Problem"];
    write_table(ws, row + 1, &format!("Failures{number}"), &headers, rows)?;
    ws.set_freeze_panes(row + 2, 0)?;
    ws.set_autofit_max_width(420);
    ws.autofit();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{CheckResult, Finding, Score};
    use crate::config::Severity;
    use calamine::Reader;

    fn record(message: String) -> QualityRecord {
        let d = chrono::NaiveDate::from_ymd_opt(2025, 10, 31).unwrap();
        let failure = Finding {
            file: "x.xlsx".into(),
            sheet: Some("Accounts".into()),
            row: Some(17),
            column: Some("C (Ref)".into()),
            key: Some("ref=A1".into()),
            value: Some("=HYPERLINK(\"http://evil\")".into()),
            message: message.clone(),
        };
        let check = |id: &str, status, failures: Vec<Finding>| CheckResult {
            id: id.into(),
            characteristic: Characteristic::Validity,
            severity: Severity::Error,
            status,
            description: "ref is valid".into(),
            message: message.clone(),
            checked: 10,
            failing: failures.len(),
            failures,
            waiver: None,
        };
        QualityRecord {
            file_name: "x.xlsx".into(),
            sha256: "ab".repeat(32),
            source: "revenues".into(),
            as_at: d,
            checked_on: d,
            outcome: crate::check::FileStatus::Quarantined,
            reason: Some("check pattern:ref failed".into()),
            rows_read: 10,
            rows_accepted: 10,
            rows_rejected: 0,
            scores: vec![Score {
                characteristic: Characteristic::Validity,
                checks: 2,
                checks_passed: 1,
                pass_pct: 95.0,
            }],
            checks: vec![
                check("pattern:ref/with:bad*chars?", Status::Error, vec![failure]),
                check("types", Status::Pass, Vec::new()),
            ],
        }
    }

    #[test]
    fn failing_rows_get_a_sheet_and_text_stays_text() {
        let bytes = render(&record("huge ".repeat(20_000))).unwrap();
        let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), vec!["Summary".to_string(), "pattern ref with bad chars".to_string()]);
        let sheet = wb.worksheet_range("pattern ref with bad chars").unwrap();
        let row = sheet.rows().find(|r| r[0] == 17.0).expect("the failing row's Excel number");
        assert_eq!(row[4].to_string(), "=HYPERLINK(\"http://evil\")", "written as text, not a formula");
        let formulas = wb.worksheet_formula("pattern ref with bad chars").unwrap();
        assert!(formulas.used_cells().next().is_none(), "no formulas in the feedback workbook");
        // The same record gives the same bytes.
        assert_eq!(render(&record("x".into())).unwrap(), render(&record("x".into())).unwrap());
    }
}
