//! Each column of the samples: its cells profiled, its type guessed by converting every cell
//! with the job's own conversions ([`crate::check::values::convert`]), and its field name
//! taken from the shipped source definitions where a header they know, or a close synonym,
//! names it.

use super::Sample;
use crate::check::values::{convert, is_known_missing};
use crate::common::normalise_header;
use crate::config::{ColumnDef, ColumnType, Partner, PercentForm, SourceDef};
use crate::ingest::{Cell, DateSystem};
use std::collections::{BTreeMap, BTreeSet};

/// Most cells of one column kept for profiling (over all samples).
const MAX_CELLS: usize = 200_000;

/// One column over every sample, matched by its header.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The header as the first sample holding it writes it.
    pub header: String,
    /// Its column letter in that sample.
    pub letter: String,
    /// Its position in each sample (`None` where a sample lacks it).
    pub positions: Vec<Option<usize>>,
    /// Non-blank cells (up to [`MAX_CELLS`]).
    pub cells: Vec<Cell>,
    pub blanks: usize,
    pub rows: usize,
    pub dates: DateSystem,
}

impl Profile {
    /// Distinct texts of the cells, as shown.
    pub fn distinct(&self) -> BTreeSet<String> {
        self.cells.iter().map(|c| c.display().trim().to_string()).collect()
    }
}

/// The columns of the samples, in the first sample's order, then any the later ones add.
pub fn profile(samples: &[Sample]) -> Vec<Profile> {
    let mut out: Vec<Profile> = Vec::new();
    for (n, s) in samples.iter().enumerate() {
        for &(j, ref header) in &s.headers {
            let key = normalise_header(header);
            let k = match out.iter().position(|p| normalise_header(&p.header) == key) {
                Some(k) => k,
                None => {
                    out.push(Profile {
                        header: header.clone(),
                        letter: s.grid.column_letter(j),
                        positions: vec![None; samples.len()],
                        cells: Vec::new(),
                        blanks: 0,
                        rows: 0,
                        dates: s.grid.dates,
                    });
                    out.len() - 1
                }
            };
            let p = &mut out[k];
            if p.positions[n].is_some() {
                continue; // a repeated header: the first is profiled
            }
            p.positions[n] = Some(j);
            for &i in &s.layout.data_rows {
                let cell = s.grid.cell(i, j);
                p.rows += 1;
                if cell.is_empty() {
                    p.blanks += 1;
                } else if p.cells.len() < MAX_CELLS {
                    p.cells.push(cell.into_owned());
                }
            }
        }
    }
    out
}

/// What the draft says of one column.
#[derive(Debug, Clone)]
pub struct Guess {
    pub profile: Profile,
    pub field: String,
    pub kind: ColumnType,
    pub percent_written_as: PercentForm,
    /// For `code` columns: the code of each spelling, and the code for unlisted values.
    pub values: BTreeMap<String, Vec<String>>,
    pub other: Option<String>,
    /// Codes added for spellings the shipped definition does not know.
    pub new_codes: Vec<String>,
    /// Why the field name was chosen, or `None` where the draft cannot tell (TODO).
    pub mapped: Option<String>,
    /// The headers it is known by: the samples' own, then the shipped definition's other
    /// spellings (systems rename columns between versions).
    pub headers: Vec<String>,
    /// What the type rests on, in words.
    pub evidence: String,
    /// Every sample has the column and no cell of it is blank.
    pub complete: bool,
    /// Required: a blank cell rejects the row, and the header row must hold it.
    pub required: bool,
}

/// The shipped source definitions, parsed.
pub fn shipped_sources() -> Vec<SourceDef> {
    crate::demo::SHIPPED_FILES
        .iter()
        .filter(|(rel, _)| rel.starts_with("sources/"))
        .filter_map(|(_, text)| SourceDef::parse(text).ok())
        .collect()
}

/// Other headers systems use for the fields the shipped indicators read, beyond those the
/// shipped definitions list (matched the same loose way: letters and digits, any case).
const SYNONYMS: [(&str, &[&str]); 17] = [
    ("council", &["Local Authority", "LA Name", "District", "Council Name", "Authority Name"]),
    ("tax_type", &["Tax", "Charge Type", "Account Type"]),
    ("account_ref", &["Account", "Account No", "Account No.", "Acc Ref", "Property Reference", "Ref"]),
    ("liability_year", &["Charge Year", "Billing Year", "FY", "Year of Liability"]),
    ("net_debit", &["Net Charge", "Net Liability", "Charge", "Debit", "Amount Due", "Net Collectable"]),
    ("collected", &["Amount Paid", "Paid to Date", "Payments", "Receipts", "Cash Collected", "Total Paid"]),
    ("balance", &["Outstanding", "Arrears", "Balance Due", "Amount Outstanding"]),
    ("work_type", &["Item Type", "Claim Type", "Work Item Type", "Type of Work"]),
    ("date_received", &["Received", "Receipt Date", "Date Item Received", "Received Date"]),
    ("date_decided", &["Decided", "Decision Date", "Date Processed", "Processed Date", "Date Completed"]),
    ("employee_id", &["Employee", "Staff Number", "Payroll Number", "Emp No", "Person ID", "Employee No"]),
    ("fte", &["Full Time Equivalent", "Contracted FTE", "FTE Value"]),
    ("start_date", &["Date Started", "Hire Date", "Date Joined", "Continuous Service Date"]),
    ("leaving_date", &["Date Left", "Termination Date", "End Date", "Leave Date"]),
    ("first_day", &["Absence Start", "Absence Start Date", "Start of Absence", "From"]),
    ("last_day", &["Absence End", "Absence End Date", "End of Absence", "To"]),
    ("fte_days_lost", &["Days Lost", "FTE Days", "Working Days Lost", "Days Lost FTE"]),
];

/// Whether a header names a shipped column: by one of its headers (or its field name), or by
/// a synonym.
fn names_column(header: &str, col: &ColumnDef) -> Option<String> {
    let key = normalise_header(header);
    if normalise_header(&col.field) == key {
        return Some(format!("the field name `{}`", col.field));
    }
    if let Some(h) = col.headers.iter().find(|h| normalise_header(h) == key) {
        return Some(format!("the shipped definition's header \"{h}\""));
    }
    SYNONYMS
        .iter()
        .filter(|(f, _)| *f == col.field)
        .flat_map(|(_, s)| s.iter())
        .find(|s| normalise_header(s) == key)
        .map(|s| format!("\"{s}\", a synonym of \"{}\"", col.headers.first().unwrap_or(&col.field)))
}

/// The shipped source the samples are most like: the one of the same id, else the one whose
/// columns the most headers name (two at least).
pub fn likest_source<'a>(id: &str, profiles: &[Profile], shipped: &'a [SourceDef]) -> Option<&'a str> {
    if let Some(s) = shipped.iter().find(|s| s.id() == id) {
        return Some(s.id());
    }
    shipped
        .iter()
        .map(|s| (profiles.iter().filter(|p| s.column.iter().any(|c| names_column(&p.header, c).is_some())).count(), s))
        .filter(|(n, _)| *n >= 2)
        .max_by_key(|(n, _)| *n)
        .map(|(_, s)| s.id())
}

/// A column definition of a type, to try cells with.
fn trial(kind: ColumnType, form: PercentForm) -> ColumnDef {
    ColumnDef {
        field: "trial".into(),
        kind,
        headers: Vec::new(),
        required: false,
        values: Default::default(),
        other: None,
        percent_written_as: form,
        check: Vec::new(),
    }
}

/// Whether every cell of a column reads as the column would read it.
fn reads_as(p: &Profile, col: &ColumnDef, partners: &[Partner]) -> bool {
    p.cells.iter().all(|c| convert(c, col, partners, p.dates).is_ok())
}

/// Words that say a header holds money.
const MONEY_WORDS: [&str; 13] = [
    "amount",
    "debit",
    "charge",
    "paid",
    "collected",
    "balance",
    "cost",
    "budget",
    "spend",
    "income",
    "arrears",
    "liability",
    "payment",
];

/// The type of a column, and what it rests on.
pub fn infer(p: &Profile, partners: &[Partner]) -> (ColumnType, PercentForm, String) {
    let n = p.cells.len();
    let texts = || p.cells.iter().filter_map(|c| if let Cell::Text(t) = c { Some(t.trim()) } else { None });
    let header = p.header.to_lowercase();
    let all = |f: &dyn Fn(&Cell) -> bool| n > 0 && p.cells.iter().all(f);
    let points = PercentForm::Points;
    if all(&|c| matches!(c, Cell::Date(_)) || matches!(c, Cell::Text(t) if crate::ingest::parse_date_text(t).is_some()))
    {
        let as_text = texts().count();
        return (ColumnType::Date, points, format!("dates in all {n} cells ({as_text} written as text, day first)"));
    }
    if !partners.is_empty() && reads_as(p, &trial(ColumnType::Partner, points), partners) && n > 0 {
        return (ColumnType::Partner, points, format!("all {n} cells name a partner council of scorecard.toml"));
    }
    let fy_text = |c: &Cell| matches!(c, Cell::Text(t) if t.contains(['/', '-']) && crate::periods::parse_financial_year(t).is_some());
    if all(&fy_text)
        || (header.contains("year") && reads_as(p, &trial(ColumnType::FinancialYear, points), partners) && n > 0)
    {
        return (ColumnType::FinancialYear, points, format!("financial years in all {n} cells"));
    }
    let yes_no = |c: &Cell| {
        matches!(c, Cell::Bool(_))
            || matches!(c, Cell::Text(t) if matches!(t.trim().to_ascii_lowercase().as_str(), "y" | "n" | "yes" | "no" | "true" | "false"))
    };
    if all(&yes_no) {
        return (ColumnType::YesNo, points, format!("yes or no in all {n} cells"));
    }
    let known_missing = p.cells.iter().filter(|c| is_known_missing(c, &trial(ColumnType::Number, points))).count();
    let numbers: Vec<f64> = p
        .cells
        .iter()
        .filter_map(|c| match convert(c, &trial(ColumnType::Number, points), partners, p.dates) {
            Ok(crate::check::values::Value::Num(x)) => Some(x),
            _ => None,
        })
        .collect();
    let missing_note =
        if known_missing > 0 { format!(", {known_missing} marked missing (such as [x])") } else { String::new() };
    let signed = texts().filter(|t| t.ends_with('%')).count();
    if signed > 0 && reads_as(p, &trial(ColumnType::Percent, points), partners) {
        return (
            ColumnType::Percent,
            points,
            format!("percentages in {n} cells ({signed} with a % sign){missing_note}"),
        );
    }
    let pounds = texts().filter(|t| t.contains('£') || (t.starts_with('(') && t.ends_with(')'))).count();
    let money_header = header.contains('£') || MONEY_WORDS.iter().any(|w| header.contains(w));
    let money_ok = n > 0 && reads_as(p, &trial(ColumnType::Money, points), partners);
    if money_ok && pounds > 0 {
        return (
            ColumnType::Money,
            points,
            format!("money in {n} cells ({pounds} written as text such as \"£1,234.56\" or \"(12.50)\"){missing_note}"),
        );
    }
    let number_ok = n > 0 && numbers.len() + known_missing == n;
    let percent_header = header.contains('%') || header.contains("percent") || header.contains("pct");
    if number_ok && percent_header {
        let fraction = numbers.iter().all(|x| x.abs() <= 1.0) && numbers.iter().any(|x| *x != 0.0 && x.abs() < 1.0);
        let form = if fraction { PercentForm::Fraction } else { points };
        let how = if fraction { "fractions of one (0.959 for 95.9%)" } else { "points (95.9 for 95.9%)" };
        return (
            ColumnType::Percent,
            form,
            format!("numbers in {n} cells under a percentage header, written as {how}{missing_note}"),
        );
    }
    if number_ok && money_header && numbers.iter().all(|x| (x * 100.0 - (x * 100.0).round()).abs() < 1e-6) {
        return (
            ColumnType::Money,
            points,
            format!("amounts in {n} cells (at most two decimal places) under a money header{missing_note}"),
        );
    }
    if number_ok {
        return (ColumnType::Number, points, format!("numbers in all {n} cells{missing_note}"));
    }
    let distinct = p.distinct().len();
    let why = if n == 0 { "every cell blank".to_string() } else { format!("text in {n} cells, {distinct} distinct") };
    (ColumnType::Text, points, why)
}

/// Field names from headers: lower case, words joined by `_`.
pub fn slug(header: &str) -> String {
    let mut s = String::new();
    for c in header.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('_') && !s.is_empty() {
            s.push('_');
        }
    }
    let s = s.trim_end_matches('_').to_string();
    match s.chars().next() {
        None => "column".into(),
        Some(c) if c.is_ascii_digit() => format!("c_{s}"),
        _ => s,
    }
}

/// Every column's guess: its type, and the shipped field a header names (each field given
/// to one column only, the first that names it).
pub fn guess_all(profiles: &[Profile], like: Option<&SourceDef>, partners: &[Partner]) -> Vec<Guess> {
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for p in profiles {
        let (kind, form, evidence) = infer(p, partners);
        let complete = p.blanks == 0 && p.positions.iter().all(Option::is_some) && !p.cells.is_empty();
        let mut g = Guess {
            profile: p.clone(),
            field: String::new(),
            kind,
            percent_written_as: form,
            values: BTreeMap::new(),
            other: None,
            new_codes: Vec::new(),
            mapped: None,
            headers: vec![p.header.clone()],
            evidence,
            complete,
            required: false,
        };
        let shipped = like.and_then(|s| {
            s.column
                .iter()
                .filter(|c| !used.contains(&c.field))
                .find_map(|c| names_column(&p.header, c).map(|why| (c, why)))
        });
        // Required as the shipped definition has it (its worked examples give only the
        // columns they need); without one, every column the samples always fill.
        g.required = match shipped {
            Some((col, _)) => col.required && complete,
            None => complete && like.is_none(),
        };
        if let Some((col, why)) = shipped {
            adopt(&mut g, col, partners);
            g.mapped = Some(why);
        }
        if g.field.is_empty() || used.contains(&g.field) {
            g.field = unique(&slug(&p.header), &used);
        }
        used.insert(g.field.clone());
        out.push(g);
    }
    // The job finds the header row by its required columns: there must be one.
    if !out.iter().any(|g| g.required) {
        for g in out.iter_mut().filter(|g| g.complete) {
            g.required = true;
        }
    }
    out
}

fn unique(base: &str, used: &BTreeSet<String>) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while used.contains(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

/// Takes a shipped column's field, and its type where the samples' cells read as it (a
/// `code` column's spellings extended by the samples' own values, each new one a code of its
/// own to review).
fn adopt(g: &mut Guess, col: &ColumnDef, partners: &[Partner]) {
    g.field = col.field.clone();
    for h in &col.headers {
        if !g.headers.iter().any(|k| normalise_header(k) == normalise_header(h)) {
            g.headers.push(h.clone());
        }
    }
    if col.kind == ColumnType::Code {
        let mut values = col.values.clone();
        let mut new_codes = Vec::new();
        if col.other.is_none() {
            for v in g.profile.distinct() {
                if col.canonical_value(&v).is_none() {
                    let code = slug(&v).to_uppercase();
                    values.entry(code.clone()).or_default().push(v.clone());
                    new_codes.push(code);
                }
            }
        }
        g.kind = ColumnType::Code;
        g.values = values;
        g.other = col.other.clone();
        g.new_codes = new_codes;
        let n = g.profile.distinct().len();
        g.evidence = format!("{n} distinct value{}, read as the shipped codes", if n == 1 { "" } else { "s" });
        return;
    }
    let as_shipped = ColumnDef { percent_written_as: g.percent_written_as, ..trial(col.kind, g.percent_written_as) };
    let same_family =
        matches!((col.kind, g.kind), (ColumnType::Money, ColumnType::Number) | (ColumnType::Number, ColumnType::Money))
            || col.kind == g.kind;
    // A column every sample leaves blank takes the shipped type: nothing contradicts it.
    if (same_family || g.kind == ColumnType::Text) && reads_as(&g.profile, &as_shipped, partners) {
        if col.kind != g.kind {
            g.evidence = format!("{} (read as {}, as the shipped definition does)", g.evidence, type_name(col.kind));
        }
        g.kind = col.kind;
        if col.kind != ColumnType::Percent {
            g.percent_written_as = PercentForm::Points;
        }
    }
}

/// A type as the definition file writes it.
pub fn type_name(kind: ColumnType) -> &'static str {
    match kind {
        ColumnType::Text => "text",
        ColumnType::Partner => "partner",
        ColumnType::Code => "code",
        ColumnType::Money => "money",
        ColumnType::Number => "number",
        ColumnType::Percent => "percent",
        ColumnType::Date => "date",
        ColumnType::FinancialYear => "financial_year",
        ColumnType::YesNo => "yes_no",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile_of(header: &str, cells: &[&str]) -> Profile {
        Profile {
            header: header.into(),
            letter: "A".into(),
            positions: vec![Some(0)],
            cells: cells.iter().map(|c| Cell::Text((*c).into())).collect(),
            blanks: 0,
            rows: cells.len(),
            dates: DateSystem::Excel1900,
        }
    }

    #[test]
    fn types_from_values_and_headers() {
        let kind = |h: &str, cells: &[&str]| infer(&profile_of(h, cells), &[]).0;
        assert_eq!(kind("Net Charge (£)", &["£1,234.56", "(12.50)", "0.00"]), ColumnType::Money);
        assert_eq!(kind("Net Charge", &["1234.56", "12.5"]), ColumnType::Money);
        assert_eq!(kind("Accounts", &["1234", "17"]), ColumnType::Number);
        assert_eq!(kind("Received", &["31/10/2025", "01/04/2025"]), ColumnType::Date);
        assert_eq!(kind("Year", &["2025/26", "2024-25"]), ColumnType::FinancialYear);
        assert_eq!(kind("Checked", &["Y", "N", "Yes"]), ColumnType::YesNo);
        assert_eq!(kind("Rate", &["95.9%", "97%"]), ColumnType::Percent);
        let (k, form, _) = infer(&profile_of("Rate %", &["0.959", "0.97"]), &[]);
        assert_eq!((k, form), (ColumnType::Percent, PercentForm::Fraction));
        assert_eq!(kind("Reference", &["CT1000001", "CT1000002"]), ColumnType::Text);
        assert_eq!(kind("Cost", &["12", "[x]", "7"]), ColumnType::Money);
        assert_eq!(kind("Count", &["12", "[x]", "7"]), ColumnType::Number);
    }

    #[test]
    fn headers_map_to_shipped_fields_by_header_or_synonym() {
        let shipped = shipped_sources();
        let revenues = shipped.iter().find(|s| s.id() == "revenues").unwrap();
        let profiles = vec![
            profile_of("Net Charge (£)", &["£100.00"]),
            profile_of("AMOUNT COLLECTED", &["£50.00"]),
            profile_of("Ward", &["Abbey"]),
            profile_of("Tax Type", &["Council Tax", "Second Homes Premium"]),
        ];
        let g = guess_all(&profiles, Some(revenues), &[]);
        assert_eq!(g[0].field, "net_debit");
        assert!(g[0].mapped.as_deref().unwrap().contains("synonym"), "{:?}", g[0].mapped);
        assert_eq!((g[1].field.as_str(), g[1].kind), ("collected", ColumnType::Money));
        assert_eq!((g[2].field.as_str(), g[2].mapped.is_none()), ("ward", true));
        assert_eq!(g[3].kind, ColumnType::Code);
        assert_eq!(g[3].new_codes, vec!["SECOND_HOMES_PREMIUM".to_string()]);
        assert_eq!(likest_source("ctax", &profiles, &shipped), Some("revenues"));
    }

    #[test]
    fn slugs_are_field_names() {
        assert_eq!(slug("Net Charge (£)"), "net_charge");
        assert_eq!(slug("2025 value"), "c_2025_value");
        assert_eq!(slug("£"), "column");
    }
}
