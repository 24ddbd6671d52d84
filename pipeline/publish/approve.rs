//! Sign-off: `scorecard approve` records that a period's figures, as they stand, are approved
//! for publication, in the store's audit log ([`crate::store::audit`]): who, on which run
//! date, every figure of the period (each indicator and partner, as the open-data CSV writes
//! it) and a fingerprint of them and of every extract in the store. Reports that need
//! approval say "DRAFT – not approved for publication" on every page
//! and in their metadata until their period is approved (`ReportSettings::requires_approval`).

use crate::config::Project;
use crate::periods::Period;
use crate::store::audit::{self, Approval, ApprovedFigure, AuditError, Entry};
use crate::store::Store;
use chrono::NaiveDate;

/// What `scorecard approve` was asked to approve.
#[derive(Debug, Clone)]
pub struct Request {
    pub period: String,
    /// A report id, or `None` for every report of the period.
    pub report: Option<String>,
    pub by: String,
    pub note: String,
}

/// Why nothing was approved.
#[derive(Debug, thiserror::Error)]
pub enum ApproveError {
    #[error("`{0}` is not a period (expected a label such as 2025/26 Q2, 2025/26 M07 or 2025/26)")]
    Period(String),
    #[error("`{0}` is not a report this project makes ({1})")]
    Report(String, String),
    #[error("the approver's name is blank (--by NAME)")]
    NoName,
    #[error(
        "there are no figures for {0} as of {1}: nothing to approve (the period has not ended, or no data covers it)"
    )]
    NoFigures(String, NaiveDate),
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    #[error("computing the figures: {0}")]
    Figures(#[from] crate::indicators::IndicatorError),
    #[error("{0}")]
    Audit(#[from] AuditError),
}

/// Every figure of a period as the store gives it on `as_of`, as approved figures.
pub fn figures(
    project: &Project,
    store: &Store,
    period: Period,
    as_of: NaiveDate,
) -> Result<Vec<ApprovedFigure>, ApproveError> {
    let values = crate::indicators::compute_all(project, store, as_of)?;
    Ok(values
        .iter()
        .filter(|v| v.period == period)
        .map(|v| {
            let decimals =
                project.indicators.iter().find(|d| d.id() == v.indicator_id).map_or(2, |d| d.decimals.max(2));
            ApprovedFigure {
                indicator: v.indicator_id.clone(),
                partner: v.partner_code.clone(),
                value: v.value.map(|x| format!("{x:.*}", decimals as usize)).unwrap_or_default(),
            }
        })
        .collect())
}

/// Records an approval in the audit log (the caller holds the project's lock).
pub fn approve(project: &Project, as_of: NaiveDate, req: &Request) -> Result<(Entry, Approval), ApproveError> {
    let period = Period::parse(&req.period).ok_or_else(|| ApproveError::Period(req.period.clone()))?;
    if let Some(r) = &req.report {
        if !project.settings.report.reports.contains(r) {
            return Err(ApproveError::Report(r.clone(), project.settings.report.reports.join(", ")));
        }
    }
    if req.by.trim().is_empty() {
        return Err(ApproveError::NoName);
    }
    let store_dir = project.folder(&project.settings.folders.store);
    let store = Store::open(&store_dir)?;
    let figures = figures(project, &store, period, as_of)?;
    if figures.iter().all(|f| f.value.is_empty()) {
        return Err(ApproveError::NoFigures(period.label(), as_of));
    }
    let lines: String = figures.iter().map(|f| format!("{}|{}|{}\n", f.indicator, f.partner, f.value)).collect();
    let mut shas: Vec<&str> = store.extracts().iter().map(|x| x.sha256.as_str()).collect();
    shas.sort();
    let approval = Approval {
        period: period.label(),
        report: req.report.clone().unwrap_or_else(|| "all".into()),
        by: req.by.trim().to_string(),
        note: req.note.trim().to_string(),
        figures_sha256: crate::common::sha256_hex(lines.as_bytes()),
        extracts_sha256: crate::common::sha256_hex(shas.join("\n").as_bytes()),
        extracts: shas.len(),
        figures,
    };
    let entry = audit::append(&store_dir, as_of, "approval", serde_json::to_value(&approval).expect("serialises"))?;
    Ok((entry, approval))
}
