//! Data-quality checks as the source definitions declare them: `[[column.check]]` beside the
//! column it checks, `[[check]]` for rules over several columns, the whole extract or its
//! history. Each declaration is validated and compiled into a [`Rule`] the check engine runs.

use super::{ColumnDef, ColumnType, ConfigError, Invalid, SourceDef};
use serde::{Deserialize, Serialize};
use std::path::Path;
use toml::Spanned;

/// How bad a failed check is: a `warning` is loaded and reported; an `error` quarantines
/// the extract (the previous good data stays in use).
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    #[default]
    Error,
}

/// The Audit Commission's data-quality characteristics.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Characteristic {
    Accuracy,
    Validity,
    Reliability,
    Timeliness,
    Relevance,
    Completeness,
}

impl Characteristic {
    pub const ALL: [Characteristic; 6] = [
        Characteristic::Accuracy,
        Characteristic::Validity,
        Characteristic::Reliability,
        Characteristic::Timeliness,
        Characteristic::Relevance,
        Characteristic::Completeness,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Characteristic::Accuracy => "Accuracy",
            Characteristic::Validity => "Validity",
            Characteristic::Reliability => "Reliability",
            Characteristic::Timeliness => "Timeliness",
            Characteristic::Relevance => "Relevance",
            Characteristic::Completeness => "Completeness",
        }
    }
}

/// The kinds of check a definition can declare.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// Text matches a pattern: a regular expression, or `gss_code`, `ni_number`, `postcode`.
    Pattern,
    /// A number (money, number, percent, financial year) lies within `min`..=`max`.
    Range,
    /// A date lies within `earliest`..=`latest` (a date, `as_at` or `period_start`).
    Dates,
    /// Text is one of `allowed` (ignoring case and spacing).
    Allowed,
    /// At least `min_pct` % of rows have a value.
    Complete,
    /// No two rows share the values of `fields` (or of the column).
    Unique,
    /// `left op right` on every row, where each side is a field or fields added and
    /// subtracted (`net_debit - collected`), within `tolerance`.
    Compare,
    /// The sums of `fields` agree with the extract's own totals row, within `tolerance`.
    Totals,
    /// The number of data rows agrees with a count the extract states below its data
    /// ("Total items: 5101", "Record count: 5,101").
    ControlCount,
    /// Every partner council in `scorecard.toml` has rows.
    PartnersPresent,
    /// Every month from the start of the as-at date's financial year to the as-at month has
    /// rows in the date `field` (for each partner, when there is a partner column).
    PeriodsPresent,
    /// The row count is within `max_change_pct` % of the previous accepted extract's.
    RowCountChange,
    /// The sum of `field` (or the row count, without a field) changes by at most
    /// `max_change_pct` % from the previous accepted extract.
    Change,
    /// The as-at date is at most `days` old at run time.
    MaxAge,
    /// The as-at date lies in the latest financial year the financial-year `field` claims.
    AsAtInPeriod,
}

impl CheckKind {
    pub fn characteristic(self) -> Characteristic {
        use CheckKind::*;
        match self {
            Pattern | Range | Dates | Allowed => Characteristic::Validity,
            Complete | PartnersPresent | PeriodsPresent | RowCountChange => Characteristic::Completeness,
            Unique | Compare | Totals | ControlCount => Characteristic::Accuracy,
            Change => Characteristic::Reliability,
            MaxAge | AsAtInPeriod => Characteristic::Timeliness,
        }
    }

    fn name(self) -> &'static str {
        use CheckKind::*;
        match self {
            Pattern => "pattern",
            Range => "range",
            Dates => "dates",
            Allowed => "allowed",
            Complete => "complete",
            Unique => "unique",
            Compare => "compare",
            Totals => "totals",
            ControlCount => "control_count",
            PartnersPresent => "partners_present",
            PeriodsPresent => "periods_present",
            RowCountChange => "row_count_change",
            Change => "change",
            MaxAge => "max_age",
            AsAtInPeriod => "as_at_in_period",
        }
    }
}

/// One declared check, as written in TOML. Which keys apply depends on `kind`; beside a
/// column, `kind` may be left out when the rule key says it (`pattern`, `min`/`max`,
/// `earliest`/`latest`, `allowed`, `min_pct`, `unique = true`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckDef {
    /// Stable identifier used by waivers and reports; defaults to `<kind>:<fields>`.
    pub id: Option<String>,
    pub kind: Option<Spanned<CheckKind>>,
    /// What the check means, in words shown to the supplier and the committee.
    pub description: Option<String>,
    #[serde(default)]
    pub severity: Severity,
    /// Failing rows above this share (%) make the check a warning (default: any failing row).
    pub warn_above_pct: Option<f64>,
    /// Failing rows above this share (%) make the check an error; up to it, a warning.
    /// Default: any failing row, for `severity = "error"`.
    pub error_above_pct: Option<f64>,
    pub field: Option<String>,
    #[serde(default)]
    pub fields: Vec<String>,
    pub pattern: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub earliest: Option<String>,
    pub latest: Option<String>,
    #[serde(default)]
    pub allowed: Vec<String>,
    pub min_pct: Option<f64>,
    #[serde(default)]
    pub unique: bool,
    pub left: Option<String>,
    pub op: Option<String>,
    pub right: Option<String>,
    pub tolerance: Option<f64>,
    pub max_change_pct: Option<f64>,
    pub days: Option<u32>,
}

/// A bound of a date range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBound {
    Day(chrono::NaiveDate),
    /// The extract's as-at date.
    AsAt,
    /// 1 April of the as-at date's financial year.
    PeriodStart,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// Fields added and subtracted: `(+1, "net_debit"), (-1, "collected")`.
pub type Sum = Vec<(f64, String)>;

/// A check compiled from its declaration, ready to run.
#[derive(Debug, Clone)]
pub enum Rule {
    /// `named` is `gss_code`, `ni_number` or `postcode` for the built-in patterns; `what`
    /// says in words what a valid value looks like.
    Pattern {
        field: String,
        regex: regex::Regex,
        named: Option<&'static str>,
        what: String,
    },
    Range {
        field: String,
        min: Option<f64>,
        max: Option<f64>,
    },
    Dates {
        field: String,
        earliest: Option<DateBound>,
        latest: Option<DateBound>,
    },
    Allowed {
        field: String,
        allowed: Vec<String>,
    },
    Complete {
        field: String,
        min_pct: f64,
    },
    Unique {
        fields: Vec<String>,
    },
    Compare {
        left: Sum,
        op: Op,
        right: Sum,
        tolerance: f64,
    },
    Totals {
        fields: Vec<String>,
        tolerance: f64,
    },
    ControlCount,
    PartnersPresent,
    PeriodsPresent {
        field: String,
    },
    RowCountChange {
        max_change_pct: f64,
    },
    Change {
        field: Option<String>,
        max_change_pct: f64,
    },
    MaxAge {
        days: u32,
    },
    AsAtInPeriod {
        field: String,
    },
}

/// A compiled check with its identity and thresholds.
#[derive(Debug, Clone)]
pub struct Check {
    pub id: String,
    pub kind: CheckKind,
    pub description: String,
    pub severity: Severity,
    pub warn_above_pct: f64,
    pub error_above_pct: f64,
    pub rule: Rule,
}

impl Check {
    pub fn characteristic(&self) -> Characteristic {
        self.kind.characteristic()
    }
}

/// Named patterns for common UK reference formats: name, what it is in words, expression.
fn named_pattern(name: &str) -> Option<(&'static str, &'static str, &'static str)> {
    match name {
        "gss_code" => Some(("gss_code", "an ONS GSS code such as E07000143", r"^[EWSN]\d{8}$")),
        // HMRC: two prefix letters (not D, F, I, Q, U, V; second not O), six digits, A-D.
        "ni_number" => Some((
            "ni_number",
            "a National Insurance number such as QQ 12 34 56 C",
            r"^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]$",
        )),
        "postcode" => Some(("postcode", "a UK postcode such as PE15 8NQ", r"^(?i)[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$")),
        _ => None,
    }
}

/// NI number prefixes HMRC never issues.
pub const NI_BAD_PREFIXES: [&str; 7] = ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"];

fn parse_bound(s: &str) -> Result<DateBound, Invalid> {
    match s {
        "as_at" => Ok(DateBound::AsAt),
        "period_start" => Ok(DateBound::PeriodStart),
        _ => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(DateBound::Day)
            .map_err(|_| Invalid(format!("`{s}` is not a date: expected YYYY-MM-DD, \"as_at\" or \"period_start\""))),
    }
}

fn parse_op(s: &str) -> Result<Op, Invalid> {
    Ok(match s {
        "=" | "==" => Op::Eq,
        "!=" | "<>" => Op::Ne,
        "<" => Op::Lt,
        "<=" => Op::Le,
        ">" => Op::Gt,
        ">=" => Op::Ge,
        _ => return Err(Invalid(format!("op `{s}`: expected one of =, !=, <, <=, >, >="))),
    })
}

/// Parses `net_debit - collected + 0` style sums of fields (numbers are not allowed: only
/// fields, so the expression cannot do anything but add columns).
fn parse_sum(s: &str, source: &SourceDef, numeric_or_date: &dyn Fn(&ColumnDef) -> bool) -> Result<Sum, Invalid> {
    let mut out = Vec::new();
    let mut sign = 1.0;
    let mut expect_term = true;
    for token in s.split_whitespace().flat_map(split_signs) {
        match (token, expect_term) {
            ("+", true) => {}
            ("-", true) => sign = -sign,
            ("+", false) | ("-", false) => {
                sign = if token == "-" { -1.0 } else { 1.0 };
                expect_term = true;
            }
            (field, true) => {
                match source.column(field) {
                    Some(c) if numeric_or_date(c) => {}
                    Some(_) => {
                        return Err(Invalid(format!(
                            "`{field}` in `{s}` is not a number, money, percent or date column"
                        )))
                    }
                    None => return Err(Invalid(format!("`{field}` in `{s}` is not one of the columns"))),
                }
                out.push((sign, field.to_string()));
                sign = 1.0;
                expect_term = false;
            }
            (t, false) => return Err(Invalid(format!("`{s}`: expected + or - before `{t}`"))),
        }
    }
    if expect_term {
        return Err(Invalid(format!("`{s}`: expected fields joined by + or -")));
    }
    Ok(out)
}

fn split_signs(word: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in word.char_indices() {
        if c == '+' || c == '-' {
            if i > start {
                out.push(&word[start..i]);
            }
            out.push(&word[i..i + 1]);
            start = i + 1;
        }
    }
    if start < word.len() {
        out.push(&word[start..]);
    }
    out
}

impl CheckDef {
    /// The kind: as written, or (beside a column) from the rule key present.
    fn resolved_kind(&self, column: Option<&ColumnDef>) -> Result<CheckKind, Invalid> {
        if let Some(k) = &self.kind {
            return Ok(*k.get_ref());
        }
        if column.is_none() {
            return Err("`kind` is required for a [[check]] (pattern, range, dates, allowed, complete, unique, compare, totals, control_count, partners_present, periods_present, row_count_change, change, max_age, as_at_in_period)".into());
        }
        let found: Vec<CheckKind> = [
            (self.pattern.is_some(), CheckKind::Pattern),
            (self.min.is_some() || self.max.is_some(), CheckKind::Range),
            (self.earliest.is_some() || self.latest.is_some(), CheckKind::Dates),
            (!self.allowed.is_empty(), CheckKind::Allowed),
            (self.min_pct.is_some(), CheckKind::Complete),
            (self.unique, CheckKind::Unique),
            (self.max_change_pct.is_some(), CheckKind::Change),
        ]
        .into_iter()
        .filter_map(|(present, k)| present.then_some(k))
        .collect();
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err("the check says nothing to check: give `kind` or one of pattern, min/max, earliest/latest, allowed, min_pct, unique, max_change_pct".into()),
            _ => Err("the check has keys of several kinds: write one [[column.check]] per rule".into()),
        }
    }

    /// Validates and compiles the check, for a column or (with `column = None`) the source.
    pub fn compile(&self, source: &SourceDef, column: Option<&ColumnDef>) -> Result<Check, Invalid> {
        let kind = self.resolved_kind(column)?;
        let field = match (column, &self.field) {
            (Some(c), None) => Some(c.field.clone()),
            (Some(_), Some(_)) => return Err("`field` is implied beside a column; leave it out".into()),
            (None, f) => f.clone(),
        };
        let rule = self.rule(kind, &field, source)?;
        let (warn, error) = self.thresholds()?;
        let id = self.id.clone().unwrap_or_else(|| default_id(kind, &rule, &field));
        let description = self.description.clone().unwrap_or_else(|| describe(&rule));
        Ok(Check { id, kind, description, severity: self.severity, warn_above_pct: warn, error_above_pct: error, rule })
    }

    /// The rule of a check of `kind`, its keys checked against the source's columns
    /// (`need_field` gives the check's field when its column has one of the types).
    fn rule(&self, kind: CheckKind, field: &Option<String>, source: &SourceDef) -> Result<Rule, Invalid> {
        // The check's field, when its column has one of `types` (any type when empty).
        let need_field = |types: &[ColumnType], what: &str| -> Result<String, Invalid> {
            let f = field.clone().ok_or_else(|| format!("a {} check needs `field`", kind.name()))?;
            match source.column(&f) {
                Some(c) if types.is_empty() || types.contains(&c.kind) => Ok(f),
                Some(c) => {
                    Err(Invalid(format!("a {} check needs {what}, but `{f}` has type {:?}", kind.name(), c.kind)))
                }
                None => Err(Invalid(format!("field `{f}` is not one of the columns"))),
            }
        };
        let numeric = NUMERIC;
        Ok(match kind {
            CheckKind::Pattern => {
                self.pattern_rule(need_field(&[ColumnType::Text, ColumnType::Code], "a text column")?)?
            }
            CheckKind::Range => {
                let f = need_field(&numeric, "a money, number, percent or financial-year column")?;
                if self.min.is_none() && self.max.is_none() {
                    return Err("a range check needs `min`, `max` or both".into());
                }
                if let (Some(a), Some(b)) = (self.min, self.max) {
                    if a > b {
                        return Err(Invalid(format!("min {a} is above max {b}")));
                    }
                }
                Rule::Range { field: f, min: self.min, max: self.max }
            }
            CheckKind::Dates => {
                let f = need_field(&[ColumnType::Date], "a date column")?;
                let earliest = self.earliest.as_deref().map(parse_bound).transpose()?;
                let latest = self.latest.as_deref().map(parse_bound).transpose()?;
                if earliest.is_none() && latest.is_none() {
                    return Err("a dates check needs `earliest`, `latest` or both".into());
                }
                Rule::Dates { field: f, earliest, latest }
            }
            CheckKind::Allowed => {
                let f = need_field(&[ColumnType::Text], "a text column (code columns list their values already)")?;
                if self.allowed.is_empty() {
                    return Err("an allowed check needs a non-empty `allowed` list".into());
                }
                Rule::Allowed { field: f, allowed: self.allowed.clone() }
            }
            CheckKind::Complete => {
                let f = need_field(&[], "")?;
                let min_pct = pct(self.min_pct, "min_pct")?.ok_or("a complete check needs `min_pct`")?;
                Rule::Complete { field: f, min_pct }
            }
            CheckKind::Unique => self.unique_rule(field, source)?,
            CheckKind::Compare => self.compare_rule(source)?,
            CheckKind::Totals => self.totals_rule(source)?,
            CheckKind::ControlCount => Rule::ControlCount,
            CheckKind::PartnersPresent => {
                if source.partner_field().is_none() {
                    return Err("a partners_present check needs a column of type partner".into());
                }
                Rule::PartnersPresent
            }
            CheckKind::PeriodsPresent => {
                Rule::PeriodsPresent { field: need_field(&[ColumnType::Date], "a date column")? }
            }
            CheckKind::RowCountChange => Rule::RowCountChange {
                max_change_pct: self.max_change_pct.ok_or("a row_count_change check needs `max_change_pct`")?,
            },
            CheckKind::Change => {
                let f = match &field {
                    Some(_) => Some(need_field(&numeric, "a money or number column")?),
                    None => None,
                };
                Rule::Change {
                    field: f,
                    max_change_pct: self.max_change_pct.ok_or("a change check needs `max_change_pct`")?,
                }
            }
            CheckKind::MaxAge => Rule::MaxAge { days: self.days.ok_or("a max_age check needs `days`")? },
            CheckKind::AsAtInPeriod => {
                Rule::AsAtInPeriod { field: need_field(&[ColumnType::FinancialYear], "a financial-year column")? }
            }
        })
    }

    fn pattern_rule(&self, field: String) -> Result<Rule, Invalid> {
        let p = self.pattern.clone().ok_or("a pattern check needs `pattern`")?;
        let (named, what, re) = match named_pattern(&p) {
            Some((name, what, re)) => (Some(name), what.to_string(), re.to_string()),
            None => (None, format!("text matching the pattern {p}"), p.clone()),
        };
        let regex = regex::RegexBuilder::new(&re)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| format!("pattern `{p}` is not a valid regular expression: {e}"))?;
        Ok(Rule::Pattern { field, regex, named, what })
    }

    fn unique_rule(&self, field: &Option<String>, source: &SourceDef) -> Result<Rule, Invalid> {
        let fields = match (field, self.fields.is_empty()) {
            (Some(f), true) => vec![f.clone()],
            (None, false) => self.fields.clone(),
            (None, true) => return Err("a unique check needs `fields` (or `field`)".into()),
            (Some(_), false) => return Err("give `field` or `fields`, not both".into()),
        };
        if let Some(f) = fields.iter().find(|f| source.column(f).is_none()) {
            return Err(Invalid(format!("field `{f}` is not one of the columns")));
        }
        Ok(Rule::Unique { fields })
    }

    fn compare_rule(&self, source: &SourceDef) -> Result<Rule, Invalid> {
        let ok = |c: &ColumnDef| NUMERIC.contains(&c.kind) || c.kind == ColumnType::Date;
        let left = parse_sum(self.left.as_deref().ok_or("a compare check needs `left`")?, source, &ok)?;
        let right = parse_sum(self.right.as_deref().ok_or("a compare check needs `right`")?, source, &ok)?;
        let op = parse_op(self.op.as_deref().ok_or("a compare check needs `op`")?)?;
        let tolerance = self.tolerance.unwrap_or(0.0);
        if tolerance < 0.0 {
            return Err(Invalid(format!("tolerance is {tolerance}: expected 0 or more")));
        }
        Ok(Rule::Compare { left, op, right, tolerance })
    }

    fn totals_rule(&self, source: &SourceDef) -> Result<Rule, Invalid> {
        if self.fields.is_empty() {
            return Err("a totals check needs `fields`, the columns whose totals row is reconciled".into());
        }
        for f in &self.fields {
            match source.column(f) {
                Some(c) if NUMERIC.contains(&c.kind) => {}
                Some(_) => return Err(Invalid(format!("`{f}` is not a money or number column"))),
                None => return Err(Invalid(format!("field `{f}` is not one of the columns"))),
            }
        }
        Ok(Rule::Totals { fields: self.fields.clone(), tolerance: self.tolerance.unwrap_or(0.005) })
    }

    /// The percentages of failing rows above which the check warns and fails.
    fn thresholds(&self) -> Result<(f64, f64), Invalid> {
        let warn = pct(self.warn_above_pct, "warn_above_pct")?.unwrap_or(0.0);
        let error = pct(self.error_above_pct, "error_above_pct")?;
        let error = match (self.severity, error) {
            (Severity::Warning, Some(_)) => {
                return Err("error_above_pct is set but severity is warning: leave one out".into())
            }
            (Severity::Warning, None) => f64::INFINITY,
            (Severity::Error, e) => e.unwrap_or(0.0),
        };
        if error.is_finite() && warn > error {
            return Err(Invalid(format!("warn_above_pct {warn} is above error_above_pct {error}")));
        }
        Ok((warn, error))
    }
}

/// The column types a range, compare, totals or change check can read as numbers.
const NUMERIC: [ColumnType; 4] =
    [ColumnType::Money, ColumnType::Number, ColumnType::Percent, ColumnType::FinancialYear];

/// A percentage key checked to lie between 0 and 100.
fn pct(v: Option<f64>, name: &str) -> Result<Option<f64>, Invalid> {
    match v {
        Some(p) if !(0.0..=100.0).contains(&p) => Err(Invalid(format!("{name} is {p}: expected 0 to 100"))),
        _ => Ok(v),
    }
}

/// A check's id when the definition gives none: its kind and what it looks at
/// (`range:net_debit`, `compare:collected<=net_debit`).
fn default_id(kind: CheckKind, rule: &Rule, field: &Option<String>) -> String {
    {
        let what = match rule {
            Rule::Unique { fields } | Rule::Totals { fields, .. } => fields.join("+"),
            Rule::Compare { left, op, right, .. } => {
                let side = |s: &Sum| {
                    s.iter()
                        .enumerate()
                        .map(|(i, (sign, f))| match (i, *sign < 0.0) {
                            (0, false) => f.clone(),
                            (_, true) => format!("-{f}"),
                            (_, false) => format!("+{f}"),
                        })
                        .collect::<String>()
                };
                format!("{}{}{}", side(left), op.symbol(), side(right))
            }
            _ => field.clone().unwrap_or_default(),
        };
        if what.is_empty() {
            kind.name().to_string()
        } else {
            format!("{}:{what}", kind.name())
        }
    }
}

/// A check in words, when the definition gives no description.
fn describe(rule: &Rule) -> String {
    let sum = |s: &Sum| {
        s.iter()
            .enumerate()
            .map(|(i, (sign, f))| match (i, *sign < 0.0) {
                (0, false) => f.clone(),
                (0, true) => format!("-{f}"),
                (_, true) => format!(" - {f}"),
                (_, false) => format!(" + {f}"),
            })
            .collect::<String>()
    };
    let bound = |b: &DateBound| match b {
        DateBound::Day(d) => d.format("%d/%m/%Y").to_string(),
        DateBound::AsAt => "the as-at date".into(),
        DateBound::PeriodStart => "the start of the financial year".into(),
    };
    match rule {
        Rule::Pattern { field, what, .. } => format!("{field} is {what}"),
        Rule::Range { field, min, max } => match (min, max) {
            (Some(a), Some(b)) => format!("{field} is between {a} and {b}"),
            (Some(a), None) => format!("{field} is at least {a}"),
            (None, Some(b)) => format!("{field} is at most {b}"),
            (None, None) => field.clone(),
        },
        Rule::Dates { field, earliest, latest } => match (earliest, latest) {
            (Some(a), Some(b)) => format!("{field} is between {} and {}", bound(a), bound(b)),
            (Some(a), None) => format!("{field} is on or after {}", bound(a)),
            (None, Some(b)) => format!("{field} is on or before {}", bound(b)),
            (None, None) => field.clone(),
        },
        Rule::Allowed { field, allowed } => format!("{field} is one of {}", allowed.join(", ")),
        Rule::Complete { field, min_pct } => format!("{field} is filled in on at least {min_pct}% of rows"),
        Rule::Unique { fields } => format!("no two rows have the same {}", fields.join(", ")),
        Rule::Compare { left, op, right, tolerance } if *tolerance > 0.0 => {
            format!("{} {} {} (within {tolerance})", sum(left), op.symbol(), sum(right))
        }
        Rule::Compare { left, op, right, .. } => format!("{} {} {}", sum(left), op.symbol(), sum(right)),
        Rule::Totals { fields, .. } => format!("the sums of {} agree with the extract's totals row", fields.join(", ")),
        Rule::ControlCount => "the number of rows agrees with the count the extract states below its data".into(),
        Rule::PartnersPresent => {
            "every partner council's data for every month arrives, whichever files bring it".into()
        }
        Rule::PeriodsPresent { field } => {
            format!("every month from 1 April to the as-at date has rows in {field}, for every partner")
        }
        Rule::RowCountChange { max_change_pct } => {
            format!("the number of rows is within {max_change_pct}% of the previous extract's")
        }
        Rule::Change { field: Some(f), max_change_pct } => {
            format!("the total of {f} is within {max_change_pct}% of the previous extract's")
        }
        Rule::Change { field: None, max_change_pct } => {
            format!("the number of rows is within {max_change_pct}% of the previous extract's")
        }
        Rule::MaxAge { days } => format!("the as-at date is at most {days} days old when the job runs"),
        Rule::AsAtInPeriod { field } => format!("the as-at date lies in the latest financial year in {field}"),
    }
}

/// Compiles every check of a source, recording located errors.
pub fn compile_all(source: &SourceDef, path: &Path, errors: &mut Vec<ConfigError>) -> Vec<Check> {
    let mut out = Vec::new();
    let mut push = |def: &CheckDef, column: Option<&ColumnDef>, where_: String| match def.compile(source, column) {
        Ok(c) => out.push(c),
        Err(e) => {
            let msg = format!("source `{}`, {where_}: {e}", source.id());
            errors.push(match &def.kind {
                Some(k) => ConfigError::at_span(path, k.span(), &msg),
                None => ConfigError::at_span(path, source.id.span(), &msg),
            });
        }
    };
    for c in &source.column {
        for (i, def) in c.check.iter().enumerate() {
            push(def, Some(c), format!("column `{}` check {}", c.field, i + 1));
        }
    }
    for (i, def) in source.check.iter().enumerate() {
        push(def, None, format!("[[check]] {}", i + 1));
    }
    let mut seen = std::collections::BTreeSet::new();
    for c in &out {
        if !seen.insert(c.id.clone()) {
            errors.push(ConfigError::at_span(
                path,
                source.id.span(),
                &format!("source `{}`: two checks have the id `{}`; give one an `id`", source.id(), c.id),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(extra: &str) -> SourceDef {
        toml::from_str(&format!(
            "id = 's'\nname = 's'\nkind = 'snapshot'\nfile_patterns = ['*']\n\
             [[column]]\nfield = 'council'\ntype = 'partner'\n\
             [[column]]\nfield = 'net_debit'\ntype = 'money'\n\
             [[column]]\nfield = 'collected'\ntype = 'money'\n\
             [[column]]\nfield = 'balance'\ntype = 'money'\n\
             [[column]]\nfield = 'ref'\ntype = 'text'\n{extra}"
        ))
        .unwrap()
    }

    fn compile(extra: &str) -> Result<Vec<Check>, Vec<String>> {
        let s = source(extra);
        let mut errors = Vec::new();
        let out = compile_all(&s, Path::new("/nonexistent.toml"), &mut errors);
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors.into_iter().map(|e| e.message).collect())
        }
    }

    #[test]
    fn compare_parses_sums_of_fields_only() {
        let c = compile("[[check]]\nkind = 'compare'\nleft = 'balance'\nop = '='\nright = 'net_debit - collected'\ntolerance = 0.01\n")
            .unwrap();
        assert_eq!(c[0].id, "compare:balance=net_debit-collected");
        match &c[0].rule {
            Rule::Compare { right, .. } => {
                assert_eq!(right, &vec![(1.0, "net_debit".to_string()), (-1.0, "collected".to_string())])
            }
            r => panic!("{r:?}"),
        }
        let e =
            compile("[[check]]\nkind = 'compare'\nleft = 'balance'\nop = '='\nright = 'net_debit - 5'\n").unwrap_err();
        assert!(e[0].contains("`5` in `net_debit - 5` is not one of the columns"), "{e:?}");
        let e = compile("[[check]]\nkind = 'compare'\nleft = 'balance'\nop = '~'\nright = 'collected'\n").unwrap_err();
        assert!(e[0].contains("op `~`"), "{e:?}");
    }

    #[test]
    fn column_checks_infer_their_kind_and_validate_types() {
        let c = compile("[[column.check]]\npattern = 'gss_code'\n").unwrap();
        assert_eq!((c[0].id.as_str(), c[0].kind), ("pattern:ref", CheckKind::Pattern));
        let e = compile("[[column.check]]\nmin = 0\npattern = 'x'\n").unwrap_err();
        assert!(e[0].contains("several kinds"), "{e:?}");
        let e = compile("[[check]]\nkind = 'range'\nfield = 'ref'\nmin = 0\n").unwrap_err();
        assert!(e[0].contains("needs a money, number"), "{e:?}");
        let e = compile("[[check]]\nkind = 'unique'\nfields = ['council', 'nope']\n").unwrap_err();
        assert!(e[0].contains("`nope` is not one of the columns"), "{e:?}");
        let e = compile("[[check]]\nkind = 'pattern'\nfield = 'ref'\npattern = '('\n").unwrap_err();
        assert!(e[0].contains("not a valid regular expression"), "{e:?}");
    }

    #[test]
    fn thresholds_follow_severity() {
        let c =
            compile("[[check]]\nkind = 'unique'\nfield = 'ref'\nerror_above_pct = 5\nwarn_above_pct = 0.5\n").unwrap();
        assert_eq!((c[0].warn_above_pct, c[0].error_above_pct), (0.5, 5.0));
        let c = compile("[[check]]\nkind = 'unique'\nfield = 'ref'\nseverity = 'warning'\n").unwrap();
        assert!(c[0].error_above_pct.is_infinite());
        let e = compile("[[check]]\nkind = 'unique'\nfield = 'ref'\nseverity = 'warning'\nerror_above_pct = 5\n")
            .unwrap_err();
        assert!(e[0].contains("severity is warning"), "{e:?}");
        let e = compile("[[check]]\nkind = 'unique'\nfield = 'ref'\n[[check]]\nkind = 'unique'\nfields = ['ref']\n")
            .unwrap_err();
        assert!(e[0].contains("two checks have the id `unique:ref`"), "{e:?}");
    }
}
