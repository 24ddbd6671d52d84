//! The `where` of a ratio and its numerator and denominator, as polars expressions over a
//! source's rows, by the type each column is declared with.

use super::days;
use crate::config::{Aggregate, AggregateKind, ColumnType, SourceDef};
use crate::config::{BLANK, NOT_BLANK, PERIOD_YEAR};
use polars::prelude::*;
use std::collections::BTreeMap;

/// The parts of a `ratio` definition.
pub(super) struct RatioSpec<'a> {
    pub(super) date: Option<&'a str>,
    pub(super) filter: &'a BTreeMap<String, String>,
    pub(super) numerator: &'a Aggregate,
    pub(super) denominator: Option<&'a Aggregate>,
}

/// One `where` condition as a polars expression, by the column's type. `fy` is the column
/// holding the period's financial year.
pub(in crate::indicators) fn condition(def: &SourceDef, field: &str, value: &str) -> Expr {
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

pub(super) fn all_of(def: &SourceDef, filter: &BTreeMap<String, String>) -> Expr {
    filter.iter().fold(lit(true), |acc, (f, v)| acc.and(condition(def, f, v)))
}

/// An aggregate as a polars expression over the rows of a group (rows already filtered by
/// the ratio's `where`; the aggregate's own `where` applies here). Counts use `len()` or a
/// per-row condition: a bare literal would count once per group, not once per row.
pub(super) fn aggregate(def: &SourceDef, a: &Aggregate) -> Expr {
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
