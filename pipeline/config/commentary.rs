//! `commentary.csv`: what the indicator owners say about a result, kept in the project
//! folder (or dropped with the extracts as `commentary*.csv`, kept in the store): `indicator,partner,period,explanation,action,owner`, one row per indicator,
//! partner (code, name or `ALL`) and period (`2025/26 Q3`, `2025/26 M09`, `2025/26`). Red
//! and amber results without a row are listed as "commentary missing".

use super::{ConfigError, IndicatorDef, Invalid, Limits, Partner};
use crate::periods::Period;
use std::path::{Path, PathBuf};

/// One comment on one result.
#[derive(Debug, Clone, PartialEq)]
pub struct Commentary {
    pub indicator: String,
    /// Partner code, or `ALL` for the partnership.
    pub partner: String,
    pub period: Period,
    pub explanation: String,
    pub action: String,
    pub owner: String,
}

/// The commentary written for one figure: that written for its own period, else, for a
/// period longer than a month, that written for the part of it its figure is made from last:
/// a quarter, a year to date or a rolling year takes its last month's commentary, and a
/// year its fourth quarter's or its last month's. Officers write commentary as the months
/// come in, so "2025/26 M12" explains the Q4 figure (its March figure, for a snapshot) too.
pub fn commentary_for<'a>(
    all: &'a [Commentary],
    indicator: &str,
    partner: &str,
    period: Period,
) -> Vec<&'a Commentary> {
    let mut candidates = vec![period];
    if period.kind == crate::periods::PeriodKind::Year {
        candidates.push(Period::quarter(period.fy, 4));
    }
    if period.kind != crate::periods::PeriodKind::Month {
        candidates.push(period.last_month());
    }
    candidates
        .into_iter()
        .map(|at| all.iter().filter(|c| c.indicator == indicator && c.partner == partner && c.period == at).collect())
        .find(|found: &Vec<&Commentary>| !found.is_empty())
        .unwrap_or_default()
}

/// The columns, in order.
pub const COLUMNS: [&str; 6] = ["indicator", "partner", "period", "explanation", "action", "owner"];

/// The path of the commentary file in a project.
pub fn commentary_path(root: &Path) -> PathBuf {
    root.join("commentary.csv")
}

/// Reads `commentary.csv` if present, reporting every bad row with its line.
pub(super) fn load(
    path: &Path,
    indicators: &[IndicatorDef],
    partners: &[Partner],
    limits: &Limits,
    errors: &mut Vec<ConfigError>,
) -> Vec<Commentary> {
    let Ok(bytes) = std::fs::read(path) else { return Vec::new() };
    parse(path, &bytes, indicators, partners, limits, errors)
}

/// Is this the name of a commentary file dropped with the extracts (`commentary*.csv`)?
pub fn is_commentary_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("commentary") && lower.ends_with(".csv")
}

/// One row of commentary, checked: `None` for a blank row, else the commentary or why not.
fn row(
    r: &csv::StringRecord,
    indicators: &[IndicatorDef],
    partners: &[Partner],
    limits: &Limits,
) -> Result<Option<Commentary>, Invalid> {
    let cell = |k: usize| r.get(k).unwrap_or("").trim().to_string();
    if r.iter().all(|c| c.trim().is_empty()) {
        return Ok(None);
    }
    let indicator = cell(0);
    if !indicators.iter().any(|d| d.id() == indicator) {
        return Err(Invalid(format!("no indicator `{indicator}`")));
    }
    let partner = match cell(1) {
        p if p.eq_ignore_ascii_case("ALL") || p.eq_ignore_ascii_case("partnership") => "ALL".to_string(),
        p => match partners.iter().find(|x| x.matches(&p)) {
            Some(x) => x.code.clone(),
            None => {
                return Err(Invalid(format!("partner `{p}` is not a partner in scorecard.toml (or ALL)")));
            }
        },
    };
    let Some(period) = Period::parse(&cell(2)) else {
        return Err(Invalid(format!("period `{}`: expected 2025/26 M07, 2025/26 Q2 or 2025/26", cell(2))));
    };
    let long: Vec<String> = [(3, "explanation"), (4, "action"), (5, "owner")]
        .iter()
        .filter(|(k, _)| cell(*k).chars().count() > limits.max_commentary_chars)
        .map(|(k, what)| format!("the {what} is {} characters long", cell(*k).chars().count()))
        .collect();
    if !long.is_empty() {
        return Err(Invalid(format!(
            "{}, more than the limit of {} (limits.max_commentary_chars in scorecard.toml)",
            long.join(" and "),
            limits.max_commentary_chars
        )));
    }
    Ok(Some(Commentary { indicator, partner, period, explanation: cell(3), action: cell(4), owner: cell(5) }))
}

/// Reads commentary from a file's bytes (named `path` in messages), reporting every bad row,
/// within the limits: at most `limits.max_commentary_lines` lines, and explanations, actions
/// and owners of at most `limits.max_commentary_chars` characters.
pub fn parse(
    path: &Path,
    bytes: &[u8],
    indicators: &[IndicatorDef],
    partners: &[Partner],
    limits: &Limits,
    errors: &mut Vec<ConfigError>,
) -> Vec<Commentary> {
    let text = crate::common::decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let at = |line: usize, msg: String| ConfigError { file: path.to_path_buf(), line, column: 0, message: msg };
    match reader.headers() {
        Ok(h) => {
            let got: Vec<String> = h.iter().map(|c| c.trim().to_ascii_lowercase()).collect();
            if got.iter().take(COLUMNS.len()).map(String::as_str).ne(COLUMNS) {
                errors.push(at(1, format!("the header row must be: {}", COLUMNS.join(","))));
                return Vec::new();
            }
        }
        Err(e) => {
            errors.push(at(1, format!("cannot read the header row: {e}")));
            return Vec::new();
        }
    }
    let mut out = Vec::new();
    let first_error = errors.len();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        if i >= limits.max_commentary_lines {
            // First among this file's problems: it is the one to fix first.
            errors.insert(first_error, at(
                line,
                format!(
                    "the file has more than the limit of {} lines (limits.max_commentary_lines in scorecard.toml); the rest was not read",
                    limits.max_commentary_lines
                ),
            ));
            break;
        }
        let r = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(at(line, format!("cannot read the row: {e}")));
                continue;
            }
        };
        match row(&r, indicators, partners, limits) {
            Ok(Some(c)) => out.push(c),
            Ok(None) => {}
            Err(e) => errors.push(at(line, e.0)),
        }
    }
    out
}
