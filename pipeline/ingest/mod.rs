//! Ingest: from the drop folder to raw grids of cells, matched to a source definition.
//!
//! Takes the drop folder and the project's source definitions; gives, for every entry in the
//! folder, either a [`RawExtract`] (file bytes' SHA-256, the source it matched, the grid of
//! cells, the header row found and the as-at date) or a reason it was skipped or rejected.
//! Workbooks (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`) are read with calamine, text files
//! (`.csv`, `.tsv`, `.txt`) with polars' multi-threaded CSV reader (the lines down to the
//! header become cells; the table below stays in polars' text columns, a [`TextBody`], and is
//! converted column by column by the check step), and the markup older systems save with
//! an `.xls` name (an HTML table, an Excel 2003 XML spreadsheet) by [`markup`]. Nothing here
//! moves or changes a file.

mod discover;
mod grid;
mod halves;
mod layout;
mod markup;
mod sniff;

pub use discover::{discover, Entry, EntryKind};
pub use grid::{column_letter, decode_text, read_grid, read_reference, Cell, DateSystem, Grid, TextBody};
pub use grid::{expect_large_workbooks, ExpectedLarge};
pub use layout::{find_as_at, find_layout, parse_date_text, Layout, HEADER_SEARCH_ROWS};
pub use sniff::{sniff, Format};

use crate::config::{Limits, SourceDef};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

/// An extract read from the drop folder, not yet checked.
#[derive(Debug)]
pub struct RawExtract {
    pub path: PathBuf,
    pub file_name: String,
    pub sha256: String,
    pub source_id: String,
    pub grid: Grid,
    pub layout: Layout,
    pub as_at: NaiveDate,
}

/// Why a file could not be read as an extract, and where: the file (and the sheet, where
/// one sheet is at fault) is added once, by the function that knows it; the reason is the
/// part the clerk acts on.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{file}{}: {why}", sheet.as_ref().map(|s| format!(", sheet '{s}'")).unwrap_or_default())]
pub struct IngestError {
    pub file: String,
    pub sheet: Option<String>,
    pub why: Unreadable,
}

impl IngestError {
    pub fn new(file: &str, why: Unreadable) -> IngestError {
        IngestError { file: file.to_string(), sheet: None, why }
    }

    pub fn in_sheet(file: &str, sheet: &str, why: Unreadable) -> IngestError {
        IngestError { file: file.to_string(), sheet: Some(sheet.to_string()), why }
    }
}

/// What made a file unreadable, in the clerk's words. The limits of the hostile-input work
/// are variants of their own (each names its setting in `scorecard.toml`); the other
/// reasons are sentences written where the fault is found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Unreadable {
    #[error(
        "the file holds more than the limit of {limit} cells over all its sheets (limits.max_cells in scorecard.toml)"
    )]
    TooManyCells { limit: usize },
    #[error("reading the file took more than the limit of {seconds} s (limits.max_file_seconds in scorecard.toml)")]
    TooSlow { seconds: u64 },
    #[error("a cell lies outside Excel's grid (row {row}, column {col})")]
    OutsideGrid { row: usize, col: usize },
    #[error("the file is empty")]
    Empty,
    #[error("{0}")]
    Refused(String),
}

pub use crate::common::sha256_hex;

/// The source definitions whose file patterns match a file name.
pub fn recognise<'a>(file_name: &str, sources: &'a [SourceDef]) -> Vec<&'a SourceDef> {
    sources.iter().filter(|s| s.matches_file_name(file_name)).collect()
}

/// Which source a file is, by file name and, failing that or to choose between several
/// names, by which source's header row it holds. Errors say why none or several matched.
pub fn identify<'a>(
    path: &Path,
    bytes: &[u8],
    sources: &'a [SourceDef],
    limits: &Limits,
) -> Result<&'a SourceDef, IngestError> {
    identify_reading(path, bytes, sources, limits).map(|(s, _)| s)
}

/// [`identify`], giving also a workbook's sheets when they had to be read to recognise it (so
/// that [`read_extract_from`] does not read them again). A file is read once, whatever the
/// number of source definitions: a workbook's sheets are the same for every source, and a
/// text file's header is looked for in its first lines only.
pub fn identify_reading<'a>(
    path: &Path,
    bytes: &[u8],
    sources: &'a [SourceDef],
    limits: &Limits,
) -> Result<(&'a SourceDef, Option<Vec<Grid>>), IngestError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let by_name = recognise(&name, sources);
    if let [one] = by_name.as_slice() {
        return Ok((one, None));
    }
    let candidates: Vec<&SourceDef> = if by_name.is_empty() { sources.iter().collect() } else { by_name.clone() };
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let cannot_read = |e: IngestError| {
        if by_name.is_empty() {
            let sheet = e.sheet.map(|s| format!("sheet '{s}': ")).unwrap_or_default();
            IngestError::new(
                &name,
                Unreadable::Refused(format!(
                    "the file name matches no source definition ({}), and the file could not be read to recognise it by its header: {sheet}{}",
                    patterns(sources),
                    e.why
                )),
            )
        } else {
            e
        }
    };
    let (grids, kept) = match sniff(&name, &ext, bytes, limits).map_err(cannot_read)? {
        Format::Text => (vec![grid::first_lines(bytes)], false),
        _ => (read_grid(path, bytes, candidates[0], limits).map_err(cannot_read)?, true),
    };
    let by_header: Vec<&SourceDef> =
        candidates.iter().copied().filter(|s| grids.iter().any(|g| find_layout(g, s).is_ok())).collect();
    let ids = |v: &[&SourceDef]| v.iter().map(|s| s.id()).collect::<Vec<_>>().join(", ");
    let chosen = match (by_name.len(), by_header.as_slice()) {
        (_, [one]) => Ok((*one, kept.then_some(grids))),
        (0, []) => Err(format!(
            "matches no source definition: the file name fits none of the patterns ({}) and no source's header row was found in it",
            patterns(sources)
        )),
        (0, many) => Err(format!(
            "the file name matches no source definition and its header fits more than one ({}); rename it to match one source's file_patterns",
            ids(many)
        )),
        (_, _) => Err(format!(
            "the file name matches more than one source definition ({}) and the header row does not settle which; rename the file or narrow file_patterns",
            ids(&by_name)
        )),
    };
    chosen.map_err(|why| IngestError::new(&name, Unreadable::Refused(why)))
}

/// Where a source looks for its as-at date, in words.
fn describe_as_at(source: &SourceDef) -> String {
    use crate::config::AsAtFrom;
    source
        .as_at
        .iter()
        .map(|a| match a {
            AsAtFrom::Title => "looked for a date such as 'Report run on 31/10/2025' above the header".to_string(),
            AsAtFrom::FileName => "looked for a date in the file name".to_string(),
            AsAtFrom::Column(c) => format!("looked for dates in column {c}"),
        })
        .collect::<Vec<_>>()
        .join(", then ")
}

fn patterns(sources: &[SourceDef]) -> String {
    sources.iter().map(|s| format!("{}: {}", s.id(), s.file_patterns.join(", "))).collect::<Vec<_>>().join("; ")
}

/// Reads one file as an extract of `source`: grid, header row and as-at date.
pub fn read_extract(path: &Path, bytes: &[u8], source: &SourceDef, limits: &Limits) -> Result<RawExtract, IngestError> {
    read_extract_from(path, bytes, source, limits, None)
}

/// [`read_extract`], from a workbook's sheets already read by [`identify_reading`], if any.
pub fn read_extract_from(
    path: &Path,
    bytes: &[u8],
    source: &SourceDef,
    limits: &Limits,
    read: Option<Vec<Grid>>,
) -> Result<RawExtract, IngestError> {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // The file's fingerprint is computed on the other core while the sheet is parsed.
    let (grids, sha256) = match read {
        Some(grids) => (Ok(grids), sha256_hex(bytes)),
        None => rayon::join(|| read_grid(path, bytes, source, limits), || sha256_hex(bytes)),
    };
    // The first visible sheet holding the source's header row is the extract.
    let mut last_err = None;
    let (grid, layout) = grids?
        .into_iter()
        .find_map(|grid| match find_layout(&grid, source) {
            Ok(layout) => Some((grid, layout)),
            Err(e) => {
                last_err = Some(IngestError::new(&file_name, e));
                None
            }
        })
        .ok_or_else(|| {
            last_err.unwrap_or_else(|| {
                IngestError::new(&file_name, Unreadable::Refused("the file has no visible sheet with data".into()))
            })
        })?;
    if let Some((field, at)) = layout.ambiguous.first() {
        let cells: Vec<String> = at
            .iter()
            .map(|&j| format!("{} '{}'", grid.column_letter(j), layout.header_text.get(j).cloned().unwrap_or_default()))
            .collect();
        return Err(IngestError {
            file: file_name,
            sheet: grid.sheet.clone(),
            why: Unreadable::Refused(format!(
                "the header row (row {}) has {} columns for {field} ({}), so which one holds it cannot be told; rename or remove all but one",
                grid.row_number(layout.header_row),
                at.len(),
                cells.join(", ")
            )),
        });
    }
    let as_at = find_as_at(&grid, &layout, &file_name, source).ok_or_else(|| {
        if let Some(far) = far_date_in_titles(&grid, &layout) {
            return IngestError::new(&file_name, Unreadable::Refused(format!(
                "the title gives the date {far}, which is too far from our time to be the date the extract was taken (years 1900 to 2200 are read); correct the date in the report's title or file name"
            )));
        }
        IngestError::new(&file_name, Unreadable::Refused(format!(
            "could not find the as-at date ({}); add the date to the file name, \
             for example {}_20251031{} (a day), ..._Q2_2025-26 (a quarter) or ..._2025-26 (a year)",
            describe_as_at(source),
            source.id(),
            path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default()
        )))
    })?;
    Ok(RawExtract {
        path: path.to_path_buf(),
        file_name,
        sha256,
        source_id: source.id().to_string(),
        grid,
        layout,
        as_at,
    })
}

/// A day-first date above the header whose year no extract could have (`31/12/9999`), as
/// written, so that the message can name it rather than say no date was found.
fn far_date_in_titles(grid: &Grid, layout: &Layout) -> Option<String> {
    use regex::Regex;
    use std::sync::LazyLock;
    static DATE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4,})\b").expect("valid regex"));
    grid.rows[..layout.header_row].iter().flatten().find_map(|c| match c {
        Cell::Text(t) => DATE.captures_iter(t).find_map(|m| {
            let year: u64 = m[3].parse().unwrap_or(u64::MAX);
            (!(1900..=2200).contains(&year)).then(|| m[0].to_string())
        }),
        _ => None,
    })
}

#[cfg(test)]
mod read_tests {
    use super::*;
    use crate::testing::project;

    #[test]
    fn csv_with_title_rows_bom_and_day_first_dates() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let source = p.source("benefits").unwrap();
        let text = "\u{feff}Benefits work items\r\nReport run on 31/10/2025\r\n\r\nCouncil,Claim Reference,Work Type,Date Received,Date Decided\r\n\
                    Fenland,\"A,1\",New Claim,01/10/2025,\r\nTotal items: 1\r\n";
        let path = dir.path().join("benefits_x.csv");
        let x = read_extract(&path, text.as_bytes(), source, &p.settings.limits).unwrap();
        assert_eq!(x.as_at, chrono::NaiveDate::from_ymd_opt(2025, 10, 31).unwrap());
        assert_eq!(x.layout.data_rows.len(), 1);
        assert_eq!(x.layout.notes_rows.len() + x.layout.totals_rows.len(), 1, "the 'Total items' line is set aside");
        assert_eq!(*x.grid.cell(x.layout.data_rows[0], 1), Cell::Text("A,1".into()));
        assert_eq!(x.grid.row_number(x.layout.header_row), 4);
    }

    /// A header of group headings over labels, on two lines: every line below it is data
    /// (the table is not cut at the rows searched for a header).
    #[test]
    fn csv_with_a_two_row_header_keeps_every_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let source = p.source("benefits").unwrap();
        let mut text =
            String::from("Report run on 31/10/2025\nCouncil,Claim,Work,Date,\n,Reference,Type,Received,Decided\n");
        for i in 0..50 {
            text.push_str(&format!("Fenland,A{i},New Claim,01/10/2025,\n"));
        }
        let x = read_extract(&dir.path().join("benefits_x.csv"), text.as_bytes(), source, &p.settings.limits).unwrap();
        assert_eq!(x.layout.header_row, 2);
        assert_eq!(x.layout.data_rows.len(), 50, "every line below the header");
        assert_eq!(*x.grid.cell(x.layout.data_rows[49], 1), Cell::Text("A49".into()));
    }

    #[test]
    fn text_limits_far_dates_duplicate_headers_and_bad_lines_in_our_own_words() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let source = p.source("benefits").unwrap();
        let read = |text: &str, limits: &Limits| {
            read_extract(&dir.path().join("benefits_x.csv"), text.as_bytes(), source, limits)
                .map(|_| ())
                .unwrap_err()
                .to_string()
        };
        let head = "Report run on 31/10/2025\r\nCouncil,Claim Reference,Work Type,Date Received,Date Decided\r\n";
        let limits = p.settings.limits.clone();
        // One line of 100,000 commas would pad every row to that width.
        let wide = format!("{head}Fenland,A1,New Claim,01/10/2025,\r\n{}\r\n", ",".repeat(100_000));
        let e = read(&wide, &limits);
        assert!(e.contains("line 4 has 100001 fields, more than the limit of 16384 (limits.max_columns"), "{e}");
        let long = format!("{head}Fenland,{},New Claim,01/10/2025,\r\n", "x".repeat(2 * 1024 * 1024));
        assert!(read(&long, &limits).contains("line 3 is 2.0 MB long, more than the limit of 1024 KB a line"));
        let small = Limits { max_cells: 20, ..limits.clone() };
        let rows: String = (0..10).map(|i| format!("Fenland,A{i},New Claim,01/10/2025,\r\n")).collect();
        assert!(read(&format!("{head}{rows}"), &small).contains("more than the limit of 20 cells"));
        // A quote never closed: the line is named, and no library's advice is passed on.
        let unclosed = format!("{head}Fenland,A1,New Claim,01/10/2025,\r\nFenland,\"A2,New Claim,01/10/2025,\r\n");
        let e = read(&unclosed, &limits);
        assert!(!e.contains("infer_schema_length") && !e.contains("truncate_ragged"), "{e}");
        assert!(e.contains("line 4 cannot be read as delimited text (a quote opened and never closed"), "{e}");
        // A date no extract could have is named as such.
        let far = head.replace("31/10/2025", "31/12/9999") + "Fenland,A1,New Claim,01/10/2025,\r\n";
        let e = read(&far, &limits);
        assert!(e.contains("the title gives the date 31/12/9999, which is too far from our time"), "{e}");
        // Two columns headed for one field: which holds it cannot be told.
        let twice = "Report run on 31/10/2025\r\nCouncil,Claim Reference,Work Type,Date Received,Date Decided,Date Received\r\nFenland,A1,New Claim,01/10/2025,,02/10/2025\r\n";
        let e = read(twice, &limits);
        assert!(e.contains("has 2 columns for date_received (D 'Date Received', F 'Date Received')"), "{e}");
    }

    #[test]
    fn workbook_with_header_below_title_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let source = p.source("hr_absence").unwrap();
        let mut wb = rust_xlsxwriter::Workbook::new();
        let hidden = wb.add_worksheet().set_name("Notes").unwrap();
        hidden.write_string(0, 0, "Employee Number").unwrap();
        hidden.set_hidden(true);
        let ws = wb.add_worksheet().set_name("Data").unwrap();
        ws.write_string(0, 0, "Sickness report").unwrap();
        for (j, h) in ["Employee Number", "First Day", "Last Day", "FTE Days Lost"].iter().enumerate() {
            ws.write_string(2, j as u16, *h).unwrap();
        }
        ws.write_string(3, 0, "E1").unwrap();
        let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 10, 1).unwrap();
        ws.write_datetime_with_format(3, 1, &d, &rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy")).unwrap();
        ws.write_number(3, 3, 1.5).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let path = dir.path().join("hr_absence_20251031.xlsx");
        let x = read_extract(&path, &bytes, source, &p.settings.limits).unwrap();
        assert_eq!(x.grid.sheet.as_deref(), Some("Data"), "hidden sheets are not read");
        assert_eq!(x.as_at.to_string(), "2025-10-31", "from the file name");
        assert_eq!(*x.grid.cell(3, 1), Cell::Date(chrono::NaiveDate::from_ymd_opt(2025, 10, 1).unwrap()));
        assert_eq!(x.layout.columns[2], Some(2), "Last Day matched by alias");
    }

    #[test]
    fn missing_header_says_what_was_expected() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let source = p.source("revenues").unwrap();
        let err = read_extract(
            &dir.path().join("revenues_20251031.csv"),
            b"Council,Balance\nFenland,1\n",
            source,
            &p.settings.limits,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("no header row")
                && err.to_string().contains("'Tax Type'")
                && err.to_string().contains("lacks tax_type"),
            "{}",
            err
        );
    }
}

#[cfg(test)]
mod date_system_tests {
    use super::*;
    use crate::testing::project;

    /// calamine's own test files: the same dates saved in the 1900 and 1904 date systems and
    /// in every workbook format. Skips when `../shared/data` is absent.
    #[test]
    fn dates_read_the_same_in_1900_and_1904_workbooks() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/tricky/calamine");
        if !dir.is_dir() {
            eprintln!("skipped: ../shared/data/tricky/calamine is absent");
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let p = project(tmp.path());
        let source = p.source("revenues").unwrap();
        let d = |day| Cell::Date(chrono::NaiveDate::from_ymd_opt(2021, 1, day).unwrap());
        for name in ["date.xlsx", "date_1904.xlsx", "date.xls", "date_1904.xls", "date.xlsb", "date_1904.xlsb"] {
            let path = dir.join(name);
            let bytes = std::fs::read(&path).unwrap();
            let grids = read_grid(&path, &bytes, source, &p.settings.limits).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(*grids[0].cell(0, 0), d(1), "{name}");
            assert_eq!(*grids[0].cell(1, 0), d(2), "{name}");
            assert_eq!(*grids[0].cell(0, 1), Cell::Number(15.0), "{name}");
        }
        // The ODS version holds 01/01/2021 and 01/01/2021 10:10:10: the date part of both.
        let path = dir.join("date.ods");
        let grids = read_grid(&path, &std::fs::read(&path).unwrap(), source, &p.settings.limits).unwrap();
        assert_eq!((&*grids[0].cell(0, 0), &*grids[0].cell(1, 0)), (&d(1), &d(1)));
    }

    /// A workbook saved in the 1904 date system with plain serial numbers (no date format)
    /// in its date columns: made by rust_xlsxwriter, then switched to 1904 as old Mac Excel
    /// saves it (`<workbookPr date1904="1"/>`).
    #[test]
    fn plain_serials_in_a_1904_workbook_are_read_in_1904() {
        use std::io::{Read, Write};
        let tmp = tempfile::tempdir().unwrap();
        let p = project(&tmp.path().join("p"));
        let source = p.source("benefits").unwrap();
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "Report run on 31/10/2025").unwrap();
        for (j, h) in ["Council", "Claim Reference", "Work Type", "Date Received", "Date Decided"].iter().enumerate() {
            ws.write_string(2, j as u16, *h).unwrap();
        }
        ws.write_string(3, 0, "Fenland").unwrap();
        ws.write_string(3, 1, "A1").unwrap();
        ws.write_string(3, 2, "New Claim").unwrap();
        // 31/10/2025 is serial 45961 in 1900 and 44499 in 1904.
        ws.write_number(3, 3, 45961.0 - 1462.0).unwrap();
        let plain = wb.save_to_buffer().unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(plain)).unwrap();
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let name = f.name().unwrap().into_owned();
            let mut text = Vec::new();
            f.read_to_end(&mut text).unwrap();
            if name == "xl/workbook.xml" {
                let xml = String::from_utf8(text).unwrap();
                assert!(xml.contains("<workbookPr"), "rust_xlsxwriter writes a workbookPr element");
                text = xml.replacen("<workbookPr", "<workbookPr date1904=\"1\"", 1).into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
            out.write_all(&text).unwrap();
        }
        let bytes = out.finish().unwrap().into_inner();
        let path = tmp.path().join("benefits_mac.xlsx");
        let raw = read_extract(&path, &bytes, source, &p.settings.limits).unwrap();
        assert_eq!(raw.grid.dates, DateSystem::Excel1904);
        let env =
            crate::check::CheckEnv { partners: &p.settings.partner, as_of: raw.as_at, history: &[], waivers: &[] };
        let x = crate::check::check(raw, source, &env);
        assert_eq!(x.rows_accepted, 1, "{:?}", x.checks);
        let days = x.table.column("date_received").unwrap().date().unwrap().physical().get(0).unwrap();
        assert_eq!(crate::periods::date_from_days(days), chrono::NaiveDate::from_ymd_opt(2025, 10, 31).unwrap());
    }
}
