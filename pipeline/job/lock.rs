//! One run at a time: an advisory lock on `<project>/.scorecard.lock`, held by the operating
//! system for as long as the process lives. A run killed with `kill -9` loses its lock with its
//! process, so a lock file left behind is stale by construction: the next run takes it over
//! and says so. The file records who holds it (process id and start), for the message a
//! second run gives.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The lock file of a project.
pub fn lock_path(root: &Path) -> PathBuf {
    root.join(".scorecard.lock")
}

/// A held lock; released when dropped (or when the process ends, however it ends).
#[derive(Debug)]
pub struct ProjectLock {
    file: File,
    /// The lock file's identity (device, inode) when it was taken.
    identity: (u64, u64),
    /// What the lock file said when it was taken over from a run that had died.
    pub took_over: Option<String>,
}

impl ProjectLock {
    /// Whether the lock file is still the one this run locked: deleted or replaced, another
    /// run could have taken a lock of its own on the new file, so this run must not publish.
    pub fn still_held(&self, root: &Path) -> Result<(), LockLost> {
        use std::os::unix::fs::MetadataExt;
        let path = lock_path(root);
        match std::fs::metadata(&path) {
            Ok(m) if (m.dev(), m.ino()) == self.identity => Ok(()),
            Ok(_) => Err(LockLost { path, how: "was replaced".into() }),
            Err(e) => Err(LockLost { path, how: format!("was removed ({e})") }),
        }
    }
}

impl Drop for ProjectLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// The lock file this run held was replaced or removed before publishing.
#[derive(Debug, thiserror::Error)]
#[error(
    "the lock file {} {how} while this run held it; another run may be running, so nothing was published (run again)",
    path.display()
)]
pub struct LockLost {
    pub path: std::path::PathBuf,
    pub how: String,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another scorecard run holds the lock on this project ({holder}); this run did nothing. Try again when it has finished")]
    Held { holder: String },
    #[error("cannot open the lock file {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Takes the project's lock without waiting. `who` is written into the lock file.
pub fn acquire(root: &Path, who: &str) -> Result<ProjectLock, LockError> {
    let path = lock_path(root);
    let io = |source| LockError::Io { path: path.clone(), source };
    let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(LockError::Held {
                holder: if holder.is_empty() { "a run that has just started".to_string() } else { holder.to_string() },
            });
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    let mut previous = String::new();
    let _ = file.read_to_string(&mut previous);
    let took_over = (!previous.trim().is_empty()).then(|| previous.trim().to_string());
    file.set_len(0).map_err(io)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    file.write_all(who.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    let identity = {
        use std::os::unix::fs::MetadataExt;
        let m = file.metadata().map_err(io)?;
        (m.dev(), m.ino())
    };
    Ok(ProjectLock { file, identity, took_over })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_is_refused_and_a_dead_holder_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(dir.path(), "pid 1 started 2026-04-07").unwrap();
        assert!(first.took_over.is_none());
        match acquire(dir.path(), "pid 2") {
            Err(LockError::Held { holder }) => assert_eq!(holder, "pid 1 started 2026-04-07"),
            other => panic!("{other:?}"),
        }
        drop(first);
        // A run that died left its note in the file, but no lock.
        std::fs::write(lock_path(dir.path()), "pid 99 started 2026-04-06").unwrap();
        let again = acquire(dir.path(), "pid 3").unwrap();
        assert_eq!(again.took_over.as_deref(), Some("pid 99 started 2026-04-06"));
        assert_eq!(std::fs::read_to_string(lock_path(dir.path())).unwrap(), "pid 3");
        // Someone deletes the lock file during the run: a second run could lock a new one, so
        // the first must not publish.
        assert!(again.still_held(dir.path()).is_ok());
        std::fs::remove_file(lock_path(dir.path())).unwrap();
        let second = acquire(dir.path(), "pid 4").unwrap();
        assert!(again.still_held(dir.path()).unwrap_err().to_string().contains("was replaced"));
        drop(second);
    }
}
