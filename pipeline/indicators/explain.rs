//! "Where did this number come from?": one figure explained in words a performance officer
//! can check by hand (`scorecard explain`).
//!
//! Takes a project, its store, the run date and one figure (indicator, partner, period);
//! gives an [`Explanation`]: the definition and counting rule, the numerator and denominator
//! with their values (which recompute the figure), the extracts used (file, SHA-256, as-at
//! date, rows), the rows each condition of the definition leaves out, the target, tolerance
//! and the RAG rule that gave the status, the comparison with the same period last year, and
//! each council's part of a partnership figure. The figures are computed by the same code as
//! the nightly run's ([`super::compute_one`]); the row counts re-run the definition's
//! conditions one at a time on the same rows.

use super::compute::filter::condition;
use super::compute::financial_year;
use super::{IndicatorValue, ALL};
use crate::config::{field, IndicatorDef, Method, PeriodRule, Project, PERIOD_YEAR};
use crate::periods::Period;
use crate::store::Store;
use chrono::NaiveDate;
use polars::prelude::*;
use serde::Serialize;

/// One figure, explained.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub indicator: String,
    pub name: String,
    pub definition: String,
    /// How it is counted, in words.
    pub rule: String,
    pub partner: String,
    pub partner_name: String,
    pub period: String,
    pub as_of: NaiveDate,
    pub value: Option<f64>,
    pub unit: String,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub scale: f64,
    /// numerator / denominator x scale, as a check anyone can do.
    pub recomputed: Option<f64>,
    /// Why there is no value, if there is none.
    pub note: Option<String>,
    pub target: Option<f64>,
    pub tolerance: String,
    pub rag: Option<String>,
    /// The RAG rule applied to this figure, in words.
    pub rag_rule: String,
    pub last_year: Option<f64>,
    pub direction: Option<String>,
    pub extracts: Vec<ExtractUsed>,
    /// The rows each condition leaves out, in order; empty with `rows_note` where the method
    /// is not counted row by row.
    pub rows: Vec<RowStep>,
    pub rows_note: String,
    /// A partnership figure's parts, council by council.
    pub parts: Vec<Part>,
    /// What the indicator's owner says about it.
    pub commentary: Vec<String>,
    /// Data-quality problems of the sources it reads that a waiver accepts on the run date.
    pub waivers: Vec<String>,
    /// The figure's restatement since its period was approved, if any (set by the caller,
    /// which reads the audit log).
    pub restatement: Option<String>,
}

/// An extract a figure uses.
#[derive(Debug, Clone, Serialize)]
pub struct ExtractUsed {
    pub source: String,
    pub partner: String,
    pub as_at: NaiveDate,
    pub file: String,
    pub sha256: String,
    pub loaded_on: NaiveDate,
    pub rows: usize,
}

/// One step of the row count: the rows left after a condition.
#[derive(Debug, Clone, Serialize)]
pub struct RowStep {
    pub condition: String,
    pub rows_before: usize,
    pub left_out: usize,
    pub rows_after: usize,
}

/// One council's part of a partnership figure.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    pub partner: String,
    pub partner_name: String,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub value: Option<f64>,
}

/// Why a figure could not be explained.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("no indicator `{0}` (the ids are in indicators/*.toml)")]
    Indicator(String),
    #[error("`{0}` is not a partner of this project (a code, a name, or ALL)")]
    Partner(String),
    #[error("`{0}` is not a period (2025/26 Q2, 2025/26 M07 or 2025/26)")]
    Period(String),
    #[error("{0} has no figure for {1} in {2} as of {3} (the period has not ended, lies outside the data, or is not reported at this indicator's frequency)")]
    NoFigure(String, String, String, NaiveDate),
    #[error(transparent)]
    Compute(#[from] super::IndicatorError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("counting rows: {0}")]
    Polars(#[from] PolarsError),
}

/// Explains one figure.
pub fn explain(
    project: &Project,
    store: &Store,
    indicator: &str,
    partner: &str,
    period: &str,
    as_of: NaiveDate,
) -> Result<Explanation, ExplainError> {
    let def = project
        .indicators
        .iter()
        .find(|d| d.id() == indicator)
        .ok_or_else(|| ExplainError::Indicator(indicator.into()))?;
    let code = if partner.eq_ignore_ascii_case(ALL) {
        ALL.to_string()
    } else {
        project
            .settings
            .partner
            .iter()
            .find(|p| p.matches(partner))
            .map(|p| p.code.clone())
            .ok_or_else(|| ExplainError::Partner(partner.into()))?
    };
    let p = Period::parse(period).ok_or_else(|| ExplainError::Period(period.into()))?;
    let values = super::compute_one(project, def, store, as_of)?;
    let v = values
        .iter()
        .find(|v| v.partner_code == code && v.period == p)
        .ok_or_else(|| ExplainError::NoFigure(def.id().into(), project.partner_name(&code), p.label(), as_of))?;
    let scale = scale_of(def);
    let (extracts, rows, rows_note) = evidence(project, store, def, &code, p, as_of)?;
    let parts = if code == ALL { parts_of(project, &values, p) } else { Vec::new() };
    Ok(Explanation {
        indicator: def.id().to_string(),
        name: def.name.clone(),
        definition: def.definition.clone(),
        rule: rule(def),
        partner: code.clone(),
        partner_name: project.partner_name(&code),
        period: p.label(),
        as_of,
        value: v.value,
        unit: def.unit.as_str().to_string(),
        numerator: v.numerator,
        denominator: v.denominator,
        scale,
        recomputed: recompute(v, scale),
        note: v.note.clone(),
        target: v.target,
        tolerance: def.tolerance().describe(def.unit.as_str()),
        rag: v.rag.map(|r| r.as_str().to_string()),
        rag_rule: rag_rule(def, v),
        last_year: v.last_year,
        direction: v.direction.map(|d| d.as_str().to_string()),
        extracts,
        rows,
        rows_note,
        parts,
        commentary: crate::config::commentary_for(&project.commentary, def.id(), &code, p)
            .iter()
            .map(|c| format!("{} Action: {} ({})", c.explanation, c.action, c.owner))
            .collect(),
        waivers: waivers_of(project, def, as_of),
        restatement: None,
    })
}

/// Each council's part of a partnership figure.
fn parts_of(project: &Project, values: &[IndicatorValue], p: Period) -> Vec<Part> {
    project
        .settings
        .partner
        .iter()
        .filter_map(|q| values.iter().find(|x| x.partner_code == q.code && x.period == p))
        .map(|x| Part {
            partner: x.partner_code.clone(),
            partner_name: project.partner_name(&x.partner_code),
            numerator: x.numerator,
            denominator: x.denominator,
            value: x.value,
        })
        .collect()
}

/// The waivers of the sources an indicator reads that apply on the run date.
fn waivers_of(project: &Project, def: &IndicatorDef, as_of: NaiveDate) -> Vec<String> {
    let sources = def.method.get_ref().sources();
    project
        .waivers
        .iter()
        .filter(|w| sources.contains(&w.source.get_ref().as_str()) && w.expires_on >= as_of)
        .map(|w| format!("{} check {}: {}", w.source.get_ref(), w.check.get_ref(), w.describe()))
        .collect()
}

/// What the value is of its numerator and denominator: x 100 for rates, the method's scale
/// for a ratio, 1 otherwise.
fn scale_of(def: &IndicatorDef) -> f64 {
    match def.method.get_ref() {
        Method::CollectionRate { .. } | Method::TurnoverPct { .. } => 100.0,
        Method::Ratio { scale, .. } | Method::PerUnit { scale, .. } => *scale,
        Method::Returned { .. } if def.unit == crate::config::Unit::Percent => 100.0,
        _ => 1.0,
    }
}

fn recompute(v: &IndicatorValue, scale: f64) -> Option<f64> {
    match (v.numerator, v.denominator) {
        (Some(n), Some(d)) if d != 0.0 => Some(n / d * scale),
        (Some(n), None) => Some(n * scale),
        _ => None,
    }
}

/// The counting rule of a method, in words (docs/indicators.md has them in full).
fn rule(def: &IndicatorDef) -> String {
    match def.method.get_ref() {
        Method::CollectionRate { source, tax_type } => format!(
            "sum of `collected` / sum of `net_debit` x 100 over the {source} accounts of tax type {tax_type} whose liability year is the period's financial year, from each council's latest extract dated inside the period's last month"
        ),
        Method::ProcessingDays { source, work_type } => format!(
            "mean of (date_decided - date_received + 1) calendar days over the {source} items of work type {work_type} decided in the period, from the latest version of each item"
        ),
        Method::SicknessDaysPerFte { .. } => "rolling 12 months to the period end: FTE working days lost / average FTE (in post on the first and last day, halved)".into(),
        Method::TurnoverPct { .. } => "rolling 12 months to the period end: leavers / average headcount (in post on the first and last day, halved) x 100".into(),
        Method::OutstandingItems { source, received, decided } => format!(
            "{source} items with `{received}` on or before the period end and no `{decided}` by it, from the versions known at the period end"
        ),
        Method::PerUnit { numerator, denominator, scale } => {
            format!("the figure of {numerator} / the figure of {denominator} x {scale}, same partner and period")
        }
        Method::Returned { source, code, .. } => format!("the value returned for {code} in the {source} source, for the partner and period"),
        Method::Ratio { source, period, date, filter, numerator, denominator, scale } => {
            let conditions: Vec<String> = filter.iter().map(|(f, v)| format!("{f} = {v}")).collect();
            let aggregate = |a: &crate::config::Aggregate| match a.of {
                crate::config::AggregateKind::Count if a.filter.is_empty() => "count of rows".to_string(),
                crate::config::AggregateKind::Count => format!(
                    "count of rows where {}",
                    a.filter.iter().map(|(f, v)| format!("{f} = {v}")).collect::<Vec<_>>().join(" and ")
                ),
                crate::config::AggregateKind::Sum => format!("sum of `{}`", a.field.as_deref().unwrap_or_default()),
                crate::config::AggregateKind::Days => format!(
                    "sum of (`{}` - `{}` + 1) days",
                    a.to.as_deref().unwrap_or_default(),
                    a.from.as_deref().unwrap_or_default()
                ),
            };
            let over = match period {
                PeriodRule::Snapshot => "each council's latest extract dated inside the period's last month".to_string(),
                PeriodRule::Flow => format!("the latest version of each record whose `{}` falls in the period", date.as_deref().unwrap_or_default()),
            };
            format!(
                "{}{} x {scale} over the {source} rows{} of {over}",
                aggregate(numerator),
                denominator.as_ref().map(|d| format!(" / {}", aggregate(d))).unwrap_or_default(),
                if conditions.is_empty() { String::new() } else { format!(" where {}", conditions.join(" and ")) }
            )
        }
    }
}

/// The RAG rule applied, in words.
fn rag_rule(def: &IndicatorDef, v: &IndicatorValue) -> String {
    match (v.value, v.target, v.rag) {
        (_, _, _) if def.polarity == crate::config::Polarity::Context => {
            "a context measure: never given a target or a status".into()
        }
        (Some(value), Some(target), Some(rag)) => {
            let better = match def.polarity {
                crate::config::Polarity::Higher => "higher",
                _ => "lower",
            };
            let off = if target != 0.0 { (value - target) / target.abs() * 100.0 } else { 0.0 };
            format!(
                "{better} is better; the value {value:.2} is {:.2}% {} the target {target:.2}; {}: so {}",
                off.abs(),
                if off >= 0.0 { "above" } else { "below" },
                def.tolerance().describe(def.unit.as_str()),
                rag.as_str()
            )
        }
        (_, None, _) => "no target is set for this figure, so it has no status".into(),
        _ => "no value, so no status".into(),
    }
}

/// The extracts a figure uses, and the rows each of its conditions leaves out.
fn evidence(
    project: &Project,
    store: &Store,
    def: &IndicatorDef,
    partner: &str,
    p: Period,
    as_of: NaiveDate,
) -> Result<(Vec<ExtractUsed>, Vec<RowStep>, String), ExplainError> {
    let method = def.method.get_ref();
    let snapshot = is_snapshot(method);
    // Sickness is counted over the absence records (the staff records give the average FTE).
    let source = match method {
        Method::SicknessDaysPerFte { absence_source, .. } => Some(absence_source.clone()),
        _ => method.sources().first().map(|s| s.to_string()),
    };
    let Some(source) = source else {
        return Ok((Vec::new(), Vec::new(), "made from two other figures: explain each of them".into()));
    };
    let Some(sdef) = project.source(&source) else { return Ok((Vec::new(), Vec::new(), String::new())) };
    let partner_col = sdef.partner_field();
    let known_by = known_by(method, p, as_of);
    let used = extracts_used(store, def, partner, p, as_of);
    let Some(all) = store.load(&source, known_by)? else { return Ok((used, Vec::new(), "no rows".into())) };
    // "(period year)" is the extract's year for a snapshot, the record's date's for a flow.
    let year_of = match method {
        Method::Ratio { period: PeriodRule::Flow, date: Some(d), .. } => d.as_str(),
        _ => "as_at",
    };
    let mut lf = all.lazy().with_columns([financial_year(year_of).alias("fy")]);
    if snapshot {
        let dates: Vec<i32> = used.iter().map(|u| crate::periods::days_since_epoch(u.as_at)).collect();
        let date_in = dates.iter().fold(lit(false), |acc, d| acc.or(col("as_at").cast(DataType::Int32).eq(lit(*d))));
        lf = lf.filter(date_in);
    } else if !sdef.key.is_empty() {
        let keys: Vec<Expr> = sdef.key.iter().map(|k| col(k.as_str())).collect();
        lf = lf
            .sort(["as_at"], SortMultipleOptions::default().with_maintain_order(true))
            .unique_stable_generic(Some(keys), UniqueKeepStrategy::Last);
    }
    if let (Some(pc), true) = (partner_col, partner != ALL) {
        lf = lf.filter(col(pc).eq(lit(partner.to_string())));
    }
    let steps = conditions(method, sdef, p);
    if steps.is_empty() {
        return Ok((used, Vec::new(), "not counted row by row; its extracts are listed".into()));
    }
    let mut rows = Vec::new();
    let mut before = lf.clone().select([len()]).collect()?.column("len")?.u32()?.get(0).unwrap_or(0) as usize;
    for (words, expr) in steps {
        lf = lf.filter(expr);
        let after = lf.clone().select([len()]).collect()?.column("len")?.u32()?.get(0).unwrap_or(0) as usize;
        rows.push(RowStep { condition: words, rows_before: before, left_out: before - after, rows_after: after });
        before = after;
    }
    Ok((used, rows, String::new()))
}

fn is_snapshot(method: &Method) -> bool {
    matches!(method, Method::CollectionRate { .. } | Method::Ratio { period: PeriodRule::Snapshot, .. })
}

/// The date by which the versions a figure reads are known: the period end for items
/// outstanding at it, else the run date.
fn known_by(method: &Method, p: Period, as_of: NaiveDate) -> NaiveDate {
    match method {
        Method::OutstandingItems { .. } => p.end().min(as_of),
        _ => as_of,
    }
}

/// The extracts a figure reads, of every source its method reads: for a snapshot, each
/// council's latest inside the period's last month; for records, every extract known by the
/// run date (the latest version of each record wins). A per-unit figure reads none itself.
pub fn extracts_used(
    store: &Store,
    def: &IndicatorDef,
    partner: &str,
    p: Period,
    as_of: NaiveDate,
) -> Vec<ExtractUsed> {
    let method = def.method.get_ref();
    let snapshot = is_snapshot(method);
    let wanted = |part: &str| partner == ALL || part == partner || part == ALL;
    let last = p.last_month();
    let mut used: Vec<ExtractUsed> = Vec::new();
    for source in method.sources() {
        for (x, part) in
            store.parts(source, known_by(method, p, as_of)).into_iter().filter(|(_, part)| wanted(&part.partner))
        {
            if snapshot && !(last.start() <= x.as_at && x.as_at <= last.end()) {
                continue;
            }
            let e = ExtractUsed {
                source: source.to_string(),
                partner: part.partner.clone(),
                as_at: x.as_at,
                file: x.file_name.clone(),
                sha256: x.sha256.clone(),
                loaded_on: x.loaded_on,
                rows: part.rows,
            };
            if snapshot {
                used.retain(|u| !(u.source == e.source && u.partner == e.partner));
            }
            used.push(e);
        }
    }
    used
}

/// The extracts of a figure in one line for a table: each snapshot extract by name and
/// SHA-256; many record extracts by count, dates and the latest.
pub fn extracts_line(used: &[ExtractUsed]) -> String {
    // One file covering several councils is one extract.
    let mut by_source: Vec<(&str, Vec<&ExtractUsed>)> = Vec::new();
    for e in used {
        match by_source.iter_mut().find(|(s, _)| *s == e.source) {
            Some((_, v)) if v.iter().any(|x| x.sha256 == e.sha256) => {}
            Some((_, v)) => v.push(e),
            None => by_source.push((&e.source, vec![e])),
        }
    }
    let date = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
    by_source
        .iter()
        .map(|(source, xs)| {
            if xs.len() <= 4 {
                let files: Vec<String> = xs
                    .iter()
                    .map(|x| {
                        format!("{} as at {} (SHA-256 {})", x.file, date(x.as_at), &x.sha256[..12.min(x.sha256.len())])
                    })
                    .collect();
                format!("{source}: {}", files.join("; "))
            } else {
                let latest = xs.iter().max_by_key(|x| x.as_at).expect("not empty");
                let first = xs.iter().map(|x| x.as_at).min().expect("not empty");
                format!(
                    "{source}: {} extracts as at {} to {}, the latest {} (SHA-256 {})",
                    xs.len(),
                    date(first),
                    date(latest.as_at),
                    latest.file,
                    &latest.sha256[..12.min(latest.sha256.len())]
                )
            }
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// A method's conditions on rows, in words and as expressions, in the order they are applied.
fn conditions(method: &Method, sdef: &crate::config::SourceDef, p: Period) -> Vec<(String, Expr)> {
    let (start, end) = (crate::periods::days_since_epoch(p.start()), crate::periods::days_since_epoch(p.end()));
    let within = |f: &str| {
        let d = col(f).cast(DataType::Int32);
        (
            format!("{f} from {} to {}", p.start().format("%d/%m/%Y"), p.end().format("%d/%m/%Y")),
            d.clone().gt_eq(lit(start)).and(d.lt_eq(lit(end))),
        )
    };
    let equal = |f: &str, v: &str| {
        let words = if v == PERIOD_YEAR {
            format!("{f} = the period's year ({})", crate::periods::fy_label(p.fy))
        } else {
            format!("{f} = {v}")
        };
        (words, condition(sdef, f, v))
    };
    match method {
        Method::CollectionRate { tax_type, .. } => {
            vec![equal(field::TAX_TYPE, tax_type), equal(field::LIABILITY_YEAR, PERIOD_YEAR)]
        }
        Method::ProcessingDays { work_type, .. } => {
            vec![equal(field::WORK_TYPE, work_type), within(field::DATE_DECIDED)]
        }
        Method::Ratio { filter, date, .. } => {
            let mut out: Vec<(String, Expr)> = filter.iter().map(|(f, v)| equal(f, v)).collect();
            out.extend(date.as_deref().map(within));
            out
        }
        Method::OutstandingItems { received, decided, .. } => {
            let end_day = lit(end);
            vec![
                (
                    format!("{received} on or before {}", p.end().format("%d/%m/%Y")),
                    col(received.as_str()).cast(DataType::Int32).lt_eq(end_day.clone()),
                ),
                (
                    format!("{decided} blank or after {}", p.end().format("%d/%m/%Y")),
                    col(decided.as_str()).is_null().or(col(decided.as_str()).cast(DataType::Int32).gt(end_day)),
                ),
            ]
        }
        Method::Returned { code, .. } => {
            vec![(format!("indicator = {code}"), col(field::INDICATOR).eq(lit(code.clone())))]
        }
        // The rolling twelve months to the period end.
        Method::TurnoverPct { .. } | Method::SicknessDaysPerFte { .. } => {
            let first = Period::from_month_index(p.last_month().month_index() - 11).start();
            let (ws, we) = (crate::periods::days_since_epoch(first), end);
            let window = format!("{} to {}", first.format("%d/%m/%Y"), p.end().format("%d/%m/%Y"));
            let day = |f: &str| col(f).cast(DataType::Int32);
            if matches!(method, Method::TurnoverPct { .. }) {
                vec![(
                    format!("{} from {window} (the leavers)", field::LEAVING_DATE),
                    day(field::LEAVING_DATE).gt_eq(lit(ws)).and(day(field::LEAVING_DATE).lt_eq(lit(we))),
                )]
            } else {
                vec![(
                    format!("absences overlapping {window} (an open absence runs to its extract's date)"),
                    day(field::FIRST_DAY)
                        .lt_eq(lit(we))
                        .and(day(field::LAST_DAY).is_null().or(day(field::LAST_DAY).gt_eq(lit(ws)))),
                )]
            }
        }
        _ => Vec::new(),
    }
}

impl Explanation {
    /// The explanation for a person.
    pub fn human(&self) -> String {
        let n = |x: Option<f64>| x.map(|v| format!("{v:.4}")).unwrap_or_else(|| "none".into());
        let mut t = format!(
            "{} ({}): {}, {}, as of {}\n",
            self.name,
            self.indicator,
            self.partner_name,
            self.period,
            self.as_of.format("%d/%m/%Y")
        );
        t.push_str(&format!("  definition: {}\n  counted as: {}\n", self.definition, self.rule));
        match self.value {
            Some(v) => t.push_str(&format!(
                "  value: {v:.4} {}; numerator {}, denominator {}, scale {}: {} / {} x {} = {}\n",
                self.unit,
                n(self.numerator),
                n(self.denominator),
                self.scale,
                n(self.numerator),
                n(self.denominator),
                self.scale,
                n(self.recomputed)
            )),
            None => t.push_str(&format!("  no value: {}\n", self.note.clone().unwrap_or_default())),
        }
        t.push_str(&format!("  status: {}\n", self.rag_rule));
        if let (Some(ly), Some(d)) = (self.last_year, &self.direction) {
            t.push_str(&format!("  direction of travel: {d} against the same period last year ({ly:.4})\n"));
        }
        t.push_str(&format!("  extracts used ({}):\n", self.extracts.len()));
        for e in &self.extracts {
            t.push_str(&format!(
                "    {} {} as at {}: {} (SHA-256 {}), loaded {}, {} rows\n",
                e.source,
                e.partner,
                e.as_at.format("%d/%m/%Y"),
                e.file,
                e.sha256,
                e.loaded_on.format("%d/%m/%Y"),
                e.rows
            ));
        }
        if self.rows.is_empty() {
            t.push_str(&format!("  rows: {}\n", self.rows_note));
        }
        for r in &self.rows {
            t.push_str(&format!(
                "  rows: {} of {} kept by {} ({} left out)\n",
                r.rows_after, r.rows_before, r.condition, r.left_out
            ));
        }
        for c in &self.commentary {
            t.push_str(&format!("  commentary: {c}\n"));
        }
        for w in &self.waivers {
            t.push_str(&format!("  waiver: {w}\n"));
        }
        if let Some(r) = &self.restatement {
            t.push_str(&format!("  {r}\n"));
        }
        for p in &self.parts {
            t.push_str(&format!(
                "  part of {}: numerator {}, denominator {}, value {}\n",
                p.partner_name,
                n(p.numerator),
                n(p.denominator),
                n(p.value)
            ));
        }
        t
    }
}
