//! Turning one cell into a typed value for its column, or saying what was expected.

use crate::config::{ColumnDef, ColumnType, Partner, PercentForm};
use crate::ingest::{parse_date_text, Cell, DateSystem};
use chrono::NaiveDate;
use polars::prelude::PlSmallStr;

/// A typed value ready for a table column.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// Short strings (codes, partner codes, most references) are stored inline, so copying
    /// a remembered conversion allocates nothing.
    Str(PlSmallStr),
    Num(f64),
    Date(NaiveDate),
    Int(i32),
    Bool(bool),
}

impl Value {
    /// The value as a clerk reads it in a finding.
    pub fn display(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Str(s) => s.to_string(),
            Value::Num(n) => format!("{n}"),
            Value::Date(d) => d.format("%d/%m/%Y").to_string(),
            Value::Int(n) => n.to_string(),
            Value::Bool(b) => if *b { "Y" } else { "N" }.to_string(),
        }
    }
}

/// Markers government tables and systems use for a value that is known to be missing
/// (not available, not applicable, confidential, suppressed): read as blank, not as errors.
pub const KNOWN_MISSING: [&str; 9] = ["[x]", "[z]", "[c]", "[low]", "..", "-", "*", "n/a", "#n/a"];

/// True if a cell holds a known-missing marker and the column is not free text.
pub fn is_known_missing(cell: &Cell, col: &ColumnDef) -> bool {
    match cell {
        Cell::Text(t) => is_known_missing_text(t, col),
        _ => false,
    }
}

/// True if a text cell holds a known-missing marker and the column is not free text.
#[inline]
pub fn is_known_missing_text(t: &str, col: &ColumnDef) -> bool {
    col.kind != ColumnType::Text && t.len() <= 8 && {
        let t = t.trim();
        KNOWN_MISSING.iter().any(|m| m.eq_ignore_ascii_case(t))
    }
}

/// A money, number or percent cell written as a plain number (digits, sign, point,
/// exponent: what most cells of a large extract hold), converted without the general
/// path; `None` for anything else, which [`convert`] then reads. Gives what [`convert`]
/// gives for the same text.
#[inline]
pub fn convert_plain_number(t: &str, col: &ColumnDef) -> Option<Result<Value, Rejected>> {
    let scale = match col.kind {
        ColumnType::Money | ColumnType::Number => 1.0,
        ColumnType::Percent if col.percent_written_as == PercentForm::Fraction => 100.0,
        ColumnType::Percent => 1.0,
        _ => return None,
    };
    // Rust reads digits, a sign, a point and an exponent, and `inf`, `infinity` and `nan`
    // in any case, which are not finite: a finite value is a plain number.
    let n = t.parse::<f64>().ok().filter(|v| v.is_finite())? * scale;
    Some(if !n.is_finite() || n.abs() > MAX_MAGNITUDE { Err(Rejected::TooLarge(n)) } else { Ok(Value::Num(n)) })
}

/// The largest magnitude a money, number or percent cell may hold: a thousand million
/// million (no council figure comes near it; `1e308` in a cell would make every sum
/// infinite).
pub const MAX_MAGNITUDE: f64 = 1e15;

/// Why a cell was rejected for its column: what was expected, in the words of the finding.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Rejected {
    #[error("an Excel error value ({error}) where {} was expected", expected(*kind))]
    ExcelError { error: String, kind: ColumnType },
    #[error("expected {}", expected(*.0))]
    NotA(ColumnType),
    /// Not one of the partners (their names, listed).
    #[error("expected a partner council ({0})")]
    NotAPartner(String),
    /// Not one of a code column's values (each with its other spellings, listed).
    #[error("expected one of {0}")]
    NotACode(String),
    #[error("{} is too large to be a real figure (more than 1,000,000,000,000,000 either way)", if .0.is_finite() { format!("{:e}", .0) } else { "the number".to_string() })]
    TooLarge(f64),
}

/// Converts a cell for a column; `Err` says what was expected, for the finding.
pub fn convert(cell: &Cell, col: &ColumnDef, partners: &[Partner], dates: DateSystem) -> Result<Value, Rejected> {
    match convert_any(cell, col, partners, dates)? {
        Value::Num(n) if !n.is_finite() || n.abs() > MAX_MAGNITUDE => Err(Rejected::TooLarge(n)),
        v => Ok(v),
    }
}

fn convert_any(cell: &Cell, col: &ColumnDef, partners: &[Partner], dates: DateSystem) -> Result<Value, Rejected> {
    if cell.is_empty() || is_known_missing(cell, col) {
        return Ok(Value::Null);
    }
    if let Cell::Error(e) = cell {
        return Err(Rejected::ExcelError { error: e.to_string(), kind: col.kind });
    }
    let fail = || Err(Rejected::NotA(col.kind));
    match col.kind {
        ColumnType::Text => Ok(Value::Str(match cell {
            Cell::Text(t) => t.trim().into(),
            other => other.display().trim().into(),
        })),
        ColumnType::Partner => {
            let text = cell.display();
            match partners.iter().find(|p| p.matches(&text)) {
                Some(p) => Ok(Value::Str(p.code.as_str().into())),
                None => {
                    Err(Rejected::NotAPartner(partners.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")))
                }
            }
        }
        ColumnType::Code => match col.canonical_value(&cell.display()) {
            Some(v) => Ok(Value::Str(v.into())),
            None if col.other.is_some() => Ok(Value::Str(col.other.as_deref().unwrap_or_default().into())),
            None => Err(Rejected::NotACode(
                col.values
                    .iter()
                    .map(|(k, v)| if v.is_empty() { k.clone() } else { format!("{k} ({})", v.join(", ")) })
                    .collect::<Vec<_>>()
                    .join("; "),
            )),
        },
        ColumnType::Money => match cell {
            Cell::Number(n) => Ok(Value::Num(*n)),
            Cell::Text(t) => parse_money(t).map(Value::Num).map_or_else(fail, Ok),
            _ => fail(),
        },
        ColumnType::Number => match cell {
            Cell::Number(n) => Ok(Value::Num(*n)),
            Cell::Text(t) if !t.trim().ends_with('%') => parse_number(t).map(Value::Num).map_or_else(fail, Ok),
            _ => fail(),
        },
        ColumnType::Percent => {
            let scale = if col.percent_written_as == PercentForm::Fraction { 100.0 } else { 1.0 };
            match cell {
                Cell::Number(n) => Ok(Value::Num(n * scale)),
                Cell::Text(t) if t.trim().ends_with('%') => parse_number(t).map(Value::Num).map_or_else(fail, Ok),
                Cell::Text(t) => parse_number(t).map(|n| Value::Num(n * scale)).map_or_else(fail, Ok),
                _ => fail(),
            }
        }
        ColumnType::Date => match cell {
            Cell::Date(d) => Ok(Value::Date(*d)),
            Cell::Number(n) => excel_serial_date(*n, dates).map(Value::Date).map_or_else(fail, Ok),
            Cell::Text(t) => parse_date_text(t).map(Value::Date).map_or_else(fail, Ok),
            _ => fail(),
        },
        ColumnType::FinancialYear => match cell {
            Cell::Number(n) if n.fract() == 0.0 && (1990.0..2100.0).contains(n) => Ok(Value::Int(*n as i32)),
            Cell::Text(t) => crate::periods::parse_financial_year(t).map(Value::Int).map_or_else(fail, Ok),
            _ => fail(),
        },
        ColumnType::YesNo => match cell {
            Cell::Bool(b) => Ok(Value::Bool(*b)),
            Cell::Number(n) if *n == 0.0 || *n == 1.0 => Ok(Value::Bool(*n == 1.0)),
            Cell::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                "y" | "yes" | "true" | "1" => Ok(Value::Bool(true)),
                "n" | "no" | "false" | "0" => Ok(Value::Bool(false)),
                _ => fail(),
            },
            _ => fail(),
        },
    }
}

fn expected(kind: ColumnType) -> &'static str {
    match kind {
        ColumnType::Text => "text",
        ColumnType::Partner => "a partner council",
        ColumnType::Code => "one of the listed values",
        ColumnType::Money => "an amount in pounds such as 1234.56, £1,234.56 or (123.45)",
        ColumnType::Number => "a number such as 1234.5 or 1,234.5",
        ColumnType::Percent => "a percentage such as 95.9, 95.9% or (as the source says) 0.959",
        ColumnType::Date => "a date such as 31/10/2025 (day first) or an Excel date",
        ColumnType::FinancialYear => "a financial year such as 2025/26",
        ColumnType::YesNo => "Y or N",
    }
}

/// `£1,234.56`, `-12`, `(123.45)` (negative), `1 234.5` -> f64.
pub fn parse_money(s: &str) -> Option<f64> {
    let t = s.trim();
    let (neg, t) = match t.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        Some(inner) => (true, inner),
        None => (false, t),
    };
    let cleaned: String = t.chars().filter(|c| !matches!(c, '£' | ',' | ' ' | '\u{a0}')).collect();
    let v = parse_plain(&cleaned)?;
    Some(if neg { -v } else { v })
}

/// A number with optional thousands separators and a trailing `%` (kept as written: 95.9%
/// gives 95.9).
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    let t = t.strip_suffix('%').unwrap_or(t);
    parse_money(t)
}

fn parse_plain(s: &str) -> Option<f64> {
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')) {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

pub use crate::periods::excel_serial_date;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_known_missing_marker_reads_as_a_plain_number() {
        let col: ColumnDef = toml::from_str("field = 'x'\ntype = 'money'").unwrap();
        for m in KNOWN_MISSING {
            assert_eq!(convert_plain_number(m, &col), None, "{m}");
            assert_eq!(convert_plain_number(&m.to_uppercase(), &col), None, "{m}");
        }
        assert_eq!(convert_plain_number("1234.5", &col), Some(Ok(Value::Num(1234.5))));
        assert_eq!(convert_plain_number("£1", &col), None, "left to the general path");
    }

    #[test]
    fn money_forms() {
        assert_eq!(parse_money("£1,234.56"), Some(1234.56));
        assert_eq!(parse_money("(123.45)"), Some(-123.45));
        assert_eq!(parse_money("-12"), Some(-12.0));
        assert_eq!(parse_money("12 345"), Some(12345.0));
        assert_eq!(parse_money("n/a"), None);
        assert_eq!(parse_money("inf"), None);
        assert_eq!(parse_number("95.9%"), Some(95.9));
    }

    #[test]
    fn known_missing_and_percentages() {
        let num: ColumnDef = toml::from_str("field = 'n'\ntype = 'number'").unwrap();
        let text: ColumnDef = toml::from_str("field = 't'\ntype = 'text'").unwrap();
        for m in ["[x]", "[z]", "[c]", "..", "-", "*", "N/A", " n/a "] {
            assert!(is_known_missing(&Cell::Text(m.into()), &num), "{m}");
            assert_eq!(convert(&Cell::Text(m.into()), &num, &[], DateSystem::Excel1900), Ok(Value::Null));
        }
        assert!(!is_known_missing(&Cell::Text("-".into()), &text), "free text keeps its dash");
        assert!(
            convert(&Cell::Text("95%".into()), &num, &[], DateSystem::Excel1900).is_err(),
            "a number column is not a percentage"
        );
        let points: ColumnDef = toml::from_str("field = 'p'\ntype = 'percent'").unwrap();
        let fraction: ColumnDef =
            toml::from_str("field = 'p'\ntype = 'percent'\npercent_written_as = 'fraction'").unwrap();
        assert_eq!(convert(&Cell::Number(95.9), &points, &[], DateSystem::Excel1900), Ok(Value::Num(95.9)));
        assert_eq!(convert(&Cell::Text("95.9%".into()), &points, &[], DateSystem::Excel1900), Ok(Value::Num(95.9)));
        assert_eq!(convert(&Cell::Text("95.9%".into()), &fraction, &[], DateSystem::Excel1900), Ok(Value::Num(95.9)));
        let Ok(Value::Num(v)) = convert(&Cell::Number(0.959), &fraction, &[], DateSystem::Excel1900) else { panic!() };
        assert!((v - 95.9).abs() < 1e-9);
        assert!(convert(&Cell::Error("#DIV/0!".into()), &points, &[], DateSystem::Excel1900)
            .unwrap_err()
            .to_string()
            .contains("#DIV/0!"));
    }

    #[test]
    fn serial_dates() {
        assert_eq!(excel_serial_date(45961.0, DateSystem::Excel1900), NaiveDate::from_ymd_opt(2025, 10, 31));
        assert_eq!(excel_serial_date(1.5, DateSystem::Excel1900), None);
        // The same day in a workbook saved in the 1904 date system is 1,462 days lower.
        assert_eq!(excel_serial_date(45961.0 - 1462.0, DateSystem::Excel1904), NaiveDate::from_ymd_opt(2025, 10, 31));
        assert_eq!(excel_serial_date(0.0, DateSystem::Excel1904), NaiveDate::from_ymd_opt(1904, 1, 1));
    }

    #[test]
    fn numbers_too_large_to_be_real_are_rejected() {
        let col: ColumnDef = toml::from_str("field = 'debit'\ntype = 'money'").unwrap();
        let conv = |c: Cell| convert(&c, &col, &[], DateSystem::Excel1900);
        assert_eq!(conv(Cell::Number(1e15)), Ok(Value::Num(1e15)));
        for bad in [Cell::Number(1e308), Cell::Number(-2e15), Cell::Number(f64::INFINITY), Cell::Text("1e308".into())] {
            let e = conv(bad.clone()).unwrap_err();
            assert!(e.to_string().contains("too large to be a real figure"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn codes_and_partners() {
        let col: ColumnDef = toml::from_str(
            "field = 'tax_type'\ntype = 'code'\nvalues = { CTAX = ['Council Tax'], NNDR = ['Business Rates', 'NDR'] }",
        )
        .unwrap();
        assert_eq!(
            convert(&Cell::Text("council tax".into()), &col, &[], DateSystem::Excel1900),
            Ok(Value::Str("CTAX".into()))
        );
        assert_eq!(convert(&Cell::Text("NDR".into()), &col, &[], DateSystem::Excel1900), Ok(Value::Str("NNDR".into())));
        assert!(convert(&Cell::Text("Water".into()), &col, &[], DateSystem::Excel1900).is_err());
        let p = vec![Partner { code: "E07000010".into(), name: "Fenland".into(), aliases: vec![] }];
        let col: ColumnDef = toml::from_str("field = 'council'\ntype = 'partner'").unwrap();
        assert_eq!(
            convert(&Cell::Text("FENLAND".into()), &col, &p, DateSystem::Excel1900),
            Ok(Value::Str("E07000010".into()))
        );
        assert!(convert(&Cell::Text("Norwich".into()), &col, &p, DateSystem::Excel1900)
            .unwrap_err()
            .to_string()
            .contains("Fenland"));
    }
}
