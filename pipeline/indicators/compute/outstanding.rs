//! Items outstanding at each month end: received on or before it and not decided by it,
//! counted from the versions of each item known at that month end (extracts as at on or
//! before it), in one pass over every version.

use super::{add_partnership, days, input, partner_codes, Input};
use super::{Aggregation, Error, Series};
use crate::config::Project;
use crate::indicators::{MonthlyParts, Parts, ALL};
use crate::periods::Period;
use crate::store::Store;
use chrono::NaiveDate;
use polars::prelude::*;
use std::collections::BTreeMap;

/// Items received on or before each month end and not decided by it, from the versions
/// known at that month end.
pub(super) fn outstanding_items(
    project: &Project,
    store: &Store,
    source: &str,
    received: &str,
    decided: &str,
    as_of: NaiveDate,
) -> Result<Series, Error> {
    let Some(Input { df, partner, empty, key, .. }) = input(project, store, source, Aggregation::Snapshot, 1.0, as_of)?
    else {
        return Ok(Series::none(Aggregation::Snapshot, 1.0, true));
    };
    let Some((first, last)) = empty.coverage else { return Ok(empty) };
    let (lo_month, hi_month) = (Period::month_of(first).month_index(), Period::month_of(last).month_index());
    // Every version of every item. A version is the one known at each month end from its
    // extract's month until the month before the item's next version; within that span the
    // item is open from the month it was received until the month before it was decided.
    // Each version adds its open months to a running count (one pass, instead of rebuilding
    // the known versions at every month end). The store gives the rows in as-at order.
    let rows = versions(df, &key, received, decided, partner.as_deref())?;
    let int = |name: &str| -> Result<Vec<Option<i32>>, Error> { Ok(rows.column(name)?.i32()?.iter().collect()) };
    let (as_at, got, done) = (int("_as_at")?, int("_received")?, int("_decided")?);
    let who: Option<Vec<Option<&str>>> = match &partner {
        Some(_) => Some(rows.column("_partner")?.str()?.iter().collect()),
        None => None,
    };
    let months_of = MonthTable::of(&[&as_at, &got, &done]);
    let month = |d: Option<i32>| months_of.month(d);
    let span = (hi_month - lo_month + 2) as usize;
    let mut change: Vec<(&str, Vec<i64>)> = Vec::new();
    let as_at_month: Vec<Option<i32>> = as_at.iter().map(|d| month(*d)).collect();
    let next_month = next_version_months(&rows, &key, &as_at_month)?;
    for i in 0..rows.height() {
        let Some(a) = as_at_month[i] else { continue };
        let next = next_month[i];
        let Some(r) = month(got[i]) else { continue };
        let from = a.max(r).max(lo_month);
        let to = [next.map(|n| n - 1), month(done[i]).map(|d| d - 1), Some(hi_month)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(hi_month);
        if from > to {
            continue;
        }
        let code = who.as_ref().and_then(|w| w[i]).unwrap_or(ALL);
        let at = match change.iter().position(|(c, _)| *c == code) {
            Some(at) => at,
            None => {
                change.push((code, vec![0; span]));
                change.len() - 1
            }
        };
        let c = &mut change[at].1;
        c[(from - lo_month) as usize] += 1;
        c[(to - lo_month + 1) as usize] -= 1;
    }
    let change: BTreeMap<String, Vec<i64>> = change.into_iter().map(|(c, v)| (c.to_string(), v)).collect();
    let codes = partner_codes(project);
    let mut months = running_counts(&change, &codes, partner.is_some(), lo_month, hi_month);
    if partner.is_some() {
        add_partnership(&mut months, &codes);
    }
    Ok(Series { months, count_only: true, ..empty })
}

/// Month indexes of the days seen, worked out once each: a table of every day between the
/// first and the last, unless a stray date makes that longer than a century.
struct MonthTable {
    lo_day: i32,
    months: Vec<i32>,
}

impl MonthTable {
    fn of(days: &[&Vec<Option<i32>>]) -> MonthTable {
        let lo_day = days.iter().flat_map(|v| v.iter().flatten()).min().copied().unwrap_or(0);
        let hi_day = days.iter().flat_map(|v| v.iter().flatten()).max().copied().unwrap_or(0);
        let months = if hi_day - lo_day <= 36_525 { (lo_day..=hi_day).map(month_of).collect() } else { Vec::new() };
        MonthTable { lo_day, months }
    }

    fn month(&self, d: Option<i32>) -> Option<i32> {
        d.map(|d| self.months.get((d - self.lo_day) as usize).copied().unwrap_or_else(|| month_of(d)))
    }
}

fn month_of(day: i32) -> i32 {
    Period::month_of(crate::periods::date_from_days(day)).month_index()
}

/// The month of each row's next version: that of the next row of the same item (rows are in
/// as-at order, and polars' groups list each item's rows in row order); `None` for an item's
/// latest version. Without a key every row is a version of one item.
fn next_version_months(
    rows: &DataFrame,
    key: &[String],
    as_at_month: &[Option<i32>],
) -> Result<Vec<Option<i32>>, Error> {
    let mut next_month: Vec<Option<i32>> = vec![None; rows.height()];
    let mut link = |idx: &[IdxSize]| {
        for w in idx.windows(2) {
            next_month[w[0] as usize] = as_at_month[w[1] as usize];
        }
    };
    if key.is_empty() {
        link(&(0..rows.height() as IdxSize).collect::<Vec<_>>());
        return Ok(next_month);
    }
    let groups = rows.group_by(key.iter().map(String::as_str))?;
    for g in groups.get_groups().iter() {
        match g {
            GroupsIndicator::Idx((_, idx)) if idx.is_sorted() => link(idx),
            GroupsIndicator::Idx((_, idx)) => {
                let mut idx = idx.to_vec();
                idx.sort_unstable();
                link(&idx)
            }
            GroupsIndicator::Slice([first, len]) => link(&(first..first + len).collect::<Vec<_>>()),
        }
    }
    Ok(next_month)
}

/// Every version of every item, in as-at order: its key, as-at, received and decided days,
/// and its partner.
fn versions(
    df: DataFrame,
    key: &[String],
    received: &str,
    decided: &str,
    partner: Option<&str>,
) -> Result<DataFrame, Error> {
    let mut cols: Vec<Expr> = key.iter().map(|k| col(k.as_str()).cast(DataType::String)).collect();
    cols.extend([days("as_at").alias("_as_at"), days(received).alias("_received"), days(decided).alias("_decided")]);
    if let Some(p) = partner {
        cols.push(col(p).cast(DataType::String).alias("_partner"));
    }
    let mut rows = df.lazy().select(cols).collect()?;
    let in_order = rows.column("_as_at")?.i32()?.iter().flatten().is_sorted();
    if !in_order {
        rows = rows.sort(["_as_at"], SortMultipleOptions::default().with_maintain_order(true))?;
    }
    rows.rechunk_mut();
    Ok(rows)
}

/// The count of open items at each month end, per partner (each partner listed, zero in a
/// month none of its items is open), from the changes to the count each month.
fn running_counts(
    change: &BTreeMap<String, Vec<i64>>,
    codes: &[String],
    by_partner: bool,
    lo_month: i32,
    hi_month: i32,
) -> MonthlyParts {
    let mut whom: Vec<String> = if by_partner { codes.to_vec() } else { vec![ALL.to_string()] };
    whom.extend(change.keys().filter(|k| !codes.contains(k) && k.as_str() != ALL).cloned());
    if !by_partner {
        whom.dedup();
    }
    let mut months = MonthlyParts::new();
    for code in whom {
        let mut open = 0i64;
        let c = change.get(&code);
        let series = months.entry(code.clone()).or_default();
        for m in lo_month..=hi_month {
            open += c.map_or(0, |c| c[(m - lo_month) as usize]);
            series.insert(m, Parts { numerator: open as f64, denominator: 1.0 });
        }
    }
    months
}

#[cfg(test)]
mod tests {
    use super::super::testing::{monthly, parts, store};
    use crate::testing::{project, BENEFITS_HEADER};

    #[test]
    fn an_item_is_outstanding_from_its_month_received_until_the_month_before_its_decision_is_known() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let item = |r, got, decided| vec!["Fenland", r, "New Claim", got, decided];
        let extracts = [
            (
                "benefits",
                "2025-04-30",
                &BENEFITS_HEADER[..],
                vec![item("F1", "10/04/2025", ""), item("F2", "12/04/2025", "")],
            ),
            // F1 decided in May; F2 still open; F3 received in May.
            (
                "benefits",
                "2025-05-31",
                &BENEFITS_HEADER[..],
                vec![
                    item("F1", "10/04/2025", "15/05/2025"),
                    item("F2", "12/04/2025", ""),
                    item("F3", "02/05/2025", ""),
                ],
            ),
            ("benefits", "2025-06-30", &BENEFITS_HEADER[..], vec![item("F2", "12/04/2025", "01/06/2025")]),
        ];
        let store = store(&p, dir.path(), &extracts);
        let s = monthly(&p, &store, "hb_outstanding_items", "2025-07-05");
        assert_eq!(parts(&s, "E07000010", "2025/26 M01").map(|x| x.0), Some(2.0));
        assert_eq!(parts(&s, "E07000010", "2025/26 M02").map(|x| x.0), Some(2.0), "F2 and F3");
        // June's extract does not list F3: the version known (open) still counts.
        assert_eq!(parts(&s, "E07000010", "2025/26 M03").map(|x| x.0), Some(1.0), "F3");
        assert_eq!(parts(&s, "E07000143", "2025/26 M01").map(|x| x.0), Some(0.0), "no items open: zero");
        assert!(s.count_only);
    }
}
