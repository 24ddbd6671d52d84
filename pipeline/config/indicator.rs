//! `indicators/*.toml`: what each indicator means, how it is computed and how it is judged.

use super::{ConfigError, SourceDef};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
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
    /// The scorecard goal the indicator measures, under its perspective (Charnwood's
    /// "AIM | SCORECARD GOAL | MEASURE"); optional.
    #[serde(default)]
    pub goal: String,
    pub unit: Unit,
    /// Whether higher or lower values are better.
    pub polarity: Polarity,
    /// How often the indicator is reported: `monthly` (default: months, quarters, years),
    /// `quarterly` (quarters and years) or `annual` (years).
    #[serde(default)]
    pub frequency: Frequency,
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
    /// Absolute tolerances, in the indicator's own units, instead of the percentages: a value
    /// within `green_within` of the target is Green, within `amber_within` Amber.
    pub green_within: Option<f64>,
    pub amber_within: Option<f64>,
    /// Beating the target by more than this percentage of it (or `blue_beyond`, in units)
    /// is Blue: exceeding the target.
    pub blue_beyond_pct: Option<f64>,
    pub blue_beyond: Option<f64>,
    /// A change from the same period last year within this much is "no change" (default:
    /// the two figures are compared as shown, at the indicator's decimals, so 97.46% against
    /// 97.46% is "no change" whatever lies beyond the last decimal).
    pub direction_precision: Option<f64>,
    /// The figure adds up through the financial year (an in-year collection rate): its
    /// charts draw this year against last year by month, with the profiled target, instead
    /// of a saw-tooth over quarters.
    #[serde(default)]
    pub cumulative: bool,
    /// How it is computed.
    pub method: Spanned<Method>,
    /// Columns of its source(s) to break the latest figures down by (team, work type, ward).
    #[serde(default)]
    pub breakdown: Vec<String>,
    /// Worked examples that prove the definition (`scorecard test`).
    #[serde(default)]
    pub example: Vec<Example>,
    #[serde(skip)]
    pub path: PathBuf,
}

/// A worked example: a few rows of each source, and the values the indicator must give.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// What the example shows, in words (`a claim decided the day it arrives counts 1 day`).
    pub name: Spanned<String>,
    /// The run date (default: the day after the last extract's month ends).
    pub as_of: Option<toml::value::Datetime>,
    /// The councils of the example's partnership, by name or code (default: those its rows
    /// and expectations name). A partnership figure needs every one of them; a name that is
    /// not one of the project's partners stands in for a council of its own, so an example
    /// proves its definition in any partnership.
    #[serde(default)]
    pub partners: Vec<String>,
    pub given: Vec<Given>,
    pub expect: Vec<Expect>,
}

/// One extract of an example: its source, as-at date and rows (field = value, values written
/// as they would be in the extract).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Given {
    pub source: String,
    pub as_at: toml::value::Datetime,
    pub rows: Vec<BTreeMap<String, toml::Value>>,
}

/// One expected figure: partner (code, name or `ALL`), period label, and the value (left
/// out, with `no_value = true`, when the indicator must give no value).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub partner: String,
    pub period: String,
    pub value: Option<f64>,
    #[serde(default)]
    pub no_value: bool,
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
    /// A context measure (caseload received, tax base): reported with its trend (up, down,
    /// no change), never judged better or worse, never given a target or a RAG status, and
    /// not ranked among comparators.
    Context,
}

/// The fields the built-in methods read, by the names a source definition gives its columns
/// (`field = "net_debit"`). Declared once: `validate` checks a project's sources against
/// [`Method::needs`], and the computations read the same names.
pub mod field {
    pub const TAX_TYPE: &str = "tax_type";
    pub const LIABILITY_YEAR: &str = "liability_year";
    pub const NET_DEBIT: &str = "net_debit";
    pub const COLLECTED: &str = "collected";
    pub const WORK_TYPE: &str = "work_type";
    pub const DATE_RECEIVED: &str = "date_received";
    pub const DATE_DECIDED: &str = "date_decided";
    pub const EMPLOYEE_ID: &str = "employee_id";
    pub const FTE: &str = "fte";
    pub const START_DATE: &str = "start_date";
    pub const LEAVING_DATE: &str = "leaving_date";
    pub const FIRST_DAY: &str = "first_day";
    pub const LAST_DAY: &str = "last_day";
    pub const FTE_DAYS_LOST: &str = "fte_days_lost";
    /// Returned values: the indicator's code, the value, and (optional) its period, partner,
    /// numerator and denominator.
    pub const INDICATOR: &str = "indicator";
    pub const VALUE: &str = "value";
    pub const PERIOD: &str = "period";
    pub const PARTNER: &str = "partner";
    pub const NUMERATOR: &str = "numerator";
    pub const DENOMINATOR: &str = "denominator";
}

/// How an indicator is computed. `ratio` is the general form (filters, counts, sums and
/// day counts over a source, snapshot or flow); the others are the `docs/indicators.md`
/// definitions that need a rule of their own (people in post on a day, versions known at a
/// period end).
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
    /// Rolling 12 months: leavers / average headcount x 100 (partnership only).
    TurnoverPct { staff_source: String },
    /// Items received on or before each period end and not decided by it, counted from the
    /// versions known at that period end (extracts as at on or before it).
    OutstandingItems {
        source: String,
        #[serde(default = "default_received")]
        received: String,
        #[serde(default = "default_decided")]
        decided: String,
    },
    /// One indicator's value divided by another's, for the same partner and period, times
    /// `scale` (unit costs: the cost of collecting council tax per chargeable account). Both
    /// must be defined before this one.
    PerUnit {
        numerator: String,
        denominator: String,
        #[serde(default = "one")]
        scale: f64,
    },
    /// A value returned as a value (a KPI return, a survey result): the `value` of the rows of
    /// a returns `source` whose `indicator` column is `code`, per partner and period. Without a
    /// period column, each row's period is the one `period` names, ended last before its
    /// extract's as-at date.
    Returned {
        source: String,
        code: String,
        #[serde(default)]
        period: ReturnedPeriod,
    },
    /// Numerator / denominator x `scale` (or the numerator alone, without a denominator) over
    /// the rows of `source` that pass `where`, per partner and month:
    /// `period = "snapshot"`: the latest extract inside each month (accounts, caseloads);
    /// `period = "flow"`: the latest version of each record, placed in the month of its
    /// `date` field (items decided, leavers).
    Ratio {
        source: String,
        period: PeriodRule,
        /// For `flow`: the date field that places a record in a month.
        date: Option<String>,
        /// Conditions every row must meet: `field = "value"`.
        #[serde(default, rename = "where")]
        filter: BTreeMap<String, String>,
        numerator: Box<Aggregate>,
        denominator: Option<Box<Aggregate>>,
        #[serde(default = "one")]
        scale: f64,
    },
}

impl Method {
    /// What a figure's denominator counts, in words, where it counts something a reader
    /// can size a group by: items or rows (a number), or money (a sum of pounds). `None`
    /// where the denominator is not a count or there is none.
    pub fn base(&self) -> Option<(&'static str, bool)> {
        match self {
            Method::CollectionRate { .. } => Some(("Net collectable debit", true)),
            Method::ProcessingDays { .. } => Some(("Items decided", false)),
            Method::Ratio { denominator: Some(d), .. } if d.of == AggregateKind::Count => {
                Some(("Items counted", false))
            }
            _ => None,
        }
    }
}

fn default_received() -> String {
    field::DATE_RECEIVED.into()
}
fn default_decided() -> String {
    field::DATE_DECIDED.into()
}
fn one() -> f64 {
    1.0
}

/// Where a returned value's period comes from.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReturnedPeriod {
    /// The source's `period` column (`2025/26 Q2`, `2025/26 M07`, `2025/26`).
    #[default]
    Column,
    /// The quarter that ended last before the extract's as-at date.
    QuarterBeforeAsAt,
    /// The month that ended last before the as-at date.
    MonthBeforeAsAt,
    /// The financial year that ended last before the as-at date.
    YearBeforeAsAt,
}

/// How often an indicator is reported.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    #[default]
    Monthly,
    Quarterly,
    Annual,
}

impl Frequency {
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Monthly => "Monthly",
            Frequency::Quarterly => "Quarterly",
            Frequency::Annual => "Annual",
        }
    }

    /// Whether a period of this kind is reported at this frequency.
    pub fn reports(self, kind: crate::periods::PeriodKind) -> bool {
        use crate::periods::PeriodKind::*;
        match self {
            Frequency::Monthly => true,
            Frequency::Quarterly => matches!(kind, Quarter | Year),
            Frequency::Annual => kind == Year,
        }
    }
}

/// How a `ratio` indicator takes its rows for a month.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PeriodRule {
    /// The latest extract inside the month; quarters and years take their last month.
    Snapshot,
    /// Records whose date falls in the month; quarters and years sum their months.
    Flow,
}

/// What a numerator or denominator adds up.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AggregateKind {
    /// The number of rows.
    Count,
    /// The sum of `field` (a yes/no field counts its yeses).
    Sum,
    /// The calendar days from `from` to `to`, both counted (to - from + 1), summed.
    Days,
}

/// A numerator or denominator: `{ of = "count" }`, `{ of = "sum", field = "collected" }`,
/// `{ of = "days", from = "date_received", to = "date_decided" }`, each with an optional
/// `where` of its own (`{ of = "count", where = { payment_method = "DD" } }`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Aggregate {
    pub of: AggregateKind,
    pub field: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    #[serde(default, rename = "where")]
    pub filter: BTreeMap<String, String>,
}

/// A `where` value meaning "blank" / "not blank", and a financial-year value meaning "the
/// period's own year" (the year of the extract for snapshots, of the record's date for flows).
pub const BLANK: &str = "(blank)";
pub const NOT_BLANK: &str = "(not blank)";
pub const PERIOD_YEAR: &str = "(period year)";

impl Method {
    /// The sources this method reads.
    pub fn sources(&self) -> Vec<&str> {
        match self {
            Method::CollectionRate { source, .. }
            | Method::ProcessingDays { source, .. }
            | Method::OutstandingItems { source, .. }
            | Method::Returned { source, .. }
            | Method::Ratio { source, .. } => vec![source],
            Method::SicknessDaysPerFte { staff_source, absence_source } => vec![staff_source, absence_source],
            Method::TurnoverPct { staff_source } => vec![staff_source],
            Method::PerUnit { .. } => Vec::new(),
        }
    }

    /// For a figure made from two other indicators' figures (`per_unit`): the numerator's and
    /// denominator's ids and the scale; `None` for a figure read from sources.
    pub fn derived_from(&self) -> Option<(&str, &str, f64)> {
        match self {
            Method::PerUnit { numerator, denominator, scale } => Some((numerator, denominator, *scale)),
            _ => None,
        }
    }

    /// The source fields the method needs, by source.
    pub fn needs(&self) -> Vec<(&str, Vec<&str>)> {
        use field::*;
        match self {
            Method::CollectionRate { source, .. } => {
                vec![(source.as_str(), vec![TAX_TYPE, LIABILITY_YEAR, NET_DEBIT, COLLECTED])]
            }
            Method::ProcessingDays { source, .. } => {
                vec![(source.as_str(), vec![WORK_TYPE, DATE_RECEIVED, DATE_DECIDED])]
            }
            Method::SicknessDaysPerFte { staff_source, absence_source } => vec![
                (staff_source.as_str(), vec![EMPLOYEE_ID, FTE, START_DATE, LEAVING_DATE]),
                (absence_source.as_str(), vec![EMPLOYEE_ID, FIRST_DAY, LAST_DAY, FTE_DAYS_LOST]),
            ],
            Method::TurnoverPct { staff_source } => {
                vec![(staff_source.as_str(), vec![EMPLOYEE_ID, START_DATE, LEAVING_DATE])]
            }
            Method::PerUnit { .. } => Vec::new(),
            Method::OutstandingItems { source, received, decided } => {
                vec![(source.as_str(), vec![received.as_str(), decided.as_str()])]
            }
            Method::Returned { source, period, .. } => {
                let mut f = vec![INDICATOR, VALUE];
                if *period == ReturnedPeriod::Column {
                    f.push(PERIOD);
                }
                vec![(source.as_str(), f)]
            }
            Method::Ratio { source, date, filter, numerator, denominator, .. } => {
                let mut f: Vec<&str> = filter.keys().map(String::as_str).collect();
                f.extend(date.as_deref());
                for a in std::iter::once(numerator).chain(denominator) {
                    let a: &Aggregate = a;
                    f.extend(a.filter.keys().map(String::as_str));
                    f.extend(a.field.as_deref());
                    f.extend(a.from.as_deref());
                    f.extend(a.to.as_deref());
                }
                vec![(source.as_str(), f)]
            }
        }
    }

    /// Problems with a `ratio` definition that do not depend on the source's columns.
    fn shape_problems(&self) -> Vec<String> {
        let Method::Ratio { period, date, numerator, denominator, .. } = self else { return Vec::new() };
        let mut out = Vec::new();
        match (period, date) {
            (PeriodRule::Flow, None) => {
                out.push("a flow ratio needs `date`, the field placing a record in a month".into())
            }
            (PeriodRule::Snapshot, Some(_)) => {
                out.push("`date` applies to flow ratios; a snapshot takes each month's latest extract".into())
            }
            _ => {}
        }
        for (name, a) in std::iter::once(("numerator", numerator)).chain(denominator.iter().map(|d| ("denominator", d)))
        {
            match a.of {
                AggregateKind::Count if a.field.is_some() || a.from.is_some() || a.to.is_some() => {
                    out.push(format!("{name}: `count` takes no field (use `where` to count some rows)"))
                }
                AggregateKind::Sum if a.field.is_none() => out.push(format!("{name}: `sum` needs `field`")),
                AggregateKind::Days if a.from.is_none() || a.to.is_none() => {
                    out.push(format!("{name}: `days` needs `from` and `to` (date fields)"))
                }
                _ => {}
            }
        }
        out
    }
}

/// What is wrong with a `where` value for a column, if anything.
fn where_problem(source: &SourceDef, field: &str, value: &str) -> Option<String> {
    use super::ColumnType;
    if value == BLANK || value == NOT_BLANK {
        return None;
    }
    let col = source.column(field)?;
    // A coded column is matched by its code, never by a system's label: the label differs
    // from system to system, the code does not.
    if col.kind == ColumnType::Code {
        let is_code = col.values.keys().chain(col.other.iter()).any(|k| k == value);
        return match (is_code, col.canonical_value(value)) {
            (true, _) => None,
            (false, Some(code)) => Some(format!(
                "where {field} = \"{value}\": \"{value}\" is how a system spells the code \"{code}\"; match the code: {field} = \"{code}\""
            )),
            (false, None) => Some(format!(
                "where {field} = \"{value}\": not a code of the column (its codes: {})",
                col.values.keys().chain(col.other.iter()).cloned().collect::<Vec<_>>().join(", ")
            )),
        };
    }
    let ok = match col.kind {
        ColumnType::YesNo => {
            matches!(
                value.trim().to_ascii_lowercase().as_str(),
                "y" | "n" | "yes" | "no" | "true" | "false" | "1" | "0"
            )
        }
        ColumnType::FinancialYear => value == PERIOD_YEAR || crate::periods::parse_financial_year(value).is_some(),
        ColumnType::Money | ColumnType::Number | ColumnType::Percent => value.trim().parse::<f64>().is_ok(),
        ColumnType::Date => false,
        _ => true,
    };
    (!ok).then(|| match col.kind {
        ColumnType::YesNo => format!("where {field} = \"{value}\": expected \"Y\" or \"N\""),
        ColumnType::FinancialYear => {
            format!("where {field} = \"{value}\": expected a year such as \"2025/26\" or \"{PERIOD_YEAR}\"")
        }
        ColumnType::Date => format!("where {field}: dates cannot be matched exactly; use a flow ratio's `date`"),
        _ => format!("where {field} = \"{value}\": expected a number"),
    })
}

/// How far from its target a value may be for each status.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Green and Amber bands: percentages of the target, or units when `absolute`.
    pub green: f64,
    pub amber: f64,
    pub absolute: bool,
    /// Blue beyond this margin above target (in the same basis as `blue_absolute` says).
    pub blue: Option<f64>,
    pub blue_absolute: bool,
}

impl Tolerance {
    /// The tolerance in words, for definitions tables.
    pub fn describe(&self, unit: &str) -> String {
        let band = |x: f64, abs: bool| if abs { format!("{x} {unit}") } else { format!("{x}%") };
        // "Green within 0% of target" says less plainly what "Green on target or better" says.
        let green = if self.green == 0.0 {
            "Green on target or better".to_string()
        } else {
            format!("Green on target or within {} of it", band(self.green, self.absolute))
        };
        let mut t = format!("{green}; Amber within {} of target; Red further off", band(self.amber, self.absolute));
        if let Some(b) = self.blue {
            t.push_str(&format!("; Blue when better than target by more than {}", band(b, self.blue_absolute)));
        }
        t
    }
}

impl IndicatorDef {
    /// The RAG tolerance of this indicator.
    pub fn tolerance(&self) -> Tolerance {
        let absolute = self.green_within.is_some() || self.amber_within.is_some();
        let (green, amber) = if absolute {
            (self.green_within.unwrap_or(0.0), self.amber_within.unwrap_or(0.0))
        } else {
            (self.green_tolerance_pct, self.amber_tolerance_pct)
        };
        Tolerance {
            green,
            amber,
            absolute,
            blue: self.blue_beyond.or(self.blue_beyond_pct),
            blue_absolute: self.blue_beyond.is_some(),
        }
    }

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
        let mut push = |span: std::ops::Range<usize>, msg: String| {
            let mut e = ConfigError::at_span(&self.path, span, "");
            e.message = format!("indicator `{}`: {msg}", self.id());
            errors.push(e);
        };
        let id = self.id();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            push(self.id.span(), "ids use lower-case letters, digits and underscores".into());
        }
        for problem in self.tolerance_problems().into_iter().chain(self.breakdown_problems(sources)) {
            push(self.id.span(), problem);
        }
        for problem in self.method_problems(sources, ids, sources_complete) {
            push(self.method.span(), problem);
        }
        for (span, problem) in self.example_problems(sources, sources_complete) {
            push(span, problem);
        }
    }

    /// Tolerances given both ways, negative, or out of order.
    fn tolerance_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let t = self.tolerance();
        if t.absolute && (self.green_tolerance_pct != 0.0 || self.amber_tolerance_pct != default_amber()) {
            out.push(
                "give tolerances as percentages (green/amber_tolerance_pct) or in units (green/amber_within), not both"
                    .into(),
            );
        }
        if self.blue_beyond.is_some() && self.blue_beyond_pct.is_some() {
            out.push("give blue_beyond_pct or blue_beyond, not both".into());
        }
        if t.blue.is_some_and(|b| b < 0.0) {
            out.push("the blue margin must be 0 or more".into());
        }
        if t.absolute && (t.green < 0.0 || t.amber < t.green) {
            out.push(format!("tolerances must satisfy 0 <= green_within ({}) <= amber_within ({})", t.green, t.amber));
        }
        if self.green_tolerance_pct < 0.0 || self.amber_tolerance_pct < self.green_tolerance_pct {
            out.push(format!(
                "tolerances must satisfy 0 <= green_tolerance_pct ({}) <= amber_tolerance_pct ({})",
                self.green_tolerance_pct, self.amber_tolerance_pct
            ));
        }
        out
    }

    /// Breakdown columns the indicator's sources lack.
    fn breakdown_problems(&self, sources: &[SourceDef]) -> Vec<String> {
        let mut out = Vec::new();
        for b in &self.breakdown {
            for source in self.method.get_ref().sources() {
                let Some(def) = sources.iter().find(|s| s.id() == source) else { continue };
                if def.column(b).is_none() {
                    out.push(format!(
                        "breakdown `{b}` is not a column of source `{source}`, which this indicator reads"
                    ));
                }
            }
        }
        out
    }

    /// The method against the sources: sources and columns it needs, `where` values of the
    /// right type, and a tax or work type its source lists.
    fn method_problems(&self, sources: &[SourceDef], ids: &BTreeSet<&str>, sources_complete: bool) -> Vec<String> {
        let method = self.method.get_ref();
        let mut out = method.shape_problems();
        for (source, mut fields) in method.needs() {
            let mut seen = BTreeSet::new();
            fields.retain(|f| seen.insert(*f));
            if !ids.contains(source) {
                if sources_complete {
                    out.push(format!("method reads source `{source}`, which no sources/*.toml defines"));
                }
                continue;
            }
            let def = sources.iter().find(|s| s.id() == source).expect("id checked above");
            let missing: Vec<&str> = fields.iter().copied().filter(|f| def.column(f).is_none()).collect();
            if !missing.is_empty() {
                // Every column the method reads, at once: a performance officer adds them
                // together, not one per run of validate.
                let listed = |fs: &[&str]| fs.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ");
                out.push(format!(
                    "method needs column{} {} of source `{source}`, which {} does not define (the method reads {}; docs/reference.md lists each method's fields)",
                    if missing.len() == 1 { "" } else { "s" },
                    listed(&missing),
                    def.path.display(),
                    listed(&fields),
                ));
            }
        }
        if let Method::Ratio { source, filter, numerator, denominator, .. } = method {
            if let Some(def) = sources.iter().find(|s| s.id() == source) {
                let all = filter
                    .iter()
                    .chain(numerator.filter.iter())
                    .chain(denominator.iter().flat_map(|d| d.filter.iter()));
                out.extend(all.filter_map(|(field, value)| where_problem(def, field, value)));
            }
        }
        let coded = match method {
            Method::CollectionRate { source, tax_type } => Some((source, field::TAX_TYPE, tax_type)),
            Method::ProcessingDays { source, work_type } => Some((source, field::WORK_TYPE, work_type)),
            _ => None,
        };
        if let Some((source, field, code)) = coded {
            if let Some(col) = sources.iter().find(|s| s.id() == source).and_then(|s| s.column(field)) {
                if !col.values.is_empty() && !col.values.contains_key(code) {
                    out.push(format!(
                        "`{code}` is not a value of column `{field}` (expected one of: {})",
                        col.values.keys().cloned().collect::<Vec<_>>().join(", ")
                    ));
                }
            }
        }
        out
    }

    /// Worked examples that cannot run: unknown sources or columns, bad dates and periods,
    /// expectations without a value.
    fn example_problems(&self, sources: &[SourceDef], sources_complete: bool) -> Vec<(std::ops::Range<usize>, String)> {
        let mut out = Vec::new();
        for ex in &self.example {
            let mut problem =
                |msg: String| out.push((ex.name.span(), format!("example '{}': {msg}", ex.name.get_ref())));
            for g in &ex.given {
                match sources.iter().find(|s| s.id() == g.source) {
                    None if sources_complete => problem(format!("no source `{}`", g.source)),
                    None => {}
                    Some(def) => {
                        for f in g.rows.iter().flat_map(|r| r.keys()).collect::<BTreeSet<_>>() {
                            if def.column(f).is_none() {
                                problem(format!("source `{}` has no column `{f}`", g.source));
                            }
                        }
                    }
                }
                if chrono::NaiveDate::parse_from_str(&g.as_at.to_string(), "%Y-%m-%d").is_err() {
                    problem(format!("as_at {} is not a date", g.as_at));
                }
            }
            for e in &ex.expect {
                if crate::periods::Period::parse(&e.period).is_none() {
                    problem(format!("period `{}`: expected 2025/26 M07, 2025/26 Q2 or 2025/26", e.period));
                }
                if e.value.is_some() == e.no_value {
                    problem("each expect needs `value`, or `no_value = true`".into());
                }
            }
            if ex.given.is_empty() || ex.expect.is_empty() {
                problem("an example needs at least one `given` extract and one `expect`".into());
            }
        }
        out
    }
}

#[cfg(test)]
mod where_tests {
    use super::where_problem;
    use crate::config::SourceDef;

    #[test]
    fn coded_columns_are_matched_by_their_code_never_a_label() {
        let revenues = SourceDef::parse(include_str!("../../sources/revenues.toml")).unwrap();
        assert_eq!(where_problem(&revenues, "payment_method", "DD"), None);
        assert_eq!(where_problem(&revenues, "payment_method", "OTHER"), None, "the other code is a code");
        let label = where_problem(&revenues, "payment_method", "Direct Debit").unwrap();
        assert!(
            label.contains("is how a system spells the code \"DD\"; match the code: payment_method = \"DD\""),
            "{label}"
        );
        let unknown = where_problem(&revenues, "payment_method", "Giro").unwrap();
        assert!(
            unknown.contains("not a code of the column (its codes: CASH, DD, ONLINE, PHONE, SO, OTHER)"),
            "{unknown}"
        );
    }
}
