//! The polars computations behind each [`Method`]: monthly numerators and denominators by
//! partner, from which [`super::to_values`] builds every period.

use super::{MonthlyParts, Parts, ALL};
use crate::config::{Aggregate, AggregateKind, ColumnType, IndicatorDef, Method, PeriodRule, Project, SourceDef};
use crate::config::{BLANK, NOT_BLANK, PERIOD_YEAR};
use crate::periods::days_since_epoch;
use crate::periods::Period;
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

#[derive(Debug)]
pub enum Error {
    Store(StoreError),
    Polars(PolarsError),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::Store(e)
    }
}
impl From<PolarsError> for Error {
    fn from(e: PolarsError) -> Self {
        Error::Polars(e)
    }
}

/// Computes the monthly series of one indicator from the store.
pub fn series(project: &Project, def: &IndicatorDef, store: &Store, as_of: NaiveDate) -> Result<Series, Error> {
    match def.method.get_ref() {
        Method::CollectionRate { source, tax_type } => collection_rate(project, store, source, tax_type, as_of),
        Method::ProcessingDays { source, work_type } => processing_days(project, store, source, work_type, as_of),
        Method::SicknessDaysPerFte { staff_source, absence_source } => {
            sickness_days_per_fte(project, store, staff_source, absence_source, as_of)
        }
        Method::TurnoverPct { staff_source } => turnover_pct(project, store, staff_source, as_of),
        Method::OutstandingItems { source, received, decided } => {
            outstanding_items(project, store, source, received, decided, as_of)
        }
        Method::Returned { .. } => unreachable!("returned values are read by `returned`"),
        Method::PerUnit { .. } => unreachable!("per-unit values are made from other indicators by `compute_all`"),
        Method::Ratio { source, period, date, filter, numerator, denominator, scale } => {
            let spec = RatioSpec {
                period: *period,
                date: date.as_deref(),
                filter,
                numerator,
                denominator: denominator.as_deref(),
            };
            ratio(project, store, source, &spec, *scale, as_of)
        }
    }
}

/// Financial month index (fy * 12 + month - 1) of a date column: year * 12 + month - 4.
fn month_index(date_col: &str) -> Expr {
    col(date_col).dt().year().cast(DataType::Int32) * lit(12) + col(date_col).dt().month().cast(DataType::Int32)
        - lit(4)
}

/// First year of the financial year of a date column.
fn financial_year(date_col: &str) -> Expr {
    let year = col(date_col).dt().year().cast(DataType::Int32);
    when(col(date_col).dt().month().cast(DataType::Int32).gt_eq(lit(4))).then(year.clone()).otherwise(year - lit(1))
}

/// Date column as days since 1970-01-01.
fn days(date_col: &str) -> Expr {
    col(date_col).cast(DataType::Int32)
}

/// Latest version of every record: the row from the extract with the latest as-at date.
fn latest_versions(df: DataFrame, key: &[String]) -> LazyFrame {
    df.lazy()
        .sort(["as_at"], SortMultipleOptions::default().with_maintain_order(true))
        .unique_stable_generic(Some(key.iter().map(|k| col(k.as_str())).collect()), UniqueKeepStrategy::Last)
}

fn coverage(df: &DataFrame) -> Result<Option<(NaiveDate, NaiveDate)>, Error> {
    let days = df.column("as_at")?.cast(&DataType::Int32)?;
    let days = days.i32()?;
    Ok(match (days.min(), days.max()) {
        (Some(a), Some(b)) => Some((crate::periods::date_from_days(a), crate::periods::date_from_days(b))),
        _ => None,
    })
}

/// Reads `(partner, month index, numerator, denominator)` rows into monthly parts.
fn collect_parts(df: &DataFrame, partner: Option<&str>) -> Result<MonthlyParts, Error> {
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
fn add_partnership(months: &mut MonthlyParts, partners: &[String]) {
    let mut all = std::collections::BTreeMap::new();
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

/// What a per-partner method starts from: the source's rows up to the as-of date, its
/// partner column, the grouping (month index, then partner) and the series to fill.
struct Input {
    df: DataFrame,
    partner: Option<String>,
    group: Vec<Expr>,
    empty: Series,
    key: Vec<String>,
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

    fn none(aggregation: Aggregation, scale: f64, by_partner: bool) -> Series {
        Series { months: Default::default(), aggregation, scale, by_partner, coverage: None, count_only: false }
    }
}

/// Loads a source for a method; `None` when the store holds none of it.
fn input(
    project: &Project,
    store: &Store,
    source: &str,
    aggregation: Aggregation,
    scale: f64,
    as_of: NaiveDate,
) -> Result<Option<Input>, Error> {
    let def = project.source(source).expect("validated");
    let partner = def.partner_field().map(str::to_string);
    let Some(df) = store.load(source, as_of)? else { return Ok(None) };
    let mut empty = Series::none(aggregation, scale, partner.is_some());
    empty.coverage = coverage(&df)?;
    let mut group: Vec<Expr> = vec![col("midx")];
    if let Some(p) = &partner {
        group.push(col(p.as_str()));
    }
    Ok(Some(Input { df, partner, group, empty, key: def.key.clone() }))
}

fn partner_codes(project: &Project) -> Vec<String> {
    project.settings.partner.iter().map(|p| p.code.clone()).collect()
}

/// In-year collection rate from a snapshot source.
fn collection_rate(
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
    let this_year = col("tax_type").eq(lit(tax_type)).and(col("liability_year").eq(col("fy")));
    let sum_of = |field: &str| when(this_year.clone()).then(col(field)).otherwise(lit(0.0)).sum();
    let monthly = latest_in_month(summary, partner.as_deref(), sum_of("collected"), sum_of("net_debit")).collect()?;
    let mut months = collect_parts(&monthly, partner.as_deref())?;
    if partner.is_some() {
        add_partnership(&mut months, &partner_codes(project));
    }
    Ok(Series { months, ..empty })
}

/// Mean calendar days (decided - received + 1) over items of one work type decided in each month.
fn processing_days(
    project: &Project,
    store: &Store,
    source: &str,
    work_type: &str,
    as_of: NaiveDate,
) -> Result<Series, Error> {
    let Some(Input { df, partner, group, empty, key }) = input(project, store, source, Aggregation::Flow, 1.0, as_of)?
    else {
        return Ok(Series::none(Aggregation::Flow, 1.0, true));
    };
    drop(df);
    let monthly = store
        .latest(source, as_of, &key)?
        .map(|d| d.lazy())
        .unwrap_or_else(|| DataFrame::empty().lazy())
        .filter(
            col("work_type")
                .eq(lit(work_type))
                .and(col("date_decided").is_not_null())
                .and(days("date_decided").lt_eq(lit(days_since_epoch(as_of)))),
        )
        .with_columns([
            month_index("date_decided").alias("midx"),
            (days("date_decided") - days("date_received") + lit(1)).cast(DataType::Float64).alias("days"),
        ])
        .group_by(group)
        .agg([col("days").sum().alias("num"), col("days").count().cast(DataType::Float64).alias("den")])
        .collect()?;
    let mut months = collect_parts(&monthly, partner.as_deref())?;
    if partner.is_some() {
        // Flow: the partnership sums every partner's items, even in a month one partner lacks.
        let mut all = std::collections::BTreeMap::<i32, Parts>::new();
        for m in months.values() {
            for (k, v) in m {
                let e = all.entry(*k).or_default();
                *e = *e + *v;
            }
        }
        months.insert(ALL.to_string(), all);
    }
    Ok(Series { months, ..empty })
}

/// Rolling 12 months to each month end: FTE days lost to sickness / average FTE.
fn sickness_days_per_fte(
    project: &Project,
    store: &Store,
    staff: &str,
    absence: &str,
    as_of: NaiveDate,
) -> Result<Series, Error> {
    let staff_def = project.source(staff).expect("validated");
    let absence_def = project.source(absence).expect("validated");
    let empty = Series::none(Aggregation::Snapshot, 1.0, false);
    let (Some(staff_df), Some(absence_df)) = (store.load(staff, as_of)?, store.load(absence, as_of)?) else {
        return Ok(empty);
    };
    let cov = coverage(&absence_df)?;
    let Some((first, last)) = cov else { return Ok(empty) };
    let staff_lf = latest_versions(staff_df, &staff_def.key)
        .select([col("fte"), days("start_date").alias("start"), days("leaving_date").alias("leave")])
        .collect()?
        .lazy();
    // An ongoing absence (no last day) runs to its extract's as-at date.
    let absence_lf = latest_versions(absence_df, &absence_def.key)
        .select([
            col("fte_days_lost"),
            days("first_day").alias("first"),
            when(col("last_day").is_null()).then(days("as_at")).otherwise(days("last_day")).alias("last"),
        ])
        .collect()?
        .lazy();
    let fte_on = |day: i32| -> Result<f64, Error> {
        let df = staff_lf
            .clone()
            .filter(col("start").lt_eq(lit(day)).and(col("leave").is_null().or(col("leave").gt_eq(lit(day)))))
            .select([col("fte").sum()])
            .collect()?;
        Ok(df.column("fte")?.f64()?.get(0).unwrap_or(0.0))
    };
    let mut all = std::collections::BTreeMap::new();
    let lo = Period::month_of(first).month_index();
    let hi = Period::month_of(last).month_index();
    for m in lo..=hi {
        let end = Period::from_month_index(m);
        let ws = days_since_epoch(Period::from_month_index(m - 11).start());
        let we = days_since_epoch(end.end());
        let overlap_start = when(col("first").gt(lit(ws))).then(col("first")).otherwise(lit(ws));
        let overlap_end = when(col("last").lt(lit(we))).then(col("last")).otherwise(lit(we));
        let inside = (overlap_end - overlap_start + lit(1)).cast(DataType::Float64);
        let length = (col("last") - col("first") + lit(1)).cast(DataType::Float64);
        let lost = absence_lf
            .clone()
            .filter(col("first").lt_eq(lit(we)).and(col("last").gt_eq(lit(ws))).and(col("last").gt_eq(col("first"))))
            .select([(col("fte_days_lost") * inside / length).sum().alias("lost")])
            .collect()?;
        let lost = lost.column("lost")?.f64()?.get(0).unwrap_or(0.0);
        let avg_fte = (fte_on(ws)? + fte_on(we)?) / 2.0;
        all.insert(m, Parts::settled(lost, avg_fte));
    }
    let mut months = MonthlyParts::new();
    months.insert(ALL.to_string(), all);
    Ok(Series { months, coverage: cov, ..empty })
}

/// The parts of a `ratio` definition.
struct RatioSpec<'a> {
    period: PeriodRule,
    date: Option<&'a str>,
    filter: &'a BTreeMap<String, String>,
    numerator: &'a Aggregate,
    denominator: Option<&'a Aggregate>,
}

/// One `where` condition as a polars expression, by the column's type. `fy` is the column
/// holding the period's financial year.
fn condition(def: &SourceDef, field: &str, value: &str) -> Expr {
    let c = col(field);
    match value {
        BLANK => return c.is_null(),
        NOT_BLANK => return c.is_not_null(),
        _ => {}
    }
    match def.column(field).map(|c| c.kind) {
        Some(ColumnType::YesNo) => {
            let yes = matches!(value.trim().to_ascii_lowercase().as_str(), "y" | "yes" | "true" | "1");
            c.eq(lit(yes))
        }
        Some(ColumnType::FinancialYear) if value == PERIOD_YEAR => c.eq(col("fy")),
        Some(ColumnType::FinancialYear) => c.eq(lit(crate::periods::parse_financial_year(value).unwrap_or(i32::MIN))),
        Some(ColumnType::Money | ColumnType::Number | ColumnType::Percent) => {
            c.eq(lit(value.trim().parse::<f64>().unwrap_or(f64::NAN)))
        }
        Some(ColumnType::Code) => {
            let canon = def.column(field).and_then(|c| c.canonical_value(value)).unwrap_or(value);
            c.eq(lit(canon.to_string()))
        }
        _ => c.eq(lit(value.to_string())),
    }
}

fn all_of(def: &SourceDef, filter: &BTreeMap<String, String>) -> Expr {
    filter.iter().fold(lit(true), |acc, (f, v)| acc.and(condition(def, f, v)))
}

/// An aggregate as a polars expression over the rows of a group (rows already filtered by
/// the ratio's `where`; the aggregate's own `where` applies here). Counts use `len()` or a
/// per-row condition: a bare literal would count once per group, not once per row.
fn aggregate(def: &SourceDef, a: &Aggregate) -> Expr {
    let cond = (!a.filter.is_empty()).then(|| all_of(def, &a.filter));
    let value = match a.of {
        AggregateKind::Count => {
            return match cond {
                None => len().cast(DataType::Float64),
                Some(c) => c.cast(DataType::Float64).sum(),
            }
        }
        AggregateKind::Sum => col(a.field.as_deref().unwrap_or_default()).cast(DataType::Float64),
        AggregateKind::Days => {
            (days(a.to.as_deref().unwrap_or_default()) - days(a.from.as_deref().unwrap_or_default()) + lit(1))
                .cast(DataType::Float64)
        }
    };
    match cond {
        None => value.sum(),
        Some(c) => when(c).then(value).otherwise(lit(0.0)).sum(),
    }
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
                vec!["tax_type".to_string(), "liability_year".to_string()],
                vec!["collected".to_string(), "net_debit".to_string()],
            ),
            Method::Ratio { source, period: PeriodRule::Snapshot, filter, numerator, denominator, .. } => {
                let spec = RatioSpec {
                    period: PeriodRule::Snapshot,
                    date: None,
                    filter,
                    numerator,
                    denominator: denominator.as_deref(),
                };
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

/// First and last as-at dates of the data read.
type Coverage = Option<(NaiveDate, NaiveDate)>;

/// The summary of a snapshot source, and its coverage.
fn summary_input(store: &Store, source: &str, as_of: NaiveDate) -> Result<Option<(DataFrame, Coverage)>, Error> {
    let Some(summary) = store.summary(source, as_of)? else { return Ok(None) };
    let cov = coverage(&summary)?;
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

/// A general ratio: filters, then numerator and denominator per partner and month.
fn ratio(
    project: &Project,
    store: &Store,
    source: &str,
    spec: &RatioSpec,
    scale: f64,
    as_of: NaiveDate,
) -> Result<Series, Error> {
    let def = project.source(source).expect("validated");
    let aggregation = match spec.period {
        PeriodRule::Snapshot => Aggregation::Snapshot,
        PeriodRule::Flow => Aggregation::Flow,
    };
    if spec.period == PeriodRule::Snapshot {
        let partner = def.partner_field();
        let Some((summary, coverage)) = summary_input(store, source, as_of)? else {
            return Ok(Series::none(aggregation, scale, true));
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
        let mut s = Series::none(aggregation, scale, partner.is_some());
        s.coverage = coverage;
        s.count_only = spec.denominator.is_none();
        return Ok(Series { months, ..s });
    }
    let Some(Input { df, partner, group, mut empty, key }) = input(project, store, source, aggregation, scale, as_of)?
    else {
        return Ok(Series::none(aggregation, scale, true));
    };
    empty.count_only = spec.denominator.is_none();
    let den = match spec.denominator {
        Some(d) => aggregate(def, d),
        None => len().cast(DataType::Float64),
    };
    // Flow: the latest version of each record, placed in the month of its date.
    let monthly = {
        let date = spec.date.unwrap_or_default();
        let versions = if key.is_empty() {
            df.lazy()
        } else {
            store.latest(source, as_of, &key)?.map(|d| d.lazy()).unwrap_or_else(|| df.lazy())
        };
        versions
            .filter(col(date).is_not_null().and(days(date).lt_eq(lit(days_since_epoch(as_of)))))
            .with_columns([month_index(date).alias("midx"), financial_year(date).alias("fy")])
            .filter(all_of(def, spec.filter))
            .group_by(group)
            .agg([aggregate(def, spec.numerator).alias("num"), den.alias("den")])
            .collect()?
    };
    let mut months = collect_parts(&monthly, partner.as_deref())?;
    if partner.is_some() {
        sum_partners(&mut months);
    }
    Ok(Series { months, ..empty })
}

/// Flow: the partnership sums every partner's items, even in a month one partner lacks.
fn sum_partners(months: &mut MonthlyParts) {
    let mut all = BTreeMap::<i32, Parts>::new();
    for m in months.values() {
        for (k, v) in m {
            let e = all.entry(*k).or_default();
            *e = *e + *v;
        }
    }
    months.insert(ALL.to_string(), all);
}

/// Items received on or before each month end and not decided by it, from the versions
/// known at that month end.
fn outstanding_items(
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
    let mut cols: Vec<Expr> = key.iter().map(|k| col(k.as_str()).cast(DataType::String)).collect();
    cols.extend([days("as_at").alias("_as_at"), days(received).alias("_received"), days(decided).alias("_decided")]);
    if let Some(p) = &partner {
        cols.push(col(p.as_str()).cast(DataType::String).alias("_partner"));
    }
    let mut rows = df.lazy().select(cols).collect()?;
    let in_order = rows.column("_as_at")?.i32()?.iter().flatten().is_sorted();
    if !in_order {
        rows = rows.sort(["_as_at"], SortMultipleOptions::default().with_maintain_order(true))?;
    }
    rows.rechunk_mut();
    let int = |name: &str| -> Result<Vec<Option<i32>>, Error> { Ok(rows.column(name)?.i32()?.iter().collect()) };
    let (as_at, got, done) = (int("_as_at")?, int("_received")?, int("_decided")?);
    let who: Option<Vec<Option<&str>>> = match &partner {
        Some(_) => Some(rows.column("_partner")?.str()?.iter().collect()),
        None => None,
    };
    // Month indexes of the days seen, worked out once each (a table of every day between
    // the first and the last, unless a stray date makes that longer than a century).
    let month_of = |d: i32| Period::month_of(crate::periods::date_from_days(d)).month_index();
    let lo_day = [&as_at, &got, &done].iter().flat_map(|v| v.iter().flatten()).min().copied().unwrap_or(0);
    let hi_day = [&as_at, &got, &done].iter().flat_map(|v| v.iter().flatten()).max().copied().unwrap_or(0);
    let months_of: Vec<i32> =
        if hi_day - lo_day <= 36_525 { (lo_day..=hi_day).map(month_of).collect() } else { Vec::new() };
    let month =
        |d: Option<i32>| d.map(|d| months_of.get((d - lo_day) as usize).copied().unwrap_or_else(|| month_of(d)));
    let span = (hi_month - lo_month + 2) as usize;
    let mut change: Vec<(&str, Vec<i64>)> = Vec::new();
    // The month of each row's next version: the next row of the same item (rows are in
    // as-at order, and polars' groups list each item's rows in row order).
    let mut next_month: Vec<Option<i32>> = vec![None; rows.height()];
    let mut link = |idx: &[IdxSize]| {
        for w in idx.windows(2) {
            next_month[w[0] as usize] = month(as_at[w[1] as usize]);
        }
    };
    if key.is_empty() {
        // Without a key every row is a version of one item.
        link(&(0..rows.height() as IdxSize).collect::<Vec<_>>());
    }
    let groups = if key.is_empty() { None } else { Some(rows.group_by(key.iter().map(String::as_str))?) };
    for g in groups.iter().flat_map(|g| g.get_groups().iter()) {
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
    for i in 0..rows.height() {
        let Some(a) = month(as_at[i]) else { continue };
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
    let mut whom: Vec<String> = if partner.is_some() { codes.clone() } else { vec![ALL.to_string()] };
    whom.extend(change.keys().filter(|k| !codes.contains(k) && k.as_str() != ALL).cloned());
    if partner.is_none() {
        whom.dedup();
    }
    let mut months = MonthlyParts::new();
    for code in whom {
        // Every partner counts zero in a month none of its items is open.
        let mut open = 0i64;
        let c = change.get(&code);
        let series = months.entry(code.clone()).or_default();
        for m in lo_month..=hi_month {
            open += c.map_or(0, |c| c[(m - lo_month) as usize]);
            series.insert(m, Parts { numerator: open as f64, denominator: 1.0 });
        }
    }
    if partner.is_some() {
        add_partnership(&mut months, &codes);
    }
    Ok(Series { months, count_only: true, ..empty })
}

/// Rolling 12 months to each month end: leavers / average headcount x 100.
fn turnover_pct(project: &Project, store: &Store, staff: &str, as_of: NaiveDate) -> Result<Series, Error> {
    let def = project.source(staff).expect("validated");
    let empty = Series::none(Aggregation::Snapshot, 100.0, false);
    let Some(df) = store.load(staff, as_of)? else { return Ok(empty) };
    let cov = coverage(&df)?;
    let Some((first, last)) = cov else { return Ok(empty) };
    let staff_df = latest_versions(df, &def.key)
        .select([days("start_date").alias("start"), days("leaving_date").alias("leave")])
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
    let (codes, partners, periods) = (text("indicator")?, text("partner")?, text("period")?);
    let (values, nums, dens) = (number("value")?, number("numerator")?, number("denominator")?);
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
