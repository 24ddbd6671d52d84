//! The first half of a night: the drop folder's candidates that have settled are taken into
//! the work area ([`crate::publish::intake`]), read once each and judged, in parallel. What
//! is judged is exactly the bytes later stored and archived.
//!
//! `scorecard check` judges files the same way, in place ([`judge`]).

use crate::check::{self, CheckEnv};
use crate::config::{Limits, Project, SourceDef};
use crate::ingest;
use crate::publish::intake::Taken;
use chrono::NaiveDate;
use std::path::Path;
use std::time::SystemTime;

/// The outcome of reading and checking one file, as the nightly job (in parallel) and
/// `scorecard check` both see it.
pub enum Judged {
    Skip(String),
    Reject { source: Option<String>, reason: String },
    Checked(Box<check::CheckedExtract>),
}

/// A file typed by its source (with the built-in checks), before the declared checks.
pub type Typed<'p> = (Box<check::Typed>, &'p SourceDef);

/// Reads and checks one file where it is (for `scorecard check`): size limit,
/// identification, reading, checks against the store's `history`, on the run date `as_of`.
pub fn judge(path: &Path, project: &Project, as_of: NaiveDate, history: &[crate::check::Earlier]) -> Judged {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let limits = &project.settings.limits;
    match std::fs::metadata(path) {
        Err(e) => return Judged::Skip(format!("cannot read the file's details: {e}")),
        Ok(m) if !m.is_file() => return Judged::Skip("not a regular file".into()),
        Ok(m) if m.len() > limits.max_file_mb * 1024 * 1024 => return too_large(&name, m.len(), limits),
        Ok(_) => {}
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return Judged::Skip(format!("cannot read the file: {e}")),
    };
    match read_bytes(path, &bytes, project, as_of) {
        Ok((typed, source)) => declared(typed, source, project, as_of, history),
        Err(judged) => judged,
    }
}

/// The source's declared checks on a file [`read_bytes`] has typed.
pub fn declared(
    typed: Box<check::Typed>,
    source: &SourceDef,
    project: &Project,
    as_of: NaiveDate,
    history: &[crate::check::Earlier],
) -> Judged {
    let env = CheckEnv { partners: &project.settings.partner, as_of, history, waivers: &project.waivers };
    let mut x = check::declared(*typed, source, &env);
    x.cap_listed(project.settings.limits.max_findings_listed);
    Judged::Checked(Box::new(x))
}

fn too_large(name: &str, size: u64, limits: &Limits) -> Judged {
    Judged::Reject {
        source: None,
        reason: format!(
            "{name}: the file is {:.1} MB, larger than the limit of {} MB (limits.max_file_mb in scorecard.toml)",
            size as f64 / 1024.0 / 1024.0,
            limits.max_file_mb
        ),
    }
}

/// A file's bytes identified, read and typed (with the built-in checks); or why it is
/// rejected. `path` names the file (its extension is a hint for text files).
pub fn read_bytes<'p>(path: &Path, bytes: &[u8], project: &'p Project, as_of: NaiveDate) -> Result<Typed<'p>, Judged> {
    let (raw, source) = read_raw(path, bytes, project)?;
    Ok(typed(raw, source, project, as_of))
}

/// A file's bytes identified and read into a grid with its layout; or why it is rejected.
fn read_raw<'p>(
    path: &Path,
    bytes: &[u8],
    project: &'p Project,
) -> Result<(ingest::RawExtract, &'p SourceDef), Judged> {
    let limits = &project.settings.limits;
    let (source, grids) = ingest::identify_reading(path, bytes, &project.sources, limits)
        .map_err(|e| Judged::Reject { source: None, reason: e.to_string() })?;
    let raw = ingest::read_extract_from(path, bytes, source, limits, grids)
        .map_err(|e| Judged::Reject { source: Some(source.id().to_string()), reason: e.to_string() })?;
    Ok((raw, source))
}

/// A file read, typed with the built-in checks.
fn typed<'p>(raw: ingest::RawExtract, source: &'p SourceDef, project: &'p Project, as_of: NaiveDate) -> Typed<'p> {
    let env = CheckEnv { partners: &project.settings.partner, as_of, history: &[], waivers: &project.waivers };
    (Box::new(check::typed(raw, source, &env)), source)
}

/// Whether a drop-folder file has settled: not changed within `limits.settle_seconds` of the
/// run's start (it may still be being copied). A modification time further in the future
/// than that is a file server's clock, not a copy under way: the file is read (a write while
/// it is read still sends it back).
pub fn settled(path: &Path, started: SystemTime, limits: &Limits) -> Result<(), Unsettled> {
    let meta = std::fs::symlink_metadata(path)?;
    let Ok(modified) = meta.modified() else { return Ok(()) };
    let settle = std::time::Duration::from_secs(limits.settle_seconds);
    let young = |ago: std::time::Duration| Unsettled::Young { ago: ago.as_secs(), settle: limits.settle_seconds };
    match started.duration_since(modified) {
        Ok(age) if age < settle => Err(young(age)),
        Ok(_) => Ok(()),
        Err(ahead) if ahead.duration() <= settle => Err(young(std::time::Duration::ZERO)),
        Err(_) => Ok(()),
    }
}

/// Why a drop-folder file is left for the next run rather than taken.
#[derive(Debug, thiserror::Error)]
pub enum Unsettled {
    #[error("cannot read the file's details: {0}")]
    Details(#[from] std::io::Error),
    #[error("changed {ago} s before the run started (less than limits.settle_seconds = {settle}): it may still be being copied, so it is left for the next run")]
    Young { ago: u64, settle: u64 },
}

/// One taken file, read: the fingerprint of its bytes and its typed table, or why not.
pub struct Read<'p> {
    pub taken: Taken,
    pub sha256: String,
    pub outcome: Result<Typed<'p>, Judged>,
}

/// A taken file and its judgement.
pub struct Judging {
    pub taken: Taken,
    pub sha256: String,
    pub judged: Judged,
}

impl Read<'_> {
    /// The source's declared checks on the file read (against the store's `history`).
    pub fn judge(self, project: &Project, as_of: NaiveDate, history: &[crate::check::Earlier]) -> Judging {
        let judged = match self.outcome {
            Ok((typed, source)) => declared(typed, source, project, as_of, history),
            Err(j) => j,
        };
        Judging { taken: self.taken, sha256: self.sha256, judged }
    }
}

/// Reads a taken file once: the size limit first (from its details), then its bytes.
pub fn read_taken(taken: Taken, project: &Project, as_of: NaiveDate) -> Read<'_> {
    let limits = &project.settings.limits;
    let size = std::fs::metadata(&taken.work).map(|m| m.len()).unwrap_or(0);
    if size > limits.max_file_mb * 1024 * 1024 {
        let sha256 = crate::fs::sha256_file(&taken.work).unwrap_or_default();
        let outcome = Err(too_large(&taken.name, size, limits));
        return Read { taken, sha256, outcome };
    }
    let bytes = match taken.read() {
        Ok(b) => b,
        Err(why) => return Read { taken, sha256: String::new(), outcome: Err(Judged::Skip(why.to_string())) },
    };
    // The drop folder's name, not the work area's, names the file in every message.
    let named = taken.drop.join(&taken.name);
    let (outcome, sha256) = match read_raw(&named, &bytes, project) {
        Ok((raw, source)) => {
            // The file's bytes are let go before its table is converted: at national scale
            // they are as large as the table's text, and the conversion is the night's
            // peak of memory.
            drop(bytes);
            let typed = typed(raw, source, project, as_of);
            let sha256 = typed.0.sha256().to_string();
            (Ok(typed), sha256)
        }
        Err(j) => (Err(j), crate::common::sha256_hex(&bytes)),
    };
    Read { taken, sha256, outcome }
}
