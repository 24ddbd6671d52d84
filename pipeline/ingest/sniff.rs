//! What a file really is, from its first bytes rather than its name, and whether a zip-based
//! workbook is safe to open (a zip bomb declares or compresses to far more than any extract).

use super::{IngestError, Unreadable};
use crate::config::Limits;
use std::io::Cursor;

/// The format a file's bytes show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xlsb,
    Ods,
    Xls,
    /// An HTML page holding the report as a table (older systems save these as `.xls`).
    Html,
    /// An Excel 2003 XML spreadsheet (SpreadsheetML), also saved as `.xls`.
    SpreadsheetXml,
    /// Delimited text (CSV, TSV, TXT), judged by the extension.
    Text,
}

/// Decides the format from the bytes, falling back to the extension for text.
pub fn sniff(name: &str, ext: &str, bytes: &[u8], limits: &Limits) -> Result<Format, IngestError> {
    format_of(ext, bytes, limits).map_err(|why| IngestError::new(name, why))
}

fn format_of(ext: &str, bytes: &[u8], limits: &Limits) -> Result<Format, Unreadable> {
    let fail = |why: String| Err(Unreadable::Refused(why));
    if bytes.is_empty() {
        return Err(Unreadable::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return zip_format(bytes, limits);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        if contains_utf16(bytes, "EncryptionInfo") || contains_utf16(bytes, "EncryptedPackage") {
            return fail("the workbook is protected with a password (encrypted), so it cannot be read; save a copy without a password and drop that".into());
        }
        return Ok(Format::Xls);
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    let trimmed = head.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('<') {
        if head.contains("urn:schemas-microsoft-com:office:spreadsheet") {
            return Ok(Format::SpreadsheetXml);
        }
        if head.contains("<html") || head.contains("<table") || head.contains("<!doctype html") {
            return Ok(Format::Html);
        }
    }
    match ext {
        "csv" | "tsv" | "txt" => Ok(Format::Text),
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => fail(format!(
            "the file is named .{ext} but is not a workbook (it may be truncated or another kind of file)"
        )),
        "" => fail(
            "files without an extension are not read: expected .xlsx, .xlsm, .xlsb, .xls, .ods, .csv, .tsv or .txt"
                .into(),
        ),
        other => fail(format!(
            "files ending .{other} are not read: expected .xlsx, .xlsm, .xlsb, .xls, .ods, .csv, .tsv or .txt"
        )),
    }
}

fn contains_utf16(bytes: &[u8], s: &str) -> bool {
    let needle: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    bytes.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// Reads a zip's directory: which workbook format it holds, refusing declared sizes and
/// compression ratios over the limits before anything is decompressed.
fn zip_format(bytes: &[u8], limits: &Limits) -> Result<Format, Unreadable> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        Unreadable::Refused(format!("the workbook is damaged or truncated (its zip directory cannot be read: {e})"))
    })?;
    let mut total: u64 = 0;
    let mut names = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let f =
            zip.by_index_raw(i).map_err(|e| Unreadable::Refused(format!("the workbook is damaged (part {i}: {e})")))?;
        let (size, packed) = (f.size(), f.compressed_size().max(1));
        total = total.saturating_add(size);
        if size > 1_000_000 && size / packed > limits.max_compression_ratio {
            return Err(Unreadable::Refused(format!(
                "part {} of the workbook expands {} times (limit {}): refused as a possible zip bomb",
                f.name().unwrap_or_default(),
                size / packed,
                limits.max_compression_ratio
            )));
        }
        names.push(f.name().map(|n| n.to_string()).unwrap_or_default());
    }
    if total > limits.max_uncompressed_mb * 1024 * 1024 {
        return Err(Unreadable::Refused(format!(
            "the workbook's parts add up to {} MB uncompressed, over the limit of {} MB",
            total / 1024 / 1024,
            limits.max_uncompressed_mb
        )));
    }
    let has = |n: &str| names.iter().any(|x| x.eq_ignore_ascii_case(n));
    if let Some(i) = names.iter().position(|x| x.eq_ignore_ascii_case("xl/sharedStrings.xml")) {
        shared_strings(&mut zip, i, limits)?;
    }
    if has("xl/workbook.xml") {
        Ok(Format::Xlsx)
    } else if has("xl/workbook.bin") {
        Ok(Format::Xlsb)
    } else if has("content.xml") {
        ods_extent(&mut zip, limits)?;
        Ok(Format::Ods)
    } else {
        Err(Unreadable::Refused("the file is a zip archive but not a workbook (.xlsx, .xlsb or .ods)".into()))
    }
}

/// An OpenDocument spreadsheet's sheets measured before calamine reads them: calamine gives
/// each sheet a dense block as wide and tall as its used cells, so a few cells far apart (or
/// rows repeated a million times) would take gigabytes. `content.xml` is streamed (no entity
/// expanded), each sheet's used extent measured (rows and columns repeated count as many),
/// and the file refused when the sheets together pass `max_cells`.
fn ods_extent(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, limits: &Limits) -> Result<(), Unreadable> {
    use quick_xml::events::Event;
    let damaged =
        |e: &dyn std::fmt::Display| Unreadable::Refused(format!("the spreadsheet is damaged (its content: {e})"));
    let part = zip.by_name("content.xml").map_err(|e| damaged(&e))?;
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(part));
    let repeat = |e: &quick_xml::events::BytesStart, key: &str| -> u64 {
        e.attributes()
            .flatten()
            .find(|a| a.key.local_name().as_ref() == key)
            .and_then(|a| a.value.trim().parse().ok())
            .unwrap_or(1)
            .max(1)
    };
    let mut buf = Vec::new();
    let (mut total, mut rows, mut width) = (0u64, 0u64, 0u64); // the sheet's used extent
    let (mut row, mut row_repeat, mut col, mut row_last) = (0u64, 1u64, 0u64, 0u64);
    let mut cell: Option<(u64, bool)> = None; // columns repeated, has a value
    let too_many = |cells: u64| {
        Unreadable::Refused(format!(
            "its sheets would take {cells} cells as calamine reads them (the used extent of each, rows and columns repeated counted), more than the limit of {} (limits.max_cells in scorecard.toml)",
            limits.max_cells
        ))
    };
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| damaged(&e))?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            match e.local_name().as_ref() {
                "table" => (rows, width, row) = (0, 0, 0),
                "table-row" => (row_repeat, col, row_last) = (repeat(&e, "number-rows-repeated"), 0, 0),
                "table-cell" | "covered-table-cell" => {
                    let valued = e.attributes().flatten().any(|a| a.key.local_name().as_ref() == "value-type");
                    cell = Some((repeat(&e, "number-columns-repeated"), valued));
                }
                "p" if cell.is_some() => {
                    if let Some((_, v)) = cell.as_mut() {
                        *v = true;
                    }
                }
                _ => {}
            }
            if !empty {
                buf.clear();
                continue;
            }
        }
        let end = match &event {
            Event::End(e) => Some(e.local_name().as_ref().to_string()),
            Event::Empty(e) => Some(e.local_name().as_ref().to_string()),
            Event::Eof => break,
            _ => None,
        };
        match end.as_deref() {
            Some("table-cell" | "covered-table-cell") => {
                if let Some((n, valued)) = cell.take() {
                    col = col.saturating_add(n);
                    if valued {
                        row_last = col;
                    }
                }
            }
            Some("table-row") => {
                if row_last > 0 {
                    width = width.max(row_last);
                    rows = row.saturating_add(row_repeat);
                }
                row = row.saturating_add(row_repeat);
                if total.saturating_add(rows.saturating_mul(width)) > limits.max_cells as u64 {
                    return Err(too_many(total.saturating_add(rows.saturating_mul(width))));
                }
            }
            Some("table") => total = total.saturating_add(rows.saturating_mul(width)),
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

/// The shared strings of an `.xlsx` (every distinct text, read whole before any sheet)
/// within the limits: their part's declared size, and the number of strings it says it holds
/// (read from its first bytes) against `max_cells`.
fn shared_strings(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, i: usize, limits: &Limits) -> Result<(), Unreadable> {
    use std::io::Read;
    let mut part = zip
        .by_index(i)
        .map_err(|e| Unreadable::Refused(format!("the workbook is damaged (its shared strings: {e})")))?;
    if part.size() > limits.max_shared_strings_mb * 1024 * 1024 {
        return Err(Unreadable::Refused(format!(
            "the workbook's shared strings (its distinct texts) take {} MB, more than the limit of {} MB (limits.max_shared_strings_mb in scorecard.toml)",
            part.size() / 1024 / 1024,
            limits.max_shared_strings_mb
        )));
    }
    let mut head = vec![0u8; 4096];
    let mut got = 0;
    while got < head.len() {
        match part.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(_) => break,
        }
    }
    let head = String::from_utf8_lossy(&head[..got]);
    let count = |attr: &str| -> Option<u64> {
        let at = head.find(&format!("{attr}=\""))? + attr.len() + 2;
        head[at..].split('"').next()?.parse().ok()
    };
    if let Some(n) = count("uniqueCount").or_else(|| count("count")).filter(|n| *n > limits.max_cells as u64) {
        return Err(Unreadable::Refused(format!(
            "the workbook says it holds {n} distinct texts, more than the limit of {} cells (limits.max_cells in scorecard.toml)",
            limits.max_cells
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn sniffs_by_content_not_name() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "x").unwrap();
        let xlsx = wb.save_to_buffer().unwrap();
        assert_eq!(sniff("a.xls", "xls", &xlsx, &limits()).unwrap(), Format::Xlsx);
        assert_eq!(sniff("a.csv", "csv", b"a,b\n", &limits()).unwrap(), Format::Text);
        let html = b"<html><body><table><tr><td>1</td></tr></table>";
        assert_eq!(sniff("a.xls", "xls", html, &limits()).unwrap(), Format::Html);
        let xml = b"<?xml version=\"1.0\"?>\n<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">";
        assert_eq!(sniff("a.xls", "xls", xml, &limits()).unwrap(), Format::SpreadsheetXml);
        assert!(sniff("a.xlsx", "xlsx", b"", &limits()).unwrap_err().to_string().contains("empty"));
        assert!(sniff("a.xlsx", "xlsx", b"hello", &limits()).unwrap_err().to_string().contains("not a workbook"));
        let truncated = &xlsx[..xlsx.len() / 2];
        assert!(sniff("a.xlsx", "xlsx", truncated, &limits())
            .unwrap_err()
            .to_string()
            .contains("damaged or truncated"));
    }

    fn ods(content: &str) -> Vec<u8> {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        z.start_file("mimetype", opts).unwrap();
        z.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
        z.start_file("content.xml", opts).unwrap();
        z.write_all(content.as_bytes()).unwrap();
        z.finish().unwrap().into_inner()
    }

    #[test]
    fn an_ods_whose_sheets_would_take_too_many_cells_is_refused_before_reading() {
        let cell =
            r#"<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>"#;
        let small = format!(
            r#"<office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet><table:table table:name="S"><table:table-row>{cell}{cell}</table:table-row><table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        assert_eq!(
            sniff("a.ods", "ods", &ods(&small), &limits()).unwrap(),
            Format::Ods,
            "empty repeated rows cost nothing"
        );
        // A valued cell in row 1,000,001 and column 50: 50 million cells as calamine reads it.
        let far = format!(
            r#"<office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet><table:table table:name="S"><table:table-row>{cell}</table:table-row><table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="49"/>{cell}</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        let err = sniff("a.ods", "ods", &ods(&far), &limits()).unwrap_err();
        assert!(
            err.to_string().contains("would take 50000050 cells") && err.to_string().contains("limits.max_cells"),
            "{}",
            err
        );
    }

    #[test]
    fn refuses_zip_bombs_before_decompressing() {
        use std::io::Write;
        let mut buf = Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            z.start_file("xl/workbook.xml", opts).unwrap();
            z.write_all(b"<workbook/>").unwrap();
            z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
            z.write_all(&vec![b' '; 50_000_000]).unwrap();
            z.finish().unwrap();
        }
        let err = sniff("bomb.xlsx", "xlsx", buf.get_ref(), &limits()).unwrap_err();
        assert!(err.to_string().contains("zip bomb"), "{}", err);
    }
}
