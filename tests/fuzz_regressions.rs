//! Every input that ever crashed a fuzz target, kept in `fuzz/regressions/<target>/` under
//! the name libFuzzer gave it, replayed through the same code (`scorecard::fuzzing`): each
//! must now return normally. The seeds are replayed too, so the replay itself is exercised
//! on a fresh clone.

use std::path::Path;

fn replay(target: &str, run: impl Fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions").join(target);
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        if p.file_name().is_some_and(|n| n == ".gitkeep") {
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        eprintln!("replaying {target}/{}", p.file_name().unwrap().to_string_lossy());
        run(&bytes);
        n += 1;
    }
    n
}

#[test]
fn every_saved_fuzz_input_is_handled() {
    let n = replay("cell_conversion", scorecard::fuzzing::cell_conversion)
        + replay("header_detection", scorecard::fuzzing::header_detection)
        + replay("ingest_xlsx", |b| scorecard::fuzzing::ingest(b, "revenues_20260331.xlsx"))
        + replay("ingest_csv", |b| scorecard::fuzzing::ingest(b, "benefits_workitems_20260331.csv"));
    assert!(n >= 4, "the seeds at least ({n} inputs)");
}
