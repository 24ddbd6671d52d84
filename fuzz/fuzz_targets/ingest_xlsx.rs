//! Fuzz target: arbitrary bytes as a workbook extract (`scorecard::fuzzing::ingest`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scorecard::fuzzing::ingest(data, "revenues_20260331.xlsx"));
