//! Fuzz target: `scorecard::fuzzing::cell_conversion` with arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scorecard::fuzzing::cell_conversion(data));
