//! Flow methods: the latest version of each record (by the source's key), placed in the month
//! of one of its dates (items decided, leavers); a quarter or year adds up its months' items,
//! never averages monthly figures, and the partnership adds up every partner's items.

use super::filter::{aggregate, all_of, RatioSpec};
use super::{collect_parts, days, financial_year, input, latest, month_index, sum_partners, Input};
use super::{Aggregation, Error, Series};
use crate::config::{field, Project};
use crate::periods::days_since_epoch;
use crate::store::Store;
use chrono::NaiveDate;
use polars::prelude::*;

/// Mean calendar days (decided - received + 1) over items of one work type decided in each month.
pub(super) fn processing_days(
    project: &Project,
    store: &Store,
    source: &str,
    work_type: &str,
    as_of: NaiveDate,
) -> Result<Series, Error> {
    let Some(Input { partner, group, empty, key }) = input(project, store, source, Aggregation::Flow, 1.0, as_of)?
    else {
        return Ok(Series::none(Aggregation::Flow, 1.0, true));
    };
    let monthly = latest(store, source, &key, as_of)?
        .filter(
            col(field::WORK_TYPE)
                .eq(lit(work_type))
                .and(col(field::DATE_DECIDED).is_not_null())
                .and(days(field::DATE_DECIDED).lt_eq(lit(days_since_epoch(as_of)))),
        )
        .with_columns([
            month_index(field::DATE_DECIDED).alias("midx"),
            (days(field::DATE_DECIDED) - days(field::DATE_RECEIVED) + lit(1)).cast(DataType::Float64).alias("days"),
        ])
        .group_by(group)
        .agg([col("days").sum().alias("num"), col("days").count().cast(DataType::Float64).alias("den")])
        .collect()?;
    let mut months = collect_parts(&monthly, partner.as_deref())?;
    if partner.is_some() {
        sum_partners(&mut months);
    }
    Ok(Series { months, ..empty })
}

/// A flow `ratio`: the latest version of each record, placed in the month of its `date`, then
/// the conditions, numerator and denominator per partner and month.
pub(super) fn ratio(
    project: &Project,
    store: &Store,
    source: &str,
    spec: &RatioSpec,
    scale: f64,
    as_of: NaiveDate,
) -> Result<Series, Error> {
    let def = project.source(source).expect("validated");
    let Some(Input { partner, group, mut empty, key }) =
        input(project, store, source, Aggregation::Flow, scale, as_of)?
    else {
        return Ok(Series::none(Aggregation::Flow, scale, true));
    };
    empty.count_only = spec.denominator.is_none();
    let den = match spec.denominator {
        Some(d) => aggregate(def, d),
        None => len().cast(DataType::Float64),
    };
    let date = spec.date.unwrap_or_default();
    let monthly = latest(store, source, &key, as_of)?
        .filter(col(date).is_not_null().and(days(date).lt_eq(lit(days_since_epoch(as_of)))))
        .with_columns([month_index(date).alias("midx"), financial_year(date).alias("fy")])
        .filter(all_of(def, spec.filter))
        .group_by(group)
        .agg([aggregate(def, spec.numerator).alias("num"), den.alias("den")])
        .collect()?;
    let mut months = collect_parts(&monthly, partner.as_deref())?;
    if partner.is_some() {
        sum_partners(&mut months);
    }
    Ok(Series { months, ..empty })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{monthly, parts, store};
    use crate::testing::project;

    const HEADER: [&str; 7] = [
        "Council",
        "Claim Reference",
        "Work Type",
        "Date Received",
        "Date Decided",
        "Quality Checked",
        "Found Correct",
    ];

    #[test]
    fn a_flow_ratio_places_the_latest_version_in_its_month_and_sums_partners_apart() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let item = |c, r, decided, qc, ok| vec![c, r, "New Claim", "01/04/2025", decided, qc, ok];
        let extracts = [
            (
                "benefits",
                "2025-04-30",
                &HEADER[..],
                vec![
                    item("Fenland", "F1", "10/04/2025", "Y", "N"),
                    item("Fenland", "F2", "11/04/2025", "Y", "Y"),
                    item("Fenland", "F3", "12/04/2025", "N", ""),
                    item("Breckland", "B1", "", "", ""),
                ],
            ),
            (
                "benefits",
                "2025-05-31",
                &HEADER[..],
                vec![
                    // F1 re-checked and found correct: the later version wins, in April still.
                    item("Fenland", "F1", "10/04/2025", "Y", "Y"),
                    item("Breckland", "B1", "20/05/2025", "Y", "N"),
                ],
            ),
        ];
        let store = store(&p, dir.path(), &extracts);
        let s = monthly(&p, &store, "hb_accuracy_rate", "2025-06-05");
        assert_eq!(parts(&s, "E07000010", "2025/26 M01"), Some((2.0, 2.0)));
        assert_eq!(parts(&s, "E07000143", "2025/26 M02"), Some((0.0, 1.0)));
        assert_eq!(parts(&s, "E07000143", "2025/26 M01"), None, "nothing decided in April");
        assert_eq!(parts(&s, "ALL", "2025/26 M01"), Some((2.0, 2.0)), "items add up whoever decided them");
        assert_eq!(parts(&s, "ALL", "2025/26 M02"), Some((0.0, 1.0)));
    }

    #[test]
    fn processing_days_count_the_day_received_and_the_day_decided() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let item = |r, got, decided| vec!["Fenland", r, "New Claim", got, decided, "", ""];
        let rows = vec![item("F1", "01/04/2025", "01/04/2025"), item("F2", "01/04/2025", "10/04/2025")];
        let store = store(&p, dir.path(), &[("benefits", "2025-04-30", &HEADER[..], rows)]);
        let s = monthly(&p, &store, "hb_new_claims_days", "2025-05-05");
        assert_eq!(parts(&s, "E07000010", "2025/26 M01"), Some((11.0, 2.0)), "1 day and 10 days");
    }
}
