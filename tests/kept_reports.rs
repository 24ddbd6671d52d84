//! Reports kept from an earlier night: a report is typeset again only when something it
//! shows has changed (its fingerprint); one kept is the earlier file, untouched, listed by the
//! index as before; a changed file, a changed template or `--force` typesets it again.

use crate::common::*;
use std::collections::BTreeMap;
use std::path::Path;

/// Each PDF of a run's summary: report id (with partner) -> (file name, kept from which run).
fn pdfs(json: &serde_json::Value) -> BTreeMap<String, (String, Option<String>)> {
    json["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "pdf")
        .map(|o| {
            let file = Path::new(o["path"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned();
            let key =
                format!("{}/{}", o["report"]["report"].as_str().unwrap(), o["report"]["partner"].as_str().unwrap());
            (key, (file, o["kept_from"].as_str().map(String::from)))
        })
        .collect()
}

fn kept(json: &serde_json::Value) -> Vec<String> {
    pdfs(json).into_iter().filter(|(_, (_, k))| k.is_some()).map(|(r, _)| r).collect()
}

fn typeset(json: &serde_json::Value) -> Vec<String> {
    pdfs(json).into_iter().filter(|(_, (_, k))| k.is_none()).map(|(r, _)| r).collect()
}

/// A copy of a project folder, as it is (`cp -a`).
fn copy_folder(from: &Path, to: &Path) {
    let status = std::process::Command::new("cp").arg("-a").arg(from).arg(to).status().unwrap();
    assert!(status.success(), "cp -a {} {}", from.display(), to.display());
}

/// The files `index.csv` marks new.
fn new_in_index(output: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(output.join("index.csv")).unwrap();
    r.records().map(|x| x.unwrap()).filter(|x| &x[7] == "new").map(|x| x[5].to_string()).collect()
}

#[test]
fn only_reports_whose_contents_changed_are_typeset_again() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let output = project.join("output");
    let (code, first) = run_json(&project, "2026-04-07");
    assert!(code <= 1, "{}", first["errors"]);
    assert_eq!(kept(&first), Vec::<String>::new(), "a first night typesets every report");
    assert_eq!(typeset(&first).len(), 6);
    let bytes = |file: &str| std::fs::read(output.join(file)).unwrap();
    let before: BTreeMap<String, Vec<u8>> = pdfs(&first).into_values().map(|(f, _)| (f.clone(), bytes(&f))).collect();

    // The next day, nothing new: only the data-quality report, which lists the run's files
    // (none now), is typeset; the others are kept, the very files of the first night.
    let (code, second) = run_json(&project, "2026-04-08");
    assert!(code <= 1, "{}", second["errors"]);
    assert_eq!(typeset(&second), ["data-quality/The partnership: Breckland, East Suffolk and Fenland"]);
    assert_eq!(kept(&second).len(), 5, "{:?}", pdfs(&second));
    for (report, (file, from)) in pdfs(&second).into_iter().filter(|(_, (_, k))| k.is_some()) {
        assert_eq!(from.as_deref(), Some("2026-04-07-1"), "{report}");
        assert!(file.contains("2026-04-07"), "the earlier night's file: {file}");
        assert_eq!(bytes(&file), before[&file], "{file} untouched");
    }
    assert!(!output.join("scorecard-ARP-demo-2026-04-08-joint-committee.pdf").exists(), "no second copy");
    assert_eq!(
        new_in_index(&output),
        ["scorecard-ARP-demo-2026-04-08-data-quality.pdf"],
        "only it is new in the index"
    );
    let latest = std::fs::read(output.join("latest/joint-committee.pdf")).unwrap();
    assert_eq!(latest, before["scorecard-ARP-demo-2026-04-07-joint-committee.pdf"], "latest/ is the kept report");
    let status = scorecard(&["status", "--project", project.to_str().unwrap(), "--as-of", "2026-04-08", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["reports"].as_array().unwrap().len(), 6, "status lists the current reports, kept ones too");

    // A kept report is what typesetting it tonight would give, but for its date: the same
    // night forced in a copy of the project.
    let copy = tempfile::tempdir().unwrap();
    let forced_project = copy.path().join("demo");
    copy_folder(&project, &forced_project);
    let (code, forced) = run_json_with(&forced_project, "2026-04-08", &["--force"]);
    assert!(code <= 1, "{}", forced["errors"]);
    assert_eq!(kept(&forced), Vec::<String>::new(), "--force typesets every report");
    let kept_jc = output.join("scorecard-ARP-demo-2026-04-07-joint-committee-fenland.pdf");
    let fresh_jc = forced_project.join("output/scorecard-ARP-demo-2026-04-08-joint-committee-fenland.pdf");
    if let (Some(old), Some(new)) = (pdf_text(&kept_jc, None), pdf_text(&fresh_jc, None)) {
        assert_ne!(old, new, "the dates differ");
        assert_eq!(old.replace("7 April 2026", "8 April 2026"), new, "and nothing else does");
    } else {
        eprintln!("note: pdftotext (poppler-utils) is not installed; the kept report's text is not compared");
    }

    // An approval changes the committee reports (no draft mark) and nothing else.
    let o = scorecard(&[
        "approve",
        "--project",
        project.to_str().unwrap(),
        "--as-of",
        "2026-04-08",
        "--period",
        "2025/26 Q4",
        "--by",
        "Head of Revenues",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (code, third) = run_json(&project, "2026-04-08");
    assert!(code <= 1, "{}", third["errors"]);
    let mut jc = typeset(&third);
    jc.retain(|r| r.starts_with("joint-committee/"));
    assert_eq!(jc.len(), 4, "{:?}", pdfs(&third));
    assert_eq!(typeset(&third).len(), 4, "only the committee reports: {:?}", pdfs(&third));
    assert_eq!(
        pdfs(&third)["data-quality/The partnership: Breckland, East Suffolk and Fenland"].1.as_deref(),
        Some("2026-04-08-1")
    );

    // A kept file changed since it was written is not kept: the dashboard is typeset again,
    // and the changed file is left as it is.
    let dashboard = output.join("scorecard-ARP-demo-2026-04-07-oib-dashboard.pdf");
    let mut changed = std::fs::read(&dashboard).unwrap();
    changed.extend_from_slice(b"\n% edited\n");
    std::fs::write(&dashboard, &changed).unwrap();
    let (code, fourth) = run_json(&project, "2026-04-09");
    assert!(code <= 1, "{}", fourth["errors"]);
    assert!(typeset(&fourth).iter().any(|r| r.starts_with("oib-dashboard/")), "{:?}", pdfs(&fourth));
    assert_eq!(std::fs::read(&dashboard).unwrap(), changed, "an earlier file is never overwritten");
    assert!(kept(&fourth).iter().any(|r| r.starts_with("joint-committee/")), "{:?}", pdfs(&fourth));

    // A project's own template is given the whole model (it may read any of it), and a
    // changed template typesets its reports again.
    let template = project.join("report-templates/joint-committee.typ");
    let text = std::fs::read_to_string(&template).unwrap();
    std::fs::write(&template, format!("{text}\n#text(size: 6pt)[Figures in the model: #data.values.len()]\n")).unwrap();
    let (code, fifth) = run_json(&project, "2026-04-10");
    assert!(code <= 1, "{}", fifth["errors"]);
    let mut jc = typeset(&fifth);
    jc.retain(|r| r.starts_with("joint-committee/"));
    assert_eq!(jc.len(), 4, "{:?}", pdfs(&fifth));
    let made = output.join("scorecard-ARP-demo-2026-04-10-joint-committee.pdf");
    if let Some(text) = pdf_text(&made, None) {
        assert!(text.contains("Figures in the model: 3730"), "the whole model");
    }
}

#[test]
fn the_shipped_templates_typeset_the_same_from_their_members_as_from_the_whole_model() {
    // The demo's templates are the shipped ones, given only the members they read (every
    // kind of report is made); the same
    // templates with a comment added are the project's own, given the whole model. Every PDF
    // must be the same: a member a shipped template reads but is not given would stop it or
    // change it.
    let dir = demo_project();
    let narrowed = dir.path().join("demo");
    let whole = dir.path().join("whole");
    // Every kind of report the tool makes.
    let settings = narrowed.join("scorecard.toml");
    let text = std::fs::read_to_string(&settings).unwrap();
    let kinds = r#"reports = ["joint-committee", "oib-dashboard", "data-quality", "charnwood-quarterly"]"#;
    std::fs::write(&settings, text.replacen("[report]\n", &format!("[report]\n{kinds}\n"), 1)).unwrap();
    copy_folder(&narrowed, &whole);
    for e in std::fs::read_dir(whole.join("report-templates")).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, format!("{text}\n// the project's own copy\n")).unwrap();
    }
    for p in [&narrowed, &whole] {
        let (code, json) = run_json(p, "2026-04-07");
        assert!(code <= 1, "{}", json["errors"]);
    }
    let mut compared = 0;
    for f in files_under(&narrowed.join("output")) {
        if f.extension().is_some_and(|e| e == "pdf") && f.parent().unwrap().ends_with("output") {
            let other = whole.join("output").join(f.file_name().unwrap());
            assert!(std::fs::read(&f).unwrap() == std::fs::read(&other).unwrap(), "{} differs", f.display());
            compared += 1;
        }
    }
    assert_eq!(compared, 7, "six default reports and Charnwood's");
}

/// A project made by an earlier scorecard keeps that scorecard's templates: those it never
/// changed give way to the templates of the scorecard now running (so an upgrade's fixes
/// reach the reports), with a note in the run's summary and from `validate`; one it changed
/// stays its own.
#[test]
fn an_upgrade_reaches_the_reports_through_unchanged_copies_of_the_templates() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let templates = project.join("report-templates");
    let record = std::fs::read_to_string(templates.join(".as-shipped")).expect("the demo records what it copied");
    // The dashboard as an earlier scorecard wrote it, and recorded it.
    let path = templates.join("oib-dashboard.typ");
    let now = std::fs::read_to_string(&path).unwrap();
    let earlier = now.replace("monthly performance dashboard]", "monthly dashboard of an earlier scorecard]");
    assert_ne!(earlier, now);
    std::fs::write(&path, &earlier).unwrap();
    let sha = |t: &str| scorecard::common::sha256_hex(t.as_bytes());
    std::fs::write(templates.join(".as-shipped"), record.replace(&sha(&now), &sha(&earlier))).unwrap();

    let (code, json) = run_json(&project, "2026-04-07");
    assert!(code <= 1, "{}", json["errors"]);
    let notes = json["notes"].to_string();
    assert!(notes.contains("oib-dashboard.typ is the copy an earlier scorecard wrote, unchanged since"), "{notes}");
    let stem = "scorecard-ARP-demo-2026-04-07";
    if let Some(text) = pdf_text(&project.join("output").join(format!("{stem}-oib-dashboard.pdf")), None) {
        assert!(text.contains("monthly performance dashboard"), "this scorecard's dashboard: {text}");
        assert!(!text.contains("earlier scorecard"), "{text}");
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), earlier, "the project's file is left as it is");
    let o = scorecard(&["validate", "--project", project.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("note: "), "{}", String::from_utf8_lossy(&o.stdout));

    // Changed in the project since: its own, used as it is, nothing to say.
    std::fs::write(&path, format!("{earlier}\n// changed here\n")).unwrap();
    let (code, json) = run_json(&project, "2026-04-08");
    assert!(code <= 1, "{}", json["errors"]);
    assert_eq!(json["notes"], serde_json::json!([]), "{}", json["notes"]);
    let latest = project.join("output/latest/oib-dashboard.pdf");
    assert!(latest.is_file(), "{}", latest.display());
    if let Some(text) = pdf_text(&latest, None) {
        assert!(text.contains("earlier scorecard"), "the project's own template: {text}");
    }
}
