//! `scorecard validate`: every problem, with file and line, exit code 78.

use crate::common::*;
use std::path::Path;

#[test]
fn shipped_configuration_is_valid() {
    let root = env!("CARGO_MANIFEST_DIR");
    let o = scorecard(&["validate", "--project", root]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn misspelt_key_exits_78_naming_file_and_line() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let path = project.join("sources/revenues.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    // Misspell `file_patterns` on its own line and remember which line that is.
    let line = text.lines().position(|l| l.starts_with("file_patterns")).unwrap() + 1;
    std::fs::write(&path, text.replacen("file_patterns", "file_paterns", 1)).unwrap();
    // A second, independent problem in another file is reported in the same run.
    let ind = project.join("indicators/arp.toml");
    let itext = std::fs::read_to_string(&ind).unwrap();
    std::fs::write(&ind, itext.replacen("polarity = \"higher\"", "polarity = \"upwards\"", 1)).unwrap();

    let o = scorecard(&["validate", "--project", project.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(78), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&format!("revenues.toml:{line}:")), "names file and line {line}:\n{err}");
    assert!(err.contains("file_paterns"), "names the key:\n{err}");
    assert!(err.contains("arp.toml:"), "reports the second file too:\n{err}");
    assert!(!err.contains("unknown indicator"), "no cascade of errors from the file that failed to parse:\n{err}");

    // `run` refuses to start on the same project, with the same code.
    let o = scorecard(&["run", "--project", project.to_str().unwrap(), "--as-of", "2026-05-15"]);
    assert_eq!(o.status.code(), Some(78));
}

#[test]
fn reference_to_unknown_source_is_reported() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let ind = project.join("indicators/arp.toml");
    let text = std::fs::read_to_string(&ind).unwrap();
    std::fs::write(&ind, text.replacen("source = \"benefits\"", "source = \"benefit\"", 1)).unwrap();
    let o = scorecard(&["validate", "--project", project.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(78));
    assert!(stderr(&o).contains("`benefit`"), "{}", stderr(&o));
}

#[test]
fn bad_checks_and_waivers_are_located() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let path = project.join("sources/revenues.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen("right = \"net_debit - collected\"", "right = \"net_debit - colected\"", 1);
    std::fs::write(&path, text.clone()).unwrap();
    let line = text.lines().position(|l| l.contains("kind = \"compare\"")).unwrap() + 1;
    std::fs::write(
        project.join("waivers.toml"),
        "[[waiver]]\nsource = \"revenues\"\ncheck = \"unique:account_ref\"\ncomment = \"known\"\nexpires = 2026-01-31\n",
    )
    .unwrap();
    let o = scorecard(&["validate", "--project", project.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(78), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("revenues.toml:{line}:")) && err.contains("`colected` in `net_debit - colected`"),
        "names the file, line and field:\n{err}"
    );
    // The waiver names a check that does not exist: the message lists the real ids.
    assert!(
        err.contains("waivers.toml:3:") && err.contains("unique:council+tax_type+account_ref+liability_year"),
        "{err}"
    );
}

#[test]
fn ratio_indicators_are_validated_against_their_source() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let path = project.join("indicators/arp.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("where = { quality_checked = \"Y\" }", "where = { quality_checked = \"maybe\" }")
        .replace("numerator = { of = \"sum\", field = \"found_correct\" }", "numerator = { of = \"sum\" }")
        .replacen("date = \"date_received\"", "date = \"date_recieved\"", 1);
    std::fs::write(&path, text).unwrap();
    let o = scorecard(&["validate", "--project", project.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(78));
    let err = stderr(&o);
    assert!(err.contains("quality_checked = \"maybe\": expected \"Y\" or \"N\""), "{err}");
    assert!(err.contains("numerator: `sum` needs `field`"), "{err}");
    assert!(err.contains("`date_recieved`"), "{err}");
}

#[test]
fn shipped_indicator_examples_pass_and_a_wrong_one_fails() {
    let root = env!("CARGO_MANIFEST_DIR");
    let o = scorecard(&["test", "--project", root]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("examples: 7 passed, 0 failed"), "{}", stderr(&o));

    let dir = demo_project();
    let project = dir.path().join("demo");
    let path = project.join("indicators/arp.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let wrong = text.replacen(
        "{ partner = \"ALL\", period = \"2025/26 M01\", value = 4.1 }",
        "{ partner = \"ALL\", period = \"2025/26 M01\", value = 13.375 }",
        1,
    );
    assert_ne!(wrong, text);
    std::fs::write(&path, wrong).unwrap();
    let o = scorecard(&["test", "--project", project.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("FAILED ctax_collection_rate") && err.contains("ALL 2025/26 M01: expected 13.38, got 4.10"),
        "{err}"
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().iter().filter(|r| r["passed"] == false).count(), 1);
}

/// A method's missing columns are named all at once, with every column it reads.
#[test]
fn every_missing_column_of_a_method_is_named_at_once() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let path = project.join("sources/revenues.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let renamed = text
        .replace("field = \"net_debit\"", "field = \"charge\"")
        .replace("field = \"collected\"", "field = \"paid\"");
    std::fs::write(&path, renamed).unwrap();
    let o = scorecard(&["validate", "--project", project.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(78));
    let err = stderr(&o);
    let line = err
        .lines()
        .find(|l| l.contains("indicator `ctax_collection_rate`: method needs"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        line.contains("needs columns `net_debit`, `collected` of source `revenues`")
            && line.contains("reads `tax_type`, `liability_year`, `net_debit`, `collected`"),
        "{line}"
    );
}

/// The shipped advice (make `partners_present` an error where every council's data must
/// arrive) leaves the worked examples passing, though an example gives one council's rows:
/// completeness is judged across a month's deliveries, not by one file.
#[test]
fn examples_pass_with_partners_present_as_an_error() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let mut changed = 0;
    for s in ["revenues", "benefits", "budget"] {
        let path = project.join(format!("sources/{s}.toml"));
        let text = std::fs::read_to_string(&path).unwrap();
        let (head, tail) = text.split_once("kind = \"partners_present\"").unwrap();
        let made_error = tail.replacen("severity = \"warning\"", "severity = \"error\"", 1);
        changed += usize::from(made_error != tail);
        std::fs::write(&path, format!("{head}kind = \"partners_present\"{made_error}")).unwrap();
    }
    assert_eq!(changed, 3, "every partners_present check made an error");
    let o = scorecard(&["test", "--project", project.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("examples: 7 passed, 0 failed"), "{}", stderr(&o));
}

#[test]
fn charnwood_example_configuration_is_valid_and_proves_itself() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/charnwood");
    let o = scorecard(&["validate", "--project", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("8 indicators") && out.contains("1 partners"), "{out}");
    let o = scorecard(&["test", "--project", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Four perspectives, each indicator under a goal.
    let text = std::fs::read_to_string(root.join("indicators/charnwood.toml")).unwrap();
    let perspectives: std::collections::BTreeSet<&str> =
        text.lines().filter_map(|l| l.strip_prefix("perspective = ")).collect();
    assert_eq!(perspectives.len(), 4, "{perspectives:?}");
    assert_eq!(text.matches("\nperspective = ").count(), text.matches("\ngoal = ").count());
}

/// A mistake in a report template is found by `validate` before a nightly run depends on it,
/// naming the template file and line; an unknown report name is refused.
#[test]
fn broken_template_and_unknown_report_exit_78() {
    let dir = demo_project();
    let project = dir.path().join("demo");
    let path = project.join("report-templates/oib-dashboard.typ");
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text.lines().count() + 2;
    std::fs::write(&path, format!("{text}\n#data.focus.no_such_field\n")).unwrap();
    let o = scorecard(&["validate", "--project", project.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(78), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&format!("oib-dashboard.typ, line {line}")), "names file and line {line}:\n{err}");
    assert!(!err.contains("joint-committee.typ"), "the other templates compile:\n{err}");

    std::fs::write(&path, text).unwrap();
    let settings = project.join("scorecard.toml");
    let s = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(
        &settings,
        s.replace("[report]\n", "[report]\nreports = [\"joint-committee\", \"weekly-gossip\"]\n"),
    )
    .unwrap();
    let o = scorecard(&["validate", "--project", project.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(78), "{}", stderr(&o));
    assert!(stderr(&o).contains("`weekly-gossip`, which is not a report this tool makes"), "{}", stderr(&o));
}
