//! Indicators: values, targets and RAG per indicator, partner and period.
//!
//! Takes the project's indicator definitions and targets, the store and the run's as-of date;
//! gives an [`IndicatorValue`] for every indicator, partner (and the partnership, code `ALL`)
//! and every complete month, quarter and financial year the data covers up to the as-of date.
//! Computations run in polars ([`compute`]) exactly as `docs/indicators.md` defines them;
//! partnership figures are sums over sums, never means of rates. A period without data gives
//! an empty value, never zero or a carried-forward figure.

pub mod compute;
pub mod examples;
pub mod explain;
pub mod rag;

pub use rag::{judge, Rag};

use crate::config::{IndicatorDef, Project};
use crate::periods::{complete_periods, Period, PeriodKind};
use crate::store::Store;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The partner code of partnership-wide figures.
pub use crate::config::ALL;

/// One figure of one indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorValue {
    pub indicator_id: String,
    pub partner_code: String,
    pub period: Period,
    pub value: Option<f64>,
    /// The sums the value is made of (for a count, the numerator alone).
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub target: Option<f64>,
    pub rag: Option<Rag>,
    /// The value of the same period last year, and the direction of travel from it.
    pub last_year: Option<f64>,
    pub direction: Option<Direction>,
    /// Why the value is empty ("no revenues extract from Fenland for 2025/26 M07"); `None`
    /// when there is a value. An empty figure is never left unexplained.
    pub note: Option<String>,
}

/// Direction of travel against the same period last year, by the indicator's polarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Improved,
    Worse,
    NoChange,
    /// A context measure rose (neither better nor worse).
    Up,
    /// A context measure fell.
    Down,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Improved => "improved",
            Direction::Worse => "worse",
            Direction::NoChange => "no change",
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }

    /// From last year's value to this year's: a change within `precision` is no change.
    pub fn of(now: f64, before: f64, polarity: crate::config::Polarity, precision: f64) -> Direction {
        let delta = now - before;
        if delta.abs() <= precision {
            return Direction::NoChange;
        }
        match (polarity, delta > 0.0) {
            (crate::config::Polarity::Context, true) => Direction::Up,
            (crate::config::Polarity::Context, false) => Direction::Down,
            (crate::config::Polarity::Higher, true) | (crate::config::Polarity::Lower, false) => Direction::Improved,
            _ => Direction::Worse,
        }
    }

    /// The direction of travel as a reader sees it: figures equal at the `decimals` shown
    /// are "no change" (97.4565 and 97.4647 are both 97.46); else by the sign of the change.
    pub fn as_shown(now: f64, before: f64, polarity: crate::config::Polarity, decimals: u8) -> Direction {
        let shown = |x: f64| format!("{:.*}", decimals as usize, x);
        if shown(now) == shown(before) {
            return Direction::NoChange;
        }
        Direction::of(now, before, polarity, 0.0)
    }
}

/// Sums of a ratio for one partner and month; ratios of periods are built from them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Parts {
    pub numerator: f64,
    pub denominator: f64,
}

impl Parts {
    /// Sums as computed, settled to a fixed precision (a millionth; a thousandth above a
    /// billion). Polars adds a column's values in parallel, in an order that can change from
    /// run to run, so the last bits of a sum can differ; sums of figures given to a few
    /// decimal places lie far from the rounding points, so settled sums are the same every
    /// run and the same inputs give the same bytes.
    pub fn settled(numerator: f64, denominator: f64) -> Parts {
        Parts { numerator: settle(numerator), denominator: settle(denominator) }
    }

    /// The ratio, or `None` when the denominator is zero or the result is not finite.
    pub fn ratio(&self, scale: f64) -> Option<f64> {
        (self.denominator != 0.0).then(|| self.numerator / self.denominator * scale).filter(|v| v.is_finite())
    }
}

pub use crate::common::settle;

impl std::ops::Add for Parts {
    type Output = Parts;
    fn add(self, o: Parts) -> Parts {
        Parts { numerator: self.numerator + o.numerator, denominator: self.denominator + o.denominator }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IndicatorError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("indicator {id}: {source}")]
    Compute { id: String, source: compute::Error },
}

/// Computes every indicator of the project.
pub fn compute_all(project: &Project, store: &Store, as_of: NaiveDate) -> Result<Vec<IndicatorValue>, IndicatorError> {
    use rayon::prelude::*;
    // Indicators of different sources are computed in parallel; of one source, the first
    // alone (so that each of the source's tables is made once and then shared) and then the
    // rest in parallel. Per-unit figures are made afterwards, in definition order, from the
    // indicators before them.
    let mut by_source: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, def) in project.indicators.iter().enumerate() {
        if def.method.get_ref().derived_from().is_none() {
            by_source.entry(def.method.get_ref().sources().first().copied().unwrap_or_default()).or_default().push(i);
        }
    }
    let groups: Vec<Vec<(usize, Vec<IndicatorValue>)>> = by_source
        .into_values()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|group| {
            let one = |i: usize| compute_one(project, &project.indicators[i], store, as_of).map(|v| (i, v));
            let Some((&first, rest)) = group.split_first() else { return Ok::<_, IndicatorError>(Vec::new()) };
            let first = one(first)?;
            let rest: Vec<_> = rest.par_iter().map(|&i| one(i)).collect::<Result<_, _>>()?;
            Ok(std::iter::once(first).chain(rest).collect::<Vec<_>>())
        })
        .collect::<Result<_, _>>()?;
    let mut computed: Vec<Option<Vec<IndicatorValue>>> = vec![None; project.indicators.len()];
    for (i, values) in groups.into_iter().flatten() {
        computed[i] = Some(values);
    }
    let mut out = Vec::new();
    for (def, values) in project.indicators.iter().zip(computed) {
        // Per-unit figures are divided from the figures already made.
        let values = match (values, def.method.get_ref().derived_from()) {
            (Some(values), _) => values,
            (None, Some((numerator, denominator, scale))) => {
                compute::per_unit::divide(project, def, &out, numerator, denominator, scale)
            }
            (None, None) => Vec::new(),
        };
        out.extend(values);
    }
    // Each indicator is reported at its own frequency (a per-unit figure may be made from
    // another indicator's months first).
    out.retain(|v| {
        project.indicators.iter().find(|d| d.id() == v.indicator_id).is_none_or(|d| d.frequency.reports(v.period.kind))
    });
    Ok(out)
}

/// Distinct values a breakdown shows at most.
pub const MAX_BREAKDOWN_VALUES: usize = 40;

/// One indicator's figures restricted to one value of a breakdown column.
#[derive(Debug, Clone)]
pub struct BreakdownValues {
    pub indicator_id: String,
    pub column: String,
    pub label: String,
    pub values: Vec<IndicatorValue>,
}

/// Every indicator's breakdowns: the indicator recomputed on the rows of each value of each
/// of its `breakdown` columns.
pub fn breakdowns(project: &Project, store: &Store, as_of: NaiveDate) -> Result<Vec<BreakdownValues>, IndicatorError> {
    use rayon::prelude::*;
    compute::plan_summaries(project, store);
    // The values of each source's column, looked up once and on every core.
    let mut asked = Vec::new();
    for def in &project.indicators {
        let sources = def.method.get_ref().sources();
        if let Some(first) = sources.first().copied() {
            asked.extend(def.breakdown.iter().map(|column| (def, sources.clone(), first, column)));
        }
    }
    let columns: std::collections::BTreeSet<(&str, &String)> = asked.iter().map(|(_, _, s, c)| (*s, *c)).collect();
    let labels: BTreeMap<(&str, &String), Vec<String>> = columns
        .into_par_iter()
        .map(|(source, column)| Ok(((source, column), store.distinct(source, column, as_of, MAX_BREAKDOWN_VALUES)?)))
        .collect::<Result<_, crate::store::StoreError>>()?;
    let mut wanted = Vec::new();
    for (def, sources, first, column) in asked {
        for label in &labels[&(first, column)] {
            wanted.push((def, sources.clone(), column, label.clone()));
        }
    }
    wanted
        .into_par_iter()
        .map(|(def, sources, column, label)| {
            let only = sources
                .iter()
                .map(|s| crate::store::Only { source: s.to_string(), column: column.clone(), value: label.clone() })
                .collect();
            let values = compute_one(project, def, &store.only(only), as_of)?;
            Ok(BreakdownValues { indicator_id: def.id().to_string(), column: column.clone(), label, values })
        })
        .collect()
}

/// Computes one indicator for every partner and complete period.
pub fn compute_one(
    project: &Project,
    def: &IndicatorDef,
    store: &Store,
    as_of: NaiveDate,
) -> Result<Vec<IndicatorValue>, IndicatorError> {
    let computed = compute::compute(project, def, store, as_of)
        .map_err(|e| IndicatorError::Compute { id: def.id().to_string(), source: e })?;
    let mut values = match computed {
        compute::Computed::Monthly(series) => to_values(project, def, series, as_of, &store.deliveries()),
        compute::Computed::Returned(rows) => {
            let scale = if def.unit == crate::config::Unit::Percent { 100.0 } else { 1.0 };
            returned_values(project, def, rows, scale)
        }
        compute::Computed::PerUnit { numerator, denominator, scale } => {
            let mut inputs = Vec::new();
            for id in [&numerator, &denominator] {
                if let Some(d) = project.indicators.iter().find(|d| d.id() == id) {
                    inputs.extend(compute_one(project, d, store, as_of)?);
                }
            }
            compute::per_unit::divide(project, def, &inputs, &numerator, &denominator, scale)
        }
    };
    values.retain(|v| def.frequency.reports(v.period.kind));
    Ok(values)
}

/// One figure with its target, RAG and direction of travel from the same period last year.
#[allow(clippy::too_many_arguments)]
fn figure(
    project: &Project,
    def: &IndicatorDef,
    partner: &str,
    period: Period,
    value: Option<f64>,
    numerator: Option<f64>,
    denominator: Option<f64>,
    last_year: Option<f64>,
) -> IndicatorValue {
    let month = match period.kind {
        PeriodKind::Year => None,
        _ => Some(period.last_month().number),
    };
    // A context measure has no target and no RAG status.
    let target = match def.polarity {
        crate::config::Polarity::Context => None,
        _ => project.targets.lookup(def.id(), partner, period.fy, month),
    };
    let rag = match (value, target) {
        (Some(v), Some(t)) => Some(judge(v, t, def.polarity, &def.tolerance())),
        _ => None,
    };
    // Compared as shown, unless the definition gives its own precision.
    let direction = match (value, last_year, def.direction_precision) {
        (Some(v), Some(b), Some(precision)) => Some(Direction::of(v, b, def.polarity, precision)),
        (Some(v), Some(b), None) => Some(Direction::as_shown(v, b, def.polarity, def.decimals)),
        _ => None,
    };
    IndicatorValue {
        indicator_id: def.id().to_string(),
        partner_code: partner.to_string(),
        period,
        value,
        numerator: value.and(numerator),
        denominator: value.and(denominator),
        target,
        rag,
        last_year,
        direction,
        note: None,
    }
}

/// Figures from returned values: as returned per partner and period; for the partnership,
/// the returned partnership row if there is one, else sum of numerators over sum of
/// denominators where every partner returned both.
fn returned_values(
    project: &Project,
    def: &IndicatorDef,
    rows: Vec<compute::Returned>,
    scale: f64,
) -> Vec<IndicatorValue> {
    let mut by: BTreeMap<(String, Period), &compute::Returned> = BTreeMap::new();
    for r in &rows {
        by.insert((r.partner.clone(), r.period), r);
    }
    // Value, numerator and denominator by partner and period.
    type Figures = BTreeMap<(String, Period), (Option<f64>, Option<f64>, Option<f64>)>;
    let mut all: Figures =
        by.iter().map(|((p, per), r)| ((p.clone(), *per), (Some(r.value), r.numerator, r.denominator))).collect();
    let partners: Vec<&str> = project.settings.partner.iter().map(|p| p.code.as_str()).collect();
    let periods: std::collections::BTreeSet<Period> = by.keys().map(|(_, p)| *p).collect();
    for period in periods {
        if partners.len() < 2 || all.contains_key(&(ALL.to_string(), period)) {
            continue;
        }
        let parts: Option<Vec<(f64, f64)>> = partners
            .iter()
            .map(|p| by.get(&(p.to_string(), period)).and_then(|r| Some((r.numerator?, r.denominator?))))
            .collect();
        if let Some(parts) = parts {
            let (n, d) = parts.iter().fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
            all.insert((ALL.to_string(), period), ((d != 0.0).then(|| n / d * scale), Some(n), Some(d)));
        }
    }
    all.iter()
        .map(|((partner, period), (value, n, d))| {
            let last_year = all.get(&(partner.clone(), Period { fy: period.fy - 1, ..*period })).and_then(|x| x.0);
            let mut v = figure(project, def, partner, *period, *value, *n, *d, last_year);
            if v.value.is_none() {
                v.note =
                    Some("the partners' returned denominators add up to zero, so there is nothing to divide by".into());
            }
            v
        })
        .collect()
}

/// The councils' data a figure needs that has not arrived, in words ("no revenues extract
/// from Fenland for 2025/26 M07"): for each source of the indicator, the council's data (every
/// council's, for the partnership; the partnership's own for a source without a partner
/// column) for the period's last month (a snapshot) or each of its months (a flow).
fn gaps(
    project: &Project,
    def: &IndicatorDef,
    deliveries: &crate::store::coverage::Deliveries,
    partner: &str,
    period: &Period,
    aggregation: compute::Aggregation,
) -> Vec<String> {
    let months: Vec<i32> = match aggregation {
        compute::Aggregation::Snapshot => vec![period.last_month().month_index()],
        compute::Aggregation::Flow => period.month_indexes().collect(),
    };
    let mut out = Vec::new();
    for source in def.method.get_ref().sources() {
        let Some(src) = project.source(source) else { continue };
        let whom: Vec<(&str, String)> = match src.partner_field() {
            None => vec![(crate::store::paths::WHOLE, String::new())],
            Some(_) if partner == ALL => {
                project.settings.partner.iter().map(|p| (p.code.as_str(), p.name.clone())).collect()
            }
            Some(_) => vec![(partner, project.partner_name(partner))],
        };
        for (code, name) in whom {
            let missing: Vec<i32> = months.iter().copied().filter(|m| !deliveries.has(source, code, *m)).collect();
            if !missing.is_empty() {
                out.push(crate::store::coverage::no_extract(source, &name, &missing));
            }
        }
    }
    out
}

/// Turns monthly series into values for every complete period, with targets and RAG. A
/// figure whose councils' data has not all arrived (see [`gaps`]) is empty, with a note
/// saying whose is missing; so is its comparison with last year when last year's is.
fn to_values(
    project: &Project,
    def: &IndicatorDef,
    s: compute::Series,
    as_of: NaiveDate,
    deliveries: &crate::store::coverage::Deliveries,
) -> Vec<IndicatorValue> {
    let Some((first, last)) = s.coverage else { return Vec::new() };
    // Flow indicators also get the year to date and the rolling 12 months; for snapshots
    // those would repeat the month's own value.
    let periods = complete_periods(first, last, as_of, s.aggregation == compute::Aggregation::Flow);
    let mut partners: Vec<String> =
        if s.by_partner { project.settings.partner.iter().map(|p| p.code.clone()).collect() } else { Vec::new() };
    partners.push(ALL.to_string());
    let mut out = Vec::new();
    for partner in &partners {
        let months = s.months.get(partner.as_str());
        let parts_of = |p: &Period| -> Option<Parts> {
            let m = months?;
            match s.aggregation {
                compute::Aggregation::Snapshot => m.get(&p.last_month().month_index()).copied(),
                compute::Aggregation::Flow => p
                    .month_indexes()
                    .filter_map(|k| m.get(&k).copied())
                    .fold(None, |acc: Option<Parts>, x| Some(acc.unwrap_or_default() + x)),
            }
        };
        for p in &periods {
            let missing = gaps(project, def, deliveries, partner, p, s.aggregation);
            let parts = if missing.is_empty() { parts_of(p) } else { None };
            let value = parts.as_ref().and_then(|x| s.value_of(x));
            let before = Period { fy: p.fy - 1, ..*p };
            let last_year = if gaps(project, def, deliveries, partner, &before, s.aggregation).is_empty() {
                parts_of(&before).and_then(|x| s.value_of(&x))
            } else {
                None
            };
            let denominator = if s.count_only { None } else { parts.map(|x| x.denominator) };
            let mut v = figure(project, def, partner, *p, value, parts.map(|x| x.numerator), denominator, last_year);
            if v.value.is_none() {
                v.note = Some(if !missing.is_empty() {
                    missing.join("; ")
                } else if parts.is_some() {
                    "the denominator is zero in this period's data, so there is nothing to divide by".to_string()
                } else {
                    "no rows of this period's data match the definition, so there is nothing to divide by".to_string()
                });
            }
            out.push(v);
        }
    }
    out
}

/// Monthly parts by partner code then month index.
pub type MonthlyParts = BTreeMap<String, BTreeMap<i32, Parts>>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{checked, date, project, BENEFITS_HEADER, REVENUES_HEADER};

    fn value(values: &[IndicatorValue], id: &str, partner: &str, period: &str) -> Option<f64> {
        values
            .iter()
            .find(|v| v.indicator_id == id && v.partner_code == partner && v.period.label() == period)
            .unwrap_or_else(|| panic!("no figure for {id} {partner} {period}"))
            .value
    }

    #[test]
    fn collection_rate_is_sum_over_sum_from_the_latest_extract_of_the_month() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let mut store = Store::open(&dir.path().join("store")).unwrap();
        let r = |c: &'static str, t: &'static str, y: &'static str, d: &'static str, col: &'static str| {
            vec![c, t, "X", y, d, col]
        };
        // An earlier April extract is superseded by the later one in the same month.
        let early = vec![r("Breckland", "CTAX", "2025/26", "100", "99")];
        let april = vec![
            r("Breckland", "CTAX", "2025/26", "100", "10"),
            r("Breckland", "CTAX", "2024/25", "100", "0"), // arrears: another year's liability
            r("Breckland", "NNDR", "2025/26", "100", "0"), // business rates
            r("East Suffolk", "CTAX", "2025/26", "100", "30"),
            r("Fenland", "CTAX", "2025/26", "800", "1"),
        ];
        // May: only Breckland's extract arrived.
        let may = vec![r("Breckland", "CTAX", "2025/26", "100", "20")];
        for (d, rows) in [("2025-04-15", &early), ("2025-04-30", &april), ("2025-05-30", &may)] {
            let x = checked(&p, "revenues", date(d), &REVENUES_HEADER, rows);
            store.put(&x, date("2025-06-02")).unwrap();
        }
        let values = compute_all(&p, &store, date("2025-06-02")).unwrap();
        let id = "ctax_collection_rate";
        assert_eq!(value(&values, id, "E07000143", "2025/26 M01"), Some(10.0));
        assert_eq!(value(&values, id, "E07000244", "2025/26 M01"), Some(30.0));
        assert_eq!(value(&values, id, "E07000010", "2025/26 M01"), Some(0.125));
        // Partnership: 41 / 1000, not the mean of the three rates (13.375).
        let all = value(&values, id, ALL, "2025/26 M01").unwrap();
        assert!((all - 4.1).abs() < 1e-12, "{all}");
        assert_eq!(value(&values, id, "E07000143", "2025/26 M02"), Some(20.0));
        assert_eq!(value(&values, id, "E07000010", "2025/26 M02"), None, "no extract, no value");
        assert_eq!(value(&values, id, ALL, "2025/26 M02"), None, "partnership needs every partner");
        assert!(!values.iter().any(|v| v.period.label() == "2025/26 Q1"), "Q1 is not complete on 2 June");
        // Targets and RAG from targets.toml's profile (M01 9.6%, Green within 1%, Amber within 3%).
        let b = values
            .iter()
            .find(|v| v.indicator_id == id && v.partner_code == "E07000143" && v.period.label() == "2025/26 M01")
            .unwrap();
        assert_eq!(b.target, Some(9.6));
        assert_eq!(b.rag, Some(Rag::Green));
        let f = values
            .iter()
            .find(|v| v.indicator_id == id && v.partner_code == "E07000010" && v.period.label() == "2025/26 M01")
            .unwrap();
        assert_eq!(f.rag, Some(Rag::Red));
    }

    #[test]
    fn unit_cost_divides_one_indicator_by_another_per_partner_and_period() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let mut store = Store::open(&dir.path().join("store")).unwrap();
        let d = date("2025-04-30");
        let accounts: Vec<Vec<&str>> = ["CT1000001", "CT1000002", "CT1000003", "CT1000004"]
            .iter()
            .map(|r| vec!["Fenland", "CTAX", *r, "2025/26", "1000", "100"])
            .collect();
        store.put(&checked(&p, "revenues", d, &REVENUES_HEADER, &accounts), d).unwrap();
        let budget = vec![
            vec!["Fenland", "R100", "Council Tax", "1000", "90", "1200"],
            vec!["Fenland", "R200", "Benefits", "5000", "400", "4000"],
        ];
        let header = ["Council", "Cost Centre", "Service", "Annual Budget", "Actual to Date", "Forecast Outturn"];
        store.put(&checked(&p, "budget", d, &header, &budget), d).unwrap();
        let values = compute_all(&p, &store, date("2025-05-10")).unwrap();
        // £1,200 forecast on collecting council tax over 4 accounts: £300 an account.
        assert_eq!(value(&values, "ctax_cost_per_account", "E07000010", "2025/26 M01"), Some(300.0));
        assert_eq!(value(&values, "budget_forecast_pct", "E07000010", "2025/26 M01"), Some(5200.0 / 6000.0 * 100.0));
        // Breckland has no accounts and no budget: no value, never a division by zero.
        assert_eq!(value(&values, "ctax_cost_per_account", "E07000143", "2025/26 M01"), None);
    }

    #[test]
    fn a_quarterly_indicator_reports_quarters_and_years_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = project(&dir.path().join("p"));
        let mut store = Store::open(&dir.path().join("store")).unwrap();
        for (d, c) in [("2025-04-30", "10"), ("2025-05-30", "20"), ("2025-06-30", "30")] {
            let rows = vec![vec!["Fenland", "CTAX", "CT1000001", "2025/26", "100", c]];
            store.put(&checked(&p, "revenues", date(d), &REVENUES_HEADER, &rows), date(d)).unwrap();
        }
        let def = p.indicators.iter_mut().find(|d| d.id() == "ctax_collection_rate").unwrap();
        def.frequency = crate::config::Frequency::Quarterly;
        let values = compute_all(&p, &store, date("2025-07-10")).unwrap();
        let periods: Vec<String> = values
            .iter()
            .filter(|v| v.indicator_id == "ctax_collection_rate" && v.partner_code == "E07000010")
            .map(|v| v.period.label())
            .collect();
        assert_eq!(periods, ["2025/26 Q1"]);
        assert_eq!(value(&values, "ctax_collection_rate", "E07000010", "2025/26 Q1"), Some(30.0));
    }

    #[test]
    fn direction_of_travel_respects_polarity_and_precision() {
        use crate::config::Polarity::{Higher, Lower};
        assert_eq!(Direction::of(97.2, 96.9, Higher, 0.005), Direction::Improved);
        assert_eq!(Direction::of(97.2, 96.9, Lower, 0.005), Direction::Worse);
        assert_eq!(Direction::of(12.0, 14.5, Lower, 0.005), Direction::Improved);
        assert_eq!(Direction::of(97.204, 97.2, Higher, 0.005), Direction::NoChange, "within half a hundredth");
    }

    #[test]
    fn processing_days_use_the_latest_version_and_count_both_ends() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let mut store = Store::open(&dir.path().join("store")).unwrap();
        // Claim A is outstanding in April and decided in May; claim B is decided on the day
        // it arrived (1 day); C is a change of circumstances (another indicator).
        let april = vec![
            vec!["Fenland", "A", "New Claim", "01/04/2025", ""],
            vec!["Fenland", "B", "New Claim", "10/04/2025", "10/04/2025"],
            vec!["Fenland", "C", "Change of Circumstances", "10/04/2025", "11/04/2025"],
        ];
        let may = vec![vec!["Fenland", "A", "New Claim", "01/04/2025", "20/05/2025"]];
        // June's extract has nothing new, but shows the data covers June.
        let june = may.clone();
        for (d, rows) in [("2025-04-30", &april), ("2025-05-30", &may), ("2025-06-30", &june)] {
            let x = checked(&p, "benefits", date(d), &BENEFITS_HEADER, rows);
            assert_eq!(x.rows_rejected, 0, "{:?}", x.checks);
            store.put(&x, date("2025-07-01")).unwrap();
        }
        let values = compute_all(&p, &store, date("2025-07-01")).unwrap();
        let id = "hb_new_claims_days";
        assert_eq!(value(&values, id, "E07000010", "2025/26 M01"), Some(1.0));
        assert_eq!(value(&values, id, "E07000010", "2025/26 M02"), Some(50.0));
        assert_eq!(value(&values, id, "E07000010", "2025/26 M03"), None);
        // The quarter is over all items decided in it: (1 + 50) / 2.
        assert_eq!(value(&values, id, "E07000010", "2025/26 Q1"), Some(25.5));
        // The year to date sums the months so far; a month with no items adds nothing.
        assert_eq!(value(&values, id, "E07000010", "2025/26 M02 YTD"), Some(25.5));
        assert_eq!(value(&values, id, "E07000010", "2025/26 M03 YTD"), Some(25.5));
        assert!(!values.iter().any(|v| v.period.kind == PeriodKind::Rolling12), "12 months of data are needed");
        // The partnership's figure needs every council's extract: only Fenland's arrived.
        let all =
            values.iter().find(|v| v.indicator_id == id && v.partner_code == ALL && v.period.label() == "2025/26 Q1");
        let all = all.unwrap();
        assert_eq!(all.value, None);
        assert_eq!(
            all.note.as_deref(),
            Some("no benefits extract from Breckland for 2025/26 M01-M03; no benefits extract from East Suffolk for 2025/26 M01-M03")
        );
        assert_eq!(value(&values, "hb_change_events_days", "E07000010", "2025/26 M01"), Some(2.0));
        assert_eq!(value(&values, id, "E07000143", "2025/26 Q1"), None, "Breckland has no extract");
        // An empty figure whose councils' data all arrived says there is nothing to divide by.
        let june = values
            .iter()
            .find(|v| v.indicator_id == id && v.partner_code == "E07000010" && v.period.label() == "2025/26 M03")
            .unwrap();
        assert!(june.note.as_deref().unwrap().contains("nothing to divide by"), "{:?}", june.note);
    }
}
