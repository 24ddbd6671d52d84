//! The PDF committee report, typeset by Typst embedded as a library.
//!
//! The template (`report-templates/committee.typ` of the project, or the shipped default) is
//! compiled in a sandbox: a [`World`] that serves only the template and the report model as
//! `/data.json`, fonts bundled in the binary, and the run's as-of date as "today". Templates
//! read data with `json("/data.json")` and never `eval` it, so cell values cannot become
//! markup. The PDF is tagged and identifies as PDF/UA-1 (accessible) and PDF/A-2a (archival).

use super::ReportModel;
use std::sync::OnceLock;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

/// The shipped committee template.
pub const DEFAULT_TEMPLATE: &str = include_str!("../../report-templates/committee.typ");

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("report template {file}: {message}")]
    Template { file: String, message: String },
    #[error("PDF export: {0}")]
    Export(String),
}

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
        Fonts { book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts }
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIB: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIB.get_or_init(|| LazyHash::new(Library::builder().build()))
}

/// The sandbox: one template, one data file, bundled fonts, a fixed date.
struct ReportWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
    today: Datetime,
}

fn file_id(path: &str) -> FileId {
    RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).expect("valid virtual path")).intern()
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

fn describe(world: &ReportWorld, d: &SourceDiagnostic) -> String {
    let place = world
        .range(d.span)
        .zip(d.span.id())
        .and_then(|(range, id)| {
            let source = world.source(id).ok()?;
            let (line, col) = source.lines().byte_to_line_column(range.start)?;
            Some(format!("line {}, column {}: ", line + 1, col + 1))
        })
        .unwrap_or_default();
    let hints: String = d.hints.iter().map(|h| format!(" (hint: {})", h.v)).collect();
    format!("{place}{}{hints}", d.message)
}

/// Replaces characters that no bundled font can draw (a sheet named in Chinese, an emoji, a
/// control character) with `?`, so that text from extracts cannot stop the report: PDF/A
/// forbids text without glyphs.
fn printable(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    let drawable =
        |c: char| c == '\n' || (!c.is_control() && fonts().fonts.iter().any(|f| f.info().coverage.contains(c as u32)));
    match v {
        Value::String(s) if !s.chars().all(drawable) => {
            Value::String(s.chars().map(|c| if drawable(c) { c } else { '?' }).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(printable).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, printable(v))).collect()),
        other => other,
    }
}

/// Typesets the report model with a template and returns the PDF bytes.
pub fn render(model: &ReportModel, template: &str, template_name: &str) -> Result<Vec<u8>, PdfError> {
    let data = serde_json::to_value(model).expect("report model serialises");
    let data = serde_json::to_vec(&printable(data)).expect("JSON serialises");
    let d = model.as_of;
    use chrono::Datelike;
    let today = Datetime::from_ymd(d.year(), d.month() as u8, d.day() as u8).expect("valid date");
    let world = ReportWorld {
        main: Source::new(file_id("/main.typ"), template.to_string()),
        data_id: file_id("/data.json"),
        data: Bytes::new(data),
        today,
    };
    let result = typst::compile::<PagedDocument>(&world);
    let doc = result.output.map_err(|errors| PdfError::Template {
        file: template_name.to_string(),
        message: errors.iter().map(|e| describe(&world, e)).collect::<Vec<_>>().join("; "),
    })?;
    let stamp = Datetime::from_ymd_hms(d.year(), d.month() as u8, d.day() as u8, 0, 0, 0).expect("valid date");
    let options = PdfOptions {
        ident: Smart::Custom(format!("{}-{}", model.short_name, model.as_of)),
        creator: Smart::Custom(Some(format!("scorecard {}", env!("CARGO_PKG_VERSION")))),
        timestamp: Some(Timestamp::new_utc(stamp)),
        standards: PdfStandards::new(&[PdfStandard::A_2a, PdfStandard::Ua_1])
            .map_err(|e| PdfError::Export(format!("{e:?}")))?,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&doc, &options)
        .map_err(|errors| PdfError::Export(errors.iter().map(|e| describe(&world, e)).collect::<Vec<_>>().join("; ")))
}
