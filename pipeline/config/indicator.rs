//! `indicators/*.toml`: what each indicator means, how it is computed and how it is judged.

use super::{ConfigError, SourceDef};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use toml::Spanned;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IndicatorFile {
    pub indicator: Vec<IndicatorDef>,
}

/// One indicator.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDef {
    /// Stable identifier, used in the open-data CSV (`ctax_collection_rate`).
    pub id: Spanned<String>,
    /// Name shown in reports.
    pub name: String,
    /// Balanced-scorecard perspective ("Financial", "Internal management", ...).
    pub perspective: String,
    pub unit: Unit,
    /// Whether higher or lower values are better.
    pub polarity: Polarity,
    /// Decimal places shown in reports (the CSV always has at least two).
    #[serde(default = "default_decimals")]
    pub decimals: u8,
    /// Who answers for it.
    #[serde(default)]
    pub owner: String,
    /// What it measures, in words members read in the definitions appendix.
    pub definition: String,
    /// Where the data comes from, in words.
    pub data_source: String,
    /// A value within this percentage of the target still counts as Green.
    #[serde(default)]
    pub green_tolerance_pct: f64,
    /// A value within this percentage of the target (but outside the green tolerance) is
    /// Amber; further away is Red.
    #[serde(default = "default_amber")]
    pub amber_tolerance_pct: f64,
    /// How it is computed.
    pub method: Spanned<Method>,
    #[serde(skip)]
    pub path: PathBuf,
}

fn default_decimals() -> u8 {
    1
}
fn default_amber() -> f64 {
    5.0
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Percent,
    Days,
    Count,
    Pounds,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Percent => "percent",
            Unit::Days => "days",
            Unit::Count => "count",
            Unit::Pounds => "pounds",
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    Higher,
    Lower,
}

/// The closed set of computations (DOMAIN.md section 4 gives their exact definitions).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Method {
    /// In-year collection rate from a snapshot source: sum of `collected` / sum of `net_debit`
    /// x 100 over accounts of `tax_type` whose liability year is the period's financial year,
    /// from the latest extract inside each month.
    CollectionRate { source: String, tax_type: String },
    /// Mean calendar days (decided - received + 1) over items of `work_type` decided in the period.
    ProcessingDays { source: String, work_type: String },
    /// Rolling 12 months: FTE working days lost / average FTE (partnership only).
    SicknessDaysPerFte { staff_source: String, absence_source: String },
}

impl Method {
    /// The sources this method reads.
    pub fn sources(&self) -> Vec<&str> {
        match self {
            Method::CollectionRate { source, .. } | Method::ProcessingDays { source, .. } => vec![source],
            Method::SicknessDaysPerFte { staff_source, absence_source } => vec![staff_source, absence_source],
        }
    }

    /// The source fields the method needs, by source.
    fn needs(&self) -> Vec<(&str, &'static [&'static str])> {
        match self {
            Method::CollectionRate { source, .. } => {
                vec![(source.as_str(), &["tax_type", "liability_year", "net_debit", "collected"][..])]
            }
            Method::ProcessingDays { source, .. } => {
                vec![(source.as_str(), &["work_type", "date_received", "date_decided"][..])]
            }
            Method::SicknessDaysPerFte { staff_source, absence_source } => vec![
                (staff_source.as_str(), &["employee_id", "fte", "start_date", "leaving_date"][..]),
                (absence_source.as_str(), &["employee_id", "first_day", "last_day", "fte_days_lost"][..]),
            ],
        }
    }
}

impl IndicatorDef {
    pub(super) fn with_path(mut self, p: &Path) -> Self {
        self.path = p.to_path_buf();
        self
    }

    pub fn id(&self) -> &str {
        self.id.get_ref()
    }

    /// Checks the definition; references to sources only when `sources_complete` (every
    /// source file parsed).
    pub(super) fn validate(
        &self,
        sources: &[SourceDef],
        ids: &BTreeSet<&str>,
        sources_complete: bool,
        errors: &mut Vec<ConfigError>,
    ) {
        let at = |span| ConfigError::at_span(&self.path, span, "");
        let mut push = |span: std::ops::Range<usize>, msg: String| {
            let mut e = at(span);
            e.message = format!("indicator `{}`: {msg}", self.id());
            errors.push(e);
        };
        let id = self.id();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            push(self.id.span(), "ids use lower-case letters, digits and underscores".into());
        }
        if self.green_tolerance_pct < 0.0 || self.amber_tolerance_pct < self.green_tolerance_pct {
            push(
                self.id.span(),
                format!(
                    "tolerances must satisfy 0 <= green_tolerance_pct ({}) <= amber_tolerance_pct ({})",
                    self.green_tolerance_pct, self.amber_tolerance_pct
                ),
            );
        }
        for (source, fields) in self.method.get_ref().needs() {
            if !ids.contains(source) {
                if !sources_complete {
                    continue;
                }
                push(self.method.span(), format!("method reads source `{source}`, which no sources/*.toml defines"));
                continue;
            }
            let def = sources.iter().find(|s| s.id() == source).expect("id checked above");
            for f in fields {
                if def.column(f).is_none() {
                    push(
                        self.method.span(),
                        format!(
                            "method needs column `{f}` of source `{source}`, which {} does not define",
                            def.path.display()
                        ),
                    );
                }
            }
        }
        if let Method::CollectionRate { source, tax_type } | Method::ProcessingDays { source, work_type: tax_type } =
            self.method.get_ref()
        {
            let field =
                if matches!(self.method.get_ref(), Method::CollectionRate { .. }) { "tax_type" } else { "work_type" };
            if let Some(col) = sources.iter().find(|s| s.id() == source).and_then(|s| s.column(field)) {
                if !col.values.is_empty() && !col.values.contains_key(tax_type) {
                    push(
                        self.method.span(),
                        format!(
                            "`{tax_type}` is not a value of column `{field}` (expected one of: {})",
                            col.values.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    );
                }
            }
        }
    }
}
