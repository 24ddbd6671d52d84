//! The code's layers (mirrors the module list in `pipeline/lib.rs`): every module imports only
//! from those before it in the data flow, so no import runs back up and no cycle can form.

use std::path::Path;

/// The modules of `pipeline/`, bottom first. Test helpers are left out.
const LAYERS: [&str; 20] = [
    "common",
    "fs",
    "periods",
    "exit",
    "testpoint",
    "config",
    "ingest",
    "check",
    "store",
    "indicators",
    "benchmark",
    "render",
    "publish",
    "run",
    "job",
    "demo",
    "setup",
    "cli",
    "cmd",
    "main",
];
const HELPERS: [&str; 4] = ["lib", "fuzzing", "testing", "properties"];

/// The code of a file without its test modules and comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_module_imports_only_from_those_before_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipeline");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    let mut wrong = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
        let module = rel.split('/').next().unwrap().trim_end_matches(".rs").to_string();
        if HELPERS.contains(&module.as_str()) {
            continue;
        }
        let mine = rank(&module).unwrap_or_else(|| panic!("{rel}: module {module} is not in LAYERS"));
        let text = code(&std::fs::read_to_string(f).unwrap());
        for (i, _) in text.match_indices("crate::") {
            let used: String = text[i + 7..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            match rank(&used) {
                Some(r) if r > mine => wrong.push(format!("{rel}: {module} imports {used}")),
                None if !HELPERS.contains(&used.as_str()) => wrong.push(format!("{rel}: unknown module {used}")),
                _ => {}
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "imports that run back up the data flow:\n{}", wrong.join("\n"));
}
