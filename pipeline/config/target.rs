//! `targets.toml`: targets by indicator, optionally by partner, financial year and month.

use super::ConfigError;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// All targets of a project.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    #[serde(default)]
    pub target: Vec<TargetDef>,
    #[serde(skip)]
    pub path: PathBuf,
}

/// One target. The most specific target wins: partner and year, then partner, then year,
/// then the indicator's general target.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetDef {
    pub indicator: Spanned<String>,
    /// A partner code, or `ALL` for the partnership figure; absent means every partner.
    #[serde(default)]
    pub partner: Option<String>,
    /// A financial year such as `2025/26`; absent means every year.
    #[serde(default)]
    pub year: Option<String>,
    /// The target for the year (and for every month unless `monthly` is given).
    pub value: f64,
    /// Profiled targets for M01..M12 (cumulative indicators such as collection rates), used
    /// for months and quarters; the year is judged against `value`.
    #[serde(default)]
    pub monthly: Option<Vec<f64>>,
}

impl Targets {
    pub(super) fn with_path(mut self, p: &Path) -> Self {
        self.path = p.to_path_buf();
        self
    }

    /// Checks every target; references to indicators only when the set of indicators is
    /// complete (every indicator file parsed).
    pub(super) fn validate(
        &self,
        indicators: Option<&BTreeSet<&str>>,
        partners: &BTreeSet<&str>,
        errors: &mut Vec<ConfigError>,
    ) {
        for t in &self.target {
            let mut push = |msg: String| errors.push(ConfigError::at_span(&self.path, t.indicator.span(), &msg));
            let id = t.indicator.get_ref();
            if indicators.is_some_and(|ids| !ids.contains(id.as_str())) {
                push(format!("target for unknown indicator `{id}`"));
            }
            if let Some(p) = &t.partner {
                if p != "ALL" && !partners.contains(p.as_str()) {
                    push(format!("target for `{id}` names partner `{p}`, which scorecard.toml does not list"));
                }
            }
            if let Some(y) = &t.year {
                if crate::periods::parse_financial_year(y).is_none() {
                    push(format!("target for `{id}` has year `{y}`: expected a financial year such as 2025/26"));
                }
            }
            if let Some(m) = &t.monthly {
                if m.len() != 12 {
                    push(format!(
                        "target for `{id}` has {} monthly values: expected 12 (M01 April to M12 March)",
                        m.len()
                    ));
                }
            }
        }
    }

    /// The target value for an indicator, partner, financial year and month (1-12, None for
    /// the whole year).
    pub fn lookup(&self, indicator: &str, partner: &str, fy: i32, month: Option<u32>) -> Option<f64> {
        let fy_matches =
            |t: &TargetDef| t.year.as_deref().is_none_or(|y| crate::periods::parse_financial_year(y) == Some(fy));
        let best = self
            .target
            .iter()
            .filter(|t| t.indicator.get_ref() == indicator)
            .filter(|t| t.partner.as_deref().is_none_or(|p| p == partner))
            .filter(|t| fy_matches(t))
            .max_by_key(|t| (t.partner.is_some() as u8) * 2 + t.year.is_some() as u8)?;
        match (month, &best.monthly) {
            (Some(m), Some(profile)) => profile.get(m as usize - 1).copied(),
            _ => Some(best.value),
        }
    }
}
