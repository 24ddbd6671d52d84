//! `store/audit.jsonl`: the record of what was decided about the figures and what changed
//! them (approvals for publication, restatements, extracts replaced, waivers applied,
//! definition files changed), one JSON object a line, that cannot be edited unnoticed.
//!
//! Each entry carries its number, the run date it was made on (the run clock, never the
//! wall clock), what it records, the SHA-256 of the line before it (`previous`; 64 zeros for
//! the first) and the SHA-256 of its own content (`sha256`, over the entry written without
//! that field). [`verify`] walks the chain and names the first entry that breaks it: one
//! edited, removed or inserted. An entry is added by writing the whole log, with the new line
//! after the old ones byte for byte, to a temporary file and renaming it over the old: a run
//! killed meanwhile leaves the log as it was, never half a line.

use crate::common::sha256_hex;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The log's file name in the store.
pub const FILE: &str = "audit.jsonl";

/// `previous` of the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// 1 for the first entry, then one more each time.
    pub seq: u64,
    /// The run date it was made on (`--as-of`).
    pub on: NaiveDate,
    /// What it records: `approval`, `restatement`, `replacement`, `waiver` or
    /// `definitions`.
    pub kind: String,
    /// The record itself (for an approval: [`Approval`]).
    pub detail: serde_json::Value,
    /// SHA-256 of the previous line.
    pub previous: String,
    /// SHA-256 of this entry written without this field.
    #[serde(default)]
    pub sha256: String,
}

impl Entry {
    fn content_sha256(&self) -> String {
        let bare = Entry { sha256: String::new(), ..self.clone() };
        sha256_hex(serde_json::to_string(&bare).expect("entry serialises").as_bytes())
    }
}

/// Why the log could not be read, verified or added to.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit log {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("audit log {path}, entry {line}: {why}")]
    Broken { path: PathBuf, line: usize, why: String },
}

/// The path of a store's log.
pub fn path(store: &Path) -> PathBuf {
    store.join(FILE)
}

/// Every entry of the log, verified; an empty list when there is no log yet.
pub fn read(store: &Path) -> Result<Vec<Entry>, AuditError> {
    let path = path(store);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(AuditError::Io { path, source }),
    };
    verify_bytes(&path, &bytes)
}

/// The entries of a log's bytes, or the first entry that breaks the chain.
fn verify_bytes(path: &Path, bytes: &[u8]) -> Result<Vec<Entry>, AuditError> {
    let broken = |line: usize, why: String| AuditError::Broken { path: path.to_path_buf(), line, why };
    let text = std::str::from_utf8(bytes).map_err(|e| broken(0, format!("not UTF-8 text ({e})")))?;
    let mut previous = GENESIS.to_string();
    let mut out = Vec::new();
    for (i, line) in text.split_terminator('\n').enumerate() {
        let n = i + 1;
        let e: Entry = serde_json::from_str(line).map_err(|e| broken(n, format!("not a log entry ({e})")))?;
        if e.seq != n as u64 {
            return Err(broken(
                n,
                format!("numbered {} where {n} was expected: an entry was removed or inserted", e.seq),
            ));
        }
        if e.previous != previous {
            return Err(broken(
                n,
                format!("the previous entry's SHA-256 is {previous}, but this entry says {}: entry {} was changed, removed or inserted", e.previous, n - 1),
            ));
        }
        if e.sha256 != e.content_sha256() {
            return Err(broken(n, "its content does not match its SHA-256: the entry was changed".into()));
        }
        previous = sha256_hex(line.as_bytes());
        out.push(e);
    }
    if !text.is_empty() && !text.ends_with('\n') {
        return Err(broken(out.len(), "the last line is not ended: the log was cut short".into()));
    }
    Ok(out)
}

/// The SHA-256 of a log's last entry (what the next entry's `previous` will be).
pub fn last_sha256(log: &[u8]) -> Option<String> {
    log.strip_suffix(b"\n").map(|t| t.rsplit(|b| *b == b'\n').next().unwrap_or(t)).map(sha256_hex)
}

/// Adds an entry (after verifying the log) and gives it. The caller holds the project's lock.
pub fn append(store: &Path, on: NaiveDate, kind: &str, detail: serde_json::Value) -> Result<Entry, AuditError> {
    let mut added = append_all(store, on, vec![(kind, detail)])?;
    Ok(added.pop().expect("one entry added"))
}

/// Adds entries in one write (after verifying the log), or none if there are none.
pub fn append_all(store: &Path, on: NaiveDate, new: Vec<(&str, serde_json::Value)>) -> Result<Vec<Entry>, AuditError> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let path = path(store);
    let old = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => return Err(AuditError::Io { path, source }),
    };
    let entries = verify_bytes(&path, &old)?;
    let mut previous = last_sha256(&old).unwrap_or_else(|| GENESIS.to_string());
    let mut bytes = old;
    let mut added = Vec::new();
    for (n, (kind, detail)) in new.into_iter().enumerate() {
        let seq = (entries.len() + n) as u64 + 1;
        let mut e = Entry { seq, on, kind: kind.to_string(), detail, previous, sha256: String::new() };
        e.sha256 = e.content_sha256();
        let line = serde_json::to_string(&e).expect("entry serialises");
        previous = sha256_hex(line.as_bytes());
        bytes.extend(line.as_bytes());
        bytes.push(b'\n');
        added.push(e);
    }
    crate::testpoint::reached("audit:writing");
    crate::fs::write_atomic(&path, &bytes).map_err(|source| AuditError::Io { path, source })?;
    Ok(added)
}

/// An approval of a period's figures for publication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Approval {
    /// The period label (`2025/26 Q2`).
    pub period: String,
    /// The report approved, or `all`.
    pub report: String,
    pub by: String,
    #[serde(default)]
    pub note: String,
    /// SHA-256 of the figures approved (each `indicator|partner|value`, one a line, in order).
    pub figures_sha256: String,
    /// The figures approved, as they stood: the values a restatement is measured from.
    pub figures: Vec<ApprovedFigure>,
    /// SHA-256 of the SHA-256s of every extract in the store when it was approved.
    pub extracts_sha256: String,
    pub extracts: usize,
    /// The first 12 hex digits of the SHA-256 of every extract in the store when it was
    /// approved: a restatement names the extracts that came after.
    #[serde(default)]
    pub extract_shas: Vec<String>,
    /// Each indicator's definition as approved (a SHA-256 of its method and of the columns
    /// it reads): a restatement says when the definition changed.
    #[serde(default)]
    pub definitions: std::collections::BTreeMap<String, String>,
}

/// A figure of an approved period that now reads differently, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Restatement {
    pub indicator: String,
    pub partner: String,
    pub partner_name: String,
    pub period: String,
    /// As approved, and now (as the open-data CSV writes them; empty for no value).
    pub was: String,
    pub now: String,
    pub because: String,
    pub approved_on: NaiveDate,
    pub approved_by: String,
}

impl Restatement {
    /// "restated: was 56.58, now 56.91, because ...".
    pub fn sentence(&self) -> String {
        let v = |s: &str| if s.is_empty() { "no value".to_string() } else { s.to_string() };
        format!("restated: was {}, now {}, because {}", v(&self.was), v(&self.now), self.because)
    }
}

/// One figure as approved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovedFigure {
    pub indicator: String,
    pub partner: String,
    /// The value, as the open-data CSV writes it (empty for no value).
    pub value: String,
}

/// The approvals recorded in a log, oldest first.
pub fn approvals(entries: &[Entry]) -> Vec<(NaiveDate, Approval)> {
    entries
        .iter()
        .filter(|e| e.kind == "approval")
        .filter_map(|e| serde_json::from_value(e.detail.clone()).ok().map(|a| (e.on, a)))
        .collect()
}

/// Whether a report's figures for a period are approved.
pub fn is_approved(approvals: &[(NaiveDate, Approval)], report: &str, period: &str) -> bool {
    approvals.iter().any(|(_, a)| a.period == period && (a.report == report || a.report == "all"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: &str) -> NaiveDate {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn entries_chain_and_any_edit_is_named() {
        let dir = tempfile::tempdir().unwrap();
        for n in 0..3 {
            append(dir.path(), day("2025-11-01"), "approval", serde_json::json!({ "n": n })).unwrap();
        }
        let entries = read(dir.path()).unwrap();
        assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
        let text = std::fs::read_to_string(path(dir.path())).unwrap();

        // The second entry edited: its own hash no longer matches.
        let edited = text.replacen("{\"n\":1}", "{\"n\":7}", 1);
        std::fs::write(path(dir.path()), &edited).unwrap();
        let e = read(dir.path()).unwrap_err().to_string();
        assert!(e.contains("entry 2: its content does not match"), "{e}");

        // Edited with its own hash made again: the next entry's link breaks.
        let mut lines: Vec<Entry> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        lines[1].detail = serde_json::json!({ "n": 7 });
        lines[1].sha256 = lines[1].content_sha256();
        let forged: String = lines.iter().map(|e| serde_json::to_string(e).unwrap() + "\n").collect();
        std::fs::write(path(dir.path()), forged).unwrap();
        let e = read(dir.path()).unwrap_err().to_string();
        assert!(e.contains("entry 3:") && e.contains("entry 2 was changed"), "{e}");

        // An entry removed.
        let removed: String =
            text.lines().enumerate().filter(|(i, _)| *i != 0).map(|(_, l)| format!("{l}\n")).collect();
        std::fs::write(path(dir.path()), removed).unwrap();
        assert!(read(dir.path()).unwrap_err().to_string().contains("entry 1: numbered 2"));

        // Cut short.
        std::fs::write(path(dir.path()), text.trim_end()).unwrap();
        assert!(read(dir.path()).unwrap_err().to_string().contains("cut short"));
        // And an append refuses to build on a broken log.
        assert!(append(dir.path(), day("2025-11-02"), "approval", serde_json::json!({})).is_err());
    }
}
