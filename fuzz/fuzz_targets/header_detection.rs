//! Fuzz target: `scorecard::fuzzing::header_detection` with arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scorecard::fuzzing::header_detection(data));
