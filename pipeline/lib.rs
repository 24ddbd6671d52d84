//! scorecard: a batch pipeline that turns the spreadsheet extracts of a council revenues,
//! benefits and HR partnership into checked data, performance indicators, an Excel workbook,
//! an open-data CSV and a typeset PDF committee report.
//!
//! The modules follow the data flow of one nightly run:
//! [`config`] (definitions as data) -> [`ingest`] (drop folder to raw grids) -> [`check`]
//! (grids to typed, checked tables and findings) -> [`store`] (history of accepted data in
//! Parquet, council by council) -> [`indicators`] (values, targets and RAG per period and
//! partner; [`benchmark`] places them among comparator councils) -> [`render`] (workbook, CSV
//! and PDF bytes from one report model) -> [`publish`] (files taken, archived and
//! quarantined; outputs released together). [`run`] strings the stages together for one
//! night and [`job`] wraps it for cron (lock, records, skip when nothing changed). Each
//! command has its room in [`cmd`] ([`cli`] parses their arguments); [`demo`] writes a
//! complete synthetic project to try them on, and [`setup`] a new partnership's first project. Below every stage: [`common`] (text and number
//! helpers), [`fs`] (files written whole), [`periods`] (the financial-year calendar),
//! [`exit`] (exit codes). Each module imports only from those before it in this list (checked
//! by `tests/layers.rs`).

pub mod benchmark;
pub mod check;
pub mod cli;
pub mod cmd;
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
#[cfg(test)]
mod properties;
pub mod publish;
pub mod render;
pub mod run;
pub mod setup;
pub mod store;
#[cfg(test)]
pub(crate) mod testing;
pub mod testpoint;
