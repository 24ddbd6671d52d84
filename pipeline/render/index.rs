//! The clerks' index: `index.html` and `index.csv` in the output folder list every committee
//! report produced so far by meeting, partner and period, newest first, with links, marking
//! those new in the latest run (a report kept from an earlier run, unchanged, stays listed as
//! that run's); `latest/<report>[-<partner>].pdf` is a stable path to the
//! newest of each. The page is plain HTML with relative links (it works opened from a file
//! share, without a server), a language, a title, headings and a table with header cells.
//! The list of reports is kept in `reports.json`, so reports of earlier runs stay listed.
//!
//! Rendered, not written: the run releases these files with its other outputs, all at once
//! ([`crate::publish::release`]).

use super::{OutputFile, ReportMeta};
use crate::config::Project;
use crate::render::csv::safe as cell;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One report in the index.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IndexEntry {
    /// The file, relative to the output folder.
    pub file: String,
    /// What the report is, for whom and for which period.
    #[serde(flatten)]
    pub meta: ReportMeta,
    pub as_of: NaiveDate,
    /// `2026-04-07-1`: the run that produced it.
    pub run: String,
    /// The stable path of the newest report of its kind and partner, if this is it.
    #[serde(default)]
    pub latest: String,
    /// Everything the report shows except its date, hashed: a later run whose report would
    /// have the same keeps this one ([`crate::run::reports`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    /// The SHA-256 of the file as written, so that a file changed since is not kept.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sha256: String,
}

/// A report the index lists that could be read neither from this release nor from the output
/// folder (to copy it under `latest/`).
#[derive(Debug, thiserror::Error)]
#[error("{file}: {source}")]
pub struct IndexError {
    pub file: String,
    pub source: std::io::Error,
}

/// The reports the output folder's `reports.json` lists (none if it is missing or unreadable).
pub fn listed(output: &Path) -> Vec<IndexEntry> {
    std::fs::read(output.join("reports.json")).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The index after this run: the run's reports (`outputs`, about to be released; `staged`
/// gives their bytes) added to those listed in the output folder's `reports.json`. Returns
/// `reports.json`, `index.csv`, `index.html` and the `latest/` copies, as (path relative to
/// the output folder, bytes).
pub fn render(
    project: &Project,
    output: &Path,
    outputs: &[OutputFile],
    staged: &dyn Fn(&str) -> Option<Vec<u8>>,
    as_of: NaiveDate,
    seq: u32,
) -> Result<Vec<(String, Vec<u8>)>, IndexError> {
    let run = format!("{as_of}-{seq}");
    let mut entries = listed(output);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    // A report kept from an earlier run stays listed as that run's.
    for o in outputs.iter().filter(|o| o.kept_from.is_none()) {
        let Some(meta) = &o.report else { continue };
        let file = o.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let sha256 = staged(&file).map(|b| crate::common::sha256_hex(&b)).unwrap_or_default();
        entries.retain(|e| e.file != file);
        entries.push(IndexEntry {
            file,
            meta: meta.clone(),
            as_of,
            run: run.clone(),
            latest: String::new(),
            fingerprint: o.fingerprint.clone().unwrap_or_default(),
            sha256,
        });
    }
    entries.retain(|e| e.run == run || output.join(&e.file).is_file());
    entries.sort_by(|a, b| {
        b.as_of
            .cmp(&a.as_of)
            .then(b.run.cmp(&a.run))
            .then(a.meta.report.cmp(&b.meta.report))
            .then(a.meta.partner.cmp(&b.meta.partner))
    });
    // The newest report of each kind and partner gets a stable path.
    let mut seen = std::collections::BTreeSet::new();
    for e in entries.iter_mut() {
        e.latest.clear();
        let key = (e.meta.report.clone(), e.meta.partner.clone());
        if !seen.insert(key) {
            continue;
        }
        let stem = e.file.split_once(&format!("-{}", e.meta.report)).map(|(_, rest)| rest).unwrap_or(".pdf");
        let latest = format!("latest/{}{}", e.meta.report, stem);
        let bytes = match staged(&e.file) {
            Some(b) => b,
            None => {
                std::fs::read(output.join(&e.file)).map_err(|source| IndexError { file: e.file.clone(), source })?
            }
        };
        files.push((latest.clone(), bytes));
        e.latest = latest;
    }
    files.push(("reports.json".into(), serde_json::to_vec_pretty(&entries).expect("entries serialise")));

    files.push(("index.csv".into(), index_csv(&entries, &run)));
    // Sizes as the clerk will download them: this release's bytes, or the file already there.
    let size = |file: &str| {
        staged(file).map(|b| b.len() as u64).or_else(|| std::fs::metadata(output.join(file)).ok().map(|m| m.len()))
    };
    let sizes: std::collections::BTreeMap<String, u64> =
        entries.iter().filter_map(|e| Some((e.file.clone(), size(&e.file)?))).collect();
    let data: Vec<(String, u64)> = outputs
        .iter()
        .filter(|o| o.report.is_none())
        .filter_map(|o| {
            let file = o.path.file_name()?.to_string_lossy().into_owned();
            let bytes = size(&file)?;
            Some((file, bytes))
        })
        .collect();
    let page = Page { project, entries: &entries, sizes: &sizes, data: &data, as_of, run: &run };
    files.push(("index.html".into(), page.html()));
    Ok(files)
}

/// What a file is and how large, for a link: `PDF, 245 KB`.
fn type_and_size(file: &str, bytes: u64) -> String {
    let kind = match file.rsplit('.').next().unwrap_or_default() {
        "pdf" => "PDF",
        "xlsx" => "Excel workbook",
        "csv" => "CSV",
        _ => "file",
    };
    let kb = bytes.div_ceil(1024).max(1);
    if kb >= 1024 {
        format!("{kind}, {:.1} MB", kb as f64 / 1024.0)
    } else {
        format!("{kind}, {kb} KB")
    }
}

/// A period in words: `Quarter 4 2025/26`, `March 2026`, `2025/26`.
fn period_words(label: &str) -> String {
    use crate::periods::{Period, PeriodKind};
    match Period::parse(label) {
        Some(p) if p.kind == PeriodKind::Quarter => format!("Quarter {} {}", p.number, crate::periods::fy_label(p.fy)),
        Some(p) if p.kind == PeriodKind::Month => p.start().format("%B %Y").to_string(),
        _ => label.to_string(),
    }
}

/// Where a report stands among the latest: the catalogue's order (the Joint Committee's
/// first), the partnership's report before its councils'.
fn latest_order(e: &IndexEntry) -> (usize, bool, String) {
    let kind = crate::config::reports::KINDS.iter().position(|k| k.id == e.meta.report).unwrap_or(usize::MAX);
    let partner_report = e.latest.trim_end_matches(".pdf") != format!("latest/{}", e.meta.report);
    (kind, partner_report, e.meta.partner.clone())
}

/// `index.csv`: every report, newest first, those of this run marked `new`.
fn index_csv(entries: &[IndexEntry], run: &str) -> Vec<u8> {
    let mut w = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record(["as_of", "meeting", "report", "partner", "period", "file", "latest", "new"]).expect("memory");
    for e in entries {
        let new = if e.run == run { "new" } else { "" };
        w.write_record([
            &e.as_of.to_string(),
            &cell(&e.meta.meeting),
            &cell(&e.meta.title),
            &cell(&e.meta.partner),
            &e.meta.period,
            &e.file,
            &e.latest,
            new,
        ])
        .expect("memory");
    }
    w.into_inner().expect("memory")
}

/// What `index.html` is made from.
struct Page<'a> {
    project: &'a Project,
    entries: &'a [IndexEntry],
    /// Each listed file's size in bytes.
    sizes: &'a std::collections::BTreeMap<String, u64>,
    /// This run's workbook and open data: file and size.
    data: &'a [(String, u64)],
    as_of: NaiveDate,
    run: &'a str,
}

impl Page<'_> {
    /// `index.html`: the latest of each report (the partnership's first), this run's workbook
    /// and open data, then every report newest first in a table with a caption and column
    /// headers; dates and periods in words, each link with its file's type and size.
    fn html(&self) -> Vec<u8> {
        let org = escape(&self.project.settings.organisation.name);
        let when = super::format::long_date(self.as_of);
        let mut html = format!(
            "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Committee reports: {org}</title>\n\
             <style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.4;color:#0b0c0c}}\
             a{{color:#1d70b8}}table{{border-collapse:collapse;width:100%}}th,td{{border:1px solid #b1b4b6;padding:.3em .5em;text-align:left}}\
             .new{{font-weight:bold}}</style>\n</head>\n<body>\n<main>\n<h1>Committee reports: {org}</h1>\n\
             <p>Updated by the run with figures as at {when} (run {}). Reports marked <strong>New</strong> were produced by that run; a latest report without the mark shows nothing that has changed since the date it was made.</p>\n",
            self.run
        );
        html.push_str("<h2>Latest of each report</h2>\n<ul>\n");
        let mut latest: Vec<&IndexEntry> = self.entries.iter().filter(|e| !e.latest.is_empty()).collect();
        latest.sort_by_key(|e| latest_order(e));
        for e in latest {
            html.push_str(&format!(
                "<li><a href=\"{}\">{}: {}, {}</a> (figures as at {}; {})</li>\n",
                escape(&e.latest),
                escape(&e.meta.title),
                escape(&e.meta.partner),
                escape(&period_words(&e.meta.period)),
                super::format::long_date(e.as_of),
                self.sizes.get(&e.file).map(|b| type_and_size(&e.latest, *b)).unwrap_or_default()
            ));
        }
        html.push_str("</ul>\n");
        if !self.data.is_empty() {
            html.push_str(&format!("<h2>Workbook and open data, figures as at {when}</h2>\n<ul>\n"));
            for (file, bytes) in self.data {
                html.push_str(&format!(
                    "<li><a href=\"{}\">{}</a> ({})</li>\n",
                    escape(file),
                    escape(file),
                    type_and_size(file, *bytes)
                ));
            }
            html.push_str("</ul>\n");
        }
        html.push_str(&self.table());
        html.push_str("</main>\n</body>\n</html>\n");
        html.into_bytes()
    }

    /// Every report, newest first.
    fn table(&self) -> String {
        let mut html = String::from("<h2>All reports, newest first</h2>\n<table>\n<caption>Every report produced so far</caption>\n<thead><tr><th scope=\"col\">Figures as at</th><th scope=\"col\">Meeting</th><th scope=\"col\">Report</th><th scope=\"col\">Partner</th><th scope=\"col\">Period</th><th scope=\"col\">File</th><th scope=\"col\">New in this run</th></tr></thead>\n<tbody>\n");
        for e in self.entries {
            let new = e.run == self.run;
            html.push_str(&format!(
                "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"{}\">{}</a> ({})</td><td>{}</td></tr>\n",
                if new { " class=\"new\"" } else { "" },
                super::format::long_date(e.as_of),
                escape(&e.meta.meeting),
                escape(&e.meta.title),
                escape(&e.meta.partner),
                escape(&period_words(&e.meta.period)),
                escape(&e.file),
                escape(&e.file),
                self.sizes.get(&e.file).map(|b| type_and_size(&e.file, *b)).unwrap_or_default(),
                if new { "New" } else { "" }
            ));
        }
        if self.entries.is_empty() {
            html.push_str("<tr><td colspan=\"7\">No reports yet.</td></tr>\n");
        }
        html.push_str("</tbody>\n</table>\n");
        html
    }
}
