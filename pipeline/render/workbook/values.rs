//! The `Values` sheet: every figure of the run, as in the open-data CSV but with real dates,
//! names and number formats. Written row by row; above [`CONSTANT_MEMORY_ROWS`] rows the
//! sheet is written in rust_xlsxwriter's constant-memory mode (each row goes to a temporary
//! file as it is finished), so a national-scale run does not hold the sheet in memory.

use super::{fit, Measure, ReportModel};
use rust_xlsxwriter::{Format, Table, TableColumn, TableStyle, Workbook, XlsxError};
use std::collections::HashMap;

/// Above this many rows the sheet is written in constant-memory mode.
pub const CONSTANT_MEMORY_ROWS: usize = 50_000;

const HEADERS: [&str; 15] = [
    "Indicator id",
    "Indicator",
    "Partner code",
    "Partner",
    "Period",
    "Period start",
    "Period end",
    "Value",
    "Unit",
    "Target",
    "RAG",
    "Same period last year",
    "Direction of travel",
    "Commentary",
    "Why there is no value",
];

/// Column widths used when the sheet is too large to fit them to its contents.
const WIDTHS: [f64; 15] = [26.0, 44.0, 12.0, 28.0, 16.0, 12.0, 12.0, 12.0, 9.0, 12.0, 8.0, 12.0, 12.0, 60.0, 60.0];

/// Writes the sheet, in constant-memory mode when it has more than [`CONSTANT_MEMORY_ROWS`].
pub fn write(wb: &mut Workbook, m: &ReportModel) -> Result<(), XlsxError> {
    write_sheet(wb, m, m.values.len() > CONSTANT_MEMORY_ROWS)
}

/// A workbook of the `Values` sheet alone (for the benchmark and tests).
pub fn render_alone(m: &ReportModel, constant_memory: bool) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    write_sheet(&mut wb, m, constant_memory)?;
    wb.save_to_buffer()
}

fn write_sheet(wb: &mut Workbook, m: &ReportModel, large: bool) -> Result<(), XlsxError> {
    let ws = if large { wb.add_worksheet_with_constant_memory()? } else { wb.add_worksheet() };
    ws.set_name("Values")?;
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let info: HashMap<&str, (&str, &str, Measure)> = m
        .indicators
        .iter()
        .map(|i| (i.id.as_str(), (i.name.as_str(), i.unit.as_str(), Measure::of(&i.unit, i.decimals))))
        .collect();
    // The table first: it writes the header row, and a constant-memory sheet takes rows in
    // order only.
    if m.values.is_empty() {
        for (j, h) in HEADERS.iter().enumerate() {
            ws.write_string(0, j as u16, *h)?;
        }
    } else {
        let columns: Vec<TableColumn> = HEADERS.iter().map(|h| TableColumn::new().set_header(*h)).collect();
        let table = Table::new().set_name("IndicatorValues").set_columns(&columns).set_style(TableStyle::Medium2);
        ws.add_table(0, 0, m.values.len() as u32, HEADERS.len() as u16 - 1, &table)?;
    }
    for (i, v) in m.values.iter().enumerate() {
        let r = i as u32 + 1;
        let (name, unit, fmt) = info.get(v.indicator_id.as_str()).expect("value of a defined indicator");
        ws.write_string(r, 0, &v.indicator_id)?;
        ws.write_string(r, 1, *name)?;
        ws.write_string(r, 2, &v.partner_code)?;
        ws.write_string(r, 3, &v.partner_name)?;
        ws.write_string(r, 4, &v.period)?;
        ws.write_date_with_format(r, 5, v.period_start, &date)?;
        ws.write_date_with_format(r, 6, v.period_end, &date)?;
        if let Some(x) = v.value {
            ws.write_number_with_format(r, 7, fmt.cell(x), &fmt.format)?;
        }
        ws.write_string(r, 8, *unit)?;
        if let Some(x) = v.target {
            ws.write_number_with_format(r, 9, fmt.cell(x), &fmt.format)?;
        }
        if let Some(rag) = &v.rag {
            ws.write_string(r, 10, rag)?;
        }
        if let Some(x) = v.last_year {
            ws.write_number_with_format(r, 11, fmt.cell(x), &fmt.format)?;
        }
        if !v.direction.is_empty() {
            ws.write_string(r, 12, &v.direction)?;
        }
        let commentary = if v.commentary_missing { "commentary missing" } else { v.commentary.as_str() };
        if !commentary.is_empty() {
            ws.write_string(r, 13, fit(commentary))?;
        }
        if !v.note.is_empty() {
            ws.write_string(r, 14, fit(&v.note))?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    if large {
        for (j, w) in WIDTHS.iter().enumerate() {
            ws.set_column_width(j as u16, *w)?;
        }
    } else {
        ws.autofit();
    }
    Ok(())
}
