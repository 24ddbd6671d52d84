//! Reading a file into a grid of cells: calamine for workbooks, polars for delimited text.

use super::IngestError;
use crate::config::SourceDef;
use calamine::{Data, Reader};
use chrono::NaiveDate;
use std::io::Cursor;
use std::path::Path;

/// Largest number of cells read from one sheet.
pub const MAX_CELLS: usize = 20_000_000;

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
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
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => format!("{n}"),
            Cell::Date(d) => d.format("%d/%m/%Y").to_string(),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Cell::Error(e) => e.clone(),
        }
    }
}

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

/// Reads every visible sheet of a workbook, or the single table of a text file.
pub fn read_grid(path: &Path, bytes: &[u8], source: &SourceDef) -> Result<Vec<Grid>, IngestError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => read_workbook(&name, &ext, bytes),
        "csv" | "tsv" | "txt" => read_text(&name, bytes, source).map(|g| vec![g]),
        other => Err(IngestError(format!(
            "{name}: files ending .{other} are not read: expected .xlsx, .xlsm, .xlsb, .xls, .ods, .csv, .tsv or .txt"
        ))),
    }
}

fn read_workbook(name: &str, ext: &str, bytes: &[u8]) -> Result<Vec<Grid>, IngestError> {
    let err = |e: &dyn std::fmt::Display| IngestError(format!("{name}: cannot open the workbook: {e}"));
    let cursor = Cursor::new(bytes);
    let mut book: calamine::Sheets<Cursor<&[u8]>> = match ext {
        "xlsx" | "xlsm" => calamine::Sheets::Xlsx(calamine::Xlsx::new(cursor).map_err(|e| err(&e))?),
        "xlsb" => calamine::Sheets::Xlsb(calamine::Xlsb::new(cursor).map_err(|e| err(&e))?),
        "xls" => calamine::Sheets::Xls(calamine::Xls::new(cursor).map_err(|e| err(&e))?),
        _ => calamine::Sheets::Ods(calamine::Ods::new(cursor).map_err(|e| err(&e))?),
    };
    let sheets: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.visible == calamine::SheetVisible::Visible && s.typ == calamine::SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    let mut grids = Vec::new();
    for sheet in sheets {
        let range = book.worksheet_range(&sheet).map_err(|e| IngestError(format!("{name}, sheet '{sheet}': {e}")))?;
        if range.height().saturating_mul(range.width()) > MAX_CELLS {
            return Err(IngestError(format!(
                "{name}, sheet '{sheet}': {} rows x {} columns is more than the limit of {MAX_CELLS} cells",
                range.height(),
                range.width()
            )));
        }
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let rows = range.rows().map(|r| r.iter().map(convert).collect()).collect();
        grids.push(Grid { sheet: Some(sheet), rows, first_row: r0 + 1, first_col: c0 });
    }
    Ok(grids)
}

fn convert(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(x) => Cell::Date(x.date()),
            None => Cell::Number(dt.as_f64()),
        },
        Data::DateTimeIso(s) => match NaiveDate::parse_from_str(&s[..s.len().min(10)], "%Y-%m-%d") {
            Ok(d) => Cell::Date(d),
            Err(_) => Cell::Text(s.clone()),
        },
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(format!("{e}")),
    }
}

/// Decodes text as UTF-8 (with or without a byte-order mark) or, failing that, Windows-1252.
pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

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

fn read_text(name: &str, bytes: &[u8], source: &SourceDef) -> Result<Grid, IngestError> {
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
            .map(|s| if s.trim().is_empty() { Cell::Empty } else { Cell::Text(s) })
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
            .map(|l| split_line(l, delim as char).into_iter().map(Cell::Text).collect())
            .collect();
        return Ok(Grid { sheet: None, rows, first_row: 1, first_col: 0 });
    };
    let table = text.as_bytes()[offset..].to_vec();
    let df = CsvReadOptions::default()
        .with_has_header(false)
        .with_infer_schema_length(Some(0))
        .map_parse_options(|o| o.with_separator(delim).with_missing_is_null(true))
        .into_reader_with_file_handle(Cursor::new(table))
        .finish()
        .map_err(|e| IngestError(format!("{name}: cannot read the table below line {}: {e}", header_line + 1)))?;
    let mut rows = title_rows;
    let columns = df.columns();
    for i in 0..df.height() {
        let mut row = Vec::with_capacity(columns.len());
        for c in columns {
            let v = c.str().ok().and_then(|s| s.get(i));
            row.push(match v {
                Some(s) if !s.trim().is_empty() => Cell::Text(s.to_string()),
                _ => Cell::Empty,
            });
        }
        rows.push(row);
    }
    Ok(Grid { sheet: None, rows, first_row: 1, first_col: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(16383), "XFD");
    }

    #[test]
    fn decodes_bom_and_windows_1252() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFa,b"), "a,b");
        assert_eq!(decode_text(b"\xA3100"), "£100");
    }

    #[test]
    fn delimiter_and_quotes() {
        assert_eq!(detect_delimiter("a;b;c\n1;2;3\n"), b';');
        assert_eq!(detect_delimiter("a\tb\n"), b'\t');
        assert_eq!(split_line(r#"x,"1,234.50","say ""hi""""#, ','), vec!["x", "1,234.50", r#"say "hi""#]);
    }
}
