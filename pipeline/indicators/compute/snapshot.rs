//! Snapshot methods: each month's figure from the extract with the latest as-at date inside
//! the month (a month without one has no figure), read from the store's per-extract
//! summaries rather than the rows; the partnership's figure only where every partner has one.

use super::filter::{all_of, RatioSpec};
use super::{add_partnership, collect_parts, financial_year, month_index, partner_codes, Coverage};
use super::{Aggregation, Error, Series};
use crate::config::{field, Aggregate, AggregateKind, Method, PeriodRule, Project, SourceDef};
use crate::store::Store;
use chrono::NaiveDate;
use polars::prelude::*;
use std::collections::BTreeMap;

/// In-year collection rate from a snapshot source.
pub(super) fn collection_rate(
    project: &Project,
    store: &Store,
    source: &str,
    tax_type: &str,
    as_of: NaiveDate,
) -> Result<Series, Error> {
    let partner = project.source(source).and_then(|s| s.partner_field()).map(str::to_string);
    let Some((summary, cov)) = summary_input(store, source, as_of)? else {
        return Ok(Series::none(Aggregation::Snapshot, 100.0, true));
    };
    let mut empty = Series::none(Aggregation::Snapshot, 100.0, partner.is_some());
    empty.coverage = cov;
    let this_year = col(field::TAX_TYPE).eq(lit(tax_type)).and(col(field::LIABILITY_YEAR).eq(col("fy")));
    let sum_of = |name: &str| when(this_year.clone()).then(col(name)).otherwise(lit(0.0)).sum();
    let (num, den) = (sum_of(field::COLLECTED), sum_of(field::NET_DEBIT));
    let monthly = latest_in_month(summary, partner.as_deref(), num, den).collect()?;
    let mut months = collect_parts(&monthly, partner.as_deref())?;
    if partner.is_some() {
        add_partnership(&mut months, &partner_codes(project));
    }
    Ok(Series { months, ..empty })
}

/// A snapshot `ratio`: the conditions and sums run on the summary of each extract.
pub(super) fn ratio(
    project: &Project,
    store: &Store,
    source: &str,
    spec: &RatioSpec,
    scale: f64,
    as_of: NaiveDate,
) -> Result<Series, Error> {
    let def = project.source(source).expect("validated");
    let partner = def.partner_field();
    let Some((summary, coverage)) = summary_input(store, source, as_of)? else {
        return Ok(Series::none(Aggregation::Snapshot, scale, true));
    };
    let rows = all_of(def, spec.filter);
    let num = summary_aggregate(def, spec.numerator, rows.clone());
    let den = match spec.denominator {
        Some(d) => summary_aggregate(def, d, rows),
        None => col("_n").sum(),
    };
    let monthly = latest_in_month(summary, partner, num, den).collect()?;
    let mut months = collect_parts(&monthly, partner)?;
    if partner.is_some() {
        add_partnership(&mut months, &partner_codes(project));
    }
    let mut s = Series::none(Aggregation::Snapshot, scale, partner.is_some());
    s.coverage = coverage;
    s.count_only = spec.denominator.is_none();
    Ok(Series { months, ..s })
}

/// Snapshot sums from the extract with the latest as-at date inside each month (per
/// partner), from the source's summary ([`Store::summary`]: rows already summed per extract
/// and value of every column the conditions read, counted in `_n`), so the conditions run on
/// a few hundred rows rather than millions and no rows are joined. `num` and `den` are
/// written against the summary: counts add up `_n`, sums add up the pre-summed fields.
fn latest_in_month(summary: DataFrame, partner: Option<&str>, num: Expr, den: Expr) -> LazyFrame {
    let mut per_extract = vec![col("as_at"), col("midx")];
    let mut per_month = vec![col("midx")];
    if let Some(p) = partner {
        per_extract.push(col(p));
        per_month.push(col(p));
    }
    summary
        .lazy()
        .with_columns([month_index("as_at").alias("midx"), financial_year("as_at").alias("fy")])
        .group_by(per_extract)
        .agg([num.alias("num"), den.alias("den")])
        .sort(["as_at"], SortMultipleOptions::default().with_maintain_order(true))
        .group_by(per_month)
        .agg([col("num").last(), col("den").last()])
}

/// What the summaries of snapshot sources must keep for every indicator and breakdown of the
/// project: the partner column, the columns conditions read, breakdown columns, and the
/// fields summed.
pub fn plan_summaries(project: &Project, store: &Store) {
    let mut plans: BTreeMap<String, crate::store::Plan> = BTreeMap::new();
    for def in &project.indicators {
        let (source, keys, sums) = match def.method.get_ref() {
            Method::CollectionRate { source, .. } => (
                source.as_str(),
                vec![field::TAX_TYPE.to_string(), field::LIABILITY_YEAR.to_string()],
                vec![field::COLLECTED.to_string(), field::NET_DEBIT.to_string()],
            ),
            Method::Ratio { source, period: PeriodRule::Snapshot, filter, numerator, denominator, .. } => {
                let spec = RatioSpec { date: None, filter, numerator, denominator: denominator.as_deref() };
                let (keys, sums) = snapshot_columns(&spec);
                (source.as_str(), keys, sums)
            }
            _ => continue,
        };
        let plan = plans.entry(source.to_string()).or_default();
        plan.keys.extend(keys);
        plan.keys.extend(def.breakdown.iter().cloned());
        plan.partner = project.source(source).and_then(|s| s.partner_field()).map(str::to_string);
        plan.keys.extend(plan.partner.clone());
        plan.sums.extend(sums);
    }
    for (source, mut plan) in plans {
        plan.keys.sort();
        plan.keys.dedup();
        plan.sums.sort();
        plan.sums.dedup();
        store.plan(&source, plan);
    }
}

/// The summary of a snapshot source, and its coverage.
fn summary_input(store: &Store, source: &str, as_of: NaiveDate) -> Result<Option<(DataFrame, Coverage)>, Error> {
    let Some(summary) = store.summary(source, as_of)? else { return Ok(None) };
    let cov = crate::store::as_at_range(&summary)?;
    Ok(Some((summary, cov)))
}

/// An aggregate over a [`latest_in_month`] summary: counts add up `_n`.
fn summary_aggregate(def: &SourceDef, a: &Aggregate, rows: Expr) -> Expr {
    let cond = if a.filter.is_empty() { rows } else { rows.and(all_of(def, &a.filter)) };
    let value = match a.of {
        AggregateKind::Count => col("_n"),
        AggregateKind::Sum => col(a.field.as_deref().unwrap_or_default()),
        // Not offered for snapshots (validated); counted as rows if it ever is.
        AggregateKind::Days => col("_n"),
    };
    when(cond).then(value).otherwise(lit(0.0)).sum()
}

/// The columns a snapshot ratio's conditions read, and the fields it sums.
fn snapshot_columns(spec: &RatioSpec) -> (Vec<String>, Vec<String>) {
    let mut keys: Vec<String> = spec.filter.keys().cloned().collect();
    let mut sums = Vec::new();
    for a in std::iter::once(spec.numerator).chain(spec.denominator) {
        keys.extend(a.filter.keys().cloned());
        sums.extend(a.field.iter().cloned());
    }
    keys.sort();
    keys.dedup();
    sums.sort();
    sums.dedup();
    (keys, sums)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{monthly, parts, store};
    use crate::testing::project;

    const HEADER: [&str; 7] = [
        "Council",
        "Tax Type",
        "Account Reference",
        "Liability Year",
        "Payment Method",
        "Net Collectable Debit",
        "Amount Collected",
    ];

    #[test]
    fn a_snapshot_ratio_counts_codes_in_the_last_extract_of_each_month_and_needs_every_partner() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let row = |c, r, y, m| vec![c, "Council Tax", r, y, m, "100", "50"];
        let extracts = [
            // Superseded by the later April extract.
            ("revenues", "2025-04-10", &HEADER[..], vec![row("Fenland", "A1", "2025/26", "Cash")]),
            (
                "revenues",
                "2025-04-30",
                &HEADER[..],
                vec![
                    row("Fenland", "A1", "2025/26", "Direct Debit"),
                    row("Fenland", "A2", "2025/26", "D/D"),
                    row("Fenland", "A3", "2025/26", "Cash"),
                    row("Fenland", "A4", "2024/25", "Direct Debit"), // another year's liability
                    row("Breckland", "B1", "2025/26", "Cash"),
                    row("East Suffolk", "C1", "2025/26", "Direct Debit"),
                ],
            ),
            ("revenues", "2025-05-31", &HEADER[..], vec![row("Fenland", "A1", "2025/26", "Direct Debit")]),
        ];
        let store = store(&p, dir.path(), &extracts);
        let s = monthly(&p, &store, "ctax_direct_debit_pct", "2025-06-05");
        assert_eq!(parts(&s, "E07000010", "2025/26 M01"), Some((2.0, 3.0)), "labels matched through the code DD");
        assert_eq!(parts(&s, "E07000143", "2025/26 M01"), Some((0.0, 1.0)));
        assert_eq!(parts(&s, "ALL", "2025/26 M01"), Some((3.0, 5.0)), "sum over sum");
        assert_eq!(parts(&s, "E07000010", "2025/26 M02"), Some((1.0, 1.0)));
        assert_eq!(parts(&s, "E07000143", "2025/26 M02"), None, "no extract in May: no figure");
        assert_eq!(parts(&s, "ALL", "2025/26 M02"), None, "the partnership needs every council's extract");
    }
}
