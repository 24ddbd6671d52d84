//! Indicators: values, targets and RAG per indicator, partner and period.
//!
//! Takes the project's indicator definitions and targets, the store and the run's as-of date;
//! gives an [`IndicatorValue`] for every indicator, partner (and the partnership, code `ALL`)
//! and every complete month, quarter and financial year the data covers up to the as-of date.
//! Computations run in polars ([`compute`]) exactly as DOMAIN.md section 4 defines them;
//! partnership figures are sums over sums, never means of rates. A period without data gives
//! an empty value, never zero or a carried-forward figure.

pub mod compute;
pub mod rag;

pub use rag::{judge, Rag};

use crate::config::{IndicatorDef, Project};
use crate::periods::{complete_periods, Period, PeriodKind};
use crate::store::Store;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The partner code of partnership-wide figures.
pub const ALL: &str = "ALL";

/// One figure of one indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorValue {
    pub indicator_id: String,
    pub partner_code: String,
    pub period: Period,
    pub value: Option<f64>,
    pub target: Option<f64>,
    pub rag: Option<Rag>,
}

/// Sums of a ratio for one partner and month; ratios of periods are built from them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Parts {
    pub numerator: f64,
    pub denominator: f64,
}

impl Parts {
    pub fn ratio(&self, scale: f64) -> Option<f64> {
        (self.denominator != 0.0).then(|| self.numerator / self.denominator * scale)
    }
}

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
    Polars { id: String, source: polars::error::PolarsError },
}

/// Computes every indicator of the project.
pub fn compute_all(project: &Project, store: &Store, as_of: NaiveDate) -> Result<Vec<IndicatorValue>, IndicatorError> {
    let mut out = Vec::new();
    for def in &project.indicators {
        let series = compute::series(project, def, store, as_of).map_err(|e| match e {
            compute::Error::Store(s) => IndicatorError::Store(s),
            compute::Error::Polars(source) => IndicatorError::Polars { id: def.id().to_string(), source },
        })?;
        out.extend(to_values(project, def, series, as_of));
    }
    Ok(out)
}

/// Turns monthly series into values for every complete period, with targets and RAG.
fn to_values(project: &Project, def: &IndicatorDef, s: compute::Series, as_of: NaiveDate) -> Vec<IndicatorValue> {
    let Some((first, last)) = s.coverage else { return Vec::new() };
    let periods = complete_periods(first, last, as_of);
    let mut partners: Vec<String> =
        if s.by_partner { project.settings.partner.iter().map(|p| p.code.clone()).collect() } else { Vec::new() };
    partners.push(ALL.to_string());
    let mut out = Vec::new();
    for partner in &partners {
        let months = s.months.get(partner.as_str());
        for p in &periods {
            let value = match (&s.aggregation, months) {
                (_, None) => None,
                (compute::Aggregation::Snapshot, Some(m)) => {
                    m.get(&p.last_month().month_index()).and_then(|x| x.ratio(s.scale))
                }
                (compute::Aggregation::Flow, Some(m)) => {
                    let total = p
                        .months()
                        .filter_map(|k| m.get(&Period::month(p.fy, k).month_index()).copied())
                        .fold(None, |acc: Option<Parts>, x| Some(acc.unwrap_or_default() + x));
                    total.and_then(|t| t.ratio(s.scale))
                }
            };
            let month = match p.kind {
                PeriodKind::Year => None,
                _ => Some(*p.months().end()),
            };
            let target = project.targets.lookup(def.id(), partner, p.fy, month);
            let rag = match (value, target) {
                (Some(v), Some(t)) => Some(judge(v, t, def.polarity, def.green_tolerance_pct, def.amber_tolerance_pct)),
                _ => None,
            };
            out.push(IndicatorValue {
                indicator_id: def.id().to_string(),
                partner_code: partner.clone(),
                period: *p,
                value,
                target,
                rag,
            });
        }
    }
    out
}

/// Monthly parts by partner code then month index.
pub type MonthlyParts = BTreeMap<String, BTreeMap<i32, Parts>>;
