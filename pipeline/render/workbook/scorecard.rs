//! The `Scorecard` sheet: one row per indicator and council for each indicator's latest month,
//! grouped by perspective, with the value, target, RAG (as text, coloured by conditional
//! formatting on that text), direction of travel (arrow and word), the same period last year,
//! the year to date where the figure adds up over months, and a sparkline of the last 12
//! months drawn from the `Trends` sheet.

use super::trends::{Series, FIRST_MONTH_COL, SHEET as TRENDS};
use super::{heading, rag_conditional_formats, text, write_table, Measure, ReportModel, X};
use rust_xlsxwriter::{Sparkline, Workbook, Worksheet, XlsxError};

/// Direction of travel as an arrow and a word.
pub fn direction_mark(direction: &str) -> String {
    match direction {
        "improved" => "▲ improved".into(),
        "worse" => "▼ worse".into(),
        "no change" => "► no change".into(),
        "up" => "↑ up".into(),
        "down" => "↓ down".into(),
        _ => String::new(),
    }
}

pub fn write(wb: &mut Workbook, m: &ReportModel, s: &Series) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Scorecard")?;
    let top = heading(
        ws,
        m,
        &format!(
            "Each indicator's latest month, figures as at {}. Year to date is given where a figure adds up over months (collection rates are already cumulative). The last column draws the last 12 months from the Trends sheet.",
            m.as_of_text
        ),
    )?;
    let (rows, spark) = scorecard_rows(m, s);
    let headers = [
        "Perspective",
        "Indicator",
        "Council",
        "Period",
        "Value",
        "Target",
        "RAG",
        "Direction of travel",
        "Same period last year",
        "Year to date",
        "Last 12 months",
    ];
    let count = rows.len() as u32;
    write_table(ws, top, "Scorecard", &headers, rows)?;
    if count > 0 {
        rag_conditional_formats(ws, top + 1, 6, top + count, 6)?;
    }
    sparklines(ws, top, s, &spark)?;
    ws.set_freeze_panes(top + 1, 3)?;
    ws.autofit();
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 40)?;
    ws.set_column_width(10, 18)?;
    Ok(())
}

/// One row per indicator and council, by perspective (in the order each perspective's first
/// indicator is defined); beside each, the row of its series on the Trends sheet.
fn scorecard_rows(m: &ReportModel, s: &Series) -> (Vec<Vec<X>>, Vec<Option<u32>>) {
    let ytd: std::collections::HashMap<(&str, &str, String), Option<f64>> = m
        .values
        .iter()
        .filter(|v| v.period_kind == crate::periods::PeriodKind::YearToDate)
        .map(|v| ((v.indicator_id.as_str(), v.partner_code.as_str(), v.period.clone()), v.value))
        .collect();
    let mut rows = Vec::new();
    let mut spark = Vec::new();
    for row in super::by_perspective(m) {
        let info = m.indicators.iter().find(|x| x.id == row.indicator_id).expect("indicator");
        let fmt = Measure::of(&info.unit, info.decimals);
        let num = |v: Option<f64>| v.map(|x| fmt.x(x)).unwrap_or(X::Blank);
        for partner in &m.partners {
            let Some(cell) = row.cells.iter().find(|c| c.partner_code == partner.code) else { continue };
            let ytd = ytd
                .get(&(cell.indicator_id.as_str(), cell.partner_code.as_str(), format!("{} YTD", cell.period)))
                .copied()
                .flatten();
            rows.push(vec![
                text(&row.perspective),
                text(&row.name),
                text(&partner.name),
                text(&cell.period),
                cell.value.map(|x| fmt.x(x)).unwrap_or(text("no data")),
                num(cell.target),
                cell.rag.as_ref().map(text).unwrap_or(X::Blank),
                text(direction_mark(&cell.direction)),
                num(cell.last_year),
                num(ytd),
                X::Blank,
            ]);
            spark.push(s.row_of(&row.indicator_id, &partner.code));
        }
    }
    (rows, spark)
}

/// Sparklines: the last 12 months of each row's series.
fn sparklines(ws: &mut Worksheet, top: u32, s: &Series, spark: &[Option<u32>]) -> Result<(), XlsxError> {
    let last = FIRST_MONTH_COL + s.months.len() as u16;
    let first = last.saturating_sub(12).max(FIRST_MONTH_COL);
    for (i, r) in spark.iter().enumerate() {
        if let (Some(r), true) = (r, last > first) {
            let line = Sparkline::new()
                .set_range((TRENDS, *r, first, *r, last - 1))
                .set_sparkline_color("#1D70B8")
                .set_line_weight(1.25)
                .show_last_point(true);
            ws.add_sparkline(top + 1 + i as u32, 10, &line)?;
        }
    }
    Ok(())
}
