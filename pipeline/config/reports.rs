//! The catalogue of reports the tool can produce: one per layer of governance, each with its
//! template, title, audience, whether there is one per partner, and the period it reports.
//! `[report] reports` in `scorecard.toml` picks from it; `render::report` makes them.

use crate::periods::PeriodKind;

/// A kind of report: its template, title, whether there is one per partner, and its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportKind {
    pub id: &'static str,
    pub template: &'static str,
    pub title: &'static str,
    /// Who it is for; `None` for the meeting named in `scorecard.toml` (`[report] meeting`).
    pub audience: Option<&'static str>,
    /// One report for the partnership and one per partner (else one for the partnership).
    pub per_partner: bool,
    /// The period reported: the latest complete quarter or month.
    pub period: PeriodKind,
    /// Published only once its period is approved (`scorecard approve`), unless
    /// `[report] require_approval` says otherwise: committee reports are public records.
    pub approval_by_default: bool,
    /// The members of the report model the shipped template reads, besides [`BRIEF`] and
    /// `focus`: a report typeset from the shipped template and `lib.typ` is given only these
    /// (so its fingerprint changes only when something it shows changes); one typeset from a
    /// project's own template is given the whole model.
    pub reads: &'static [&'static str],
}

/// The members of the report model `lib.typ` reads (its `brief`), given to every report.
pub const BRIEF: [&str; 6] = ["as_of_text", "author", "indicators", "organisation", "restatements", "synthetic"];

/// Every report the tool can produce.
pub const KINDS: [ReportKind; 4] = [
    ReportKind {
        id: "joint-committee",
        template: "joint-committee.typ",
        title: "Quarterly performance report",
        audience: None,
        per_partner: true,
        period: PeriodKind::Quarter,
        approval_by_default: true,
        reads: &["benchmark", "quality"],
    },
    ReportKind {
        id: "oib-dashboard",
        template: "oib-dashboard.typ",
        title: "Monthly performance dashboard",
        audience: Some("Operational Improvement Board"),
        per_partner: false,
        period: PeriodKind::Month,
        approval_by_default: false,
        reads: &["partners", "scorecard"],
    },
    ReportKind {
        id: "data-quality",
        template: "data-quality.typ",
        title: "Data quality report",
        audience: Some("Managers"),
        per_partner: false,
        period: PeriodKind::Month,
        approval_by_default: false,
        reads: &[
            "as_of",
            "attention",
            "characteristics",
            "files",
            "missing",
            "quality",
            "replacements",
            "source_summary",
            "waivers",
        ],
    },
    ReportKind {
        id: "charnwood-quarterly",
        template: "charnwood-quarterly.typ",
        title: "Quarterly performance report",
        audience: None,
        per_partner: false,
        period: PeriodKind::Quarter,
        approval_by_default: true,
        reads: &[],
    },
];

/// The reports a project produces unless its `[report] reports` says otherwise.
pub const DEFAULT_REPORTS: [&str; 3] = ["joint-committee", "oib-dashboard", "data-quality"];

pub fn kind(id: &str) -> Option<&'static ReportKind> {
    KINDS.iter().find(|k| k.id == id)
}
