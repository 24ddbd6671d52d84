//! The Excel workbook performance staff work in: scorecard, every value, definitions, the
//! files of this run and the lineage of every extract used. Values are numbers with number
//! formats, dates are real dates, text is always written as text (never as a formula).

use super::ReportModel;
use crate::indicators::ALL;
use chrono::NaiveDate;
use rust_xlsxwriter::{Color, DocProperties, Format, Table, TableColumn, TableStyle, Workbook, Worksheet, XlsxError};

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

/// Number format for an indicator's unit, with its decimals.
fn unit_format(unit: &str, decimals: u8) -> Format {
    let dec = if decimals > 0 { format!(".{}", "0".repeat(decimals as usize)) } else { String::new() };
    let f = match unit {
        "percent" => format!("0{dec}\"%\""),
        "days" => format!("0{dec}"),
        "pounds" => format!("£#,##0{dec}"),
        _ => format!("#,##0{dec}"),
    };
    Format::new().set_num_format(f)
}

fn rag_format(rag: &str) -> Format {
    let (bg, fg) = match rag {
        "Green" => (0x00703C, 0xFFFFFF),
        "Amber" => (0xFFDD00, 0x0B0C0C),
        "Red" => (0xD4351C, 0xFFFFFF),
        "Blue" => (0x1D70B8, 0xFFFFFF),
        _ => (0xFFFFFF, 0x0B0C0C),
    };
    Format::new().set_background_color(Color::RGB(bg)).set_font_color(Color::RGB(fg)).set_bold()
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

/// The Benchmarks and Comparators sheets.
fn benchmark_sheets(wb: &mut Workbook, m: &ReportModel) -> Result<(), XlsxError> {
    let b = &m.benchmark;
    let whole = Format::new().set_num_format("#,##0");
    let money = Format::new().set_num_format("£#,##0");
    let info = |id: &str| m.indicators.iter().find(|x| x.id == id).expect("indicator");
    let ws = wb.add_worksheet().set_name("Benchmarks")?;
    let rows = b
        .rows
        .iter()
        .map(|r| {
            let i = info(&r.indicator_id);
            let fmt = unit_format(&i.unit, i.decimals);
            let plain = unit_format("days", i.decimals);
            vec![
                text(&r.indicator_name),
                text(&r.partner_name),
                text(&r.year),
                text(&r.group_name),
                X::Num(r.value, fmt.clone()),
                text(&r.value_source),
                X::Num(r.rank as f64, whole.clone()),
                X::Num(r.group_size as f64, whole.clone()),
                text(&r.quartile_text),
                X::Num(r.lower_quartile, fmt.clone()),
                X::Num(r.median, fmt.clone()),
                X::Num(r.upper_quartile, fmt.clone()),
                X::Num(r.gap, plain),
                text(&r.change_text),
                X::Num(r.without_figure as f64, whole.clone()),
                r.cost_at_median.map(|c| X::Num(c, money.clone())).unwrap_or(X::Blank),
            ]
        })
        .collect();
    let headers = [
        "Indicator",
        "Partner",
        "Year",
        "Comparator group",
        "Value",
        "Value from",
        "Rank (1 = best)",
        "Councils ranked",
        "Quartile",
        "Lower quartile",
        "Median",
        "Upper quartile",
        "Gap to top quartile",
        "Change in rank",
        "Comparators without a figure",
        "Spending against the median unit cost",
    ];
    let mut row = write_table(ws, 0, "Benchmarks", &headers, rows)?;
    let bold = Format::new().set_bold();
    ws.write_string_with_format(row, 0, "Method", &bold)?;
    ws.write_string(
        row + 1,
        0,
        format!(
            "Quartiles: {}. Rank 1 is best, by each indicator's polarity; equal values share the best rank.",
            b.quartile_method
        ),
    )?;
    row += 3;
    ws.write_string_with_format(row, 0, "Comparator groups", &bold)?;
    for g in &b.groups {
        row += 1;
        ws.write_string(row, 0, fit(&format!("{}: {}", g.name, g.description)))?;
    }
    row += 2;
    ws.write_string_with_format(row, 0, "Comparator tables", &bold)?;
    for t in &b.tables {
        row += 1;
        ws.write_string(row, 0, fit(t))?;
    }
    row += 2;
    ws.write_string_with_format(row, 0, "Notes on the comparator data", &bold)?;
    for n in &b.notes {
        row += 1;
        ws.write_string(row, 0, fit(n))?;
    }
    if b.notes.is_empty() {
        ws.write_string(row + 1, 0, "None: every table and list was used as published.")?;
    }
    ws.set_freeze_panes(1, 2)?;
    ws.set_autofit_max_width(300);
    ws.autofit();

    // Every comparator's figure behind each standing: what a chart of the group shows.
    let ws = wb.add_worksheet().set_name("Comparators")?;
    let rows = b
        .rows
        .iter()
        .flat_map(|r| {
            let i = info(&r.indicator_id);
            let fmt = unit_format(&i.unit, i.decimals);
            r.members.iter().enumerate().map(move |(k, c)| {
                vec![
                    text(&r.indicator_name),
                    text(&r.year),
                    text(&r.group_name),
                    text(&r.partner_name),
                    X::Num(k as f64 + 1.0, Format::new()),
                    text(&c.code),
                    text(&c.name),
                    X::Num(c.value, fmt.clone()),
                    text(if c.is_partner { "partner" } else { "" }),
                ]
            })
        })
        .collect();
    let headers = [
        "Indicator",
        "Year",
        "Comparator group",
        "For partner",
        "Order (best first)",
        "GSS code",
        "Council",
        "Value",
        "Partner",
    ];
    write_table(ws, 0, "Comparators", &headers, rows)?;
    ws.set_freeze_panes(1, 0)?;
    ws.autofit();
    Ok(())
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
            .set_comment(if m.synthetic { "Synthetic demo data: not real council figures." } else { "" })
            .set_creation_datetime(&created),
    );
    let title = Format::new().set_bold().set_font_size(14);
    let warn = Format::new().set_bold().set_font_color(Color::RGB(0xD4351C));

    // Scorecard: the latest month of each indicator, partners side by side.
    {
        let ws = wb.add_worksheet().set_name("Scorecard")?;
        ws.write_string_with_format(0, 0, &m.title, &title)?;
        ws.write_string(1, 0, format!("Figures as at {} ({})", m.as_of_text, m.meeting))?;
        let mut row = 2;
        if m.synthetic {
            ws.write_string_with_format(2, 0, "SYNTHETIC DEMO DATA: these are not real council figures.", &warn)?;
            row = 3;
        }
        row += 1;
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
        for (i, s) in m.scorecard.iter().enumerate() {
            let r = row + 1 + i as u32;
            let info = m.indicators.iter().find(|x| x.id == s.indicator_id).expect("indicator");
            let fmt = unit_format(&info.unit, info.decimals);
            ws.write_string(r, 0, &s.perspective)?;
            ws.write_string(r, 1, &s.name)?;
            ws.write_string(r, 2, &s.period)?;
            for (k, p) in m.partners.iter().enumerate() {
                let c = 3 + 2 * k as u16;
                match s.cells.iter().find(|x| x.partner_code == p.code) {
                    Some(cell) => {
                        match cell.value {
                            Some(v) => ws.write_number_with_format(r, c, v, &fmt)?,
                            None => ws.write_string(r, c, "no data")?,
                        };
                        if let Some(rag) = &cell.rag {
                            ws.write_string_with_format(r, c + 1, rag, &rag_format(rag))?;
                        }
                    }
                    None => {
                        ws.write_string(r, c, "n/a")?;
                    }
                }
            }
            let target = s.cells.iter().find(|x| x.partner_code == ALL).and_then(|x| x.target);
            if let Some(t) = target {
                ws.write_number_with_format(r, 3 + 2 * m.partners.len() as u16, t, &fmt)?;
            }
        }
        ws.autofit();
        ws.set_column_width(0, 22)?;
        ws.set_column_width(1, 40)?;
    }

    // Every value, as in the open-data CSV but with real dates and names.
    {
        let ws = wb.add_worksheet().set_name("Values")?;
        let rows = m
            .values
            .iter()
            .map(|v| {
                let info = m.indicators.iter().find(|x| x.id == v.indicator_id).expect("indicator");
                let fmt = unit_format(&info.unit, info.decimals);
                vec![
                    text(&v.indicator_id),
                    text(&info.name),
                    text(&v.partner_code),
                    text(&v.partner_name),
                    text(&v.period),
                    X::Date(v.period_start),
                    X::Date(v.period_end),
                    v.value.map(|x| X::Num(x, fmt.clone())).unwrap_or(X::Blank),
                    text(&info.unit),
                    v.target.map(|x| X::Num(x, fmt.clone())).unwrap_or(X::Blank),
                    v.rag.as_ref().map(text).unwrap_or(X::Blank),
                    v.last_year.map(|x| X::Num(x, fmt.clone())).unwrap_or(X::Blank),
                    text(&v.direction),
                    text(if v.commentary_missing { "commentary missing".to_string() } else { v.commentary.clone() }),
                ]
            })
            .collect();
        let headers = [
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
        ];
        write_table(ws, 0, "IndicatorValues", &headers, rows)?;
        ws.set_freeze_panes(1, 0)?;
        ws.autofit();
    }

    // Definitions (seed 000 section 6.3: source, meaning, owner, tolerances).
    {
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
    }

    // The files of this run.
    {
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
                    text(&f.status),
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
    }

    // Breakdowns of the latest month by a column of the source.
    if !m.breakdowns.is_empty() {
        let ws = wb.add_worksheet().set_name("Breakdowns")?;
        let bold = Format::new().set_bold();
        let mut row = 0;
        for (k, b) in m.breakdowns.iter().enumerate() {
            let info = m.indicators.iter().find(|x| x.id == b.indicator_id).expect("indicator");
            let fmt = unit_format(&info.unit, info.decimals);
            ws.write_string_with_format(row, 0, fit(&format!("{} by {} ({})", b.name, b.column, b.period)), &bold)?;
            let mut headers: Vec<&str> = vec![b.column.as_str()];
            headers.extend(m.partners.iter().map(|p| p.name.as_str()));
            let rows = b
                .rows
                .iter()
                .map(|r| {
                    let mut cells = vec![text(&r.label)];
                    cells.extend(r.values.iter().map(|v| v.map(|x| X::Num(x, fmt.clone())).unwrap_or(text("no data"))));
                    cells
                })
                .collect();
            row = write_table(ws, row + 1, &format!("Breakdown{}", k + 1), &headers, rows)?;
        }
        ws.autofit();
    }

    // Benchmarks: every standing, then the comparators behind each, then notes on the data.
    if !m.benchmark.rows.is_empty() || !m.benchmark.notes.is_empty() {
        benchmark_sheets(&mut wb, m)?;
    }

    // Data quality by source: the data in use, staleness and the latest scores.
    {
        let ws = wb.add_worksheet().set_name("Data quality")?;
        let pct = Format::new().set_num_format("0.0\"%\"");
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
                        Some(s) => X::Num(s.pass_pct, pct.clone()),
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
    }

    // Lineage: every extract in the store that the figures can draw on.
    {
        let ws = wb.add_worksheet().set_name("Lineage")?;
        let num = Format::new().set_num_format("#,##0");
        let rows = m
            .lineage
            .iter()
            .map(|e| {
                vec![
                    text(&e.file_name),
                    text(&e.sha256),
                    text(&e.source),
                    X::Date(e.as_at),
                    X::Num(e.rows_read as f64, num.clone()),
                    X::Num(e.rows_accepted as f64, num.clone()),
                    X::Num(e.rows_rejected as f64, num.clone()),
                    X::Date(e.loaded_on),
                ]
            })
            .collect();
        let headers =
            ["File", "SHA-256", "Source", "As at", "Rows read", "Rows accepted", "Rows rejected", "Loaded on"];
        write_table(ws, 0, "Lineage", &headers, rows)?;
        ws.set_freeze_panes(1, 0)?;
        ws.autofit();
    }

    wb.save_to_buffer()
}
