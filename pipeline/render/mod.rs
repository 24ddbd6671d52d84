//! Render: one report model, three renderings that cannot disagree.
//!
//! Takes the project, the indicator values and the run's record of files; gives a
//! [`ReportModel`] (serialisable, handed to Typst as JSON) and from it the bytes of the Excel
//! workbook ([`workbook`]), the open-data CSV ([`csv`]) and the PDF committee report
//! ([`pdf`]). Nothing here touches the file system; [`crate::publish`] writes the bytes.

pub mod csv;
pub mod format;
pub mod model;
pub mod pdf;
pub mod workbook;

pub use model::{FileReport, ReportModel};
