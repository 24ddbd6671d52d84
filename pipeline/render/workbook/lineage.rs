//! The `Lineage` sheet: where every figure's data came from. One row per council's part of
//! each extract in use (the file, its SHA-256, the source, the council, the as-at date, the
//! rows), then every replacement made: whose data for which date, from which file, replaced
//! by which file and when; then every figure of the reported periods with its numerator,
//! denominator and the extracts behind it, and the `scorecard explain` command that tells the
//! rest (the rows each condition keeps, the RAG rule).

use super::{text, write_table, ReportModel, X};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

pub fn write(wb: &mut Workbook, m: &ReportModel) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Lineage")?;
    let num = Format::new().set_num_format("#,##0");
    let name = |code: &str| {
        m.partners.iter().find(|p| p.code == code).map(|p| p.name.clone()).unwrap_or_else(|| code.to_string())
    };
    let rows = m
        .lineage
        .iter()
        .flat_map(|e| {
            let num = num.clone();
            e.parts.iter().map(move |p| {
                vec![
                    text(&e.file_name),
                    text(&e.sha256),
                    text(&e.source),
                    text(name(&p.partner)),
                    X::Date(e.as_at),
                    X::Num(p.rows as f64, num.clone()),
                    X::Num(e.rows_read as f64, num.clone()),
                    X::Num(e.rows_rejected as f64, num.clone()),
                    X::Date(e.loaded_on),
                    text(&p.parquet),
                ]
            })
        })
        .collect();
    let headers = [
        "File",
        "SHA-256",
        "Source",
        "Council",
        "As at",
        "Rows in use",
        "Rows read (whole file)",
        "Rows rejected (whole file)",
        "Loaded on",
        "Stored as",
    ];
    let next = write_table(ws, 0, "Lineage", &headers, rows)?;
    let bold = Format::new().set_bold();
    ws.write_string_with_format(next, 0, "Data replaced by a later file", &bold)?;
    let rows: Vec<Vec<X>> = m
        .replacements
        .iter()
        .map(|r| {
            let x = &r.record;
            vec![
                text(&x.source),
                text(name(&x.partner)),
                X::Date(x.as_at),
                text(&x.file_name),
                X::Date(x.replaced_on),
                text(&x.old_file_name),
                X::Date(x.old_loaded_on),
                text(&x.kept),
                text(&r.message),
            ]
        })
        .collect();
    let after = if rows.is_empty() {
        ws.write_string(next + 1, 0, "None: no council's data has been replaced.")?;
        next + 2
    } else {
        let headers = [
            "Source",
            "Council",
            "As at",
            "Now from file",
            "Replaced on",
            "Replaced file",
            "It was loaded on",
            "Replaced data kept as",
            "What happened",
        ];
        write_table(ws, next + 1, "Replacements", &headers, rows)?
    };
    figures(ws, m, after)?;
    ws.set_freeze_panes(1, 0)?;
    ws.autofit();
    Ok(())
}

/// Every reported figure and the extracts it reads, below what is already on the sheet.
fn figures(ws: &mut rust_xlsxwriter::Worksheet, m: &ReportModel, after: u32) -> Result<(), XlsxError> {
    let start = after + 1;
    let bold = Format::new().set_bold();
    ws.write_string_with_format(start, 0, "Figures of the reported periods, and the extracts behind them", &bold)?;
    let sums = Format::new().set_num_format("#,##0.00");
    let opt = |x: Option<f64>| x.map(|v| X::Num(v, sums.clone())).unwrap_or(X::Blank);
    let rows: Vec<Vec<X>> = m
        .figure_lineage
        .iter()
        .map(|f| {
            vec![
                text(&f.indicator_id),
                text(&f.indicator_name),
                text(&f.partner_name),
                text(&f.period),
                text(&f.value_text),
                opt(f.numerator),
                opt(f.denominator),
                text(&f.extracts),
                text(&f.explain),
            ]
        })
        .collect();
    if rows.is_empty() {
        ws.write_string(start + 1, 0, "None: no period is reported yet.")?;
        return Ok(());
    }
    let headers = [
        "Indicator id",
        "Indicator",
        "Partner",
        "Period",
        "Value",
        "Numerator",
        "Denominator",
        "Extracts used",
        "The whole story",
    ];
    write_table(ws, start + 1, "FigureLineage", &headers, rows)?;
    Ok(())
}
