//! Returned values: a KPI return or survey result kept as returned, per partner and period,
//! the latest extract winning where several return the same partner and period.

use super::Error;
use crate::config::{field, Project};
use crate::indicators::ALL;
use crate::periods::Period;
use crate::store::Store;
use chrono::NaiveDate;
use polars::prelude::*;
use std::collections::BTreeMap;

/// One returned value.
#[derive(Debug, Clone)]
pub struct Returned {
    pub partner: String,
    pub period: Period,
    pub value: f64,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
}

/// The values of one indicator code in a returns source: per partner (the row's partner; else
/// the project's only partner, or the partnership) and period (the row's, or the one ended
/// last before its extract's as-at date); where several extracts return the same partner and
/// period, the latest wins.
pub fn returned(
    project: &Project,
    store: &Store,
    source: &str,
    code: &str,
    rule: crate::config::ReturnedPeriod,
    as_of: NaiveDate,
) -> Result<Vec<Returned>, Error> {
    use crate::config::ReturnedPeriod as R;
    let Some(df) = store.load(source, as_of)? else { return Ok(Vec::new()) };
    let text = |name: &str| -> Result<Option<StringChunked>, Error> {
        Ok(match df.column(name) {
            Ok(c) => Some(c.cast(&DataType::String)?.str()?.clone()),
            Err(_) => None,
        })
    };
    let number = |name: &str| -> Result<Option<Float64Chunked>, Error> {
        Ok(match df.column(name) {
            Ok(c) => Some(c.cast(&DataType::Float64)?.f64()?.clone()),
            Err(_) => None,
        })
    };
    let (codes, partners, periods) = (text(field::INDICATOR)?, text(field::PARTNER)?, text(field::PERIOD)?);
    let (values, nums, dens) = (number(field::VALUE)?, number(field::NUMERATOR)?, number(field::DENOMINATOR)?);
    let as_at = df.column("as_at")?.cast(&DataType::Int32)?;
    let as_at = as_at.i32()?;
    let default_partner = match project.settings.partner.as_slice() {
        [one] => one.code.clone(),
        _ => ALL.to_string(),
    };
    let mut latest: BTreeMap<(String, Period), (i32, Returned)> = BTreeMap::new();
    for i in 0..df.height() {
        let matches = codes.as_ref().and_then(|c| c.get(i)).is_some_and(|c| c.trim().eq_ignore_ascii_case(code));
        let (Some(value), Some(day)) = (values.as_ref().and_then(|v| v.get(i)), as_at.get(i)) else { continue };
        if !matches {
            continue;
        }
        let date = crate::periods::date_from_days(day);
        let before = |p: Period| p.end() < date;
        let period = match rule {
            R::Column => periods.as_ref().and_then(|p| p.get(i)).and_then(Period::parse),
            R::MonthBeforeAsAt => {
                let m = Period::month_of(date);
                Some(if before(m) { m } else { Period::from_month_index(m.month_index() - 1) })
            }
            R::QuarterBeforeAsAt => {
                let m = Period::month_of(date);
                let q = Period::quarter(m.fy, m.number.div_ceil(3));
                Some(if before(q) {
                    q
                } else if q.number > 1 {
                    Period::quarter(q.fy, q.number - 1)
                } else {
                    Period::quarter(q.fy - 1, 4)
                })
            }
            R::YearBeforeAsAt => {
                let fy = Period::month_of(date).fy;
                Some(if before(Period::year(fy)) { Period::year(fy) } else { Period::year(fy - 1) })
            }
        };
        let Some(period) = period else { continue };
        let partner =
            partners.as_ref().and_then(|p| p.get(i)).map(str::to_string).unwrap_or_else(|| default_partner.clone());
        let r = Returned {
            partner: partner.clone(),
            period,
            value,
            numerator: nums.as_ref().and_then(|n| n.get(i)),
            denominator: dens.as_ref().and_then(|d| d.get(i)),
        };
        match latest.get(&(partner.clone(), period)) {
            Some((d, _)) if *d > day => {}
            _ => {
                latest.insert((partner, period), (day, r));
            }
        }
    }
    Ok(latest.into_values().map(|(_, r)| r).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ReturnedPeriod;
    use crate::testing::{checked, date, project};

    #[test]
    fn the_latest_return_wins_and_a_period_before_the_as_at_date_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let mut store = Store::open(&dir.path().join("store")).unwrap();
        let header = ["Indicator", "Partner", "Period", "Value"];
        for (as_at, value) in [("2025-07-10", "98.1"), ("2025-07-20", "98.4")] {
            let rows =
                vec![vec!["SYS_AVAIL", "Fenland", "2025/26 Q1", value], vec!["OTHER", "Fenland", "2025/26 Q1", "1"]];
            store.put(&checked(&p, "returns", date(as_at), &header, &rows), date(as_at)).unwrap();
        }
        let rows = returned(&p, &store, "returns", "sys_avail", ReturnedPeriod::Column, date("2025-08-01")).unwrap();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(
            (rows[0].partner.as_str(), rows[0].period.label(), rows[0].value),
            ("E07000010", "2025/26 Q1".into(), 98.4)
        );
        let header = ["Indicator", "Partner", "Value"];
        let mut store = Store::open(&dir.path().join("store2")).unwrap();
        let rows = vec![vec!["SYS_AVAIL", "Fenland", "97"]];
        store.put(&checked(&p, "returns", date("2025-10-02"), &header, &rows), date("2025-10-02")).unwrap();
        let got = returned(&p, &store, "returns", "SYS_AVAIL", ReturnedPeriod::QuarterBeforeAsAt, date("2025-10-05"));
        assert_eq!(got.unwrap()[0].period.label(), "2025/26 Q2", "2 October: the quarter ended 30 September");
    }
}
