//! Publish: everything that changes the file system outside the store.
//!
//! Takes bytes rendered elsewhere and files that have been judged; gives files that appear
//! whole or not at all (written to a temporary name in the same folder, flushed, then
//! renamed), and drop-folder files moved, never deleted or overwritten, into the archive or
//! the quarantine (with a `.reason.txt` beside each quarantined file).

pub mod intake;
pub mod release;

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

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
fn temporary_name(name: &str, pid: u32) -> String {
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
    Ok(crate::ingest::hex(&hasher.finalize()))
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

/// Moves a file into `dir` under its kept name (see [`kept_name`]) and returns where it went.
/// Falls back to copy-then-remove across file systems, removing the original only once the
/// copy is whole.
pub fn move_into(file: &Path, dir: &Path) -> std::io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    let dest = free_path(dir, &kept_name(&name, &sha256_file(file)?));
    match fs::rename(file, &dest) {
        Ok(()) => Ok(dest),
        Err(_) => {
            let tmp = dir.join(temporary_name(&name, std::process::id()));
            fs::copy(file, &tmp)?;
            File::open(&tmp)?.sync_all()?;
            fs::rename(&tmp, &dest)?;
            fs::remove_file(file)?;
            Ok(dest)
        }
    }
}

/// Moves a rejected file into the quarantine with a `.reason.txt` a clerk can read.
pub fn quarantine(file: &Path, dir: &Path, reason: &str) -> std::io::Result<PathBuf> {
    let dest = move_into(file, dir)?;
    let reason_path = PathBuf::from(format!("{}.reason.txt", dest.display()));
    write_atomic(&reason_path, format!("{reason}\n").as_bytes())?;
    Ok(dest)
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
    fn moves_never_overwrite_and_keep_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("archive");
        let mut dests = Vec::new();
        for content in ["first", "second", "second"] {
            let f = dir.path().join("rates ü ..x.xlsx");
            fs::write(&f, content).unwrap();
            dests.push(move_into(&f, &archive).unwrap());
        }
        let sha_first = crate::ingest::sha256_hex(b"first");
        assert_eq!(dests[0], archive.join(format!("rates ü ..x.{}.xlsx", &sha_first[..12])));
        assert_eq!(fs::read_to_string(&dests[0]).unwrap(), "first");
        assert_eq!(fs::read_to_string(&dests[1]).unwrap(), "second");
        assert!(dests[2].to_string_lossy().ends_with(" (2).xlsx"), "{}", dests[2].display());
        assert_eq!(fs::read_dir(&archive).unwrap().count(), 3);
    }

    #[test]
    fn kept_names() {
        assert_eq!(kept_name("a.csv", "0123456789abcdef"), "a.0123456789ab.csv");
        assert_eq!(kept_name("README", "0123456789abcdef"), "README.0123456789ab");
        assert_eq!(kept_name(".hidden", "0123456789abcdef"), ".hidden.0123456789ab");
    }

    #[test]
    fn quarantine_writes_reason() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("bad.csv");
        fs::write(&f, "x").unwrap();
        let q = dir.path().join("q");
        let dest = quarantine(&f, &q, "no header row").unwrap();
        assert!(dest.exists() && !f.exists());
        let reason = format!("{}.reason.txt", dest.display());
        assert_eq!(fs::read_to_string(reason).unwrap(), "no header row\n");
    }
}
