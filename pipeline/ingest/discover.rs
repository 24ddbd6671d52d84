//! Lists the drop folder and sorts out what is not an extract (lock files, hidden and
//! temporary files, folders, links) before anything is opened.

use std::path::{Path, PathBuf};

/// One entry of the drop folder.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: PathBuf,
    pub name: String,
    pub kind: EntryKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file to read.
    Candidate,
    /// Left where it is, with the reason.
    Skip(String),
}

/// Lists the drop folder in name order. Symbolic links are never followed.
pub fn discover(drop: &Path) -> std::io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(drop)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name == crate::fs::WORK_AREA {
            // The run's own work area (see `publish::intake`), not a delivery.
            continue;
        }
        let path = e.path();
        let ft = e.file_type()?;
        let kind = if ft.is_symlink() {
            EntryKind::Skip("symbolic link: links are never followed; copy the file itself into the folder".into())
        } else if ft.is_dir() {
            EntryKind::Skip("folder: only files directly in the drop folder are read".into())
        } else if name.starts_with("~$") {
            EntryKind::Skip("Excel lock file (the workbook is open somewhere)".into())
        } else if name.starts_with('.') {
            EntryKind::Skip("hidden file".into())
        } else if is_temporary(&name) {
            EntryKind::Skip("temporary file (still being written)".into())
        } else if !ft.is_file() {
            EntryKind::Skip("not a regular file".into())
        } else {
            EntryKind::Candidate
        };
        out.push(Entry { path, name, kind });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn is_temporary(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".tmp", ".part", ".crdownload", ".partial", "~"].iter().any(|s| lower.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_lock_hidden_temp_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        for n in ["a.xlsx", "~$a.xlsx", ".DS_Store", "b.csv.part", "c.tmp"] {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let entries = discover(dir.path()).unwrap();
        let candidates: Vec<&str> =
            entries.iter().filter(|e| e.kind == EntryKind::Candidate).map(|e| e.name.as_str()).collect();
        assert_eq!(candidates, ["a.xlsx"]);
        assert_eq!(entries.len(), 6);
    }
}
