//! People methods (partnership only: the partnership employs the staff): who is in post on
//! a day (started on or before it, not left before it), over the rolling twelve months to
//! each month end, averaging the first and last day of the window.

use super::{days, latest};
use super::{Aggregation, Error, Series};
use crate::config::{field, Project};
use crate::indicators::{MonthlyParts, Parts, ALL};
use crate::periods::{days_since_epoch, Period};
use crate::store::Store;
use chrono::NaiveDate;
use polars::prelude::*;
use std::collections::BTreeMap;

/// Rolling 12 months to each month end: FTE days lost to sickness / average FTE.
pub(super) fn sickness_days_per_fte(
    project: &Project,
    store: &Store,
    staff: &str,
    absence: &str,
    as_of: NaiveDate,
) -> Result<Series, Error> {
    let staff_key = &project.source(staff).expect("validated").key;
    let absence_key = &project.source(absence).expect("validated").key;
    let empty = Series::none(Aggregation::Snapshot, 1.0, false);
    if store.parts(staff, as_of).is_empty() {
        return Ok(empty);
    }
    let cov = store.coverage(absence, as_of)?;
    let Some((first, last)) = cov else { return Ok(empty) };
    let staff_df = latest(store, staff, staff_key, as_of)?
        .select([
            col(field::FTE).cast(DataType::Float64),
            days(field::START_DATE).alias("start"),
            days(field::LEAVING_DATE).alias("leave"),
        ])
        .collect()?;
    // An ongoing absence (no last day) runs to its extract's as-at date.
    let absence_df = latest(store, absence, absence_key, as_of)?
        .select([
            col(field::FTE_DAYS_LOST).cast(DataType::Float64),
            days(field::FIRST_DAY).alias("first"),
            when(col(field::LAST_DAY).is_null()).then(days("as_at")).otherwise(days(field::LAST_DAY)).alias("last"),
        ])
        .collect()?;
    // A few thousand people and absences, read once into plain arrays; each month end then
    // adds up over them (a blank FTE or day count adds nothing, a blank date matches nothing).
    let ints = |df: &DataFrame, name: &str| -> Result<Vec<Option<i32>>, Error> {
        Ok(df.column(name)?.i32()?.iter().collect())
    };
    let floats = |df: &DataFrame, name: &str| -> Result<Vec<Option<f64>>, Error> {
        Ok(df.column(name)?.f64()?.iter().collect())
    };
    let (fte, start, leave) = (floats(&staff_df, field::FTE)?, ints(&staff_df, "start")?, ints(&staff_df, "leave")?);
    let fte_on = |day: i32| -> f64 {
        (0..fte.len())
            .filter(|&i| start[i].is_some_and(|s| s <= day) && leave[i].is_none_or(|l| l >= day))
            .filter_map(|i| fte[i])
            .sum()
    };
    let (days_lost, from, to) =
        (floats(&absence_df, field::FTE_DAYS_LOST)?, ints(&absence_df, "first")?, ints(&absence_df, "last")?);
    let lost_in = |ws: i32, we: i32| -> f64 {
        (0..days_lost.len())
            .filter_map(|i| {
                let (first, last, lost) = (from[i]?, to[i]?, days_lost[i]?);
                if first > we || last < ws || last < first {
                    return None;
                }
                let inside = (last.min(we) - first.max(ws) + 1) as f64;
                let length = (last - first + 1) as f64;
                Some(lost * inside / length)
            })
            .sum()
    };
    let mut all = BTreeMap::new();
    let lo = Period::month_of(first).month_index();
    let hi = Period::month_of(last).month_index();
    for m in lo..=hi {
        let ws = days_since_epoch(Period::from_month_index(m - 11).start());
        let we = days_since_epoch(Period::from_month_index(m).end());
        let avg_fte = (fte_on(ws) + fte_on(we)) / 2.0;
        all.insert(m, Parts::settled(lost_in(ws, we), avg_fte));
    }
    let mut months = MonthlyParts::new();
    months.insert(ALL.to_string(), all);
    Ok(Series { months, coverage: cov, ..empty })
}

/// Rolling 12 months to each month end: leavers / average headcount x 100.
pub(super) fn turnover_pct(project: &Project, store: &Store, staff: &str, as_of: NaiveDate) -> Result<Series, Error> {
    let key = &project.source(staff).expect("validated").key;
    let empty = Series::none(Aggregation::Snapshot, 100.0, false);
    let cov = store.coverage(staff, as_of)?;
    let Some((first, last)) = cov else { return Ok(empty) };
    let staff_df = latest(store, staff, key, as_of)?
        .select([days(field::START_DATE).alias("start"), days(field::LEAVING_DATE).alias("leave")])
        .collect()?;
    let start = staff_df.column("start")?.i32()?.clone();
    let leave = staff_df.column("leave")?.i32()?.clone();
    let in_post = |day: i32| -> f64 {
        start
            .iter()
            .zip(leave.iter())
            .filter(|(s, l)| s.is_some_and(|s| s <= day) && l.is_none_or(|l| l >= day))
            .count() as f64
    };
    let mut all = BTreeMap::new();
    for m in Period::month_of(first).month_index()..=Period::month_of(last).month_index() {
        let ws = days_since_epoch(Period::from_month_index(m - 11).start());
        let we = days_since_epoch(Period::from_month_index(m).end());
        let leavers = leave.iter().flatten().filter(|l| (ws..=we).contains(l)).count() as f64;
        let avg = (in_post(ws) + in_post(we)) / 2.0;
        all.insert(m, Parts::settled(leavers, avg));
    }
    let mut months = MonthlyParts::new();
    months.insert(ALL.to_string(), all);
    Ok(Series { months, coverage: cov, ..empty })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{monthly, parts, store};
    use crate::testing::project;

    const STAFF: [&str; 4] = ["Employee ID", "FTE", "Start Date", "Leaving Date"];
    const ABSENCE: [&str; 4] = ["Employee Number", "First Day of Absence", "Last Day of Absence", "FTE Days Lost"];

    #[test]
    fn turnover_is_leavers_over_the_average_of_the_heads_in_post_on_the_first_and_last_day() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let staff = vec![
            vec!["E1", "1", "06/01/2020", ""],
            vec!["E2", "1", "06/01/2020", ""],
            vec!["E3", "0.5", "06/01/2020", "30/09/2025"],
            vec!["E4", "1", "01/06/2025", ""], // joined inside the window
        ];
        let store = store(&p, dir.path(), &[("hr_staff", "2026-03-31", &STAFF[..], staff)]);
        let s = monthly(&p, &store, "staff_turnover_pct", "2026-04-10");
        // 1 April 2025: E1-E3 in post (3); 31 March 2026: E1, E2, E4 (3); one leaver.
        assert_eq!(parts(&s, "ALL", "2025/26 M12"), Some((1.0, 3.0)));
        assert!(!s.by_partner, "the partnership employs the staff");
    }

    /// A breakdown (here by team) takes each person's latest version, then their team: one
    /// who moved from A to B and then left is a leaver of B, and no longer in post in A.
    #[test]
    fn a_breakdown_counts_each_person_in_the_team_of_their_latest_version() {
        const HEADER: [&str; 5] = ["Employee ID", "Team", "FTE", "Start Date", "Leaving Date"];
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let january = vec![vec!["E1", "A", "1", "06/01/2020", ""], vec!["E2", "A", "1", "06/01/2020", ""]];
        let march = vec![vec!["E1", "B", "1", "06/01/2020", "15/03/2026"], vec!["E2", "A", "1", "06/01/2020", ""]];
        let store = store(
            &p,
            dir.path(),
            &[("hr_staff", "2026-01-31", &HEADER[..], january), ("hr_staff", "2026-03-31", &HEADER[..], march)],
        );
        let team = |t: &str| {
            store.only(vec![crate::store::Only { source: "hr_staff".into(), column: "team".into(), value: t.into() }])
        };
        // 1 April 2025 and 31 March 2026: in A, E2 both days (E1 is B's now); in B, E1 on the first.
        let a = monthly(&p, &team("A"), "staff_turnover_pct", "2026-04-10");
        assert_eq!(parts(&a, "ALL", "2025/26 M12"), Some((0.0, 1.0)));
        let b = monthly(&p, &team("B"), "staff_turnover_pct", "2026-04-10");
        assert_eq!(parts(&b, "ALL", "2025/26 M12"), Some((1.0, 0.5)));
    }

    #[test]
    fn sickness_counts_an_absence_across_the_window_edge_in_proportion() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let staff = vec![vec!["E1", "1", "06/01/2020", ""], vec!["E2", "1", "06/01/2020", ""]];
        // 10 days lost over 22 March - 10 April 2025 (20 days): 10 of them fall in April.
        let absence = vec![vec!["E1", "22/03/2025", "10/04/2025", "10"], vec!["E2", "01/02/2026", "02/02/2026", "2"]];
        let extracts =
            [("hr_staff", "2026-03-31", &STAFF[..], staff), ("hr_absence", "2026-03-31", &ABSENCE[..], absence)];
        let store = store(&p, dir.path(), &extracts);
        let s = monthly(&p, &store, "sickness_days_per_fte", "2026-04-10");
        let (lost, fte) = parts(&s, "ALL", "2025/26 M12").expect("a figure for March 2026");
        assert!((lost - 7.0).abs() < 1e-9, "10 x 10/20 + 2 = 7, got {lost}");
        assert_eq!(fte, 2.0);
    }
}
