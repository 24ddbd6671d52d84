//! Why a night stopped before it published anything: one variant per fault of a stage, each
//! written as the sentence the run's summary, log and JSON record give a clerk (what could not
//! be done, on which file or folder, and what to do). Faults of single files are never here:
//! they are file reports (quarantined or skipped), and the night goes on.

use crate::indicators::IndicatorError;
use crate::store::StoreError;
use std::io;
use std::path::PathBuf;

/// What the job needs of the drop folder after an I/O error, in words.
fn drop_need(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::NotFound => "create it (folders.drop in scorecard.toml says where it is)",
        io::ErrorKind::PermissionDenied => {
            "the job's user needs permission to read the drop folder and to write to it (to take files out of it)"
        }
        io::ErrorKind::ReadOnlyFilesystem => "its disk is mounted read-only, and the job must take files out of it",
        _ => "check the folder and the disk it is on",
    }
}

/// Why a run stopped (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the drop folder {} is not a folder (folders.drop in scorecard.toml)", .0.display())]
    DropNotAFolder(PathBuf),
    #[error("cannot {what} the drop folder {}: {source}; {}. Nothing was read or moved.", drop.display(), drop_need(source))]
    Drop { drop: PathBuf, what: String, source: io::Error },
    #[error("cannot create folder {}: {source}", path.display())]
    CreateFolder { path: PathBuf, source: io::Error },
    #[error(transparent)]
    OpenStore(StoreError),
    #[error("cannot put back the files an interrupted run left in {}: {source}", dir.display())]
    PutBack { dir: PathBuf, source: io::Error },
    #[error("the store could not be made ready: {0}")]
    StoreNotReady(StoreError),
    #[error("{0}; nothing was read or moved (restore the file from a backup, or see replaced/)")]
    StoreDamaged(StoreError),
    #[error("computing indicators: {0}")]
    Indicators(IndicatorError),
    #[error("computing breakdowns: {0}")]
    Breakdowns(IndicatorError),
    #[error("reading the report templates: {0}")]
    Templates(#[from] crate::render::pdf::TemplateError),
    #[error("rendering the workbook: {0}")]
    Workbook(rust_xlsxwriter::XlsxError),
    #[error("rendering {file}: {source}")]
    Report { file: String, source: crate::render::pdf::PdfError },
    #[error("{what}: {source}; nothing was published for this run")]
    Publish { what: String, source: io::Error },
    #[error("the clerks' index: {0}; nothing was published for this run")]
    Index(#[from] crate::render::index::IndexError),
    /// The project's lock was lost before publishing (the job says how).
    #[error(transparent)]
    LockLost(Box<dyn std::error::Error + Send + Sync>),
}

impl RunError {
    /// A fault of the drop folder: what could not be done to it, and the I/O error.
    pub fn drop_folder(drop: &std::path::Path, what: &str, source: io::Error) -> RunError {
        RunError::Drop { drop: drop.to_path_buf(), what: what.to_string(), source }
    }
}
