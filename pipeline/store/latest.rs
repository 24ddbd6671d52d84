//! What the store keeps between runs so that a night adding a month does the work of that
//! month only: the latest versions of each records source, and figures a method kept.
//!
//! The latest version of every record of a records source is kept between runs so that a
//! night which adds a month folds that month's versions into last night's table instead of
//! sorting every version of three years again.
//!
//! A kept table lives under `summaries/<source>/latest/` (derived data, made again whenever
//! it cannot be used): a Parquet file and `kept.json`, which names it with its SHA-256, the
//! record key and the parts it was made from, in store order. It is used only when those
//! parts are the first of tonight's parts and every part after them is dated later than all
//! of them (a new month, or new councils' files for a later date). Then the latest versions
//! are the kept rows followed by the new parts' rows, each record keeping its last row: the
//! same rows, in the same order, as from every version (the property test below holds it to
//! that). A replaced or late extract, a changed key, a damaged or missing file: the table is
//! made from every version, as before, and kept for the next night. The table is written on a
//! thread of its own while the night's indicators read it; the store waits for that thread
//! before it is dropped.

use super::{read_parquet, Store, StoreError};
use crate::fs::write_atomic;
use chrono::NaiveDate;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What `kept.json` records.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Kept {
    /// The Parquet file's name within the folder, and the SHA-256 of its bytes.
    file: String,
    sha256: String,
    /// The record key the table was made by.
    key: Vec<String>,
    /// The parts (paths within the store) the table was made from, in store order.
    parts: Vec<String>,
}

/// How the latest versions of a source were made, for tests and the benchmark's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Made {
    /// From last night's kept table and the parts added since.
    Folded { added: usize },
    /// From every version.
    Whole,
}

impl Store {
    /// Whether this is a view that keeps only some rows of `source`.
    pub fn restricted(&self, source: &str) -> bool {
        self.only.iter().any(|o| o.source == source)
    }

    /// Figures a method kept for the next run under `name` (see [`Store::keep_figures`]).
    pub fn kept_figures(&self, source: &str, name: &str) -> Option<Vec<u8>> {
        std::fs::read(self.figures_path(source, name)).ok()
    }

    /// Keeps figures a method can start from next time, as `summaries/<source>/figures/
    /// <name>.json` (derived data: the method checks what they were made from before using
    /// them, and makes them again when it cannot). Not kept if it cannot be written.
    pub fn keep_figures(&self, source: &str, name: &str, bytes: &[u8]) {
        let _ = write_atomic(&self.figures_path(source, name), bytes);
    }

    fn figures_path(&self, source: &str, name: &str) -> PathBuf {
        self.dir.join("summaries").join(source).join("figures").join(format!("{name}.json"))
    }

    fn kept_dir(&self, source: &str) -> PathBuf {
        self.dir.join("summaries").join(source).join("latest")
    }

    /// The latest version of every record of `source` from parts dated on or before
    /// `as_of`, in the order of [`Store::latest`]: from the kept table when it can be used,
    /// else from every version; kept for the next run when it covers every part in use.
    pub(super) fn make_latest(
        &self,
        source: &str,
        as_of: NaiveDate,
        key: &[String],
    ) -> Result<Option<(DataFrame, Made)>, StoreError> {
        let parts = self.parts(source, as_of);
        if parts.is_empty() {
            return Ok(None);
        }
        let names: Vec<String> = parts.iter().map(|(_, p)| p.parquet.clone()).collect();
        let path = self.dir.join(source);
        let err = |source| StoreError::Polars { path: path.clone(), source };
        let last_of_each = |lf: LazyFrame| {
            lf.unique_stable_generic(Some(key.iter().map(|k| col(k.as_str())).collect()), UniqueKeepStrategy::Last)
        };
        let folded = self.kept_table(source, key, &names).and_then(|(old, n)| {
            let last_kept = parts[n - 1].0.as_at;
            if parts[n..].iter().any(|(e, _)| e.as_at <= last_kept) {
                return None;
            }
            let added = parts.len() - n;
            if added == 0 {
                return Some((old, Made::Folded { added }));
            }
            let frames = parts[n..]
                .iter()
                .map(|(_, p)| read_parquet(&self.dir.join(&p.parquet)).map(DataFrame::lazy))
                .collect::<Result<Vec<_>, _>>()
                .ok()?;
            let new = concat(frames, UnionArgs::default()).and_then(|lf| last_of_each(lf).collect()).ok()?;
            Some((fold(old, new, key).ok()?, Made::Folded { added }))
        });
        let (df, made) = match folded {
            Some(x) => x,
            None => {
                let Some(all) = self.only(Vec::new()).load(source, as_of)? else { return Ok(None) };
                let sorted = all.lazy().sort(["as_at"], SortMultipleOptions::default().with_maintain_order(true));
                (last_of_each(sorted).collect().map_err(err)?, Made::Whole)
            }
        };
        let every_part: usize =
            self.manifest.extracts.iter().filter(|e| e.source == source).map(|e| e.parts.len()).sum();
        if names.len() == every_part && made != (Made::Folded { added: 0 }) {
            // Written beside the work that reads it (the store waits for it before it is
            // dropped); a table that cannot be kept is made again next time.
            let (dir, key, mut df) = (self.kept_dir(source), key.to_vec(), df.clone());
            self.beside(move || {
                let _ = keep_latest(&dir, key, names, &mut df);
            });
        }
        Ok(Some((df, made)))
    }

    /// The kept table of `source` and how many of `parts` it was made from, if it was made
    /// by `key` from the first of them and its file is whole.
    fn kept_table(&self, source: &str, key: &[String], parts: &[String]) -> Option<(DataFrame, usize)> {
        let dir = self.kept_dir(source);
        let kept: Kept = serde_json::from_slice(&std::fs::read(dir.join("kept.json")).ok()?).ok()?;
        let n = kept.parts.len();
        if kept.key != key || n == 0 || n > parts.len() || kept.parts[..] != parts[..n] {
            return None;
        }
        let bytes = std::fs::read(dir.join(&kept.file)).ok()?;
        if crate::common::sha256_hex(&bytes) != kept.sha256 {
            return None;
        }
        let df = ParquetReader::new(std::io::Cursor::new(bytes)).finish().ok()?;
        Some((df, n))
    }
}

/// The kept rows whose record has no new version, then the new versions (each record's
/// last): the rows, in the same order, that sorting both by as-at date and keeping each
/// record's last row gives, the kept rows being each record's last version in the order of
/// those versions and the new ones dated later, in date order. A record is found by its
/// key's values encoded as bytes (as polars' own `unique` compares them).
fn fold(old: DataFrame, new: DataFrame, key: &[String]) -> PolarsResult<DataFrame> {
    use polars::chunked_array::ops::row_encode::encode_rows_unordered;
    let keys = |df: &DataFrame| -> PolarsResult<BinaryOffsetChunked> {
        let columns = key.iter().map(|k| df.column(k).cloned()).collect::<PolarsResult<Vec<_>>>()?;
        encode_rows_unordered(&columns)
    };
    let new_keys = keys(&new)?;
    let renewed: std::collections::HashSet<&[u8]> = new_keys.downcast_iter().flat_map(|a| a.values_iter()).collect();
    let old_keys = keys(&old)?;
    let unchanged: BooleanChunked =
        old_keys.downcast_iter().flat_map(|a| a.values_iter()).map(|k| !renewed.contains(k)).collect();
    let mut df = old.filter(&unchanged)?;
    df.vstack_mut(&new)?;
    df.rechunk_mut_par();
    Ok(df)
}

/// Writes the table into `dir` and then `kept.json` naming it; removes the files it replaces.
fn keep_latest(dir: &std::path::Path, key: Vec<String>, parts: Vec<String>, df: &mut DataFrame) -> Option<()> {
    let bytes = super::parquet_bytes(df, true).ok()?;
    let sha256 = crate::common::sha256_hex(&bytes);
    let file = format!("{}.parquet", &sha256[..16]);
    write_atomic(&dir.join(&file), &bytes).ok()?;
    let kept = Kept { file: file.clone(), sha256, key, parts };
    write_atomic(&dir.join("kept.json"), &serde_json::to_vec_pretty(&kept).ok()?).ok()?;
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name != file && name != "kept.json" && !crate::fs::is_temporary(&name) {
            let _ = std::fs::remove_file(e.path());
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{benefits_night as put, benefits_nights, date, project, Nights};
    use proptest::prelude::*;

    fn latest(store_dir: &std::path::Path, as_of: NaiveDate) -> (DataFrame, Made) {
        let store = Store::open(store_dir).unwrap();
        let key: Vec<String> = ["council", "claim_ref", "work_type", "date_received"].map(String::from).to_vec();
        store.make_latest("benefits", as_of, &key).unwrap().unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]
        /// Night after night, with a later extract, a late one or a replacement now and then:
        /// the latest versions folded into the kept table are those made from every version.
        #[test]
        fn folded_latest_versions_are_those_of_every_version(nights in benefits_nights()) {
            let dir = tempfile::tempdir().unwrap();
            let p = project(&dir.path().join("p"));
            let store_dir = dir.path().join("store");
            let mut dates = Nights::default();
            for (how, rows) in nights {
                let mut store = Store::open(&store_dir).unwrap();
                let (as_at, as_of) = dates.next(how);
                put(&p, &mut store, as_at, &rows);
                let (got, _) = latest(&store_dir, as_of);
                // The same from every version (the kept table set aside, then put back).
                let kept = store_dir.join("summaries");
                let aside = dir.path().join("aside");
                std::fs::rename(&kept, &aside).unwrap();
                let (want, made) = latest(&store_dir, as_of);
                std::fs::remove_dir_all(&kept).unwrap();
                std::fs::rename(&aside, &kept).unwrap();
                prop_assert_eq!(made, Made::Whole);
                prop_assert!(got.equals_missing(&want), "folded:\n{got}\nfrom every version:\n{want}");
            }
        }
    }

    #[test]
    fn a_new_month_is_folded_in_and_a_replaced_extract_makes_the_table_again() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let store_dir = dir.path().join("store");
        let mut store = Store::open(&store_dir).unwrap();
        put(&p, &mut store, date("2024-04-30"), &[(0, 1, 1), (1, 2, 3)]);
        put(&p, &mut store, date("2024-05-31"), &[(0, 1, 5), (2, 3, 1)]);
        assert_eq!(latest(&store_dir, date("2024-06-07")).1, Made::Whole);
        let mut store = Store::open(&store_dir).unwrap();
        put(&p, &mut store, date("2024-06-30"), &[(0, 1, 8)]);
        let (df, made) = latest(&store_dir, date("2024-07-07"));
        assert_eq!(made, Made::Folded { added: 1 });
        assert_eq!(df.height(), 3, "three claims, each once");
        // The same night again reads the kept table as it is.
        assert_eq!(latest(&store_dir, date("2024-07-07")).1, Made::Folded { added: 0 });
        // An earlier as-of date cannot use it.
        assert_eq!(latest(&store_dir, date("2024-06-07")).1, Made::Whole);
        // May's extract replaced: every version is read again.
        let mut store = Store::open(&store_dir).unwrap();
        put(&p, &mut store, date("2024-05-31"), &[(0, 1, 7)]);
        assert_eq!(latest(&store_dir, date("2024-07-07")).1, Made::Whole);
        // A damaged kept table is not used.
        let kept = store_dir.join("summaries/benefits/latest");
        for e in std::fs::read_dir(&kept).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "parquet") {
                let mut bytes = std::fs::read(e.path()).unwrap();
                bytes[10] ^= 1;
                std::fs::write(e.path(), bytes).unwrap();
            }
        }
        let mut store = Store::open(&store_dir).unwrap();
        put(&p, &mut store, date("2024-07-31"), &[(1, 2, 4)]);
        assert_eq!(latest(&store_dir, date("2024-08-07")).1, Made::Whole);
    }
}
