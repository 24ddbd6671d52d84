//! What a night adds to the store's audit log ([`crate::store::audit`]): the definition files
//! when they changed (a SHA-256 of each), each council's data a file replaced, each
//! data-quality failure a waiver accepted, and each figure of an approved period restated
//! (once, when first seen). Nothing is added when nothing of these happened, so a night run
//! twice on the same inputs leaves the log as the first left it.

use crate::config::Project;
use crate::store::audit::{self, Entry, Restatement};
use chrono::NaiveDate;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// The definition files of a project, each with its SHA-256, by path relative to the project.
pub fn definition_files(project: &Project) -> BTreeMap<String, String> {
    let root = &project.root;
    let mut files: Vec<std::path::PathBuf> =
        ["scorecard.toml", "targets.toml", "waivers.toml", "benchmarks.toml"].iter().map(|f| root.join(f)).collect();
    for dir in ["sources", "indicators"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")));
        }
    }
    files
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().into_owned();
            Some((rel, crate::common::sha256_hex(&bytes)))
        })
        .collect()
}

/// The entries a night adds, given the log so far.
pub fn entries_for(
    log: &[Entry],
    definitions: BTreeMap<String, String>,
    replaced: &[crate::store::Replaced],
    waived: &[String],
    restatements: &[Restatement],
) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    let before: BTreeMap<String, String> = log
        .iter()
        .rev()
        .find(|e| e.kind == "definitions")
        .and_then(|e| serde_json::from_value(e.detail["files"].clone()).ok())
        .unwrap_or_default();
    if before != definitions {
        let changed: Vec<&String> = definitions
            .keys()
            .chain(before.keys())
            .filter(|k| before.get(*k) != definitions.get(*k))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        out.push(("definitions", json!({ "changed": changed, "files": definitions })));
    }
    for r in replaced {
        out.push(("replacement", json!({ "message": r.message, "record": r.record })));
    }
    for w in waived {
        out.push(("waiver", json!({ "applied": w })));
    }
    let logged: Vec<Restatement> = log
        .iter()
        .filter(|e| e.kind == "restatement")
        .filter_map(|e| serde_json::from_value(e.detail.clone()).ok())
        .collect();
    for r in restatements.iter().filter(|r| !logged.contains(r)) {
        out.push(("restatement", serde_json::to_value(r).expect("serialises")));
    }
    out
}

/// Adds the night's entries to the log; a problem is a warning for the summary.
pub fn record(
    project: &Project,
    store: &Path,
    as_of: NaiveDate,
    replaced: &[crate::store::Replaced],
    waived: &[String],
    restatements: &[Restatement],
) -> Result<usize, audit::AuditError> {
    let log = audit::read(store)?;
    let entries = entries_for(&log, definition_files(project), replaced, waived, restatements);
    let n = entries.len();
    audit::append_all(store, as_of, entries)?;
    Ok(n)
}
