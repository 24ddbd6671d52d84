//! A new partnership's first night: `scorecard new` writes a project that validates and proves
//! its examples; `scorecard draft` writes source definitions from sample extracts that
//! `validate` accepts and with which `check` accepts the same files, on the project's own
//! generated extracts of every source, on another council's layout (title rows, Windows-1252,
//! money as text, renamed headers), on a file whose headers are all unknown, and on real
//! public files.

use crate::common::*;
use std::path::{Path, PathBuf};

/// Drafts a source from files into a project, replacing any definition of the same id, and
/// gives the draft's text.
fn draft(project: &Path, source: &str, files: &[PathBuf]) -> String {
    let mut args = vec!["draft", "--project", project.to_str().unwrap(), "--source", source, "--replace"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let o = scorecard(&args);
    assert_eq!(o.status.code(), Some(0), "draft {source}: {}", stderr(&o));
    std::fs::read_to_string(project.join(format!("sources/{source}.toml"))).unwrap()
}

fn validates(project: &Path) {
    let o = scorecard(&["validate", "--project", project.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "validate: {}", stderr(&o));
}

/// `scorecard check --json` on files: each one's verdict and source.
fn verdicts(project: &Path, files: &[PathBuf]) -> Vec<(String, String)> {
    let mut args = vec!["check", "--project", project.to_str().unwrap(), "--json"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let o = scorecard(&args);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    json.as_array()
        .unwrap()
        .iter()
        .map(|f| (f["verdict"].as_str().unwrap().to_string(), f["source"].as_str().unwrap_or("").to_string()))
        .collect()
}

fn accepted_as(project: &Path, files: &[PathBuf], source: &str) {
    for (f, (verdict, got)) in files.iter().zip(verdicts(project, files)) {
        assert_eq!((verdict.as_str(), got.as_str()), ("accept", source), "{}", f.display());
    }
}

fn drop_files(project: &Path, prefix: &str, n: usize) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(project.join("drop"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect();
    files.sort();
    files.into_iter().rev().take(n).collect()
}

#[test]
fn drafts_of_every_demo_source_validate_and_accept_their_files() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    for (source, prefix) in [
        ("revenues", "revenues"),
        ("benefits", "benefits"),
        ("hr_staff", "hr_staff"),
        ("hr_absence", "hr_absence"),
        ("budget", "budget"),
    ] {
        let files = drop_files(&project, prefix, 2);
        assert_eq!(files.len(), 2, "{source}");
        let text = draft(&project, source, &files);
        assert!(!text.contains("TODO: no field"), "{source}: every demo header maps to a shipped field:\n{text}");
        assert!(project.join(format!("sources/{source}.toml.previous")).is_file(), "the shipped one is kept");
        validates(&project);
        accepted_as(&project, &files, source);
    }
    // The demo delivers no performance returns: two, in the layout the shipped definition
    // describes, written here.
    let mut returns = Vec::new();
    for (n, day) in [(0, "20251010"), (1, "20260112")] {
        let path = dir.path().join(format!("kpi_return_{day}.csv"));
        let mut text =
            String::from("KPI return\nIndicator Code,Council,Quarter,Actual,Numerator,Denominator,Comment\n");
        for (i, council) in ["Breckland", "East Suffolk", "Fenland"].iter().enumerate() {
            for code in ["SAT", "AVAIL"] {
                text.push_str(&format!("{code},{council},2025/26 Q{},{}.{i},,,\n", n + 2, 80 + i + n));
            }
        }
        std::fs::write(&path, text).unwrap();
        returns.push(path);
    }
    let text = draft(&project, "returns", &returns);
    assert!(text.contains("key = [\"indicator\", \"partner\", \"period\"]"), "{text}");
    validates(&project);
    accepted_as(&project, &returns, "returns");
    // With every source drafted, the shipped indicators still prove themselves.
    let o = scorecard(&["test", "--project", project.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Another council's revenues layout: a Windows-1252 CSV with title rows, money as
/// "£1,234.56" and "(12.50)", day-first text dates, headers the shipped definition does not
/// list ("Net Charge (£)"), one file per council.
#[test]
fn a_draft_reads_another_councils_layout() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let samples = dir.path().join("samples");
    std::fs::create_dir_all(&samples).unwrap();
    let mut files = Vec::new();
    for (council, n) in [("Breckland District Council", 0), ("Fenland", 1)] {
        let mut text = format!("Council Tax accounts — {council}\r\nReport run on 3{n}/10/2025 at 06:12\r\n\r\n");
        text.push_str("Authority,Tax,Account No,Charge Year,Net Charge (£),Amount Paid,Outstanding,Last Paid,Method of Payment\r\n");
        for i in 0..40 {
            let debit = 1000.0 + i as f64 * 10.0;
            let paid = if i == 3 { -12.5 } else { 500.0 + i as f64 };
            let paid_text = if paid < 0.0 { "(12.50)".to_string() } else { format!("\"£{paid:.2}\"") };
            text.push_str(&format!(
                "{council},Council Tax,CT{n}{i:06},2025/26,\"£{},{:03}.00\",{paid_text},{:.2},0{}/10/2025,{}\r\n",
                debit as i64 / 1000,
                debit as i64 % 1000,
                debit - paid,
                1 + i % 9,
                ["Direct Debit", "Cash", "Giro"][i % 3]
            ));
        }
        text.push_str("End of report\r\n");
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
        let path = samples.join(format!("ctax_{}_2025103{n}.csv", council.split(' ').next().unwrap().to_lowercase()));
        std::fs::write(&path, bytes).unwrap();
        files.push(path);
    }
    let text = draft(&project, "revenues", &files);
    for expected in [
        "field = \"net_debit\"\ntype = \"money\"\n# The samples' header first, then the other spellings the shipped definition knows.\nheaders = [\"Net Charge (£)\", \"Net Collectable Debit\", \"Net Debit\", \"Collectable Debit\"]",
        "field = \"collected\"\ntype = \"money\"",
        "field = \"council\"\ntype = \"partner\"",
        "field = \"liability_year\"\ntype = \"financial_year\"",
        "field = \"last_paid\"\ntype = \"date\"",
        "file_patterns = [\"ctax_*\"]",
        "(from the title rows)",
        "key = [\"council\", \"tax_type\", \"account_ref\", \"liability_year\"]",
        "pattern = '^[A-Z]{2}\\d{7}$'",
    ] {
        assert!(text.contains(expected), "{expected}\n---\n{text}");
    }
    validates(&project);
    accepted_as(&project, &files, "revenues");
}

/// Headers nobody knows: every field is made from its header and marked TODO, and the draft
/// still validates and accepts its file.
#[test]
fn a_draft_of_unknown_headers_marks_every_field_todo() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let path = dir.path().join("widgets_20251031.csv");
    let mut text = String::from("Widget,Colour,Weight (kg),Made On\n");
    for i in 0..30 {
        text.push_str(&format!("W{i:04},{},{}.5,{:02}/10/2025\n", ["red", "blue"][i % 2], i, 1 + i % 28));
    }
    std::fs::write(&path, text).unwrap();
    let draft = draft(&project, "widgets", std::slice::from_ref(&path));
    assert_eq!(draft.matches("TODO: no field the shipped indicators use").count(), 4, "{draft}");
    assert!(draft.contains("No header matches a shipped source's columns"), "{draft}");
    for field in ["widget", "colour", "weight_kg", "made_on"] {
        assert!(draft.contains(&format!("field = \"{field}\"")), "{field}: {draft}");
    }
    validates(&project);
    accepted_as(&project, &[path], "widgets");
}

/// Real public files: Hart District Council's performance tiles (two versions of one table,
/// dated in their names) and Trafford's Universal Credit series.
#[test]
fn drafts_of_real_public_files_validate_and_accept_them() {
    let Some(uk) = shared_data("uk") else { return };
    let dir = demo_project();
    let project = dir.path().join("demo");
    let hart: Vec<PathBuf> = ["tiles_097a09c_2014-09-02_DERIVED.csv", "tiles_88fdde5_2014-11-07_DERIVED.csv"]
        .iter()
        .map(|f| uk.join("hartdc").join(f))
        .collect();
    let text = draft(&project, "hart_tiles", &hart);
    assert!(text.contains("as at 02/09/2014 (from the file name)"), "{text}");
    validates(&project);
    accepted_as(&project, &hart, "hart_tiles");

    // No date in the title or name: the file is copied under a dated name, as a clerk would
    // save an extract.
    let uc = dir.path().join("universal_credit_20230331.csv");
    std::fs::copy(uk.join("trafford_themes/universal_credit.csv"), &uc).unwrap();
    let text = draft(&project, "universal_credit", std::slice::from_ref(&uc));
    assert!(text.contains("pattern = \"gss_code\""), "area codes are GSS codes:\n{text}");
    validates(&project);
    accepted_as(&project, &[uc], "universal_credit");
}

#[test]
fn new_project_validates_proves_its_examples_and_runs_a_first_night() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("nw");
    let p = project.to_str().unwrap();
    let o = scorecard(&[
        "new",
        p,
        "--name",
        "Norfolk Wide Partnership",
        "--short-name",
        "NWP",
        "E07000148=Norwich",
        "E07000149=South Norfolk",
        "E07000144",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let settings = std::fs::read_to_string(project.join("scorecard.toml")).unwrap();
    assert!(settings.contains("code = \"E07000144\"\nname = \"E07000144\"  # TODO"), "{settings}");
    assert!(std::fs::read_to_string(project.join("README.md")).unwrap().contains("scorecard draft"));
    assert!(project.join("docs/reference.md").is_file() && project.join("drop").is_dir());
    validates(&project);
    // The shipped examples, written for other councils, prove the definitions here too.
    let o = scorecard(&["test", "--project", p]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A second `new` on the same folder changes nothing.
    let o = scorecard(&["new", p, "E07000148=Norwich"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(project.join("scorecard.toml")).unwrap(), settings);
    // A name needs a register (or CODE=NAME).
    let o = scorecard(&["new", dir.path().join("other").to_str().unwrap(), "Norwich"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("CODE=NAME"), "{}", stderr(&o));
    // An empty first night: nothing waiting, outputs written.
    let (code, json) = run_json(&project, "2025-11-01");
    assert_eq!(code, 0, "{json}");
}

#[test]
fn new_finds_codes_by_name_in_the_register() {
    let Some(uk) = shared_data("uk") else { return };
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    let register = uk.join("uk_local_authority_names_and_codes/uk_local_authorities_current.csv");
    let o = scorecard(&[
        "new",
        project.to_str().unwrap(),
        "--register",
        register.to_str().unwrap(),
        "Breckland",
        "Fenland District Council",
        "E07000244",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let settings = std::fs::read_to_string(project.join("scorecard.toml")).unwrap();
    for code in ["E07000143", "E07000010", "E07000244"] {
        assert!(settings.contains(&format!("code = \"{code}\"")), "{code}: {settings}");
    }
    assert!(settings.contains("Breckland District Council"), "the official name is an alias: {settings}");
    validates(&project);
}
