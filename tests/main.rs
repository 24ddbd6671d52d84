//! Integration tests: the real binary on real files in temporary folders.

mod approval;
mod benchmarks;
mod check_files;
mod cli;
mod committee_pack;
mod common;
mod data_quality;
mod deliveries;
mod demo_end_to_end;
mod explain;
mod first_night;
mod fuzz_regressions;
mod hostile;
mod incremental;
mod index_browser;
mod kept_reports;
mod layers;
mod markup_files;
mod nightly;
mod poison;
mod real_uk_data;
mod reports;
mod run_files;
mod tricky_files;
mod validate;
mod workbook;
