//! Store: the history of accepted extracts in normalised form, so that indicators can be
//! computed for any period already seen.
//!
//! Takes [`CheckedExtract`]s; gives a Hive-partitioned Parquet dataset with one file per
//! source, council and as-at date ([`paths`]: `store/revenues/partner=E07000143/as_at=2025-10-31/
//! 3f2a9c01b4de.parquet`, each row carrying its `as_at`), which DuckDB, polars, Spark or
//! DataFusion read with one glob, and a manifest ([`manifest`], `store/manifest.json`)
//! recording the lineage of each part: the file that brought it, its SHA-256, rows read,
//! accepted and rejected. The unit of storage is a council's data for a source and as-at
//! date, not the file: a file covering one council replaces only that council's earlier data
//! for the date, a file covering every council replaces all of theirs, and files of different
//! councils for the same date sit side by side. Every replacement is recorded
//! ([`Replacement`]) and the replaced data kept under `replaced/`. New files are written
//! first, the manifest is the commit point, and replaced files move after it; [`repair`]
//! finishes what a killed run left and migrates a store of the old layout. The record of
//! every extract's data-quality checks is kept beside them (`store/quality/`).

pub mod audit;
pub mod coverage;
mod latest;
pub mod manifest;
pub mod paths;
mod repair;

pub use manifest::{Replaced, Replacement, StoredExtract, StoredPart};

use crate::check::{CheckedExtract, QualityRecord};
use crate::fs::write_atomic;
use crate::periods::days_since_epoch;
use chrono::NaiveDate;
use manifest::Manifest;
use polars::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("store manifest {path} is unreadable: {source}")]
    Manifest { path: PathBuf, source: serde_json::Error },
    #[error("store file {path}: {source}")]
    Polars { path: PathBuf, source: PolarsError },
    #[error(
        "the store in {0} has the layout of an older scorecard (one file per source and date); a run migrates it first"
    )]
    NotMigrated(PathBuf),
}

/// The store folder and its manifest.
pub struct Store {
    dir: PathBuf,
    manifest: Manifest,
    /// A layout-1 manifest not yet migrated (then `manifest` shows each of its extracts as
    /// one part holding every council's rows, for reading).
    legacy: Option<Vec<manifest::LegacyExtract>>,
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
    /// The texts of one column in each part of a source (see [`Store::column_texts`]).
    texts: Shared<(String, NaiveDate, String), std::sync::Arc<PartTexts>>,
    /// Derived tables being kept for the next run beside the work that reads them (see
    /// [`Store::beside`]), shared with views; waited for when the last of them is dropped.
    keeping: std::sync::Arc<std::sync::Mutex<Vec<std::thread::JoinHandle<()>>>>,
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(keeping) = std::sync::Arc::get_mut(&mut self.keeping) {
            let handles = keeping.get_mut().map(std::mem::take).unwrap_or_default();
            for h in handles {
                let _ = h.join();
            }
        }
    }
}

/// The distinct texts of one column in each part of a source, with the part's as-at date.
type PartTexts = Vec<(NaiveDate, std::collections::BTreeSet<String>)>;

/// A map shared by a store and its views.
type Shared<K, V> = std::sync::Arc<std::sync::Mutex<std::collections::HashMap<K, V>>>;

/// Tables made once per run, by source and as-of date. No lock is held while a table is
/// made (polars' and rayon's threads may run other work that reads the cache meanwhile), so
/// callers in parallel should read different sources.
type Tables = Shared<(String, NaiveDate), Option<DataFrame>>;

/// A table as the bytes of one Parquet file of the store. Compressed with LZ4: writing is
/// about twice as fast as Zstandard on all cores and reading faster, for files about twice
/// the size (18 MB against 8 MB a million revenues rows). Any Parquet reader reads them
/// (the codec is `LZ4_RAW`); parts written before with Zstandard are read as they are.
///
/// `alone`: the table's columns are encoded on all cores. A caller writing several tables at
/// once on all cores passes false, and each is encoded on the thread that writes it: polars
/// encodes in its own thread pool, and a rayon worker waiting for it takes the next table
/// meanwhile, so the writes nest on one thread and the last ones run on one core (the
/// bytes are the same either way).
pub(crate) fn parquet_bytes(df: &mut DataFrame, alone: bool) -> PolarsResult<Vec<u8>> {
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).with_compression(ParquetCompression::Lz4Raw).set_parallel(alone).finish(df)?;
    Ok(bytes)
}

/// One Parquet file of the store, read whole.
fn read_parquet(path: &Path) -> Result<DataFrame, StoreError> {
    read_parquet_columns(path, None)
}

/// One Parquet file of the store, only the `columns` it has of those named (all with `None`).
fn read_parquet_columns(path: &Path, columns: Option<&[&str]>) -> Result<DataFrame, StoreError> {
    let file = std::fs::File::open(path).map_err(|source| StoreError::Io { path: path.to_path_buf(), source })?;
    let err = |source| StoreError::Polars { path: path.to_path_buf(), source };
    let mut reader = ParquetReader::new(file);
    if let Some(wanted) = columns {
        let schema = reader.schema().map_err(err)?;
        let present = wanted.iter().filter(|c| schema.contains(c)).map(|c| c.to_string()).collect();
        reader = reader.with_columns(Some(present));
    }
    reader.finish().map_err(err)
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
/// columns it sums; rows are counted in `_n`. `partner` is the source's partner column (one
/// of the keys), by which a summary keeps only the councils whose data is still in use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub keys: Vec<String>,
    pub sums: Vec<String>,
    pub partner: Option<String>,
}

impl Plan {
    /// Rows summed per as-at date and value of the keys (counted in `_n`), groups in the
    /// order they first appear.
    fn summarise(&self, df: DataFrame) -> PolarsResult<DataFrame> {
        let mut by = vec![col("as_at")];
        by.extend(self.keys.iter().map(|k| col(k.as_str())));
        let mut aggs = vec![len().cast(DataType::Float64).alias("_n")];
        aggs.extend(self.sums.iter().map(|f| col(f.as_str()).cast(DataType::Float64).sum()));
        df.lazy().group_by_stable(by).agg(aggs).collect()
    }

    /// The summary of one extract's rows, given as its parts, summed together.
    fn summarise_parts(&self, parts: Vec<LazyFrame>) -> PolarsResult<DataFrame> {
        let columns: Vec<Expr> = self.columns().into_iter().map(col).collect();
        let rows = parts.into_iter().map(|p| p.select(columns.clone())).collect::<Vec<_>>();
        self.summarise(concat(rows, UnionArgs::default())?.collect()?)
    }

    /// The columns a summary reads.
    fn columns(&self) -> Vec<&str> {
        std::iter::once("as_at").chain(self.keys.iter().chain(&self.sums).map(String::as_str)).collect()
    }

    /// What names this plan's summary files.
    fn id(&self) -> String {
        crate::common::sha256_hex(format!("{:?}|{:?}", self.keys, self.sums).as_bytes())[..12].to_string()
    }
}

/// The first and last as-at dates of a table of the store's rows (or of its summaries);
/// `None` when it has no rows.
pub fn as_at_range(df: &DataFrame) -> PolarsResult<Option<(NaiveDate, NaiveDate)>> {
    let days = df.column("as_at")?.cast(&DataType::Int32)?;
    let days = days.i32()?;
    Ok(days.min().zip(days.max()).map(|(a, b)| (crate::periods::date_from_days(a), crate::periods::date_from_days(b))))
}

/// The distinct texts of a column of `df` (none if it has no such column), as a view of
/// the store compares them: cast to text, blanks left out.
fn texts_of(df: &DataFrame, column: &str) -> PolarsResult<std::collections::BTreeSet<String>> {
    let Ok(c) = df.column(column) else { return Ok(Default::default()) };
    // Each distinct value once (polars' hashing), then in order.
    let c = c.unique()?.cast(&DataType::String)?;
    Ok(c.str()?.iter().flatten().map(str::to_string).collect())
}

/// An I/O error at `path`, for `map_err`.
fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::Io { path, source }
}

/// A polars error at `path`, for `map_err`.
fn polars_at(path: &Path) -> impl FnOnce(PolarsError) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::Polars { path, source }
}

/// What [`Store::put`] did: the entry it added, the parts it replaced, and problems that
/// did not stop it (a replaced file left for the next run to move).
#[derive(Debug, Clone)]
pub struct Stored {
    pub entry: StoredExtract,
    pub replaced: Vec<Replacement>,
    pub warnings: Vec<String>,
}

/// A table split by the values of its partner column, in code order: blank partners and
/// tables without a partner column are [`paths::WHOLE`].
fn split_by_partner(df: &DataFrame, partner: Option<&str>) -> PolarsResult<Vec<(String, DataFrame)>> {
    use rayon::prelude::*;
    let Some(field) = partner.filter(|f| df.column(f).is_ok()) else {
        return Ok(vec![(paths::WHOLE.to_string(), df.clone())]);
    };
    let codes = df.column(field)?.cast(&DataType::String)?;
    // The rows of every code, found in one pass over the column (hashed, then put in code
    // order).
    let mut by_code: PlHashMap<Option<&str>, Vec<IdxSize>> = PlHashMap::new();
    for (i, c) in codes.str()?.iter().enumerate() {
        by_code.entry(c).or_default().push(i as IdxSize);
    }
    let mut rows: Vec<(Option<&str>, Vec<IdxSize>)> = by_code.into_iter().collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    if rows.len() <= 1 {
        let code = rows.into_iter().next().and_then(|(c, _)| c).unwrap_or(paths::WHOLE);
        return Ok(vec![(code.to_string(), df.clone())]);
    }
    let mut out = rows
        .into_par_iter()
        .map(|(code, idx)| {
            // A council's rows in one run (a file sorted by council) are a slice of the
            // table, not a copy; the Parquet writer joins its pieces into one row group.
            let (first, len) = (idx[0] as usize, idx.len());
            let part = if idx[len - 1] as usize == first + len - 1 {
                df.slice(first as i64, len)
            } else {
                df.take(&IdxCa::from_vec(PlSmallStr::EMPTY, idx))?
            };
            Ok((code.unwrap_or(paths::WHOLE).to_string(), part))
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The totals of `fields` over a part's rows, settled as the indicators settle sums (so the
/// same rows give the same totals, whichever order polars adds them in).
fn sums_of<'a>(df: &DataFrame, fields: impl Iterator<Item = &'a String>) -> BTreeMap<String, f64> {
    fields
        .filter_map(|f| {
            let c = df.column(f).ok()?.cast(&DataType::Float64).ok()?;
            let total = c.f64().ok()?.sum().unwrap_or(0.0);
            Some((f.clone(), crate::common::settle(total))).filter(|(_, v)| v.is_finite())
        })
        .collect()
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
        let (manifest, legacy) = match std::fs::read(&path) {
            Ok(bytes) => match manifest::parse(&bytes).map_err(|source| StoreError::Manifest { path, source })? {
                manifest::Read::Current(m) => (m, None),
                manifest::Read::Legacy(old) => {
                    let extracts = old.iter().map(manifest::LegacyExtract::as_whole).collect();
                    (Manifest { extracts, ..Manifest::default() }, Some(old))
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Manifest::default(), None),
            Err(source) => return Err(StoreError::Io { path, source }),
        };
        Ok(Store {
            dir: dir.to_path_buf(),
            manifest,
            legacy,
            only: Vec::new(),
            cache: Default::default(),
            plans: Default::default(),
            summaries: Default::default(),
            latest: Default::default(),
            texts: Default::default(),
            keeping: Default::default(),
        })
    }

    /// Runs `keep` (writing a derived table for the next run) on a thread of its own, beside
    /// the work that goes on; the store waits for it before it is dropped. A thread that
    /// cannot be started leaves the table unkept (it is made again next time).
    fn beside(&self, keep: impl FnOnce() + Send + 'static) {
        if let Ok(h) = std::thread::Builder::new().name("scorecard-keep".into()).spawn(keep) {
            if let Ok(mut k) = self.keeping.lock() {
                k.push(h);
            }
        }
    }

    /// A read-only view of the store whose loads keep only the rows matching `only`.
    pub fn only(&self, only: Vec<Only>) -> Store {
        Store {
            dir: self.dir.clone(),
            manifest: self.manifest.clone(),
            legacy: self.legacy.clone(),
            only,
            cache: self.cache.clone(),
            plans: self.plans.clone(),
            summaries: self.summaries.clone(),
            latest: self.latest.clone(),
            texts: self.texts.clone(),
            keeping: self.keeping.clone(),
        }
    }

    /// Whether a row of `source` is in this view (`None` outside a view: every row is).
    pub fn in_view(&self, source: &str) -> Option<Expr> {
        self.only
            .iter()
            .filter(|o| o.source == source)
            .map(|o| col(o.column.as_str()).cast(DataType::String).eq(lit(o.value.clone())))
            .reduce(|a, b| a.and(b))
    }

    /// A table restricted to this view's rows of `source` (unchanged outside a view).
    fn restrict(&self, source: &str, df: DataFrame) -> Result<DataFrame, StoreError> {
        let Some(in_view) = self.in_view(source) else { return Ok(df) };
        let path = self.dir.join(source);
        df.lazy().filter(in_view).collect().map_err(|source| StoreError::Polars { path, source })
    }

    /// The latest version of every record of a records source (the row from the extract with
    /// the latest as-at date, by `key`), made once per run and shared by the views (and kept
    /// between runs, so that a new month is folded into it: see [`latest`]); a view's
    /// restrictions apply to the latest versions (a breakdown by outcome counts items by their
    /// latest outcome).
    pub fn latest(&self, source: &str, as_of: NaiveDate, key: &[String]) -> Result<Option<DataFrame>, StoreError> {
        if key.is_empty() {
            return self.load(source, as_of);
        }
        let all = cached(&self.latest, (source.to_string(), as_of), || {
            Ok(self.make_latest(source, as_of, key)?.map(|(df, _)| df))
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
        let summarise = |df: DataFrame| plan.summarise(df).map_err(err);
        if only.iter().any(|o| !plan.keys.contains(&o.column)) {
            return self.load(source, as_of)?.map(summarise).transpose();
        }
        let full = cached(&self.summaries, (source.to_string(), as_of), || {
            // One small summary file per extract and plan, kept under `summaries/` (made on
            // first use and reused by later runs), so a run reads a few hundred summary rows
            // per extract instead of its data. It keeps only the councils whose data from
            // that extract is still in use.
            let plan_id = plan.id();
            use rayon::prelude::*;
            let extracts: Vec<&StoredExtract> =
                self.manifest.extracts.iter().filter(|e| e.source == source && e.as_at <= as_of).collect();
            // Read on every core, joined in store order.
            let frames = extracts.par_iter().map(|e| -> Result<LazyFrame, StoreError> {
                let kept = self.dir.join(paths::summary(source, e.as_at, &e.sha256, &plan_id));
                let df = match read_parquet(&kept) {
                    Ok(df) => df,
                    Err(_) => {
                        // Only the columns the summary reads.
                        let wanted = plan.columns();
                        let mut parts = Vec::new();
                        for p in &e.parts {
                            parts.push(read_parquet_columns(&self.dir.join(&p.parquet), Some(&wanted))?.lazy());
                        }
                        let mut df = plan.summarise_parts(parts).map_err(err)?;
                        let bytes = parquet_bytes(&mut df, true).map_err(err)?;
                        // A summary that cannot be kept is made again next time.
                        let _ = write_atomic(&kept, &bytes);
                        df
                    }
                };
                let in_use = match plan.partner.as_deref().filter(|p| plan.keys.iter().any(|k| k == p)) {
                    Some(field) => df.lazy().filter(e.parts.iter().fold(lit(false), |any, p| {
                        any.or(match p.partner.as_str() {
                            paths::WHOLE => col(field).is_null(),
                            code => col(field).cast(DataType::String).eq(lit(code.to_string())),
                        })
                    })),
                    None => df.lazy(),
                };
                Ok(in_use)
            });
            let frames = frames.collect::<Result<Vec<_>, _>>()?;
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
        // the rows: the table if it is read already, else that column of each part alone.
        let planned =
            self.plans.lock().ok().is_some_and(|p| p.get(source).is_some_and(|p| p.keys.iter().any(|k| k == column)));
        let values = if planned || self.loaded(source, as_of) || self.restricted(source) {
            let table = if planned { self.summary(source, as_of)? } else { self.load(source, as_of)? };
            let path = self.dir.join(source);
            table.map_or(Ok(Default::default()), |df| texts_of(&df, column)).map_err(polars_at(&path))?
        } else {
            self.column_texts(source, column, as_of)?.iter().flat_map(|(_, t)| t.iter().cloned()).collect()
        };
        Ok(values.into_iter().take(limit).collect())
    }

    /// Whether the rows of `source` as of `as_of` are read already.
    fn loaded(&self, source: &str, as_of: NaiveDate) -> bool {
        self.cache.lock().ok().is_some_and(|c| c.contains_key(&(source.to_string(), as_of)))
    }

    /// The distinct texts of `column` in each part of `source` dated on or before `as_of`,
    /// that column alone read from each part (on every core); made once per run. A part
    /// without the column has none.
    fn column_texts(
        &self,
        source: &str,
        column: &str,
        as_of: NaiveDate,
    ) -> Result<std::sync::Arc<PartTexts>, StoreError> {
        use rayon::prelude::*;
        let key = (source.to_string(), as_of, column.to_string());
        if let Some(t) = self.texts.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(t);
        }
        let texts = self
            .parts(source, as_of)
            .par_iter()
            .map(|(e, part)| {
                let path = self.dir.join(&part.parquet);
                let df = read_parquet_columns(&path, Some(&[column]))?;
                Ok((e.as_at, texts_of(&df, column).map_err(polars_at(&path))?))
            })
            .collect::<Result<PartTexts, StoreError>>()?;
        let texts = std::sync::Arc::new(texts);
        if let Ok(mut c) = self.texts.lock() {
            c.insert(key, texts.clone());
        }
        Ok(texts)
    }

    /// The data in use, council by council, as the change checks compare new files with it.
    pub fn history(&self) -> Vec<crate::check::Earlier> {
        self.manifest
            .extracts
            .iter()
            .flat_map(|e| {
                e.parts.iter().map(|p| crate::check::Earlier {
                    source: e.source.clone(),
                    partner: p.partner.clone(),
                    as_at: e.as_at,
                    rows: p.rows,
                    sums: p.sums.clone(),
                })
            })
            .collect()
    }

    /// Every extract whose data (some or all of it) is in use, by source and as-at date.
    pub fn extracts(&self) -> &[StoredExtract] {
        &self.manifest.extracts
    }

    /// Every part's file is there, of the size it was written at, and ends as a Parquet file
    /// does: a file damaged or deleted is found before any figure is made (even when a
    /// summary made from it would hide it), and named.
    pub fn verify(&self) -> Result<(), StoreError> {
        use std::io::{Read, Seek, SeekFrom};
        for p in self.manifest.extracts.iter().flat_map(|e| &e.parts) {
            let path = self.dir.join(&p.parquet);
            let damaged = |why: String| StoreError::Io { path: path.clone(), source: std::io::Error::other(why) };
            let mut f = std::fs::File::open(&path).map_err(io_at(&path))?;
            let len = f.metadata().map_err(io_at(&path))?.len();
            if p.bytes > 0 && len != p.bytes {
                return Err(damaged(format!(
                    "the file has {len} bytes, not the {} it was written with: it is damaged",
                    p.bytes
                )));
            }
            let mut tail = [0u8; 4];
            let whole =
                len >= 8 && f.seek(SeekFrom::End(-4)).is_ok() && f.read_exact(&mut tail).is_ok() && &tail == b"PAR1";
            if !whole {
                return Err(damaged("the file does not end as a Parquet file does: it is damaged".into()));
            }
        }
        Ok(())
    }

    /// Which councils' data has arrived for each source and month.
    pub fn deliveries(&self) -> coverage::Deliveries {
        coverage::Deliveries::of(&self.manifest.extracts)
    }

    /// Every replacement made in the store, in the order made.
    pub fn replacements(&self) -> &[Replacement] {
        &self.manifest.replacements
    }

    /// The parts of a source dated on or before `as_of`, by as-at date then partner, each
    /// with the extract that brought it.
    pub fn parts(&self, source: &str, as_of: NaiveDate) -> Vec<(&StoredExtract, &StoredPart)> {
        let mut out: Vec<(&StoredExtract, &StoredPart)> = self
            .manifest
            .extracts
            .iter()
            .filter(|e| e.source == source && e.as_at <= as_of)
            .flat_map(|e| e.parts.iter().map(move |p| (e, p)))
            .collect();
        out.sort_by(|a, b| (a.0.as_at, &a.1.partner).cmp(&(b.0.as_at, &b.1.partner)));
        out
    }

    /// The stored extract with these exact bytes, if any.
    pub fn find_sha256(&self, sha: &str) -> Option<&StoredExtract> {
        self.manifest.extracts.iter().find(|e| e.sha256 == sha)
    }

    /// An extract's rows, with its as-at date, written as one Parquet file per council.
    fn write_parts(&self, x: &CheckedExtract) -> Result<Vec<StoredPart>, StoreError> {
        let source_dir = self.dir.join(&x.source_id);
        let mut df = x.table.clone();
        let n = df.height();
        df.with_column(
            Column::new("as_at".into(), vec![days_since_epoch(x.as_at); n])
                .cast(&DataType::Date)
                .map_err(polars_at(&source_dir))?,
        )
        .map_err(polars_at(&source_dir))?;
        // The councils' parts are written on all cores, in code order.
        use rayon::prelude::*;
        let parts = split_by_partner(&df, x.partner_field.as_deref()).map_err(polars_at(&source_dir))?;
        let alone = parts.len() == 1;
        let tables: Vec<DataFrame> = parts.iter().map(|(_, part)| part.clone()).collect();
        let stored = parts
            .into_par_iter()
            .map(|(partner, mut part)| {
                let rel = paths::part(&x.source_id, &partner, x.as_at, &x.sha256);
                let path = self.dir.join(&rel);
                let bytes = parquet_bytes(&mut part, alone).map_err(polars_at(&path))?;
                write_atomic(&path, &bytes).map_err(io_at(&path))?;
                Ok(StoredPart {
                    partner,
                    rows: part.height(),
                    sums: sums_of(&part, x.sums.keys()),
                    bytes: bytes.len() as u64,
                    parquet: rel,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // The extract's summary for its source's plan, if one is set, made after the parts
        // (on this thread: polars' pool is not entered from within rayon's tasks here).
        if let Some(plan) = self.plans.lock().ok().and_then(|p| p.get(&x.source_id).cloned()) {
            self.keep_summary(x, &plan, tables);
        }
        Ok(stored)
    }

    /// Keeps the summary of a new extract, made from its parts in code order (`parts`): the
    /// summary [`Store::summary`] would make from reading them back, without reading them
    /// back. Each part is summed alone (a part holds whole groups, for the plan's keys
    /// include the partner column) and the sums put together in order: the same rows, in
    /// the same order, without a copy of the whole table. One that cannot be made or kept is
    /// made on first use instead.
    fn keep_summary(&self, x: &CheckedExtract, plan: &Plan, parts: Vec<DataFrame>) {
        let columns: Vec<Expr> = plan.columns().into_iter().map(col).collect();
        let whole = x.partner_field.is_none() || plan.partner == x.partner_field;
        let sums = if whole {
            parts
                .into_iter()
                .map(|p| p.lazy().select(columns.clone()).collect().and_then(|rows| plan.summarise(rows)))
                .map(|s| s.map(IntoLazy::lazy))
                .collect::<PolarsResult<Vec<_>>>()
        } else {
            plan.summarise_parts(parts.into_iter().map(IntoLazy::lazy).collect()).map(|s| vec![s.lazy()])
        };
        let made = sums.and_then(|frames| concat(frames, UnionArgs::default())).and_then(|lf| lf.collect());
        if let Ok(mut summary) = made {
            let kept = self.dir.join(paths::summary(&x.source_id, x.as_at, &x.sha256, &plan.id()));
            if let Ok(bytes) = parquet_bytes(&mut summary, true) {
                let _ = write_atomic(&kept, &bytes);
            }
        }
    }

    /// Adds an accepted extract: one part per council it covers (by its partner column;
    /// `ALL` for a source without one, and for rows whose partner is blank). Each part
    /// replaces that council's earlier part for the same source and as-at date, if another
    /// file brought one; the replaced part is kept under `replaced/` and the replacement
    /// recorded. An extract whose every part has been replaced leaves the manifest.
    pub fn put(&mut self, x: &CheckedExtract, loaded_on: NaiveDate) -> Result<Stored, StoreError> {
        if self.legacy.is_some() {
            return Err(StoreError::NotMigrated(self.dir.clone()));
        }
        // Write the new parts first (their names carry this file's SHA-256, so they never
        // meet the parts they replace); the manifest, saved after, is the commit point.
        let parts = self.write_parts(x)?;
        let entry = StoredExtract {
            source: x.source_id.clone(),
            as_at: x.as_at,
            file_name: x.file_name.clone(),
            sha256: x.sha256.clone(),
            rows_read: x.rows_read,
            rows_accepted: x.rows_accepted,
            rows_rejected: x.rows_rejected,
            loaded_on,
            sums: manifest::finite(&x.sums),
            parts,
        };
        let mut replaced = Vec::new();
        for old in self.manifest.extracts.iter_mut().filter(|e| e.source == entry.source && e.as_at == entry.as_at) {
            let (file_name, sha256, loaded) = (old.file_name.clone(), old.sha256.clone(), old.loaded_on);
            old.parts.retain(|p| {
                // The same bytes stored again keep their own part.
                let Some(new) = entry.parts.iter().find(|n| n.partner == p.partner) else { return true };
                if new.parquet == p.parquet {
                    return true;
                }
                replaced.push(Replacement {
                    source: entry.source.clone(),
                    partner: p.partner.clone(),
                    as_at: entry.as_at,
                    file_name: entry.file_name.clone(),
                    sha256: entry.sha256.clone(),
                    replaced_on: loaded_on,
                    old_file_name: file_name.clone(),
                    old_sha256: sha256.clone(),
                    old_loaded_on: loaded,
                    parquet: p.parquet.clone(),
                    kept: paths::replaced(&p.parquet),
                });
                false
            });
        }
        self.manifest.extracts.retain(|e| !e.parts.is_empty() && e.sha256 != entry.sha256);
        self.manifest.extracts.push(entry.clone());
        self.manifest.extracts.sort_by(|a, b| (&a.source, a.as_at).cmp(&(&b.source, b.as_at)));
        // A kept path already taken (the same file's data replaced, reloaded and replaced
        // again) gets a free name.
        for r in &mut replaced {
            let kept = self.dir.join(&r.kept);
            if kept.exists() {
                let dir = kept.parent().unwrap_or(&self.dir);
                let name = kept.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let free = crate::fs::free_path(dir, &name);
                r.kept = free.strip_prefix(&self.dir).unwrap_or(&free).to_string_lossy().replace('\\', "/");
            }
        }
        self.manifest.replacements.extend(replaced.iter().cloned());
        self.save()?;
        // After the commit: move the replaced parts out of the dataset (a run killed here
        // leaves them for [`Store::repair`] to move).
        let mut warnings = Vec::new();
        for r in &replaced {
            if let Err(e) = repair::keep_replaced(&self.dir, r) {
                warnings.push(format!("the replaced data {} could not be moved to {}: {e}", r.parquet, r.kept));
            }
        }
        self.forget(Some(&x.source_id));
        Ok(Stored { entry, replaced, warnings })
    }

    /// Drops the tables made from a source's data (every source's with `None`), so they are
    /// made again from what the store now holds.
    fn forget(&self, source: Option<&str>) {
        for tables in [&self.cache, &self.summaries, &self.latest] {
            if let Ok(mut c) = tables.lock() {
                c.retain(|(s, _), _| source.is_some_and(|x| x != s));
            }
        }
        if let Ok(mut c) = self.texts.lock() {
            c.retain(|(s, _, _), _| source.is_some_and(|x| x != s));
        }
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
        let sha = crate::common::sha256_hex(bytes);
        let path = self.dir.join("commentary").join(crate::fs::kept_name(name, &sha));
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

    /// The first and last as-at dates of the rows of `source` dated on or before `as_of`
    /// (in a view, of the rows it keeps); `None` when there are none. From the manifest,
    /// without reading a row; in a view that restricts one column of the source, from the
    /// parts whose column holds the value (that column alone read).
    pub fn coverage(&self, source: &str, as_of: NaiveDate) -> Result<Option<(NaiveDate, NaiveDate)>, StoreError> {
        let only: Vec<&Only> = self.only.iter().filter(|o| o.source == source).collect();
        if let [o] = only[..] {
            // One column restricted (a breakdown): the parts holding its value, unless the
            // rows are read already.
            if !self.loaded(source, as_of) {
                let texts = self.column_texts(source, &o.column, as_of)?;
                let dates = texts.iter().filter(|(_, t)| t.contains(&o.value)).map(|(d, _)| *d);
                return Ok(dates.clone().min().zip(dates.max()));
            }
        }
        if !only.is_empty() {
            let Some(df) = self.load(source, as_of)? else { return Ok(None) };
            return as_at_range(&df).map_err(polars_at(&self.dir.join(source)));
        }
        let dates = self.parts(source, as_of).into_iter().filter(|(_, p)| p.rows > 0).map(|(e, _)| e.as_at);
        Ok(dates.clone().min().zip(dates.max()))
    }

    /// Reads a source's Parquet files dated on or before `as_of` into one table (the files
    /// read on every core, joined in store order).
    fn read(&self, source: &str, as_of: NaiveDate) -> Result<Option<DataFrame>, StoreError> {
        use rayon::prelude::*;
        let frames = self
            .parts(source, as_of)
            .par_iter()
            .map(|(_, part)| read_parquet(&self.dir.join(&part.parquet)).map(DataFrame::lazy))
            .collect::<Result<Vec<_>, _>>()?;
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
    use crate::indicators::MAX_BREAKDOWN_VALUES as MAX;
    use crate::testing::{checked, date, project, REVENUES_HEADER};
    use std::path::Path;

    #[test]
    fn a_columns_values_and_a_views_dates_read_from_that_column_alone_are_those_of_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let store_dir = dir.path().join("store");
        let mut store = Store::open(&store_dir).unwrap();
        let rows = |r: &[[&'static str; 6]]| r.iter().map(|r| r.to_vec()).collect::<Vec<_>>();
        let oct = rows(&[
            ["Fenland", "CTAX", "A1", "2025/26", "100", "50"],
            ["Fenland", "NNDR", "B1", "2025/26", "900", "10"],
        ]);
        let nov = rows(&[
            ["Fenland", "CTAX", "A1", "2025/26", "100", "60"],
            ["Breckland", "CTAX", "C1", "2025/26", "250.5", "1"],
        ]);
        for (as_at, rows) in [("2025-10-31", oct), ("2025-11-30", nov)] {
            store.put(&checked(&p, "revenues", date(as_at), &REVENUES_HEADER, &rows), date(as_at)).unwrap();
        }
        let as_of = date("2025-12-07");
        // One store reads each column alone; the other has read every row first.
        let by_column = Store::open(&store_dir).unwrap();
        let by_rows = Store::open(&store_dir).unwrap();
        by_rows.load("revenues", as_of).unwrap();
        for column in ["tax_type", "net_debit", "council", "payment_method"] {
            let values = by_column.distinct("revenues", column, as_of, MAX).unwrap();
            assert_eq!(values, by_rows.distinct("revenues", column, as_of, MAX).unwrap(), "{column}");
            if column == "payment_method" {
                assert!(values.is_empty(), "no file has the column");
                continue;
            }
            for value in values.into_iter().chain(["none such".to_string()]) {
                let only = |s: &Store| {
                    s.only(vec![Only { source: "revenues".into(), column: column.into(), value: value.clone() }])
                        .coverage("revenues", as_of)
                        .unwrap()
                };
                assert_eq!(only(&by_column), only(&by_rows), "{column} = {value}");
            }
        }
        assert_eq!(by_column.distinct("revenues", "tax_type", as_of, MAX).unwrap(), ["CTAX", "NNDR"]);
        let nndr =
            by_column.only(vec![Only { source: "revenues".into(), column: "tax_type".into(), value: "NNDR".into() }]);
        assert_eq!(nndr.coverage("revenues", as_of).unwrap(), Some((date("2025-10-31"), date("2025-10-31"))));
        assert!(!by_column.loaded("revenues", as_of), "no row but the columns' was read");
    }

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
        let stored = store.put(&two, date("2025-11-02")).unwrap();
        assert_eq!(stored.replaced.len(), 1);
        let reopened = Store::open(&store_dir).unwrap();
        assert_eq!(reopened.extracts().len(), 1);
        assert_eq!(reopened.extracts()[0].rows_accepted, 2);
        assert_eq!(reopened.load("revenues", as_at).unwrap().unwrap().height(), 2);
        let kept =
            std::fs::read_dir(store_dir.join("replaced/revenues/partner=E07000010/as_at=2025-10-31")).unwrap().count();
        assert_eq!(kept, 1, "the replaced version is kept");
        assert_eq!(reopened.replacements(), stored.replaced.as_slice(), "the replacement is recorded");
        assert_eq!(
            std::fs::read_dir(store_dir.join("revenues/partner=E07000010/as_at=2025-10-31")).unwrap().count(),
            1,
            "only the data in use stays in the dataset"
        );
    }

    /// Rows of one council for the revenues header.
    fn accounts(council: &'static str, collected: &'static str, n: usize) -> Vec<Vec<&'static str>> {
        const REFS: [&str; 4] = ["CT1000001", "CT1000002", "CT1000003", "CT1000004"];
        REFS[..n].iter().map(|r| vec![council, "CTAX", *r, "2025/26", "100", collected]).collect()
    }

    fn partners_in_use(store: &Store) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = store
            .extracts()
            .iter()
            .flat_map(|e| e.parts.iter().map(|p| (p.partner.clone(), e.file_name.clone())))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_council_in_one_run_of_rows_is_a_slice_with_the_rows_a_copy_would_have() {
        // The same rows sorted by council (each council a slice of the table) and
        // interleaved (each council's rows copied out): the same parts, row for row, and the
        // same Parquet bytes once written.
        let codes = ["E07000143", "E07000146", "E07000245"];
        let table = |order: &[usize]| {
            let council: Vec<Option<&str>> = order.iter().map(|&i| (i % 7 != 6).then_some(codes[i % 3])).collect();
            let amount: Vec<f64> = order.iter().map(|&i| i as f64 * 1.5).collect();
            DataFrame::new_infer_height(vec![
                Column::new("council".into(), council),
                Column::new("amount".into(), amount),
            ])
            .unwrap()
        };
        let n = 1_000;
        let mut sorted: Vec<usize> = (0..n).collect();
        sorted.sort_by_key(|&i| (if i % 7 == 6 { "" } else { codes[i % 3] }, i));
        let interleaved: Vec<usize> = (0..n).collect();
        let bytes = |df: &DataFrame| {
            split_by_partner(df, Some("council"))
                .unwrap()
                .into_iter()
                .map(|(code, mut part)| {
                    let mut sorted_part = part.sort(["amount"], Default::default()).unwrap();
                    (code, parquet_bytes(&mut sorted_part, true).unwrap(), parquet_bytes(&mut part, false).unwrap())
                })
                .collect::<Vec<_>>()
        };
        let (a, b) = (bytes(&table(&sorted)), bytes(&table(&interleaved)));
        let codes_of = |v: &[(String, Vec<u8>, Vec<u8>)]| v.iter().map(|(c, _, _)| c.clone()).collect::<Vec<_>>();
        assert_eq!(codes_of(&a), [paths::WHOLE, "E07000143", "E07000146", "E07000245"]);
        assert_eq!(codes_of(&a), codes_of(&b));
        for ((code, x, sx), (_, y, sy)) in a.iter().zip(&b) {
            assert_eq!(x, y, "{code}: the same rows");
            assert_eq!(sx, sy, "{code}: in the same order");
        }
    }

    #[test]
    fn each_council_is_stored_apart_and_replaced_alone() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let store_dir = dir.path().join("store");
        let mut store = Store::open(&store_dir).unwrap();
        let as_at = date("2025-10-31");
        let file = |rows: Vec<Vec<&'static str>>, name: &str| {
            let mut x = checked(&p, "revenues", as_at, &REVENUES_HEADER, &rows);
            x.file_name = name.to_string();
            x.sha256 = crate::common::sha256_hex(name.as_bytes());
            x
        };
        // One file per council on the same date: side by side.
        store.put(&file(accounts("Breckland", "10", 2), "breckland.xlsx"), as_at).unwrap();
        let fenland = store.put(&file(accounts("Fenland", "20", 3), "fenland.xlsx"), as_at).unwrap();
        assert!(fenland.replaced.is_empty(), "another council's file replaces nothing");
        assert_eq!(store.load("revenues", as_at).unwrap().unwrap().height(), 5);
        // A file for every council replaces both.
        let mut all = accounts("Breckland", "11", 2);
        all.extend(accounts("Fenland", "21", 3));
        all.extend(accounts("East Suffolk", "31", 1));
        let whole = store.put(&file(all, "all.xlsx"), as_at).unwrap();
        let mut whose: Vec<&str> = whole.replaced.iter().map(|r| r.partner.as_str()).collect();
        whose.sort();
        assert_eq!(whose, ["E07000010", "E07000143"]);
        assert_eq!(store.extracts().len(), 1, "files whose every part was replaced leave the manifest");
        // A correction for Fenland replaces only Fenland's part of the whole file.
        let fix = store.put(&file(accounts("Fenland", "22", 4), "fenland-fix.xlsx"), date("2025-11-03")).unwrap();
        assert_eq!(fix.replaced.len(), 1);
        assert_eq!(fix.replaced[0].old_file_name, "all.xlsx");
        assert!(fix.replaced[0]
            .sentence("Fenland's")
            .starts_with("Fenland's revenues as at 31/10/2025, from file fenland-fix.xlsx"));
        assert_eq!(
            partners_in_use(&Store::open(&store_dir).unwrap()),
            [
                ("E07000010".to_string(), "fenland-fix.xlsx".to_string()),
                ("E07000143".to_string(), "all.xlsx".to_string()),
                ("E07000244".to_string(), "all.xlsx".to_string()),
            ]
        );
        let df = store.load("revenues", as_at).unwrap().unwrap();
        let collected = df.column("collected").unwrap().f64().unwrap().sum().unwrap();
        assert_eq!(collected, 2.0 * 11.0 + 4.0 * 22.0 + 31.0);
        // What a DuckDB glob over the dataset sees is exactly the data in use.
        let dataset: Vec<String> = repair::files_below(&store_dir.join("revenues"));
        assert_eq!(dataset.len(), 3, "{dataset:?}");
        assert_eq!(store.replacements().len(), 3);
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
        let plan =
            Plan { keys: vec!["council".into()], sums: vec!["collected".into()], partner: Some("council".into()) };
        let as_at = date("2025-10-31");
        let row = |collected: &'static str| vec!["Fenland", "CTAX", "CT1000001", "2025/26", "100", collected];
        store.put(&checked(&p, "revenues", as_at, &REVENUES_HEADER, &[row("50")]), as_at).unwrap();
        store.plan("revenues", plan.clone());
        let sum = |s: &Store| {
            s.summary("revenues", as_at).unwrap().unwrap().column("collected").unwrap().f64().unwrap().sum()
        };
        assert_eq!(sum(&store), Some(50.0));
        let kept = |d: &Path| repair::files_below(&d.join("summaries")).len();
        assert_eq!(kept(&store_dir), 1, "the summary is kept under summaries/");
        // A corrected extract for the same date: its summary, not the old one, is used.
        store.put(&checked(&p, "revenues", as_at, &REVENUES_HEADER, &[row("70")]), as_at).unwrap();
        let mut reopened = Store::open(&store_dir).unwrap();
        reopened.plan("revenues", plan.clone());
        assert_eq!(sum(&reopened), Some(70.0));
        assert_eq!(kept(&store_dir), 2, "one summary per extract");
        assert!(reopened.repair().unwrap().iter().any(|d| d.contains("summary file(s) of data no longer in use")));
        assert_eq!(kept(&store_dir), 1, "the replaced extract's summary is removed by the repair");
        // A file for two councils, then a correction for one: the first file's summary keeps
        // only the other council's rows.
        let d = date("2025-11-28");
        let mut both = accounts("Fenland", "10", 2);
        both.extend(accounts("Breckland", "20", 1));
        reopened.put(&checked(&p, "revenues", d, &REVENUES_HEADER, &both), d).unwrap();
        reopened.plan("revenues", plan.clone());
        let total = |s: &Store| {
            s.summary("revenues", d)
                .unwrap()
                .unwrap()
                .lazy()
                .filter(col("as_at").eq(lit(d)))
                .collect()
                .unwrap()
                .column("collected")
                .unwrap()
                .f64()
                .unwrap()
                .sum()
        };
        assert_eq!(total(&reopened), Some(40.0));
        reopened.put(&checked(&p, "revenues", d, &REVENUES_HEADER, &accounts("Fenland", "5", 2)), d).unwrap();
        let again = Store::open(&store_dir).unwrap();
        again.plan("revenues", plan);
        assert_eq!(total(&again), Some(30.0), "Breckland's 20 from the first file, Fenland's 5 + 5 from the second");
    }

    #[test]
    fn a_summary_kept_as_the_extract_is_stored_is_the_one_made_from_its_parts() {
        // Three councils, interleaved and with blanks among the amounts: the summary kept by
        // `put` (the plan set first, as the nightly job does) is byte for byte the one made
        // on first use from the parts read back.
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let store_dir = dir.path().join("store");
        let plan = Plan {
            keys: vec!["council".into(), "tax_type".into()],
            sums: vec!["collected".into(), "net_debit".into()],
            partner: Some("council".into()),
        };
        let councils = ["Fenland", "Breckland", "East Suffolk"];
        let amounts = ["10.10", "0.2", "", "3.30", "1234.56"];
        let refs: Vec<String> = (0..300).map(|i| format!("CT{:07}", 1_000_000 + i)).collect();
        let rows: Vec<Vec<&str>> = (0..300)
            .map(|i| {
                let tax = if i % 4 == 0 { "NNDR" } else { "CTAX" };
                vec![councils[i * 7 % 3], tax, refs[i].as_str(), "2025/26", amounts[i % 5], amounts[(i + 2) % 5]]
            })
            .collect();
        let as_at = date("2025-10-31");
        let x = checked(&p, "revenues", as_at, &REVENUES_HEADER, &rows);
        let mut store = Store::open(&store_dir).unwrap();
        store.plan("revenues", plan.clone());
        store.put(&x, as_at).unwrap();
        let summaries = store_dir.join("summaries");
        let files = || repair::files_below(&summaries).into_iter().map(|f| summaries.join(f)).collect::<Vec<_>>();
        assert_eq!(files().len(), 1, "kept as it was stored");
        let kept = std::fs::read(&files()[0]).unwrap();
        std::fs::remove_file(&files()[0]).unwrap();
        let reopened = Store::open(&store_dir).unwrap();
        reopened.plan("revenues", plan);
        let summary = reopened.summary("revenues", as_at).unwrap().unwrap();
        assert_eq!(summary.height(), 6, "three councils, two tax types");
        assert_eq!(std::fs::read(&files()[0]).unwrap(), kept, "made again from the parts, the same bytes");
    }

    #[test]
    fn a_run_killed_between_commit_and_move_or_before_commit_is_finished_by_the_repair() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let store_dir = dir.path().join("store");
        let mut store = Store::open(&store_dir).unwrap();
        let as_at = date("2025-10-31");
        let first = checked(&p, "revenues", as_at, &REVENUES_HEADER, &accounts("Fenland", "10", 2));
        store.put(&first, as_at).unwrap();
        let second = checked(&p, "revenues", as_at, &REVENUES_HEADER, &accounts("Fenland", "20", 2));
        let stored = store.put(&second, as_at).unwrap();
        let r = &stored.replaced[0];
        // As if killed after the manifest was saved but before the old part moved out.
        std::fs::create_dir_all(store_dir.join(&r.parquet).parent().unwrap()).unwrap();
        std::fs::rename(store_dir.join(&r.kept), store_dir.join(&r.parquet)).unwrap();
        // And as if another load was killed before its commit: a part no manifest lists.
        let orphan = store_dir.join(paths::part("revenues", "E07000143", as_at, &"f".repeat(64)));
        std::fs::create_dir_all(orphan.parent().unwrap()).unwrap();
        std::fs::write(&orphan, b"PAR1").unwrap();
        assert_eq!(repair::files_below(&store_dir.join("revenues")).len(), 3, "a glob would read too much");
        let mut reopened = Store::open(&store_dir).unwrap();
        let done = reopened.repair().unwrap();
        assert_eq!(done.len(), 2, "{done:?}");
        assert!(store_dir.join(&r.kept).exists() && !store_dir.join(&r.parquet).exists());
        assert!(!orphan.exists());
        assert_eq!(
            repair::files_below(&store_dir.join("revenues")),
            [paths::part("revenues", "E07000010", as_at, &second.sha256).trim_start_matches("revenues/").to_string()]
        );
        assert!(reopened.repair().unwrap().is_empty(), "nothing left to do");
        let df = reopened.load("revenues", as_at).unwrap().unwrap();
        assert_eq!(df.column("collected").unwrap().f64().unwrap().sum(), Some(40.0));
    }

    #[test]
    fn a_legacy_store_is_read_then_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let store_dir = dir.path().join("store");
        // The old layout: one file per source and date holding every council's rows.
        let mut rows = accounts("Fenland", "10", 2);
        rows.extend(accounts("Breckland", "30", 1));
        let x = checked(&p, "revenues", date("2025-10-31"), &REVENUES_HEADER, &rows);
        let mut df = x.table.clone();
        df.with_column(
            Column::new("as_at".into(), vec![days_since_epoch(x.as_at); df.height()]).cast(&DataType::Date).unwrap(),
        )
        .unwrap();
        std::fs::create_dir_all(store_dir.join("revenues")).unwrap();
        let mut f = std::fs::File::create(store_dir.join("revenues/2025-10-31.parquet")).unwrap();
        ParquetWriter::new(&mut f).finish(&mut df).unwrap();
        let legacy = serde_json::json!({"extracts": [{
            "source": "revenues", "as_at": "2025-10-31", "file_name": "r.xlsx", "sha256": x.sha256,
            "rows_read": 3, "rows_accepted": 3, "rows_rejected": 0,
            "parquet": "revenues/2025-10-31.parquet", "loaded_on": "2025-11-01", "sums": {"collected": 50.0}
        }]});
        std::fs::write(store_dir.join("manifest.json"), serde_json::to_vec(&legacy).unwrap()).unwrap();
        let mut store = Store::open(&store_dir).unwrap();
        assert!(store.is_legacy());
        assert_eq!(store.load("revenues", date("2025-11-01")).unwrap().unwrap().height(), 3, "read before migrating");
        assert!(matches!(store.put(&x, date("2025-11-02")), Err(StoreError::NotMigrated(_))));
        let done = store.migrate(&p.sources).unwrap();
        assert!(done[0].starts_with("store migrated"), "{done:?}");
        let parts: Vec<(String, usize)> =
            Store::open(&store_dir).unwrap().extracts()[0].parts.iter().map(|p| (p.partner.clone(), p.rows)).collect();
        assert_eq!(parts, [("E07000010".to_string(), 2), ("E07000143".to_string(), 1)]);
        assert!(store_dir.join("replaced/layout-1/revenues/2025-10-31.parquet").exists(), "the old file is kept");
        assert_eq!(store.load("revenues", date("2025-11-01")).unwrap().unwrap().height(), 3);
    }

    #[test]
    fn a_migration_that_fails_half_way_changes_nothing_and_runs_again() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let store_dir = dir.path().join("store");
        std::fs::create_dir_all(store_dir.join("revenues")).unwrap();
        let mut extracts = Vec::new();
        for (d, council) in [("2025-09-30", "Fenland"), ("2025-10-31", "Breckland")] {
            let x = checked(&p, "revenues", date(d), &REVENUES_HEADER, &accounts(council, "10", 2));
            let mut df = x.table.clone();
            let as_at = Column::new("as_at".into(), vec![days_since_epoch(x.as_at); 2]).cast(&DataType::Date).unwrap();
            df.with_column(as_at).unwrap();
            let mut f = std::fs::File::create(store_dir.join(format!("revenues/{d}.parquet"))).unwrap();
            ParquetWriter::new(&mut f).finish(&mut df).unwrap();
            extracts.push(serde_json::json!({
                "source": "revenues", "as_at": d, "file_name": format!("r{d}.xlsx"), "sha256": x.sha256,
                "rows_read": 2, "rows_accepted": 2, "rows_rejected": 0,
                "parquet": format!("revenues/{d}.parquet"), "loaded_on": d, "sums": {}
            }));
        }
        let manifest = serde_json::to_vec(&serde_json::json!({ "extracts": extracts })).unwrap();
        std::fs::write(store_dir.join("manifest.json"), &manifest).unwrap();
        // The second file is unreadable: the migration stops after writing the first's parts.
        let good = std::fs::read(store_dir.join("revenues/2025-10-31.parquet")).unwrap();
        std::fs::write(store_dir.join("revenues/2025-10-31.parquet"), b"PAR1 damaged").unwrap();
        let mut store = Store::open(&store_dir).unwrap();
        let err = store.migrate(&p.sources).unwrap_err().to_string();
        assert!(err.contains("2025-10-31.parquet"), "{err}");
        assert_eq!(std::fs::read(store_dir.join("manifest.json")).unwrap(), manifest, "the old manifest stands");
        assert!(Store::open(&store_dir).unwrap().is_legacy());
        // Mended, the next run migrates from the start, over the parts already written.
        std::fs::write(store_dir.join("revenues/2025-10-31.parquet"), good).unwrap();
        let mut store = Store::open(&store_dir).unwrap();
        store.migrate(&p.sources).unwrap();
        let rows: usize = store.extracts().iter().flat_map(|e| e.parts.iter().map(|p| p.rows)).sum();
        assert_eq!(rows, 4);
        assert_eq!(repair::files_below(&store_dir.join("revenues")).len(), 2, "one part each, nothing else");
        assert_eq!(repair::files_below(&store_dir.join("replaced/layout-1")).len(), 2);
    }

    #[test]
    fn unreadable_manifest_is_an_error_not_a_reset() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manifest.json"), b"{ not json").unwrap();
        let err = Store::open(dir.path()).err().expect("error");
        assert!(err.to_string().contains("manifest.json"), "{err}");
    }
}
