//! Finishing what an interrupted run left in the store, and migrating a store of the old
//! layout (one Parquet file per source and as-at date) to the partitioned one.
//!
//! Both run under the project's lock, before a run reads or writes the store. Both rely on
//! the manifest being the commit point: files the manifest does not list are either the
//! new parts of a file whose loading never committed (the file is still in the drop folder,
//! and the next run writes them again) or replaced parts waiting to be moved out of the
//! dataset. Nothing the manifest lists is ever removed; old-layout files are kept under
//! `replaced/layout-1/`.

use super::manifest::{Manifest, Replacement, StoredPart};
use super::{io_at, paths, polars_at, read_parquet, split_by_partner, sums_of, Store, StoreError};
use crate::config::SourceDef;
use crate::fs::write_atomic;
use polars::prelude::*;
use std::collections::BTreeSet;
use std::path::Path;

/// Moves a replaced part out of the dataset to where its replacement record keeps it (done
/// already when the part is no longer there).
pub(super) fn keep_replaced(dir: &Path, r: &Replacement) -> std::io::Result<()> {
    let from = dir.join(&r.parquet);
    if !from.exists() {
        return Ok(());
    }
    let to = dir.join(&r.kept);
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::rename(&from, &to)?;
    remove_empty_parents(dir, &from);
    Ok(())
}

/// Removes the empty partition folders above a file that has gone, up to the store folder.
fn remove_empty_parents(dir: &Path, file: &Path) {
    let mut at = file.parent();
    while let Some(d) = at {
        if d == dir || std::fs::remove_dir(d).is_err() {
            break;
        }
        at = d.parent();
    }
}

/// Every file below `dir`, as paths relative to it with `/` between folders.
pub(super) fn files_below(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(t) if t.is_file() => {
                    if let Ok(rel) = p.strip_prefix(dir) {
                        out.push(rel.to_string_lossy().replace('\\', "/"));
                    }
                }
                _ => {}
            }
        }
    }
    out.sort();
    out
}

/// The labels in a frame's coded columns (as the source now defines them) replaced by their
/// codes; a value that is no spelling of any code stays as it is, unless the column has an
/// `other` code. Returns `source.field` for every column changed.
fn as_codes(df: &mut DataFrame, def: &SourceDef) -> PolarsResult<Vec<String>> {
    let mut changed = Vec::new();
    for c in def.column.iter().filter(|c| c.kind == crate::config::ColumnType::Code) {
        let Ok(column) = df.column(&c.field) else { continue };
        if column.dtype() != &DataType::String {
            continue;
        }
        let code = |v: &str| -> String {
            c.canonical_value(v).map(str::to_string).or_else(|| c.other.clone()).unwrap_or_else(|| v.to_string())
        };
        let values = column.str()?;
        let distinct: BTreeSet<&str> = values.iter().flatten().collect();
        if distinct.iter().all(|v| code(v) == *v) {
            continue;
        }
        let mapped: Vec<Option<String>> = values.iter().map(|v| v.map(code)).collect();
        df.with_column(Column::new(c.field.as_str().into(), mapped))?;
        changed.push(format!("{}.{}", def.id(), c.field));
    }
    Ok(changed)
}

impl Store {
    /// True while the store has the old layout (a run migrates it first).
    pub fn is_legacy(&self) -> bool {
        self.legacy.is_some()
    }

    /// Migrates a store of the old layout, if it is one: every extract's file is split into
    /// one part per council (by the partner column its source defines; `ALL` when none),
    /// with the labels of coded columns stored as their codes (a column the definitions now
    /// code, such as a payment method, held the systems' labels before), the parts are
    /// written and checked against the file's row count, the new manifest is saved (the
    /// commit point), and the old files (the extracts, and those kept under
    /// `<source>/replaced/`) move to `replaced/layout-1/`; derived summaries are removed. A
    /// run killed before the commit finds the old manifest and migrates again; one killed
    /// after it finds the rest done by [`Store::repair`]. Returns what was done, in words, or
    /// nothing for a store already migrated.
    pub fn migrate(&mut self, sources: &[SourceDef]) -> Result<Vec<String>, StoreError> {
        let Some(old) = self.legacy.clone() else { return Ok(Vec::new()) };
        let mut extracts = Vec::new();
        let mut parts_written = 0usize;
        let mut recoded = BTreeSet::new();
        for e in &old {
            let path = self.dir.join(&e.parquet);
            let mut df = read_parquet(&path)?;
            let def = sources.iter().find(|s| s.id() == e.source);
            if let Some(def) = def {
                recoded.extend(as_codes(&mut df, def).map_err(polars_at(&path))?);
            }
            let field = def.and_then(|d| d.partner_field());
            let mut parts = Vec::new();
            for (partner, mut part) in split_by_partner(&df, field).map_err(polars_at(&path))? {
                let rel = paths::part(&e.source, &partner, e.as_at, &e.sha256);
                let to = self.dir.join(&rel);
                let bytes = super::parquet_bytes(&mut part, true).map_err(polars_at(&to))?;
                write_atomic(&to, &bytes).map_err(io_at(&to))?;
                parts.push(StoredPart {
                    partner,
                    rows: part.height(),
                    bytes: bytes.len() as u64,
                    sums: sums_of(&part, e.sums.keys()),
                    parquet: rel,
                });
            }
            let rows: usize = parts.iter().map(|p| p.rows).sum();
            if rows != df.height() {
                return Err(StoreError::Io {
                    path,
                    source: std::io::Error::other(format!(
                        "migrating: the parts hold {rows} rows, the file {}; nothing was changed",
                        df.height()
                    )),
                });
            }
            parts_written += parts.len();
            let mut x = e.as_whole();
            x.parts = parts;
            extracts.push(x);
        }
        self.manifest = Manifest { extracts, ..Manifest::default() };
        self.legacy = None;
        self.save()?;
        self.forget(None);
        let mut done = vec![format!(
            "store migrated to one Parquet file per council, source and as-at date: {} extract(s) became {parts_written} part(s); the old files are kept under {}",
            old.len(),
            self.dir.join("replaced").join("layout-1").display()
        )];
        if !recoded.is_empty() {
            done.push(format!(
                "stored labels of coded columns replaced by their codes: {}",
                recoded.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        done.extend(self.repair()?);
        Ok(done)
    }

    /// Finishes what an interrupted run left: old-layout files moved to
    /// `replaced/layout-1/` (after a migration), replaced parts moved out of the dataset,
    /// parts of a file whose loading never committed removed (that file is still in the
    /// drop folder), and summaries of parts no longer in use removed. Returns what was done,
    /// in words.
    pub fn repair(&mut self) -> Result<Vec<String>, StoreError> {
        if self.legacy.is_some() {
            return Ok(Vec::new());
        }
        let mut done = Vec::new();
        let in_use: BTreeSet<&str> =
            self.manifest.extracts.iter().flat_map(|e| e.parts.iter().map(|p| p.parquet.as_str())).collect();
        let mut moved = 0;
        for r in &self.manifest.replacements {
            if !in_use.contains(r.parquet.as_str()) && self.dir.join(&r.parquet).exists() {
                keep_replaced(&self.dir, r).map_err(io_at(&self.dir.join(&r.parquet)))?;
                moved += 1;
            }
        }
        if moved > 0 {
            done.push(format!("moved {moved} replaced part(s) left in the dataset by an interrupted run to replaced/"));
        }
        let (orphans, old_layout) = self.tidy_sources(&in_use)?;
        if orphans > 0 {
            done.push(format!(
                "removed {orphans} stored part(s) of files whose loading an interrupted run never finished (the files were left in the drop folder)"
            ));
        }
        if old_layout > 0 {
            done.push(format!("moved {old_layout} file(s) of the old store layout to replaced/layout-1/"));
        }
        let stale = self.remove_stale_summaries();
        if stale > 0 {
            done.push(format!("removed {stale} summary file(s) of data no longer in use"));
        }
        Ok(done)
    }

    /// The files under each source's folder that the manifest does not name: parts of a
    /// load never finished are removed, summaries of the old layout removed, and its
    /// extracts moved to `replaced/layout-1/`. Gives (parts removed, old files moved).
    fn tidy_sources(&self, in_use: &BTreeSet<&str>) -> Result<(usize, usize), StoreError> {
        let sources: BTreeSet<String> = std::fs::read_dir(&self.dir)
            .map(|d| {
                d.flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| !paths::RESERVED.contains(&n.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        let (mut orphans, mut old_layout) = (0, 0);
        for source in &sources {
            for rel in files_below(&self.dir.join(source)) {
                let rel = format!("{source}/{rel}");
                let path = self.dir.join(&rel);
                if paths::is_part(&rel) {
                    if !in_use.contains(rel.as_str()) {
                        std::fs::remove_file(&path).map_err(io_at(&path))?;
                        remove_empty_parents(&self.dir, &path);
                        orphans += 1;
                    }
                } else if crate::fs::is_temporary(path.file_name().unwrap_or_default().to_string_lossy().as_ref()) {
                    continue;
                } else if rel.contains(".summary-") {
                    // A summary of the old layout: derived data.
                    std::fs::remove_file(&path).map_err(io_at(&path))?;
                } else {
                    // An old-layout extract, or one it kept under `<source>/replaced/`.
                    self.set_aside_old(&rel, &path)?;
                    old_layout += 1;
                }
            }
        }
        Ok((orphans, old_layout))
    }

    /// A file of the old store layout moved under `replaced/layout-1/` (beside, under a free
    /// name, if one of that name is there already).
    fn set_aside_old(&self, rel: &str, path: &Path) -> Result<(), StoreError> {
        let to = self.dir.join("replaced").join("layout-1").join(rel);
        let to = match to.exists() {
            true => crate::fs::free_path(
                to.parent().unwrap_or(&self.dir),
                &to.file_name().unwrap_or_default().to_string_lossy(),
            ),
            false => to,
        };
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io_at(parent))?;
        }
        std::fs::rename(path, &to).map_err(io_at(path))?;
        remove_empty_parents(&self.dir, path);
        Ok(())
    }

    /// Summaries of extracts no longer in the manifest removed (derived data); gives how many.
    fn remove_stale_summaries(&self) -> usize {
        let summaries = self.dir.join("summaries");
        let extracts: BTreeSet<String> = self
            .manifest
            .extracts
            .iter()
            .map(|e| format!("{}/{}", e.source, paths::summary_stem(e.as_at, &e.sha256)))
            .collect();
        let mut stale = 0;
        for rel in files_below(&summaries) {
            // `summaries/<source>/<as-at>-<sha12>.<plan>.parquet`; a source's kept latest
            // versions and figures (`latest/`, `figures/`) are checked where they are used.
            if matches!(rel.split('/').nth(1), Some("latest" | "figures")) {
                continue;
            }
            let Some(stem) = rel.strip_suffix(".parquet").and_then(|s| s.rsplit_once('.')).map(|(s, _)| s) else {
                continue;
            };
            if !extracts.contains(stem) {
                let path = summaries.join(&rel);
                if std::fs::remove_file(&path).is_ok() {
                    remove_empty_parents(&summaries, &path);
                    stale += 1;
                }
            }
        }
        stale
    }
}
