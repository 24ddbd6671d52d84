//! Ingest: from the drop folder to raw grids of cells, matched to a source definition.
//!
//! Takes the drop folder and the project's source definitions; gives, for every entry in the
//! folder, either a [`RawExtract`] (file bytes' SHA-256, the source it matched, the grid of
//! cells, the header row found and the as-at date) or a reason it was skipped or rejected.
//! Workbooks (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`) are read with calamine, text files
//! (`.csv`, `.tsv`, `.txt`) with polars' CSV reader. Nothing here moves or changes a file.

mod discover;
mod grid;
mod layout;

pub use discover::{discover, Entry, EntryKind};
pub use grid::{read_grid, Cell, Grid};
pub use layout::{find_as_at, find_layout, parse_date_text, Layout};

use crate::config::SourceDef;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Largest file the job will open (bytes). Larger files are quarantined with this reason.
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;

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

/// Why a file could not be read as an extract; the text is what the clerk reads.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct IngestError(pub String);

/// Normalises a header or name for loose matching: lower case, letters and digits only.
pub fn normalise_header(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// SHA-256 of a file's bytes, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The source definitions whose file patterns match a file name.
pub fn recognise<'a>(file_name: &str, sources: &'a [SourceDef]) -> Vec<&'a SourceDef> {
    sources.iter().filter(|s| s.matches_file_name(file_name)).collect()
}

/// Reads one file as an extract of `source`: grid, header row and as-at date.
pub fn read_extract(path: &Path, bytes: &[u8], source: &SourceDef) -> Result<RawExtract, IngestError> {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let grids = read_grid(path, bytes, source)?;
    let mut last_err = None;
    for grid in grids {
        match find_layout(&grid, source) {
            Ok(layout) => {
                let as_at = find_as_at(&grid, &layout, &file_name, source).ok_or_else(|| {
                    IngestError(format!(
                        "{file_name}: could not find the as-at date: expected a title row such as \
                         'Report run on 31/10/2025' above the header, or a date in the file name \
                         such as {}_20251031{}",
                        source.id(),
                        path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default()
                    ))
                })?;
                return Ok(RawExtract {
                    path: path.to_path_buf(),
                    file_name,
                    sha256: sha256_hex(bytes),
                    source_id: source.id().to_string(),
                    grid,
                    layout,
                    as_at,
                });
            }
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.unwrap_or_else(|| IngestError(format!("{file_name}: the file has no visible sheet with data"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_ignores_case_space_punctuation() {
        assert_eq!(normalise_header(" Net Collectable Debit (£) "), "netcollectabledebit");
        assert_eq!(normalise_header("Account_Ref."), "accountref");
    }

    #[test]
    fn sha256_is_hex() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
