//! Converting a text file's table column by column: each field's text column, as polars'
//! CSV reader gave it, becomes one typed polars column in a single pass (the columns on all
//! cores), with no cell made for any row. Money and numbers written plainly are parsed
//! directly (anything else goes the general way); partners, codes, years, yes/no and dates
//! convert each distinct text once, each row finding its text's conversion by comparing
//! polars' 16-byte views before any text is hashed; free text that needs no trimming, and
//! councils and codes written as the codes themselves, are kept as polars read them, without
//! a copy. The findings are those of the row-by-row path for workbooks ([`super::rows`]), in
//! the same order: rows in file order, and within a row the columns in the source's order,
//! each with the key of its row.

use super::rows::{Context, Converted, MAX_LISTED};
use super::values::{convert, convert_plain_number, is_known_missing_text, Rejected, Value};
use super::{date_from_days, days_since_epoch, Finding};
use crate::config::{ColumnDef, ColumnType};
use crate::ingest::{Cell, TextBody};
use polars::prelude::*;
use std::collections::BTreeMap;

/// Distinct texts remembered per column when converting.
const MEMO_LIMIT: usize = 10_000;

/// One field converted over every data row (the rows later rejected included).
struct Field {
    /// The typed values: null where the cell is blank or could not be read.
    column: Column,
    /// Positions (among the data rows) of cells that could not be read, and why.
    failed: Vec<(u32, Rejected)>,
    /// Positions of required cells left blank.
    blank: Vec<u32>,
    known_missing: usize,
    sum: f64,
    unlisted: BTreeMap<String, usize>,
}

impl Field {
    /// No values yet, and nothing found.
    fn empty() -> Field {
        Field {
            column: Column::new_empty(PlSmallStr::EMPTY, &DataType::Null),
            failed: Vec::new(),
            blank: Vec::new(),
            known_missing: 0,
            sum: 0.0,
            unlisted: BTreeMap::new(),
        }
    }
}

/// The typed values of one field as they are built.
enum Builder {
    Str(StringChunkedBuilder),
    Num(PrimitiveChunkedBuilder<Float64Type>),
    Int(PrimitiveChunkedBuilder<Int32Type>),
    Bool(BooleanChunkedBuilder),
}

impl Builder {
    fn new(kind: ColumnType, name: PlSmallStr, rows: usize) -> Builder {
        match kind {
            ColumnType::Text | ColumnType::Partner | ColumnType::Code => {
                Builder::Str(StringChunkedBuilder::new(name, rows))
            }
            ColumnType::Money | ColumnType::Number | ColumnType::Percent => {
                Builder::Num(PrimitiveChunkedBuilder::new(name, rows))
            }
            ColumnType::FinancialYear | ColumnType::Date => Builder::Int(PrimitiveChunkedBuilder::new(name, rows)),
            ColumnType::YesNo => Builder::Bool(BooleanChunkedBuilder::new(name, rows)),
        }
    }

    #[inline]
    fn push(&mut self, v: &Value) {
        match (self, v) {
            (Builder::Str(b), Value::Str(s)) => b.append_value(s.as_str()),
            (Builder::Num(b), Value::Num(n)) => b.append_value(*n),
            (Builder::Int(b), Value::Int(n)) => b.append_value(*n),
            (Builder::Int(b), Value::Date(d)) => b.append_value(days_since_epoch(*d)),
            (Builder::Bool(b), Value::Bool(x)) => b.append_value(*x),
            (Builder::Str(b), _) => b.append_null(),
            (Builder::Num(b), _) => b.append_null(),
            (Builder::Int(b), _) => b.append_null(),
            (Builder::Bool(b), _) => b.append_null(),
        }
    }

    fn finish(self) -> Column {
        match self {
            Builder::Str(b) => b.finish().into_column(),
            Builder::Num(b) => b.finish().into_column(),
            Builder::Int(b) => b.finish().into_column(),
            Builder::Bool(b) => b.finish().into_column(),
        }
    }
}

/// The text of a cell, unless it is blank.
#[inline]
fn filled(v: Option<&str>) -> Option<&str> {
    v.filter(|t| !t.trim().is_empty())
}

/// Converts the data rows `data` (indexes into the grid; the body's row 0 is grid row
/// `body_start`) of a text body into `out`: its table, counts, sums and findings.
pub(super) fn convert_body(ctx: &Context, body: &TextBody, body_start: usize, data: &[usize], out: &mut Converted) {
    use rayon::prelude::*;
    let n = data.len();
    // The data rows of every field: the body's rows themselves when the data rows follow
    // one another (as in most files), else gathered.
    let positions: Vec<IdxSize> = data.iter().map(|&i| (i - body_start) as IdxSize).collect();
    let contiguous = positions.windows(2).all(|w| w[1] == w[0] + 1);
    let text_of = |j: usize| -> StringChunked {
        let Some(s) = body.columns.get(j) else {
            return StringChunked::full_null(PlSmallStr::EMPTY, n);
        };
        match positions.first() {
            None => StringChunked::full_null(PlSmallStr::EMPTY, 0),
            Some(&first) if contiguous => s.slice(first as i64, n),
            Some(_) => s
                .take(&IdxCa::from_vec(PlSmallStr::EMPTY, positions.clone()))
                .map(|t| t.rechunk().into_owned())
                .unwrap_or_else(|_| StringChunked::full_null(PlSmallStr::EMPTY, n)),
        }
    };
    let texts: Vec<Option<StringChunked>> = ctx.layout.columns.iter().map(|j| j.map(text_of)).collect();
    let fields: Vec<Field> = ctx
        .source
        .column
        .par_iter()
        .zip(texts.par_iter())
        .map(|(col, text)| match text {
            Some(text) => convert_field(ctx, col, text),
            // A column the file lacks (optional): null throughout, no finding.
            None => {
                let mut b = Builder::new(col.kind, PlSmallStr::EMPTY, n);
                (0..n).for_each(|_| b.push(&Value::Null));
                Field { column: b.finish(), ..Field::empty() }
            }
        })
        .collect();

    // Rows rejected, and the findings in row order, then column order.
    let mut events: Vec<(u32, usize, bool)> = Vec::new();
    for (k, f) in fields.iter().enumerate() {
        events.extend(f.failed.iter().map(|(p, _)| (*p, k, false)));
        events.extend(f.blank.iter().map(|p| (*p, k, true)));
    }
    events.sort_unstable();
    let mut rejected = vec![false; n];
    let (mut last_type, mut last_blank) = (None, None);
    for &(p, k, required) in &events {
        rejected[p as usize] = true;
        let last = if required { &mut last_blank } else { &mut last_type };
        if *last != Some(p) {
            *last = Some(p);
            if required {
                out.required_rows += 1
            } else {
                out.type_rows += 1
            }
        }
        let listed = if required { &out.required_failures } else { &out.type_failures };
        if listed.len() >= MAX_LISTED {
            continue;
        }
        let f = finding(ctx, &fields, &texts, data, p, k, required);
        if required {
            out.required_failures.push(f)
        } else {
            out.type_failures.push(f)
        }
    }
    out.rows_rejected = rejected.iter().filter(|r| **r).count();

    let accepted: Option<BooleanChunked> =
        (out.rows_rejected > 0).then(|| rejected.iter().map(|r| !r).collect::<BooleanChunked>());
    let mut columns = Vec::with_capacity(fields.len() + 1);
    for (k, (col, f)) in ctx.source.column.iter().zip(fields).enumerate() {
        out.known_missing[k] = f.known_missing;
        out.sums[k] = f.sum;
        out.unread[k] = f.failed.len();
        out.unlisted[k] = f.unlisted;
        let kept = match &accepted {
            Some(mask) => f.column.filter(mask),
            None => Ok(f.column),
        };
        let typed = kept.and_then(|c| {
            let c = c.with_name(col.field.as_str().into());
            if col.kind == ColumnType::Date {
                c.cast(&DataType::Date)
            } else {
                Ok(c)
            }
        });
        match typed {
            Ok(c) => columns.push(c),
            Err(e) => {
                out.table = Err(e);
                return;
            }
        }
    }
    let rows: Vec<i64> =
        data.iter().zip(&rejected).filter(|(_, r)| !**r).map(|(&i, _)| (ctx.first_row + i as u32) as i64).collect();
    let height = rows.len();
    columns.push(Column::new("_row".into(), rows));
    // Text kept as read is in the pieces polars read in parallel: the table is made one
    // piece, once, for the checks and the store's gathers.
    out.table = DataFrame::new(height, columns).map(|mut t| {
        t.rechunk_mut_par();
        t
    });
}

/// Converts one field's text column: money and numbers by [`convert_numbers`], councils,
/// codes, years, yes/no and dates by [`convert_by_distinct`], and free text here, kept as
/// polars read it when no cell needs trimming, else trimmed cell by cell.
fn convert_field(ctx: &Context, col: &ColumnDef, text: &StringChunked) -> Field {
    match col.kind {
        ColumnType::Money | ColumnType::Number | ColumnType::Percent => return convert_numbers(ctx, col, text),
        ColumnType::Text => {}
        _ => return convert_by_distinct(ctx, col, text),
    }
    let mut field = Field::empty();
    // Free text that needs no trimming is kept as read (blank cells are null already).
    if text.iter().all(|v| v.is_none_or(|t| !t.is_empty() && t.trim().len() == t.len())) {
        if col.required {
            field.blank = text.iter().enumerate().filter(|(_, v)| v.is_none()).map(|(p, _)| p as u32).collect();
        }
        field.column = text.clone().into_column();
        return field;
    }
    let mut typed = StringChunkedBuilder::new(PlSmallStr::EMPTY, text.len());
    for (p, cell) in text.iter().enumerate() {
        match filled(cell) {
            Some(t) => typed.append_value(t.trim()),
            None => {
                if col.required {
                    field.blank.push(p as u32);
                }
                typed.append_null();
            }
        }
    }
    field.column = typed.finish().into_column();
    field
}

/// Converts a column of money, numbers or percentages: a cell written as a plain number is
/// read as it stands; any other goes the general way of [`convert`] (money signs, commas,
/// brackets, known-missing markers), as the row-by-row path for workbooks does.
fn convert_numbers(ctx: &Context, col: &ColumnDef, text: &StringChunked) -> Field {
    let n = text.len();
    let mut field = Field::empty();
    let mut values: Vec<f64> = Vec::with_capacity(n);
    // Which values are there, once a cell is found that has none.
    let mut valid: Option<Vec<bool>> = None;
    let mut p = 0u32;
    for arr in text.downcast_iter() {
        for cell in arr.iter() {
            // A plain number is never blank nor a known-missing marker (`values` tests it).
            let converted = match cell.and_then(|t| convert_plain_number(t, col)) {
                Some(v) => v,
                None => match filled(cell) {
                    None => Ok(Value::Null),
                    Some(t) => {
                        field.known_missing += is_known_missing_text(t, col) as usize;
                        convert(&Cell::Text(t.into()), col, ctx.partners, ctx.dates)
                    }
                },
            };
            let value = match converted {
                Ok(Value::Num(x)) => {
                    field.sum += x;
                    Some(x)
                }
                Ok(v) => {
                    if col.required && v == Value::Null {
                        field.blank.push(p);
                    }
                    None
                }
                Err(why) => {
                    field.failed.push((p, why));
                    None
                }
            };
            values.push(value.unwrap_or_default());
            match (&mut valid, value) {
                (Some(valid), _) => valid.push(value.is_some()),
                (None, None) => valid = Some((0..=p).map(|q| q < p).collect()),
                (None, Some(_)) => {}
            }
            p += 1;
        }
    }
    field.column = match valid {
        None => Float64Chunked::from_vec(PlSmallStr::EMPTY, values).into_column(),
        Some(valid) => {
            values.into_iter().zip(valid).map(|(x, v)| v.then_some(x)).collect::<Float64Chunked>().into_column()
        }
    };
    field
}

/// One distinct text of a column, converted once for all its rows.
struct Distinct {
    value: Result<Value, Rejected>,
    known_missing: bool,
    /// Whether the value is the cell as read: null for a null cell, else the text itself.
    as_read: bool,
    /// The text as counted among the unlisted labels, when it is read as the `other` code.
    unlisted: Option<String>,
}

impl Distinct {
    fn of(ctx: &Context, col: &ColumnDef, cell: &str) -> Distinct {
        let Some(t) = filled(Some(cell)) else {
            return Distinct { value: Ok(Value::Null), known_missing: false, as_read: false, unlisted: None };
        };
        let value = convert(&Cell::Text(t.into()), col, ctx.partners, ctx.dates);
        let unlisted = match &value {
            Ok(Value::Str(s)) if col.other.as_deref() == Some(s.as_str()) && col.canonical_value(t).is_none() => {
                Some(t.trim().to_string())
            }
            _ => None,
        };
        let as_read = matches!(&value, Ok(Value::Str(s)) if s.as_str() == t);
        Distinct { value, known_missing: is_known_missing_text(t, col), as_read, unlisted }
    }
}

/// Converts a column of councils, codes, years, yes/no or dates by its distinct texts, as
/// the row-by-row path for workbooks would cell by cell: each text is converted once, and each row
/// finds its text's conversion by its view compared whole with the previous row's, then with
/// the first short texts', before the map is asked. A column of councils or codes written
/// as the codes themselves is kept as read up to the first row that converts to anything
/// else. Past [`MEMO_LIMIT`] distinct texts, a text not yet seen is converted for its row
/// alone.
fn convert_by_distinct(ctx: &Context, col: &ColumnDef, text: &StringChunked) -> Field {
    const SHORT: usize = 8;
    let n = text.len();
    let mut field = Field::empty();
    // Entry 0 is a null cell's; each entry with the rows that have it.
    let mut known = vec![Distinct { value: Ok(Value::Null), known_missing: false, as_read: true, unlisted: None }];
    let mut counts = vec![0usize];
    let mut memo: PlHashMap<&str, usize> = PlHashMap::new();
    // Texts of up to 12 bytes are held inside their view: equal views, equal texts.
    let mut short: Vec<(u128, usize)> = Vec::with_capacity(SHORT);
    // The typed values, from the first row not kept as read (all rows but for councils and
    // codes).
    let mut typed: Option<Builder> = (!matches!(col.kind, ColumnType::Partner | ColumnType::Code))
        .then(|| Builder::new(col.kind, PlSmallStr::EMPTY, n));
    let mut kept = n;
    let mut p = 0usize;
    for arr in text.downcast_iter() {
        let mut previous: Option<(u128, usize)> = None;
        for (view, cell) in arr.views().iter().zip(arr.iter()) {
            let scratch;
            let d: &Distinct = match cell {
                None => {
                    counts[0] += 1;
                    &known[0]
                }
                Some(cell) => {
                    // Equal views are equal texts (the same bytes held, or the same place
                    // pointed at).
                    let v = view.as_u128();
                    let found = match previous {
                        Some((last, at)) if last == v => Some(at),
                        _ => short.iter().find(|(s, _)| *s == v).map(|&(_, at)| at).or_else(|| memo.get(cell).copied()),
                    };
                    let at = found.or_else(|| {
                        (known.len() <= MEMO_LIMIT).then(|| {
                            known.push(Distinct::of(ctx, col, cell));
                            counts.push(0);
                            let at = known.len() - 1;
                            memo.insert(cell, at);
                            if view.is_inline() && short.len() < SHORT {
                                short.push((v, at));
                            }
                            at
                        })
                    });
                    match at {
                        Some(at) => {
                            previous = Some((v, at));
                            counts[at] += 1;
                            &known[at]
                        }
                        None => {
                            // Past the limit: converted for this row alone, and counted here.
                            scratch = Distinct::of(ctx, col, cell);
                            field.known_missing += scratch.known_missing as usize;
                            if let Some(label) = &scratch.unlisted {
                                *field.unlisted.entry(label.clone()).or_default() += 1;
                            }
                            &scratch
                        }
                    }
                }
            };
            match &d.value {
                Ok(Value::Null) if col.required => field.blank.push(p as u32),
                Ok(Value::Int(x)) => field.sum += *x as f64,
                Err(why) => field.failed.push((p as u32, why.clone())),
                _ => {}
            }
            if typed.is_none() && !d.as_read {
                kept = p;
                typed = Some(Builder::new(col.kind, PlSmallStr::EMPTY, n - p));
            }
            if let Some(typed) = &mut typed {
                typed.push(d.value.as_ref().unwrap_or(&Value::Null));
            }
            p += 1;
        }
    }
    for (d, &count) in known.iter().zip(&counts) {
        field.known_missing += d.known_missing as usize * count;
        if let (Some(label), true) = (&d.unlisted, count > 0) {
            *field.unlisted.entry(label.clone()).or_default() += count;
        }
    }
    // The rows kept as read, then the typed values.
    field.column = match typed {
        None => text.clone().into_column(),
        Some(typed) if kept == 0 || kept == n => typed.finish(),
        Some(Builder::Str(rest)) => {
            let mut column = text.slice(0, kept);
            column.append_owned(rest.finish()).expect("text columns join");
            column.into_column()
        }
        Some(typed) => typed.finish(),
    };
    field
}

/// The finding on field `k` of data row `p`, worded and keyed as the row-by-row path does.
fn finding(
    ctx: &Context,
    fields: &[Field],
    texts: &[Option<StringChunked>],
    data: &[usize],
    p: u32,
    k: usize,
    required: bool,
) -> Finding {
    let col = &ctx.source.column[k];
    let j = ctx.layout.columns[k].expect("a converted field has a column");
    let raw = |k: usize| texts[k].as_ref().and_then(|t| filled(t.get(p as usize)));
    let cell = raw(k).map_or(Cell::Empty, |t| Cell::Text(t.into()));
    let message = if required {
        format!("{} is required but blank; the row is rejected", col.field)
    } else {
        let why = fields[k].failed.iter().find(|(q, _)| *q == p).map(|(_, why)| why.to_string()).unwrap_or_default();
        format!("{}: {why}; the row is rejected", col.field)
    };
    // The key: fields before this one as converted, the rest as written.
    let parts: Vec<String> = ctx
        .key
        .iter()
        .filter(|&&kk| ctx.layout.columns[kk].is_some())
        .map(|&kk| {
            let v = if kk < k {
                display(&fields[kk].column, ctx.source.column[kk].kind, p)
            } else {
                raw(kk).unwrap_or_default().to_string()
            };
            format!("{}={}", ctx.source.column[kk].field, super::shown_value(v.trim()))
        })
        .collect();
    let row_number = ctx.first_row + data[p as usize] as u32;
    Finding { key: (!parts.is_empty()).then(|| parts.join(", ")), ..ctx.finding(row_number, j, &cell, message) }
}

/// A converted value as a clerk reads it in a finding (as [`Value::display`]).
fn display(column: &Column, kind: ColumnType, p: u32) -> String {
    let value = match column.get(p as usize) {
        Ok(AnyValue::String(s)) => Value::Str(s.into()),
        Ok(AnyValue::StringOwned(s)) => Value::Str(s),
        Ok(AnyValue::Float64(x)) => Value::Num(x),
        Ok(AnyValue::Int32(x)) if kind == ColumnType::Date => Value::Date(date_from_days(x)),
        Ok(AnyValue::Int32(x)) => Value::Int(x),
        Ok(AnyValue::Boolean(b)) => Value::Bool(b),
        _ => Value::Null,
    };
    value.display()
}

#[cfg(test)]
mod tests {
    use super::super::rows::{convert_rows, Converted};
    use crate::ingest::read_extract;
    use crate::testing::project;

    /// Reads `text` as an extract of `source`, then converts its table column by column and,
    /// made into cells, row by row: the two must agree in everything they report.
    fn agree(source: &str, name: &str, bytes: &[u8]) -> Converted {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let def = p.source(source).unwrap();
        let raw = read_extract(&dir.path().join(name), bytes, def, &p.settings.limits).unwrap();
        assert!(raw.grid.body.is_some(), "a text file keeps its table as columns");
        let partners = &p.settings.partner;
        let mut by_columns = raw.grid.clone();
        let mut by_rows = raw.grid.clone().into_cells();
        let a = convert_rows(&mut by_columns, &raw.layout, def, partners, name);
        let b = convert_rows(&mut by_rows, &raw.layout, def, partners, name);
        assert_eq!(a.type_failures, b.type_failures);
        assert_eq!(a.required_failures, b.required_failures);
        assert_eq!(
            (a.rows_read, a.rows_rejected, a.type_rows, a.required_rows),
            (b.rows_read, b.rows_rejected, b.type_rows, b.required_rows)
        );
        assert_eq!((&a.known_missing, &a.unlisted, &a.unread), (&b.known_missing, &b.unlisted, &b.unread));
        assert_eq!((&a.totals, &a.stated_counts), (&b.totals, &b.stated_counts));
        for (x, y) in a.sums.iter().zip(&b.sums) {
            assert!((x - y).abs() <= 1e-6 * x.abs().max(1.0), "sums {x} and {y}");
        }
        let (ta, tb) = (a.table.as_ref().unwrap(), b.table.as_ref().unwrap());
        assert_eq!(ta.schema(), tb.schema());
        assert!(ta.equals_missing(tb), "{ta}\n{tb}");
        a
    }

    #[test]
    fn messy_csv_gives_the_same_rows_values_and_findings_as_cells() {
        let text = "Revenues account extract\r\nReport run on 31/10/2025\r\n\r\n\
            Council,Tax Type,Account Reference,Liability Year,Net Collectable Debit,Amount Collected,Balance,Recovery Stage,Payment Method\r\n\
            Fenland,Council Tax,CT001,2025/26,\"£1,234.56\",(12.50),1247.06,Reminder,Direct Debit\r\n\
            Breckland,CT,CT002,2025/26,100,50,50,, Online \r\n\
            Fenland,Council Tax,  CT003 ,2025/26,abc,50,..,None,Carrier Pigeon\r\n\
            Nowhere,Council Tax,CT004,2025/26,100,50,50,None,Cash\r\n\
            Fenland,Council Tax,,2025/26,100,50,50,None,Cash\r\n\
            East Suffolk,Business Rates,BR005,2025-26,1e20,0,0,None,Cash\r\n\
            ,,,,,,,,\r\n\
            Fenland,Council Tax,CT006,2025/26,[x],-,*,Summons,PayPoint\r\n\
            Fenland,Nonsense,CT007,twenty,100,50,50,None,Cash,extra,fields\r\n\
            fenland ,council tax,CT008,2025/26, 1 234.5 ,#N/A,0,None,Telephone\r\n\
            Total,,,,\"1,534.56\",88.00,,,\r\n\
            Produced by the revenues system. Total items: 9\r\n";
        let cp1252 = encoding_rs::WINDOWS_1252.encode(text).0;
        assert!(cp1252.contains(&0xA3), "the pound sign as Windows-1252 writes it");
        let c = agree("revenues", "revenues_fenland_20251031.csv", &cp1252);
        assert_eq!(c.rows_read, 9);
        assert!(c.rows_rejected >= 5, "{}", c.rows_rejected);
        assert!(c.type_failures.iter().any(|f| f.message.contains("net_debit") && f.value.as_deref() == Some("abc")));
        assert!(c.unlisted.iter().any(|u| u.contains_key("Carrier Pigeon")));
        assert_eq!(c.totals.len(), 1);
    }

    #[test]
    fn councils_and_codes_written_as_read_are_kept_and_the_rest_converted() {
        // Councils and tax types written as the codes themselves for a run of rows, then a
        // council by name, a blank, one with spaces around, an unknown one, codes again; and a
        // file that is codes throughout. The column kept as read up to the first row that
        // converts to something else must be the one converted row by row.
        let header = "Council,Tax Type,Account Reference,Liability Year,Net Collectable Debit,Amount Collected,Balance,Recovery Stage,Payment Method\n";
        let row =
            |council: &str, tax: &str, i: usize| format!("{council},{tax},CT{i:07},2025/26,100,50,50,None,Cash\n");
        let mut mixed = format!("Revenues\nReport run on 31/10/2025\n{header}");
        let mut codes = mixed.clone();
        for i in 0..3_000 {
            let council = match i {
                1_500 => "Fenland",
                1_501 => "",
                1_502 => " E07000143",
                1_503 => "Nowhere",
                _ => ["E07000143", "E07000244", "E07000010"][i % 3],
            };
            mixed.push_str(&row(council, if i < 2_000 { "CTAX" } else { "Council Tax" }, i));
            codes.push_str(&row(["E07000143", "E07000244", "E07000010"][i % 3], "NNDR", i));
        }
        let c = agree("revenues", "revenues_mixed_20251031.csv", mixed.as_bytes());
        assert_eq!(c.rows_read, 3_000);
        assert_eq!(c.rows_rejected, 2, "the blank and the unknown council");
        let t = c.table.as_ref().unwrap();
        let council = t.column("council").unwrap().str().unwrap().clone();
        assert_eq!(council.get(1_500), Some("E07000010"), "a council by name becomes its code");
        assert_eq!(council.get(1_501), Some("E07000143"), "spaces around a code are trimmed");
        let c = agree("revenues", "revenues_codes_20251031.csv", codes.as_bytes());
        assert_eq!((c.rows_read, c.rows_rejected), (3_000, 0));
    }

    /// A field as a CSV writer writes it (quoted when it holds a comma, a quote or a space at
    /// either end).
    fn field(v: &str) -> String {
        if v.contains([',', '"']) || v.trim() != v {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_string()
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 32, ..Default::default() })]

        /// Any rows of right and wrong cells convert to the same rows, values and findings by
        /// columns as by cells.
        #[test]
        fn any_rows_agree_by_columns_and_by_cells(rows in proptest::collection::vec(proptest::collection::vec(cell(), 9), 1..60)) {
            let mut text = String::from("Revenues\nReport run on 31/10/2025\nCouncil,Tax Type,Account Reference,Liability Year,Net Collectable Debit,Amount Collected,Balance,Recovery Stage,Payment Method\n");
            for r in &rows {
                text.push_str(&r.iter().map(|v| field(v)).collect::<Vec<_>>().join(","));
                text.push('\n');
            }
            agree("revenues", "revenues_x_20251031.csv", text.as_bytes());
        }
    }

    /// A cell that is sometimes right, sometimes wrong: the property tests' cells, and those a
    /// revenues extract's columns read in ways of their own.
    fn cell() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            crate::properties::cell(),
            Just(" Fenland ".to_string()),
            Just("Nowhere".to_string()),
            Just("Council Tax".to_string()),
            Just("2025-26".to_string()),
            Just("£1,234.50".to_string()),
            Just("1e20".to_string()),
            Just("  ".to_string()),
            Just("-".to_string()),
            Just("..".to_string()),
            Just("#N/A".to_string()),
            Just("Direct Debit".to_string()),
            Just("Carrier Pigeon".to_string()),
            Just("Total".to_string()),
        ]
    }

    #[test]
    fn columns_of_more_distinct_texts_than_remembered_agree_row_for_row() {
        // Dates over 40 years (some 14,600 distinct, more than are remembered), a few not
        // dates, a blank; work types mostly one label with a run of distinct unknown ones.
        let mut text = String::from(
            "Benefits work items\nReport run on 31/10/2025\nCouncil,Claim Reference,Work Type,Date Received,Date Decided\n",
        );
        let start = chrono::NaiveDate::from_ymd_opt(1985, 1, 1).unwrap();
        for i in 0..(super::MEMO_LIMIT + 4_000) {
            let day = (start + chrono::Days::new(i as u64)).format("%d/%m/%Y").to_string();
            let received = match i % 4_001 {
                7 => "never".to_string(),
                8 => String::new(),
                _ => day.clone(),
            };
            let kind = if (5_000..17_000).contains(&i) { format!("Kind {i}") } else { "New Claim".to_string() };
            text.push_str(&format!("Fenland,C{i:06},{kind},{received},{day}\n"));
        }
        let c = agree("benefits", "benefits_20251031.csv", text.as_bytes());
        assert_eq!(c.rows_read, super::MEMO_LIMIT + 4_000);
        assert!(c.type_rows >= 9_000, "{}", c.type_rows);
    }

    #[test]
    fn a_large_csv_with_scattered_faults_agrees_row_for_row() {
        let mut text = String::from(
            "Benefits work items\nReport run on 31/10/2025\nCouncil,Claim Reference,Work Type,Date Received,Date Decided\n",
        );
        let councils = ["Fenland", "Breckland", "East Suffolk"];
        for i in 0..40_000 {
            let received = format!("{:02}/{:02}/2025", 1 + i % 28, 1 + i % 9);
            let decided = match i % 997 {
                0 => "31/02/2025".to_string(),
                1 => "soon".to_string(),
                2 => String::new(),
                _ => format!("{:02}/10/2025", 1 + i % 28),
            };
            let claim = if i % 1499 == 0 { String::new() } else { format!("C{i:06}") };
            let council = if i % 2003 == 0 { "Nowhere" } else { councils[i % 3] };
            let kind = if i % 3001 == 0 { "Mystery" } else { "New Claim" };
            if i % 5000 == 17 {
                text.push('\n');
            }
            text.push_str(&format!("{council},{claim},{kind},{received},{decided}\n"));
        }
        let c = agree("benefits", "benefits_20251031.csv", text.as_bytes());
        assert_eq!(c.rows_read, 40_000);
        assert!(c.type_rows > 80 && c.required_rows > 20, "{} {}", c.type_rows, c.required_rows);
    }
}
