//! `scorecard draft`: a source definition written from sample extracts, for review.
//!
//! Takes sample files of one system's extract, the project's partners and limits; gives
//! [`Draft`]: where the table is in each sample (the header row below any title rows, the
//! data, totals and notes rows, found as the nightly job finds them), the as-at date and where
//! it came from, each column's [`columns::Guess`] (its type, proved by converting every cell
//! with the job's own conversions, and the field name the shipped indicators use where a known
//! header or a close synonym says so), the key, file-name patterns and suggested checks
//! ([`suggest`]), written out as commented TOML by [`text`]. Profiling follows the data
//! assistants of Great Expectations and csvkit's `csvstat`: every guess says what in the
//! samples it rests on, and every suggestion is marked as one.

pub mod columns;
pub mod suggest;
pub mod text;

use crate::config::{ColumnDef, ColumnType, Limits, Partner, PercentForm, SourceDef, SourceKind};
use crate::ingest::{find_layout, read_reference, Cell, Grid, IngestError, Layout, HEADER_SEARCH_ROWS};
use chrono::NaiveDate;
use std::path::Path;

/// Why no draft could be made; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("{0}")]
    Unreadable(#[from] IngestError),
    #[error("{0}: no header row found in the first {HEADER_SEARCH_ROWS} rows of any sheet (a row of two or more column names above rows of data)")]
    NoHeader(String),
    #[error("the source id `{0}` may hold only lower-case letters, digits and `_`")]
    BadId(String),
}

/// One sample file as read: its table and as-at date.
#[derive(Debug)]
pub struct Sample {
    pub file_name: String,
    pub grid: Grid,
    pub layout: Layout,
    /// The header text of each column, in the sheet's order (blank headers left out).
    pub headers: Vec<(usize, String)>,
    /// The as-at date and where it was found.
    pub as_at: Option<(NaiveDate, AsAtFound)>,
}

/// Where a sample's as-at date was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsAtFound {
    Title,
    FileName,
}

/// Everything the draft says, before it is written out.
#[derive(Debug)]
pub struct Draft {
    pub id: String,
    pub samples: Vec<Sample>,
    pub columns: Vec<columns::Guess>,
    /// The shipped source whose columns the samples' headers match (its fields are used).
    pub like: Option<String>,
    pub kind: SourceKind,
    pub key: Vec<String>,
    pub file_patterns: Vec<String>,
    /// The date column whose latest date stands for the as-at date, where a sample has none
    /// in its title rows or file name.
    pub as_at_column: Option<String>,
    pub checks: Vec<suggest::Suggestion>,
}

impl Draft {
    /// Reads the samples and drafts a definition for them.
    pub fn make(files: &[&Path], id: Option<&str>, partners: &[Partner], limits: &Limits) -> Result<Draft, DraftError> {
        let mut samples = Vec::new();
        for f in files {
            samples.push(read_sample(f, limits)?);
        }
        let file_patterns = suggest::file_patterns(samples.iter().map(|s| s.file_name.as_str()), partners);
        let id = match id {
            Some(id) => id.to_string(),
            None if file_patterns.len() == 1 => suggest::id_from_name(file_patterns[0].trim_end_matches('*')),
            None => suggest::id_from_name(&samples[0].file_name),
        };
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(DraftError::BadId(id));
        }
        let shipped = columns::shipped_sources();
        let profiles = columns::profile(&samples);
        let like = columns::likest_source(&id, &profiles, &shipped);
        let like_def = like.and_then(|l| shipped.iter().find(|s| s.id() == l));
        let guesses = columns::guess_all(&profiles, like_def, partners);
        let shipped_key = like_def.filter(|s| s.id() == id).map(|s| s.key.clone()).unwrap_or_default();
        let key = suggest::key(&samples, &guesses, &shipped_key);
        let kind = match like_def {
            Some(s) if s.id() == id => s.kind,
            _ => SourceKind::Snapshot,
        };
        let kind = if kind == SourceKind::Records && key.is_empty() { SourceKind::Snapshot } else { kind };
        let as_at_column = samples
            .iter()
            .any(|s| s.as_at.is_none())
            .then(|| guesses.iter().find(|g| g.kind == ColumnType::Date).map(|g| g.field.clone()))
            .flatten();
        let checks = suggest::checks(&samples, &guesses, &key, kind);
        Ok(Draft {
            id,
            samples,
            columns: guesses,
            like: like.map(str::to_string),
            kind,
            key,
            file_patterns,
            as_at_column,
            checks,
        })
    }
}

/// Reads one sample: the sheet with the largest table, its header row and layout, and its
/// as-at date.
fn read_sample(path: &Path, limits: &Limits) -> Result<Sample, DraftError> {
    let bytes = std::fs::read(path).map_err(|e| DraftError::Io(path.display().to_string(), e))?;
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let grids = read_reference(path, &bytes, limits)?;
    let mut best: Option<Sample> = None;
    for grid in grids {
        let Some(h) = header_row(&grid) else { continue };
        let headers = header_texts(&grid.rows[h]);
        let def = provisional(&headers);
        let Ok(layout) = find_layout(&grid, &def) else { continue };
        if best.as_ref().is_some_and(|b| b.layout.data_rows.len() >= layout.data_rows.len()) {
            continue;
        }
        let as_at = as_at_of(&grid, &layout, &file_name, &def);
        best = Some(Sample { file_name: file_name.clone(), grid, layout, headers, as_at });
    }
    best.ok_or(DraftError::NoHeader(file_name))
}

/// The header row: the first of the top rows that holds two or more names (text that is
/// neither a number nor a date) and no other values, as wide as at least half of the widest
/// of the rows below it.
pub fn header_row(grid: &Grid) -> Option<usize> {
    let filled = |r: &[Cell]| r.iter().filter(|c| !c.is_empty()).count();
    let is_name = |c: &Cell| match c {
        Cell::Text(t) => {
            let t = t.trim();
            !t.is_empty()
                && crate::check::values::parse_number(t).is_none()
                && crate::ingest::parse_date_text(t).is_none()
        }
        _ => false,
    };
    let top = grid.rows.len().min(HEADER_SEARCH_ROWS);
    (0..top).find(|&i| {
        let row = &grid.rows[i];
        let names = row.iter().filter(|c| is_name(c)).count();
        let below = grid.rows[i + 1..grid.rows.len().min(i + 11)].iter().map(|r| filled(r)).max().unwrap_or(0);
        names >= 2 && names == filled(row) && below >= 1 && names * 2 >= below
    })
}

/// The header row's texts with their positions, blank cells left out.
fn header_texts(row: &[Cell]) -> Vec<(usize, String)> {
    row.iter().enumerate().filter(|(_, c)| !c.is_empty()).map(|(j, c)| (j, c.display().trim().to_string())).collect()
}

/// A definition whose every column is a required text column named by its header, so that
/// the job's own layout finder places the header, data, totals and notes rows.
fn provisional(headers: &[(usize, String)]) -> SourceDef {
    let column = headers
        .iter()
        .enumerate()
        .map(|(k, (_, h))| ColumnDef {
            field: format!("c{k}"),
            kind: ColumnType::Text,
            headers: vec![h.clone()],
            required: true,
            values: Default::default(),
            other: None,
            percent_written_as: PercentForm::Points,
            check: Vec::new(),
        })
        .collect();
    SourceDef {
        id: toml::Spanned::new(0..0, "draft".to_string()),
        name: String::new(),
        system: String::new(),
        kind: SourceKind::Snapshot,
        file_patterns: vec!["*".into()],
        as_at: vec![crate::config::AsAtFrom::Title, crate::config::AsAtFrom::FileName],
        key: Vec::new(),
        max_rejected_pct: 5.0,
        column,
        check: Vec::new(),
        stale_after_days: None,
        path: Default::default(),
        checks: Vec::new(),
    }
}

/// The as-at date as the job finds it: the title rows first, then the file name.
fn as_at_of(grid: &Grid, layout: &Layout, file_name: &str, def: &SourceDef) -> Option<(NaiveDate, AsAtFound)> {
    use crate::config::AsAtFrom;
    let only = |from: AsAtFrom| SourceDef { as_at: vec![from], ..def.clone() };
    if let Some(d) = crate::ingest::find_as_at(grid, layout, file_name, &only(AsAtFrom::Title)) {
        return Some((d, AsAtFound::Title));
    }
    crate::ingest::find_as_at(grid, layout, file_name, &only(AsAtFrom::FileName)).map(|d| (d, AsAtFound::FileName))
}

/// Writes a draft's text where it belongs: `--out` (or stdout for `-`), else the project's
/// `sources/<id>.toml`, replacing one there only when asked (the old one kept beside it as
/// `.toml.previous`). Gives where it went.
pub fn write_out(
    project: &Path,
    id: &str,
    text: &str,
    out: Option<&Path>,
    replace: bool,
) -> Result<String, DraftError> {
    if out.is_some_and(|o| o == Path::new("-")) {
        print!("{text}");
        return Ok("stdout".into());
    }
    let path = match out {
        Some(o) => o.to_path_buf(),
        None => project.join("sources").join(format!("{id}.toml")),
    };
    let io = |e: std::io::Error| DraftError::Io(path.display().to_string(), e);
    if path.exists() {
        if !replace {
            return Err(DraftError::Io(
                path.display().to_string(),
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "already exists; pass --replace to replace it (the old one is kept as .previous), or --out to write elsewhere",
                ),
            ));
        }
        let previous = path.with_extension("toml.previous");
        std::fs::copy(&path, &previous).map_err(io)?;
    }
    crate::fs::write_atomic(&path, text.as_bytes()).map_err(io)?;
    Ok(path.display().to_string())
}
