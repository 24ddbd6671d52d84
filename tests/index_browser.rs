//! The clerks' index opened in a real browser (headless Chromium, from Debian's packages)
//! by `tests/browser/index.mjs`: every link must lead to a file that is there, and axe-core
//! must report no accessibility violation. `.ci/run` installs Chromium and the script's two
//! npm packages; without them the test says so and skips. The page's content (every output
//! with its type and size, human dates and periods, the partnership's report first) is
//! checked in text as well, which needs nothing installed.

use crate::common::*;
use std::path::Path;
use std::process::Command;

const AS_OF: &str = "2026-04-07";

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| Path::new(p).is_file())
}

#[test]
fn the_clerks_index_lists_every_output_plainly_and_passes_a_browser_and_axe() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let (code, json) = run_json(&project, AS_OF);
    assert!(code == 0 || code == 1, "{json:#}");
    let index = project.join("output/index.html");
    let html = std::fs::read_to_string(&index).unwrap();
    // Every output of the run, with its type and size.
    for o in json["outputs"].as_array().unwrap() {
        let name = Path::new(o["path"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned();
        assert!(html.contains(&format!("href=\"{name}\"")), "index lacks {name}");
    }
    for words in ["PDF, ", "Excel workbook, ", "CSV, ", " KB", "7 April 2026", "Quarter 4 2025/26", "March 2026"] {
        assert!(html.contains(words), "index lacks {words:?}");
    }
    // The partnership's report first among the latest.
    let latest = html.split("<h2>Latest of each report</h2>").nth(1).unwrap();
    let first = latest.split("<li>").nth(1).unwrap();
    assert!(first.contains("latest/joint-committee.pdf"), "{first}");
    assert!(!html.contains("2025/26 Q4<"), "periods in words, not codes");

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/index.mjs");
    let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/node_modules");
    let (Some(browser), true) =
        (chromium(), modules.join("axe-core").is_dir() && modules.join("playwright-core").is_dir())
    else {
        eprintln!(
            "note: headless Chromium (Debian's chromium) or the npm packages of tests/browser (npm install --prefix tests/browser) are not installed; the index was not opened in a browser"
        );
        return;
    };
    let o = Command::new("node").arg(&script).arg(&index).arg(browser).output().expect("node runs");
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{report}\n{}", String::from_utf8_lossy(&o.stderr));
    let result: serde_json::Value = serde_json::from_str(report.trim()).unwrap();
    assert!(result["links"].as_array().unwrap().len() >= json["outputs"].as_array().unwrap().len(), "{result}");
    assert_eq!(result["broken"].as_array().unwrap().len(), 0, "{result}");
    assert_eq!(result["violations"].as_array().unwrap().len(), 0, "{result}");
}
