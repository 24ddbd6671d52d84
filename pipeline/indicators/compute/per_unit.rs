//! Per-unit figures (`method = "per_unit"`): one indicator's figures divided by another's,
//! partner by partner and period by period (`docs/indicators.md`, the `per_unit` method).
//! Nothing is read from the store: the inputs are figures already made, so a per-unit
//! figure inherits their notes when one of them is empty, and is empty with a note where the
//! divisor is zero. The last year's figure is divided the same way, for the direction of
//! travel.

use super::super::{figure, IndicatorValue};
use crate::config::{IndicatorDef, Project};
use crate::periods::Period;
use std::collections::BTreeMap;

/// One indicator's values divided by another's, partner by partner and period by period;
/// no value where either is missing or the divisor is zero.
pub fn divide(
    project: &Project,
    def: &IndicatorDef,
    done: &[IndicatorValue],
    numerator: &str,
    denominator: &str,
    scale: f64,
) -> Vec<IndicatorValue> {
    let of = |id: &str| -> BTreeMap<(String, Period), &IndicatorValue> {
        done.iter().filter(|v| v.indicator_id == id).map(|v| ((v.partner_code.clone(), v.period), v)).collect()
    };
    let (num, den) = (of(numerator), of(denominator));
    let ratio = |key: &(String, Period)| match (num.get(key).and_then(|v| v.value), den.get(key).and_then(|v| v.value))
    {
        (Some(n), Some(d)) if d != 0.0 => Some((n / d * scale, n, d)),
        _ => None,
    };
    num.keys()
        .filter(|k| den.contains_key(*k))
        .map(|key| {
            let now = ratio(key);
            let last_year = ratio(&(key.0.clone(), Period { fy: key.1.fy - 1, ..key.1 })).map(|x| x.0);
            let mut v =
                figure(project, def, &key.0, key.1, now.map(|x| x.0), now.map(|x| x.1), now.map(|x| x.2), last_year);
            if v.value.is_none() {
                let inputs: Vec<String> = [num[key], den[key]]
                    .iter()
                    .filter(|x| x.value.is_none())
                    .map(|x| format!("{} is empty ({})", x.indicator_id, x.note.as_deref().unwrap_or("no figure")))
                    .collect();
                v.note = Some(if inputs.is_empty() {
                    format!("{denominator} is zero, so there is nothing to divide by")
                } else {
                    inputs.join("; ")
                });
            }
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::project;

    fn value(id: &str, partner: &str, period: &str, v: Option<f64>, note: Option<&str>) -> IndicatorValue {
        IndicatorValue {
            indicator_id: id.into(),
            partner_code: partner.into(),
            period: Period::parse(period).unwrap(),
            value: v,
            numerator: v,
            denominator: None,
            target: None,
            rag: None,
            last_year: None,
            direction: None,
            note: note.map(str::to_string),
        }
    }

    #[test]
    fn divides_figure_by_figure_and_says_why_a_quotient_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(&dir.path().join("p"));
        let def = p.indicators.iter().find(|d| d.id() == "ctax_cost_per_account").unwrap();
        let done = [
            value("cost", "E07000010", "2025/26 M01", Some(1200.0), None),
            value("accounts", "E07000010", "2025/26 M01", Some(4.0), None),
            value("cost", "E07000010", "2024/25 M01", Some(1000.0), None),
            value("accounts", "E07000010", "2024/25 M01", Some(5.0), None),
            value("cost", "E07000143", "2025/26 M01", Some(900.0), None),
            value("accounts", "E07000143", "2025/26 M01", Some(0.0), None),
            value("cost", "E07000146", "2025/26 M01", None, Some("no budget extract")),
            value("accounts", "E07000146", "2025/26 M01", Some(3.0), None),
        ];
        let out = divide(&p, def, &done, "cost", "accounts", 1.0);
        let at = |partner: &str, period: &str| {
            out.iter().find(|v| v.partner_code == partner && v.period.label() == period).unwrap()
        };
        let fenland = at("E07000010", "2025/26 M01");
        assert_eq!((fenland.value, fenland.numerator, fenland.denominator), (Some(300.0), Some(1200.0), Some(4.0)));
        assert_eq!(fenland.last_year, Some(200.0));
        let zero = at("E07000143", "2025/26 M01");
        assert_eq!(zero.value, None);
        assert_eq!(zero.note.as_deref(), Some("accounts is zero, so there is nothing to divide by"));
        let empty = at("E07000146", "2025/26 M01");
        assert_eq!(empty.note.as_deref(), Some("cost is empty (no budget extract)"));
    }
}
