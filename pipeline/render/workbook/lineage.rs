//! The `Lineage` sheet: where every figure's data came from. One row per council's part of
//! each extract in use (the file, its SHA-256, the source, the council, the as-at date, the
//! rows), then every replacement made: whose data for which date, from which file, replaced
//! by which file and when.

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
    if rows.is_empty() {
        ws.write_string(next + 1, 0, "None: no council's data has been replaced.")?;
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
        write_table(ws, next + 1, "Replacements", &headers, rows)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofit();
    Ok(())
}
