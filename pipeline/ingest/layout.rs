//! Finding the table inside a report-shaped sheet: the header row below any title rows, the
//! column of every field, the data rows, the totals and notes rows kept aside, and the
//! extract's as-at date.

use super::{Cell, Grid, Unreadable};
use crate::common::{normalise_header, normalised, normalised_starts_with};
use crate::config::SourceDef;
use chrono::{Datelike, NaiveDate};

/// How many rows from the top are searched for the header.
pub const HEADER_SEARCH_ROWS: usize = 30;

/// Where the table is in a grid.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Index into `grid.rows` of the header row (the lower one of a two-row header).
    pub header_row: usize,
    /// The header text of every cell of the header row, as matched (for a two-row header,
    /// the group heading above and the label below, joined).
    pub header_text: Vec<String>,
    /// For each column definition (same order as the source's `column` list), the index of
    /// its cell in a row, or `None` if an optional column is absent.
    pub columns: Vec<Option<usize>>,
    /// Indexes of rows holding data.
    pub data_rows: Vec<usize>,
    /// Indexes of totals rows (first non-empty cell starts with "Total").
    pub totals_rows: Vec<usize>,
    /// Indexes of trailing notes rows (a single text cell after the data).
    pub notes_rows: Vec<usize>,
    /// Fields whose header appears more than once in the header row, with the positions of
    /// every cell heading it (which one holds the field cannot be told).
    pub ambiguous: Vec<(String, Vec<usize>)>,
}

fn header_matches(cell: &Cell, names: &[String]) -> bool {
    match cell {
        Cell::Text(t) => names.contains(&normalise_header(t)),
        _ => false,
    }
}

fn column_names(source: &SourceDef) -> Vec<(bool, Vec<String>)> {
    source.column.iter().map(|c| (c.required, c.header_names().map(normalise_header).collect())).collect()
}

/// True if a row holds a header for every required column of the source.
pub fn is_header_row(row: &[Cell], source: &SourceDef) -> bool {
    column_names(source)
        .iter()
        .filter(|(required, _)| *required)
        .all(|(_, names)| row.iter().any(|c| header_matches(c, names)))
}

/// The header row: the first row holding every required column; failing that, the first
/// pair of rows that does once joined (a group heading merged across several columns above
/// labels such as years). Gives the index of the (lower) header row and its cells.
fn find_header(grid: &Grid, source: &SourceDef) -> Option<(usize, Vec<Cell>)> {
    let rows = &grid.rows[..grid.rows.len().min(HEADER_SEARCH_ROWS)];
    if let Some(i) = rows.iter().position(|r| is_header_row(r, source)) {
        return Some((i, rows[i].clone()));
    }
    (0..rows.len().saturating_sub(1)).find_map(|i| {
        let joined = join_header_rows(&rows[i], &rows[i + 1]);
        is_header_row(&joined, source).then_some((i + 1, joined))
    })
}

/// The index of the (lower) header row among a grid's first rows, if any.
pub(super) fn header_row(grid: &Grid, source: &SourceDef) -> Option<usize> {
    find_header(grid, source).map(|(i, _)| i)
}

/// Joins a group-heading row with the label row below it. A merged heading holds its text in
/// its first cell only, so it is carried right over empty cells that have a label below.
fn join_header_rows(upper: &[Cell], lower: &[Cell]) -> Vec<Cell> {
    let width = upper.len().max(lower.len());
    let text = |row: &[Cell], j: usize| row.get(j).filter(|c| !c.is_empty()).map(Cell::display);
    let mut carried: Option<String> = None;
    (0..width)
        .map(|j| {
            let below = text(lower, j);
            let above = match text(upper, j) {
                Some(t) => {
                    carried = Some(t.clone());
                    Some(t)
                }
                None if below.is_some() => carried.clone(),
                None => {
                    carried = None;
                    None
                }
            };
            match (above, below) {
                (Some(a), Some(b)) => Cell::Text(format!("{} {}", a.trim(), b.trim()).into()),
                (Some(a), None) => Cell::Text(a.into()),
                (None, Some(b)) => Cell::Text(b.into()),
                (None, None) => Cell::Empty,
            }
        })
        .collect()
}

/// "Total", "Totals", "Grand total", "TOTAL:" ... without allocating for every data row.
fn is_totals_label(t: &str) -> bool {
    normalised_starts_with(t, "total") || normalised_starts_with(t, "grandtotal")
}

/// Where the table ends: the sheet's end, or a later row that repeats the start of the
/// header (a second table stacked below the first), whichever comes first.
fn block_end(grid: &Grid, header_row: usize, header_text: &[String]) -> usize {
    let header: Vec<(usize, String)> = header_text
        .iter()
        .enumerate()
        .map(|(j, h)| (j, normalise_header(h)))
        .filter(|(_, h)| !h.is_empty())
        .take(3)
        .collect();
    if header.len() < 2 {
        return grid.height();
    }
    // The cell repeats the header, or its start (a shortened header).
    let repeats = |t: Option<&str>, h: &str| match t {
        Some(t) => {
            let mut rest = h.chars();
            !t.trim().is_empty() && normalised(t).all(|c| rest.next() == Some(c))
        }
        None => false,
    };
    // Read down the first heading's column; the other headings are looked at where it repeats.
    let (j0, h0) = &header[0];
    grid.find_down(*j0, header_row + 1, |i, t| {
        repeats(t, h0) && header[1..].iter().all(|(j, h)| repeats(grid.text(i, *j), h))
    })
    .unwrap_or(grid.height())
}

/// Finds the header row and the data, totals and notes rows of a grid.
pub fn find_layout(grid: &Grid, source: &SourceDef) -> Result<Layout, Unreadable> {
    let names = column_names(source);
    let (header_row, header) = find_header(grid, source).ok_or_else(|| {
        let required: Vec<String> = source
            .column
            .iter()
            .filter(|c| c.required)
            .map(|c| format!("'{}'", c.headers.first().unwrap_or(&c.field)))
            .collect();
        let missing = best_partial_match(grid, source);
        Unreadable::Refused(format!(
            "{}no header row found in the first {HEADER_SEARCH_ROWS} rows: expected a row with the columns {}{}",
            grid.sheet.as_ref().map(|s| format!("sheet '{s}': ")).unwrap_or_default(),
            required.join(", "),
            missing
        ))
    })?;
    let columns: Vec<Option<usize>> =
        names.iter().map(|(_, n)| header.iter().position(|c| header_matches(c, n))).collect();
    let ambiguous: Vec<(String, Vec<usize>)> = names
        .iter()
        .zip(&source.column)
        .map(|((_, n), c)| {
            let at: Vec<usize> =
                header.iter().enumerate().filter(|(_, cell)| header_matches(cell, n)).map(|(j, _)| j).collect();
            (c.field.clone(), at)
        })
        .filter(|(_, at)| at.len() > 1)
        .collect();
    let header_text: Vec<String> = header.iter().map(Cell::display).collect();

    let end = block_end(grid, header_row, &header_text);
    let (totals_rows, mut data_rows) = grid.split_rows(header_row + 1..end, is_totals_label);
    let mut notes_rows = Vec::new();
    // Trailing rows with a single text cell ("End of report", "Produced by ...", the title
    // of a table below) are notes.
    while let Some(&last) = data_rows.last() {
        let row = grid.row(last);
        let non_empty: Vec<&Cell> = row.iter().filter(|c| !c.is_empty()).collect();
        if non_empty.len() == 1 && matches!(non_empty[0], Cell::Text(_)) && source.column.len() > 1 {
            notes_rows.insert(0, data_rows.pop().expect("non-empty"));
        } else {
            break;
        }
    }
    notes_rows.extend(end..grid.height());
    Ok(Layout { header_row, header_text, columns, data_rows, totals_rows, notes_rows, ambiguous })
}

/// Names the required columns missing from the row that came closest to being the header.
fn best_partial_match(grid: &Grid, source: &SourceDef) -> String {
    let best = grid.rows.iter().take(HEADER_SEARCH_ROWS).enumerate().max_by_key(|(_, r)| {
        source
            .column
            .iter()
            .filter(|c| {
                let n: Vec<String> = c.header_names().map(normalise_header).collect();
                r.iter().any(|cell| header_matches(cell, &n))
            })
            .count()
    });
    match best {
        Some((i, r)) => {
            let missing: Vec<&str> = source
                .column
                .iter()
                .filter(|c| c.required)
                .filter(|c| {
                    let n: Vec<String> = c.header_names().map(normalise_header).collect();
                    !r.iter().any(|cell| header_matches(cell, &n))
                })
                .map(|c| c.field.as_str())
                .collect();
            if missing.len() < source.column.iter().filter(|c| c.required).count() {
                format!("; row {} comes closest but lacks {}", grid.row_number(i), missing.join(", "))
            } else {
                String::new()
            }
        }
        None => String::new(),
    }
}

/// The as-at date, from the title rows above the header or from the file name, in the
/// order the source definition gives.
pub fn find_as_at(grid: &Grid, layout: &Layout, file_name: &str, source: &SourceDef) -> Option<NaiveDate> {
    use crate::config::AsAtFrom;
    source.as_at.iter().find_map(|from| match from {
        AsAtFrom::Title => grid.rows[..layout.header_row].iter().flatten().find_map(|c| match c {
            Cell::Date(d) => Some(*d),
            Cell::Text(t) => find_date_in_text(t),
            _ => None,
        }),
        AsAtFrom::FileName => date_in_file_name(file_name),
        AsAtFrom::Column(field) => {
            let k = source.column.iter().position(|c| &c.field == field)?;
            let j = layout.columns.get(k).copied().flatten()?;
            layout
                .data_rows
                .iter()
                .filter_map(|&i| match &*grid.cell(i, j) {
                    Cell::Date(d) => Some(*d),
                    Cell::Text(t) => parse_date_text(t),
                    Cell::Number(n) => crate::periods::excel_serial_date(*n, grid.dates),
                    _ => None,
                })
                .max()
        }
    })
}

/// A date in a file name: `YYYYMMDD`, `YYYY-MM-DD` or `YYYY_MM_DD`; failing that, the end of
/// a financial quarter written like `Q4_2022-23`; failing that, the end of a financial year
/// written like `2023-24` (government tables name the period they cover, not a day).
fn date_in_file_name(name: &str) -> Option<NaiveDate> {
    use regex::Regex;
    use std::sync::LazyLock;
    static DAY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:^|\D)(20\d{2})[-_]?(\d{2})[-_]?(\d{2})(?:\D|$)").expect("valid regex"));
    static QUARTER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)Q([1-4])[ _-]?(20\d{2})[-_/](\d{2})(?:\D|$)").expect("valid regex"));
    static YEAR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:^|\D)(20\d{2})[-_/](\d{2})(?:\D|$)").expect("valid regex"));
    for c in DAY.captures_iter(name) {
        let (y, m, d) = (c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?);
        if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
            return Some(date);
        }
    }
    let next_year = |first: &str, second: &str| -> Option<i32> {
        let fy: i32 = first.parse().ok()?;
        let yy: i32 = second.parse().ok()?;
        ((fy + 1) % 100 == yy).then_some(fy)
    };
    if let Some(c) = QUARTER.captures(name) {
        if let Some(fy) = next_year(&c[2], &c[3]) {
            let q: u32 = c[1].parse().ok()?;
            return Some(crate::periods::Period::quarter(fy, q).end());
        }
    }
    for c in YEAR.captures_iter(name) {
        if let Some(fy) = next_year(&c[1], &c[2]) {
            return Some(crate::periods::Period::year(fy).end());
        }
    }
    None
}

/// Parses a whole cell as a date: day-first (`31/10/2025`, `31-10-2025`, `31.10.2025`),
/// ISO (`2025-10-31`, optionally with a time) or with a month name (`31 Oct 2025`,
/// `31 October 2025`).
pub fn parse_date_text(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let head = s.split(['T', ' ']).next().unwrap_or(s);
    // chrono reads "25" as the year 25 for %Y: only four-digit years count here.
    let plausible = |d: NaiveDate| (1900..=2200).contains(&d.year());
    for fmt in ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(head, fmt) {
            if plausible(d) {
                return Some(d);
            }
        }
    }
    // Two-digit years only with slashes (31/10/25).
    if let Ok(d) = NaiveDate::parse_from_str(head, "%d/%m/%y") {
        if head.len() <= 8 {
            return Some(d);
        }
    }
    for fmt in ["%d %b %Y", "%d %B %Y", "%d-%b-%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            if plausible(d) {
                return Some(d);
            }
        }
    }
    None
}

/// The first date inside free text such as "Report run on 31/10/2025 at 06:00".
pub fn find_date_in_text(text: &str) -> Option<NaiveDate> {
    let words: Vec<&str> = text.split_whitespace().map(|w| w.trim_matches([',', ':', '(', ')'])).collect();
    for i in 0..words.len() {
        if let Some(d) = parse_date_text(words[i]) {
            return Some(d);
        }
        if i + 2 < words.len() {
            if let Some(d) = parse_date_text(&words[i..i + 3].join(" ")) {
                return Some(d);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_body_is_laid_out_as_its_cells_are() {
        // Several pieces of rows: blank lines, rows whose first field is blank, totals rows
        // in later pieces, and a second table's header far down; read down the columns on
        // all cores and made into cells read row by row, the same rows of each kind.
        let dir = tempfile::tempdir().unwrap();
        let p = crate::testing::project(&dir.path().join("p"));
        let def = p.source("revenues").unwrap();
        let header = "Council,Tax Type,Account Reference,Liability Year,Net Collectable Debit,Amount Collected,Balance,Recovery Stage,Payment Method";
        let mut text = format!("Revenues accounts\nReport run on 31/10/2025\n{header}\n");
        for i in 0..200_000 {
            let line = match i {
                _ if i % 9_001 == 5 => String::new(),
                _ if i % 7_919 == 3 => ",Council Tax,CT0000001,2025/26,1,1,0,None,Cash".to_string(),
                70_000 | 140_001 => "Total,,,,100,50,50,,".to_string(),
                150_000 => "Grand total,,,,100,50,50,,".to_string(),
                196_608 => header.to_string(), // the first row of the fourth piece
                _ => format!("Breckland,Council Tax,CT{i:07},2025/26,100,50,50,None,Cash"),
            };
            text.push_str(&line);
            text.push('\n');
        }
        text.push_str("End of report\n");
        let raw = super::super::read_extract(
            &dir.path().join("revenues_20251031.csv"),
            text.as_bytes(),
            def,
            &p.settings.limits,
        )
        .unwrap();
        assert!(raw.grid.body.as_ref().is_some_and(|b| b.height > 3 * 65_536), "several pieces of rows");
        let cells = raw.grid.clone().into_cells();
        assert!(cells.body.is_none());
        let by_cells = find_layout(&cells, def).unwrap();
        let l = &raw.layout;
        assert_eq!(l.totals_rows, by_cells.totals_rows);
        assert_eq!(l.data_rows, by_cells.data_rows);
        assert_eq!(l.notes_rows, by_cells.notes_rows);
        assert_eq!(l.totals_rows.len(), 3, "{:?}", l.totals_rows);
        assert_eq!(l.notes_rows.first(), Some(&(l.header_row + 1 + 196_608)), "the second table starts the notes");
        assert!(l.data_rows.len() > 190_000 && l.data_rows.len() < 196_608, "{}", l.data_rows.len());
    }

    #[test]
    fn as_at_from_a_column() {
        let src: SourceDef = toml::from_str(
            "id = 'x'\nname = 'x'\nkind = 'snapshot'\nfile_patterns = ['*']\nas_at = ['column:run_date']\n\
             [[column]]\nfield = 'a'\ntype = 'text'\nrequired = true\n[[column]]\nfield = 'run_date'\ntype = 'date'\n",
        )
        .unwrap();
        let t = |s: &str| Cell::Text(s.into());
        let grid = Grid::of_rows(
            None,
            vec![vec![t("a"), t("Run Date")], vec![t("1"), t("30/10/2025")], vec![t("2"), t("31/10/2025")]],
            Default::default(),
        );
        let layout = find_layout(&grid, &src).unwrap();
        assert_eq!(find_as_at(&grid, &layout, "x.csv", &src), NaiveDate::from_ymd_opt(2025, 10, 31));
        let bad: Result<SourceDef, _> = toml::from_str(
            "id = 'x'\nname = 'x'\nkind = 'snapshot'\nfile_patterns = ['*']\nas_at = ['colum:x']\ncolumn = []",
        );
        assert!(bad.unwrap_err().to_string().contains("column:<field>"));
    }

    #[test]
    fn two_row_header_with_merged_group_headings() {
        let t = |s: &str| if s.is_empty() { Cell::Empty } else { Cell::Text(s.into()) };
        let upper = vec![t("Ecode"), t("Authority"), t(""), t("Requirement"), t(""), t("Precepts"), t("")];
        let lower = vec![t(""), t(""), t(""), t("2021-22"), t("2022-23"), t("2021-22"), t("2022-23")];
        let joined: Vec<String> = join_header_rows(&upper, &lower).iter().map(Cell::display).collect();
        assert_eq!(
            joined,
            [
                "Ecode",
                "Authority",
                "",
                "Requirement 2021-22",
                "Requirement 2022-23",
                "Precepts 2021-22",
                "Precepts 2022-23"
            ]
        );
    }

    #[test]
    fn dates_in_text_and_names() {
        let d = NaiveDate::from_ymd_opt(2025, 10, 31).unwrap();
        assert_eq!(find_date_in_text("Report run on 31/10/2025 at 06:00"), Some(d));
        assert_eq!(find_date_in_text("As at 31 October 2025"), Some(d));
        assert_eq!(find_date_in_text("Council Tax accounts"), None);
        assert_eq!(date_in_file_name("revenues_20251031.xlsx"), Some(d));
        assert_eq!(date_in_file_name("hr-2025-10-31.csv"), Some(d));
        assert_eq!(date_in_file_name("report1.xlsx"), None);
        assert_eq!(date_in_file_name("CT_Receipts_Live_Table_Q4_2022-23.xlsx").unwrap().to_string(), "2023-03-31");
        assert_eq!(date_in_file_name("CTR_Table_9_2023-24 (10).ods").unwrap().to_string(), "2024-03-31");
        assert_eq!(date_in_file_name("returns q2 2025-26.csv").unwrap().to_string(), "2025-09-30");
        assert_eq!(date_in_file_name("budget 2023-25.xlsx"), None, "not a financial year");
        assert_eq!(parse_date_text("2025-10-31T00:00:00"), Some(d));
        assert_eq!(parse_date_text("31/10/25"), Some(d));
        assert_eq!(parse_date_text("31/13/2025"), None);
    }
}
