//! Reading a large `.xlsx` sheet on both cores. calamine parses a sheet's XML on one core, and
//! that parse is most of the time a workbook takes (inflating the XML is a tenth of it). So a
//! workbook whose worksheets are large is made into two workbooks in memory, each holding
//! every part of the original except that each large worksheet is cut at a row boundary near
//! its middle: the first keeps the rows before the cut, the second the rows from it on. calamine
//! reads both at once; the cells are calamine's own (no XML is parsed here), and the rows of
//! the two halves are joined.
//!
//! A worksheet is cut only where the cut cannot change what calamine reads: at a `<row`
//! carrying its own row number (`r="..."`), in a sheet with no CDATA section, whose rows come
//! in order (checked after reading). Anything else, and any error in either half, reads the
//! workbook whole as before, so its cells and messages are exactly those of the unsplit read
//! (`tests`: every workbook of the corpus in `../shared/data/tricky` gives the same grids).

use memchr::memmem;
use std::io::{Cursor, Read, Write};

/// The smallest inflated worksheet worth cutting (smaller sheets take longer to copy than
/// the second core saves).
pub(super) const CUT_BYTES: u64 = 4 << 20;

/// Where a worksheet's XML can be cut: the end of its `<sheetData>` tag and the start of the
/// `<row` at which the second half begins.
fn cut(xml: &[u8]) -> Option<(usize, usize)> {
    if memmem::find(xml, b"<![CDATA[").is_some() {
        return None;
    }
    let open = memmem::find(xml, b"<sheetData>")? + b"<sheetData>".len();
    let close = memmem::rfind(xml, b"</sheetData>")?;
    if close <= open {
        return None;
    }
    let middle = open + (close - open) / 2;
    let at = middle + memmem::find(&xml[middle..close], b"<row ")?;
    // The row names its own number, and follows the end of a tag.
    let tag_end = at + memchr::memchr(b'>', &xml[at..close])?;
    let tag = &xml[at..tag_end];
    let numbered = memmem::find(tag, b" r=\"").is_some();
    let after_tag = xml[open..at].iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b'>');
    (numbered && after_tag).then_some((open, at))
}

/// The two halves of a workbook, or `None` when no worksheet is at least `min` bytes inflated
/// (then the workbook is read whole). Worksheets smaller than `min`, or that cannot be cut,
/// are read whole from the first half. `max_inflated` bounds the bytes of all worksheets
/// together, held inflated while the halves are read (the format check has already held the
/// zip's declared sizes to the limits; a worksheet inflating to more or less than it declared
/// leaves the workbook whole).
pub(super) fn halves(bytes: &[u8], min: u64, max_inflated: u64) -> Option<(Vec<u8>, Vec<u8>)> {
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let is_worksheet = |name: &str| name.starts_with("xl/worksheets/") && name.ends_with(".xml");
    // The worksheets' declared sizes: one must be worth cutting, and together they must fit
    // in what the halves may hold.
    let sizes: Vec<u64> = (0..zip.len())
        .filter_map(|i| {
            zip.by_index_raw(i).ok().filter(|f| is_worksheet(f.name().unwrap_or_default().as_ref())).map(|f| f.size())
        })
        .collect();
    if !sizes.iter().any(|s| *s >= min) || sizes.iter().sum::<u64>() > max_inflated {
        return None;
    }
    let mut first = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut second = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).large_file(true);
    for i in 0..zip.len() {
        let (name, size) = {
            let f = zip.by_index_raw(i).ok()?;
            (f.name().ok()?.to_string(), f.size())
        };
        if !is_worksheet(&name) {
            first.raw_copy_file(zip.by_index_raw(i).ok()?).ok()?;
            second.raw_copy_file(zip.by_index_raw(i).ok()?).ok()?;
            continue;
        }
        let mut xml = Vec::with_capacity(size as usize);
        zip.by_index(i).ok()?.take(size + 1).read_to_end(&mut xml).ok()?;
        if xml.len() as u64 != size {
            return None;
        }
        first.start_file(name.as_str(), stored).ok()?;
        second.start_file(name.as_str(), stored).ok()?;
        match cut(&xml).filter(|_| size >= min) {
            Some((open, at)) => {
                first.write_all(&xml[..at]).ok()?;
                first.write_all(b"</sheetData></worksheet>").ok()?;
                second.write_all(&xml[..open]).ok()?;
                second.write_all(&xml[at..]).ok()?;
            }
            // A sheet too small to cut, or that cannot be cut, is read whole from the first
            // half; the second holds it without rows (or as it is, if its rows cannot be
            // found: the halves then overlap and the workbook is read whole).
            None => {
                first.write_all(&xml).ok()?;
                match memmem::find(&xml, b"<sheetData>") {
                    Some(p) => {
                        second.write_all(&xml[..p + b"<sheetData>".len()]).ok()?;
                        second.write_all(b"</sheetData></worksheet>").ok()?;
                    }
                    None => second.write_all(&xml).ok()?,
                }
            }
        }
    }
    Some((first.finish().ok()?.into_inner(), second.finish().ok()?.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::super::grid::{join_halves, read_workbook_whole, Grid};
    use super::super::sniff::Format;
    use super::*;
    use crate::config::Limits;

    /// The grids of a workbook read whole, and read in halves cut at every worksheet (`None`
    /// when it cannot be cut, or the halves do not fit together and it would be read whole).
    fn whole_and_halves(bytes: &[u8], min: u64) -> (Result<Vec<Grid>, String>, Option<Vec<Grid>>) {
        let limits = Limits::default();
        let whole = read_workbook_whole("x.xlsx", Format::Xlsx, bytes, &limits).map_err(|e| e.to_string());
        let split = halves(bytes, min, u64::MAX).and_then(|(a, b)| {
            let a = read_workbook_whole("x.xlsx", Format::Xlsx, &a, &limits).ok()?;
            let b = read_workbook_whole("x.xlsx", Format::Xlsx, &b, &limits).ok()?;
            join_halves(a, b, &limits)
        });
        (whole, split)
    }

    fn same(a: &[Grid], b: &[Grid]) -> bool {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                // Trailing empty rows are not cells.
                let trim = |g: &Grid| {
                    let mut rows = g.rows.clone();
                    while rows.last().is_some_and(|r| r.is_empty()) {
                        rows.pop();
                    }
                    rows
                };
                x.sheet == y.sheet && x.dates == y.dates && trim(x) == trim(y)
            })
    }

    #[test]
    fn a_workbook_read_in_halves_gives_the_cells_of_the_whole() {
        use rust_xlsxwriter::{ExcelDateTime, Format as F, Workbook};
        let mut wb = Workbook::new();
        let date = F::new().set_num_format("dd/mm/yyyy");
        let ws = wb.add_worksheet().set_name("Data").unwrap();
        ws.write_string(0, 0, "Report run on 31/10/2025").unwrap();
        for r in 2..6000u32 {
            ws.write_string(r, 0, format!("CT{r:07}")).unwrap();
            ws.write_number(r, 1, r as f64 * 1.25).unwrap();
            if r % 7 != 0 {
                let d = ExcelDateTime::from_ymd(2020 + (r % 5) as u16, 1 + (r % 12) as u8, 1 + (r % 28) as u8).unwrap();
                ws.write_datetime_with_format(r, 3, &d, &date).unwrap();
            }
            ws.write_boolean(r, 4, r % 2 == 0).unwrap();
            ws.write_formula(r, 5, format!("=B{}*2", r + 1).as_str()).unwrap();
        }
        let other = wb.add_worksheet().set_name("Other").unwrap();
        other.write_string(0, 0, "small").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let (whole, split) = whole_and_halves(&bytes, 0);
        let (whole, split) = (whole.unwrap(), split.expect("the workbook is cut and joined"));
        assert_eq!(whole[0].rows.len(), 6000);
        assert!(same(&whole, &split));
        // Only the large sheet cut: the small one is read from the first half.
        let (_, split) = whole_and_halves(&bytes, 64 * 1024);
        assert!(same(&whole, &split.expect("the large sheet is cut, the small one kept whole")));
        // Worksheets that together inflate beyond what the halves may hold are read whole.
        assert!(halves(&bytes, 0, 100_000).is_none());
    }

    /// Every `.xlsx` of the corpus of awkward workbooks that calamine reads gives the same
    /// grids read in halves (cut at every worksheet, however small). Skips when
    /// `../shared/data` is absent.
    #[test]
    fn the_corpus_reads_the_same_in_halves() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/tricky");
        if !dir.is_dir() {
            eprintln!("skipped: ../shared/data/tricky is absent");
            return;
        }
        let mut files = Vec::new();
        let mut todo = vec![dir];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    todo.push(p);
                } else if p
                    .extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("xlsx") || x.eq_ignore_ascii_case("xlsm"))
                {
                    files.push(p);
                }
            }
        }
        files.sort();
        let (mut compared, mut whole_only) = (0, 0);
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            let Ok(whole) = std::panic::catch_unwind(|| whole_and_halves(&bytes, 0)) else { continue };
            match whole {
                (Ok(w), Some(s)) => {
                    assert!(same(&w, &s), "{} reads differently in halves", f.display());
                    compared += 1;
                }
                (Ok(_), None) => whole_only += 1,
                (Err(_), _) => {}
            }
        }
        eprintln!("{compared} workbooks read the same in halves; {whole_only} cannot be cut and are read whole");
        assert!(compared >= 20, "only {compared} of {} workbooks compared", files.len());
    }

    #[test]
    fn cuts_at_a_numbered_row_after_the_middle_and_not_otherwise() {
        let rows: String = (1..=40).map(|r| format!("<row r=\"{r}\"><c r=\"A{r}\"><v>{r}</v></c></row>")).collect();
        let xml =
            format!("<worksheet><dimension ref=\"A1:A40\"/><sheetData>{rows}</sheetData><pageMargins/></worksheet>");
        let (open, at) = cut(xml.as_bytes()).unwrap();
        assert_eq!(&xml[open - 11..open], "<sheetData>");
        assert!(xml[at..].starts_with("<row r=\"2"), "{}", &xml[at..at + 20]);
        assert!(at > xml.len() / 3);
        assert_eq!(cut(xml.replace("<row r=", "<row x=").as_bytes()), None, "rows without numbers");
        assert_eq!(cut(xml.replace("<v>7</v>", "<v><![CDATA[7]]></v>").as_bytes()), None, "CDATA");
        assert_eq!(cut(b"<worksheet><sheetData/></worksheet>"), None, "no rows");
    }
}
