//! Fuzz target: arbitrary bytes as a text extract (`scorecard::fuzzing::ingest`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scorecard::fuzzing::ingest(data, "benefits_workitems_20260331.csv"));
