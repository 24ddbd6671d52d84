//! Number and date formatting as UK performance reports write them (`docs/indicators.md`, Conventions).

pub use crate::common::thousands;
use crate::config::Unit;
use chrono::NaiveDate;

/// Text for a terminal or a log line: control characters (line breaks, escape sequences)
/// shown escaped (`\n`, `\u{1b}`), so that a file name cannot forge lines or colours in cron
/// mail or the log.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return s.into();
    }
    s.chars()
        .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

/// A value for people: `95.9%`, `19.4 days`, `1,234`, `£1,234.56`; `-` when there is none.
pub fn value_text(value: Option<f64>, unit: Unit, decimals: u8) -> String {
    let Some(v) = value else { return "no data".into() };
    let n = thousands(v, decimals as usize);
    match unit {
        Unit::Percent => format!("{n}%"),
        Unit::Days => format!("{n} days"),
        Unit::Count => n,
        Unit::Pounds => {
            if v < 0.0 {
                format!("-£{}", thousands(-v, decimals as usize))
            } else {
                format!("£{n}")
            }
        }
    }
}

/// The number alone, with `%` for percentages and `£` for money: for narrow tables whose
/// headings give the unit.
pub fn number_text(value: Option<f64>, unit: Unit, decimals: u8) -> String {
    match (value, unit) {
        (None, _) => "no data".into(),
        (Some(_), Unit::Percent | Unit::Pounds) => value_text(value, unit, decimals),
        (Some(v), _) => thousands(v, decimals as usize),
    }
}

/// A value as the open-data CSV writes it: `.` decimals, at least two places, no thousands
/// separators; empty for no value. Approvals record figures in the same form.
pub fn csv_number(v: Option<f64>, decimals: u8) -> String {
    let places = (decimals as usize).max(2);
    v.map(|x| format!("{x:.places$}")).unwrap_or_default()
}

/// `22 November 2026`.
pub fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(value_text(Some(95.94), Unit::Percent, 1), "95.9%");
        assert_eq!(value_text(Some(19.44), Unit::Days, 1), "19.4 days");
        assert_eq!(value_text(Some(1234567.0), Unit::Count, 0), "1,234,567");
        assert_eq!(value_text(Some(-1234.5), Unit::Pounds, 2), "-£1,234.50");
        assert_eq!(value_text(None, Unit::Percent, 1), "no data");
        assert_eq!(thousands(-0.001, 2), "0.00");
        assert_eq!(thousands(999.999, 2), "1,000.00");
        assert_eq!(long_date(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()), "1 April 2026");
    }
}
