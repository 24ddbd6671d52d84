//! PDF reports, typeset by Typst embedded as a library.
//!
//! Templates are the shipped ones ([`SHIPPED`]), each replaced by a file of the same name in
//! the project's `report-templates/` folder, which may add more; a copy `scorecard new` or
//! `scorecard demo` wrote there and nobody has changed since ([`AS_SHIPPED`] records it) is
//! set aside for the template this scorecard ships, so that an upgrade's fixes reach the
//! project's reports. A report is compiled in a
//! sandbox: a [`World`] that serves only those templates, the report's data as `/data.json`,
//! fonts bundled in the binary, and the run's as-of date as "today". Templates read data with
//! `json("/data.json")` and never `eval` it, so cell values cannot become markup. The PDF is
//! tagged and identifies as PDF/UA-1 (accessible) and PDF/A-2a (archival).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::OnceLock;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

/// The shipped templates: name, text.
pub const SHIPPED: [(&str, &str); 5] = [
    ("lib.typ", include_str!("../../report-templates/lib.typ")),
    ("joint-committee.typ", include_str!("../../report-templates/joint-committee.typ")),
    ("oib-dashboard.typ", include_str!("../../report-templates/oib-dashboard.typ")),
    ("data-quality.typ", include_str!("../../report-templates/data-quality.typ")),
    ("charnwood-quarterly.typ", include_str!("../../report-templates/charnwood-quarterly.typ")),
];

/// The record, in a project's `report-templates/`, of the templates `scorecard new` or
/// `scorecard demo` copied there: each copy's SHA-256 as written ([`as_shipped_record`]).
pub const AS_SHIPPED: &str = ".as-shipped";

/// The text of [`AS_SHIPPED`] for the shipped templates: a line of explanation, then
/// `<SHA-256>  <name>` for each.
pub fn as_shipped_record() -> String {
    let mut out = String::from(
        "# The templates scorecard copied here, each with its SHA-256 as copied. A copy still unchanged is set aside for the template the running scorecard ships (so an upgrade's fixes reach the reports); change a copy to make it the project's own.\n",
    );
    for (name, text) in SHIPPED {
        out.push_str(&format!("{}  {name}\n", crate::common::sha256_hex(text.as_bytes())));
    }
    out
}

/// The SHA-256 of each template as copied, from a project's [`AS_SHIPPED`] (none when it is
/// absent or unreadable: every file is then the project's own).
fn as_copied(dir: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir.join(AS_SHIPPED)).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once("  ").map(|(sha, name)| (name.trim().to_string(), sha.trim().to_string())))
        .collect()
}

/// The templates a project's reports are typeset from.
#[derive(Debug, Clone)]
pub struct Templates {
    /// Name (`joint-committee.typ`) -> text.
    files: BTreeMap<String, String>,
    /// Name -> where it came from, for messages.
    origin: BTreeMap<String, String>,
    /// Copies of an earlier scorecard's templates, unchanged, set aside for this one's: a
    /// sentence each.
    notes: Vec<String>,
}

impl Templates {
    /// The shipped templates alone.
    pub fn shipped() -> Templates {
        Templates {
            files: SHIPPED.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect(),
            origin: SHIPPED.iter().map(|(n, _)| (n.to_string(), format!("built-in {n}"))).collect(),
            notes: Vec::new(),
        }
    }

    /// The shipped templates, each replaced by a `.typ` file of the same name in `dir`, and
    /// any other `.typ` files there; except a copy of an earlier shipped template that
    /// [`AS_SHIPPED`] shows unchanged since it was copied, which is set aside (with a note).
    pub fn load(dir: &Path) -> Result<Templates, TemplateError> {
        let mut t = Templates::shipped();
        let Ok(entries) = std::fs::read_dir(dir) else { return Ok(t) };
        let mut paths: Vec<std::path::PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        let copied = as_copied(dir);
        for p in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "typ") && p.is_file()) {
            let name = p.file_name().expect("a file").to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).map_err(|source| TemplateError { path: p.clone(), source })?;
            let untouched = copied.get(&name).is_some_and(|sha| *sha == crate::common::sha256_hex(text.as_bytes()));
            if untouched && t.files.get(&name).is_some_and(|shipped| *shipped != text) {
                t.notes.push(format!(
                    "{} is the copy an earlier scorecard wrote, unchanged since: the {name} this scorecard ships is used instead (change the copy to make it the project's own)",
                    p.display()
                ));
                continue;
            }
            t.files.insert(name.clone(), text);
            t.origin.insert(name, p.display().to_string());
        }
        Ok(t)
    }

    /// Copies of an earlier scorecard's templates set aside for this one's, a sentence each.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Adds or replaces one template (tests, and templates under edit).
    pub fn with(mut self, name: &str, text: &str) -> Templates {
        self.files.insert(name.to_string(), text.to_string());
        self.origin.insert(name.to_string(), name.to_string());
        self
    }

    pub fn contains(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }

    /// Whether `name` is the shipped template, word for word (a project's copy of it
    /// included).
    pub fn is_shipped(&self, name: &str) -> bool {
        SHIPPED.iter().any(|(n, text)| *n == name && self.files.get(name).is_some_and(|t| t == text))
    }

    /// Every template's name and text, in name order (for fingerprints).
    pub fn texts(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(n, t)| (n.as_str(), t.as_str()))
    }

    /// Where a template came from (its path, or "built-in ...").
    pub fn origin(&self, name: &str) -> String {
        self.origin.get(name).cloned().unwrap_or_else(|| name.to_string())
    }
}

/// A template file of the project that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct TemplateError {
    pub path: std::path::PathBuf,
    pub source: std::io::Error,
}

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

/// Typst's standard library, with its accessibility extras: `pdf.header-cell(scope: "row")`
/// makes an indicator's name the header of its row, as a screen reader announces it.
fn library() -> &'static LazyHash<Library> {
    static LIB: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIB.get_or_init(|| {
        let features = [typst::Feature::A11yExtras].into_iter().collect();
        LazyHash::new(Library::builder().with_features(features).build())
    })
}

/// The sandbox: the templates, one data file, bundled fonts, a fixed date.
struct ReportWorld {
    main: FileId,
    sources: HashMap<FileId, Source>,
    names: HashMap<FileId, String>,
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
        self.main
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        self.sources.get(&id).cloned().ok_or(FileError::AccessDenied)
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if let Some(s) = self.sources.get(&id) {
            Ok(Bytes::from_string(s.clone()))
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
            let file = world.names.get(&id).map(|n| format!("{n}, ")).unwrap_or_default();
            Some(format!("{file}line {}, column {}: ", line + 1, col + 1))
        })
        .unwrap_or_default();
    let hints: String = d.hints.iter().map(|h| format!(" (hint: {})", h.v)).collect();
    format!("{place}{}{hints}", d.message)
}

/// Whether a bundled font can draw `c` (and it is not a control character other than a
/// line break). Printable ASCII, most of any report, is looked up in a table made once.
fn drawable(c: char) -> bool {
    fn search(c: char) -> bool {
        c == '\n' || (!c.is_control() && fonts().fonts.iter().any(|f| f.info().coverage.contains(c as u32)))
    }
    static ASCII: OnceLock<[bool; 128]> = OnceLock::new();
    match ASCII.get_or_init(|| std::array::from_fn(|i| search(i as u8 as char))).get(c as usize) {
        Some(known) => *known,
        None => search(c),
    }
}

/// Replaces characters that no bundled font can draw (a sheet named in Chinese, an emoji, a
/// control character) with `?`, so that text from extracts cannot stop the report: PDF/A
/// forbids text without glyphs.
fn printable(mut v: serde_json::Value) -> serde_json::Value {
    make_printable(&mut v);
    v
}

/// [`printable`] in place: only a text with such a character is written again.
fn make_printable(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::String(s) if !s.chars().all(drawable) => {
            *s = s.chars().map(|c| if drawable(c) { c } else { '?' }).collect();
        }
        Value::Array(a) => a.iter_mut().for_each(make_printable),
        Value::Object(o) => o.values_mut().for_each(make_printable),
        _ => {}
    }
}

/// The data of several reports that share most of it (the report model), serialised once:
/// each report's `/data.json` is the shared object with one more member (its focus), the
/// same bytes as serialising the whole.
pub struct SharedData {
    /// Each member of the shared object in key order (`serde_json` keeps objects sorted),
    /// its key and its value serialised, characters no font can draw already replaced.
    members: Vec<(String, Vec<u8>)>,
}

impl SharedData {
    /// `shared` must serialise as a JSON object.
    pub fn of(shared: &impl serde::Serialize) -> SharedData {
        SharedData::of_members(shared, None)
    }

    /// [`SharedData::of`] keeping only the members named in `only` (every member when
    /// `None`): the reports of a night read a few members, and the figures (most of the
    /// model's bytes) are in none of the shipped templates.
    pub fn of_members(shared: &impl serde::Serialize, only: Option<&[&str]>) -> SharedData {
        use rayon::prelude::*;
        let serde_json::Value::Object(map) = serde_json::to_value(shared).expect("report data serialises") else {
            panic!("report data is an object");
        };
        let members: Vec<(String, serde_json::Value)> =
            map.into_iter().filter(|(k, _)| only.is_none_or(|o| o.contains(&k.as_str()))).collect();
        SharedData {
            members: members
                .into_par_iter()
                .map(|(k, v)| (k, serde_json::to_vec(&printable(v)).expect("JSON serialises")))
                .collect(),
        }
    }

    /// The shared object with `key` set to `value`, as `/data.json` bytes.
    pub fn with(&self, key: &str, value: &impl serde::Serialize) -> Vec<u8> {
        self.select(None, key, &data_json(value))
    }

    /// The members named in `only` (every member when `None`), with `key` set to `own` (a
    /// value already serialised by [`data_json`]), as `/data.json` bytes.
    pub fn select(&self, only: Option<&[&str]>, key: &str, own: &[u8]) -> Vec<u8> {
        let size = self.members.iter().map(|(k, v)| k.len() + v.len() + 4).sum::<usize>() + own.len() + key.len() + 6;
        let mut out = Vec::with_capacity(size);
        out.push(b'{');
        let mut placed = false;
        let member = |out: &mut Vec<u8>, k: &str, v: &[u8]| {
            if out.len() > 1 {
                out.push(b',');
            }
            serde_json::to_writer(&mut *out, k).expect("JSON serialises");
            out.push(b':');
            out.extend_from_slice(v);
        };
        for (k, v) in self.chosen(only) {
            if !placed && key <= k {
                member(&mut out, key, own);
                placed = true;
            }
            if k != key {
                member(&mut out, k, v);
            }
        }
        if !placed {
            member(&mut out, key, own);
        }
        out.push(b'}');
        out
    }

    /// Feeds the members named in `only` (every member when `None`), except those in
    /// `leave_out`, to a hash: each member's key, length and bytes.
    pub fn digest(&self, only: Option<&[&str]>, leave_out: &[&str], h: &mut sha2::Sha256) {
        use sha2::Digest;
        for (k, v) in self.chosen(only).filter(|(k, _)| !leave_out.contains(k)) {
            h.update(k.as_bytes());
            h.update((v.len() as u64).to_le_bytes());
            h.update(v);
        }
    }

    fn chosen<'a>(&'a self, only: Option<&'a [&'a str]>) -> impl Iterator<Item = (&'a str, &'a [u8])> + 'a {
        self.members
            .iter()
            .filter(move |(k, _)| only.is_none_or(|o| o.contains(&k.as_str())))
            .map(|(k, v)| (k.as_str(), v.as_slice()))
    }
}

/// Typesets `data` (served as `/data.json`) with the template `main` and returns the PDF bytes.
/// `ident` names the document in the PDF's identifier; `as_of` is its date.
pub fn render(
    data: &impl serde::Serialize,
    templates: &Templates,
    main: &str,
    ident: &str,
    as_of: chrono::NaiveDate,
) -> Result<Vec<u8>, PdfError> {
    render_json(data_json(data), templates, main, ident, as_of)
}

/// `/data.json` for a template: `data` serialised, characters no font can draw replaced.
pub fn data_json(data: &impl serde::Serialize) -> Vec<u8> {
    let data = serde_json::to_value(data).expect("report data serialises");
    serde_json::to_vec(&printable(data)).expect("JSON serialises")
}

/// [`render`] from data already serialised ([`SharedData::with`]): characters no bundled
/// font can draw must be replaced already.
pub fn render_json(
    data: Vec<u8>,
    templates: &Templates,
    main: &str,
    ident: &str,
    as_of: chrono::NaiveDate,
) -> Result<Vec<u8>, PdfError> {
    let template_name = templates.origin(main);
    if !templates.contains(main) {
        return Err(PdfError::Template { file: template_name, message: "no such template".into() });
    }
    let d = as_of;
    use chrono::Datelike;
    let today = Datetime::from_ymd(d.year(), d.month() as u8, d.day() as u8).expect("valid date");
    let mut sources = HashMap::new();
    let mut names = HashMap::new();
    for (name, text) in &templates.files {
        let id = file_id(&format!("/{name}"));
        sources.insert(id, Source::new(id, text.clone()));
        names.insert(id, templates.origin(name));
    }
    let world = ReportWorld {
        main: file_id(&format!("/{main}")),
        sources,
        names,
        data_id: file_id("/data.json"),
        data: Bytes::new(data),
        today,
    };
    let result = typst::compile::<PagedDocument>(&world);
    let doc = result.output.map_err(|errors| PdfError::Template {
        file: template_name.clone(),
        message: errors.iter().map(|e| describe(&world, e)).collect::<Vec<_>>().join("; "),
    })?;
    let stamp = Datetime::from_ymd_hms(d.year(), d.month() as u8, d.day() as u8, 0, 0, 0).expect("valid date");
    let options = PdfOptions {
        ident: Smart::Custom(ident.to_string()),
        creator: Smart::Custom(Some(format!("scorecard {}", env!("CARGO_PKG_VERSION")))),
        timestamp: Some(Timestamp::new_utc(stamp)),
        standards: PdfStandards::new(&[PdfStandard::A_2a, PdfStandard::Ua_1])
            .map_err(|e| PdfError::Export(format!("{e:?}")))?,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&doc, &options)
        .map_err(|errors| PdfError::Export(errors.iter().map(|e| describe(&world, e)).collect::<Vec<_>>().join("; ")))
}
