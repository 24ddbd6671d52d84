//! Reading a file into a grid of cells: calamine for workbooks, polars for delimited text.

use super::sniff::{sniff, Format};
use super::{IngestError, Unreadable};
use crate::config::Limits;
use crate::config::SourceDef;
use calamine::{Data, DataRef, Reader};
use chrono::NaiveDate;
use polars::prelude::PlSmallStr;
use std::io::Cursor;
use std::path::Path;

/// One cell as the file holds it. Text is a small-string (held inline up to 24 bytes, as
/// most cells of an extract are), so reading a sheet does not allocate for every cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(PlSmallStr),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
    /// An Excel error value such as `#DIV/0!`.
    Error(String),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as a clerk would read it in a message.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.to_string(),
            Cell::Number(n) => format!("{n}"),
            Cell::Date(d) => d.format("%d/%m/%Y").to_string(),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Cell::Error(e) => e.clone(),
        }
    }
}

pub use crate::periods::DateSystem;

/// The cells of one sheet (or of a text file), with the position of its first cell.
#[derive(Debug, Clone)]
pub struct Grid {
    /// Sheet name; `None` for text files.
    pub sheet: Option<String>,
    pub rows: Vec<Vec<Cell>>,
    /// 1-based row number, as the file shows it, of `rows[0]`.
    pub first_row: u32,
    /// 0-based column index of the first cell of every row.
    pub first_col: u32,
    /// How plain numbers in date columns are read as dates.
    pub dates: DateSystem,
}

impl Grid {
    /// Row number as shown in Excel (1-based) of `rows[i]`.
    pub fn row_number(&self, i: usize) -> u32 {
        self.first_row + i as u32
    }

    /// Column letter(s) as shown in Excel of `row[j]`.
    pub fn column_letter(&self, j: usize) -> String {
        column_letter(self.first_col as usize + j)
    }

    pub fn cell(&self, i: usize, j: usize) -> &Cell {
        self.rows.get(i).and_then(|r| r.get(j)).unwrap_or(&Cell::Empty)
    }
}

/// `0 -> A`, `25 -> Z`, `26 -> AA`.
pub fn column_letter(mut j: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (j % 26) as u8);
        if j < 26 {
            break;
        }
        j = j / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ascii")
}

/// Reads every visible sheet of a workbook, or the single table of a text file, within the
/// limits. A panic inside a reader becomes an error for this file alone.
pub fn read_grid(path: &Path, bytes: &[u8], source: &SourceDef, limits: &Limits) -> Result<Vec<Grid>, IngestError> {
    read_with(path, bytes, limits, |name, bytes| read_text(name, bytes, source, limits).map(|g| vec![g]))
}

/// Reads a reference table (a published comparator table, not an extract): every visible
/// sheet of a workbook, or every line of a text file as cells, within the same limits.
pub fn read_reference(path: &Path, bytes: &[u8], limits: &Limits) -> Result<Vec<Grid>, IngestError> {
    read_with(path, bytes, limits, |name, bytes| read_plain_text(name, bytes, limits.max_cells).map(|g| vec![g]))
}

fn read_with(
    path: &Path,
    bytes: &[u8],
    limits: &Limits,
    text: impl FnOnce(&str, &[u8]) -> Result<Vec<Grid>, IngestError>,
) -> Result<Vec<Grid>, IngestError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let format = sniff(&name, &ext, bytes, limits)?;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        match format {
        Format::Text => text(&name, bytes),
        Format::Html if bytes.len() as u64 > limits.max_html_mb * 1024 * 1024 => Err(IngestError::new(&name, Unreadable::Refused(format!(
            "the web page is {:.1} MB, larger than the limit of {} MB for web pages (limits.max_html_mb in scorecard.toml); save the report as .xlsx or export it as CSV",
            bytes.len() as f64 / 1024.0 / 1024.0,
            limits.max_html_mb
        )))),
        Format::Html => super::markup::read_html(&name, bytes, &Budget::new(limits)),
        Format::SpreadsheetXml => super::markup::read_spreadsheet_xml(&name, bytes, &Budget::new(limits)),
        _ => read_workbook(&name, format, bytes, limits),
    }
    }));
    result.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Err(IngestError::new(
            &name,
            Unreadable::Refused(format!(
                "the workbook could not be read (the reader failed: {what}); it may be damaged"
            )),
        ))
    })
}

/// Every line of a delimited text file as a row of text cells (quoted fields may span lines).
fn read_plain_text(name: &str, bytes: &[u8], max_cells: usize) -> Result<Grid, IngestError> {
    let text = decode_text(bytes);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(detect_delimiter(&text))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut cells = 0usize;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| IngestError::new(name, Unreadable::Refused(format!("line {}: {e}", i + 1))))?;
        cells += record.len().max(1);
        if cells > max_cells {
            return Err(IngestError::new(
                name,
                Unreadable::Refused(format!(
                    "the table holds more than the limit of {max_cells} cells (limits.max_cells in scorecard.toml)"
                )),
            ));
        }
        rows.push(
            record.iter().map(|s| if s.trim().is_empty() { Cell::Empty } else { Cell::Text(s.into()) }).collect(),
        );
    }
    Ok(Grid { sheet: None, rows, first_row: 1, first_col: 0, dates: DateSystem::Excel1900 })
}

/// What reading one file may take: cells over all its sheets or tables together
/// (`limits.max_cells`) and time (`limits.max_file_seconds`), checked as cells are read,
/// before anything is allocated for them.
pub(super) struct Budget {
    used: std::cell::Cell<usize>,
    max_cells: usize,
    deadline: std::time::Instant,
    seconds: u64,
}

impl Budget {
    pub(super) fn new(limits: &Limits) -> Budget {
        Budget {
            used: std::cell::Cell::new(0),
            max_cells: limits.max_cells,
            deadline: std::time::Instant::now() + std::time::Duration::from_secs(limits.max_file_seconds),
            seconds: limits.max_file_seconds,
        }
    }

    /// Takes `n` more cells of the file's budget.
    pub(super) fn take(&self, n: usize) -> Result<(), Unreadable> {
        let used = self.used.get() + n;
        self.used.set(used);
        if used > self.max_cells {
            return Err(Unreadable::TooManyCells { limit: self.max_cells });
        }
        Ok(())
    }

    /// Whether the file's time is up.
    pub(super) fn in_time(&self) -> Result<(), Unreadable> {
        if std::time::Instant::now() > self.deadline {
            return Err(Unreadable::TooSlow { seconds: self.seconds });
        }
        Ok(())
    }
}

/// Collects cells into rows, each row only as long as its last used cell, refusing a file
/// once its sheets together would hold more cells than its [`Budget`] allows.
pub(super) struct Collector<'b> {
    rows: Vec<Vec<Cell>>,
    budget: &'b Budget,
    puts: u32,
}

impl<'b> Collector<'b> {
    pub(super) fn new(budget: &'b Budget) -> Collector<'b> {
        Collector { rows: Vec::new(), budget, puts: 0 }
    }

    pub(super) fn put(&mut self, row: u32, col: u32, cell: Cell) -> Result<(), Unreadable> {
        self.puts = self.puts.wrapping_add(1);
        if self.puts.is_multiple_of(65_536) {
            self.budget.in_time()?;
        }
        if cell == Cell::Empty {
            return Ok(());
        }
        let (r, c) = (row as usize, col as usize);
        if r >= 1_048_576 || c >= 16_384 {
            return Err(Unreadable::OutsideGrid { row: r + 1, col: c + 1 });
        }
        // Every row counts as a cell, so that millions of empty rows count too.
        let new_rows = (r + 1).saturating_sub(self.rows.len());
        let new_cells = (c + 1).saturating_sub(self.rows.get(r).map_or(0, Vec::len));
        self.budget.take(new_rows + new_cells)?;
        if new_rows > 0 {
            // Rows of a table are alike: the new row starts with the width of the last one
            // (rows skipped over stay empty and allocate nothing).
            let width = self.rows.last().map_or(0, Vec::len).min(1024);
            self.rows.resize_with(r + 1, Vec::new);
            self.rows[r].reserve(width);
        }
        let line = &mut self.rows[r];
        if line.len() <= c {
            line.resize(c + 1, Cell::Empty);
        }
        line[c] = cell;
        Ok(())
    }

    pub(super) fn grid(self, sheet: String, dates: DateSystem) -> Grid {
        Grid { sheet: Some(sheet), rows: self.rows, first_row: 1, first_col: 0, dates }
    }
}

fn read_workbook(name: &str, format: Format, bytes: &[u8], limits: &Limits) -> Result<Vec<Grid>, IngestError> {
    let err = |e: &dyn std::fmt::Display| {
        let text = e.to_string();
        let why = if text.to_ascii_lowercase().contains("password") {
            "the workbook is protected with a password, so it cannot be read; save a copy without a password and drop that".to_string()
        } else {
            format!(
                "the workbook cannot be opened: it may be damaged, truncated or saved by an unusual program ({text})"
            )
        };
        IngestError::new(name, Unreadable::Refused(why))
    };
    let sheet_err =
        |sheet: &str, e: &dyn std::fmt::Display| IngestError::in_sheet(name, sheet, Unreadable::Refused(e.to_string()));
    let limit = |sheet: &str, why: Unreadable| IngestError::in_sheet(name, sheet, why);
    let cursor = Cursor::new(bytes);
    let budget = Budget::new(limits);
    let visible = |meta: &[calamine::Sheet]| -> Vec<String> {
        meta.iter()
            .filter(|s| s.visible == calamine::SheetVisible::Visible && s.typ == calamine::SheetType::WorkSheet)
            .map(|s| s.name.clone())
            .collect()
    };
    let mut grids = Vec::new();
    match format {
        // Streamed cell by cell, so a sheet claiming a huge extent allocates nothing. The two
        // readers share method names but no trait, hence the macro.
        Format::Xlsx | Format::Xlsb => {
            macro_rules! stream_visible_sheets {
                ($book:expr) => {{
                    let mut book = $book.map_err(|e| err(&e))?;
                    let dates = if book.has_1904_epoch() { DateSystem::Excel1904 } else { DateSystem::Excel1900 };
                    for sheet in visible(book.sheets_metadata()) {
                        let mut c = Collector::new(&budget);
                        let mut reader = book.worksheet_cells_reader(&sheet).map_err(|e| sheet_err(&sheet, &e))?;
                        while let Some(cell) = reader.next_cell().map_err(|e| sheet_err(&sheet, &e))? {
                            let (r, col) = cell.get_position();
                            c.put(r, col, convert_ref(cell.get_value())).map_err(|e| limit(&sheet, e))?;
                        }
                        drop(reader);
                        grids.push(c.grid(sheet, dates));
                    }
                }};
            }
            if format == Format::Xlsx {
                stream_visible_sheets!(calamine::Xlsx::new(cursor))
            } else {
                stream_visible_sheets!(calamine::Xlsb::new(cursor))
            }
        }
        // .xls grids are bounded by the format (65,536 x 256); .ods by calamine's own cap.
        Format::Xls | Format::Ods => {
            // OpenDocument stores dates as ISO text, so only .xls has a serial-number epoch.
            let (mut book, dates): (calamine::Sheets<Cursor<&[u8]>>, _) = if format == Format::Xls {
                let xls = calamine::Xls::new(cursor).map_err(|e| err(&e))?;
                let dates = if xls.has_1904_epoch() { DateSystem::Excel1904 } else { DateSystem::Excel1900 };
                (calamine::Sheets::Xls(xls), dates)
            } else {
                (calamine::Sheets::Ods(calamine::Ods::new(cursor).map_err(|e| err(&e))?), DateSystem::Excel1900)
            };
            for sheet in visible(book.sheets_metadata()) {
                let range = book.worksheet_range(&sheet).map_err(|e| sheet_err(&sheet, &e))?;
                let (r0, c0) = range.start().unwrap_or((0, 0));
                let mut c = Collector::new(&budget);
                for (i, row) in range.rows().enumerate() {
                    for (j, v) in row.iter().enumerate() {
                        c.put(r0 + i as u32, c0 + j as u32, convert(v)).map_err(|e| limit(&sheet, e))?;
                    }
                }
                grids.push(c.grid(sheet, dates));
            }
        }
        Format::Text | Format::Html | Format::SpreadsheetXml => unreachable!("text and markup are read elsewhere"),
    }
    Ok(grids)
}

fn convert_ref(d: &DataRef<'_>) -> Cell {
    match d {
        DataRef::SharedString(s) => Cell::Text((*s).into()),
        DataRef::String(s) => Cell::Text(s.as_str().into()),
        DataRef::Empty => Cell::Empty,
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => convert(&Data::DateTime(*dt)),
        DataRef::DateTimeIso(s) => convert(&Data::DateTimeIso(s.clone())),
        DataRef::DurationIso(s) => Cell::Text(s.as_str().into()),
        DataRef::Error(e) => Cell::Error(format!("{e}")),
    }
}

fn convert(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.as_str().into()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(x) => Cell::Date(x.date()),
            None => Cell::Number(dt.as_f64()),
        },
        // The first ten bytes, if they end on a character boundary (`2025-01-0€5` does not).
        Data::DateTimeIso(s) => match NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d") {
            Ok(d) => Cell::Date(d),
            Err(_) => Cell::Text(s.as_str().into()),
        },
        Data::DurationIso(s) => Cell::Text(s.as_str().into()),
        Data::Error(e) => Cell::Error(format!("{e}")),
    }
}

pub use crate::common::decode_text;

/// The delimiter of a text table: the most frequent of `,`, `;`, tab and `|` in its first lines.
fn detect_delimiter(text: &str) -> u8 {
    let sample: Vec<&str> = text.lines().take(50).collect();
    [b',', b'\t', b';', b'|']
        .into_iter()
        .max_by_key(|d| sample.iter().map(|l| l.bytes().filter(|b| b == d).count()).max().unwrap_or(0))
        .unwrap_or(b',')
}

/// Splits one line on the delimiter, honouring double quotes (enough to find title and
/// header lines; the table itself is parsed by polars).
fn split_line(line: &str, delim: char) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().expect("non-empty").push('"');
            }
            '"' => quoted = !quoted,
            c if c == delim && !quoted => out.push(String::new()),
            c => out.last_mut().expect("non-empty").push(c),
        }
    }
    out
}

/// The first lines of a text file as a grid of text cells (from at most its first megabyte),
/// enough to find a header row in.
pub(super) fn first_lines(bytes: &[u8]) -> Grid {
    let text = decode_text(&bytes[..bytes.len().min(1024 * 1024)]);
    let delim = detect_delimiter(&text);
    let rows = text
        .lines()
        .take(super::layout::HEADER_SEARCH_ROWS)
        .map(|l| {
            split_line(l, delim as char)
                .into_iter()
                .map(|s| if s.trim().is_empty() { Cell::Empty } else { Cell::Text(s.into()) })
                .collect()
        })
        .collect();
    Grid { sheet: None, rows, first_row: 1, first_col: 0, dates: DateSystem::Excel1900 }
}

/// Fields on one line of delimited text, counted without allocating (quotes honoured).
fn count_fields(line: &str, delim: u8) -> usize {
    let (mut n, mut quoted) = (1, false);
    for b in line.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b if b == delim && !quoted => n += 1,
            _ => {}
        }
    }
    n
}

/// The widest line of a table (in fields), within the limits on line length, fields per line,
/// cells of the whole table and time; else why not, naming the line (numbered from
/// `first_line`).
fn table_width(table: &str, delim: u8, first_line: usize, limits: &Limits) -> Result<usize, Unreadable> {
    let budget = Budget::new(limits);
    let (mut width, mut lines) = (1usize, 0usize);
    for (i, line) in table.lines().enumerate() {
        let n = first_line + i;
        if line.len() > limits.max_line_kb * 1024 {
            return Err(Unreadable::Refused(format!(
                "line {n} is {:.1} MB long, more than the limit of {} KB a line (limits.max_line_kb in scorecard.toml)",
                line.len() as f64 / 1024.0 / 1024.0,
                limits.max_line_kb
            )));
        }
        let fields = count_fields(line, delim);
        if fields > limits.max_columns {
            return Err(Unreadable::Refused(format!(
                "line {n} has {fields} fields, more than the limit of {} (limits.max_columns in scorecard.toml)",
                limits.max_columns
            )));
        }
        width = width.max(fields);
        lines += 1;
        if i % 65_536 == 0 {
            budget.in_time()?;
        }
    }
    // Every line is read as wide as the widest: that is what the table will hold.
    budget.take(width.saturating_mul(lines))?;
    Ok(width)
}

/// The first line of a table that cannot be read as delimited text `width` fields wide (an
/// unclosed quote, or more fields than that), numbered from `first_line`.
fn bad_line(table: &[u8], delim: u8, width: usize, first_line: usize) -> Option<u64> {
    let mut r = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delim).from_reader(table);
    let mut record = ::csv::ByteRecord::new();
    // The line a record starting at a byte offset lies on, counted from `first_line` (after
    // `\r\n` the csv reader's offset is that of the `\n`, so it is counted too).
    let line_at = |byte: u64| {
        let upto = &table[..(byte as usize + 1).min(table.len())];
        first_line as u64 + upto.iter().filter(|b| **b == b'\n').count() as u64
    };
    loop {
        match r.read_byte_record(&mut record) {
            Ok(false) => return None,
            // A quoted field running over lines is the likely fault when polars refuses.
            Ok(true) if record.len() <= width && !record.iter().any(|f| f.contains(&b'\n')) => continue,
            Ok(true) => return record.position().map(|p| line_at(p.byte())),
            Err(e) => return e.position().map(|p| line_at(p.byte())),
        }
    }
}

fn read_text(name: &str, bytes: &[u8], source: &SourceDef, limits: &Limits) -> Result<Grid, IngestError> {
    use polars::prelude::*;
    let text = decode_text(bytes);
    let delim = detect_delimiter(&text);
    // Title lines come before the header; find the header the way the layout step does, so
    // polars parses the table from the header line on.
    let mut title_rows = Vec::new();
    let mut offset = 0usize;
    let mut header_at = None;
    for (i, line) in text.split_inclusive('\n').enumerate().take(super::layout::HEADER_SEARCH_ROWS) {
        let cells: Vec<Cell> = split_line(line.trim_end_matches(['\r', '\n']), delim as char)
            .into_iter()
            .map(|s| if s.trim().is_empty() { Cell::Empty } else { Cell::Text(s.into()) })
            .collect();
        if super::layout::is_header_row(&cells, source) {
            header_at = Some(i);
            break;
        }
        title_rows.push(cells);
        offset += line.len();
    }
    let Some(header_line) = header_at else {
        // No header: give the layout step the first lines so that its message names them.
        let rows = text
            .lines()
            .take(super::layout::HEADER_SEARCH_ROWS)
            .map(|l| split_line(l, delim as char).into_iter().map(|s| Cell::Text(s.into())).collect())
            .collect();
        return Ok(Grid { sheet: None, rows, first_row: 1, first_col: 0, dates: DateSystem::Excel1900 });
    };
    // Lines may have more fields than the header (ragged exports): read every field of the
    // widest line as text, so nothing is cut off.
    let width = table_width(&text[offset..], delim, header_line + 1, limits).map_err(|e| IngestError::new(name, e))?;
    let table = text.as_bytes()[offset..].to_vec();
    let schema: Schema = (1..=width).map(|i| Field::new(format!("column_{i}").into(), DataType::String)).collect();
    let df = CsvReadOptions::default()
        .with_has_header(false)
        .with_schema(Some(std::sync::Arc::new(schema)))
        .map_parse_options(|o| o.with_separator(delim).with_missing_is_null(true))
        .into_reader_with_file_handle(Cursor::new(table))
        .finish()
        .map_err(|_| {
            // In the project's words, not the library's: which line, and what to do.
            let at = bad_line(&text.as_bytes()[offset..], delim, width, header_line + 1)
                .map(|l| format!("line {l}"))
                .unwrap_or_else(|| format!("a line below line {}", header_line + 1));
            IngestError::new(name, Unreadable::Refused(format!(
                "{at} cannot be read as delimited text (a quote opened and never closed, or more fields than the other lines); correct that line or export the report again"
            )))
        })?;
    let mut rows = title_rows;
    let columns = df.columns();
    for i in 0..df.height() {
        let mut row = Vec::with_capacity(columns.len());
        for c in columns {
            let v = c.str().ok().and_then(|s| s.get(i));
            row.push(match v {
                Some(s) if !s.trim().is_empty() => Cell::Text(s.into()),
                _ => Cell::Empty,
            });
        }
        rows.push(row);
    }
    Ok(Grid { sheet: None, rows, first_row: 1, first_col: 0, dates: DateSystem::Excel1900 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn far_apart_cells_are_counted_before_anything_is_allocated() {
        // The A1 + XFD1048576 shape that makes a dense reader ask for 512 GiB.
        let limits = |max_cells| Limits { max_cells, ..Limits::default() };
        let budget = Budget::new(&limits(100_000));
        let mut c = Collector::new(&budget);
        c.put(0, 0, Cell::Number(1.0)).unwrap();
        let err = c.put(1_048_575, 16_383, Cell::Number(1.0)).unwrap_err();
        assert!(err.to_string().contains("limit of 100000 cells over all its sheets"), "{err}");
        assert_eq!(c.rows.len(), 1, "nothing was allocated for the refused cell");
        let budget = Budget::new(&limits(10_000_000));
        let mut c = Collector::new(&budget);
        c.put(0, 16_383, Cell::Number(1.0)).unwrap();
        c.put(1_048_575, 0, Cell::Number(1.0)).unwrap();
        assert_eq!(c.rows[1].capacity(), 0, "skipped rows allocate nothing");
        assert!(c.rows[1_048_575].capacity() <= 1024);
        assert!(c.put(1_048_576, 0, Cell::Number(1.0)).unwrap_err().to_string().contains("outside Excel's grid"));
    }

    #[test]
    fn an_iso_date_cut_inside_a_character_is_text_not_a_panic() {
        assert_eq!(convert(&Data::DateTimeIso("2025-01-0€5".into())), Cell::Text("2025-01-0€5".into()));
        assert_eq!(
            convert(&Data::DateTimeIso("2025-01-05T00:00:00".into())),
            Cell::Date(NaiveDate::from_ymd_opt(2025, 1, 5).unwrap())
        );
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(16383), "XFD");
    }

    #[test]
    fn delimiter_and_quotes() {
        assert_eq!(detect_delimiter("a;b;c\n1;2;3\n"), b';');
        assert_eq!(detect_delimiter("a\tb\n"), b'\t');
        assert_eq!(split_line(r#"x,"1,234.50","say ""hi""""#, ','), vec!["x", "1,234.50", r#"say "hi""#]);
    }
}
