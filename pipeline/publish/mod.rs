//! Publish: everything that changes the file system outside the store.
//!
//! Takes bytes rendered elsewhere and files that have been judged; gives files that appear
//! whole or not at all (written to a temporary name in the same folder, flushed, then
//! renamed), and drop-folder files moved, never deleted or overwritten, into the archive or
//! the quarantine (with a `.reason.txt` beside each quarantined file).

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
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

/// Moves a file into `dir` under a free name and returns where it went. Falls back to
/// copy-then-remove across file systems, removing the original only once the copy is whole.
pub fn move_into(file: &Path, dir: &Path) -> std::io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    let dest = free_path(dir, &name);
    match fs::rename(file, &dest) {
        Ok(()) => Ok(dest),
        Err(_) => {
            let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
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
    fn atomic_write_replaces_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }

    #[test]
    fn moves_never_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("archive");
        for content in ["first", "second"] {
            let f = dir.path().join("a.xlsx");
            fs::write(&f, content).unwrap();
            move_into(&f, &archive).unwrap();
        }
        assert_eq!(fs::read_to_string(archive.join("a.xlsx")).unwrap(), "first");
        assert_eq!(fs::read_to_string(archive.join("a (2).xlsx")).unwrap(), "second");
    }

    #[test]
    fn quarantine_writes_reason() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("bad.csv");
        fs::write(&f, "x").unwrap();
        let q = dir.path().join("q");
        let dest = quarantine(&f, &q, "no header row").unwrap();
        assert!(dest.exists() && !f.exists());
        assert_eq!(fs::read_to_string(q.join("bad.csv.reason.txt")).unwrap(), "no header row\n");
    }
}
