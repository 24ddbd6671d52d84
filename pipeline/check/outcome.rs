//! What became of a file, as every output tells it: the nightly job's file reports, `scorecard
//! check`'s verdicts, the workbook's Files sheet, the data-quality report and the store's
//! quality records all use these types.

use chrono::NaiveDate;
use serde::Serialize;

/// What became of a file: written in every output as its lower-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// Stored (its data in use) and archived.
    Accepted,
    /// Rejected, with its reason beside it in the quarantine.
    Quarantined,
    /// Left in the drop folder for the next run, with the reason.
    Skipped,
    /// The same bytes as a file already stored: archived apart, not loaded again.
    Duplicate,
}

impl FileStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Accepted => "accepted",
            FileStatus::Quarantined => "quarantined",
            FileStatus::Skipped => "skipped",
            FileStatus::Duplicate => "duplicate",
        }
    }
}

impl std::fmt::Display for FileStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to one file: in the nightly run, or (by `scorecard check`) what would.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct FileReport {
    pub name: String,
    /// The source definition it matched, if any.
    pub source: Option<String>,
    pub status: FileStatus,
    pub reason: String,
    pub as_at: Option<NaiveDate>,
    pub rows_read: Option<usize>,
    pub rows_accepted: Option<usize>,
    pub rows_rejected: Option<usize>,
    /// Where the file is now (archive or quarantine), if it was moved.
    pub moved_to: Option<String>,
    /// Data-quality checks that ended as warnings.
    pub warnings: usize,
    /// The feedback workbook for the supplier, if one was written.
    pub feedback: Option<String>,
}

impl FileReport {
    /// A file of the drop folder, nothing yet known about it.
    pub fn new(name: &str) -> FileReport {
        FileReport {
            name: name.to_string(),
            source: None,
            status: FileStatus::Skipped,
            reason: String::new(),
            as_at: None,
            rows_read: None,
            rows_accepted: None,
            rows_rejected: None,
            moved_to: None,
            warnings: 0,
            feedback: None,
        }
    }
}
