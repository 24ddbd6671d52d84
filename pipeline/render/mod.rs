//! Render: one report model, three renderings that cannot disagree.
//!
//! Takes the project, the indicator values and the run's record of files; gives a
//! [`ReportModel`] (serialisable, handed to Typst as JSON) and from it the bytes of the Excel
//! workbook ([`workbook`]), the open-data CSV ([`csv`]) and the PDF committee report
//! ([`pdf`]); and, for each extract, the feedback workbook for its supplier ([`feedback`]). Nothing here touches the file system; [`crate::publish`] writes the bytes.

pub mod benchmark;
pub mod chart;
pub mod csv;
pub mod feedback;
pub mod format;
pub mod index;
pub mod model;
pub mod pdf;
pub mod report;
pub mod summary;
pub mod workbook;

pub use model::{FileReport, FileStatus, ReportModel};

/// One file written by a run.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct OutputFile {
    /// `workbook`, `csv` or `pdf`.
    pub kind: String,
    pub path: std::path::PathBuf,
    /// For a report: what it is, for whom and for which period (the clerks' index lists it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportMeta>,
    /// A report unchanged since an earlier run, kept rather than typeset again: that run
    /// (`2026-04-07-1`); `path` is the earlier run's file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept_from: Option<String>,
    /// A report's fingerprint: everything it shows except its date
    /// ([`crate::run::reports`]).
    #[serde(skip)]
    pub fingerprint: Option<String>,
}

/// What a report is: its kind, title, meeting, partner and period.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct ReportMeta {
    pub report: String,
    pub title: String,
    pub meeting: String,
    /// The partner, or the partnership.
    pub partner: String,
    pub period: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::{IndicatorValue, Rag};
    use crate::periods::Period;
    use crate::testing::{date, project};

    fn model(dir: &std::path::Path, organisation: &str) -> ReportModel {
        let mut p = project(dir);
        p.settings.organisation.name = organisation.to_string();
        p.settings.organisation.synthetic = false;
        let v = |partner: &str, period: Period, value: Option<f64>, rag: Option<Rag>| IndicatorValue {
            indicator_id: "ctax_collection_rate".into(),
            partner_code: partner.into(),
            period,
            value,
            numerator: value.map(|x| x * 10.0),
            denominator: value.map(|_| 1000.0),
            target: Some(97.0),
            rag,
            last_year: Some(96.0),
            direction: value.map(|_| crate::indicators::Direction::Improved),
            note: value.is_none().then(|| "no revenues extract from Fenland for 2025/26 M07".to_string()),
        };
        let values = vec![
            v("E07000143", Period::month(2025, 12), Some(97.123456), Some(Rag::Green)),
            v("ALL", Period::month(2025, 12), None, None),
            v("ALL", Period::quarter(2025, 4), Some(95.5), Some(Rag::Amber)),
        ];
        let files = vec![FileReport {
            status: FileStatus::Quarantined,
            reason: "#panic(\"evaluated\") *not bold*".into(),
            ..FileReport::new("=HYPERLINK(\"http://x\")")
        }];
        ReportModel::build(&p, &values, files, Vec::new(), Vec::new(), &[], date("2026-04-15"))
    }

    #[test]
    fn csv_has_the_fixed_columns_and_number_rules() {
        let dir = tempfile::tempdir().unwrap();
        let m = model(dir.path(), "Test Partnership");
        let text = String::from_utf8(csv::render(&m)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut header = csv::COLUMNS.to_vec();
        header.extend(csv::MORE_COLUMNS);
        header.extend(csv::BENCHMARK_COLUMNS);
        header.push("notes");
        assert_eq!(lines[0], header.join(","));
        let first9 = |l: &str| l.split(',').take(9).collect::<Vec<_>>().join(",");
        let rest = |l: &str| l.split(',').skip(9).map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            first9(lines[1]),
            "ctax_collection_rate,E07000143,2025/26 M12,2026-03-01,2026-03-31,97.12,percent,97.00,Green"
        );
        assert_eq!(
            rest(lines[1]),
            ["Council tax collected in year", "Financial", "Breckland", "971.23", "1000.00", "improved", "", ""]
                .into_iter()
                .chain([""; 7])
                .collect::<Vec<_>>()
        );
        assert_eq!(first9(lines[2]), "ctax_collection_rate,ALL,2025/26 M12,2026-03-01,2026-03-31,,percent,97.00,");
        assert_eq!(&rest(lines[2])[3..14], [""; 11], "no value: no sums, no direction, no benchmark");
        assert_eq!(rest(lines[2])[14], "no revenues extract from Fenland for 2025/26 M07", "an empty value says why");
        assert_eq!(
            first9(lines[3]),
            "ctax_collection_rate,ALL,2025/26 Q4,2026-01-01,2026-03-31,95.50,percent,97.00,Amber"
        );
    }

    /// Every report of the demo configuration, typeset from a model.
    fn pdfs(m: &ReportModel, organisation: &str) -> Vec<(String, Vec<u8>)> {
        let dir = tempfile::tempdir().unwrap();
        let mut p = project(dir.path());
        p.settings.organisation.name = organisation.to_string();
        p.settings.report.reports = report::KINDS.iter().map(|k| k.id.to_string()).collect();
        let templates = pdf::Templates::shipped();
        report::jobs(&p)
            .into_iter()
            .map(|(kind, partner)| {
                let focus = report::focus(&p, m, kind, &partner);
                let data = report::ReportData { model: m, focus: &focus };
                let bytes = pdf::render(&data, &templates, kind.template, kind.id, m.as_of)
                    .unwrap_or_else(|e| panic!("{} for {partner}: {e}", kind.id));
                (format!("{} {partner}", kind.id), bytes)
            })
            .collect()
    }

    #[test]
    fn each_reports_data_is_the_shared_model_with_its_focus_the_same_bytes_as_serialised_whole() {
        let dir = tempfile::tempdir().unwrap();
        // A character no bundled font draws, in the model and in a focus.
        let m = model(&dir.path().join("m"), "Council \u{1F600} \u{7}");
        let mut p = project(&dir.path().join("p"));
        p.settings.report.reports = report::KINDS.iter().map(|k| k.id.to_string()).collect();
        let shared = pdf::SharedData::of(&m);
        for (kind, partner) in report::jobs(&p) {
            let mut focus = report::focus(&p, &m, kind, &partner);
            focus.partner_name.push('\u{1F600}');
            let whole = pdf::data_json(&report::ReportData { model: &m, focus: &focus });
            assert_eq!(shared.with("focus", &focus), whole, "{} for {partner}", kind.id);
            assert!(String::from_utf8(whole).unwrap().contains("Council ? ?"));
            // Made of the members the report reads alone: the same data and fingerprint.
            let read: Vec<&str> = crate::config::reports::BRIEF.iter().chain(kind.reads).copied().collect();
            let few = pdf::SharedData::of_members(&m, Some(&read));
            let own = pdf::data_json(&focus);
            assert_eq!(few.select(Some(&read), "focus", &own), shared.select(Some(&read), "focus", &own));
            let digest = |s: &pdf::SharedData| {
                let mut h = <sha2::Sha256 as sha2::Digest>::new();
                s.digest(Some(&read), &["as_of"], &mut h);
                sha2::Digest::finalize(h)
            };
            assert_eq!(digest(&few), digest(&shared), "{} for {partner}", kind.id);
        }
    }

    #[test]
    fn pdf_places_data_as_text_and_never_evaluates_it() {
        let dir = tempfile::tempdir().unwrap();
        let name = "#panic(\"evaluated\") Council 工作表 \u{1F600} \u{0}";
        let m = model(dir.path(), name);
        // Were the organisation name or the file reason evaluated as markup, compilation would
        // stop at the panic.
        let first = pdfs(&m, name);
        assert_eq!(first.len(), 4 + 3, "every kind, and the joint committee report per partner");
        for (what, pdf) in &first {
            assert!(pdf.starts_with(b"%PDF-"), "{what}");
        }
        assert_eq!(first, pdfs(&m, name), "same model, same bytes");
    }

    #[test]
    fn template_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let m = model(dir.path(), "Test");
        let t =
            pdf::Templates::shipped().with("broken.typ", "#let data = json(\"/data.json\")\n\n#data.nonexistent_key");
        let err = pdf::render(&m, &t, "broken.typ", "x", m.as_of).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("broken.typ") && msg.contains("line 3"), "{msg}");
        let t = t.with("escape.typ", "#read(\"/etc/passwd\")");
        let err = pdf::render(&m, &t, "escape.typ", "x", m.as_of).unwrap_err();
        assert!(err.to_string().contains("escape.typ"), "templates cannot read other files: {err}");
        // An error in a shared file names that file.
        let t = t.with("lib.typ", "#let x = (").with("uses.typ", "#import \"lib.typ\": *");
        let err = pdf::render(&m, &t, "uses.typ", "x", m.as_of).unwrap_err().to_string();
        assert!(err.contains("lib.typ, line 1"), "{err}");
    }

    #[test]
    fn an_unchanged_copy_of_an_earlier_shipped_template_gives_way_to_this_ones() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let name = "oib-dashboard.typ";
        let earlier = "// an earlier scorecard's dashboard\n";
        std::fs::write(d.join(name), earlier).unwrap();
        // No record of what was copied: the file is the project's own.
        let t = pdf::Templates::load(d).unwrap();
        assert!(!t.is_shipped(name) && t.notes().is_empty());
        // Recorded as copied and unchanged since: this scorecard's template is used, and said.
        let sha = crate::common::sha256_hex(earlier.as_bytes());
        std::fs::write(d.join(pdf::AS_SHIPPED), format!("# what was copied\n{sha}  {name}\n")).unwrap();
        let t = pdf::Templates::load(d).unwrap();
        assert!(t.is_shipped(name), "the shipped template is used");
        assert_eq!(t.notes().len(), 1, "{:?}", t.notes());
        assert!(t.notes()[0].contains("oib-dashboard.typ is the copy an earlier scorecard wrote"), "{:?}", t.notes());
        // Changed since it was copied: the project's own again.
        std::fs::write(d.join(name), format!("{earlier}// ours now\n")).unwrap();
        let t = pdf::Templates::load(d).unwrap();
        assert!(!t.is_shipped(name) && t.notes().is_empty());
        // Copies of this scorecard's templates, as `new` and `demo` write them: the same
        // templates, nothing to say.
        std::fs::write(d.join(pdf::AS_SHIPPED), pdf::as_shipped_record()).unwrap();
        for (name, text) in pdf::Templates::shipped().texts() {
            std::fs::write(d.join(name), text).unwrap();
        }
        let t = pdf::Templates::load(d).unwrap();
        assert!(t.notes().is_empty(), "{:?}", t.notes());
        assert!(pdf::Templates::shipped().texts().all(|(n, _)| t.is_shipped(n)));
    }

    #[test]
    fn the_first_pages_counts_agree_with_their_verbs() {
        // Typeset the first page's "At a glance" for given totals; read it back with
        // pdftotext (skipped where poppler-utils is not installed).
        let named = |total: serde_json::Value, who: Option<&str>| -> Option<String> {
            let data = serde_json::json!({
                "organisation": "O", "as_of_text": "7 April 2026", "synthetic": false, "who": who,
                "focus": { "audience": "Joint Committee" },
                "fp": { "total": total, "by_perspective": [], "by_council": [], "off_target": [], "previous": null, "changes": [] },
            });
            let t = pdf::Templates::shipped().with(
                "glance.typ",
                "#import \"lib.typ\": *\n#let data = json(\"/data.json\")\n#set document(title: \"t\")\n#set text(lang: \"en\")\n#first-page(data, \"report\", period: \"Q4\", fp: data.fp, who: data.who)",
            );
            let bytes =
                pdf::render(&data, &t, "glance.typ", "x", chrono::NaiveDate::from_ymd_opt(2026, 4, 7)?).unwrap();
            let dir = tempfile::tempdir().ok()?;
            std::fs::write(dir.path().join("g.pdf"), bytes).ok()?;
            let o = std::process::Command::new("pdftotext").arg(dir.path().join("g.pdf")).arg("-").output().ok()?;
            o.status
                .success()
                .then(|| String::from_utf8_lossy(&o.stdout).split_whitespace().collect::<Vec<_>>().join(" "))
        };
        let glance = |total: serde_json::Value| named(total, None);
        let total = |blue: u32, green: u32, amber: u32, red: u32, no_status: u32| serde_json::json!({ "blue": blue, "green": green, "amber": amber, "red": red, "no_status": no_status });
        let Some(text) = glance(total(0, 1, 1, 0, 1)) else {
            eprintln!("note: pdftotext (poppler-utils) is not installed; the first page's words not checked");
            return;
        };
        assert!(
            text.contains("Of the 2 results with a target, 1 is on target or better, 1 is close to it and 0 are off target; 1 has no target or no figure yet."),
            "{text}"
        );
        let text = glance(total(2, 3, 0, 1, 4)).unwrap();
        assert!(
            text.contains("Of the 6 results with a target, 5 are on target or better, 0 are close to it and 1 is off target; 4 have no target or no figure yet."),
            "{text}"
        );
        let text = glance(total(0, 0, 0, 1, 0)).unwrap();
        assert!(
            text.contains(
                "Of the 1 result with a target, 0 are on target or better, 0 are close to it and 1 is off target."
            ),
            "{text}"
        );
        let text = glance(total(0, 0, 0, 0, 13)).unwrap();
        assert!(text.contains("None of the 13 results has both a target and a figure yet."), "{text}");
        let text = glance(total(0, 0, 0, 0, 1)).unwrap();
        assert!(text.contains("The one result has no target or no figure yet."), "{text}");
        // Named: whose results are counted.
        let text = named(total(0, 1, 1, 0, 1), Some("Fenland")).unwrap();
        assert!(
            text.contains("Fenland has 2 results with a target: 1 is on target or better, 1 is close to it and 0 are off target; 1 more has no target or no figure yet."),
            "{text}"
        );
        let text = named(total(0, 0, 0, 1, 0), Some("The partnership")).unwrap();
        assert!(
            text.contains("The partnership has 1 result with a target: 0 are on target or better, 0 are close to it and 1 is off target."),
            "{text}"
        );
        let text = named(total(0, 0, 0, 0, 13), Some("Fenland")).unwrap();
        assert!(text.contains("Fenland has 13 results, none with both a target and a figure yet."), "{text}");
    }

    #[test]
    fn workbook_reads_back_with_text_never_formulas() {
        use calamine::{Data, Reader};
        let dir = tempfile::tempdir().unwrap();
        let m = model(dir.path(), "=1+1");
        let bytes = workbook::render(&m).unwrap();
        assert_eq!(bytes, workbook::render(&m).unwrap(), "same model, same bytes");
        let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        for sheet in wb.sheet_names() {
            let formulas = wb.worksheet_formula(&sheet).unwrap();
            assert!(formulas.used_cells().next().is_none(), "sheet {sheet} has formulas");
        }
        let values = wb.worksheet_range("Values").unwrap();
        let row: Vec<&Data> = values.rows().nth(1).unwrap().iter().collect();
        assert_eq!(row[0], &Data::String("ctax_collection_rate".into()));
        // A percentage is stored as a fraction (with a percent format), at full precision.
        assert_eq!(row[7], &Data::Float(97.123456 / 100.0), "full precision in the cell");
        assert!(matches!(row[5], Data::DateTime(_)), "period start is a real date: {:?}", row[5]);
        let files = wb.worksheet_range("Files this run").unwrap();
        assert_eq!(files.get((1, 0)), Some(&Data::String("=HYPERLINK(\"http://x\")".into())));
        let score = wb.worksheet_range("Scorecard").unwrap();
        assert_eq!(score.get((0, 0)), Some(&Data::String("=1+1 performance report".into())));
    }

    #[test]
    fn the_values_sheet_in_constant_memory_mode_reads_back_the_same() {
        use calamine::Reader;
        let dir = tempfile::tempdir().unwrap();
        let m = model(dir.path(), "Test");
        let read = |bytes: Vec<u8>| {
            let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
            let r = wb.worksheet_range("Values").unwrap();
            r.rows().map(|row| row.to_vec()).collect::<Vec<_>>()
        };
        let streamed = read(workbook::values::render_alone(&m, true).unwrap());
        let held = read(workbook::values::render_alone(&m, false).unwrap());
        assert_eq!(streamed.len(), m.values.len() + 1, "header and every value");
        assert_eq!(streamed, held, "constant-memory mode writes the same cells");
        let mut wb =
            calamine::Xlsx::new(std::io::Cursor::new(workbook::values::render_alone(&m, true).unwrap())).unwrap();
        wb.load_tables().unwrap();
        assert_eq!(wb.table_names(), [&"IndicatorValues".to_string()], "a filterable table in both modes");
    }
}
