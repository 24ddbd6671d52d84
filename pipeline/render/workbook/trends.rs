//! The monthly series behind the workbook's trends: the `Trends` sheet (one row per indicator
//! and council, one column per month of the last three years, and the partnership's target)
//! and `Trend charts` (a native line chart per indicator, the target dashed). The scorecard's
//! sparklines read the same rows.

use super::{Measure, ReportModel};
use crate::periods::PeriodKind;
use rust_xlsxwriter::{
    Chart, ChartFormat, ChartLegendPosition, ChartLine, ChartLineDashType, ChartType, Format, Table, TableColumn,
    TableStyle, Workbook, XlsxError,
};
use std::collections::HashMap;

/// The name of the sheet that holds the series.
pub const SHEET: &str = "Trends";

/// Months shown: three years.
const MONTHS: usize = 36;

/// First column of month values on the `Trends` sheet.
pub const FIRST_MONTH_COL: u16 = 3;

/// One row of the series.
pub struct SeriesRow {
    pub indicator_id: String,
    /// Partner code, `ALL`, or empty for the target row.
    pub partner_code: String,
    pub label: String,
    pub values: Vec<Option<f64>>,
}

/// The months and rows of the series, in the order written.
pub struct Series {
    /// Period labels (`2025/26 M12`) and column headings (`Mar 2026`).
    pub months: Vec<(String, String)>,
    pub rows: Vec<SeriesRow>,
}

impl Series {
    /// The sheet row (0-based, after the header) of an indicator's row for a council.
    pub fn row_of(&self, indicator_id: &str, partner_code: &str) -> Option<u32> {
        self.rows
            .iter()
            .position(|r| r.indicator_id == indicator_id && r.partner_code == partner_code)
            .map(|i| i as u32 + 1)
    }
}

/// The last three years' monthly values of every indicator, for every council and the
/// partnership, and the partnership's monthly target.
pub fn series(m: &ReportModel) -> Series {
    let mut months: Vec<(chrono::NaiveDate, String)> = m
        .values
        .iter()
        .filter(|v| v.period_kind == PeriodKind::Month)
        .map(|v| (v.period_start, v.period.clone()))
        .collect();
    months.sort();
    months.dedup();
    let months: Vec<(chrono::NaiveDate, String)> = months.into_iter().rev().take(MONTHS).rev().collect();
    let index: HashMap<(&str, &str, &str), &super::super::model::ValueRow> = m
        .values
        .iter()
        .filter(|v| v.period_kind == PeriodKind::Month)
        .map(|v| ((v.indicator_id.as_str(), v.partner_code.as_str(), v.period.as_str()), v))
        .collect();
    let mut rows = Vec::new();
    for info in &m.indicators {
        for p in &m.partners {
            let values: Vec<Option<f64>> = months
                .iter()
                .map(|(_, label)| index.get(&(info.id.as_str(), p.code.as_str(), label.as_str())).and_then(|v| v.value))
                .collect();
            if values.iter().any(Option::is_some) {
                rows.push(SeriesRow {
                    indicator_id: info.id.clone(),
                    partner_code: p.code.clone(),
                    label: p.name.clone(),
                    values,
                });
            }
        }
        let targets: Vec<Option<f64>> = months
            .iter()
            .map(|(_, label)| {
                index.get(&(info.id.as_str(), crate::indicators::ALL, label.as_str())).and_then(|v| v.target)
            })
            .collect();
        if targets.iter().any(Option::is_some) {
            rows.push(SeriesRow {
                indicator_id: info.id.clone(),
                partner_code: String::new(),
                label: "Target (partnership)".into(),
                values: targets,
            });
        }
    }
    Series { months: months.into_iter().map(|(d, label)| (label, d.format("%b %Y").to_string())).collect(), rows }
}

/// Writes the `Trends` sheet.
pub fn write_sheet(wb: &mut Workbook, m: &ReportModel, s: &Series) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name(SHEET)?;
    let mut headers = vec!["Indicator".to_string(), "Council".to_string(), "Series".to_string()];
    headers.extend(s.months.iter().map(|(_, h)| h.clone()));
    for (i, r) in s.rows.iter().enumerate() {
        let row = i as u32 + 1;
        let info = m.indicators.iter().find(|x| x.id == r.indicator_id).expect("indicator");
        let fmt = Measure::of(&info.unit, info.decimals);
        ws.write_string(row, 0, &info.name)?;
        ws.write_string(row, 1, &r.label)?;
        ws.write_string(row, 2, if r.partner_code.is_empty() { "target" } else { "value" })?;
        for (j, v) in r.values.iter().enumerate() {
            if let Some(v) = v {
                ws.write_number_with_format(row, FIRST_MONTH_COL + j as u16, fmt.cell(*v), &fmt.format)?;
            }
        }
    }
    if s.rows.is_empty() {
        ws.write_string(0, 0, "No monthly figures yet.")?;
        return Ok(());
    }
    let columns: Vec<TableColumn> = headers.iter().map(|h| TableColumn::new().set_header(h)).collect();
    let table = Table::new().set_name("Trends").set_columns(&columns).set_style(TableStyle::Medium2);
    ws.add_table(0, 0, s.rows.len() as u32, headers.len() as u16 - 1, &table)?;
    ws.set_freeze_panes(1, FIRST_MONTH_COL)?;
    ws.autofit();
    Ok(())
}

/// Writes `Trend charts`: one line chart per indicator, the councils and the partnership as
/// lines, the target dashed.
pub fn write_charts(wb: &mut Workbook, m: &ReportModel, s: &Series) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Trend charts")?;
    ws.write_string_with_format(
        0,
        0,
        "Monthly trends, last three years (data on the Trends sheet)",
        &Format::new().set_bold(),
    )?;
    if s.months.is_empty() {
        ws.write_string(1, 0, "No monthly figures yet.")?;
        return Ok(());
    }
    let last_col = FIRST_MONTH_COL + s.months.len() as u16 - 1;
    let mut placed = 0u32;
    for info in &m.indicators {
        let rows: Vec<(u32, &SeriesRow)> = s
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.indicator_id == info.id)
            .map(|(i, r)| (i as u32 + 1, r))
            .collect();
        if rows.is_empty() {
            continue;
        }
        let mut chart = Chart::new(ChartType::Line);
        for (row, r) in &rows {
            let series = chart
                .add_series()
                .set_categories((SHEET, 0, FIRST_MONTH_COL, 0, last_col))
                .set_values((SHEET, *row, FIRST_MONTH_COL, *row, last_col))
                .set_name((SHEET, *row, 1));
            if r.partner_code.is_empty() {
                series.set_format(ChartFormat::new().set_line(
                    ChartLine::new().set_color("#0B0C0C").set_width(1.5).set_dash_type(ChartLineDashType::Dash),
                ));
            }
        }
        let unit = if info.unit_label.is_empty() { String::new() } else { format!(" ({})", info.unit_label) };
        chart.title().set_name(&format!("{}{unit}", info.name));
        chart.y_axis().set_name(if info.unit_label.is_empty() { "count" } else { info.unit_label.as_str() });
        chart.legend().set_position(ChartLegendPosition::Bottom);
        chart.set_alt_text(super::alt_text(&format!(
            "Line chart of {} by month from {} to {}, one line per council and the partnership{}; the figures are on the Trends sheet.",
            info.name,
            s.months.first().map(|x| x.1.as_str()).unwrap_or(""),
            s.months.last().map(|x| x.1.as_str()).unwrap_or(""),
            if rows.iter().any(|(_, r)| r.partner_code.is_empty()) { ", with the target dashed" } else { "" }
        )));
        chart.set_width(560).set_height(300);
        let (r, c) = (2 + (placed / 2) * 16, (placed % 2) as u16 * 9);
        ws.insert_chart(r, c, &chart)?;
        placed += 1;
    }
    Ok(())
}
