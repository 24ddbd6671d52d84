//! Real public spreadsheets from `../shared/data/uk`, read through source definitions written
//! only in TOML (`tests/fixtures/uk/sources`): row counts and sample values, as stored.
//! Skips, saying so, when the data is absent.

use crate::common::*;
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A project with the fixture sources and no indicators.
fn project(dir: &Path) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/uk/sources");
    let sources: Vec<(String, String)> = files_under(&fixtures)
        .iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(p).unwrap()))
        .collect();
    bare_project(dir, &sources);
}

fn stored(dir: &Path, source: &str) -> DataFrame {
    // The one part of a one-partner project: store/<source>/partner=.../as_at=.../x.parquet
    let file = files_under(&dir.join("store").join(source))
        .into_iter()
        .find(|p| p.extension().is_some_and(|x| x == "parquet"))
        .unwrap();
    ParquetReader::new(std::fs::File::open(file).unwrap()).finish().unwrap()
}

fn value_where(df: &DataFrame, key: &str, equals: &str, column: &str) -> f64 {
    let keys = df.column(key).unwrap().str().unwrap();
    let i =
        (0..df.height()).find(|&i| keys.get(i).map(str::trim) == Some(equals)).unwrap_or_else(|| panic!("{equals}"));
    df.column(column).unwrap().f64().unwrap().get(i).unwrap()
}

#[test]
fn government_tables_read_through_toml_definitions() {
    let Some(uk) = shared_data("uk") else { return };
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    project(p);
    let drop = p.join("drop");
    std::fs::copy(
        uk.join("ct-receipts/CT_Receipts_Live_Table_Q4_2022-23.xlsx"),
        drop.join("CT_Receipts_Live_Table_Q4_2022-23.xlsx"),
    )
    .unwrap();
    std::fs::copy(uk.join("council-tax/CTR_Table_9_2023-24 (10).ods"), drop.join("CTR_Table_9_2023-24 (10).ods"))
        .unwrap();
    std::fs::copy(uk.join("LGBF_Analysis/new bnch data.xlsx"), drop.join("lgbf_raw_2021-03-31.xlsx")).unwrap();
    // Saved with the year it covers in the name, as staff name files (the release's own name,
    // ctr_2223.xlsx, has no date the job can read).
    std::fs::copy(uk.join("council-tax/ctr_2223.xlsx"), drop.join("ctr_2223_2022-23.xlsx")).unwrap();

    // Before dropping: `scorecard check` on each file is clean or says what to do.
    let files: Vec<String> =
        std::fs::read_dir(&drop).unwrap().map(|e| e.unwrap().path().display().to_string()).collect();
    let mut args = vec!["check", "--project", p.to_str().unwrap(), "--json"];
    args.extend(files.iter().map(String::as_str));
    let o = scorecard(&args);
    let checks: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", stderr(&o)));
    for c in checks.as_array().unwrap() {
        assert_eq!(c["verdict"], "accept", "{c:#}");
        assert_eq!(c["rows_rejected"], 0, "{c:#}");
    }

    let (code, json) = run_json(p, "2024-06-01");
    assert_eq!(code, 0, "{json:#}");
    let file = |prefix: &str| {
        json["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"].as_str().unwrap().starts_with(prefix))
            .unwrap()
            .clone()
    };

    // Council tax receipts: England, 9 regions and 309 councils; values in £ thousands.
    let ct = file("CT_Receipts");
    assert_eq!(ct["status"], "accepted");
    assert_eq!(ct["as_at"], "2023-03-31", "from Q4_2022-23 in the name");
    assert_eq!(ct["rows_read"], 319);
    let df = stored(p, "ct_receipts");
    assert_eq!(df.height(), 319);
    assert_eq!(value_where(&df, "ons_code", "E07000128", "total_receipts"), 81051.0, "Wyre");
    assert_eq!(value_where(&df, "ons_code", "E92000001", "total_receipts"), 36535124.0, "England");
    assert_eq!(value_where(&df, "authority", "York", "receipts_in_year"), 123654.0, "York (name has a trailing space)");

    // Council Tax Requirement (ODS, 134 sheets): 302 rows on Data_Billing.
    let ctr = file("CTR_Table_9");
    assert_eq!(ctr["status"], "accepted", "{ctr}");
    assert_eq!(ctr["as_at"], "2024-03-31", "from 2023-24 in the name");
    assert_eq!(ctr["rows_read"], 302);
    let df = stored(p, "ctr_billing");
    assert_eq!(value_where(&df, "ons_code", "TE", "ctr_current"), 38718011787.507996, "England, current year");

    // CTR 2022-23 (xlsx): two-row header, England and 309 billing authorities; the stacked
    // precepting table below and the notes are set aside.
    let old = file("ctr_2223");
    assert_eq!(old["status"], "accepted", "{old}");
    assert_eq!(old["rows_read"], 310, "{old}");
    assert_eq!(old["rows_rejected"], 0, "{old}");
    let df = stored(p, "ctr_2223");
    assert_eq!(value_where(&df, "e_code", "E3831", "ctr_2021"), 7046456.0, "Adur 2021-22");
    assert_eq!(value_where(&df, "e_code", "E3831", "ctr_2022"), 7332377.0, "Adur 2022-23");
    assert!(!df.column("e_code").unwrap().str().unwrap().iter().any(|c| c == Some("E7050")), "no precepting rows");

    // LGBF: 32 councils and Scotland, 2,189 columns, `*` suppressions read as blank.
    let lgbf = file("lgbf_raw");
    assert_eq!(lgbf["rows_read"], 33);
    let df = stored(p, "lgbf");
    assert_eq!(value_where(&df, "council", "Aberdeen City", "ct_received"), 119395807.0);
    assert_eq!(value_where(&df, "council", "Aberdeen City", "ct_due"), 129975737.0);
    let corp7 = value_where(&df, "council", "Scotland", "corp7");
    assert!((corp7 - 94.77059572474982).abs() < 1e-9, "{corp7}");
    lgbf_corp7_recomputed_and_ranked(&df);
}

/// CORP 7 (council tax collected in year) and CORP 6b (sickness days per non-teacher employee)
/// recomputed from their numerators and denominators for every council equal the published
/// figures; each council's rank and quartile among the 32
/// Scottish councils (the Scotland row is an aggregate, never ranked) agree with a count made
/// here independently of `scorecard::benchmark`.
fn lgbf_corp7_recomputed_and_ranked(df: &DataFrame) {
    use scorecard::benchmark::{position, quantile_inc};
    use scorecard::config::Polarity;
    let councils = df.column("council").unwrap().str().unwrap();
    let get = |c: &str| df.column(c).unwrap().f64().unwrap().clone();
    let (published, received, due) = (get("corp7"), get("ct_received"), get("ct_due"));
    let mut rates = Vec::new();
    for i in 0..df.height() {
        let name = councils.get(i).unwrap().trim();
        let (Some(p), Some(r), Some(d)) = (published.get(i), received.get(i), due.get(i)) else { continue };
        assert!((r / d * 100.0 - p).abs() < 1e-6, "{name}: {} recomputed, {p} published", r / d * 100.0);
        if name != "Scotland" {
            rates.push((name.to_string(), p));
        }
    }
    assert_eq!(rates.len(), 32, "32 councils, the Scotland aggregate left out");
    // CORP 6b (sickness days per non-teacher employee) from its own numerator and denominator.
    let (corp6b, days, fte) = (get("corp6b"), get("days_lost_other"), get("fte_other"));
    let mut checked = 0;
    for i in 0..df.height() {
        let (Some(p), Some(d), Some(f)) = (corp6b.get(i), days.get(i), fte.get(i)) else { continue };
        assert!((d / f - p).abs() < 1e-6, "{}: CORP 6b {} recomputed, {p} published", councils.get(i).unwrap(), d / f);
        checked += 1;
    }
    assert!(checked >= 32, "CORP 6b checked for {checked} rows");
    let group: Vec<f64> = rates.iter().map(|(_, v)| *v).collect();
    let mut sorted = group.clone();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    // QUARTILE.INC by hand: position (n - 1) p, interpolated.
    let at = |p: f64| {
        let h = 31.0 * p;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        sorted[lo] + (h - h.floor()) * (sorted[hi] - sorted[lo])
    };
    assert_eq!(quantile_inc(&sorted, 0.75), Some(at(0.75)));
    for (name, v) in &rates {
        let p = position(*v, &group, Polarity::Higher).unwrap();
        assert_eq!(p.rank, 1 + group.iter().filter(|x| *x > v).count(), "{name}");
        let quartile = if *v >= at(0.75) {
            1
        } else if *v >= at(0.5) {
            2
        } else if *v >= at(0.25) {
            3
        } else {
            4
        };
        assert_eq!(p.quartile, quartile, "{name}");
        assert_eq!(p.group_size, 32);
    }
    let aberdeen = rates.iter().find(|(n, _)| n == "Aberdeen City").unwrap().1;
    let p = position(aberdeen, &group, Polarity::Higher).unwrap();
    assert!(p.rank > 16 && p.quartile >= 3, "Aberdeen City collects below the median: {p:?}");
}

/// `scorecard check` on every file in `../shared/data/uk`: each ends with a verdict, and a
/// quarantine always comes with a reason a user can act on; no panic, no hang.
#[test]
fn check_gives_every_real_file_a_verdict() {
    let Some(uk) = shared_data("uk") else { return };
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let files: Vec<String> = files_under(&uk).iter().map(|p| p.display().to_string()).collect();
    let mut args = vec!["check", "--project", dir.path().to_str().unwrap(), "--json"];
    args.extend(files.iter().map(String::as_str));
    let o = scorecard(&args);
    assert_eq!(o.status.code(), Some(1), "some files are not extracts of these sources: {}", stderr(&o));
    let checks: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let checks = checks.as_array().unwrap();
    assert_eq!(checks.len(), files.len());
    let mut clean = Vec::new();
    for c in checks {
        match c["verdict"].as_str().unwrap() {
            "accept" => {
                assert!(c["rows_accepted"].as_u64().unwrap() > 0, "{c}");
                clean.push(c["source"].as_str().unwrap().to_string());
            }
            _ => {
                let reason = c["reason"].as_str().unwrap();
                assert!(reason.len() > 40, "a reason a user can act on: {c}");
            }
        }
    }
    clean.sort();
    assert_eq!(clean, ["ct_receipts", "ctr_billing"], "files whose names carry their date are read as they are");
}

/// Hart District Council's real corporate KPI return (two quarters of 2014/15) loads through
/// the shipped `sources/returns.toml`, recognised by its header, each quarter taken from the
/// file's date; indicators read it as returned values.
#[test]
fn hart_kpi_return_loads_as_returned_values() {
    let Some(hart) = shared_data("uk/hartdc") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for sub in ["sources", "indicators", "drop"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("sources/returns.toml"), dir.join("sources/returns.toml"))
        .unwrap();
    std::fs::write(
        dir.join("scorecard.toml"),
        "[organisation]\nname = \"Hart District Council\"\nshort_name = \"Hart\"\n\
         [[partner]]\ncode = \"E07000089\"\nname = \"Hart\"\n[limits]\nsettle_seconds = 0\n",
    )
    .unwrap();
    let indicator = |id: &str, code: &str, unit: &str, polarity: &str| {
        format!(
            "[[indicator]]\nid = \"{id}\"\nname = \"{code}\"\nperspective = \"Financial\"\nunit = \"{unit}\"\n\
             polarity = \"{polarity}\"\ndefinition = \"Hart {code}\"\ndata_source = \"Hart KPI return\"\n\
             method = {{ kind = \"returned\", source = \"returns\", code = \"{code}\", period = \"quarter_before_as_at\" }}\n"
        )
    };
    std::fs::write(
        dir.join("indicators/hart.toml"),
        [
            indicator("ctax_collection_rate", "RB06", "percent", "higher"),
            indicator("nndr_collection_rate", "RB05", "percent", "higher"),
            indicator("hb_new_claims_days", "RB07", "days", "lower"),
        ]
        .join("\n"),
    )
    .unwrap();
    for f in std::fs::read_dir(&hart).unwrap() {
        let p = f.unwrap().path();
        if p.to_string_lossy().ends_with("_DERIVED.csv") {
            std::fs::copy(&p, dir.join("drop").join(p.file_name().unwrap())).unwrap();
        }
    }
    let (code, json) = run_json(dir, "2014-11-10");
    assert_eq!(code, 0, "{json:#}");
    for f in json["files"].as_array().unwrap() {
        assert_eq!((f["status"].as_str(), f["source"].as_str()), (Some("accepted"), Some("returns")), "{f}");
        assert_eq!(f["rows_read"], 45, "45 KPIs in each return: {f}");
    }
    let csv = std::fs::read_to_string(dir.join("output/scorecard-Hart-2014-11-10.csv")).unwrap();
    let value = |id: &str, period: &str| -> String {
        let line = csv
            .lines()
            .find(|l| l.starts_with(&format!("{id},E07000089,{period},")))
            .unwrap_or_else(|| panic!("{id} {period}\n{csv}"));
        line.split(',').nth(5).unwrap().to_string()
    };
    assert_eq!(value("ctax_collection_rate", "2014/15 Q1"), "30.50");
    assert_eq!(value("ctax_collection_rate", "2014/15 Q2"), "59.30");
    assert_eq!(value("nndr_collection_rate", "2014/15 Q2"), "57.40");
    assert_eq!(value("hb_new_claims_days", "2014/15 Q1"), "19.94");
}

/// Oflog's adult-social-care benchmarking table carries its own MEDIAN column: the median of
/// every measure and year, recomputed by `scorecard::benchmark` from the councils' values
/// (blanks left out), agrees for all 42 (to 1 part in 10^8: the table's values are rounded
/// after Oflog took its median).
#[test]
fn oflog_medians_are_reproduced() {
    let Some(dir) = shared_data("uk/oflog-automated-text") else { return };
    let mut reader = csv::Reader::from_path(dir.join("ASC_data.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (year, code, value, median) = (col("Financial year"), col("Code"), col("Value"), col("MEDIAN"));
    let mut groups: std::collections::BTreeMap<(String, String), (Vec<f64>, Option<f64>)> = Default::default();
    for r in reader.records() {
        let r = r.unwrap();
        let e = groups.entry((r[year].to_string(), r[code].to_string())).or_default();
        if let Ok(v) = r[value].trim().parse::<f64>() {
            e.0.push(v);
        }
        if let Ok(m) = r[median].trim().parse::<f64>() {
            e.1 = Some(m);
        }
    }
    assert_eq!(groups.len(), 42, "7 measures over the years published");
    for ((y, c), (mut values, published)) in groups {
        values.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let ours = scorecard::benchmark::quantile_inc(&values, 0.5).unwrap();
        let published = published.unwrap_or_else(|| panic!("{y} {c}: no published median"));
        assert!((ours - published).abs() <= 1e-8 * published.abs().max(1.0), "{y} {c}: {ours} against {published}");
    }
}

/// Oflog's nearest-neighbour lists, checked against mySociety's register: the known duplicate
/// (E07000112 in one list) and the codes abolished in 2023 (Allerdale, E07000026) are reported
/// and left out, never silently used.
#[test]
fn nearest_neighbour_lists_report_their_problems() {
    let (Some(oflog), Some(names)) =
        (shared_data("uk/oflog-automated-text"), shared_data("uk/uk_local_authority_names_and_codes"))
    else {
        return;
    };
    use scorecard::benchmark::groups::{check_group, Register};
    let register = Register::from_csv(&std::fs::read(names.join("uk_local_authorities_current.csv")).unwrap()).unwrap();
    let lists: std::collections::BTreeMap<String, Vec<String>> =
        serde_json::from_slice(&std::fs::read(oflog.join("NN.json")).unwrap()).unwrap();
    assert_eq!(lists.len(), 348);
    let mut problems = Vec::new();
    for (owner, members) in &lists {
        let g = check_group(owner, members, Some(&register));
        assert!(g.members.iter().all(|m| register.current.contains_key(m) || m == owner), "{owner}");
        let distinct: std::collections::BTreeSet<&String> = g.members.iter().collect();
        assert_eq!(distinct.len(), g.members.len(), "{owner}: distinct members");
        problems.extend(g.problems);
    }
    let text = problems.join("\n");
    assert!(text.contains("E07000112 appears more than once"), "{text}");
    assert!(text.contains("E07000026") && text.contains("Allerdale"), "{text}");
}

/// The LGBF dataset names councils without codes: its councils map to Scottish GSS codes
/// (S12...) through the register's lookups, the one spelling the lookups lack is reported and
/// placed by an alias, and its Scotland row is recognised as an aggregate, never a council.
#[test]
fn council_names_map_to_codes_and_aggregates_are_recognised() {
    let (Some(lgbf), Some(names)) =
        (shared_data("uk/LGBF_Analysis"), shared_data("uk/uk_local_authority_names_and_codes"))
    else {
        return;
    };
    use scorecard::benchmark::groups::{is_aggregate, NameLookup};
    let lookup = NameLookup::from_csv(
        &std::fs::read(names.join("lookup_name_to_registry.csv")).unwrap(),
        &std::fs::read(names.join("lookup_gss_to_registry.csv")).unwrap(),
    )
    .unwrap();
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(lgbf.join("new bnch data.xlsx")).unwrap();
    let sheet = wb.sheet_names().into_iter().find(|s| s == "Raw Data").unwrap_or_else(|| wb.sheet_names()[0].clone());
    let range = wb.worksheet_range(&sheet).unwrap();
    let mut rows = range.rows();
    let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    let col = header.iter().position(|h| h.trim() == "Local Authority").expect("Local Authority column");
    let (mut codes, mut aggregates, mut unknown) = (std::collections::BTreeSet::new(), Vec::new(), Vec::new());
    for r in rows {
        let name = r[col].to_string();
        if name.trim().is_empty() {
            continue;
        }
        if is_aggregate(&name) {
            aggregates.push(name);
            continue;
        }
        match lookup.code(&name) {
            Some(code) => {
                assert!(code.starts_with('S'), "{name}: {code}");
                codes.insert(code.to_string());
            }
            None => unknown.push(name),
        }
    }
    // One spelling is not in the register's lookups; it is reported, and an alias (as the
    // performance officer would add) places it.
    assert_eq!(unknown, ["Edinburgh City"]);
    let mut lookup = lookup;
    lookup.alias("Edinburgh City", "S12000036");
    codes.insert(lookup.code("Edinburgh City").unwrap().to_string());
    assert_eq!(codes.len(), 32, "32 distinct Scottish councils");
    assert_eq!(aggregates, ["Scotland"]);
}

/// Every year of the LGBF dataset: CORP 7 and CORP 6b recomputed from their numerator and
/// denominator columns for every council agree with the published values, to the precision
/// published (a few are cut to two decimals); cells suppressed with `*` or blank are left out.
#[test]
fn lgbf_corp7_and_corp6b_every_council_and_year() {
    let Some(lgbf) = shared_data("uk/LGBF_Analysis") else { return };
    use calamine::{Data, Reader};
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(lgbf.join("new bnch data.xlsx")).unwrap();
    let sheet = wb.sheet_names().into_iter().find(|s| s == "Raw Data").unwrap_or_else(|| wb.sheet_names()[0].clone());
    let range = wb.worksheet_range(&sheet).unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string().trim().to_string()).collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let num = |c: &Data| match c {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        Data::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    let (mut compared, mut years, mut cut) = (0, 0, 0);
    for y in 2010..2021 {
        let label = format!("{y}-{:02}", (y + 1) % 100);
        for (measure, numerator, denominator, scale) in [
            ("CORP 7", "Income Received from CT", "Income Due (Excluding Reliefs + Rebates)", 100.0),
            ("CORP 6b", "Days Lost - Other", "FTE Staff (Other)", 1.0),
        ] {
            let (Some(m), Some(n), Some(d)) = (
                col(&format!("{measure} {label}")),
                col(&format!("{numerator} {label}")),
                col(&format!("{denominator} {label}")),
            ) else {
                continue;
            };
            years += 1;
            for r in &rows[1..] {
                let (Some(published), Some(n), Some(d)) = (num(&r[m]), num(&r[n]), num(&r[d])) else { continue };
                if d == 0.0 {
                    continue;
                }
                let ours = n / d * scale;
                // Some years publish the figure cut to two decimals (94.75 for 94.7568):
                // agreement is then to one unit of the last decimal published.
                let decimals = (0..=2).find(|k| {
                    let x = published * 10f64.powi(*k);
                    (x - x.round()).abs() < 1e-6
                });
                let tolerance = match decimals {
                    Some(k) => 10f64.powi(-k) + 1e-9,
                    None => 1e-6 * published.abs().max(1.0),
                };
                cut += decimals.is_some() as usize;
                assert!(
                    (ours - published).abs() <= tolerance,
                    "{measure} {label} {}: {ours} against {published}",
                    r[0]
                );
                compared += 1;
            }
        }
    }
    assert!(years >= 18, "measure-years found: {years}");
    assert!(compared > 500, "values compared: {compared}");
    assert!(cut * 4 < compared, "most values are published in full ({cut} of {compared} cut)");
}

/// The two real benchmarking tables read the way a project reads them, through a
/// `benchmarks.toml` declaration and the register: the LGBF dataset (wide, one column per
/// indicator and year, councils named without codes, a Scotland total row, `*` markers) and
/// Oflog's adult-social-care table (long, with its own MEDIAN column). The LGBF councils all
/// map to Scottish codes (one through an alias), Scotland is reported as a total and never
/// kept, every CORP 7 figure equals the cell read directly, and Oflog's medians are reproduced
/// from the values the reader kept.
#[test]
fn published_tables_read_through_benchmark_declarations() {
    let Some(uk) = shared_data("uk") else { return };
    let declarations = r#"
        [register]
        authorities = "uk_local_authority_names_and_codes/uk_local_authorities_current.csv"
        names = "uk_local_authority_names_and_codes/lookup_name_to_registry.csv"
        gss = "uk_local_authority_names_and_codes/lookup_gss_to_registry.csv"
        aliases = { "Edinburgh City" = "S12000036" }

        [[table]]
        id = "lgbf"
        name = "LGBF"
        file = "LGBF_Analysis/new bnch data.xlsx"
        sheet = "Raw Data"
        layout = "wide"
        name_column = "Local Authority"
        [[table.measure]]
        indicator = "corp7"
        column = "CORP 7 {year}"
        [[table.measure]]
        indicator = "corp6b"
        column = "CORP 6b {year}"
        [[table.measure]]
        indicator = "corp4"
        column = "CORP 4 {year}"

        [[table]]
        id = "oflog"
        name = "Oflog ASC"
        file = "oflog-automated-text/ASC_data.csv"
        layout = "long"
        code_column = "Local authority code"
        name_column = "Local authority name"
        year_column = "Financial year"
        measure_column = "Measure"
        value_column = "Value"
        [[table.measure]]
        indicator = "turnover"
        name = "Outcome, Workforce turnover rate"
        [[table.measure]]
        indicator = "asc1"
        name = "Outcome, ASC Carer Quality of Life"
    "#;
    let benchmarks: scorecard::config::Benchmarks = toml::from_str(declarations).unwrap();
    let limits: scorecard::config::Limits = toml::from_str("").unwrap();
    let c = scorecard::benchmark::table::read_all(&uk, &benchmarks, &[], &limits);
    let notes = c.notes.join("\n");
    assert!(notes.contains("Scotland is a row of totals"), "{notes}");

    // LGBF: 32 Scottish councils, each CORP 7 figure as the sheet holds it.
    let lgbf: Vec<_> = c.values.iter().filter(|v| v.table == "lgbf").collect();
    let codes: BTreeSet<&str> = lgbf.iter().map(|v| v.code.as_str()).collect();
    assert_eq!(codes.len(), 32, "{codes:?}");
    assert!(codes.iter().all(|c| c.starts_with("S12")), "{codes:?}");
    // CORP 4, the cost of collecting council tax per dwelling (the unit cost reports set beside
    // the comparators'), for every council in at least one year, and never a total.
    let corp4: BTreeSet<&str> = lgbf.iter().filter(|v| v.indicator == "corp4").map(|v| v.code.as_str()).collect();
    assert_eq!(corp4.len(), 32);
    use calamine::{Data, Reader};
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(uk.join("LGBF_Analysis/new bnch data.xlsx")).unwrap();
    let range = wb.worksheet_range("Raw Data").unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string().trim().to_string()).collect();
    let name_col = header.iter().position(|h| h == "Local Authority").unwrap();
    let mut direct = 0;
    for (j, h) in header.iter().enumerate() {
        let Some(year) = h.strip_prefix("CORP 7 ") else { continue };
        let Some(fy) = scorecard::periods::parse_financial_year(year) else { continue };
        for r in &rows[1..] {
            let name = r[name_col].to_string();
            let Data::Float(v) = r[j] else { continue };
            if name.trim() == "Scotland" {
                assert!(!lgbf.iter().any(|x| x.year == fy && x.value == v && x.code == "S92000003"));
                continue;
            }
            let kept = lgbf.iter().filter(|x| x.indicator == "corp7" && x.year == fy && x.value == v).count();
            assert!(kept >= 1, "{name} {year}: {v} kept");
            direct += 1;
        }
    }
    assert_eq!(direct, lgbf.iter().filter(|v| v.indicator == "corp7").count(), "every CORP 7 figure, and no other");

    // Oflog: the medians of the values kept equal the table's own MEDIAN column.
    let mut reader = csv::Reader::from_path(uk.join("oflog-automated-text/ASC_data.csv")).unwrap();
    let h = reader.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (yc, mc, medc) = (col("Financial year"), col("Measure"), col("MEDIAN"));
    let mut published: BTreeMap<(i32, String), f64> = BTreeMap::new();
    for r in reader.records() {
        let r = r.unwrap();
        let indicator = match &r[mc] {
            "Outcome, Workforce turnover rate" => "turnover",
            "Outcome, ASC Carer Quality of Life" => "asc1",
            _ => continue,
        };
        if let Ok(m) = r[medc].trim().parse::<f64>() {
            published.insert((scorecard::periods::parse_financial_year(&r[yc]).unwrap(), indicator.to_string()), m);
        }
    }
    assert!(published.len() >= 8, "{published:?}");
    for ((year, indicator), median) in &published {
        let mut kept: Vec<f64> = c
            .values
            .iter()
            .filter(|v| v.table == "oflog" && v.year == *year && &v.indicator == indicator)
            .map(|v| v.value)
            .collect();
        kept.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let ours = scorecard::benchmark::quantile_inc(&kept, 0.5).unwrap();
        assert!((ours - median).abs() <= 1e-8 * median.abs().max(1.0), "{year} {indicator}: {ours} against {median}");
    }
}

/// Trafford's published comparator lists (CIPFA 2019, 2021 and LG Inform's July 2024 set,
/// children's services and NHS peer groups): one CSV per list, `area_code,area_name`, without
/// Trafford itself, one without a trailing newline. Each is read as `lists` files are, every
/// code is a current authority in the register, and Trafford is added as the owner.
#[test]
fn trafford_comparator_lists_are_read_and_checked() {
    let (Some(trafford), Some(names)) =
        (shared_data("uk/trafford_themes"), shared_data("uk/uk_local_authority_names_and_codes"))
    else {
        return;
    };
    use scorecard::benchmark::groups::{check_group, list_from_csv, Register};
    let register = Register::from_csv(&std::fs::read(names.join("uk_local_authorities_current.csv")).unwrap()).unwrap();
    let mut sets = BTreeMap::new();
    for (file, size) in
        [("cipfa2019.csv", 15), ("cipfa2021.csv", 15), ("cipfalga0724.csv", 15), ("cssn.csv", 10), ("nhsennpg.csv", 15)]
    {
        let list = list_from_csv(&std::fs::read(trafford.join(file)).unwrap()).unwrap();
        assert_eq!(list.len(), size, "{file}");
        let g = check_group("E08000009", &list, Some(&register));
        assert!(g.problems.is_empty(), "{file}: {:?}", g.problems);
        assert_eq!(g.members.len(), size + 1, "{file}: Trafford and its comparators");
        assert_eq!(g.members[0], "E08000009");
        sets.insert(file, g.members.into_iter().collect::<BTreeSet<_>>());
    }
    // Membership changes between versions: Reading and Medway joined in 2021, Telford left.
    let (a, b) = (&sets["cipfa2019.csv"], &sets["cipfa2021.csv"]);
    assert!(b.contains("E06000038") && !a.contains("E06000038"));
    assert!(a.contains("E06000020") && !b.contains("E06000020"));
}
