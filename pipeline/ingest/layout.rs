//! Finding the table inside a report-shaped sheet: the header row below any title rows, the
//! column of every field, the data rows, the totals and notes rows kept aside, and the
//! extract's as-at date.

use super::{normalise_header, Cell, Grid, IngestError};
use crate::config::SourceDef;
use chrono::{Datelike, NaiveDate};

/// How many rows from the top are searched for the header.
pub const HEADER_SEARCH_ROWS: usize = 30;

/// Where the table is in a grid.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Index into `grid.rows` of the header row.
    pub header_row: usize,
    /// For each column definition (same order as the source's `column` list), the index of
    /// its cell in a row, or `None` if an optional column is absent.
    pub columns: Vec<Option<usize>>,
    /// Indexes of rows holding data.
    pub data_rows: Vec<usize>,
    /// Indexes of totals rows (first non-empty cell starts with "Total").
    pub totals_rows: Vec<usize>,
    /// Indexes of trailing notes rows (a single text cell after the data).
    pub notes_rows: Vec<usize>,
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

/// Finds the header row and the data, totals and notes rows of a grid.
pub fn find_layout(grid: &Grid, source: &SourceDef) -> Result<Layout, IngestError> {
    let names = column_names(source);
    let header_row =
        grid.rows.iter().take(HEADER_SEARCH_ROWS).position(|r| is_header_row(r, source)).ok_or_else(|| {
            let required: Vec<String> = source
                .column
                .iter()
                .filter(|c| c.required)
                .map(|c| format!("'{}'", c.headers.first().unwrap_or(&c.field)))
                .collect();
            let missing = best_partial_match(grid, source);
            IngestError(format!(
                "{}no header row found in the first {HEADER_SEARCH_ROWS} rows: expected a row with the columns {}{}",
                grid.sheet.as_ref().map(|s| format!("sheet '{s}': ")).unwrap_or_default(),
                required.join(", "),
                missing
            ))
        })?;
    let header = &grid.rows[header_row];
    let columns: Vec<Option<usize>> =
        names.iter().map(|(_, n)| header.iter().position(|c| header_matches(c, n))).collect();

    let mut data_rows = Vec::new();
    let mut totals_rows = Vec::new();
    for i in header_row + 1..grid.rows.len() {
        let row = &grid.rows[i];
        let first = row.iter().find(|c| !c.is_empty());
        match first {
            None => continue,
            Some(Cell::Text(t))
                if normalise_header(t).starts_with("total") || normalise_header(t).starts_with("grandtotal") =>
            {
                totals_rows.push(i)
            }
            Some(_) => data_rows.push(i),
        }
    }
    // Trailing rows with a single text cell ("End of report", "Produced by ...") are notes.
    let mut notes_rows = Vec::new();
    while let Some(&last) = data_rows.last() {
        let non_empty: Vec<&Cell> = grid.rows[last].iter().filter(|c| !c.is_empty()).collect();
        if non_empty.len() == 1 && matches!(non_empty[0], Cell::Text(_)) && source.column.len() > 1 {
            notes_rows.insert(0, data_rows.pop().expect("non-empty"));
        } else {
            break;
        }
    }
    Ok(Layout { header_row, columns, data_rows, totals_rows, notes_rows })
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
