//! Integration tests: the real binary on real files in temporary folders.

mod check_files;
mod common;
mod demo_end_to_end;
mod run_files;
mod tricky_files;
mod validate;
