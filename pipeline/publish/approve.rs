//! Sign-off: `scorecard approve` records that a period's figures, as they stand, are approved
//! for publication, in the store's audit log ([`crate::store::audit`]): who, on which run
//! date, every figure of the period (each indicator and partner, as the open-data CSV writes
//! it) and a fingerprint of them and of every extract in the store. Reports that need
//! approval say "DRAFT – not approved for publication" on every page
//! and in their metadata until their period is approved (`ReportSettings::requires_approval`).

use crate::config::IndicatorDef;
use crate::config::Project;
use crate::indicators::IndicatorValue;
use crate::periods::Period;
use crate::store::audit::{self, Approval, ApprovedFigure, AuditError, Entry, Restatement};
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

/// A figure's value as the open-data CSV writes it (at least two decimals; empty for none).
fn value_text(project: &Project, v: &IndicatorValue) -> String {
    let decimals = project.indicators.iter().find(|d| d.id() == v.indicator_id).map_or(2, |d| d.decimals);
    crate::render::format::csv_number(v.value, decimals)
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
        .map(|v| ApprovedFigure {
            indicator: v.indicator_id.clone(),
            partner: v.partner_code.clone(),
            value: value_text(project, v),
        })
        .collect())
}

/// A fingerprint of an indicator's definition: its method, and each column it reads (field,
/// type, codes) in the sources it reads.
pub fn definition_sha256(project: &Project, def: &IndicatorDef) -> String {
    let method = def.method.get_ref();
    let mut text = serde_json::to_string(method).expect("method serialises");
    text.push_str(&format!("|{}|{:?}", def.decimals, def.unit));
    for (source, fields) in method.needs() {
        let Some(s) = project.source(source) else { continue };
        for f in fields {
            if let Some(c) = s.column(f) {
                text.push_str(&format!("|{source}.{f}:{:?}:{:?}:{:?}", c.kind, c.values, c.other));
            }
        }
    }
    crate::common::sha256_hex(text.as_bytes())
}

/// The figures of approved periods that read differently now: each period measured from its
/// latest approval (approving again accepts a restatement), each change with its cause.
pub fn restatements(
    project: &Project,
    store: &Store,
    values: &[IndicatorValue],
    entries: &[Entry],
) -> Vec<Restatement> {
    let mut latest: Vec<(NaiveDate, Approval)> = Vec::new();
    for (on, a) in audit::approvals(entries) {
        latest.retain(|(_, b)| b.period != a.period);
        latest.push((on, a));
    }
    let mut out = Vec::new();
    for (on, a) in &latest {
        let Some(period) = Period::parse(&a.period) else { continue };
        for f in &a.figures {
            let now = values
                .iter()
                .find(|v| v.indicator_id == f.indicator && v.partner_code == f.partner && v.period == period)
                .map(|v| value_text(project, v))
                .unwrap_or_default();
            // The same number shown with other decimals is the same figure.
            let same = match (now.parse::<f64>(), f.value.parse::<f64>()) {
                (Ok(a), Ok(b)) => a == b,
                _ => now == f.value,
            };
            if same {
                continue;
            }
            let Some(def) = project.indicators.iter().find(|d| d.id() == f.indicator) else { continue };
            out.push(Restatement {
                indicator: f.indicator.clone(),
                partner: f.partner.clone(),
                partner_name: project.partner_name(&f.partner),
                period: a.period.clone(),
                was: f.value.clone(),
                now,
                because: cause(project, store, def, &f.partner, *on, a),
                approved_on: *on,
                approved_by: a.by.clone(),
            });
        }
    }
    out
}

/// Why a figure changed since its approval: its definition, an extract replaced, or an
/// extract that arrived after the approval, for the sources it reads and its council.
fn cause(project: &Project, store: &Store, def: &IndicatorDef, partner: &str, on: NaiveDate, a: &Approval) -> String {
    let date = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
    let mut causes = Vec::new();
    if a.definitions.get(def.id()).is_some_and(|sha| *sha != definition_sha256(project, def)) {
        causes.push(format!("the definition of {} changed", def.id()));
    }
    // A figure made from two others reads their sources.
    let sources: Vec<&str> = match def.method.get_ref().derived_from() {
        Some((n, d, _)) => project
            .indicators
            .iter()
            .filter(|i| i.id() == n || i.id() == d)
            .flat_map(|i| i.method.get_ref().sources())
            .collect(),
        None => def.method.get_ref().sources(),
    };
    let concerns = |source: &str, whose: &str| {
        sources.contains(&source) && (partner == crate::config::ALL || whose == partner || whose == crate::config::ALL)
    };
    // Came after the approval: not among the extracts it recorded (or, for an approval that
    // recorded none, loaded on a later run date).
    let after = |sha: &str, loaded: NaiveDate| {
        if a.extract_shas.is_empty() {
            loaded > on
        } else {
            !a.extract_shas.iter().any(|s| sha.starts_with(s.as_str()))
        }
    };
    for r in store.replacements().iter().filter(|r| after(&r.sha256, r.replaced_on) && concerns(&r.source, &r.partner))
    {
        causes.push(format!(
            "{} for {} as at {} were replaced by file {} on {}",
            r.source,
            project.partner_name(&r.partner),
            date(r.as_at),
            r.file_name,
            date(r.replaced_on)
        ));
    }
    let replacing: Vec<&str> = store.replacements().iter().map(|r| r.sha256.as_str()).collect();
    for x in
        store.extracts().iter().filter(|x| after(&x.sha256, x.loaded_on) && !replacing.contains(&x.sha256.as_str()))
    {
        for p in x.partners().filter(|p| concerns(&x.source, p)) {
            causes.push(format!(
                "{} for {} as at {} arrived in file {} on {}",
                x.source,
                project.partner_name(p),
                date(x.as_at),
                x.file_name,
                date(x.loaded_on)
            ));
        }
    }
    const NAMED: usize = 5;
    match causes.len() {
        0 => format!("the data behind it changed after its approval on {}", date(on)),
        n if n > NAMED => format!("{}; and {} more extracts", causes[..NAMED].join("; and "), n - NAMED),
        _ => causes.join("; and "),
    }
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
        extract_shas: shas.iter().map(|s| s.get(..12).unwrap_or(s).to_string()).collect(),
        figures,
        definitions: project.indicators.iter().map(|d| (d.id().to_string(), definition_sha256(project, d))).collect(),
    };
    let entry = audit::append(&store_dir, as_of, "approval", serde_json::to_value(&approval).expect("serialises"))?;
    Ok((entry, approval))
}
