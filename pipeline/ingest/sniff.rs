//! What a file really is, from its first bytes rather than its name, and whether a zip-based
//! workbook is safe to open (a zip bomb declares or compresses to far more than any extract).

use super::IngestError;
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
    let fail = |why: String| Err(IngestError(format!("{name}: {why}")));
    if bytes.is_empty() {
        return fail("the file is empty".into());
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return zip_format(bytes, limits).map_err(|why| IngestError(format!("{name}: {why}")));
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
fn zip_format(bytes: &[u8], limits: &Limits) -> Result<Format, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("the workbook is damaged or truncated (its zip directory cannot be read: {e})"))?;
    let mut total: u64 = 0;
    let mut names = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(|e| format!("the workbook is damaged (part {i}: {e})"))?;
        let (size, packed) = (f.size(), f.compressed_size().max(1));
        total = total.saturating_add(size);
        if size > 1_000_000 && size / packed > limits.max_compression_ratio {
            return Err(format!(
                "part {} of the workbook expands {} times (limit {}): refused as a possible zip bomb",
                f.name().unwrap_or_default(),
                size / packed,
                limits.max_compression_ratio
            ));
        }
        names.push(f.name().map(|n| n.to_string()).unwrap_or_default());
    }
    if total > limits.max_uncompressed_mb * 1024 * 1024 {
        return Err(format!(
            "the workbook's parts add up to {} MB uncompressed, over the limit of {} MB",
            total / 1024 / 1024,
            limits.max_uncompressed_mb
        ));
    }
    let has = |n: &str| names.iter().any(|x| x.eq_ignore_ascii_case(n));
    if has("xl/workbook.xml") {
        Ok(Format::Xlsx)
    } else if has("xl/workbook.bin") {
        Ok(Format::Xlsb)
    } else if has("content.xml") {
        Ok(Format::Ods)
    } else {
        Err("the file is a zip archive but not a workbook (.xlsx, .xlsb or .ods)".into())
    }
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
        assert!(sniff("a.xlsx", "xlsx", b"", &limits()).unwrap_err().0.contains("empty"));
        assert!(sniff("a.xlsx", "xlsx", b"hello", &limits()).unwrap_err().0.contains("not a workbook"));
        let truncated = &xlsx[..xlsx.len() / 2];
        assert!(sniff("a.xlsx", "xlsx", truncated, &limits()).unwrap_err().0.contains("damaged or truncated"));
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
        assert!(err.0.contains("zip bomb"), "{}", err.0);
    }
}
