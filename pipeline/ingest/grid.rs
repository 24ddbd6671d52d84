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
///
/// A delimited text file read as an extract keeps its table as polars read it (a [`TextBody`]
/// of text columns below `rows`, which then hold only the lines down to the header): its
/// rows are never made into cells one by one, and the checks convert its columns whole.
/// Read every cell through [`Grid::cell`], [`Grid::row`] and [`Grid::height`], which see
/// both parts.
#[derive(Debug, Clone)]
pub struct Grid {
    /// Sheet name; `None` for text files.
    pub sheet: Option<String>,
    /// The rows held as cells: every row of a sheet, or a text file's lines down to its
    /// header when it has a [`TextBody`].
    pub rows: Vec<Vec<Cell>>,
    /// 1-based row number, as the file shows it, of `rows[0]`.
    pub first_row: u32,
    /// 0-based column index of the first cell of every row.
    pub first_col: u32,
    /// How plain numbers in date columns are read as dates.
    pub dates: DateSystem,
    /// A text file's lines below `rows`, column by column.
    pub body: Option<TextBody>,
}

/// The lines of a delimited text file below its header, as polars' CSV reader gives them:
/// one text column per field (in the pieces polars read in parallel), null where a field is
/// empty. Row `i` of the body is row `rows.len() + i` of its grid.
#[derive(Debug, Clone)]
pub struct TextBody {
    pub columns: Vec<polars::prelude::StringChunked>,
    pub height: usize,
}

impl TextBody {
    /// The text of field `j` of body row `i`, unless it is blank.
    #[inline]
    pub fn text(&self, i: usize, j: usize) -> Option<&str> {
        self.columns.get(j)?.get(i).filter(|s| !s.trim().is_empty())
    }

    /// Body rows `rows` that are not blank, as [`Grid::split_rows`] splits them, in pieces
    /// of rows on all cores. A row's first field that is not blank is found column by column
    /// (most rows settle in the first).
    fn split_rows(
        &self,
        rows: std::ops::Range<usize>,
        totals: impl Fn(&str) -> bool + Sync,
    ) -> (Vec<usize>, Vec<usize>) {
        use rayon::prelude::*;
        let pieces: Vec<(Vec<usize>, Vec<usize>)> = crate::common::row_pieces(rows.clone())
            .map(|piece| {
                // Each slot is tested before it is set: written as it is made.
                let mut first: Vec<Option<&str>> = crate::common::written_vec(None, piece.len());
                let mut pending = first.len();
                for j in 0..self.columns.len() {
                    if pending == 0 {
                        break;
                    }
                    for (slot, v) in first.iter_mut().zip(self.values(j, piece.clone())) {
                        if slot.is_none() {
                            if let Some(t) = v.filter(|t| !t.trim().is_empty()) {
                                *slot = Some(t);
                                pending -= 1;
                            }
                        }
                    }
                }
                let (mut t, mut d) = (Vec::new(), Vec::with_capacity(first.len()));
                for (k, f) in first.into_iter().enumerate() {
                    match f {
                        Some(text) if totals(text) => t.push(piece.start + k),
                        Some(_) => d.push(piece.start + k),
                        None => {}
                    }
                }
                (t, d)
            })
            .collect();
        let (mut t, mut d) = (Vec::new(), Vec::with_capacity(rows.len()));
        for (pt, pd) in pieces {
            t.extend(pt);
            d.extend(pd);
        }
        (t, d)
    }

    /// The values of field `j` in body rows `rows` (`None` where the field is empty), read
    /// from the arrays that hold them.
    fn values(&self, j: usize, rows: std::ops::Range<usize>) -> impl Iterator<Item = Option<&str>> + '_ {
        let mut start = 0;
        self.columns[j].downcast_iter().flat_map(move |array| {
            let (from, to) = (start, start + array.len());
            start = to;
            let (lo, hi) = (rows.start.clamp(from, to) - from, rows.end.clamp(from, to) - from);
            (lo..hi).map(move |i| array.get(i))
        })
    }

    /// The first body row from `from` on whose field `j` (`None` when empty) satisfies
    /// `found`, looked for in pieces of rows on all cores.
    fn find_down(&self, j: usize, from: usize, found: impl Fn(usize, Option<&str>) -> bool + Sync) -> Option<usize> {
        use rayon::prelude::*;
        if j >= self.columns.len() {
            return (from..self.height).find(|&i| found(i, None));
        }
        crate::common::row_pieces(from..self.height).find_map_first(|rows| {
            let start = rows.start;
            self.values(j, rows)
                .enumerate()
                .find(|&(k, v)| found(start + k, v.filter(|t| !t.trim().is_empty())))
                .map(|(k, _)| start + k)
        })
    }
}

impl Grid {
    /// A grid of rows of cells, starting at A1.
    pub fn of_rows(sheet: Option<String>, rows: Vec<Vec<Cell>>, dates: DateSystem) -> Grid {
        Grid { sheet, rows, first_row: 1, first_col: 0, dates, body: None }
    }

    /// Rows in all: those held as cells and those of the text body.
    pub fn height(&self) -> usize {
        self.rows.len() + self.body.as_ref().map_or(0, |b| b.height)
    }

    /// The text of a text cell (`None` for an empty cell or one of another kind).
    #[inline]
    pub fn text(&self, i: usize, j: usize) -> Option<&str> {
        match self.rows.get(i) {
            Some(row) => match row.get(j) {
                Some(Cell::Text(t)) => Some(t.as_str()),
                _ => None,
            },
            None => self.body.as_ref()?.text(i - self.rows.len(), j),
        }
    }

    /// Rows `rows` that are not blank, told apart by their first cell that is not empty:
    /// (those where it is text that `totals` accepts, the others), each in order. A text
    /// body is looked through on all cores.
    pub fn split_rows(
        &self,
        rows: std::ops::Range<usize>,
        totals: impl Fn(&str) -> bool + Sync,
    ) -> (Vec<usize>, Vec<usize>) {
        let (mut t, mut d) = (Vec::new(), Vec::new());
        let n = self.rows.len();
        for i in rows.start..rows.end.min(n) {
            match self.rows[i].iter().find(|c| !c.is_empty()) {
                None => {}
                Some(Cell::Text(text)) if totals(text) => t.push(i),
                Some(_) => d.push(i),
            }
        }
        if let Some(body) = self.body.as_ref().filter(|_| rows.end > n) {
            let (bt, bd) = body.split_rows(rows.start.saturating_sub(n)..rows.end - n, totals);
            t.extend(bt.into_iter().map(|k| n + k));
            d.extend(bd.into_iter().map(|k| n + k));
        }
        (t, d)
    }

    /// The first row from `from` on whose text in column `j` (`None` for a cell that is
    /// empty or not text) satisfies `found`; a text body is looked through on all cores.
    pub fn find_down(
        &self,
        j: usize,
        from: usize,
        found: impl Fn(usize, Option<&str>) -> bool + Sync,
    ) -> Option<usize> {
        fn text(row: &[Cell], j: usize) -> Option<&str> {
            match row.get(j) {
                Some(Cell::Text(t)) => Some(t.as_str()),
                _ => None,
            }
        }
        if let Some(i) = (from..self.rows.len()).find(|&i| found(i, text(&self.rows[i], j))) {
            return Some(i);
        }
        let body = self.body.as_ref()?;
        let n = self.rows.len();
        body.find_down(j, from.saturating_sub(n), |k, t| found(n + k, t)).map(|k| n + k)
    }

    /// Row number as shown in Excel (1-based) of `rows[i]`.
    pub fn row_number(&self, i: usize) -> u32 {
        self.first_row + i as u32
    }

    /// Column letter(s) as shown in Excel of `row[j]`.
    pub fn column_letter(&self, j: usize) -> String {
        column_letter(self.first_col as usize + j)
    }

    /// The cell at row `i`, column `j` (empty outside the grid).
    pub fn cell(&self, i: usize, j: usize) -> std::borrow::Cow<'_, Cell> {
        use std::borrow::Cow;
        match self.rows.get(i) {
            Some(row) => Cow::Borrowed(row.get(j).unwrap_or(&Cell::Empty)),
            None => match self.body.as_ref().and_then(|b| b.text(i - self.rows.len(), j)) {
                Some(t) => Cow::Owned(Cell::Text(t.into())),
                None => Cow::Borrowed(&Cell::Empty),
            },
        }
    }

    /// The same grid with its text body made into rows of cells (for tests comparing the
    /// column-by-column conversion with the row-by-row one).
    #[cfg(test)]
    pub(crate) fn into_cells(mut self) -> Grid {
        let height = self.height();
        let start = self.rows.len();
        let rows: Vec<Vec<Cell>> = (start..height).map(|i| self.row(i).into_owned()).collect();
        self.rows.extend(rows);
        self.body = None;
        self
    }

    /// Row `i` as cells (a text body's row is made into cells for the asking).
    pub fn row(&self, i: usize) -> std::borrow::Cow<'_, [Cell]> {
        use std::borrow::Cow;
        match (self.rows.get(i), &self.body) {
            (Some(row), _) => Cow::Borrowed(row.as_slice()),
            (None, Some(body)) if i - self.rows.len() < body.height => {
                let b = i - self.rows.len();
                Cow::Owned(
                    (0..body.columns.len())
                        .map(|j| body.text(b, j).map_or(Cell::Empty, |t| Cell::Text(t.into())))
                        .collect(),
                )
            }
            _ => Cow::Borrowed(&[]),
        }
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
    Ok(Grid::of_rows(None, rows, DateSystem::Excel1900))
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
        Grid::of_rows(Some(sheet), self.rows, dates)
    }
}

/// Reads a workbook's visible sheets: a large `.xlsx` in two halves on both cores
/// ([`super::halves`]), whose grids are joined, else whole.
fn read_workbook(name: &str, format: Format, bytes: &[u8], limits: &Limits) -> Result<Vec<Grid>, IngestError> {
    // Cutting costs a little work (the shared strings are read by both halves): it pays only
    // when no other large workbook is being read at the same time to keep the other core busy.
    let _reading = LargeRead::start(bytes.len());
    if format == Format::Xlsx && _reading.alone() {
        // A cut workbook holds its worksheets inflated: not beyond 512 MB in all.
        let max = limits.max_uncompressed_mb.saturating_mul(1024 * 1024).min(512 << 20);
        if let Some((first, second)) = super::halves::halves(bytes, super::halves::CUT_BYTES, max) {
            // A half that fails or panics leaves the workbook to be read whole, so that its
            // message is that of the whole.
            let half = |bytes: &[u8]| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    read_workbook_whole(name, format, bytes, limits)
                }))
                .ok()
                .and_then(Result::ok)
            };
            let (a, b) = rayon::join(|| half(&first), || half(&second));
            if let Some(joined) = a.zip(b).and_then(|(a, b)| join_halves(a, b, limits)) {
                return Ok(joined);
            }
        }
    }
    read_workbook_whole(name, format, bytes, limits)
}

/// Large workbooks being read at this moment, in any thread.
static LARGE_READS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Large workbooks a batch said it is about to read and that have not started yet.
static LARGE_PENDING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Whether a file counts as a large workbook for [`expect_large_workbooks`]: a zip (as
/// `.xlsx`, `.xlsm` and `.ods` are) of at least a megabyte.
fn is_large_workbook(path: &std::path::Path) -> bool {
    use std::io::Read;
    let large = std::fs::metadata(path).is_ok_and(|m| m.len() >= LargeRead::BYTES as u64);
    let mut head = [0u8; 4];
    large && std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && head == *b"PK\x03\x04"
}

/// Says that `files` are about to be read in parallel, until the guard is dropped: while
/// another large workbook among them is still to come, none is cut in halves (the files
/// themselves keep the cores busy, and cutting costs a little work). Only a hint for speed:
/// a workbook read whole or in halves gives the same grids.
pub fn expect_large_workbooks<'a>(files: impl IntoIterator<Item = &'a std::path::Path>) -> ExpectedLarge {
    let n = files.into_iter().filter(|f| is_large_workbook(f)).count();
    LARGE_PENDING.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
    ExpectedLarge
}

/// See [`expect_large_workbooks`].
pub struct ExpectedLarge;

impl Drop for ExpectedLarge {
    fn drop(&mut self) {
        LARGE_PENDING.store(0, std::sync::atomic::Ordering::SeqCst);
    }
}

/// One read of a workbook counted in [`LARGE_READS`] while it lasts (if it is large).
struct LargeRead {
    counted: bool,
    others: usize,
}

impl LargeRead {
    /// Workbooks of at least this many bytes count as large.
    const BYTES: usize = 1 << 20;

    fn start(bytes: usize) -> LargeRead {
        use std::sync::atomic::Ordering;
        let counted = bytes >= Self::BYTES;
        let mut others = 0;
        if counted {
            others = LARGE_READS.fetch_add(1, Ordering::SeqCst);
            // This one has started: one fewer to come; any left will keep the cores busy.
            let left = LARGE_PENDING.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |p| p.checked_sub(1));
            others += left.map_or(0, |before| before - 1);
        }
        LargeRead { counted, others }
    }

    /// No other large workbook was being read when this one started, nor is one still to
    /// come in its batch, and there is a second thread to read the other half.
    fn alone(&self) -> bool {
        self.others == 0 && rayon::current_num_threads() > 1
    }
}

impl Drop for LargeRead {
    fn drop(&mut self) {
        if self.counted {
            LARGE_READS.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// The grids of a workbook's two halves as one: the first half's rows, then the second's.
/// `None` (read the workbook whole) when the halves do not fit together as rows in order,
/// or hold more cells together than the limit.
pub(super) fn join_halves(first: Vec<Grid>, second: Vec<Grid>, limits: &Limits) -> Option<Vec<Grid>> {
    if first.len() != second.len() {
        return None;
    }
    let mut out = Vec::with_capacity(first.len());
    let mut cells = 0usize;
    for (a, b) in first.into_iter().zip(second) {
        if a.sheet != b.sheet || a.dates != b.dates {
            return None;
        }
        let mut rows = b.rows;
        if rows.len() <= a.rows.len() {
            if rows.iter().any(|r| !r.is_empty()) {
                return None;
            }
            rows = a.rows;
        } else {
            // The second half's rows before the cut must be empty: rows come in order.
            if rows[..a.rows.len()].iter().any(|r| !r.is_empty()) {
                return None;
            }
            for (slot, row) in rows.iter_mut().zip(a.rows) {
                *slot = row;
            }
        }
        cells += rows.iter().map(|r| r.len() + 1).sum::<usize>();
        out.push(Grid { rows, ..a });
    }
    (cells <= limits.max_cells).then_some(out)
}

pub(super) fn read_workbook_whole(
    name: &str,
    format: Format,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Vec<Grid>, IngestError> {
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
    Grid::of_rows(None, rows, DateSystem::Excel1900)
}

/// Fields on one line of delimited text, counted without allocating (quotes honoured).
fn count_fields(line: &str, delim: u8) -> usize {
    // Most lines hold no quote: their delimiters are counted in one vectorised pass.
    if !line.as_bytes().contains(&b'"') {
        return 1 + line.bytes().filter(|b| *b == delim).count();
    }
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

/// Pieces of a text of about `size` bytes, each ending just after a line end (the last
/// where the text ends), so that every line lies within one piece.
fn pieces_at_line_ends(text: &str, size: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while rest.len() > size {
        match rest.as_bytes()[size..].iter().position(|b| *b == b'\n') {
            Some(at) => {
                let (piece, tail) = rest.split_at(size + at + 1);
                out.push(piece);
                rest = tail;
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

/// The widest line of a table (in fields), within the limits on line length, fields per line,
/// cells of the whole table and time; else why not, naming the line (numbered from
/// `first_line`). Measured in pieces on all cores; the first fault in the file is the one
/// named.
fn table_width(table: &str, delim: u8, first_line: usize, limits: &Limits) -> Result<usize, Unreadable> {
    table_width_in_pieces(table, delim, first_line, limits, 4 << 20)
}

fn table_width_in_pieces(
    table: &str,
    delim: u8,
    first_line: usize,
    limits: &Limits,
    piece: usize,
) -> Result<usize, Unreadable> {
    use rayon::prelude::*;
    enum Fault {
        Long(usize),
        Wide(usize),
        Slow,
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(limits.max_file_seconds);
    // Per piece: its widest line and its lines, or the first fault and the lines before it.
    let measured: Vec<Result<(usize, usize), (usize, Fault)>> = pieces_at_line_ends(table, piece)
        .par_iter()
        .map(|piece| {
            let (mut width, mut lines) = (1usize, 0usize);
            for (i, line) in piece.lines().enumerate() {
                if line.len() > limits.max_line_kb * 1024 {
                    return Err((i, Fault::Long(line.len())));
                }
                let fields = count_fields(line, delim);
                if fields > limits.max_columns {
                    return Err((i, Fault::Wide(fields)));
                }
                width = width.max(fields);
                lines += 1;
                if i % 65_536 == 0 && std::time::Instant::now() > deadline {
                    return Err((i, Fault::Slow));
                }
            }
            Ok((width, lines))
        })
        .collect();
    let (mut width, mut lines) = (1usize, 0usize);
    for m in measured {
        match m {
            Ok((w, l)) => {
                width = width.max(w);
                lines += l;
            }
            Err((i, fault)) => {
                let n = first_line + lines + i;
                return Err(match fault {
                    Fault::Long(len) => Unreadable::Refused(format!(
                        "line {n} is {:.1} MB long, more than the limit of {} KB a line (limits.max_line_kb in scorecard.toml)",
                        len as f64 / 1024.0 / 1024.0,
                        limits.max_line_kb
                    )),
                    Fault::Wide(fields) => Unreadable::Refused(format!(
                        "line {n} has {fields} fields, more than the limit of {} (limits.max_columns in scorecard.toml)",
                        limits.max_columns
                    )),
                    Fault::Slow => Unreadable::TooSlow { seconds: limits.max_file_seconds },
                });
            }
        }
    }
    // Every line is read as wide as the widest: that is what the table will hold.
    Budget::new(limits).take(width.saturating_mul(lines))?;
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
    // The lines above the table and its header (one line, or a group heading above labels),
    // found as the layout step finds them, so that polars parses the table from the line
    // below the header on.
    let mut top = Vec::new();
    let mut ends = Vec::new();
    let mut offset = 0usize;
    for line in text.split_inclusive('\n').take(super::layout::HEADER_SEARCH_ROWS) {
        top.push(
            split_line(line.trim_end_matches(['\r', '\n']), delim as char)
                .into_iter()
                .map(|s| if s.trim().is_empty() { Cell::Empty } else { Cell::Text(s.into()) })
                .collect(),
        );
        offset += line.len();
        ends.push(offset);
    }
    let mut grid = Grid::of_rows(None, top, DateSystem::Excel1900);
    // No header: the layout step's message names the lines that came closest.
    let Some(header_line) = super::layout::header_row(&grid, source) else { return Ok(grid) };
    grid.rows.truncate(header_line + 1);
    let offset = ends[header_line];
    if text[offset..].trim().is_empty() {
        return Ok(grid);
    }
    // Lines may have more fields than the header (ragged exports): read every field of the
    // widest line as text, so nothing is cut off.
    let width = table_width(&text[offset..], delim, header_line + 2, limits)
        .map_err(|e| IngestError::new(name, e))?
        .max(grid.rows[header_line].len());
    let table = &text.as_bytes()[offset..];
    let schema: Schema = (1..=width).map(|i| Field::new(format!("column_{i}").into(), DataType::String)).collect();
    let df = CsvReadOptions::default()
        .with_has_header(false)
        .with_schema(Some(std::sync::Arc::new(schema)))
        .map_parse_options(|o| o.with_separator(delim).with_missing_is_null(true))
        .into_reader_with_file_handle(Cursor::new(table))
        .finish()
        .map_err(|_| {
            // In the project's words, not the library's: which line, and what to do.
            let at = bad_line(&text.as_bytes()[offset..], delim, width, header_line + 2)
                .map(|l| format!("line {l}"))
                .unwrap_or_else(|| format!("a line below line {}", header_line + 1));
            IngestError::new(name, Unreadable::Refused(format!(
                "{at} cannot be read as delimited text (a quote opened and never closed, or more fields than the other lines); correct that line or export the report again"
            )))
        })?;
    let height = df.height();
    let columns =
        df.into_columns().into_iter().map(|c| c.str().cloned()).collect::<PolarsResult<Vec<_>>>().map_err(|e| {
            IngestError::new(name, Unreadable::Refused(format!("the table could not be read as text ({e})")))
        })?;
    grid.body = Some(TextBody { columns, height });
    Ok(grid)
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
    fn pieces_end_at_line_ends_and_faults_are_numbered_across_them() {
        let text: String = (0..1000).map(|i| format!("a,{i}\n")).collect();
        let pieces = pieces_at_line_ends(&text, 100);
        assert!(pieces.len() > 10);
        assert_eq!(pieces.concat(), text);
        assert!(pieces.iter().all(|p| p.ends_with('\n')));
        // The first over-wide line is named by its number in the file, whichever piece it is in.
        let limits = Limits { max_columns: 3, ..Limits::default() };
        let mut wide = text.clone();
        wide.push_str("a,b,c,d\n");
        let e = table_width_in_pieces(&wide, b',', 5, &limits, 100).unwrap_err();
        assert!(e.to_string().starts_with("line 1005 has 4 fields"), "{e}");
        wide.insert_str(4000, "x,y,z,w\n");
        let e = table_width_in_pieces(&wide, b',', 5, &limits, 100).unwrap_err();
        let line = 5 + wide[..4000].matches('\n').count();
        assert!(e.to_string().starts_with(&format!("line {line} has 4 fields")), "{e}");
        assert_eq!(table_width_in_pieces(&text, b',', 1, &limits, 100).unwrap(), 2);
    }

    #[test]
    fn delimiter_and_quotes() {
        assert_eq!(detect_delimiter("a;b;c\n1;2;3\n"), b';');
        assert_eq!(detect_delimiter("a\tb\n"), b'\t');
        assert_eq!(split_line(r#"x,"1,234.50","say ""hi""""#, ','), vec!["x", "1,234.50", r#"say "hi""#]);
    }
}
