//! The Excel workbook performance staff work in: a summary, the scorecard by perspective
//! ([`scorecard`]), monthly trends with charts ([`trends`]), benchmarks, data quality,
//! commentary, definitions, every value, the files of this run and the lineage of every
//! extract used. Values are numbers with number formats, dates are real dates, tables have
//! filters and frozen headers, RAG colours come from conditional formatting on the RAG text,
//! and text is always written as text (never as a formula).

mod benchmarks;
mod lineage;
mod quality;
mod scorecard;
mod trends;
pub mod values;

use super::ReportModel;
use crate::indicators::ALL;
use chrono::NaiveDate;
use rust_xlsxwriter::{
    Color, ConditionalFormatText, ConditionalFormatTextRule, DocProperties, Format, Table, TableColumn, TableStyle,
    Workbook, Worksheet, XlsxError,
};

/// A cell to write.
pub(super) enum X {
    Text(String),
    Num(f64, Format),
    Date(NaiveDate),
    Blank,
}

pub(super) fn text(s: impl Into<String>) -> X {
    X::Text(s.into())
}

/// Excel's limit on the characters of one cell.
const EXCEL_CELL_CHARS: usize = 32_767;

/// Text cut to what one Excel cell holds, saying so when it is cut.
pub(super) fn fit(s: &str) -> std::borrow::Cow<'_, str> {
    const NOTE: &str = " ... (cut to fit one Excel cell)";
    match s.char_indices().nth(EXCEL_CELL_CHARS - NOTE.len()) {
        Some((i, _)) => format!("{}{NOTE}", &s[..i]).into(),
        None => s.into(),
    }
}

/// Alternative text for a chart, within Excel's 255 characters (cut at a word, with an
/// ellipsis, when longer).
pub(super) fn alt_text(s: &str) -> String {
    const LIMIT: usize = 255;
    if s.chars().count() <= LIMIT {
        return s.to_string();
    }
    let cut: String = s.chars().take(LIMIT - 3).collect();
    let cut = cut.rsplit_once(' ').map(|(a, _)| a).unwrap_or(&cut);
    format!("{cut}...")
}

/// Number format for an indicator's unit, with its decimals.
pub(super) fn unit_format(unit: &str, decimals: u8) -> Format {
    let dec = if decimals > 0 { format!(".{}", "0".repeat(decimals as usize)) } else { String::new() };
    let f = match unit {
        "percent" => format!("0{dec}%"),
        "days" => format!("0{dec}"),
        "pounds" => format!("£#,##0{dec}"),
        _ => format!("#,##0{dec}"),
    };
    Format::new().set_num_format(f)
}

/// How a figure of a unit goes into a cell: its number format, and the scale from the figure
/// to the cell. A percentage is stored as a fraction with a percent format (97.46% as
/// 0.9746), so that Excel sums, averages and charts it as the percentage it is.
#[derive(Clone)]
pub(super) struct Measure {
    pub format: Format,
    /// The figure over this is the cell (100 for a percentage: a division, which keeps the
    /// figure as exact as a double can, where multiplying by 0.01 would not).
    pub divisor: f64,
}

impl Measure {
    pub fn of(unit: &str, decimals: u8) -> Measure {
        Measure { format: unit_format(unit, decimals), divisor: if unit == "percent" { 100.0 } else { 1.0 } }
    }

    /// The cell's number for a figure.
    pub fn cell(&self, v: f64) -> f64 {
        v / self.divisor
    }

    /// A figure as a table cell.
    pub fn x(&self, v: f64) -> X {
        X::Num(self.cell(v), self.format.clone())
    }
}

/// RAG colours (GOV.UK palette; text colour chosen for contrast).
const RAG_COLOURS: [(&str, u32, u32); 4] = [
    ("Green", 0x00703C, 0xFFFFFF),
    ("Amber", 0xFFDD00, 0x0B0C0C),
    ("Red", 0xD4351C, 0xFFFFFF),
    ("Blue", 0x1D70B8, 0xFFFFFF),
];

/// Colours a range of RAG cells by their text (`Red`, `Amber`, `Green`, `Blue`) with
/// conditional formats, so a status typed over or recalculated is coloured too.
pub(super) fn rag_conditional_formats(
    ws: &mut Worksheet,
    first_row: u32,
    first_col: u16,
    last_row: u32,
    last_col: u16,
) -> Result<(), XlsxError> {
    for (word, bg, fg) in RAG_COLOURS {
        let f = Format::new().set_background_color(Color::RGB(bg)).set_font_color(Color::RGB(fg)).set_bold();
        let rule =
            ConditionalFormatText::new().set_rule(ConditionalFormatTextRule::BeginsWith(word.into())).set_format(f);
        ws.add_conditional_format(first_row, first_col, last_row, last_col, &rule)?;
    }
    Ok(())
}

/// The report's title, a line saying what the sheet shows and, for synthetic data, a warning;
/// returns the row after a blank one below them.
pub(super) fn heading(ws: &mut Worksheet, m: &ReportModel, subtitle: &str) -> Result<u32, XlsxError> {
    ws.write_string_with_format(0, 0, &m.title, &Format::new().set_bold().set_font_size(14))?;
    ws.write_string(1, 0, subtitle)?;
    if m.synthetic {
        let warn = Format::new().set_bold().set_font_color(Color::RGB(0xD4351C));
        ws.write_string_with_format(2, 0, "SYNTHETIC DATA: these are not real council figures.", &warn)?;
        return Ok(4);
    }
    Ok(3)
}

/// Writes a titled table starting at `row`; returns the next free row.
pub(super) fn write_table(
    ws: &mut Worksheet,
    row: u32,
    name: &str,
    headers: &[&str],
    rows: Vec<Vec<X>>,
) -> Result<u32, XlsxError> {
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (j, h) in headers.iter().enumerate() {
        ws.write_string(row, j as u16, *h)?;
    }
    // A table longer than a printed page repeats its header row on every page.
    if rows.len() > 30 {
        ws.set_repeat_rows(row, row)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let ri = row + 1 + i as u32;
        for (j, c) in r.iter().enumerate() {
            let cj = j as u16;
            match c {
                X::Text(s) => {
                    ws.write_string(ri, cj, fit(s))?;
                }
                X::Num(n, f) => {
                    ws.write_number_with_format(ri, cj, *n, f)?;
                }
                X::Date(d) => {
                    ws.write_date_with_format(ri, cj, d, &date)?;
                }
                X::Blank => {}
            }
        }
    }
    if !rows.is_empty() {
        let columns: Vec<TableColumn> = headers.iter().map(|h| TableColumn::new().set_header(*h)).collect();
        let table = Table::new().set_name(name).set_columns(&columns).set_style(TableStyle::Medium2);
        ws.add_table(row, 0, row + rows.len() as u32, headers.len() as u16 - 1, &table)?;
    }
    Ok(row + rows.len() as u32 + 2)
}

/// Renders the workbook to bytes. The creation time is the run's as-of date, so the same
/// inputs give the same bytes.
pub fn render(m: &ReportModel) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let created = m.as_of.and_hms_opt(0, 0, 0).expect("midnight");
    wb.set_properties(
        &DocProperties::new()
            .set_title(&m.title)
            .set_author(&m.author)
            .set_company(&m.organisation)
            .set_comment(if m.synthetic { "Synthetic data: not real council figures." } else { "" })
            .set_creation_datetime(&created),
    );
    write_summary(&mut wb, m)?;
    let series = trends::series(m);
    scorecard::write(&mut wb, m, &series)?;
    trends::write_sheet(&mut wb, m, &series)?;
    trends::write_charts(&mut wb, m, &series)?;
    // Benchmarks: every standing, the charts, the comparators behind each, notes on the data.
    if !m.benchmark.rows.is_empty() || !m.benchmark.notes.is_empty() {
        benchmarks::write(&mut wb, m)?;
    }
    quality::write(&mut wb, m)?;
    quality::write_commentary(&mut wb, m)?;
    values::write(&mut wb, m)?;
    write_definitions(&mut wb, m)?;
    write_files(&mut wb, m)?;
    if !m.breakdowns.is_empty() {
        write_breakdowns(&mut wb, m)?;
    }
    // Lineage: every council's data in use, and what replaced what.
    lineage::write(&mut wb, m)?;
    print_setup(&mut wb, m);
    wb.save_to_buffer()
}

/// Every sheet prints as a clerk would set it up by hand: A4 landscape, one page wide (as
/// many tall as it takes), the organisation and the sheet's name in the header, page numbers
/// in the footer. A long table's header row repeats on every page ([`write_table`]).
fn print_setup(wb: &mut Workbook, m: &ReportModel) {
    for ws in wb.worksheets_mut() {
        let header = format!("&L{}&R&A", m.organisation.replace('&', "&&"));
        ws.set_paper_size(9)
            .set_landscape()
            .set_print_fit_to_pages(1, 0)
            .set_header(header)
            .set_footer(format!("&LFigures as at {}&RPage &P of &N", m.as_of_text));
    }
}

/// The scorecard's rows by perspective, in the order each perspective's first indicator is
/// defined, as the reports group them.
fn by_perspective(m: &ReportModel) -> Vec<&super::model::ScorecardRow> {
    let mut perspectives: Vec<&str> = Vec::new();
    for i in &m.indicators {
        if !perspectives.contains(&i.perspective.as_str()) {
            perspectives.push(&i.perspective);
        }
    }
    perspectives.into_iter().flat_map(|p| m.scorecard.iter().filter(move |r| r.perspective == p)).collect()
}

/// Summary: the latest month of each indicator, partners side by side, by perspective.
fn write_summary(wb: &mut Workbook, m: &ReportModel) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Summary")?;
    let row = heading(ws, m, &format!("Figures as at {} ({})", m.as_of_text, m.meeting))?;
    let mut headers: Vec<String> = vec!["Perspective".into(), "Indicator".into(), "Period".into()];
    for p in &m.partners {
        headers.push(p.name.clone());
        headers.push(format!("{} RAG", if p.code == ALL { m.short_name.as_str() } else { p.name.as_str() }));
    }
    headers.push("Target (partnership)".into());
    for (j, h) in headers.iter().enumerate() {
        ws.write_string_with_format(row, j as u16, h, &Format::new().set_bold().set_text_wrap())?;
    }
    ws.set_freeze_panes(row + 1, 2)?;
    for (i, s) in by_perspective(m).into_iter().enumerate() {
        let r = row + 1 + i as u32;
        let info = m.indicators.iter().find(|x| x.id == s.indicator_id).expect("indicator");
        let fmt = Measure::of(&info.unit, info.decimals);
        ws.write_string(r, 0, &s.perspective)?;
        ws.write_string(r, 1, &s.name)?;
        ws.write_string(r, 2, &s.period)?;
        for (k, p) in m.partners.iter().enumerate() {
            let c = 3 + 2 * k as u16;
            match s.cells.iter().find(|x| x.partner_code == p.code) {
                Some(cell) => {
                    match cell.value {
                        Some(v) => ws.write_number_with_format(r, c, fmt.cell(v), &fmt.format)?,
                        None => ws.write_string(r, c, "no data")?,
                    };
                    if let Some(rag) = &cell.rag {
                        ws.write_string(r, c + 1, rag)?;
                    }
                }
                None => {
                    ws.write_string(r, c, "n/a")?;
                }
            }
        }
        let target = s.cells.iter().find(|x| x.partner_code == ALL).and_then(|x| x.target);
        if let Some(t) = target {
            ws.write_number_with_format(r, 3 + 2 * m.partners.len() as u16, fmt.cell(t), &fmt.format)?;
        }
    }
    if !m.scorecard.is_empty() {
        let last = row + m.scorecard.len() as u32;
        for k in 0..m.partners.len() as u16 {
            rag_conditional_formats(ws, row + 1, 4 + 2 * k, last, 4 + 2 * k)?;
        }
    }
    ws.autofit();
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 40)?;
    Ok(())
}

/// Definitions (seed 000 section 6.3: source, meaning, owner, tolerances).
fn write_definitions(wb: &mut Workbook, m: &ReportModel) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Definitions")?;
    let rows = m
        .indicators
        .iter()
        .map(|i| {
            vec![
                text(&i.id),
                text(&i.name),
                text(&i.perspective),
                text(&i.definition),
                text(&i.data_source),
                text(&i.owner),
                text(&i.polarity),
                text(&i.unit),
                text(&i.frequency),
                text(&i.tolerance),
            ]
        })
        .collect();
    let headers = [
        "Indicator id",
        "Indicator",
        "Perspective",
        "Definition",
        "Data source",
        "Owner",
        "Polarity",
        "Unit",
        "Frequency",
        "Tolerance",
    ];
    write_table(ws, 0, "Definitions", &headers, rows)?;
    ws.set_freeze_panes(1, 0)?;
    ws.set_autofit_max_width(400);
    ws.autofit();
    Ok(())
}

/// The files of this run.
fn write_files(wb: &mut Workbook, m: &ReportModel) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Files this run")?;
    let num = Format::new().set_num_format("#,##0");
    let opt = |v: Option<usize>| v.map(|x| X::Num(x as f64, num.clone())).unwrap_or(X::Blank);
    let rows = m
        .files
        .iter()
        .map(|f| {
            vec![
                text(&f.name),
                f.source.as_ref().map(text).unwrap_or(X::Blank),
                text(f.status.as_str()),
                f.as_at.map(X::Date).unwrap_or(X::Blank),
                opt(f.rows_read),
                opt(f.rows_accepted),
                opt(f.rows_rejected),
                text(&f.reason),
            ]
        })
        .collect();
    let headers = ["File", "Source", "Status", "As at", "Rows read", "Rows accepted", "Rows rejected", "Reason"];
    write_table(ws, 0, "FilesThisRun", &headers, rows)?;
    ws.set_freeze_panes(1, 0)?;
    ws.set_autofit_max_width(500);
    ws.autofit();
    Ok(())
}

/// Breakdowns of the latest month by a column of the source.
fn write_breakdowns(wb: &mut Workbook, m: &ReportModel) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Breakdowns")?;
    let bold = Format::new().set_bold();
    let mut row = 0;
    for (k, b) in m.breakdowns.iter().enumerate() {
        let info = m.indicators.iter().find(|x| x.id == b.indicator_id).expect("indicator");
        let fmt = Measure::of(&info.unit, info.decimals);
        ws.write_string_with_format(row, 0, fit(&format!("{} by {} ({})", b.name, b.column, b.period)), &bold)?;
        let mut headers: Vec<String> = vec![b.column.clone()];
        headers.extend(m.partners.iter().map(|p| p.name.clone()));
        // Beside the figures, the size of each group: the base each figure is made from.
        if let Some((words, _)) = &b.base {
            headers.extend(m.partners.iter().map(|p| format!("{words}: {}", p.name)));
        }
        let base_format = Format::new().set_num_format(match &b.base {
            Some((_, true)) => "£#,##0",
            _ => "#,##0",
        });
        let rows = b
            .rows
            .iter()
            .map(|r| {
                let mut cells = vec![text(&r.label)];
                cells.extend(r.values.iter().map(|v| v.map(|x| fmt.x(x)).unwrap_or(text("no data"))));
                if b.base.is_some() {
                    cells.extend(r.bases.iter().map(|v| v.map(|x| X::Num(x, base_format.clone())).unwrap_or(X::Blank)));
                }
                cells
            })
            .collect();
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        row = write_table(ws, row + 1, &format!("Breakdown{}", k + 1), &headers, rows)?;
    }
    ws.autofit();
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn chart_alternative_text_fits_excels_limit() {
        let long = "word ".repeat(80);
        let t = super::alt_text(&long);
        assert!(t.chars().count() <= 255 && t.ends_with("word..."), "{t}");
        assert_eq!(super::alt_text("short"), "short");
    }
}
