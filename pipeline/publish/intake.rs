//! Taking files out of the drop folder for a run, so that what is judged, stored, archived
//! and reported is one and the same set of bytes, whatever happens in the drop folder
//! meanwhile.
//!
//! A settled file is first renamed into the run's work area, a hidden folder inside the
//! drop folder (`drop/.scorecard-work/`, on the same file system, so the rename is atomic and
//! nobody else writes to the file under its new name). It is read there, once; if it changed
//! while it was read it goes back for the next run. It leaves the work area as one step seen
//! from outside: into the archive (renamed, under a name carrying the SHA-256 of the bytes
//! read), into the quarantine (its reason written first, then the file renamed beside it),
//! or back into the drop folder. A run killed with files in the work area leaves them there;
//! the next run puts them back in the drop folder before it looks at anything.

use crate::fs::{free_path, kept_name, write_atomic};
use std::path::{Path, PathBuf};

/// The work area's name inside the drop folder (hidden, so no run mistakes it for a file).
pub const WORK: &str = ".scorecard-work";

/// The work area of a drop folder.
pub fn work_dir(drop: &Path) -> PathBuf {
    drop.join(WORK)
}

/// What identifies a file's content on disk without reading it: size, modification time and
/// inode. Any write to the file changes one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub len: u64,
    pub modified: Option<std::time::SystemTime>,
    pub inode: u64,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp { len: meta.len(), modified: meta.modified().ok(), inode: meta.ino() }
    }
}

/// A file taken into the work area for this run.
#[derive(Debug)]
pub struct Taken {
    /// Its name in the drop folder.
    pub name: String,
    /// The drop folder it came from (it goes back there if it is not kept).
    pub drop: PathBuf,
    /// Where it is now.
    pub work: PathBuf,
}

/// Why a taken file could not be read whole; it goes back for the next run.
#[derive(Debug, thiserror::Error)]
pub enum Unread {
    #[error("cannot read the file's details: {0}")]
    Details(std::io::Error),
    #[error("cannot read the file: {0}")]
    Bytes(std::io::Error),
    #[error("the file changed while it was being read (it is still being written?)")]
    Changed,
}

/// A file of `len` bytes read whole; a large one in pieces on all cores (copying it into
/// memory is a whole core's work for tens of milliseconds at national scale).
fn read_in_pieces(path: &Path, len: u64) -> std::io::Result<Vec<u8>> {
    use rayon::prelude::*;
    use std::os::unix::fs::FileExt;
    const PIECE: usize = 8 << 20;
    let Ok(len) = usize::try_from(len) else { return std::fs::read(path) };
    if len < 2 * PIECE || rayon::current_num_threads() < 2 {
        return std::fs::read(path);
    }
    let file = std::fs::File::open(path)?;
    let mut bytes = vec![0u8; len];
    bytes.par_chunks_mut(PIECE).enumerate().try_for_each(|(k, piece)| file.read_exact_at(piece, (k * PIECE) as u64))?;
    Ok(bytes)
}

impl Taken {
    /// Renames a drop-folder file into the work area. `Ok(None)` when it has gone meanwhile.
    pub fn take(drop: &Path, name: &str) -> std::io::Result<Option<Taken>> {
        let work = work_dir(drop);
        std::fs::create_dir_all(&work)?;
        let to = free_path(&work, name);
        match std::fs::rename(drop.join(name), &to) {
            Ok(()) => Ok(Some(Taken { name: name.to_string(), drop: drop.to_path_buf(), work: to })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Reads the taken file whole; `Err` with the reason when it cannot be read, or when it
    /// changed while it was read (someone still had it open for writing).
    pub fn read(&self) -> Result<Vec<u8>, Unread> {
        self.read_while(|| ())
    }

    /// [`Taken::read`], running `meanwhile` after the first look at the file (a test's
    /// writer).
    fn read_while(&self, meanwhile: impl FnOnce()) -> Result<Vec<u8>, Unread> {
        let stamp = |p: &Path| std::fs::metadata(p).map(|m| Stamp::of(&m)).map_err(Unread::Details);
        let before = stamp(&self.work)?;
        meanwhile();
        let bytes = match read_in_pieces(&self.work, before.len) {
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Err(Unread::Changed),
            read => read.map_err(Unread::Bytes)?,
        };
        let after = stamp(&self.work)?;
        if before != after || bytes.len() as u64 != after.len {
            return Err(Unread::Changed);
        }
        Ok(bytes)
    }

    /// The file back in the drop folder under its own name (or a free one, if a new file of
    /// that name has arrived meanwhile), for the next run.
    pub fn give_back(self) -> std::io::Result<PathBuf> {
        let to = free_path(&self.drop, &self.name);
        std::fs::rename(&self.work, &to)?;
        Ok(to)
    }

    /// The file into `dir` under its kept name (see [`kept_name`]), made from `sha256`, the
    /// fingerprint of the bytes read.
    pub fn archive(self, dir: &Path, sha256: &str) -> Result<PathBuf, (Taken, std::io::Error)> {
        let to = match std::fs::create_dir_all(dir) {
            Ok(()) => free_path(dir, &kept_name(&self.name, sha256)),
            Err(e) => return Err((self, e)),
        };
        match move_file(&self.work, &to) {
            Ok(()) => Ok(to),
            Err(e) => Err((self, e)),
        }
    }

    /// The file into the quarantine `dir`, its reason (`<kept name>.reason.txt`) and the
    /// files `beside` it (`(suffix, bytes)`, such as its feedback workbook) written first, so
    /// that the file never appears there without them.
    pub fn quarantine(
        self,
        dir: &Path,
        sha256: &str,
        reason: &str,
        beside: &[(&str, &[u8])],
    ) -> Result<PathBuf, (Taken, std::io::Error)> {
        let to = match std::fs::create_dir_all(dir) {
            Ok(()) => free_path(dir, &kept_name(&self.name, sha256)),
            Err(e) => return Err((self, e)),
        };
        let mut written = vec![reason_path(&to)];
        written.extend(beside.iter().map(|(suffix, _)| PathBuf::from(format!("{}{suffix}", to.display()))));
        let contents = std::iter::once(format!("{reason}\n").into_bytes())
            .chain(beside.iter().map(|(_, b)| b.to_vec()))
            .collect::<Vec<_>>();
        let mut done = Vec::new();
        let mut result = Ok(());
        for (path, bytes) in written.iter().zip(&contents) {
            if let Err(e) = write_atomic(path, bytes) {
                result = Err(e);
                break;
            }
            done.push(path);
        }
        if result.is_ok() {
            crate::testpoint::reached("quarantine:beside-written");
        }
        if let Err(e) = result.and_then(|()| move_file(&self.work, &to)) {
            for p in done {
                let _ = std::fs::remove_file(p);
            }
            return Err((self, e));
        }
        Ok(to)
    }
}

/// `<file>.reason.txt` beside a quarantined file.
pub fn reason_path(file: &Path) -> PathBuf {
    PathBuf::from(format!("{}.reason.txt", file.display()))
}

/// Renames `from` to `to`; across file systems, copies to a temporary name beside `to`,
/// renames it into place once whole, and only then removes `from`.
fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    match std::fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices || e.raw_os_error() == Some(18) => {
            let name = to.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let tmp = to.with_file_name(crate::fs::temporary_name(&name, std::process::id()));
            let copied = (|| {
                std::fs::copy(from, &tmp)?;
                std::fs::File::open(&tmp)?.sync_all()?;
                std::fs::rename(&tmp, to)
            })();
            if copied.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            copied?;
            std::fs::remove_file(from)
        }
        Err(e) => Err(e),
    }
}

/// Puts back into the drop folder every file a killed run left in the work area, and
/// returns their names.
pub fn restore(drop: &Path) -> std::io::Result<Vec<String>> {
    let work = work_dir(drop);
    let mut back = Vec::new();
    let Ok(entries) = std::fs::read_dir(&work) else { return Ok(back) };
    let mut names: Vec<String> = entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    for name in names {
        if crate::fs::is_temporary(&name) {
            std::fs::remove_file(work.join(&name))?;
            continue;
        }
        // `name (2).csv` was taken while another `name.csv` was in the work area.
        let original = original_name(&name);
        let to = free_path(drop, &original);
        std::fs::rename(work.join(&name), &to)?;
        back.push(to.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    }
    Ok(back)
}

/// A name without the ` (n)` [`free_path`] added before its extension.
fn original_name(name: &str) -> String {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    match stem.rsplit_once(" (") {
        Some((base, n)) if n.strip_suffix(')').is_some_and(|n| n.parse::<u32>().is_ok()) => format!("{base}{ext}"),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_file_is_read_in_pieces_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("large.csv");
        // Not a whole number of pieces, and no piece like another.
        let bytes: Vec<u8> = (0..(20 << 20) + 12_345u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let read = pool.install(|| read_in_pieces(&path, bytes.len() as u64)).unwrap();
        assert!(read == bytes, "the same bytes in the same order");
        // Shorter than its details said (cut while read): an end-of-file error, which
        // `Taken::read` reports as a changed file.
        let err = pool.install(|| read_in_pieces(&path, bytes.len() as u64 + 10)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn take_read_and_each_way_out() {
        let dir = tempfile::tempdir().unwrap();
        let drop = dir.path().join("drop");
        std::fs::create_dir_all(&drop).unwrap();
        std::fs::write(drop.join("a.csv"), b"one").unwrap();
        let t = Taken::take(&drop, "a.csv").unwrap().unwrap();
        assert!(!drop.join("a.csv").exists() && t.work.exists());
        assert_eq!(t.read().unwrap(), b"one");
        // A new file of the same name arrives meanwhile: the taken one goes back beside it.
        std::fs::write(drop.join("a.csv"), b"two").unwrap();
        let back = t.give_back().unwrap();
        assert_eq!(back, drop.join("a (2).csv"));
        assert_eq!(std::fs::read(drop.join("a.csv")).unwrap(), b"two");
        assert!(Taken::take(&drop, "gone.csv").unwrap().is_none(), "a file gone meanwhile is not an error");

        // Quarantined: the reason exists before the file, beside it.
        let t = Taken::take(&drop, "a.csv").unwrap().unwrap();
        let q = dir.path().join("q");
        let sha = crate::common::sha256_hex(b"two");
        let dest = t.quarantine(&q, &sha, "no header row", &[(".feedback.xlsx", b"xlsx")]).unwrap();
        assert_eq!(std::fs::read_to_string(reason_path(&dest)).unwrap(), "no header row\n");
        assert_eq!(std::fs::read(format!("{}.feedback.xlsx", dest.display())).unwrap(), b"xlsx");
        assert_eq!(dest.file_name().unwrap().to_string_lossy(), kept_name("a.csv", &sha));
        // Archived.
        let t = Taken::take(&drop, "a (2).csv").unwrap().unwrap();
        let dest = t.archive(&dir.path().join("archive"), &crate::common::sha256_hex(b"one")).unwrap();
        assert_eq!(std::fs::read(dest).unwrap(), b"one");
        assert_eq!(std::fs::read_dir(work_dir(&drop)).unwrap().count(), 0, "nothing left in the work area");
    }

    #[test]
    fn a_killed_runs_files_go_back() {
        let dir = tempfile::tempdir().unwrap();
        let drop = dir.path().to_path_buf();
        std::fs::create_dir_all(work_dir(&drop)).unwrap();
        std::fs::write(work_dir(&drop).join("r.xlsx"), b"x").unwrap();
        std::fs::write(work_dir(&drop).join("r (2).xlsx"), b"y").unwrap();
        std::fs::write(work_dir(&drop).join(".r.xlsx.99.tmp"), b"").unwrap();
        std::fs::write(drop.join("r.xlsx"), b"newer").unwrap();
        let back = restore(&drop).unwrap();
        assert_eq!(back, ["r (2).xlsx", "r (3).xlsx"]);
        assert_eq!(std::fs::read(drop.join("r.xlsx")).unwrap(), b"newer");
        assert_eq!(std::fs::read_dir(work_dir(&drop)).unwrap().count(), 0);
    }

    #[test]
    fn a_file_written_while_read_goes_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.csv"), b"x").unwrap();
        let t = Taken::take(dir.path(), "b.csv").unwrap().unwrap();
        let err = t.read_while(|| std::fs::write(&t.work, b"longer now").unwrap()).unwrap_err();
        assert!(err.to_string().contains("changed while it was being read"), "{err}");
        assert_eq!(t.read().unwrap(), b"longer now", "read again once it is still");
        assert_eq!(original_name("r (2).xlsx"), "r.xlsx");
        assert_eq!(original_name("r (x).xlsx"), "r (x).xlsx");
    }
}
