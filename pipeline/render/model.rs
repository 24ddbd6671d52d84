//! The report model: everything the workbook, CSV and PDF show, computed once.

use super::format::{long_date, number_text, value_text};
use crate::config::{Polarity, Project};
use crate::indicators::{IndicatorValue, Rag, ALL};
use crate::periods::{Period, PeriodKind};
use crate::store::StoredExtract;
use chrono::NaiveDate;
use serde::Serialize;

pub use crate::check::{FileReport, FileStatus};

#[derive(Debug, Clone, Serialize)]
pub struct PartnerRef {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorInfo {
    pub id: String,
    pub name: String,
    pub perspective: String,
    pub goal: String,
    pub frequency: String,
    pub unit: String,
    pub polarity: String,
    pub decimals: u8,
    pub owner: String,
    pub definition: String,
    pub data_source: String,
    pub tolerance: String,
    /// What the numbers count, for table headings ("%", "days", "£", "").
    pub unit_label: String,
}

/// The files of one source in this run.
#[derive(Debug, Clone, Serialize)]
pub struct SourceSummary {
    pub source: String,
    pub name: String,
    pub accepted: usize,
    pub quarantined: usize,
    pub duplicate: usize,
    pub rows_loaded: usize,
    /// `193,440`.
    pub rows_loaded_text: String,
    /// Latest as-at date accepted in this run, as `31 March 2026`.
    pub latest_as_at: String,
}

/// One figure, ready for every rendering.
#[derive(Debug, Clone, Serialize)]
pub struct ValueRow {
    pub indicator_id: String,
    pub partner_code: String,
    pub partner_name: String,
    pub period: String,
    pub period_kind: PeriodKind,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: Option<f64>,
    pub value_text: String,
    /// The number alone, with `%` for percentages (for narrow tables).
    pub number_text: String,
    pub target: Option<f64>,
    pub target_text: String,
    pub rag: Option<String>,
    pub indicator_name: String,
    pub perspective: String,
    /// The sums behind the value (a count has a numerator only).
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    /// The same period last year, and the direction of travel from it (`improved`, `worse`,
    /// `no change`, or empty).
    pub last_year: Option<f64>,
    pub last_year_text: String,
    pub direction: String,
    /// The owner's commentary (explanation, action, owner), if any.
    pub commentary: String,
    /// Red or Amber with no commentary, in a period the reports are about.
    pub commentary_missing: bool,
    /// The period is one the reports are about (the latest month, quarter or year).
    pub reported: bool,
    /// Why the value is empty (whose data has not arrived, or nothing to divide by); empty
    /// when there is a value.
    pub note: String,
}

/// A row of the scorecard summary: one indicator, one cell per partner and the partnership.
#[derive(Debug, Clone, Serialize)]
pub struct ScorecardRow {
    pub indicator_id: String,
    pub name: String,
    pub perspective: String,
    pub period: String,
    pub cells: Vec<ValueRow>,
}

/// One indicator's latest month broken down by the values of a column.
#[derive(Debug, Clone, Serialize)]
pub struct BreakdownTable {
    pub indicator_id: String,
    pub name: String,
    /// What the bases of its rows are, and whether in pounds (`("Items decided", false)`).
    pub base: Option<(String, bool)>,
    /// The column broken down by (as its header reads, and its field), and the period shown.
    pub column: String,
    pub field: String,
    pub period: String,
    pub rows: Vec<BreakdownRow>,
}

/// One value of the breakdown column: its figure for each partner and the partnership (in
/// the order of the model's `partners`).
#[derive(Debug, Clone, Serialize)]
pub struct BreakdownRow {
    pub label: String,
    pub cells: Vec<String>,
    pub values: Vec<Option<f64>>,
    /// Each figure's base (its denominator: the items decided, the debit), where the
    /// indicator's method has one a reader can size a group by.
    pub bases: Vec<Option<f64>>,
}

/// A trend row: one indicator's partnership values over recent quarters.
#[derive(Debug, Clone, Serialize)]
pub struct TrendRow {
    pub indicator_id: String,
    pub name: String,
    pub cells: Vec<ValueRow>,
}

/// The commentary on one value, as one line: "explanation Action: ... (owner)" (see
/// [`crate::config::commentary_for`] for which period's commentary a figure takes).
fn commentary_text(project: &Project, v: &IndicatorValue) -> String {
    crate::config::commentary_for(&project.commentary, &v.indicator_id, &v.partner_code, v.period)
        .into_iter()
        .map(|c| {
            let mut t = c.explanation.clone();
            if !c.action.is_empty() {
                t.push_str(&format!(" Action: {}", c.action));
            }
            if !c.owner.is_empty() {
                t.push_str(&format!(" ({})", c.owner));
            }
            t.trim().to_string()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The data quality of one source: which extract the figures use, whether it is stale,
/// what became of the latest one checked, and its scores over time.
#[derive(Debug, Clone, Serialize)]
pub struct SourceQuality {
    pub source: String,
    pub name: String,
    /// As-at date of the latest accepted extract, which the figures use.
    pub in_use: Option<NaiveDate>,
    /// Older than the source's `stale_after_days` (or never loaded).
    pub stale: bool,
    /// One sentence for the committee: the data in use, and anything wrong with it.
    pub statement: String,
    /// Scores of the latest extract checked, by characteristic.
    pub scores: Vec<crate::check::Score>,
    /// The same scores as text, one per characteristic in [`Characteristic::ALL`] order
    /// (`99.8%`, or `not checked`).
    ///
    /// [`Characteristic::ALL`]: crate::config::Characteristic::ALL
    pub score_text: Vec<String>,
    /// Per as-at date, the mean score over the characteristics of the extract checked for it
    /// (the latest check of each date).
    pub history: Vec<(NaiveDate, f64)>,
    /// The latest extract checked: its name and as-at date, and the checks it did not pass.
    pub latest_file: String,
    pub latest_as_at: Option<NaiveDate>,
    pub findings: Vec<QualityFinding>,
    /// Councils whose data for a month has not arrived, one sentence each.
    pub missing: Vec<String>,
}

/// A check the latest extract of a source did not pass.
#[derive(Debug, Clone, Serialize)]
pub struct QualityFinding {
    pub check: String,
    /// The check in words (its definition's description).
    pub description: String,
    pub characteristic: String,
    /// `warning` or `error`, as the definition sets it.
    pub severity: String,
    /// `warning`, `fail` or `waived`.
    pub status: String,
    pub failing: usize,
    pub checked: usize,
    /// `100 of 5,459`.
    pub failing_text: String,
    pub message: String,
    /// The message where it says more than the counts ("100 of 5459 fail" does not), else
    /// empty.
    pub found: String,
    pub waiver: String,
}

/// What the figures of a source use: "the extract as at 31 March 2026", or, where the
/// councils' latest data differ in date, "the extracts as at 31 March 2026 (Breckland, East
/// Suffolk) and 28 March 2026 (Fenland)".
fn in_use_text(project: &Project, latest: &std::collections::BTreeMap<String, NaiveDate>) -> String {
    let mut by_date: std::collections::BTreeMap<std::cmp::Reverse<NaiveDate>, Vec<String>> = Default::default();
    for (partner, d) in latest {
        by_date.entry(std::cmp::Reverse(*d)).or_default().push(project.partner_name(partner));
    }
    if by_date.len() == 1 {
        let d = by_date.keys().next().expect("one date").0;
        return format!("the extract as at {}", long_date(d));
    }
    let dates: Vec<String> =
        by_date.iter().map(|(d, who)| format!("{} ({})", long_date(d.0), who.join(", "))).collect();
    format!("the extracts as at {}", dates.join(" and "))
}

/// The mean score over the characteristics of each extract of a source, by as-at date (the
/// latest check of each date).
fn score_history(records: &[&crate::check::QualityRecord]) -> Vec<(NaiveDate, f64)> {
    let mut by_date: std::collections::BTreeMap<NaiveDate, &crate::check::QualityRecord> = Default::default();
    for r in records {
        by_date.insert(r.as_at, r);
    }
    by_date
        .iter()
        .filter(|(_, r)| !r.scores.is_empty())
        .map(|(d, r)| (*d, r.scores.iter().map(|s| s.pass_pct).sum::<f64>() / r.scores.len() as f64))
        .collect()
}

/// The checks of an extract that did not pass, and those that passed with failing rows
/// below their threshold (open findings all the same), as the data-quality report lists
/// them.
fn open_findings(r: &crate::check::QualityRecord) -> Vec<QualityFinding> {
    r.checks
        .iter()
        .filter(|c| c.status != crate::check::Status::Pass || c.failing > 0)
        .map(|c| QualityFinding {
            check: c.id.clone(),
            characteristic: c.characteristic.name().to_string(),
            severity: match c.severity {
                crate::config::Severity::Warning => "warning".into(),
                crate::config::Severity::Error => "error".into(),
            },
            status: match c.status {
                crate::check::Status::Pass => "below threshold".to_string(),
                other => other.word().to_string(),
            },
            failing: c.failing,
            checked: c.checked,
            failing_text: format!(
                "{} of {}",
                super::format::thousands(c.failing as f64, 0),
                super::format::thousands(c.checked as f64, 0)
            ),
            message: c.message.clone(),
            found: if crate::check::counts_only(c) { String::new() } else { c.message.clone() },
            description: c.description.clone(),
            waiver: c.waiver.clone().unwrap_or_default(),
        })
        .collect()
}

/// The data quality of every source, from the store (what has arrived from whom) and the
/// kept quality records.
pub fn source_quality(
    project: &Project,
    deliveries: &crate::store::coverage::Deliveries,
    missing: &[crate::store::coverage::MissingDelivery],
    records: &[crate::check::QualityRecord],
    files: &[FileReport],
    as_of: NaiveDate,
) -> Vec<SourceQuality> {
    project
        .sources
        .iter()
        .map(|src| {
            let id = src.id();
            let latest_by_partner = deliveries.latest(id);
            let in_use = latest_by_partner.values().max().copied();
            let age = in_use.map(|d| (as_of - d).num_days());
            // A source that has never delivered is stale, whatever its interval: nothing
            // about it is current.
            let stale = match (src.stale_after_days, age) {
                (Some(days), Some(age)) => age > days as i64,
                (_, None) => true,
                (None, Some(_)) => false,
            };
            let mine: Vec<&crate::check::QualityRecord> = records.iter().filter(|r| r.source == id).collect();
            let latest = mine.iter().max_by_key(|r| (r.checked_on, r.as_at)).copied();
            let mut statement = match in_use {
                Some(_) => format!("{}: figures use {}", src.name, in_use_text(project, &latest_by_partner)),
                None => format!("{}: no extract has been accepted yet", src.name),
            };
            if stale {
                statement.push_str(&match (age, src.stale_after_days) {
                    (Some(a), Some(limit)) => {
                        format!(", {a} days old: STALE (a new extract is due every {limit} days)")
                    }
                    // "no extract has been accepted yet" has said why.
                    _ => " (STALE)".to_string(),
                });
            }
            let missing = crate::store::coverage::notes_together(missing.iter().filter(|m| m.source == id));
            if !missing.is_empty() {
                statement.push_str(&format!(
                    "; not yet arrived: {} (figures needing them are empty, with a note)",
                    missing.join("; ")
                ));
            }
            for f in files.iter().filter(|f| f.source.as_deref() == Some(id) && f.status == FileStatus::Quarantined) {
                statement.push_str(&format!(
                    "; {} was quarantined in this run{}, so the earlier data stays in use",
                    f.name,
                    f.as_at.map(|d| format!(" (as at {})", long_date(d))).unwrap_or_default()
                ));
            }
            statement.push('.');
            let scores: Vec<crate::check::Score> = latest.map(|r| r.scores.clone()).unwrap_or_default();
            let score_text = crate::config::Characteristic::ALL
                .iter()
                .map(|ch| match scores.iter().find(|s| s.characteristic == *ch) {
                    Some(s) => format!("{:.1}%", s.pass_pct),
                    None => "not checked".into(),
                })
                .collect();
            SourceQuality {
                source: id.to_string(),
                name: src.name.clone(),
                in_use,
                stale,
                statement,
                scores,
                score_text,
                history: score_history(&mine),
                latest_file: latest.map(|r| r.file_name.clone()).unwrap_or_default(),
                latest_as_at: latest.map(|r| r.as_at),
                findings: latest.map(open_findings).unwrap_or_default(),
                missing,
            }
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportModel {
    pub title: String,
    pub organisation: String,
    pub short_name: String,
    pub meeting: String,
    pub author: String,
    pub synthetic: bool,
    pub as_of: NaiveDate,
    pub as_of_text: String,
    /// The latest complete month with any figure.
    pub latest_month: Option<String>,
    pub partners: Vec<PartnerRef>,
    pub indicators: Vec<IndicatorInfo>,
    pub scorecard: Vec<ScorecardRow>,
    pub trend_periods: Vec<String>,
    pub trends: Vec<TrendRow>,
    pub values: Vec<ValueRow>,
    pub files: Vec<FileReport>,
    /// This run's files by source.
    pub source_summary: Vec<SourceSummary>,
    /// This run's files that were not accepted, with the reasons.
    pub attention: Vec<FileReport>,
    pub lineage: Vec<StoredExtract>,
    /// Every council's data a later file replaced, oldest first (the Lineage sheet).
    pub replacements: Vec<crate::store::Replaced>,
    /// Councils whose data for a month has not arrived (the data-quality report).
    pub missing: Vec<crate::store::coverage::MissingDelivery>,
    /// Breakdowns of indicators' latest months by a column of their source.
    pub breakdowns: Vec<BreakdownTable>,
    /// Red and amber results of the scorecard's latest month, with their commentary or
    /// marked as missing it (exception reporting).
    pub exceptions: Vec<ValueRow>,
    /// Data quality by source.
    pub quality: Vec<SourceQuality>,
    /// The characteristics' names, in the order of each source's `score_text`.
    pub characteristics: Vec<String>,
    /// Each partner's standing among its comparators (empty without `benchmarks.toml`).
    pub benchmark: super::benchmark::BenchmarkSection,
    /// Data-quality problems accepted for a time (`waivers.toml`).
    pub waivers: Vec<WaiverInfo>,
    /// The (report or `all`, period) pairs approved for publication (`scorecard approve`),
    /// from the store's audit log.
    #[serde(skip)]
    pub approved: Vec<(String, String)>,
    /// Figures of approved periods that read differently now, and why.
    pub restatements: Vec<crate::store::audit::Restatement>,
    /// Every figure of the reported periods with the extracts behind it (the workbook's
    /// Lineage sheet).
    #[serde(skip)]
    pub figure_lineage: Vec<FigureLineage>,
}

/// One reported figure and the extracts behind it, as `scorecard explain` tells them.
#[derive(Debug, Clone, Serialize)]
pub struct FigureLineage {
    pub indicator_id: String,
    pub indicator_name: String,
    pub partner_name: String,
    pub period: String,
    pub value_text: String,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    /// The extracts, in one line ([`crate::indicators::explain::extracts_line`]).
    pub extracts: String,
    /// The command that tells the whole story.
    pub explain: String,
}

/// An accepted data-quality problem, as the data-quality report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct WaiverInfo {
    pub source: String,
    pub check: String,
    pub comment: String,
    pub by: String,
    pub file: String,
    /// `31 January 2026`.
    pub expires: String,
    pub expired: bool,
}

impl ReportModel {
    pub fn build(
        project: &Project,
        values: &[IndicatorValue],
        files: Vec<FileReport>,
        lineage: Vec<StoredExtract>,
        quality: Vec<SourceQuality>,
        breakdowns: &[crate::indicators::BreakdownValues],
        as_of: NaiveDate,
    ) -> ReportModel {
        let settings = &project.settings;
        let mut partners: Vec<PartnerRef> =
            settings.partner.iter().map(|p| PartnerRef { code: p.code.clone(), name: p.name.clone() }).collect();
        partners.push(PartnerRef { code: ALL.into(), name: settings.organisation.partnership_label() });

        let reported = reported_periods(values);
        let rows: Vec<ValueRow> = values.iter().map(|v| value_row(project, v, reported.contains(&v.period))).collect();
        let latest_month: Option<Period> =
            values.iter().filter(|v| v.period.kind == PeriodKind::Month && v.value.is_some()).map(|v| v.period).max();
        let scorecard = scorecard_rows(project, values, &rows);
        let (trend_quarters, trends) = trend_rows(project, values, &rows);
        let indicators = project.indicators.iter().map(indicator_info).collect();
        let source_summary = source_summaries(project, &files);
        let attention = files.iter().filter(|f| f.status != FileStatus::Accepted).cloned().collect();
        let breakdown_tables = breakdown_tables(project, breakdowns, &scorecard, &partners);
        let exceptions = scorecard
            .iter()
            .flat_map(|r: &ScorecardRow| r.cells.iter())
            .filter(|c| matches!(c.rag.as_deref(), Some("Red" | "Amber")))
            .cloned()
            .collect();

        ReportModel {
            title: format!("{} performance report", settings.organisation.name),
            organisation: settings.organisation.name.clone(),
            short_name: settings.organisation.short_name.clone(),
            meeting: settings.report.meeting.clone(),
            author: settings.report.author.clone(),
            synthetic: settings.organisation.synthetic,
            as_of,
            as_of_text: long_date(as_of),
            latest_month: latest_month.map(|p| p.label()),
            partners,
            indicators,
            scorecard,
            trend_periods: trend_quarters.iter().map(Period::label).collect(),
            trends,
            values: rows,
            files,
            source_summary,
            attention,
            lineage,
            replacements: Vec::new(),
            missing: Vec::new(),
            breakdowns: breakdown_tables,
            exceptions,
            quality,
            characteristics: crate::config::Characteristic::ALL.iter().map(|c| c.name().to_string()).collect(),
            benchmark: Default::default(),
            waivers: project.waivers.iter().map(|w| waiver_info(project, w, as_of)).collect(),
            approved: Vec::new(),
            restatements: Vec::new(),
            figure_lineage: Vec::new(),
        }
    }

    /// The model with its benchmarking section.
    pub fn with_benchmarks(mut self, section: super::benchmark::BenchmarkSection) -> ReportModel {
        self.benchmark = section;
        self
    }

    /// One figure: an indicator's, for a partner (or the partnership) and a period label.
    pub fn value(&self, id: &str, partner: &str, period: &str) -> Option<&ValueRow> {
        self.values.iter().find(|v| v.indicator_id == id && v.partner_code == partner && v.period == period)
    }

    /// Whether an indicator has figures for a partner at all (not when it is made for the
    /// partnership alone).
    pub fn has_figures(&self, id: &str, partner: &str) -> bool {
        self.values.iter().any(|v| v.indicator_id == id && v.partner_code == partner)
    }

    /// The file-name stem of this run's outputs: `scorecard-ARP-2026-11-22`.
    pub fn file_stem(&self) -> String {
        let short: String =
            self.short_name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
        format!("scorecard-{short}-{}", self.as_of)
    }
}

/// The periods the reports are about: the latest month, quarter and year with a figure.
/// Commentary is asked for (a Red or Amber result without it is "commentary missing") in
/// these only: an old period's gap is history, not a task.
fn reported_periods(values: &[IndicatorValue]) -> Vec<Period> {
    [PeriodKind::Month, PeriodKind::Quarter, PeriodKind::Year]
        .into_iter()
        .filter_map(|kind| values.iter().filter(|v| v.period.kind == kind && v.value.is_some()).map(|v| v.period).max())
        .collect()
}

/// One figure as every output shows it; `reported` when its period is one the reports are
/// about.
fn value_row(project: &Project, v: &IndicatorValue, reported: bool) -> ValueRow {
    let def = project.indicators.iter().find(|d| d.id() == v.indicator_id).expect("value of a defined indicator");
    let text = |x: Option<f64>| x.map(|x| value_text(Some(x), def.unit, def.decimals)).unwrap_or_default();
    let commentary = commentary_text(project, v);
    ValueRow {
        indicator_id: v.indicator_id.clone(),
        partner_code: v.partner_code.clone(),
        partner_name: project.partner_name(&v.partner_code),
        period: v.period.label(),
        period_kind: v.period.kind,
        period_start: v.period.start(),
        period_end: v.period.end(),
        value: v.value,
        value_text: value_text(v.value, def.unit, def.decimals),
        number_text: number_text(v.value, def.unit, def.decimals),
        target: v.target,
        target_text: text(v.target),
        rag: v.rag.map(|r| r.as_str().to_string()),
        indicator_name: def.name.clone(),
        perspective: def.perspective.clone(),
        numerator: v.numerator,
        denominator: v.denominator,
        last_year: v.last_year,
        last_year_text: text(v.last_year),
        direction: v.direction.map(|d| d.as_str().to_string()).unwrap_or_default(),
        commentary_missing: reported && matches!(v.rag, Some(Rag::Red | Rag::Amber)) && commentary.is_empty(),
        commentary,
        reported,
        note: v.note.clone().unwrap_or_default(),
    }
}

/// Each indicator's latest month with a figure for the partnership or any partner, with
/// every partner's figure for it.
fn scorecard_rows(project: &Project, values: &[IndicatorValue], rows: &[ValueRow]) -> Vec<ScorecardRow> {
    project
        .indicators
        .iter()
        .filter_map(|def| {
            let latest = values
                .iter()
                .filter(|v| v.indicator_id == def.id() && v.period.kind == PeriodKind::Month && v.value.is_some())
                .map(|v| v.period)
                .max()?;
            let cells: Vec<ValueRow> =
                rows.iter().filter(|r| r.indicator_id == def.id() && r.period == latest.label()).cloned().collect();
            Some(ScorecardRow {
                indicator_id: def.id().to_string(),
                name: def.name.clone(),
                perspective: def.perspective.clone(),
                period: latest.label(),
                cells,
            })
        })
        .collect()
}

/// The last eight quarters, and each indicator's partnership figure for each of them ("no
/// data", with a note, where the indicator has none).
fn trend_rows(project: &Project, values: &[IndicatorValue], rows: &[ValueRow]) -> (Vec<Period>, Vec<TrendRow>) {
    let mut quarters: Vec<Period> =
        values.iter().filter(|v| v.period.kind == PeriodKind::Quarter).map(|v| v.period).collect();
    quarters.sort();
    quarters.dedup();
    let trend_quarters: Vec<Period> = quarters.iter().rev().take(8).rev().copied().collect();
    let missing = |def: &crate::config::IndicatorDef, q: &Period| ValueRow {
        indicator_id: def.id().to_string(),
        partner_code: ALL.into(),
        partner_name: project.settings.organisation.partnership_label(),
        period: q.label(),
        period_kind: PeriodKind::Quarter,
        period_start: q.start(),
        period_end: q.end(),
        value: None,
        value_text: "no data".into(),
        number_text: "no data".into(),
        target: None,
        target_text: String::new(),
        rag: None,
        indicator_name: def.name.clone(),
        perspective: def.perspective.clone(),
        numerator: None,
        denominator: None,
        last_year: None,
        last_year_text: String::new(),
        direction: String::new(),
        commentary: String::new(),
        commentary_missing: false,
        reported: false,
        note: "not reported for this quarter (the indicator is not computed for it)".into(),
    };
    let trends = project
        .indicators
        .iter()
        .map(|def| TrendRow {
            indicator_id: def.id().to_string(),
            name: def.name.clone(),
            cells: trend_quarters
                .iter()
                .map(|q| {
                    rows.iter()
                        .find(|r| r.indicator_id == def.id() && r.partner_code == ALL && r.period == q.label())
                        .cloned()
                        .unwrap_or_else(|| missing(def, q))
                })
                .collect(),
        })
        .collect();
    (trend_quarters, trends)
}

/// An indicator's metadata as reports print it.
fn indicator_info(d: &crate::config::IndicatorDef) -> IndicatorInfo {
    IndicatorInfo {
        id: d.id().to_string(),
        name: d.name.clone(),
        perspective: d.perspective.clone(),
        goal: d.goal.clone(),
        frequency: d.frequency.as_str().to_string(),
        unit: d.unit.as_str().to_string(),
        polarity: match d.polarity {
            Polarity::Higher => "Higher is better".into(),
            Polarity::Lower => "Lower is better".into(),
            Polarity::Context => "Context: neither higher nor lower is better (no target)".into(),
        },
        decimals: d.decimals,
        owner: d.owner.clone(),
        definition: d.definition.clone(),
        data_source: d.data_source.clone(),
        unit_label: match d.unit {
            crate::config::Unit::Percent => "%".into(),
            crate::config::Unit::Days => "days".into(),
            crate::config::Unit::Pounds => "£".into(),
            crate::config::Unit::Count => String::new(),
        },
        tolerance: d.tolerance().describe(d.unit.as_str()),
    }
}

/// This run's files by source: how many were accepted, quarantined and duplicates, rows
/// loaded, latest as-at date (sources without a file this run left out).
fn source_summaries(project: &Project, files: &[FileReport]) -> Vec<SourceSummary> {
    project
        .sources
        .iter()
        .filter_map(|src| {
            let mine: Vec<&FileReport> = files.iter().filter(|f| f.source.as_deref() == Some(src.id())).collect();
            if mine.is_empty() {
                return None;
            }
            let count = |s: FileStatus| mine.iter().filter(|f| f.status == s).count();
            let accepted: Vec<&&FileReport> = mine.iter().filter(|f| f.status == FileStatus::Accepted).collect();
            let rows_loaded: usize = accepted.iter().filter_map(|f| f.rows_accepted).sum();
            Some(SourceSummary {
                source: src.id().to_string(),
                name: src.name.clone(),
                accepted: accepted.len(),
                quarantined: count(FileStatus::Quarantined),
                duplicate: count(FileStatus::Duplicate),
                rows_loaded,
                rows_loaded_text: super::format::thousands(rows_loaded as f64, 0),
                latest_as_at: accepted.iter().filter_map(|f| f.as_at).max().map(long_date).unwrap_or_default(),
            })
        })
        .collect()
}

/// Breakdowns of each indicator's scorecard month: one table per indicator and column, one
/// row per value, a cell per partner.
fn breakdown_tables(
    project: &Project,
    breakdowns: &[crate::indicators::BreakdownValues],
    scorecard: &[ScorecardRow],
    partners: &[PartnerRef],
) -> Vec<BreakdownTable> {
    let mut tables: Vec<BreakdownTable> = Vec::new();
    for b in breakdowns {
        let Some(row) = scorecard.iter().find(|r| r.indicator_id == b.indicator_id) else { continue };
        let def = project.indicators.iter().find(|d| d.id() == b.indicator_id).expect("indicator of a breakdown");
        let at = |p: &PartnerRef| b.values.iter().find(|v| v.partner_code == p.code && v.period.label() == row.period);
        let values: Vec<Option<f64>> = partners.iter().map(|p| at(p).and_then(|v| v.value)).collect();
        let base = def.method.get_ref().base();
        let bases: Vec<Option<f64>> =
            partners.iter().map(|p| base.and(at(p)).and_then(|v| v.value.and(v.denominator))).collect();
        // The column broken down by, as its source defines it.
        let column =
            def.method.get_ref().sources().first().and_then(|s| project.source(s)).and_then(|s| s.column(&b.column));
        // A code is shown by the first spelling its source lists ("Direct Debit", not "DD").
        let spelling = column.and_then(|c| c.values.get(&b.label)).and_then(|v| v.first());
        let line = BreakdownRow {
            label: spelling.cloned().unwrap_or_else(|| b.label.clone()),
            cells: values.iter().map(|v| value_text(*v, def.unit, def.decimals)).collect(),
            values,
            bases,
        };
        match tables.iter_mut().find(|t| t.indicator_id == b.indicator_id && t.field == b.column) {
            Some(t) => t.rows.push(line),
            None => tables.push(BreakdownTable {
                indicator_id: b.indicator_id.clone(),
                name: def.name.clone(),
                base: base.map(|(words, pounds)| (words.to_string(), pounds)),
                // The column as the source system heads it.
                column: column.and_then(|c| c.headers.first().cloned()).unwrap_or_else(|| b.column.clone()),
                field: b.column.clone(),
                period: row.period.clone(),
                rows: vec![line],
            }),
        }
    }
    tables
}

/// A waiver as the data-quality report lists it.
fn waiver_info(project: &Project, w: &crate::config::Waiver, as_of: NaiveDate) -> WaiverInfo {
    WaiverInfo {
        source: project
            .source(w.source.get_ref())
            .map(|s| s.name.clone())
            .unwrap_or_else(|| w.source.get_ref().clone()),
        check: w.check.get_ref().clone(),
        comment: w.comment.clone(),
        by: w.by.clone(),
        file: w.file.clone().unwrap_or_default(),
        expires: long_date(w.expires_on),
        expired: w.expires_on < as_of,
    }
}
