//! Reading the data rows into typed columns: every cell converted for its column, rows with
//! a cell that cannot be converted or a required cell left blank rejected (the `types` and
//! `required` checks), and what the later checks need from the grid itself: the sums of
//! every data row and the extract's own totals rows.

use super::days_since_epoch;
use super::values::{convert, is_known_missing, Rejected, Value};
use super::Finding;
use crate::config::{ColumnDef, ColumnType, Partner, SourceDef};
use crate::ingest::{column_letter, Cell, DateSystem, Grid, Layout};
use polars::prelude::*;
use std::collections::HashMap;

/// Distinct texts remembered per column when converting.
const MEMO_LIMIT: usize = 10_000;

/// Failing rows listed per check (in the feedback workbook and `scorecard check --json`);
/// every failing row is counted.
pub const MAX_LISTED: usize = 50_000;

/// Rows per chunk below which the conversion runs on one thread.
pub(super) const CHUNK_ROWS: usize = 16_384;

/// The data rows, converted.
pub struct Converted {
    pub table: PolarsResult<DataFrame>,
    pub rows_read: usize,
    pub rows_rejected: usize,
    /// Cells that could not be converted: rows failing, and the first of them.
    pub type_rows: usize,
    pub type_failures: Vec<Finding>,
    /// Required cells left blank: rows failing, and the first of them.
    pub required_rows: usize,
    pub required_failures: Vec<Finding>,
    /// Cells holding a known-missing marker, per column.
    pub known_missing: Vec<usize>,
    /// Per `code` column with an `other` code: each value that is none of its spellings, and
    /// how many cells hold it.
    pub unlisted: Vec<std::collections::BTreeMap<String, usize>>,
    /// Per column, the sum of every data row's number (rejected rows included), for the
    /// reconciliation with the totals row.
    pub sums: Vec<f64>,
    /// Per column, the cells that could not be read as its type (their rows are rejected and
    /// their values are in no sum).
    pub unread: Vec<usize>,
    /// Per totals row, per column: its number, if it holds one.
    pub totals: Vec<Vec<Option<f64>>>,
    /// Counts of rows the extract states in its totals and notes rows ("Total items: 5101").
    pub stated_counts: Vec<(u32, u64)>,
}

/// A count of records stated in a label such as "Total items: 5101" or "Record count 5,101".
fn stated_count(text: &str) -> Option<u64> {
    use regex::Regex;
    use std::sync::LazyLock;
    static COUNT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^\s*(?:total\s+)?(?:number\s+of\s+)?(?:items|records?|rows|lines|accounts|claims|cases|count)(?:\s+count)?\s*[:=]?\s*([\d,]+)\s*$")
            .expect("valid regex")
    });
    COUNT.captures(text).and_then(|c| c[1].replace(',', "").parse().ok())
}

/// What the conversion needs to know about the file, shared by every chunk of rows.
pub(super) struct Context<'a> {
    pub(super) source: &'a SourceDef,
    pub(super) partners: &'a [Partner],
    pub(super) layout: &'a Layout,
    pub(super) file_name: &'a str,
    pub(super) sheet: Option<&'a str>,
    pub(super) first_row: u32,
    pub(super) first_col: u32,
    pub(super) dates: DateSystem,
    /// Column indexes (into the source's columns) of the key fields, for findings.
    pub(super) key: Vec<usize>,
}

impl Context<'_> {
    pub(super) fn column_label(&self, j: usize) -> String {
        format!(
            "{} ({})",
            column_letter(self.first_col as usize + j),
            self.layout.header_text.get(j).cloned().unwrap_or_default()
        )
    }

    /// A finding on a cell of a data row (its key filled in by the caller).
    pub(super) fn finding(&self, row_number: u32, j: usize, cell: &Cell, message: String) -> Finding {
        Finding {
            file: self.file_name.to_string(),
            sheet: self.sheet.map(str::to_string),
            row: Some(row_number),
            column: Some(self.column_label(j)),
            key: None,
            value: (!cell.is_empty()).then(|| super::shown_value(&cell.display())),
            message,
        }
    }

    /// `field=value, ...` for the key fields of a row: from the values already converted,
    /// then from the raw cells.
    fn key_of(&self, row: &[Cell], converted: &[Value]) -> Option<String> {
        let parts: Vec<String> = self
            .key
            .iter()
            .filter_map(|&k| {
                let j = self.layout.columns[k]?;
                let v = match converted.get(k) {
                    Some(v) => v.display(),
                    None => row.get(j).map(Cell::display).unwrap_or_default(),
                };
                Some(format!("{}={}", self.source.column[k].field, super::shown_value(v.trim())))
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// The rows of one chunk, converted.
struct Chunk {
    columns: Vec<Vec<Value>>,
    row_numbers: Vec<i64>,
    known_missing: Vec<usize>,
    unlisted: Vec<std::collections::BTreeMap<String, usize>>,
    sums: Vec<f64>,
    unread: Vec<usize>,
    rejected: usize,
    type_rows: usize,
    type_failures: Vec<Finding>,
    required_rows: usize,
    required_failures: Vec<Finding>,
}

/// Converts the data rows of a grid. Large extracts are converted in chunks of rows on all
/// cores; the chunks are joined in row order.
pub fn convert_rows(
    grid: &mut Grid,
    layout: &Layout,
    source: &SourceDef,
    partners: &[Partner],
    file_name: &str,
) -> Converted {
    use rayon::prelude::*;
    let key_fields: Vec<&str> = if source.key.is_empty() {
        source.partner_field().into_iter().collect()
    } else {
        source.key.iter().map(String::as_str).collect()
    };
    let totals = totals_of(grid, layout, source, partners);
    let stated_counts = stated_counts(grid, layout);
    let sheet = grid.sheet.clone();
    let ctx = Context {
        source,
        partners,
        layout,
        file_name,
        sheet: sheet.as_deref(),
        first_row: grid.first_row,
        first_col: grid.first_col,
        dates: grid.dates,
        key: key_fields.iter().filter_map(|f| source.column.iter().position(|c| c.field == *f)).collect(),
    };
    let data = &layout.data_rows;
    // A text file's table is converted column by column, as polars read it.
    if let Some(body) = grid.body.take() {
        let mut out = Converted::new(source.column.len(), data.len(), totals, stated_counts);
        super::columns::convert_body(&ctx, &body, grid.rows.len(), data, &mut out);
        return out;
    }
    // Split the grid's rows where the chunks of data rows meet, so that every chunk can move
    // text out of its own rows.
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
    let parts: Vec<Chunk> =
        pieces.into_par_iter().map(|(chunk, offset, rows)| convert_chunk(&ctx, chunk, offset, rows)).collect();

    let n = source.column.len();
    let mut columns: Vec<Vec<Value>> = vec![Vec::with_capacity(data.len()); n];
    let mut row_numbers: Vec<i64> = Vec::with_capacity(data.len());
    let mut out = Converted::new(n, data.len(), totals, stated_counts);
    for mut part in parts {
        for (all, some) in columns.iter_mut().zip(std::mem::take(&mut part.columns)) {
            all.extend(some);
        }
        row_numbers.extend(std::mem::take(&mut part.row_numbers));
        out.absorb(part);
    }
    out.table = build_table(source, columns, row_numbers);
    out
}

impl Converted {
    /// Nothing converted yet, for `columns` columns and `rows_read` data rows.
    fn new(
        columns: usize,
        rows_read: usize,
        totals: Vec<Vec<Option<f64>>>,
        stated_counts: Vec<(u32, u64)>,
    ) -> Converted {
        Converted {
            table: Ok(DataFrame::empty()),
            rows_read,
            rows_rejected: 0,
            type_rows: 0,
            type_failures: Vec::new(),
            required_rows: 0,
            required_failures: Vec::new(),
            known_missing: vec![0; columns],
            unlisted: vec![Default::default(); columns],
            sums: vec![0.0; columns],
            unread: vec![0; columns],
            totals,
            stated_counts,
        }
    }

    /// A chunk's counts, sums, unlisted values and first failures added to the file's.
    fn absorb(&mut self, part: Chunk) {
        for k in 0..self.sums.len() {
            self.known_missing[k] += part.known_missing[k];
            self.sums[k] += part.sums[k];
            self.unread[k] += part.unread[k];
        }
        for (all, some) in self.unlisted.iter_mut().zip(part.unlisted) {
            for (value, count) in some {
                *all.entry(value).or_default() += count;
            }
        }
        self.rows_rejected += part.rejected;
        self.type_rows += part.type_rows;
        self.required_rows += part.required_rows;
        let room = MAX_LISTED - self.type_failures.len();
        self.type_failures.extend(part.type_failures.into_iter().take(room));
        let room = MAX_LISTED - self.required_failures.len();
        self.required_failures.extend(part.required_failures.into_iter().take(room));
    }
}

/// Each totals row's number in every column, where it holds one (for the reconciliation).
fn totals_of(grid: &Grid, layout: &Layout, source: &SourceDef, partners: &[Partner]) -> Vec<Vec<Option<f64>>> {
    layout
        .totals_rows
        .iter()
        .map(|&i| {
            source
                .column
                .iter()
                .enumerate()
                .map(|(k, col)| {
                    let j = layout.columns[k]?;
                    match convert(&grid.cell(i, j), col, partners, grid.dates) {
                        Ok(Value::Num(n)) => Some(n),
                        Ok(Value::Int(n)) => Some(n as f64),
                        _ => None,
                    }
                })
                .collect()
        })
        .collect()
}

/// Counts of rows the extract states in its totals and notes rows, with their row numbers.
fn stated_counts(grid: &Grid, layout: &Layout) -> Vec<(u32, u64)> {
    layout
        .totals_rows
        .iter()
        .chain(&layout.notes_rows)
        .flat_map(|&i| {
            grid.row(i)
                .iter()
                .filter_map(|c| match c {
                    Cell::Text(t) => stated_count(t).map(|n| (grid.row_number(i), n)),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Converted values of a column's distinct texts, by text.
type Memo = HashMap<PlSmallStr, Result<Value, Rejected>>;

/// A text cell's text moved out of the grid (trimmed), unless it is blank.
#[inline]
fn take_text(row: &mut [Cell], j: usize) -> Option<Value> {
    let Some(Cell::Text(t)) = row.get_mut(j) else { return None };
    if t.trim().is_empty() {
        return None;
    }
    let t = std::mem::take(t);
    Some(Value::Str(if t.trim().len() == t.len() { t } else { t.trim().into() }))
}

/// A cell converted to its column's type, through the column's memo when it has one.
#[inline]
fn convert_once(
    cell: &Cell,
    col: &ColumnDef,
    memo: Option<&mut Memo>,
    partners: &[Partner],
    dates: DateSystem,
) -> Result<Value, Rejected> {
    match (cell, memo) {
        (Cell::Text(t), Some(m)) => match m.get(t.as_str()) {
            Some(v) => v.clone(),
            None => {
                let v = convert(cell, col, partners, dates);
                if m.len() < MEMO_LIMIT {
                    m.insert(t.clone(), v.clone());
                }
                v
            }
        },
        _ => convert(cell, col, partners, dates),
    }
}

impl Chunk {
    fn new(columns: usize, rows: usize) -> Chunk {
        Chunk {
            columns: vec![Vec::with_capacity(rows); columns],
            row_numbers: Vec::with_capacity(rows),
            known_missing: vec![0; columns],
            unlisted: vec![Default::default(); columns],
            sums: vec![0.0; columns],
            unread: vec![0; columns],
            rejected: 0,
            type_rows: 0,
            type_failures: Vec::new(),
            required_rows: 0,
            required_failures: Vec::new(),
        }
    }
}

/// Converts the data rows `data` (indexes into the grid; `rows` holds the grid's rows from
/// index `offset` on).
fn convert_chunk(ctx: &Context, data: &[usize], offset: usize, rows: &mut [Vec<Cell>]) -> Chunk {
    let Context { source, partners, layout, .. } = *ctx;
    let n = source.column.len();
    let mut out = Chunk::new(n, data.len());
    // Columns with few distinct values (partners, codes, years, yes/no) convert each distinct
    // text once.
    let mut memo: Vec<Option<Memo>> = source
        .column
        .iter()
        .map(|c| {
            matches!(c.kind, ColumnType::Partner | ColumnType::Code | ColumnType::FinancialYear | ColumnType::YesNo)
                .then(HashMap::new)
        })
        .collect();
    let mut row_values = Vec::with_capacity(n);
    for &i in data {
        let row = &mut rows[i - offset];
        let row_number = ctx.first_row + i as u32;
        row_values.clear();
        let (mut bad_type, mut blank_required) = (false, false);
        for (k, col) in source.column.iter().enumerate() {
            let Some(j) = layout.columns[k] else {
                row_values.push(Value::Null);
                continue;
            };
            // Free text is moved out of the grid rather than copied (a finding reads the key
            // of its row from the values converted so far).
            if col.kind == ColumnType::Text {
                if let Some(text) = take_text(row, j) {
                    row_values.push(text);
                    continue;
                }
            }
            let cell = row.get(j).unwrap_or(&Cell::Empty);
            if is_known_missing(cell, col) {
                out.known_missing[k] += 1;
            }
            let converted = convert_once(cell, col, memo[k].as_mut(), partners, ctx.dates);
            let failure = match converted {
                Ok(Value::Null) if col.required => {
                    blank_required = true;
                    (out.required_failures.len() < MAX_LISTED)
                        .then(|| (format!("{} is required but blank; the row is rejected", col.field), true))
                }
                Ok(v) => {
                    match &v {
                        Value::Num(x) => out.sums[k] += x,
                        Value::Int(x) => out.sums[k] += *x as f64,
                        Value::Str(s) if col.other.as_deref() == Some(s.as_str()) => {
                            let text = cell.display();
                            if col.canonical_value(&text).is_none() {
                                *out.unlisted[k].entry(text.trim().to_string()).or_default() += 1;
                            }
                        }
                        _ => {}
                    }
                    row_values.push(v);
                    continue;
                }
                Err(expected) => {
                    bad_type = true;
                    out.unread[k] += 1;
                    (out.type_failures.len() < MAX_LISTED)
                        .then(|| (format!("{}: {expected}; the row is rejected", col.field), false))
                }
            };
            if let Some((message, required)) = failure {
                let f = Finding { key: ctx.key_of(row, &row_values), ..ctx.finding(row_number, j, cell, message) };
                if required {
                    out.required_failures.push(f)
                } else {
                    out.type_failures.push(f)
                }
            }
            row_values.push(Value::Null);
        }
        if bad_type || blank_required {
            out.rejected += 1;
            out.type_rows += bad_type as usize;
            out.required_rows += blank_required as usize;
        } else {
            for (k, v) in row_values.drain(..).enumerate() {
                out.columns[k].push(v);
            }
            out.row_numbers.push(row_number as i64);
        }
    }
    out
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

#[cfg(test)]
mod tests {
    #[test]
    fn stated_counts() {
        use super::stated_count;
        assert_eq!(stated_count("Total items: 5101"), Some(5101));
        assert_eq!(stated_count("Record count 5,101"), Some(5101));
        assert_eq!(stated_count("Number of records = 12"), Some(12));
        assert_eq!(stated_count("Total"), None);
        assert_eq!(stated_count("End of report. Synthetic demo data."), None);
        assert_eq!(stated_count("Total collected: 12,345"), None, "a sum, not a count");
    }
}
