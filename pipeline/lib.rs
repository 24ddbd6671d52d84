//! scorecard: a batch pipeline that turns the spreadsheet extracts of a council revenues,
//! benefits and HR partnership into checked data, performance indicators, an Excel workbook,
//! an open-data CSV and a typeset PDF committee report.
//!
//! The modules follow the data flow of one nightly run:
//! [`config`] (definitions as data) -> [`ingest`] (drop folder to raw grids) -> [`check`]
//! (grids to typed, checked tables and findings) -> [`store`] (history of accepted extracts in
//! Parquet) -> [`indicators`] (values, targets and RAG per period and partner; [`benchmark`]
//! places them among comparator councils) -> [`render`]
//! (workbook, CSV and PDF bytes from one report model) -> [`publish`] (atomic writes, archive
//! and quarantine). [`run`] strings the stages together; [`preflight`] checks files before
//! they are dropped; [`demo`] writes a complete synthetic project to try it on.

pub mod benchmark;
pub mod check;
pub mod cli;
pub mod common;
pub mod config;
pub mod demo;
pub mod exit;
pub mod fs;
pub mod fuzzing;
pub mod indicators;
pub mod ingest;
pub mod job;
pub mod periods;
pub mod preflight;
#[cfg(test)]
mod properties;
pub mod publish;
pub mod render;
pub mod run;
pub mod store;
#[cfg(test)]
pub(crate) mod testing;
pub mod testpoint;
