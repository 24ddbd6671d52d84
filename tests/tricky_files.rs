//! Every file of the public spreadsheet test corpora (`../shared/data/tricky`: encrypted,
//! truncated, fuzzed, zip and XML bombs, a file that makes calamine panic, odd formats)
//! through a real run: no panic escapes, nothing is lost, every file ends accepted or
//! quarantined with a reason. Skips, saying so, when the corpus is absent.

use crate::common::*;
use std::path::{Path, PathBuf};

#[test]
fn every_tricky_file_ends_archived_or_quarantined_with_a_reason() {
    let Some(corpus) = shared_data("tricky") else { return };
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    // One source that takes every file and needs no particular column, so that every file
    // is opened and read.
    bare_project(
        project,
        &[(
            "anything.toml".into(),
            "id = \"anything\"\nname = \"Any file\"\nkind = \"snapshot\"\nfile_patterns = [\"*\"]\nas_at = [\"title\", \"file_name\"]\n[[column]]\nfield = \"a\"\ntype = \"text\"\n".into(),
        )],
    );
    let drop = project.join("drop");
    let files = files_under(&corpus);
    for f in &files {
        let rel = f.strip_prefix(&corpus).unwrap().to_string_lossy().replace(['/', '\\'], "__");
        std::fs::copy(f, drop.join(rel)).unwrap();
    }
    assert!(files.len() > 500, "the corpus has its files ({})", files.len());

    let (code, json) = run_json(project, "2026-01-01");
    assert_eq!(code, 1, "completes, with quarantined files: {}", json["errors"]);
    let reported = json["files"].as_array().unwrap();
    assert_eq!(reported.len(), files.len(), "every file is reported");
    for f in reported {
        let status = f["status"].as_str().unwrap();
        assert!(["accepted", "quarantined", "duplicate"].contains(&status), "{f}");
        assert!(!f["reason"].as_str().unwrap().is_empty(), "{f}");
        let moved = Path::new(f["moved_to"].as_str().unwrap_or_else(|| panic!("not moved: {f}")));
        assert!(moved.is_file(), "{f}");
        if status == "quarantined" {
            let reason = PathBuf::from(format!("{}.reason.txt", moved.display()));
            assert!(reason.is_file(), "reason beside {}", moved.display());
        }
    }
    assert_eq!(std::fs::read_dir(&drop).unwrap().count(), 0, "nothing left behind, nothing lost");
    let out = json["outputs"].as_array().unwrap();
    assert_eq!(out.len(), 2 + 3, "the workbook, CSV and three PDF reports (one partner) are still written");
}
