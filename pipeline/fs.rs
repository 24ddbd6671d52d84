//! Writing files so that they appear whole or not at all, and naming kept files: the bottom
//! floor every stage that writes uses (it imports nothing of the project but
//! [`crate::common`]).

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The run's work area inside the drop folder, where files are taken before they are read
/// (see [`crate::publish::intake`]); hidden, so no listing mistakes it for a delivery.
pub const WORK_AREA: &str = ".scorecard-work";

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(temporary_name(&name, std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// The name `write_atomic` writes `name` under before renaming it: `.<name>.<pid>.tmp`.
pub fn temporary_name(name: &str, pid: u32) -> String {
    format!(".{name}.{pid}.tmp")
}

/// Is this the name of a file `write_atomic` was writing (left behind if its run was killed)?
pub fn is_temporary(name: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|n| n.strip_suffix(".tmp"))
        .and_then(|n| n.rsplit_once('.'))
        .is_some_and(|(_, pid)| !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit()))
}

/// A free path for `name` in `dir`: `name`, else `name (2)`, `name (3)` ... before the
/// extension, so that nothing already there is overwritten.
pub fn free_path(dir: &Path, name: &str) -> PathBuf {
    let candidate = dir.join(name);
    if !candidate.exists() {
        return candidate;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_string(), format!(".{e}")),
        _ => (name.to_string(), String::new()),
    };
    (2..).map(|n| dir.join(format!("{stem} ({n}){ext}"))).find(|p| !p.exists()).expect("an unused name exists")
}

/// The SHA-256 of a file, read in pieces, as lower-case hex.
pub fn sha256_file(file: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    std::io::copy(&mut File::open(file)?, &mut hasher)?;
    Ok(crate::common::hex(&hasher.finalize()))
}

/// The name a file is kept under: its own name with the first 12 hex digits of its SHA-256
/// before the extension (`revenues_20251031.3f2a9c01b4de.xlsx`), so that two different
/// files of the same name never collide and the content can be traced.
pub fn kept_name(name: &str, sha256: &str) -> String {
    let short = &sha256[..sha256.len().min(12)];
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}.{short}.{ext}"),
        _ => format!("{name}.{short}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_recognised() {
        assert!(is_temporary(&temporary_name("report.pdf", 4242)));
        assert!(!is_temporary(".report.pdf.tmp") && !is_temporary("report.pdf") && !is_temporary(".x.12a.tmp"));
    }

    #[test]
    fn atomic_write_replaces_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }

    #[test]
    fn kept_names() {
        assert_eq!(kept_name("a.csv", "0123456789abcdef"), "a.0123456789ab.csv");
        assert_eq!(kept_name("README", "0123456789abcdef"), "README.0123456789ab");
        assert_eq!(kept_name(".hidden", "0123456789abcdef"), ".hidden.0123456789ab");
    }
}
