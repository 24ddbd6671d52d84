//! The `Data quality` sheet (each source's data in use, whether it is stale, its scores by
//! characteristic, and the checks its latest extract did not pass) and the `Commentary` sheet
//! (every figure with the owner's commentary, and Red or Amber results still without one).

use super::{rag_conditional_formats, text, write_table, Measure, ReportModel, X};
use rust_xlsxwriter::{
    Color, ConditionalFormatText, ConditionalFormatTextRule, Format, Workbook, Worksheet, XlsxError,
};

pub fn write(wb: &mut Workbook, m: &ReportModel) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Data quality")?;
    let pct = Format::new().set_num_format("0.0%");
    let rows = m
        .quality
        .iter()
        .map(|q| {
            let mut row = vec![
                text(&q.name),
                q.in_use.map(X::Date).unwrap_or(X::Blank),
                text(if q.stale { "stale" } else { "current" }),
            ];
            for ch in crate::config::Characteristic::ALL {
                row.push(match q.scores.iter().find(|s| s.characteristic == ch) {
                    Some(s) => X::Num(s.pass_pct / 100.0, pct.clone()),
                    None => text("not checked"),
                });
            }
            row.push(text(&q.statement));
            row
        })
        .collect();
    let mut headers = vec!["Source", "Data in use (as at)", "Up to date"];
    headers.extend(m.characteristics.iter().map(String::as_str));
    headers.push("Statement");
    write_table(ws, 0, "DataQuality", &headers, rows)?;
    ws.set_freeze_panes(1, 0)?;
    ws.set_autofit_max_width(500);
    ws.autofit();
    findings(ws, m)?;
    // Stale sources stand out whatever their row.
    if !m.quality.is_empty() {
        let stale =
            ConditionalFormatText::new().set_rule(ConditionalFormatTextRule::BeginsWith("stale".into())).set_format(
                Format::new().set_background_color(Color::RGB(0xD4351C)).set_font_color(Color::White).set_bold(),
            );
        ws.add_conditional_format(1, 2, m.quality.len() as u32, 2, &stale)?;
    }
    ws.autofit();
    Ok(())
}

/// Below the scores: the checks each source's latest extract did not pass, or a line saying
/// there are none.
fn findings(ws: &mut Worksheet, m: &ReportModel) -> Result<(), XlsxError> {
    let num = Format::new().set_num_format("#,##0");
    let rows: Vec<Vec<X>> = m
        .quality
        .iter()
        .flat_map(|q| {
            let num = num.clone();
            q.findings.iter().map(move |f| {
                vec![
                    text(&q.name),
                    text(&q.latest_file),
                    q.latest_as_at.map(X::Date).unwrap_or(X::Blank),
                    text(&f.check),
                    text(&f.characteristic),
                    text(&f.severity),
                    text(f.status.as_str()),
                    X::Num(f.failing as f64, num.clone()),
                    X::Num(f.checked as f64, num.clone()),
                    text(&f.message),
                    text(&f.waiver),
                ]
            })
        })
        .collect();
    let top = m.quality.len() as u32 + 3;
    ws.write_string_with_format(
        top,
        0,
        "Open findings: checks the latest extract of each source did not pass, and rows failing below a check's threshold",
        &Format::new().set_bold(),
    )?;
    if rows.is_empty() {
        ws.write_string(top + 1, 0, "None: every source's latest extract passed every check.")?;
    } else {
        let headers = [
            "Source",
            "Latest extract checked",
            "As at",
            "Check",
            "Characteristic",
            "Severity",
            "Result",
            "Failing",
            "Checked",
            "What was found",
            "Waiver",
        ];
        write_table(ws, top + 1, "Findings", &headers, rows)?;
    }
    Ok(())
}

/// The figures of the periods being reported with commentary, and their Red or Amber
/// results without.
pub fn write_commentary(wb: &mut Workbook, m: &ReportModel) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Commentary")?;
    let rows: Vec<Vec<X>> = m
        .values
        .iter()
        .filter(|v| v.reported && (!v.commentary.is_empty() || v.commentary_missing))
        .map(|v| {
            let info = m.indicators.iter().find(|x| x.id == v.indicator_id).expect("indicator");
            let fmt = Measure::of(&info.unit, info.decimals);
            vec![
                text(&v.indicator_name),
                text(&v.partner_name),
                text(&v.period),
                v.value.map(|x| fmt.x(x)).unwrap_or(text("no data")),
                v.target.map(|x| fmt.x(x)).unwrap_or(X::Blank),
                v.rag.as_ref().map(text).unwrap_or(X::Blank),
                text(if v.commentary_missing { "commentary missing" } else { "" }),
                text(&v.commentary),
            ]
        })
        .collect();
    let count = rows.len() as u32;
    let headers = [
        "Indicator",
        "Council",
        "Period",
        "Value",
        "Target",
        "RAG",
        "Missing",
        "Commentary (explanation, action, owner)",
    ];
    if rows.is_empty() {
        ws.write_string(
            0,
            0,
            "No commentary for the periods being reported, and no Red or Amber result awaiting one.",
        )?;
        return Ok(());
    }
    write_table(ws, 0, "Commentary", &headers, rows)?;
    rag_conditional_formats(ws, 1, 5, count, 5)?;
    ws.set_freeze_panes(1, 0)?;
    ws.set_autofit_max_width(600);
    ws.autofit();
    Ok(())
}
