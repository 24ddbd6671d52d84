//! What the samples suggest beyond the columns: the source's id and file-name patterns, the
//! key (a column, or a pair, unique in every sample), and data-quality checks profiled from
//! the values (ranges, allowed values, reference patterns, completeness, dates no later than
//! the as-at date, totals that reconcile), each written as a suggestion at warning level,
//! as Soda's and Great Expectations' profilers suggest theirs.

use super::columns::Guess;
use super::Sample;
use crate::config::{ColumnType, Partner, SourceKind};
use crate::ingest::Cell;
use std::collections::{BTreeSet, HashSet};

/// A source id from a file name: its letters before the first date or number.
pub fn id_from_name(name: &str) -> String {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let head = prefix_before_digits(stem);
    let slug = super::columns::slug(if head.trim_matches(['_', '-', ' ']).len() >= 3 { head } else { stem });
    let slug = if slug.starts_with("c_") { format!("source_{slug}") } else { slug };
    if crate::config::RESERVED_SOURCE_IDS.contains(&slug.as_str()) {
        format!("{slug}_extract")
    } else {
        slug
    }
}

/// The part of a name before its first run of four or more digits (a date or a year).
fn prefix_before_digits(name: &str) -> &str {
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let run = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            if run >= 4 {
                return &name[..i];
            }
            i += run;
        } else {
            i += 1;
        }
    }
    name
}

/// File-name patterns: each name's start before its date (or before a partner council's name,
/// so that every council's files match), then `*`; a name with no such start keeps its own
/// letters with its digits as `*`.
pub fn file_patterns<'a>(names: impl Iterator<Item = &'a str>, partners: &[Partner]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let lower = name.to_lowercase();
        let head = before_partner(prefix_before_digits(&lower), partners);
        let pattern = if head.trim_matches(['_', '-', ' ', '.']).len() >= 3 {
            format!("{head}*")
        } else {
            let mut p = String::new();
            for c in lower.chars() {
                if c.is_ascii_digit() {
                    if !p.ends_with('*') {
                        p.push('*');
                    }
                } else {
                    p.push(c);
                }
            }
            p
        };
        if !out.contains(&pattern) {
            out.push(pattern);
        }
    }
    // Names that differ after a common start (`tiles_097a09c_...`, `tiles_88fdde5_...`)
    // share one pattern.
    if out.len() > 1 {
        let common = out.iter().skip(1).fold(out[0].trim_end_matches('*').to_string(), |acc, p| {
            acc.chars().zip(p.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect()
        });
        if common.trim_matches(['_', '-', ' ', '.', '*']).len() >= 3 {
            return vec![format!("{}*", common.trim_end_matches('*'))];
        }
    }
    out
}

/// A name's start before the first partner council's name (or alias, or code) in it, as
/// files name councils: `revenues_east_suffolk_` -> `revenues_`.
fn before_partner<'a>(head: &'a str, partners: &[Partner]) -> &'a str {
    let spellings = partners.iter().flat_map(|p| std::iter::once(&p.name).chain(&p.aliases).chain([&p.code]));
    let forms = spellings.flat_map(|s| {
        let words: Vec<String> = s.to_lowercase().split_whitespace().map(str::to_string).collect();
        ["_", "-", " ", ""].map(|j| words.join(j))
    });
    let cut = forms.filter(|f| f.len() >= 3).filter_map(|f| head.find(&f)).min();
    match cut {
        Some(i) if head[..i].trim_matches(['_', '-', ' ', '.']).len() >= 3 => &head[..i],
        _ => head,
    }
}

/// Kinds of column a key may be made of.
fn keyable(g: &Guess) -> bool {
    g.complete
        && matches!(
            g.kind,
            ColumnType::Text | ColumnType::Partner | ColumnType::Code | ColumnType::Date | ColumnType::FinancialYear
        )
}

/// Most rows of a sample tried for the key.
const KEY_ROWS: usize = 50_000;

/// The key: the first column, else the first pair of columns, whose values no two rows of any
/// sample share (a partner column first in a pair, as records are kept per council).
pub fn key(samples: &[Sample], guesses: &[Guess], shipped: &[String]) -> Vec<String> {
    let candidates: Vec<usize> = (0..guesses.len()).filter(|&k| keyable(&guesses[k])).collect();
    let unique = |cols: &[usize]| {
        samples.iter().enumerate().all(|(n, s)| {
            let mut seen = HashSet::new();
            s.layout.data_rows.iter().take(KEY_ROWS).all(|&i| {
                let key: Vec<String> = cols
                    .iter()
                    .map(|&k| guesses[k].profile.positions[n].map(|j| s.grid.cell(i, j).display()).unwrap_or_default())
                    .collect();
                seen.insert(key)
            })
        }) && samples.iter().map(|s| s.layout.data_rows.len()).sum::<usize>() > 1
    };
    // The shipped definition's key, where the samples have its fields and bear it out.
    let shipped_at: Option<Vec<usize>> =
        shipped.iter().map(|f| guesses.iter().position(|g| &g.field == f && g.complete)).collect();
    if let Some(cols) = shipped_at.filter(|c| !c.is_empty() && unique(c)) {
        return cols.iter().map(|&k| guesses[k].field.clone()).collect();
    }
    let mut order = candidates.clone();
    order.sort_by_key(|&k| guesses[k].kind != ColumnType::Partner);
    if let Some(&k) = candidates.iter().find(|&&k| guesses[k].kind != ColumnType::Partner && unique(&[k])) {
        return vec![guesses[k].field.clone()];
    }
    for (x, &a) in order.iter().enumerate() {
        for &b in &order[x + 1..] {
            if unique(&[a, b]) {
                return vec![guesses[a].field.clone(), guesses[b].field.clone()];
            }
        }
    }
    Vec::new()
}

/// One suggested check: the keys it sets, and why it is suggested. `column` places it under
/// that column (`[[column.check]]`); otherwise it is a source-level `[[check]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub column: Option<String>,
    pub lines: Vec<String>,
    pub why: String,
}

fn at(column: &str, lines: Vec<String>, why: String) -> Suggestion {
    Suggestion { column: Some(column.to_string()), lines, why }
}

/// Checks the samples suggest, every one at warning level.
pub fn checks(samples: &[Sample], guesses: &[Guess], key: &[String], kind: SourceKind) -> Vec<Suggestion> {
    let mut out = Vec::new();
    for g in guesses {
        out.extend(column_checks(samples, g));
    }
    let q = super::super::toml_strings;
    if !key.is_empty() {
        out.push(Suggestion {
            column: None,
            lines: vec!["kind = \"unique\"".into(), format!("fields = {}", q(key.iter().map(String::as_str)))],
            why: "no two rows of any sample share these values".into(),
        });
    }
    let totals = totals_fields(samples, guesses);
    if !totals.is_empty() {
        out.push(Suggestion {
            column: None,
            lines: vec!["kind = \"totals\"".into(), format!("fields = {}", q(totals.iter().map(String::as_str)))],
            why: "every sample's totals row agrees with the sum of its rows".into(),
        });
    }
    if guesses.iter().any(|g| g.kind == ColumnType::Partner) {
        out.push(Suggestion {
            column: None,
            lines: vec!["kind = \"partners_present\"".into()],
            why: "every council's data should arrive each month, in whichever files".into(),
        });
    }
    if kind == SourceKind::Snapshot {
        out.push(Suggestion {
            column: None,
            lines: vec!["kind = \"max_age\"".into(), "days = 45".into()],
            why: "a monthly extract more than 45 days old at run time is out of date".into(),
        });
    }
    out
}

/// How far below the samples' share of filled cells a completeness check warns.
const COMPLETE_MARGIN: f64 = 5.0;

/// Checks of one column's values.
fn column_checks(samples: &[Sample], g: &Guess) -> Vec<Suggestion> {
    let mut out = Vec::new();
    let p = &g.profile;
    let filled = p.rows - p.blanks;
    if p.blanks > 0 && filled > 0 {
        // Five points below the samples, so that an ordinary month does not warn.
        let seen = filled as f64 / p.rows as f64 * 100.0;
        let pct = (seen - COMPLETE_MARGIN).floor().max(0.0);
        out.push(at(
            &g.field,
            vec![format!("min_pct = {pct}")],
            format!(
                "{filled} of {} rows have a value ({seen:.1}%); a month {COMPLETE_MARGIN} points below that warns",
                p.rows
            ),
        ));
    }
    match g.kind {
        ColumnType::Money | ColumnType::Number | ColumnType::Percent => {
            let nums: Vec<f64> = p.cells.iter().filter_map(number).collect();
            let min = nums.iter().copied().fold(f64::INFINITY, f64::min);
            let max = nums.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if !nums.is_empty() && min >= 0.0 {
                let mut lines = vec!["min = 0".to_string()];
                if g.kind == ColumnType::Percent
                    && max <= 100.0
                    && g.percent_written_as == crate::config::PercentForm::Points
                {
                    lines.push("max = 100".into());
                }
                out.push(at(&g.field, lines, format!("values from {} to {} in the samples", show(min), show(max))));
            }
        }
        ColumnType::Date => {
            let all_before = samples.iter().enumerate().all(|(n, s)| {
                let (Some((as_at, _)), Some(j)) = (s.as_at, p.positions[n]) else { return true };
                s.layout.data_rows.iter().all(|&i| match &*s.grid.cell(i, j) {
                    Cell::Date(d) => *d <= as_at,
                    Cell::Text(t) => crate::ingest::parse_date_text(t).is_none_or(|d| d <= as_at),
                    _ => true,
                })
            });
            if all_before && samples.iter().any(|s| s.as_at.is_some()) {
                out.push(at(
                    &g.field,
                    vec!["latest = \"as_at\"".into()],
                    "no date after its extract's as-at date".into(),
                ));
            }
        }
        ColumnType::Text => out.extend(text_checks(g)),
        _ => {}
    }
    out
}

/// A text column: a reference pattern every value fits, or the few values it takes.
fn text_checks(g: &Guess) -> Option<Suggestion> {
    let distinct = g.profile.distinct();
    if distinct.is_empty() {
        return None;
    }
    if distinct.iter().all(|v| crate::config::is_gss_code(v)) {
        return Some(at(&g.field, vec!["pattern = \"gss_code\"".into()], "every value is an ONS GSS code".into()));
    }
    let shapes: BTreeSet<String> = distinct.iter().map(|v| shape(v)).collect();
    if shapes.len() == 1 && distinct.len() >= 10 {
        let pattern = shapes.into_iter().next().unwrap_or_default();
        if pattern.contains("\\d") || pattern.contains("[A-Z]") {
            return Some(at(
                &g.field,
                vec![format!("pattern = {}", super::super::toml_string(&pattern))],
                format!("all {} distinct values have this shape", distinct.len()),
            ));
        }
    }
    let rows = g.profile.cells.len();
    if distinct.len() <= 10 && rows >= 3 * distinct.len() && distinct.iter().all(|v| v.len() <= 60 && !v.contains('\''))
    {
        let allowed = super::super::toml_strings(distinct.iter().map(String::as_str));
        return Some(at(
            &g.field,
            vec![format!("allowed = {allowed}")],
            format!(
                "{} distinct value{} over {rows} rows; a value not listed warns, it does not reject the row",
                distinct.len(),
                if distinct.len() == 1 { "" } else { "s" }
            ),
        ));
    }
    None
}

/// A value's shape as a regular expression: runs of capitals, small letters and digits
/// counted, anything else literal (`CT1000001` -> `^[A-Z]{2}\d{7}$`).
pub fn shape(v: &str) -> String {
    let class = |c: char| {
        if c.is_ascii_uppercase() {
            "[A-Z]".to_string()
        } else if c.is_ascii_lowercase() {
            "[a-z]".to_string()
        } else if c.is_ascii_digit() {
            "\\d".to_string()
        } else {
            regex::escape(&c.to_string())
        }
    };
    let mut out = String::from("^");
    let mut run: Option<(String, usize)> = None;
    for c in v.chars() {
        let k = class(c);
        match &mut run {
            Some((last, n)) if *last == k => *n += 1,
            _ => {
                if let Some((last, n)) = run.take() {
                    out.push_str(&counted(&last, n));
                }
                run = Some((k, 1));
            }
        }
    }
    if let Some((last, n)) = run {
        out.push_str(&counted(&last, n));
    }
    out.push('$');
    out
}

fn counted(class: &str, n: usize) -> String {
    if n == 1 {
        class.to_string()
    } else {
        format!("{class}{{{n}}}")
    }
}

fn number(c: &Cell) -> Option<f64> {
    match c {
        Cell::Number(n) => Some(*n),
        Cell::Text(t) => crate::check::values::parse_money(t),
        _ => None,
    }
}

fn show(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Money and number columns whose totals-row figure equals the sum of the rows in every
/// sample that has a totals row.
fn totals_fields(samples: &[Sample], guesses: &[Guess]) -> Vec<String> {
    let with_totals: Vec<usize> = (0..samples.len()).filter(|&n| !samples[n].layout.totals_rows.is_empty()).collect();
    if with_totals.is_empty() {
        return Vec::new();
    }
    guesses
        .iter()
        .filter(|g| matches!(g.kind, ColumnType::Money | ColumnType::Number))
        .filter(|g| {
            with_totals.iter().all(|&n| {
                let s = &samples[n];
                let Some(j) = g.profile.positions[n] else { return false };
                let sum: f64 = s.layout.data_rows.iter().filter_map(|&i| number(&s.grid.cell(i, j))).sum();
                let stated = s.layout.totals_rows.iter().rev().find_map(|&i| number(&s.grid.cell(i, j)));
                stated.is_some_and(|t| (t - sum).abs() <= 0.005 + t.abs() * 1e-12)
            })
        })
        .map(|g| g.field.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_patterns_from_file_names() {
        assert_eq!(id_from_name("CTAX_Breckland_20251031.csv"), "ctax_breckland");
        assert_eq!(id_from_name("2025-10-31.csv"), "source_c_2025_10_31");
        let p = file_patterns(["ctax_20251031.csv", "CTAX_20251130.csv", "hr 2025.xlsx"].into_iter(), &[]);
        assert_eq!(p, vec!["ctax_*".to_string(), "hr *.xlsx".to_string()]);
        let p = file_patterns(["tiles_097a09c_2014-09-02.csv", "tiles_88fdde5_2014-11-07.csv"].into_iter(), &[]);
        assert_eq!(p, vec!["tiles_*".to_string()]);
        assert_eq!(file_patterns(["q1_2025.csv"].into_iter(), &[]), vec!["q*_*.csv".to_string()]);
        let fenland = Partner { code: "E07000010".into(), name: "East Suffolk".into(), aliases: vec![] };
        let p = file_patterns(["revenues_east_suffolk_20251031.csv"].into_iter(), &[fenland]);
        assert_eq!(p, vec!["revenues_*".to_string()]);
    }

    #[test]
    fn shapes_of_references() {
        assert_eq!(shape("CT1000001"), "^[A-Z]{2}\\d{7}$");
        assert_eq!(shape("ab-12"), "^[a-z]{2}\\-\\d{2}$");
        assert!(regex::Regex::new(&shape("BR.1(2)")).unwrap().is_match("BR.1(2)"));
    }
}
