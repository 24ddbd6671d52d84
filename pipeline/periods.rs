//! UK financial-year periods: months M01 (April) to M12 (March), quarters Q1-Q4, years, the
//! year to date and the rolling 12 months to a month end.
//!
//! Takes dates; gives the periods they fall in, their labels (`2025/26 M07`, `2025/26 Q2`,
//! `2025/26`, `2025/26 M07 YTD`, `2025/26 M07 R12`) and their first and last days. Every stage
//! uses these so that labels agree.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// The granularity of a reporting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    Quarter,
    Year,
    /// 1 April to the end of month `number`.
    YearToDate,
    /// The 12 months ending with month `number` (crossing into the year before).
    Rolling12,
}

/// Which day an Excel serial number counts from: workbooks saved by old Mac Excel count
/// from 1 January 1904, all others from 1900 (with Excel's fictitious 29 February 1900).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateSystem {
    #[default]
    Excel1900,
    Excel1904,
}

/// An Excel serial day number as a date, in the workbook's date system, for plausible
/// values only.
pub fn excel_serial_date(n: f64, dates: DateSystem) -> Option<NaiveDate> {
    if n.fract() != 0.0 || !(0.0..=2_958_465.0).contains(&n) {
        return None;
    }
    match dates {
        // Serial 60 is the fictitious 29/02/1900; serials above it are one day ahead.
        DateSystem::Excel1900 if n >= 1.0 => {
            let days = if n < 60.0 { n as i64 + 1 } else { n as i64 };
            NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_signed(chrono::Duration::days(days))
        }
        DateSystem::Excel1900 => None,
        DateSystem::Excel1904 => {
            NaiveDate::from_ymd_opt(1904, 1, 1)?.checked_add_signed(chrono::Duration::days(n as i64))
        }
    }
}

/// Days since 1970-01-01, polars' physical representation of a date.
pub fn days_since_epoch(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid")).num_days() as i32
}

/// The inverse of [`days_since_epoch`].
pub fn date_from_days(days: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid") + chrono::Duration::days(days as i64)
}

/// One reporting period of a financial year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    /// First calendar year of the financial year (2025 for 2025/26).
    pub fy: i32,
    pub kind: PeriodKind,
    /// 1-12 for months (and the last month of a year to date or rolling 12 months), 1-4 for
    /// quarters, 0 for years.
    pub number: u32,
}

impl Period {
    pub fn month(fy: i32, m: u32) -> Period {
        Period { fy, kind: PeriodKind::Month, number: m }
    }
    pub fn quarter(fy: i32, q: u32) -> Period {
        Period { fy, kind: PeriodKind::Quarter, number: q }
    }
    pub fn year(fy: i32) -> Period {
        Period { fy, kind: PeriodKind::Year, number: 0 }
    }
    pub fn year_to_date(fy: i32, m: u32) -> Period {
        Period { fy, kind: PeriodKind::YearToDate, number: m }
    }
    pub fn rolling12(fy: i32, m: u32) -> Period {
        Period { fy, kind: PeriodKind::Rolling12, number: m }
    }

    /// The financial month (M01 = April) containing a date.
    pub fn month_of(d: NaiveDate) -> Period {
        let (fy, m) = fiscal_month(d);
        Period::month(fy, m)
    }

    /// The label used in every output: `2025/26 M07`, `2025/26 Q2`, `2025/26`.
    pub fn label(&self) -> String {
        let fy = fy_label(self.fy);
        match self.kind {
            PeriodKind::Month => format!("{fy} M{:02}", self.number),
            PeriodKind::Quarter => format!("{fy} Q{}", self.number),
            PeriodKind::Year => fy,
            PeriodKind::YearToDate => format!("{fy} M{:02} YTD", self.number),
            PeriodKind::Rolling12 => format!("{fy} M{:02} R12", self.number),
        }
    }

    /// The month indexes (see [`Period::month_index`]) the period covers.
    pub fn month_indexes(&self) -> std::ops::RangeInclusive<i32> {
        let at = |m: u32| self.fy * 12 + m as i32 - 1;
        match self.kind {
            PeriodKind::Month => at(self.number)..=at(self.number),
            PeriodKind::Quarter => at((self.number - 1) * 3 + 1)..=at(self.number * 3),
            PeriodKind::Year => at(1)..=at(12),
            PeriodKind::YearToDate => at(1)..=at(self.number),
            PeriodKind::Rolling12 => at(self.number) - 11..=at(self.number),
        }
    }

    /// The last financial month of the period (snapshot indicators take its value).
    pub fn last_month(&self) -> Period {
        Period::from_month_index(*self.month_indexes().end())
    }

    pub fn start(&self) -> NaiveDate {
        let first = Period::from_month_index(*self.month_indexes().start());
        month_start(first.fy, first.number)
    }

    pub fn end(&self) -> NaiveDate {
        let last = self.last_month();
        let next = month_start(last.fy, last.number).checked_add_months(chrono::Months::new(1));
        next.and_then(|d| d.pred_opt()).expect("valid date")
    }

    /// A month index that orders months across years (fy * 12 + m - 1).
    pub fn month_index(&self) -> i32 {
        self.fy * 12 + self.number as i32 - 1
    }

    /// Reads a label as [`Period::label`] writes it: `2025/26 M07`, `2025/26 Q2`, `2025/26`.
    pub fn parse(label: &str) -> Option<Period> {
        let label = label.trim();
        let (year, rest) = match label.split_once(' ') {
            Some((y, r)) => (y, r.trim()),
            None => (label, ""),
        };
        let fy = parse_financial_year(year)?;
        let number = |s: &str, max: u32| s.parse::<u32>().ok().filter(|n| (1..=max).contains(n));
        let (rest, suffix) = match rest.split_once(' ') {
            Some((r, s)) => (r, s.trim().to_ascii_uppercase()),
            None => (rest, String::new()),
        };
        let month = |s: &str| number(&s[1..], 12);
        match (rest.chars().next().map(|c| c.to_ascii_uppercase()), suffix.as_str()) {
            (None, "") => Some(Period::year(fy)),
            (Some('M'), "") => month(rest).map(|m| Period::month(fy, m)),
            (Some('M'), "YTD") => month(rest).map(|m| Period::year_to_date(fy, m)),
            (Some('M'), "R12") => month(rest).map(|m| Period::rolling12(fy, m)),
            (Some('Q'), "") => number(&rest[1..], 4).map(|q| Period::quarter(fy, q)),
            _ => None,
        }
    }

    pub fn from_month_index(i: i32) -> Period {
        Period::month(i.div_euclid(12), (i.rem_euclid(12) + 1) as u32)
    }
}

/// The financial year and month (1 = April) of a date.
pub fn fiscal_month(d: NaiveDate) -> (i32, u32) {
    let m = d.month();
    if m >= 4 {
        (d.year(), m - 3)
    } else {
        (d.year() - 1, m + 9)
    }
}

/// First day of financial month `m` of financial year `fy`.
pub fn month_start(fy: i32, m: u32) -> NaiveDate {
    let (y, cm) = if m <= 9 { (fy, m + 3) } else { (fy + 1, m - 9) };
    NaiveDate::from_ymd_opt(y, cm, 1).expect("valid month")
}

/// `2025/26` for 2025.
pub fn fy_label(fy: i32) -> String {
    format!("{fy}/{:02}", (fy + 1).rem_euclid(100))
}

/// Reads `2025/26`, `2025-26`, `25/26`, `2025/2026` or `2025` as the first year (2025).
pub fn parse_financial_year(s: &str) -> Option<i32> {
    let s = s.trim();
    let parts: Vec<&str> = s.split(['/', '-']).map(str::trim).collect();
    let year = |p: &str| -> Option<i32> {
        let n: i32 = p.parse().ok()?;
        match p.len() {
            4 => Some(n),
            2 => Some(2000 + n),
            _ => None,
        }
    };
    match parts.as_slice() {
        [one] => year(one),
        [a, b] => {
            let first = year(a)?;
            let second: i32 = b.parse().ok()?;
            let ok = match b.len() {
                2 => (first + 1).rem_euclid(100) == second,
                4 => first + 1 == second,
                _ => false,
            };
            ok.then_some(first)
        }
        _ => None,
    }
}

/// Every month, quarter and year that has ended on or before `as_of`, from the month of
/// `first` to the month of `last` (both inclusive), in a stable order: by year, then months,
/// quarters, the year. With `flow` (figures that add up over their months), a quarter or year
/// is given only when all its months lie inside the data, and so are the year to date and
/// the rolling 12 months to each month end; otherwise (snapshots, which take their last
/// month's figure) a quarter or year is given when its last month lies inside the data.
pub fn complete_periods(first: NaiveDate, last: NaiveDate, as_of: NaiveDate, flow: bool) -> Vec<Period> {
    let lo = Period::month_of(first).month_index();
    let hi = Period::month_of(last.min(as_of)).month_index();
    let mut out = Vec::new();
    for i in lo..=hi {
        let m = Period::from_month_index(i);
        out.push(m);
        if flow {
            out.push(Period::year_to_date(m.fy, m.number));
            out.push(Period::rolling12(m.fy, m.number));
        }
        if m.number.is_multiple_of(3) {
            out.push(Period::quarter(m.fy, m.number / 3));
        }
        if m.number == 12 {
            out.push(Period::year(m.fy));
        }
    }
    let start = Period::month_of(first).start();
    out.retain(|p| p.end() <= as_of && (if flow { p.start() } else { p.last_month().start() }) >= start);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_back() {
        for p in [
            Period::month(2025, 7),
            Period::quarter(2024, 4),
            Period::year(2023),
            Period::year_to_date(2025, 3),
            Period::rolling12(2025, 2),
        ] {
            assert_eq!(Period::parse(&p.label()), Some(p));
        }
        assert_eq!(Period::parse("2025/26 m7"), Some(Period::month(2025, 7)));
        assert_eq!(Period::parse("2025/26 Q5"), None);
        assert_eq!(Period::parse("Q2"), None);
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn year_to_date_and_rolling_twelve_months() {
        let ytd = Period::year_to_date(2025, 7);
        assert_eq!((ytd.label().as_str(), ytd.start(), ytd.end()), ("2025/26 M07 YTD", d(2025, 4, 1), d(2025, 10, 31)));
        let r12 = Period::rolling12(2025, 2);
        assert_eq!((r12.label().as_str(), r12.start(), r12.end()), ("2025/26 M02 R12", d(2024, 6, 1), d(2025, 5, 31)));
        assert_eq!(r12.month_indexes().count(), 12);
        // Rolling 12 months only once 12 months of data exist.
        let p = complete_periods(d(2024, 4, 30), d(2025, 5, 31), d(2025, 6, 10), true);
        let labels: Vec<String> = p.iter().filter(|p| p.kind == PeriodKind::Rolling12).map(Period::label).collect();
        assert_eq!(labels, ["2024/25 M12 R12", "2025/26 M01 R12", "2025/26 M02 R12"]);
        assert!(!complete_periods(d(2024, 4, 30), d(2025, 5, 31), d(2025, 6, 10), false)
            .iter()
            .any(|p| p.kind == PeriodKind::YearToDate));
    }

    #[test]
    fn labels_and_bounds() {
        let p = Period::month_of(d(2025, 10, 31));
        assert_eq!(p.label(), "2025/26 M07");
        assert_eq!(p.start(), d(2025, 10, 1));
        assert_eq!(p.end(), d(2025, 10, 31));
        let q = Period::quarter(2025, 2);
        assert_eq!(q.label(), "2025/26 Q2");
        assert_eq!((q.start(), q.end()), (d(2025, 7, 1), d(2025, 9, 30)));
        let y = Period::year(2025);
        assert_eq!(y.label(), "2025/26");
        assert_eq!((y.start(), y.end()), (d(2025, 4, 1), d(2026, 3, 31)));
        assert_eq!(Period::month_of(d(2026, 3, 1)).label(), "2025/26 M12");
        assert_eq!(fy_label(1999), "1999/00");
    }

    #[test]
    fn financial_years_parse() {
        for s in ["2025/26", "2025-26", "25/26", "2025/2026", "2025"] {
            assert_eq!(parse_financial_year(s), Some(2025), "{s}");
        }
        assert_eq!(parse_financial_year("2025/27"), None);
        assert_eq!(parse_financial_year("soon"), None);
    }

    #[test]
    fn only_complete_periods_up_to_as_of() {
        let ps = complete_periods(d(2025, 4, 30), d(2025, 10, 31), d(2025, 10, 15), false);
        let labels: Vec<String> = ps.iter().map(Period::label).collect();
        assert_eq!(
            labels,
            [
                "2025/26 M01",
                "2025/26 M02",
                "2025/26 M03",
                "2025/26 Q1",
                "2025/26 M04",
                "2025/26 M05",
                "2025/26 M06",
                "2025/26 Q2"
            ]
        );
        let ps = complete_periods(d(2024, 4, 30), d(2025, 3, 31), d(2026, 1, 1), false);
        assert!(ps.contains(&Period::year(2024)));
        assert_eq!(ps.len(), 12 + 4 + 1);
    }

    #[test]
    fn month_index_round_trips() {
        for i in 24000..24030 {
            assert_eq!(Period::from_month_index(i).month_index(), i);
        }
    }
}
