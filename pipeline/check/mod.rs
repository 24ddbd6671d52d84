//! Check: from a raw grid to a typed, checked table and findings the data owner can act on.
//!
//! Takes a [`RawExtract`](crate::ingest::RawExtract) and its source definition; gives a
//! [`CheckedExtract`]: a polars table with one typed column per field (plus `_row`, the row
//! number in the file), counts of rows read, accepted and rejected, every finding with its
//! file, sheet, row, column and what was expected, and a verdict (accept, or quarantine with
//! a reason). Findings are results, not errors: they flow into the reports.
//!
//! This first version checks validity (types, allowed values, partners) and completeness
//! (required cells); the other characteristics come with the check engine.

mod values;

pub use values::{convert, excel_serial_date, is_known_missing, parse_money, parse_number, Value, KNOWN_MISSING};

use crate::config::{ColumnType, Partner, SourceDef};
use crate::ingest::RawExtract;
use crate::ingest::{column_letter, Cell, DateSystem, Layout};
use chrono::NaiveDate;
use polars::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// Distinct texts remembered per column when converting.
const MEMO_LIMIT: usize = 10_000;

/// Findings kept per file; the count of all findings is always kept.
pub const MAX_FINDINGS_PER_FILE: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Error,
}

/// The Audit Commission's data-quality characteristics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Characteristic {
    Accuracy,
    Validity,
    Reliability,
    Timeliness,
    Relevance,
    Completeness,
}

/// One data-quality finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub characteristic: Characteristic,
    pub file: String,
    pub sheet: Option<String>,
    pub row: Option<u32>,
    /// Column letter and header, such as `D (Net Debit)`.
    pub column: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(s) = &self.sheet {
            write!(f, ", sheet '{s}'")?;
        }
        if let Some(r) = self.row {
            write!(f, ", row {r}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column {c}")?;
        }
        if let Some(v) = &self.value {
            write!(f, ": '{v}'")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// What happens to the file.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Accept,
    Quarantine(String),
}

/// A checked extract.
#[derive(Debug)]
pub struct CheckedExtract {
    pub file_name: String,
    pub sha256: String,
    pub source_id: String,
    pub as_at: NaiveDate,
    pub table: DataFrame,
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
    pub totals_rows: usize,
    pub findings: Vec<Finding>,
    pub findings_total: usize,
    pub verdict: Verdict,
}

/// What the row checks need to know about the file, shared by every chunk of rows.
struct Context<'a> {
    source: &'a SourceDef,
    partners: &'a [Partner],
    layout: &'a Layout,
    file_name: &'a str,
    sheet: Option<&'a str>,
    first_row: u32,
    first_col: u32,
    dates: DateSystem,
}

/// The rows of one chunk, checked: accepted values by column, and what was found.
struct Checked {
    columns: Vec<Vec<Value>>,
    row_numbers: Vec<i64>,
    known_missing: Vec<usize>,
    rejected: usize,
    findings: Vec<Finding>,
    findings_total: usize,
}

/// Rows per chunk below which the checks run on one thread.
const CHUNK_ROWS: usize = 16_384;

/// Builds the typed table of an extract and records every cell that fails. Large extracts
/// are checked in chunks of rows on all cores; the chunks are joined in row order.
pub fn check(raw: RawExtract, source: &SourceDef, partners: &[Partner]) -> CheckedExtract {
    use rayon::prelude::*;
    let RawExtract { mut grid, layout, file_name, sha256, source_id, as_at, .. } = raw;
    let layout = &layout;
    let ctx = Context {
        source,
        partners,
        layout,
        file_name: &file_name,
        sheet: grid.sheet.as_deref(),
        first_row: grid.first_row,
        first_col: grid.first_col,
        dates: grid.dates,
    };
    // Split the grid's rows where the chunks of data rows meet, so that every chunk can move
    // text out of its own rows.
    let data = &layout.data_rows;
    let per_chunk = data.len().div_ceil(rayon::current_num_threads().max(1)).max(CHUNK_ROWS);
    let mut pieces = Vec::new();
    let mut rest: &mut [Vec<Cell>] = &mut grid.rows;
    let mut offset = 0;
    for chunk in data.chunks(per_chunk) {
        let end = chunk.last().map_or(offset, |&i| i + 1);
        let (mine, tail) = std::mem::take(&mut rest).split_at_mut(end - offset);
        pieces.push((chunk, offset, mine));
        rest = tail;
        offset = end;
    }
    let parts: Vec<Checked> =
        pieces.into_par_iter().map(|(chunk, offset, rows)| check_rows(&ctx, chunk, offset, rows)).collect();

    let mut columns: Vec<Vec<Value>> = vec![Vec::with_capacity(data.len()); source.column.len()];
    let mut row_numbers: Vec<i64> = Vec::with_capacity(data.len());
    let mut known_missing = vec![0usize; source.column.len()];
    let mut rejected = 0usize;
    let mut findings = Vec::new();
    let mut findings_total = 0usize;
    for part in parts {
        for (all, some) in columns.iter_mut().zip(part.columns) {
            all.extend(some);
        }
        row_numbers.extend(part.row_numbers);
        for (all, some) in known_missing.iter_mut().zip(part.known_missing) {
            *all += some;
        }
        rejected += part.rejected;
        findings_total += part.findings_total;
        findings.extend(part.findings.into_iter().take(MAX_FINDINGS_PER_FILE - findings.len()));
    }
    let grid = &grid;
    let mut push = |f: Finding| {
        findings_total += 1;
        if findings.len() < MAX_FINDINGS_PER_FILE {
            findings.push(f);
        }
    };
    for (k, col) in source.column.iter().enumerate() {
        if layout.columns[k].is_none() {
            push(Finding {
                severity: Severity::Warning,
                characteristic: Characteristic::Completeness,
                file: file_name.clone(),
                sheet: grid.sheet.clone(),
                row: Some(grid.row_number(layout.header_row)),
                column: None,
                value: None,
                message: format!("optional column {} is not in the extract; its values are blank", col.field),
            });
        }
    }

    for (k, col) in source.column.iter().enumerate() {
        if known_missing[k] > 0 {
            push(Finding {
                severity: Severity::Warning,
                characteristic: Characteristic::Completeness,
                file: file_name.clone(),
                sheet: grid.sheet.clone(),
                row: None,
                column: layout.columns[k].map(|j| {
                    format!("{} ({})", grid.column_letter(j), layout.header_text.get(j).cloned().unwrap_or_default())
                }),
                value: None,
                message: format!(
                    "{}: {} cells hold a known-missing marker ({}) and are read as blank",
                    col.field,
                    known_missing[k],
                    KNOWN_MISSING.join(" ")
                ),
            });
        }
    }
    let rows_read = layout.data_rows.len();
    let accepted = rows_read - rejected;
    let table = build_table(source, columns, row_numbers);
    let verdict = match table {
        Err(ref e) => Verdict::Quarantine(format!("internal error building the table: {e}")),
        Ok(_) if rows_read == 0 => Verdict::Quarantine("the extract has a header row but no data rows".into()),
        Ok(_) if (rejected as f64) * 100.0 > source.max_rejected_pct * rows_read as f64 => {
            Verdict::Quarantine(format!(
                "{rejected} of {rows_read} rows ({:.1}%) failed the checks, more than the {}% this source allows; \
             the first problem: {}",
                rejected as f64 * 100.0 / rows_read as f64,
                source.max_rejected_pct,
                findings.first().map(|f| f.to_string()).unwrap_or_default()
            ))
        }
        Ok(_) => Verdict::Accept,
    };
    CheckedExtract {
        file_name,
        sha256,
        source_id,
        as_at,
        table: table.unwrap_or_default(),
        rows_read,
        rows_accepted: accepted,
        rows_rejected: rejected,
        totals_rows: layout.totals_rows.len(),
        findings,
        findings_total,
        verdict,
    }
}

/// Checks the data rows `data` (indexes into the grid; `rows` holds the grid's rows from
/// index `offset` on) and converts their cells into column values.
fn check_rows(ctx: &Context, data: &[usize], offset: usize, rows: &mut [Vec<Cell>]) -> Checked {
    let Context { source, partners, layout, file_name, .. } = *ctx;
    let mut findings = Vec::new();
    let mut findings_total = 0usize;
    let mut push = |f: Finding| {
        findings_total += 1;
        if findings.len() < MAX_FINDINGS_PER_FILE {
            findings.push(f);
        }
    };
    let mut columns: Vec<Vec<Value>> = vec![Vec::with_capacity(data.len()); source.column.len()];
    let mut known_missing = vec![0usize; source.column.len()];
    let mut memo: Vec<Option<HashMap<PlSmallStr, Result<Value, String>>>> = source
        .column
        .iter()
        .map(|c| {
            matches!(c.kind, ColumnType::Partner | ColumnType::Code | ColumnType::FinancialYear | ColumnType::YesNo)
                .then(HashMap::new)
        })
        .collect();
    let mut row_numbers: Vec<i64> = Vec::with_capacity(data.len());
    let mut rejected = 0usize;
    let mut row_values = Vec::with_capacity(source.column.len());
    for &i in data {
        let row = &mut rows[i - offset];
        let row_number = ctx.first_row + i as u32;
        row_values.clear();
        let mut ok = true;
        for (k, col) in source.column.iter().enumerate() {
            let Some(j) = layout.columns[k] else {
                row_values.push(Value::Null);
                continue;
            };
            // Free text is moved out of the grid rather than copied.
            if col.kind == ColumnType::Text {
                if let Some(Cell::Text(t)) = row.get_mut(j) {
                    if !t.trim().is_empty() {
                        let t = std::mem::take(t);
                        let t: PlSmallStr = if t.trim().len() == t.len() { t } else { t.trim().into() };
                        row_values.push(Value::Str(t));
                        continue;
                    }
                }
            }
            let cell = row.get(j).unwrap_or(&Cell::Empty);
            if is_known_missing(cell, col) {
                known_missing[k] += 1;
            }
            let located = |message: String, characteristic| Finding {
                severity: Severity::Error,
                characteristic,
                file: file_name.to_string(),
                sheet: ctx.sheet.map(str::to_string),
                row: Some(row_number),
                column: Some(format!(
                    "{} ({})",
                    column_letter(ctx.first_col as usize + j),
                    layout.header_text.get(j).cloned().unwrap_or_default()
                )),
                value: (!cell.is_empty()).then(|| cell.display()),
                message,
            };
            // Columns with few distinct values (partners, codes, years, yes/no) convert each
            // distinct text once.
            let converted = match (cell, memo[k].as_mut()) {
                (Cell::Text(t), Some(m)) => match m.get(t.as_str()) {
                    Some(v) => v.clone(),
                    None => {
                        let v = convert(cell, col, partners, ctx.dates);
                        if m.len() < MEMO_LIMIT {
                            m.insert(t.clone(), v.clone());
                        }
                        v
                    }
                },
                _ => convert(cell, col, partners, ctx.dates),
            };
            match converted {
                Ok(Value::Null) if col.required => {
                    ok = false;
                    push(located(
                        format!("{} is required but blank; the row is rejected", col.field),
                        Characteristic::Completeness,
                    ));
                    row_values.push(Value::Null);
                }
                Ok(v) => row_values.push(v),
                Err(expected) => {
                    ok = false;
                    push(located(format!("{}: {expected}; the row is rejected", col.field), Characteristic::Validity));
                    row_values.push(Value::Null);
                }
            }
        }
        if ok {
            for (k, v) in row_values.drain(..).enumerate() {
                columns[k].push(v);
            }
            row_numbers.push(row_number as i64);
        } else {
            rejected += 1;
        }
    }
    Checked { columns, row_numbers, known_missing, rejected, findings, findings_total }
}

/// One polars column per field, typed by the column definition.
fn build_table(source: &SourceDef, columns: Vec<Vec<Value>>, rows: Vec<i64>) -> PolarsResult<DataFrame> {
    let height = rows.len();
    let mut out = Vec::with_capacity(columns.len() + 1);
    for (col, values) in source.column.iter().zip(columns) {
        let name = PlSmallStr::from(col.field.as_str());
        let c = match col.kind {
            ColumnType::Text | ColumnType::Partner | ColumnType::Code => Column::new(
                name,
                values.iter().map(|v| if let Value::Str(s) = v { Some(s.as_str()) } else { None }).collect::<Vec<_>>(),
            ),
            ColumnType::Money | ColumnType::Number | ColumnType::Percent => Column::new(
                name,
                values.into_iter().map(|v| if let Value::Num(n) = v { Some(n) } else { None }).collect::<Vec<_>>(),
            ),
            ColumnType::FinancialYear => Column::new(
                name,
                values.into_iter().map(|v| if let Value::Int(n) = v { Some(n) } else { None }).collect::<Vec<_>>(),
            ),
            ColumnType::YesNo => Column::new(
                name,
                values.into_iter().map(|v| if let Value::Bool(b) = v { Some(b) } else { None }).collect::<Vec<_>>(),
            ),
            ColumnType::Date => Column::new(
                name,
                values
                    .into_iter()
                    .map(|v| if let Value::Date(d) = v { Some(days_since_epoch(d)) } else { None })
                    .collect::<Vec<_>>(),
            )
            .cast(&DataType::Date)?,
        };
        out.push(c);
    }
    out.push(Column::new("_row".into(), rows));
    DataFrame::new(height, out)
}

/// Days since 1970-01-01, polars' physical representation of a date.
pub fn days_since_epoch(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid")).num_days() as i32
}

/// The inverse of [`days_since_epoch`].
pub fn date_from_days(days: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid") + chrono::Duration::days(days as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{checked, date, project, REVENUES_HEADER};

    #[test]
    fn bad_cells_reject_rows_with_located_findings() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(dir.path());
        let mut rows: Vec<Vec<&str>> =
            (0..40).map(|_| vec!["Breckland", "Council Tax", "CT1", "2025/26", "£1,000.00", "250"]).collect();
        rows.push(vec!["Norwich", "Council Tax", "CT2", "2025/26", "100", "10"]);
        rows.push(vec!["Total", "", "", "", "40,100", "10,010"]);
        let x = checked(&p, "revenues", date("2025-10-31"), &REVENUES_HEADER, &rows);
        assert_eq!((x.rows_read, x.rows_accepted, x.rows_rejected), (41, 40, 1));
        assert_eq!(x.totals_rows, 1, "the totals row is kept aside, not read as data");
        assert_eq!(x.verdict, Verdict::Accept, "1 of 41 rows is under the 5% limit");
        let f = x.findings.iter().find(|f| f.severity == Severity::Error).unwrap();
        // Title row, blank row, header on row 3: the 41st data row is row 44, column A.
        assert_eq!(f.row, Some(44));
        assert_eq!(f.column.as_deref(), Some("A (Council)"));
        assert!(f.to_string().contains("'Norwich'") && f.message.contains("Breckland"), "{f}");
        assert_eq!(x.table.height(), 40);
        let debit = x.table.column("net_debit").unwrap().f64().unwrap().sum().unwrap();
        assert_eq!(debit, 40_000.0);
    }

    #[test]
    fn chunks_of_a_large_extract_join_in_row_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(dir.path());
        let n = 3 * CHUNK_ROWS + 10;
        let refs: Vec<String> = (0..n).map(|i| format!("CT{i}")).collect();
        let mut rows: Vec<Vec<&str>> =
            refs.iter().map(|r| vec!["Fenland", "Council Tax", r.as_str(), "2025/26", "100", "10"]).collect();
        let bad = [5, CHUNK_ROWS + 7, n - 1];
        for &b in &bad {
            rows[b][4] = "lots";
        }
        let x = checked(&p, "revenues", date("2025-10-31"), &REVENUES_HEADER, &rows);
        assert_eq!((x.rows_read, x.rows_rejected), (n, 3));
        let found: Vec<u32> =
            x.findings.iter().filter(|f| f.severity == Severity::Error).filter_map(|f| f.row).collect();
        // Data starts on row 4 (title, blank, header).
        assert_eq!(found, bad.iter().map(|b| *b as u32 + 4).collect::<Vec<_>>(), "findings in row order");
        let row_col = x.table.column("_row").unwrap().i64().unwrap();
        let numbers: Vec<i64> = row_col.into_no_null_iter().collect();
        assert!(numbers.windows(2).all(|w| w[0] < w[1]), "rows keep their order");
        let refs_col = x.table.column("account_ref").unwrap().str().unwrap();
        assert_eq!(refs_col.get(0), Some("CT0"));
        assert_eq!(refs_col.get(CHUNK_ROWS + 6), Some(format!("CT{}", CHUNK_ROWS + 8).as_str()));
        assert_eq!(x.table.height(), n - 3);
    }

    #[test]
    fn too_many_bad_rows_quarantine_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(dir.path());
        let rows = vec![
            vec!["Breckland", "Council Tax", "CT1", "2025/26", "1000", "250"],
            vec!["Breckland", "Water", "CT2", "2025/26", "1000", "250"],
        ];
        let x = checked(&p, "revenues", date("2025-10-31"), &REVENUES_HEADER, &rows);
        match &x.verdict {
            Verdict::Quarantine(reason) => {
                assert!(reason.contains("1 of 2 rows") && reason.contains("Water"), "{reason}")
            }
            v => panic!("expected quarantine, got {v:?}"),
        }
    }

    #[test]
    fn blank_required_cell_is_a_completeness_finding() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(dir.path());
        let rows = vec![vec!["Fenland", "Council Tax", "", "2025/26", "1000", "250"]];
        let x = checked(&p, "revenues", date("2025-10-31"), &REVENUES_HEADER, &rows);
        assert_eq!(x.findings[0].characteristic, Characteristic::Completeness);
        assert!(matches!(x.verdict, Verdict::Quarantine(_)));
    }
}
