//! Items outstanding at each month end: received on or before it and not decided by it,
//! counted from the versions of each item known at that month end (extracts as at on or
//! before it), in one pass over every version.
//!
//! A month's count reads only the versions known at its end, so a night that adds a month
//! changes no earlier month's count: the counts are kept in the store
//! ([`Store::keep_figures`]) with the parts they were made from, and when the only new parts
//! are of the latest month, that month is counted from the latest versions and the earlier
//! months are taken as kept. Anything else (a late or replaced extract, a changed
//! definition, a council not seen before) counts every month from every version again.

use super::{add_partnership, days, input, partner_codes, Input};
use super::{Aggregation, Error, Series};
use crate::config::Project;
use crate::indicators::{MonthlyParts, Parts, ALL};
use crate::periods::Period;
use crate::store::Store;
use chrono::NaiveDate;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Open items per partner code (or [`ALL`]) at each month end from `lo` to `hi`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Counts {
    lo: i32,
    hi: i32,
    open: BTreeMap<String, Vec<i64>>,
}

/// The counts kept between runs: what they were made by and from.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    /// The program's version and everything of the definition the counts depend on.
    config: String,
    /// The parts they were made from (paths in the store), in store order.
    parts: Vec<String>,
    counts: Counts,
}

/// What one count reads: the source, its columns and key, the partners.
struct Spec<'a> {
    source: &'a str,
    received: &'a str,
    decided: &'a str,
    key: &'a [String],
    partner: Option<&'a str>,
    codes: &'a [String],
}

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
    let Some(Input { partner, empty, key, .. }) = input(project, store, source, Aggregation::Snapshot, 1.0, as_of)?
    else {
        return Ok(Series::none(Aggregation::Snapshot, 1.0, true));
    };
    let Some((first, last)) = empty.coverage else { return Ok(empty) };
    let (lo, hi) = (Period::month_of(first).month_index(), Period::month_of(last).month_index());
    let codes = partner_codes(project);
    let spec = Spec { source, received, decided, key: &key, partner: partner.as_deref(), codes: &codes };
    let parts: Vec<(String, i32)> = store
        .parts(source, as_of)
        .into_iter()
        .map(|(e, p)| (p.parquet.clone(), Period::month_of(e.as_at).month_index()))
        .collect();
    // Kept only for the whole store (a breakdown's view counts some of the items).
    let whole = !store.restricted(source);
    let config = format!(
        "scorecard {} outstanding {source} received={received} decided={decided} key={key:?} partner={partner:?} partners={codes:?}",
        env!("CARGO_PKG_VERSION")
    );
    let name = format!("outstanding-{}", &crate::common::sha256_hex(config.as_bytes())[..16]);
    let kept = whole
        .then(|| store.kept_figures(source, &name))
        .flatten()
        .and_then(|bytes| serde_json::from_slice::<Kept>(&bytes).ok())
        .filter(|k| k.config == config);
    let folded = match kept {
        Some(k) => fold_latest_month(store, &spec, k, &parts, lo, hi, as_of)?,
        None => None,
    };
    let counts = match folded {
        Some(c) => c,
        None => every_version(store, &spec, lo, hi, as_of)?,
    };
    // Kept for the next night when made from every part in the store (not for an earlier date).
    if whole && parts.len() == store.parts(source, NaiveDate::MAX).len() {
        let kept = Kept { config, parts: parts.into_iter().map(|(p, _)| p).collect(), counts: counts.clone() };
        if let Ok(bytes) = serde_json::to_vec(&kept) {
            store.keep_figures(source, &name, &bytes);
        }
    }
    let mut months: MonthlyParts = counts
        .open
        .into_iter()
        .map(|(code, open)| {
            let series = (lo..=hi).zip(open).map(|(m, n)| (m, Parts { numerator: n as f64, denominator: 1.0 }));
            (code, series.collect())
        })
        .collect();
    if partner.is_some() {
        add_partnership(&mut months, &codes);
    }
    Ok(Series { months, count_only: true, ..empty })
}

/// The kept counts with the latest month counted again from the latest versions, when the
/// parts added since they were made are all of that month (no earlier month can change);
/// `None` when they cannot be used.
fn fold_latest_month(
    store: &Store,
    spec: &Spec,
    kept: Kept,
    parts: &[(String, i32)],
    lo: i32,
    hi: i32,
    as_of: NaiveDate,
) -> Result<Option<Counts>, Error> {
    let n = kept.parts.len();
    let Counts { lo: kept_lo, hi: kept_hi, mut open } = kept.counts;
    let usable = !spec.key.is_empty()
        && n > 0
        && n <= parts.len()
        && parts[..n].iter().map(|(p, _)| p).eq(kept.parts.iter())
        && parts[n..].iter().all(|(_, m)| *m == hi)
        && kept_lo == lo
        && (kept_hi == hi || kept_hi + 1 == hi);
    if !usable {
        return Ok(None);
    }
    if n == parts.len() && kept_hi == hi {
        return Ok(Some(Counts { lo, hi, open }));
    }
    // Every version is known at the end of the latest month: the latest versions.
    let Some(latest) = store.latest(spec.source, as_of, spec.key)? else { return Ok(None) };
    let mut cols = vec![days(spec.received).alias("_received"), days(spec.decided).alias("_decided")];
    if let Some(p) = spec.partner {
        cols.push(col(p).cast(DataType::String).alias("_partner"));
    }
    let rows = latest.lazy().select(cols).collect()?;
    let got = rows.column("_received")?.i32()?;
    let done = rows.column("_decided")?.i32()?;
    let who = match spec.partner {
        Some(_) => Some(rows.column("_partner")?.str()?.clone()),
        None => None,
    };
    let mut now: BTreeMap<&str, i64> = open.keys().map(|c| (c.as_str(), 0)).collect();
    for i in 0..rows.height() {
        let Some(r) = got.get(i).map(month_of) else { continue };
        if r > hi || done.get(i).is_some_and(|d| month_of(d) <= hi) {
            continue;
        }
        let code = who.as_ref().and_then(|w| w.get(i)).unwrap_or(ALL);
        if spec.partner.is_some() && code == ALL {
            continue; // no council: the partnership's count is its councils' sum
        }
        match now.get_mut(code) {
            Some(c) => *c += 1,
            None => return Ok(None), // a council not seen before: count every month again
        }
    }
    let now: BTreeMap<String, i64> = now.into_iter().map(|(c, k)| (c.to_string(), k)).collect();
    for (code, series) in open.iter_mut() {
        series.truncate((hi - lo) as usize);
        series.push(now[code]);
    }
    Ok(Some(Counts { lo, hi, open }))
}

/// Every month counted from every version. A version is the one known at each month end
/// from its extract's month until the month before the item's next version; within that
/// span the item is open from the month it was received until the month before it was
/// decided. Each version adds its open months to a running count (one pass, instead of
/// rebuilding the known versions at every month end). The store gives the rows in as-at
/// order.
fn every_version(store: &Store, spec: &Spec, lo_month: i32, hi_month: i32, as_of: NaiveDate) -> Result<Counts, Error> {
    // In a breakdown's view, each item's versions are still followed through the whole store
    // and a version counts where its own value puts it: an item that moves from one value to
    // another while open counts under the first until the month before it moved, then under
    // the second (restricting the rows first would keep its last version under the first
    // value open, and count it twice).
    let Some(df) = store.only(Vec::new()).load(spec.source, as_of)? else {
        return Ok(running_counts(&BTreeMap::new(), spec.codes, spec.partner.is_some(), lo_month, hi_month));
    };
    let key = spec.key;
    let rows = versions(df, key, spec.received, spec.decided, spec.partner, store.in_view(spec.source))?;
    let int = |name: &str| -> Result<Vec<Option<i32>>, Error> { Ok(rows.column(name)?.i32()?.iter().collect()) };
    let (as_at, got, done) = (int("_as_at")?, int("_received")?, int("_decided")?);
    let in_view: Option<Vec<bool>> = match rows.column("_in_view") {
        Ok(c) => Some(c.bool()?.iter().map(|v| v == Some(true)).collect()),
        Err(_) => None,
    };
    let who: Option<Vec<Option<&str>>> = match spec.partner {
        Some(_) => Some(rows.column("_partner")?.str()?.iter().collect()),
        None => None,
    };
    let months_of = MonthTable::of(&[&as_at, &got, &done]);
    let month = |d: Option<i32>| months_of.month(d);
    let span = (hi_month - lo_month + 2) as usize;
    let mut change: Vec<(&str, Vec<i64>)> = Vec::new();
    let as_at_month: Vec<Option<i32>> = as_at.iter().map(|d| month(*d)).collect();
    let next_month = next_version_months(&rows, key, &as_at_month)?;
    for i in 0..rows.height() {
        if in_view.as_ref().is_some_and(|v| !v[i]) {
            continue;
        }
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
    Ok(running_counts(&change, spec.codes, spec.partner.is_some(), lo_month, hi_month))
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
/// its partner, and whether it is in a breakdown's view (`_in_view`, given `in_view`).
fn versions(
    df: DataFrame,
    key: &[String],
    received: &str,
    decided: &str,
    partner: Option<&str>,
    in_view: Option<Expr>,
) -> Result<DataFrame, Error> {
    let mut cols: Vec<Expr> = key.iter().map(|k| col(k.as_str()).cast(DataType::String)).collect();
    cols.extend([days("as_at").alias("_as_at"), days(received).alias("_received"), days(decided).alias("_decided")]);
    if let Some(p) = partner {
        cols.push(col(p).cast(DataType::String).alias("_partner"));
    }
    if let Some(v) = in_view {
        cols.push(v.alias("_in_view"));
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
) -> Counts {
    let mut whom: Vec<String> = if by_partner { codes.to_vec() } else { vec![ALL.to_string()] };
    whom.extend(change.keys().filter(|k| !codes.contains(k) && k.as_str() != ALL).cloned());
    if !by_partner {
        whom.dedup();
    }
    let mut open = BTreeMap::new();
    for code in whom {
        let c = change.get(&code);
        let mut now = 0i64;
        let series: Vec<i64> = (lo_month..=hi_month)
            .map(|m| {
                now += c.map_or(0, |c| c[(m - lo_month) as usize]);
                now
            })
            .collect();
        open.insert(code, series);
    }
    Counts { lo: lo_month, hi: hi_month, open }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{monthly, parts, store};
    use crate::testing::{benefits_night, benefits_nights, date, project, Nights, BENEFITS_HEADER};

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

    #[test]
    fn in_a_breakdown_an_item_counts_under_the_value_of_its_version_known_then() {
        // A project whose work items are known by council, claim and date received alone
        // (the shipped key also has the work type, so that an item never changes type). F1
        // is a new claim in April and, still open, a change of circumstances from May; F2
        // stays a new claim. Broken down by work type, F1 counts once a month: under new
        // claims in April and under changes from May, as the whole count has it.
        let dir = tempfile::tempdir().unwrap();
        let mut p = project(&dir.path().join("p"));
        let benefits = p.sources.iter_mut().find(|s| s.id.get_ref() == "benefits").unwrap();
        benefits.key.retain(|k| k != "work_type");
        let item = |r, kind, got| vec!["Fenland", r, kind, got, ""];
        let extracts = [
            (
                "benefits",
                "2025-04-30",
                &BENEFITS_HEADER[..],
                vec![item("F1", "New Claim", "10/04/2025"), item("F2", "New Claim", "12/04/2025")],
            ),
            (
                "benefits",
                "2025-05-31",
                &BENEFITS_HEADER[..],
                vec![item("F1", "Change of Circumstances", "10/04/2025"), item("F2", "New Claim", "12/04/2025")],
            ),
        ];
        let store = store(&p, dir.path(), &extracts);
        let only = |value: &str| {
            store.only(vec![crate::store::Only {
                source: "benefits".into(),
                column: "work_type".into(),
                value: value.into(),
            }])
        };
        let whole = monthly(&p, &store, "hb_outstanding_items", "2025-06-05");
        let new_claims = monthly(&p, &only("new_claim"), "hb_outstanding_items", "2025-06-05");
        let changes = monthly(&p, &only("change_of_circumstances"), "hb_outstanding_items", "2025-06-05");
        let count = |s: &super::Series, m| parts(s, "E07000010", m).map(|x| x.0);
        assert_eq!(count(&whole, "2025/26 M01"), Some(2.0));
        assert_eq!(count(&whole, "2025/26 M02"), Some(2.0));
        assert_eq!(count(&new_claims, "2025/26 M01"), Some(2.0));
        assert_eq!(count(&new_claims, "2025/26 M02"), Some(1.0), "F1 is a change of circumstances in May");
        assert_eq!(count(&changes, "2025/26 M02"), Some(1.0));
    }

    /// The counts of a night, and the same counted from every version (the store's kept
    /// tables and counts set aside meanwhile).
    fn night(p: &crate::config::Project, dir: &std::path::Path, as_of: &str) -> (super::Series, super::Series) {
        let store_dir = dir.join("store");
        let got = {
            let store = crate::store::Store::open(&store_dir).unwrap();
            // As a night does: the flow indicators keep the latest versions (written by the
            // time the store is dropped).
            monthly(p, &store, "hb_new_claims_days", as_of);
            monthly(p, &store, "hb_outstanding_items", as_of)
        };
        let (kept, aside) = (store_dir.join("summaries"), dir.join("aside"));
        std::fs::rename(&kept, &aside).unwrap();
        let want = monthly(p, &crate::store::Store::open(&store_dir).unwrap(), "hb_outstanding_items", as_of);
        std::fs::remove_dir_all(&kept).unwrap();
        std::fs::rename(&aside, &kept).unwrap();
        (got, want)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 16, ..Default::default() })]
        /// Night after night, mostly a new month, now and then a late month or the same date
        /// again: the counts made from last night's are those counted from every version.
        #[test]
        fn counts_kept_from_night_to_night_are_those_of_every_version(nights in benefits_nights()) {
            let dir = tempfile::tempdir().unwrap();
            let p = project(&dir.path().join("p"));
            let mut dates = Nights::default();
            for (how, rows) in nights {
                let (as_at, as_of) = dates.next(how);
                benefits_night(&p, &mut crate::store::Store::open(&dir.path().join("store")).unwrap(), as_at, &rows);
                let as_of = as_of.to_string();
                let (got, want) = night(&p, dir.path(), &as_of);
                proptest::prop_assert_eq!(got.months, want.months);
                proptest::prop_assert_eq!(got.coverage, want.coverage);
            }
        }
    }

    #[test]
    fn a_new_month_is_counted_without_reading_the_earlier_extracts() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let store_dir = dir.path().join("store");
        let put = |as_at: &str, rows: &[(usize, usize, u32)]| {
            benefits_night(&p, &mut crate::store::Store::open(&store_dir).unwrap(), date(as_at), rows)
        };
        put("2024-04-30", &[(0, 1, 3), (1, 2, 3), (2, 3, 3)]);
        put("2024-05-31", &[(0, 1, 40), (1, 2, 3), (2, 4, 3)]);
        let (before, _) = night(&p, dir.path(), "2024-06-07");
        put("2024-06-30", &[(1, 2, 50), (2, 5, 3)]);
        // April's and May's data gone from the disk: June is counted from what was kept.
        let store = crate::store::Store::open(&store_dir).unwrap();
        for (e, part) in store.parts("benefits", date("2024-06-07")) {
            assert!(e.as_at < date("2024-06-01"));
            std::fs::remove_file(store_dir.join(&part.parquet)).unwrap();
        }
        let s = monthly(&p, &store, "hb_outstanding_items", "2024-07-07");
        for m in ["2024/25 M01", "2024/25 M02"] {
            for code in ["E07000010", "E07000143", "E07000244", "ALL"] {
                assert_eq!(parts(&s, code, m), parts(&before, code, m), "{code} {m} as kept");
            }
        }
        // June: Fenland's C1 was decided in May and Breckland's C2 in June; East Suffolk's
        // C3 and C4 are still open as last known, and C5 is new.
        assert_eq!(parts(&s, "E07000010", "2024/25 M03").map(|x| x.0), Some(0.0));
        assert_eq!(parts(&s, "E07000143", "2024/25 M03").map(|x| x.0), Some(0.0));
        assert_eq!(parts(&s, "E07000244", "2024/25 M03").map(|x| x.0), Some(3.0));
        assert_eq!(parts(&s, "ALL", "2024/25 M03").map(|x| x.0), Some(3.0));
        assert_eq!(parts(&before, "E07000244", "2024/25 M02").map(|x| x.0), Some(2.0), "C3 and C4 in May");
    }
}
