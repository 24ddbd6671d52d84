//! Store: the history of accepted extracts, in normalised form, so that indicators can be
//! computed for any period already seen.
//!
//! Takes [`CheckedExtract`]s; gives one Parquet file per source and as-at date
//! (`store/<source>/<as-at>.parquet`, each row carrying its `as_at`) and a manifest
//! (`store/manifest.json`) recording the lineage of each: file name, SHA-256, rows read,
//! accepted and rejected. Reloading an extract for the same source and as-at date replaces
//! the earlier one, whose file is kept under `replaced/`. Every file is written atomically and
//! the manifest last, so an interrupted run leaves the previous state readable. The record of
//! every extract's data-quality checks is kept beside them (`store/quality/`).

use crate::check::{days_since_epoch, CheckedExtract, QualityRecord};
use crate::publish::write_atomic;
use chrono::NaiveDate;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One accepted extract as the manifest records it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StoredExtract {
    pub source: String,
    pub as_at: NaiveDate,
    pub file_name: String,
    pub sha256: String,
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
    /// Path of the Parquet file, relative to the store folder.
    pub parquet: String,
    /// The run (as-of date) that loaded it.
    pub loaded_on: NaiveDate,
    /// Totals of its money and number columns, for the next extract's change checks.
    #[serde(default)]
    pub sums: std::collections::BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    extracts: Vec<StoredExtract>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("store manifest {path} is unreadable: {source}")]
    Manifest { path: PathBuf, source: serde_json::Error },
    #[error("store file {path}: {source}")]
    Polars { path: PathBuf, source: PolarsError },
}

/// The store folder and its manifest.
pub struct Store {
    dir: PathBuf,
    manifest: Manifest,
    /// Rows kept when loading (a breakdown's view of the store); all rows when empty.
    only: Vec<Only>,
    /// Sources already read, by source and as-of date, shared with views: every indicator
    /// of a source reads its Parquet files once per run.
    cache: Tables,
    /// Summaries of snapshot sources (see [`Store::summary`]): what to group by and sum, and
    /// the summaries made.
    plans: Shared<String, Plan>,
    summaries: Tables,
    /// The latest version of every record of a source (see [`Store::latest`]).
    latest: Tables,
}

/// A map shared by a store and its views.
type Shared<K, V> = std::sync::Arc<std::sync::Mutex<std::collections::HashMap<K, V>>>;

/// Tables made once per run, by source and as-of date. No lock is held while a table is
/// made (polars' and rayon's threads may run other work that reads the cache meanwhile), so
/// callers in parallel should read different sources.
type Tables = Shared<(String, NaiveDate), Option<DataFrame>>;

/// One Parquet file of the store, read whole.
fn read_parquet(path: &Path) -> Result<DataFrame, StoreError> {
    let file = std::fs::File::open(path).map_err(|source| StoreError::Io { path: path.to_path_buf(), source })?;
    ParquetReader::new(file).finish().map_err(|source| StoreError::Polars { path: path.to_path_buf(), source })
}

/// The table cached under `key`, or the one `make` gives (then cached).
fn cached(
    tables: &Tables,
    key: (String, NaiveDate),
    make: impl FnOnce() -> Result<Option<DataFrame>, StoreError>,
) -> Result<Option<DataFrame>, StoreError> {
    if let Some(df) = tables.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(df);
    }
    let df = make()?;
    if let Ok(mut c) = tables.lock() {
        c.insert(key, df.clone());
    }
    Ok(df)
}

/// What a source's summary keeps: the columns it is grouped by (besides `as_at`) and the
/// columns it sums; rows are counted in `_n`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub keys: Vec<String>,
    pub sums: Vec<String>,
}

/// A restriction of one source's rows to one value of a column, for breakdowns.
#[derive(Debug, Clone, PartialEq)]
pub struct Only {
    pub source: String,
    pub column: String,
    pub value: String,
}

impl Store {
    /// Opens (or starts) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let path = dir.join("manifest.json");
        let manifest = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| StoreError::Manifest { path, source })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
            Err(source) => return Err(StoreError::Io { path, source }),
        };
        Ok(Store {
            dir: dir.to_path_buf(),
            manifest,
            only: Vec::new(),
            cache: Default::default(),
            plans: Default::default(),
            summaries: Default::default(),
            latest: Default::default(),
        })
    }

    /// A read-only view of the store whose loads keep only the rows matching `only`.
    pub fn only(&self, only: Vec<Only>) -> Store {
        Store {
            dir: self.dir.clone(),
            manifest: self.manifest.clone(),
            only,
            cache: self.cache.clone(),
            plans: self.plans.clone(),
            summaries: self.summaries.clone(),
            latest: self.latest.clone(),
        }
    }

    /// A table restricted to this view's rows of `source` (unchanged outside a view).
    fn restrict(&self, source: &str, df: DataFrame) -> Result<DataFrame, StoreError> {
        let only: Vec<&Only> = self.only.iter().filter(|o| o.source == source).collect();
        if only.is_empty() {
            return Ok(df);
        }
        let mut lf = df.lazy();
        for o in only {
            lf = lf.filter(col(o.column.as_str()).cast(DataType::String).eq(lit(o.value.clone())));
        }
        let path = self.dir.join(source);
        lf.collect().map_err(|source| StoreError::Polars { path, source })
    }

    /// The latest version of every record of a records source (the row from the extract with
    /// the latest as-at date, by `key`), made once per run and shared by the views; a view's
    /// restrictions apply to the latest versions (a breakdown by outcome counts items by their
    /// latest outcome).
    pub fn latest(&self, source: &str, as_of: NaiveDate, key: &[String]) -> Result<Option<DataFrame>, StoreError> {
        let path = self.dir.join(source);
        let err = |source| StoreError::Polars { path: path.clone(), source };
        let all =
            cached(&self.latest, (source.to_string(), as_of), || match self.only(Vec::new()).load(source, as_of)? {
                Some(df) if !key.is_empty() => Ok(Some(
                    df.lazy()
                        .sort(["as_at"], SortMultipleOptions::default().with_maintain_order(true))
                        .unique_stable_generic(
                            Some(key.iter().map(|k| col(k.as_str())).collect()),
                            UniqueKeepStrategy::Last,
                        )
                        .collect()
                        .map_err(err)?,
                )),
                other => Ok(other),
            })?;
        all.map(|df| self.restrict(source, df)).transpose()
    }

    /// Sets what the summary of a source keeps (the union of what its snapshot indicators and
    /// breakdowns read).
    pub fn plan(&self, source: &str, plan: Plan) {
        let changed = match self.plans.lock() {
            Ok(mut p) => p.insert(source.to_string(), plan.clone()).as_ref() != Some(&plan),
            Err(_) => true,
        };
        if changed {
            if let Ok(mut s) = self.summaries.lock() {
                s.retain(|(src, _), _| src != source);
            }
        }
    }

    /// A source's rows summed per extract (`as_at`) and value of the planned keys, counted in
    /// `_n`: a few hundred rows in place of millions, made once per run and shared by every
    /// snapshot indicator of the source. A view's restrictions apply to the summary when
    /// their columns are planned keys, else to the rows before summing.
    pub fn summary(&self, source: &str, as_of: NaiveDate) -> Result<Option<DataFrame>, StoreError> {
        let plan = self.plans.lock().ok().and_then(|p| p.get(source).cloned()).unwrap_or_default();
        let only: Vec<&Only> = self.only.iter().filter(|o| o.source == source).collect();
        let path = self.dir.join(source);
        let err = |source| StoreError::Polars { path: path.clone(), source };
        let summarise = |df: DataFrame| -> Result<DataFrame, StoreError> {
            let mut by = vec![col("as_at")];
            by.extend(plan.keys.iter().map(|k| col(k.as_str())));
            let mut aggs = vec![len().cast(DataType::Float64).alias("_n")];
            aggs.extend(plan.sums.iter().map(|f| col(f.as_str()).cast(DataType::Float64).sum()));
            df.lazy().group_by(by).agg(aggs).collect().map_err(err)
        };
        if only.iter().any(|o| !plan.keys.contains(&o.column)) {
            return self.load(source, as_of)?.map(summarise).transpose();
        }
        let full = cached(&self.summaries, (source.to_string(), as_of), || {
            // One small summary file per extract and plan, kept beside its Parquet file
            // (made on first use and reused by later runs), so a run reads a few hundred
            // summary rows per extract instead of the extract itself.
            let plan_id = crate::ingest::sha256_hex(format!("{:?}|{:?}", plan.keys, plan.sums).as_bytes());
            let mut frames = Vec::new();
            for e in self.manifest.extracts.iter().filter(|e| e.source == source && e.as_at <= as_of) {
                let data = self.dir.join(&e.parquet);
                let kept = data.with_extension(format!("summary-{}.parquet", &plan_id[..12]));
                let df = match read_parquet(&kept) {
                    Ok(df) => df,
                    Err(_) => {
                        let mut df = summarise(read_parquet(&data)?)?;
                        let mut bytes = Vec::new();
                        ParquetWriter::new(&mut bytes).finish(&mut df).map_err(err)?;
                        // A summary that cannot be kept is made again next time.
                        let _ = write_atomic(&kept, &bytes);
                        df
                    }
                };
                frames.push(df.lazy());
            }
            if frames.is_empty() {
                return Ok(None);
            }
            Ok(Some(concat(frames, UnionArgs::default()).and_then(|lf| lf.collect()).map_err(err)?))
        })?;
        full.map(|df| self.restrict(source, df)).transpose()
    }

    /// The distinct values of a column of a source (as text, blanks left out), in order, at
    /// most `limit` of them.
    pub fn distinct(
        &self,
        source: &str,
        column: &str,
        as_of: NaiveDate,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        // From the source's summary when it keeps the column (a few hundred rows), else from
        // the rows.
        let planned =
            self.plans.lock().ok().is_some_and(|p| p.get(source).is_some_and(|p| p.keys.iter().any(|k| k == column)));
        let table = if planned { self.summary(source, as_of)? } else { self.load(source, as_of)? };
        let Some(df) = table else { return Ok(Vec::new()) };
        let path = self.dir.join(source);
        let err = |source| StoreError::Polars { path: path.clone(), source };
        let Ok(c) = df.column(column) else { return Ok(Vec::new()) };
        let c = c.cast(&DataType::String).map_err(err)?;
        let values: std::collections::BTreeSet<String> =
            c.str().map_err(err)?.iter().flatten().map(str::to_string).collect();
        Ok(values.into_iter().take(limit).collect())
    }

    /// Every extract in the store, in the order they were loaded.
    pub fn extracts(&self) -> &[StoredExtract] {
        &self.manifest.extracts
    }

    /// The stored extract with these exact bytes, if any.
    pub fn find_sha256(&self, sha: &str) -> Option<&StoredExtract> {
        self.manifest.extracts.iter().find(|e| e.sha256 == sha)
    }

    /// Adds an accepted extract, replacing one of the same source and as-at date.
    pub fn put(&mut self, x: &CheckedExtract, loaded_on: NaiveDate) -> Result<StoredExtract, StoreError> {
        let rel = format!("{}/{}.parquet", x.source_id, x.as_at);
        let path = self.dir.join(&rel);
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        if path.exists() {
            let replaced = self.dir.join(&x.source_id).join("replaced");
            std::fs::create_dir_all(&replaced).map_err(io(&replaced))?;
            let old_sha = self
                .manifest
                .extracts
                .iter()
                .find(|e| e.parquet == rel)
                .map(|e| e.sha256[..12].to_string())
                .unwrap_or_else(|| "unknown".into());
            let dest = crate::publish::free_path(&replaced, &format!("{}-{old_sha}.parquet", x.as_at));
            std::fs::rename(&path, &dest).map_err(io(&path))?;
            // Summaries of the replaced extract are derived data: remove them (they are made
            // again from the new extract when next needed).
            let stem = format!("{}.summary-", x.as_at);
            if let Ok(entries) = std::fs::read_dir(self.dir.join(&x.source_id)) {
                for e in entries.flatten() {
                    if e.file_name().to_string_lossy().starts_with(&stem) {
                        let _ = std::fs::remove_file(e.path());
                    }
                }
            }
        }
        let mut df = x.table.clone();
        let n = df.height();
        df.with_column(
            Column::new("as_at".into(), vec![days_since_epoch(x.as_at); n])
                .cast(&DataType::Date)
                .map_err(|source| StoreError::Polars { path: path.clone(), source })?,
        )
        .map_err(|source| StoreError::Polars { path: path.clone(), source })?;
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes)
            .finish(&mut df)
            .map_err(|source| StoreError::Polars { path: path.clone(), source })?;
        write_atomic(&path, &bytes).map_err(io(&path))?;

        let entry = StoredExtract {
            source: x.source_id.clone(),
            as_at: x.as_at,
            file_name: x.file_name.clone(),
            sha256: x.sha256.clone(),
            rows_read: x.rows_read,
            rows_accepted: x.rows_accepted,
            rows_rejected: x.rows_rejected,
            parquet: rel.clone(),
            loaded_on,
            sums: x.sums.clone(),
        };
        for tables in [&self.cache, &self.summaries, &self.latest] {
            if let Ok(mut c) = tables.lock() {
                c.retain(|(source, _), _| source != &x.source_id);
            }
        }
        self.manifest.extracts.retain(|e| e.parquet != rel);
        self.manifest.extracts.push(entry.clone());
        self.manifest.extracts.sort_by(|a, b| (&a.source, a.as_at).cmp(&(&b.source, b.as_at)));
        self.save()?;
        Ok(entry)
    }

    fn save(&self) -> Result<(), StoreError> {
        let path = self.dir.join("manifest.json");
        let json = serde_json::to_vec_pretty(&self.manifest).expect("manifest serialises");
        write_atomic(&path, &json).map_err(|source| StoreError::Io { path, source })
    }

    /// Keeps the record of an extract's checks (accepted or not) under
    /// `quality/<source>/<as-at>-<sha12>-checked-<run date>.json`, so data quality can be
    /// reported per period and every run's findings are kept (the first
    /// [`crate::check::RECORD_LISTED`] failing rows of each check; all are counted).
    pub fn put_quality(&self, r: &QualityRecord) -> Result<PathBuf, StoreError> {
        let name = format!("{}-{}-checked-{}.json", r.as_at, &r.sha256[..12.min(r.sha256.len())], r.checked_on);
        let path = self.dir.join("quality").join(&r.source).join(name);
        let json = serde_json::to_vec_pretty(&r.trimmed()).expect("quality record serialises");
        write_atomic(&path, &json).map_err(|source| StoreError::Io { path: path.clone(), source })?;
        Ok(path)
    }

    /// Keeps a commentary file dropped with the extracts (`commentary/<name>.<sha12>.csv`).
    pub fn put_commentary(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        let sha = crate::ingest::sha256_hex(bytes);
        let path = self.dir.join("commentary").join(crate::publish::kept_name(name, &sha));
        write_atomic(&path, bytes).map_err(|source| StoreError::Io { path: path.clone(), source })?;
        Ok(path)
    }

    /// Every kept commentary file, oldest name first: (path, bytes).
    pub fn commentary_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("commentary")) else { return Vec::new() };
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
        files.sort();
        files.into_iter().filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b))).collect()
    }

    /// Every kept quality record, by source and as-at date. A record that cannot be read is
    /// an error naming it.
    pub fn quality_records(&self) -> Result<Vec<QualityRecord>, StoreError> {
        let mut out = Vec::new();
        let root = self.dir.join("quality");
        let Ok(sources) = std::fs::read_dir(&root) else { return Ok(out) };
        let mut files: Vec<PathBuf> = sources
            .filter_map(|e| e.ok())
            .filter_map(|e| std::fs::read_dir(e.path()).ok())
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for path in files {
            let bytes = std::fs::read(&path).map_err(|source| StoreError::Io { path: path.clone(), source })?;
            out.push(serde_json::from_slice(&bytes).map_err(|source| StoreError::Manifest { path, source })?);
        }
        out.sort_by(|a: &QualityRecord, b| {
            (&a.source, a.as_at, &a.checked_on).cmp(&(&b.source, b.as_at, &b.checked_on))
        });
        Ok(out)
    }

    /// All rows of a source from extracts dated on or before `as_of`, as one table with an
    /// `as_at` column; `None` if there are none.
    pub fn load(&self, source: &str, as_of: NaiveDate) -> Result<Option<DataFrame>, StoreError> {
        let all = cached(&self.cache, (source.to_string(), as_of), || self.read(source, as_of))?;
        all.map(|df| self.restrict(source, df)).transpose()
    }

    /// Reads a source's Parquet files dated on or before `as_of` into one table.
    fn read(&self, source: &str, as_of: NaiveDate) -> Result<Option<DataFrame>, StoreError> {
        let mut frames = Vec::new();
        for e in self.manifest.extracts.iter().filter(|e| e.source == source && e.as_at <= as_of) {
            let df = read_parquet(&self.dir.join(&e.parquet))?;
            frames.push(df.lazy());
        }
        if frames.is_empty() {
            return Ok(None);
        }
        let path = self.dir.join(source);
        let df = concat(frames, UnionArgs::default())
            .and_then(|lf| lf.collect())
            .map_err(|source| StoreError::Polars { path, source })?;
        Ok(Some(df))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{checked, date, project, REVENUES_HEADER};
    use std::path::Path;

    #[test]
    fn put_load_and_replace() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let store_dir = dir.path().join("store");
        let mut store = Store::open(&store_dir).unwrap();
        let as_at = date("2025-10-31");
        let one =
            checked(&p, "revenues", as_at, &REVENUES_HEADER, &[vec!["Fenland", "CTAX", "A1", "2025/26", "100", "50"]]);
        store.put(&one, date("2025-11-01")).unwrap();
        let df = store.load("revenues", date("2025-11-01")).unwrap().unwrap();
        assert_eq!(df.height(), 1);
        assert_eq!(df.column("as_at").unwrap().dtype(), &DataType::Date);
        assert!(store.load("revenues", date("2025-10-30")).unwrap().is_none(), "extracts after as-of are not used");
        assert!(store.find_sha256(&one.sha256).is_some());

        // A corrected extract for the same source and date replaces the first; the first is kept.
        let two = checked(
            &p,
            "revenues",
            as_at,
            &REVENUES_HEADER,
            &[
                vec!["Fenland", "CTAX", "A1", "2025/26", "100", "60"],
                vec!["Fenland", "CTAX", "A2", "2025/26", "10", "1"],
            ],
        );
        store.put(&two, date("2025-11-02")).unwrap();
        let reopened = Store::open(&store_dir).unwrap();
        assert_eq!(reopened.extracts().len(), 1);
        assert_eq!(reopened.extracts()[0].rows_accepted, 2);
        assert_eq!(reopened.load("revenues", as_at).unwrap().unwrap().height(), 2);
        let kept = std::fs::read_dir(store_dir.join("revenues/replaced")).unwrap().count();
        assert_eq!(kept, 1, "the replaced version is kept");
    }

    #[test]
    fn quality_records_keep_counts_whole_and_the_first_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let store = Store::open(&dir.path().join("store")).unwrap();
        let rows: Vec<Vec<&str>> = (0..150).map(|_| vec!["Fenland", "CTAX", "BAD", "2025/26", "100", "50"]).collect();
        let x = checked(&p, "revenues", date("2025-10-31"), &REVENUES_HEADER, &rows);
        let record = x.record(date("2025-11-01"));
        let pattern = record.checks.iter().find(|c| c.id == "pattern:account_ref").unwrap();
        assert_eq!((pattern.failing, pattern.failures.len()), (150, 150), "the run lists every row");
        store.put_quality(&record).unwrap();
        store.put_quality(&x.record(date("2025-11-02"))).unwrap();
        let kept = store.quality_records().unwrap();
        assert_eq!(kept.len(), 2, "one record per run");
        let pattern = kept[0].checks.iter().find(|c| c.id == "pattern:account_ref").unwrap();
        assert_eq!((pattern.failing, pattern.failures.len()), (150, crate::check::RECORD_LISTED));
    }

    #[test]
    fn summaries_are_kept_and_made_again_when_an_extract_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let store_dir = dir.path().join("store");
        let mut store = Store::open(&store_dir).unwrap();
        let plan = Plan { keys: vec!["council".into()], sums: vec!["collected".into()] };
        let as_at = date("2025-10-31");
        let row = |collected: &'static str| vec!["Fenland", "CTAX", "CT1000001", "2025/26", "100", collected];
        store.put(&checked(&p, "revenues", as_at, &REVENUES_HEADER, &[row("50")]), as_at).unwrap();
        store.plan("revenues", plan.clone());
        let sum = |s: &Store| {
            s.summary("revenues", as_at).unwrap().unwrap().column("collected").unwrap().f64().unwrap().sum()
        };
        assert_eq!(sum(&store), Some(50.0));
        let kept = |d: &Path| {
            std::fs::read_dir(d.join("revenues"))
                .unwrap()
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().contains(".summary-"))
                .count()
        };
        assert_eq!(kept(&store_dir), 1, "the summary is kept beside the extract");
        // A corrected extract for the same date: its summary, not the old one, is used.
        store.put(&checked(&p, "revenues", as_at, &REVENUES_HEADER, &[row("70")]), as_at).unwrap();
        assert_eq!(kept(&store_dir), 0, "the replaced extract's summary is removed");
        let reopened = Store::open(&store_dir).unwrap();
        reopened.plan("revenues", plan);
        assert_eq!(sum(&reopened), Some(70.0));
    }

    #[test]
    fn unreadable_manifest_is_an_error_not_a_reset() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manifest.json"), b"{ not json").unwrap();
        let err = Store::open(dir.path()).err().expect("error");
        assert!(err.to_string().contains("manifest.json"), "{err}");
    }
}
