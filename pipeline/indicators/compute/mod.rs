//! The polars computations behind each [`Method`], one file per family of methods, and the one
//! place that picks the family: [`compute`]. Each family gives monthly numerators and
//! denominators by partner ([`Series`]), from which [`super::to_values`] builds every period;
//! returned values come as returned ([`Returned`]), and per-unit figures are divided from
//! other indicators' figures once those are made ([`per_unit::divide`]). The counting rules
//! are those of `docs/indicators.md`.
//!
//! - [`snapshot`]: the latest extract inside each month (collection rates, snapshot ratios).
//! - [`flow`]: the latest version of each record, placed in the month of a date (processing
//!   days, flow ratios).
//! - [`people`]: people in post on a day over rolling twelve months (sickness, turnover).
//! - [`outstanding`]: items open at each month end, from the versions known then.
//! - [`returned`]: values returned as values (KPI returns).
//! - [`per_unit`]: one indicator's figures divided by another's (unit costs).

pub(super) mod filter;
mod flow;
mod outstanding;
mod people;
pub mod per_unit;
mod returned;
mod snapshot;

pub use returned::Returned;
pub use snapshot::plan_summaries;

use super::{MonthlyParts, Parts, ALL};
use crate::config::{IndicatorDef, Method, PeriodRule, Project};
use crate::store::{Store, StoreError};
use chrono::NaiveDate;
use polars::prelude::*;
use std::collections::BTreeMap;

/// How monthly parts combine into quarters and years.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Aggregation {
    /// The period takes the value of its last month (collection rates, rolling figures).
    Snapshot,
    /// The period sums numerators and denominators over its months (processing times).
    Flow,
}

/// The monthly series of one indicator.
#[derive(Debug, Clone)]
pub struct Series {
    pub months: MonthlyParts,
    pub aggregation: Aggregation,
    /// Multiplier of numerator / denominator (100 for percentages).
    pub scale: f64,
    /// Whether values exist per partner or only for the partnership.
    pub by_partner: bool,
    /// First and last as-at dates of the data read (the periods reported lie between).
    pub coverage: Option<(NaiveDate, NaiveDate)>,
    /// The value is the numerator alone (a count or a total), not a ratio.
    pub count_only: bool,
}

/// What computing an indicator gives, by family.
#[derive(Debug)]
pub enum Computed {
    /// Monthly parts, to be built into periods.
    Monthly(Series),
    /// Values returned as values, per partner and period.
    Returned(Vec<Returned>),
    /// Nothing read: the figure is one indicator's figure divided by another's.
    PerUnit { numerator: String, denominator: String, scale: f64 },
}

/// Why an indicator could not be computed (a fault of the store or of polars, never of the
/// data: data faults are findings and empty figures with notes).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Polars(#[from] PolarsError),
}

/// Computes one indicator from the store: the one place that picks the family of its method.
/// The store's summaries are planned for every indicator of the project first (a plan that
/// has not changed keeps the summaries already made).
pub fn compute(project: &Project, def: &IndicatorDef, store: &Store, as_of: NaiveDate) -> Result<Computed, Error> {
    plan_summaries(project, store);
    let monthly = match def.method.get_ref() {
        Method::CollectionRate { source, tax_type } => {
            snapshot::collection_rate(project, store, source, tax_type, as_of)?
        }
        Method::Ratio { source, period: PeriodRule::Snapshot, filter, numerator, denominator, scale, .. } => {
            let spec = filter::RatioSpec { date: None, filter, numerator, denominator: denominator.as_deref() };
            snapshot::ratio(project, store, source, &spec, *scale, as_of)?
        }
        Method::ProcessingDays { source, work_type } => {
            flow::processing_days(project, store, source, work_type, as_of)?
        }
        Method::Ratio { source, period: PeriodRule::Flow, date, filter, numerator, denominator, scale } => {
            let spec =
                filter::RatioSpec { date: date.as_deref(), filter, numerator, denominator: denominator.as_deref() };
            flow::ratio(project, store, source, &spec, *scale, as_of)?
        }
        Method::SicknessDaysPerFte { staff_source, absence_source } => {
            people::sickness_days_per_fte(project, store, staff_source, absence_source, as_of)?
        }
        Method::TurnoverPct { staff_source } => people::turnover_pct(project, store, staff_source, as_of)?,
        Method::OutstandingItems { source, received, decided } => {
            outstanding::outstanding_items(project, store, source, received, decided, as_of)?
        }
        Method::Returned { source, code, period } => {
            return Ok(Computed::Returned(returned::returned(project, store, source, code, *period, as_of)?))
        }
        Method::PerUnit { numerator, denominator, scale } => {
            return Ok(Computed::PerUnit {
                numerator: numerator.clone(),
                denominator: denominator.clone(),
                scale: *scale,
            })
        }
    };
    Ok(Computed::Monthly(monthly))
}

/// Financial month index (fy * 12 + month - 1) of a date column: year * 12 + month - 4.
pub(super) fn month_index(date_col: &str) -> Expr {
    col(date_col).dt().year().cast(DataType::Int32) * lit(12) + col(date_col).dt().month().cast(DataType::Int32)
        - lit(4)
}

/// First year of the financial year of a date column.
pub(in crate::indicators) fn financial_year(date_col: &str) -> Expr {
    let year = col(date_col).dt().year().cast(DataType::Int32);
    when(col(date_col).dt().month().cast(DataType::Int32).gt_eq(lit(4))).then(year.clone()).otherwise(year - lit(1))
}

/// Date column as days since 1970-01-01.
pub(super) fn days(date_col: &str) -> Expr {
    col(date_col).cast(DataType::Int32)
}

/// First and last as-at dates of the data read.
pub(super) type Coverage = Option<(NaiveDate, NaiveDate)>;

/// Reads `(partner, month index, numerator, denominator)` rows into monthly parts.
pub(super) fn collect_parts(df: &DataFrame, partner: Option<&str>) -> Result<MonthlyParts, Error> {
    let midx = df.column("midx")?.cast(&DataType::Int32)?;
    let midx = midx.i32()?;
    let num = df.column("num")?.cast(&DataType::Float64)?;
    let num = num.f64()?;
    let den = df.column("den")?.cast(&DataType::Float64)?;
    let den = den.f64()?;
    let partners = match partner {
        Some(p) => Some(df.column(p)?.str()?.clone()),
        None => None,
    };
    let mut out = MonthlyParts::new();
    for i in 0..df.height() {
        let (Some(m), n, d) = (midx.get(i), num.get(i).unwrap_or(0.0), den.get(i).unwrap_or(0.0)) else { continue };
        let code = partners.as_ref().and_then(|p| p.get(i)).unwrap_or(ALL).to_string();
        *out.entry(code).or_default().entry(m).or_default() = Parts::settled(n, d);
    }
    Ok(out)
}

/// Adds partnership (`ALL`) parts for months where every partner has a value.
pub(super) fn add_partnership(months: &mut MonthlyParts, partners: &[String]) {
    let mut all = BTreeMap::new();
    let Some(first) = partners.first().and_then(|p| months.get(p)) else { return };
    for &m in first.keys() {
        let parts: Option<Vec<Parts>> =
            partners.iter().map(|p| months.get(p).and_then(|x| x.get(&m)).copied()).collect();
        if let Some(parts) = parts {
            all.insert(m, parts.into_iter().fold(Parts::default(), |a, b| a + b));
        }
    }
    months.insert(ALL.to_string(), all);
}

/// Flow: the partnership sums every partner's items, even in a month one partner lacks.
pub(super) fn sum_partners(months: &mut MonthlyParts) {
    let mut all = BTreeMap::<i32, Parts>::new();
    for m in months.values() {
        for (k, v) in m {
            let e = all.entry(*k).or_default();
            *e = *e + *v;
        }
    }
    months.insert(ALL.to_string(), all);
}

/// What a per-partner method starts from: the source's partner column, the grouping (month
/// index, then partner), the series to fill (with the data's coverage) and its record key.
/// Rows are read by the method itself: every version ([`Store::load`]) or the latest
/// ([`Store::latest`]), as it needs.
pub(super) struct Input {
    pub(super) partner: Option<String>,
    pub(super) group: Vec<Expr>,
    pub(super) empty: Series,
    pub(super) key: Vec<String>,
}

impl Series {
    /// The figure of some parts: the ratio, or the numerator alone for counts.
    pub fn value_of(&self, parts: &Parts) -> Option<f64> {
        if self.count_only {
            Some(parts.numerator * self.scale).filter(|v| v.is_finite())
        } else {
            parts.ratio(self.scale)
        }
    }

    pub(super) fn none(aggregation: Aggregation, scale: f64, by_partner: bool) -> Series {
        Series { months: Default::default(), aggregation, scale, by_partner, coverage: None, count_only: false }
    }
}

/// What a method of a source starts from; `None` when the store holds none of it.
pub(super) fn input(
    project: &Project,
    store: &Store,
    source: &str,
    aggregation: Aggregation,
    scale: f64,
    as_of: NaiveDate,
) -> Result<Option<Input>, Error> {
    let def = project.source(source).expect("validated");
    let partner = def.partner_field().map(str::to_string);
    if store.parts(source, as_of).is_empty() {
        return Ok(None);
    }
    let mut empty = Series::none(aggregation, scale, partner.is_some());
    empty.coverage = store.coverage(source, as_of)?;
    let mut group: Vec<Expr> = vec![col("midx")];
    if let Some(p) = &partner {
        group.push(col(p.as_str()));
    }
    Ok(Some(Input { partner, group, empty, key: def.key.clone() }))
}

/// The latest version of every record of a source (every row, for a source without a key).
pub(super) fn latest(store: &Store, source: &str, key: &[String], as_of: NaiveDate) -> Result<LazyFrame, Error> {
    Ok(store.latest(source, as_of, key)?.map(DataFrame::lazy).unwrap_or_else(|| DataFrame::empty().lazy()))
}

pub(super) fn partner_codes(project: &Project) -> Vec<String> {
    project.settings.partner.iter().map(|p| p.code.clone()).collect()
}

/// What the families' unit tests share: a store filled with extracts read by the real ingest
/// and check code, and the monthly parts an indicator of the demo's definitions gives.
#[cfg(test)]
mod testing {
    use super::*;
    use crate::testing::{checked, date};

    /// One extract: source, as-at date, header, rows.
    pub type Extract<'a> = (&'a str, &'a str, &'a [&'a str], Vec<Vec<&'a str>>);

    pub fn store(p: &Project, dir: &std::path::Path, extracts: &[Extract]) -> Store {
        let mut store = Store::open(&dir.join("store")).unwrap();
        for (source, as_at, header, rows) in extracts {
            store.put(&checked(p, source, date(as_at), header, rows), date(as_at)).unwrap();
        }
        store
    }

    /// The monthly series of a shipped indicator.
    pub fn monthly(p: &Project, store: &Store, id: &str, as_of: &str) -> Series {
        let def = p.indicators.iter().find(|d| d.id() == id).expect("shipped indicator");
        match compute(p, def, store, date(as_of)).unwrap() {
            Computed::Monthly(s) => s,
            other => panic!("{id}: not a monthly series: {other:?}"),
        }
    }

    /// Numerator and denominator of a partner's month (`"2025/26 M01"`).
    pub fn parts(s: &Series, partner: &str, month: &str) -> Option<(f64, f64)> {
        let m = crate::periods::Period::parse(month).expect("month label").month_index();
        s.months.get(partner).and_then(|x| x.get(&m)).map(|p| (p.numerator, p.denominator))
    }
}
