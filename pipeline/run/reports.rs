//! The night's PDF reports: each report's data, its fingerprint, and the report kept from an
//! earlier run when nothing it shows has changed.
//!
//! **Data.** A report typeset from its shipped template and the shipped `lib.typ` is given
//! the members of the report model those read ([`BRIEF`] and the kind's `reads`) and its
//! focus; one typeset from a project's own template (or own `lib.typ`) is given the whole
//! model and its focus, as the templates' documented contract says.
//!
//! **Fingerprint.** A SHA-256 of this program's version, every template, the report's kind
//! and partner, and every byte of its data except the run date (`as_of`, `as_of_text`).
//!
//! **Kept.** In the nightly job (which keeps the index), when the newest report of the same
//! kind and partner listed in the output folder's `reports.json` has the same fingerprint,
//! is not dated after tonight and its file still has the bytes it was written with, that
//! report is kept: not typeset or written again, and listed by the index as before (not
//! "New"). It differs from tonight's only in the date it says its figures are as at, the
//! date it was made. `--force` typesets every report again.

use super::{Rendered, RunError};
use crate::config::reports::BRIEF;
use crate::config::Project;
use crate::indicators;
use crate::render::index::IndexEntry;
use crate::render::{self, ReportMeta, ReportModel};
use chrono::NaiveDate;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The members of a report's data its fingerprint leaves out: the run date.
const RUN_DATE: [&str; 2] = ["as_of", "as_of_text"];

/// The reports earlier runs left in the output folder, as its `reports.json` lists them.
#[derive(Debug, Default)]
pub struct Earlier {
    entries: Vec<IndexEntry>,
    output: PathBuf,
    as_of: Option<NaiveDate>,
}

impl Earlier {
    /// No earlier reports: every report is typeset.
    pub fn none() -> Earlier {
        Earlier::default()
    }

    /// The reports listed in `output/reports.json` (none if it is missing or unreadable),
    /// for a run as of `as_of`.
    pub fn read(output: &Path, as_of: NaiveDate) -> Earlier {
        Earlier { entries: render::index::listed(output), output: output.to_path_buf(), as_of: Some(as_of) }
    }

    /// The earlier report to keep in place of typesetting `meta` with `fingerprint`: the
    /// newest of its kind and partner, if it is the same report with the same fingerprint,
    /// not dated after tonight, and its file holds the bytes written.
    fn same(&self, meta: &ReportMeta, fingerprint: &str) -> Option<&IndexEntry> {
        let as_of = self.as_of?;
        let newest = self
            .entries
            .iter()
            .filter(|e| e.meta.report == meta.report && e.meta.partner == meta.partner)
            .max_by(|a, b| (a.as_of, &a.run).cmp(&(b.as_of, &b.run)))?;
        let same = newest.meta == *meta
            && newest.fingerprint == fingerprint
            && newest.as_of <= as_of
            && !newest.sha256.is_empty()
            && !newest.file.contains(['/', '\\'])
            && crate::fs::sha256_file(&self.output.join(&newest.file)).is_ok_and(|h| h == newest.sha256);
        same.then_some(newest)
    }
}

/// The members of the model a report of `kind` is given: `None` for the whole model (a
/// project's own template, or its own `lib.typ`).
pub fn members(templates: &render::pdf::Templates, kind: &render::report::ReportKind) -> Option<Vec<&'static str>> {
    (templates.is_shipped(kind.template) && templates.is_shipped("lib.typ"))
        .then(|| BRIEF.iter().chain(kind.reads).copied().collect())
}

/// Every PDF report of the project, typeset in parallel, except those kept from `earlier`.
pub fn render_reports(
    project: &Project,
    model: &ReportModel,
    templates: &render::pdf::Templates,
    earlier: &Earlier,
) -> Result<Vec<Rendered>, RunError> {
    // The model is most of every report's data: serialised once (the members some report
    // reads), each report adding its focus.
    let jobs = render::report::jobs(project);
    let read = jobs.iter().try_fold(Vec::new(), |mut all, (kind, _)| {
        all.extend(members(templates, kind)?);
        Some(all)
    });
    let shared = render::pdf::SharedData::of_members(model, read.as_deref());
    let mut common = Sha256::new();
    common.update(concat!("scorecard ", env!("CARGO_PKG_VERSION")).as_bytes());
    for (name, text) in templates.texts() {
        common.update(name.as_bytes());
        common.update((text.len() as u64).to_le_bytes());
        common.update(text.as_bytes());
    }
    jobs.par_iter()
        .map(|(kind, partner)| {
            let focus = render::report::focus(project, model, kind, partner);
            let report = ReportMeta {
                report: kind.id.to_string(),
                title: kind.title.to_string(),
                meeting: focus.audience.clone(),
                partner: if partner == indicators::ALL { focus.scope.clone() } else { focus.partner_name.clone() },
                period: focus.period.clone().unwrap_or_default(),
            };
            let members = members(templates, kind);
            let focus_json = render::pdf::data_json(&focus);
            let mut h = common.clone();
            for part in [kind.id, kind.template, partner.as_str()] {
                h.update(part.as_bytes());
                h.update([0]);
            }
            shared.digest(members.as_deref(), &RUN_DATE, &mut h);
            h.update(&focus_json);
            let fingerprint = crate::common::hex(&h.finalize());
            if let Some(e) = earlier.same(&report, &fingerprint) {
                return Ok(Rendered {
                    kind: "pdf".into(),
                    file_name: e.file.clone(),
                    bytes: Vec::new(),
                    report: Some(report),
                    kept_from: Some(e.run.clone()),
                    fingerprint: Some(fingerprint),
                });
            }
            let data = shared.select(members.as_deref(), "focus", &focus_json);
            let name = (partner != indicators::ALL).then_some(focus.partner_name.as_str());
            let file_name = render::report::file_name(model, kind, name);
            let ident = file_name.trim_end_matches(".pdf").to_string();
            let bytes = render::pdf::render_json(data, templates, kind.template, &ident, model.as_of)
                .map_err(|source| RunError::Report { file: file_name.clone(), source })?;
            Ok(Rendered {
                kind: "pdf".into(),
                file_name,
                bytes,
                report: Some(report),
                kept_from: None,
                fingerprint: Some(fingerprint),
            })
        })
        .collect()
}
