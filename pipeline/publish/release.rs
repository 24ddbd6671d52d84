//! A run's outputs made current together, or not at all.
//!
//! Every output of a run (workbook, CSV, PDF reports, the clerks' index and its `latest/`
//! copies) is first written into a hidden release folder inside the output folder
//! (`output/.release-<pid>/new/`). Only when every one is whole does the run commit: it
//! keeps a hard link to each file the release replaces (`old/`), writes the list of names
//! (`COMMIT`), then renames each new file into place (a rename replaces a file atomically).
//! A failure while committing puts the old files back, so the folder holds exactly the
//! previous set; a run killed while committing leaves `COMMIT`, and the next run finishes
//! the renames ([`recover`]); a run killed before it leaves a release folder without
//! `COMMIT`, which the next run removes.

use std::path::{Path, PathBuf};

const PREFIX: &str = ".release-";
const COMMIT: &str = "COMMIT";

/// A set of outputs being written, not yet current.
#[derive(Debug)]
pub struct Release {
    output: PathBuf,
    dir: PathBuf,
    names: Vec<String>,
    done: bool,
}

impl Release {
    /// Starts a release in the output folder.
    pub fn begin(output: &Path) -> std::io::Result<Release> {
        let dir = output.join(format!("{PREFIX}{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(dir.join("new"))?;
        Ok(Release { output: output.to_path_buf(), dir, names: Vec::new(), done: false })
    }

    /// Writes one output (`rel`, relative to the output folder, `/` between folders) into the
    /// release; returns where it will be once committed.
    pub fn add(&mut self, rel: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let path = self.dir.join("new").join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut f = std::fs::File::create(&path)?;
        std::io::Write::write_all(&mut f, bytes)?;
        f.sync_all()?;
        self.names.retain(|n| n != rel);
        self.names.push(rel.to_string());
        Ok(self.output.join(rel))
    }

    /// The bytes written for `rel` in this release, if any.
    pub fn staged(&self, rel: &str) -> Option<Vec<u8>> {
        self.names.iter().any(|n| n == rel).then(|| std::fs::read(self.dir.join("new").join(rel)).ok()).flatten()
    }

    /// Makes every output current; on failure the output folder holds what it held before.
    pub fn commit(mut self) -> std::io::Result<()> {
        crate::testpoint::reached("release:staged");
        // Links to the files about to be replaced, to put back if a rename fails.
        for rel in &self.names {
            let current = self.output.join(rel);
            if current.is_file() {
                let old = self.dir.join("old").join(rel);
                if let Some(parent) = old.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                if std::fs::hard_link(&current, &old).is_err() {
                    std::fs::copy(&current, &old)?;
                }
            }
        }
        let list = self.names.join("\n");
        let mut f = std::fs::File::create(self.dir.join(COMMIT))?;
        std::io::Write::write_all(&mut f, list.as_bytes())?;
        f.sync_all()?;
        let mut moved: Vec<&String> = Vec::new();
        for rel in &self.names {
            let to = self.output.join(rel);
            let step = to
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::rename(self.dir.join("new").join(rel), &to));
            if let Err(e) = step {
                // Back to the previous set: each file moved in is replaced by its old self,
                // or removed if it is new.
                for rel in moved {
                    let old = self.dir.join("old").join(rel);
                    let to = self.output.join(rel);
                    if old.exists() {
                        let _ = std::fs::rename(&old, &to);
                    } else {
                        let _ = std::fs::remove_file(&to);
                    }
                }
                let _ = std::fs::remove_file(self.dir.join(COMMIT));
                return Err(e);
            }
            moved.push(rel);
            if moved.len() == 1 {
                crate::testpoint::reached("release:committing");
            }
        }
        self.done = true;
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(())
    }
}

impl Drop for Release {
    fn drop(&mut self) {
        // Not committed (an error on the way): the release leaves nothing behind.
        if !self.done && !self.dir.join(COMMIT).exists() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Finishes or removes the releases a killed run left in the output folder: one with its
/// list of names written is committed (its remaining files renamed into place); one without
/// is removed. Returns what was done, in words.
pub fn recover(output: &Path) -> Vec<String> {
    let mut done = Vec::new();
    let Ok(entries) = std::fs::read_dir(output) else { return done };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with(PREFIX) || !e.path().is_dir() {
            continue;
        }
        let dir = e.path();
        match std::fs::read_to_string(dir.join(COMMIT)) {
            Ok(list) => {
                let mut n = 0;
                for rel in list.lines().filter(|l| !l.is_empty()) {
                    let from = dir.join("new").join(rel);
                    if from.exists() {
                        let to = output.join(rel);
                        if let Some(parent) = to.parent() {
                            let _ = std::fs::create_dir_all(parent);
                        }
                        if std::fs::rename(&from, &to).is_ok() {
                            n += 1;
                        }
                    }
                }
                done.push(format!("finished publishing the outputs of an interrupted run ({n} file(s) made current)"));
            }
            Err(_) => done.push("removed the unfinished outputs of an interrupted run".to_string()),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = walk(dir, dir);
        out.sort();
        out
    }

    fn walk(root: &Path, dir: &Path) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(root, &p));
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
        out
    }

    #[test]
    fn all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        std::fs::write(out.join("a.csv"), "old a").unwrap();
        std::fs::write(out.join("keep.pdf"), "untouched").unwrap();
        let mut r = Release::begin(out).unwrap();
        r.add("a.csv", b"new a").unwrap();
        r.add("latest/b.pdf", b"new b").unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "old a", "nothing current before commit");
        assert_eq!(r.staged("latest/b.pdf").unwrap(), b"new b");
        r.commit().unwrap();
        assert_eq!(
            files(out),
            [
                ("a.csv".to_string(), "new a".to_string()),
                ("keep.pdf".to_string(), "untouched".to_string()),
                ("latest/b.pdf".to_string(), "new b".to_string())
            ]
        );
        // A release dropped before its commit (an error on the way) leaves nothing.
        let mut r = Release::begin(out).unwrap();
        r.add("a.csv", b"newer").unwrap();
        drop(r);
        assert_eq!(files(out).len(), 3);
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "new a");
        // A rename that fails puts the old set back: here `c.pdf` is a folder.
        std::fs::create_dir_all(out.join("c.pdf/x")).unwrap();
        let mut r = Release::begin(out).unwrap();
        r.add("a.csv", b"newest").unwrap();
        r.add("c.pdf", b"cannot land").unwrap();
        assert!(r.commit().is_err());
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "new a", "the previous set stands");
        assert!(!std::fs::read_dir(out)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(PREFIX)));
    }

    #[test]
    fn a_killed_commit_is_finished_and_an_unfinished_release_removed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        // Killed while committing: COMMIT written, one file moved, one not.
        let killed = out.join(".release-4242");
        std::fs::create_dir_all(killed.join("new/latest")).unwrap();
        std::fs::write(killed.join("new/latest/r.pdf"), "new r").unwrap();
        std::fs::write(out.join("a.csv"), "new a").unwrap();
        std::fs::write(killed.join(COMMIT), "a.csv\nlatest/r.pdf").unwrap();
        // Killed while writing: no COMMIT.
        std::fs::create_dir_all(out.join(".release-4343/new")).unwrap();
        std::fs::write(out.join(".release-4343/new/a.csv"), "half").unwrap();
        let done = recover(out);
        assert_eq!(done.len(), 2, "{done:?}");
        assert_eq!(
            files(out),
            [("a.csv".to_string(), "new a".to_string()), ("latest/r.pdf".to_string(), "new r".to_string())]
        );
    }
}
