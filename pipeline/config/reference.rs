//! Keeps `docs/reference.md` complete: every key the parser accepts, in every table of every
//! definition file, is listed in the reference's table for it, and the reference lists no key
//! the parser refuses. The accepted keys are read from the parser itself: a key it does not
//! know makes serde answer "unknown field `…`, expected one of `a`, `b`, …", which names every
//! key that table takes, so a field added to a definition struct fails this test until the
//! reference says what it is.

use super::benchmark::Benchmarks;
use super::indicator::IndicatorFile;
use super::settings::Settings;
use super::source::SourceDef;
use super::target::Targets;
use super::waiver::WaiverFile;
use std::collections::BTreeSet;

/// Each table of each definition file: the reference's heading for it, and a document that
/// places an unknown key (`zz_unknown`) in that table and nowhere else.
const TABLES: [(&str, &str, Parser); 27] = [
    ("scorecard.toml", "zz_unknown = 1", error_of::<Settings>),
    ("[organisation]", "[organisation]\nzz_unknown = 1", error_of::<Settings>),
    ("[[partner]]", "[[partner]]\nzz_unknown = 1", error_of::<Settings>),
    ("[folders]", "[folders]\nzz_unknown = 1", error_of::<Settings>),
    ("[report]", "[report]\nzz_unknown = 1", error_of::<Settings>),
    ("[limits]", "[limits]\nzz_unknown = 1", error_of::<Settings>),
    ("sources/*.toml", "zz_unknown = 1", error_of::<SourceDef>),
    ("[[column]]", "[[column]]\nzz_unknown = 1", error_of::<SourceDef>),
    ("[[check]]", "[[check]]\nzz_unknown = 1", error_of::<SourceDef>),
    ("indicators/*.toml", "zz_unknown = 1", error_of::<IndicatorFile>),
    ("[[indicator]]", "[[indicator]]\nzz_unknown = 1", error_of::<IndicatorFile>),
    (
        "kind = \"collection_rate\"",
        "[[indicator]]\nmethod = { kind = \"collection_rate\", zz_unknown = 1 }",
        error_of::<IndicatorFile>,
    ),
    (
        "kind = \"processing_days\"",
        "[[indicator]]\nmethod = { kind = \"processing_days\", zz_unknown = 1 }",
        error_of::<IndicatorFile>,
    ),
    (
        "kind = \"sickness_days_per_fte\"",
        "[[indicator]]\nmethod = { kind = \"sickness_days_per_fte\", zz_unknown = 1 }",
        error_of::<IndicatorFile>,
    ),
    (
        "kind = \"turnover_pct\"",
        "[[indicator]]\nmethod = { kind = \"turnover_pct\", zz_unknown = 1 }",
        error_of::<IndicatorFile>,
    ),
    (
        "kind = \"outstanding_items\"",
        "[[indicator]]\nmethod = { kind = \"outstanding_items\", zz_unknown = 1 }",
        error_of::<IndicatorFile>,
    ),
    (
        "kind = \"per_unit\"",
        "[[indicator]]\nmethod = { kind = \"per_unit\", zz_unknown = 1 }",
        error_of::<IndicatorFile>,
    ),
    (
        "kind = \"returned\"",
        "[[indicator]]\nmethod = { kind = \"returned\", zz_unknown = 1 }",
        error_of::<IndicatorFile>,
    ),
    ("kind = \"ratio\"", "[[indicator]]\nmethod = { kind = \"ratio\", zz_unknown = 1 }", error_of::<IndicatorFile>),
    (
        "numerator and denominator",
        "[[indicator]]\nmethod = { kind = \"ratio\", numerator = { zz_unknown = 1 } }",
        error_of::<IndicatorFile>,
    ),
    ("[[indicator.example]]", "[[indicator]]\n[[indicator.example]]\nzz_unknown = 1", error_of::<IndicatorFile>),
    (
        "[[indicator.example.given]]",
        "[[indicator]]\n[[indicator.example]]\n[[indicator.example.given]]\nzz_unknown = 1",
        error_of::<IndicatorFile>,
    ),
    (
        "[[indicator.example.expect]]",
        "[[indicator]]\n[[indicator.example]]\n[[indicator.example.expect]]\nzz_unknown = 1",
        error_of::<IndicatorFile>,
    ),
    ("targets.toml", "zz_unknown = 1", error_of::<Targets>),
    ("[[target]]", "[[target]]\nzz_unknown = 1", error_of::<Targets>),
    ("waivers.toml", "zz_unknown = 1", error_of::<WaiverFile>),
    ("[[waiver]]", "[[waiver]]\nzz_unknown = 1", error_of::<WaiverFile>),
];

/// The tables of `benchmarks.toml`, kept apart only to keep each list short.
const BENCHMARK_TABLES: [(&str, &str, Parser); 5] = [
    ("benchmarks.toml", "zz_unknown = 1", error_of::<Benchmarks>),
    ("[register]", "[register]\nzz_unknown = 1", error_of::<Benchmarks>),
    ("[[table]]", "[[table]]\nzz_unknown = 1", error_of::<Benchmarks>),
    ("[[table.measure]]", "[[table]]\n[[table.measure]]\nzz_unknown = 1", error_of::<Benchmarks>),
    ("[[group]]", "[[group]]\nzz_unknown = 1", error_of::<Benchmarks>),
];

type Parser = fn(&str) -> String;

fn error_of<T: serde::de::DeserializeOwned>(text: &str) -> String {
    match toml::from_str::<T>(text) {
        Ok(_) => String::new(),
        Err(e) => e.message().to_string(),
    }
}
/// The keys a parser's "unknown field" message lists as expected.
fn accepted_keys(message: &str) -> BTreeSet<String> {
    let expected =
        message.split_once("expected").unwrap_or_else(|| panic!("not an unknown-field message: {message}")).1;
    expected.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

/// The keys the reference lists under a heading: the first cell of each table row up to the
/// next heading, as `` `key` ``.
fn documented_keys(reference: &str, heading: &str) -> Option<BTreeSet<String>> {
    let mut lines = reference.lines().skip_while(|l| !(l.starts_with('#') && l.contains(&format!("`{heading}`"))));
    lines.next()?;
    Some(
        lines
            .take_while(|l| !l.starts_with('#'))
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split('`').next())
            .map(str::to_string)
            .collect(),
    )
}

#[test]
fn the_reference_lists_every_key_the_parser_accepts() {
    let reference = include_str!("../../docs/reference.md");
    let mut problems = Vec::new();
    for (heading, text, parse) in TABLES.iter().chain(&BENCHMARK_TABLES) {
        let message = parse(text);
        assert!(message.contains("zz_unknown"), "{heading}: the planted key was not the error: {message}");
        let mut accepted = accepted_keys(&message);
        if heading.starts_with("kind = ") {
            // The tag that picks a method is read before the method's own keys.
            accepted.insert("kind".to_string());
        }
        let Some(documented) = documented_keys(reference, heading) else {
            problems.push(format!("docs/reference.md has no heading with `{heading}`"));
            continue;
        };
        for k in accepted.difference(&documented) {
            problems.push(format!("`{heading}`: key `{k}` is accepted but not in docs/reference.md"));
        }
        for k in documented.difference(&accepted) {
            problems.push(format!("`{heading}`: docs/reference.md lists `{k}`, which the parser refuses"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn an_accepted_key_missing_from_the_reference_is_caught() {
    let reference = "## `[folders]`\n\n| Key | Type |\n|---|---|\n| `drop` | path |\n";
    let accepted = accepted_keys(&error_of::<Settings>("[folders]\nzz_unknown = 1"));
    let documented = documented_keys(reference, "[folders]").unwrap();
    assert!(accepted.contains("archive") && !documented.contains("archive"));
    assert_eq!(documented, BTreeSet::from(["drop".to_string()]));
}
