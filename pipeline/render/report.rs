//! Reports for each layer of governance: which reports exist ([`KINDS`]), and the part of the
//! report model each one focuses on ([`Focus`]): the partner (or the partnership), the period
//! (the latest complete quarter or month), each indicator's figure for it with the
//! partnership's beside it, a trend with its target ready to draw (points scaled to 0..1,
//! with alternative text that says what the chart shows), the financial year's quarters, the
//! partner's standing among its comparators, and the exceptions. Templates receive the whole
//! model and the focus as `/data.json`; nothing from the data is ever spliced into markup.

use super::benchmark::BenchmarkRow;
use super::chart::{line_chart, short_label, Chart, Series};
use super::model::ValueRow;
use super::ReportModel;
use crate::config::{IndicatorDef, Project};
use crate::indicators::ALL;
use crate::periods::{Period, PeriodKind};
use serde::Serialize;

pub use crate::config::reports::{kind, ReportKind, DEFAULT_REPORTS, KINDS};

/// One indicator in a focused report.
#[derive(Debug, Clone, Serialize)]
pub struct FocusRow {
    pub indicator_id: String,
    pub name: String,
    pub perspective: String,
    pub goal: String,
    pub unit_label: String,
    pub polarity: String,
    /// The focus partner's figure for the focus period.
    pub cell: Option<ValueRow>,
    /// The partnership's figure for the same period (partner reports).
    pub partnership: Option<ValueRow>,
    /// The focus partner's trend: the last 8 quarters or 12 months, with targets.
    pub chart: Option<Chart>,
    /// The financial year's quarters (Q1 to Q4) and the year's figure.
    pub quarters: Vec<Option<ValueRow>>,
    pub year: Option<ValueRow>,
    /// The owner's forward look (the commentary's action), if any.
    pub forward_look: String,
    /// The partner's latest standing in the first comparator group.
    pub benchmark: Option<BenchmarkRow>,
    /// A partner's report of an indicator made for the partnership alone (its source has
    /// figures for no council apart): "partnership only", not "no data".
    pub partnership_only: bool,
    /// A context measure: a trend word, never a target or a RAG status.
    pub context: bool,
}

/// What one report is about.
#[derive(Debug, Clone, Serialize)]
pub struct Focus {
    pub report: String,
    pub title: String,
    /// The meeting or group the report is for.
    pub audience: String,
    pub partner_code: String,
    pub partner_name: String,
    /// `Breckland`, or the partnership's name.
    pub scope: String,
    /// The scope inside a sentence: `Breckland`, or `the partnership (Breckland, East
    /// Suffolk and Fenland)`.
    pub scope_in_sentence: String,
    pub is_partnership: bool,
    pub period: Option<String>,
    /// `Quarter 4, 2025/26 (January to March 2026)`.
    pub period_text: String,
    /// The financial year of the period and the labels of its quarters.
    pub year_label: String,
    pub quarter_labels: Vec<String>,
    pub rows: Vec<FocusRow>,
    /// Red and amber results of the period, with commentary or marked as missing it.
    pub exceptions: Vec<ValueRow>,
    /// The perspectives, in order.
    pub perspectives: Vec<String>,
    /// What the first page says: statuses counted, results off target, changes.
    pub first_page: super::summary::FirstPage,
    /// The report needs its period approved for publication and it is not: every page and
    /// the PDF's metadata say "DRAFT – not approved for publication".
    pub draft: bool,
}

fn period_text(p: &Period) -> String {
    let fmt = |d: chrono::NaiveDate| d.format("%B %Y").to_string();
    match p.kind {
        PeriodKind::Quarter => format!(
            "Quarter {}, {} ({} to {})",
            p.number,
            crate::periods::fy_label(p.fy),
            p.start().format("%B"),
            fmt(p.end())
        ),
        PeriodKind::Month => format!("{} ({})", fmt(p.start()), p.label()),
        _ => p.label(),
    }
}

/// The chart of one indicator in a report: a cumulative indicator's months of this year
/// against last year's with the profiled target; any other's trend over the report's last
/// periods with its target.
fn chart_of(m: &ReportModel, def: &IndicatorDef, partner: &str, whose: &str, frame: &Frame) -> Option<Chart> {
    let find = |label: &str| m.value(def.id(), partner, label);
    let title = format!("{} for {whose}", def.name);
    if let (true, Some(fy)) = (def.cumulative, frame.fy) {
        let months = |fy: i32| (1..=12).map(move |n| Period::month(fy, n).label());
        let value = |fy: i32| months(fy).map(|l| find(&l).and_then(|v| v.value)).collect::<Vec<_>>();
        let labels = (1..=12).map(|n| Period::month(fy, n).start().format("%b").to_string()).collect();
        let series = vec![
            Series { name: crate::periods::fy_label(fy), style: "value", values: value(fy) },
            Series { name: crate::periods::fy_label(fy - 1), style: "earlier", values: value(fy - 1) },
            Series {
                name: "Target profile".into(),
                style: "target",
                values: months(fy).map(|l| find(&l).and_then(|v| v.target)).collect(),
            },
        ];
        return line_chart(&format!("{title}, by month of the year"), labels, series, def.unit, def.decimals);
    }
    let rows: Vec<Option<&ValueRow>> = frame.trend.iter().map(|p| find(&p.label())).collect();
    let series = vec![
        Series {
            name: whose.to_string(),
            style: "value",
            values: rows.iter().map(|r| r.and_then(|r| r.value)).collect(),
        },
        Series {
            name: "Target".into(),
            style: "target",
            values: rows.iter().map(|r| r.and_then(|r| r.target)).collect(),
        },
    ];
    line_chart(&title, frame.trend.iter().map(short_label).collect(), series, def.unit, def.decimals)
}

/// Who a report is about, in words: a partner's name, or the partnership and its councils
/// ("The partnership: Breckland, East Suffolk and Fenland" as a heading, "the partnership
/// (Breckland, East Suffolk and Fenland)" inside a sentence); the council's name alone in a
/// project of one.
fn scope_text(project: &Project, partner: &str) -> (String, String) {
    if let [one] = project.settings.partner.as_slice() {
        return (one.name.clone(), one.name.clone());
    }
    if partner != ALL {
        return (project.partner_name(partner), project.partner_name(partner));
    }
    let names: Vec<&str> = project.settings.partner.iter().map(|p| p.name.as_str()).collect();
    let listed = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    };
    (format!("The partnership: {listed}"), format!("the partnership ({listed})"))
}

/// A partner's latest standing for an indicator among the first comparator group.
fn latest_standing(m: &ReportModel, id: &str, partner: &str) -> Option<BenchmarkRow> {
    let latest = m.benchmark.latest.iter().find(|l| l.indicator_id == id)?;
    latest
        .rows
        .iter()
        .find(|r| r.partner_code == partner && Some(&r.group) == m.benchmark.primary_group.as_ref())
        .cloned()
}

/// The periods a report looks at: its latest period with a figure, the periods its trend
/// charts show, and the quarters of that financial year.
struct Frame {
    period: Option<Period>,
    trend: Vec<Period>,
    fy: Option<i32>,
    quarter_labels: Vec<String>,
}

impl Frame {
    fn of(m: &ReportModel, kind: &ReportKind) -> Frame {
        let mut periods: Vec<Period> = m
            .values
            .iter()
            .filter(|v| v.period_kind == kind.period && v.value.is_some())
            .filter_map(|v| Period::parse(&v.period))
            .collect();
        periods.sort();
        periods.dedup();
        let period = periods.last().copied();
        let trend: Vec<Period> =
            periods.iter().rev().take(if kind.period == PeriodKind::Quarter { 8 } else { 12 }).rev().copied().collect();
        let fy = period.map(|p| p.fy);
        let quarter_labels: Vec<String> =
            fy.map(|fy| (1..=4).map(|q| Period::quarter(fy, q).label()).collect()).unwrap_or_default();
        Frame { period, trend, fy, quarter_labels }
    }
}

/// The focus of one report: `partner` is a partner's code or [`ALL`].
pub fn focus(project: &Project, m: &ReportModel, kind: &ReportKind, partner: &str) -> Focus {
    let frame = Frame::of(m, kind);
    let partner_name = project.partner_name(partner);
    let (scope, scope_in_sentence) = scope_text(project, partner);
    let mut perspectives: Vec<String> = Vec::new();
    for def in &project.indicators {
        if !perspectives.contains(&def.perspective) {
            perspectives.push(def.perspective.clone());
        }
    }
    let rows: Vec<FocusRow> =
        project.indicators.iter().map(|def| focus_row(project, m, def, partner, &partner_name, &frame)).collect();
    let exceptions = rows
        .iter()
        .filter_map(|r| r.cell.clone())
        .filter(|c| matches!(c.rag.as_deref(), Some("Red" | "Amber")))
        .collect();
    let first_page = super::summary::first_page(project, m, partner, frame.period, period_text);
    let Frame { period, fy, quarter_labels, .. } = frame;
    let label = period.map(|p| p.label()).unwrap_or_default();
    let approved = m.approved.iter().any(|(r, p)| (r == kind.id || r == "all") && *p == label);
    Focus {
        draft: project.settings.report.requires_approval(kind.id) && !approved,
        report: kind.id.to_string(),
        title: kind.title.to_string(),
        audience: kind.audience.map(str::to_string).unwrap_or_else(|| m.meeting.clone()),
        partner_code: partner.to_string(),
        partner_name,
        scope,
        scope_in_sentence,
        is_partnership: partner == ALL,
        period: period.map(|p| p.label()),
        period_text: period.map(|p| period_text(&p)).unwrap_or_else(|| "no complete period yet".into()),
        year_label: fy.map(crate::periods::fy_label).unwrap_or_default(),
        quarter_labels,
        rows,
        exceptions,
        perspectives,
        first_page,
    }
}

/// One indicator's row of a report: its latest figure, the partnership's beside a
/// partner's, the trend chart, the quarters and year, commentary and benchmark standing.
fn focus_row(
    project: &Project,
    m: &ReportModel,
    def: &IndicatorDef,
    partner: &str,
    partner_name: &str,
    frame: &Frame,
) -> FocusRow {
    let find = |id: &str, code: &str, label: &str| m.value(id, code, label);
    let label = frame.period.map(|p| p.label()).unwrap_or_default();
    let cell = find(def.id(), partner, &label).cloned();
    let info = m.indicators.iter().find(|i| i.id == def.id()).expect("indicator of the model");
    let commentary = frame
        .period
        .map(|at| crate::config::commentary_for(&project.commentary, def.id(), partner, at))
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.action.clone())
        .collect::<Vec<_>>()
        .join(" ");
    let whose =
        if partner == ALL { project.settings.organisation.partnership_label() } else { partner_name.to_string() };
    FocusRow {
        indicator_id: def.id().to_string(),
        name: def.name.clone(),
        perspective: def.perspective.clone(),
        goal: def.goal.clone(),
        unit_label: info.unit_label.clone(),
        polarity: info.polarity.clone(),
        cell,
        partnership: (partner != ALL).then(|| find(def.id(), ALL, &label).cloned()).flatten(),
        chart: chart_of(m, def, partner, &whose, frame),
        quarters: frame.quarter_labels.iter().map(|q| find(def.id(), partner, q).cloned()).collect(),
        year: frame.fy.and_then(|fy| find(def.id(), partner, &Period::year(fy).label()).cloned()),
        forward_look: commentary,
        benchmark: latest_standing(m, def.id(), partner),
        partnership_only: partner != ALL && !project.settings.partner.iter().any(|p| m.has_figures(def.id(), &p.code)),
        context: def.polarity == crate::config::Polarity::Context,
    }
}

/// The data a template reads as `/data.json`: the whole model and the report's focus.
#[derive(Serialize)]
pub struct ReportData<'a> {
    #[serde(flatten)]
    pub model: &'a ReportModel,
    pub focus: &'a Focus,
}

/// Every report a project produces: its kind and the partner (or [`ALL`]) it is for.
pub fn jobs(project: &Project) -> Vec<(&'static ReportKind, String)> {
    let mut out = Vec::new();
    for id in &project.settings.report.reports {
        let Some(k) = kind(id) else { continue };
        out.push((k, ALL.to_string()));
        if k.per_partner && project.settings.partner.len() > 1 {
            out.extend(project.settings.partner.iter().map(|p| (k, p.code.clone())));
        }
    }
    out
}

/// The file name of a report: `<stem>-joint-committee.pdf`, `<stem>-joint-committee-breckland.pdf`.
pub fn file_name(m: &ReportModel, kind: &ReportKind, partner_name: Option<&str>) -> String {
    let slug = |s: &str| {
        let s: String = s.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        s.split('-').filter(|x| !x.is_empty()).collect::<Vec<_>>().join("-")
    };
    match partner_name {
        Some(p) => format!("{}-{}-{}.pdf", m.file_stem(), kind.id, slug(p)),
        None => format!("{}-{}.pdf", m.file_stem(), kind.id),
    }
}
