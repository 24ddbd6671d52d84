//! Check: from a raw grid to a typed, checked table and the results of every data-quality
//! check, for the supplier of the file and for the committee.
//!
//! Takes a [`RawExtract`](crate::ingest::RawExtract), its source definition and a
//! [`CheckEnv`] (partners, the run clock, the store's history and the waivers); gives a
//! [`CheckedExtract`]: a polars table with one typed column per field (plus `_row`, the row
//! number in the file), counts of rows read, accepted and rejected, one [`CheckResult`] per
//! check (built-in and declared), a score per characteristic, and a verdict. Rows with a cell
//! that cannot be converted or a required cell blank are rejected; the declared checks do not
//! remove rows but pass, warn or fail the extract as a whole. Results are values, not errors:
//! they flow into the feedback workbook, the store's quality record and the reports.

mod columns;
mod outcome;
mod rows;
mod rules;
pub mod values;

pub use crate::config::{Characteristic, Severity};
pub use outcome::{FileReport, FileStatus};
pub use rows::MAX_LISTED;

/// Failing rows kept per check in the store's quality record (the feedback workbook of the
/// run lists up to [`MAX_LISTED`]).
pub const RECORD_LISTED: usize = 100;
pub use values::{convert, excel_serial_date, is_known_missing, parse_money, parse_number, Value, KNOWN_MISSING};

use crate::config::{CheckKind, Partner, SourceDef, Waiver};
use crate::ingest::RawExtract;
use chrono::NaiveDate;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the checks need beyond the file: the partners, the run clock, the data already
/// accepted and the performance officer's waivers.
#[derive(Debug, Clone, Copy)]
pub struct CheckEnv<'a> {
    pub partners: &'a [Partner],
    pub as_of: NaiveDate,
    pub history: &'a [Earlier],
    pub waivers: &'a [Waiver],
}

/// One council's data for a source and as-at date already accepted (the store's part of an
/// extract): what a new file's change checks compare with.
#[derive(Debug, Clone, PartialEq)]
pub struct Earlier {
    pub source: String,
    /// The partner code, or [`crate::config::ALL`] (for data of an old store, every council's).
    pub partner: String,
    pub as_at: NaiveDate,
    pub rows: usize,
    /// Totals of its money and number columns.
    pub sums: BTreeMap<String, f64>,
}

/// One failing row (or missing partner, month or total), located for the person who can
/// fix it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub file: String,
    pub sheet: Option<String>,
    /// Row number as Excel shows it.
    pub row: Option<u32>,
    /// Column letter and header, such as `D (Net Debit)`, or the field checked.
    pub column: Option<String>,
    /// The row's key fields, such as `council=E07000010, account_ref=CT1`.
    pub key: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(s) = &self.sheet {
            write!(f, ", sheet '{s}'")?;
        }
        if let Some(r) = self.row {
            write!(f, ", row {r}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column {c}")?;
        }
        if let Some(v) = &self.value {
            write!(f, ": '{v}'")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Characters of a cell value kept in a finding: enough to recognise it, never a whole
/// 100 MB cell.
pub const VALUE_CHARS: usize = 200;

/// A cell value as a finding shows it, shortened past [`VALUE_CHARS`].
pub fn shown_value(s: &str) -> String {
    match s.char_indices().nth(VALUE_CHARS) {
        Some((i, _)) => format!("{}... ({} characters in all)", &s[..i], s.chars().count()),
        None => s.to_string(),
    }
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    /// Failed, but a current waiver accepts it.
    Waived,
    Warning,
    Error,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Waived => "waived",
            Status::Warning => "warning",
            Status::Error => "fail",
        }
    }
}

/// The result of one check on one extract.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub characteristic: Characteristic,
    /// The severity the definition gives a failure.
    pub severity: Severity,
    pub status: Status,
    pub description: String,
    /// The outcome in words.
    pub message: String,
    /// Rows (or partners, months, totals) checked, and how many fail.
    pub checked: usize,
    pub failing: usize,
    /// The first failing rows (up to [`MAX_LISTED`]).
    pub failures: Vec<Finding>,
    /// The waiver accepting this failure, in words, if any.
    pub waiver: Option<String>,
}

/// The data-quality score of an extract for one characteristic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub characteristic: Characteristic,
    pub checks: usize,
    pub checks_passed: usize,
    /// Mean over the checks of the share of what was checked that passed (%).
    pub pass_pct: f64,
}

/// What happens to the file.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Accept,
    Quarantine(String),
}

/// A checked extract.
#[derive(Debug)]
pub struct CheckedExtract {
    pub file_name: String,
    pub sha256: String,
    pub source_id: String,
    /// The source's partner column, if it has one: the store keeps each council's rows apart.
    pub partner_field: Option<String>,
    pub as_at: NaiveDate,
    pub table: DataFrame,
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
    pub totals_rows: usize,
    pub checks: Vec<CheckResult>,
    pub scores: Vec<Score>,
    /// Totals of the accepted rows' money and number columns, kept for the next extract's
    /// change checks.
    pub sums: BTreeMap<String, f64>,
    pub verdict: Verdict,
}

impl CheckedExtract {
    /// Every listed failure of the checks that did not pass, with its check.
    pub fn findings(&self) -> impl Iterator<Item = (&CheckResult, &Finding)> {
        self.checks.iter().filter(|c| c.status != Status::Pass).flat_map(|c| c.failures.iter().map(move |f| (c, f)))
    }

    /// Failing rows (or items) of the checks that did not pass.
    pub fn findings_total(&self) -> usize {
        self.checks.iter().filter(|c| c.status != Status::Pass).map(|c| c.failing).sum()
    }

    /// Keeps at most `max` failing rows listed over all the checks, the first checks first
    /// (the counts stay whole); says so in the message of each check cut short.
    pub fn cap_listed(&mut self, max: usize) {
        let mut room = max;
        for c in &mut self.checks {
            if c.failures.len() > room {
                c.failures.truncate(room);
                c.message.push_str(&format!(
                    " (only the first {room} failing rows are listed: the file's list is full, limits.max_findings_listed)"
                ));
            }
            room -= c.failures.len();
        }
    }

    /// Checks that failed at error severity (not waived).
    pub fn errors(&self) -> usize {
        self.checks.iter().filter(|c| c.status == Status::Error).count()
    }
}

/// What the checks found in one extract, kept for every run (in the store's `quality`
/// folder) and given to the feedback workbook and the reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QualityRecord {
    pub file_name: String,
    pub sha256: String,
    pub source: String,
    pub as_at: NaiveDate,
    /// The run (as-of date) that checked it.
    pub checked_on: NaiveDate,
    /// Accepted or quarantined.
    pub outcome: FileStatus,
    pub reason: Option<String>,
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
    pub scores: Vec<Score>,
    pub checks: Vec<CheckResult>,
}

impl CheckedExtract {
    /// The record of this extract's checks, for a run on `checked_on`, with every listed
    /// failing row (see [`QualityRecord::trimmed`] for the kept form).
    pub fn record(&self, checked_on: NaiveDate) -> QualityRecord {
        let (outcome, reason) = match &self.verdict {
            Verdict::Accept => (FileStatus::Accepted, None),
            Verdict::Quarantine(r) => (FileStatus::Quarantined, Some(r.clone())),
        };
        QualityRecord {
            file_name: self.file_name.clone(),
            sha256: self.sha256.clone(),
            source: self.source_id.clone(),
            as_at: self.as_at,
            checked_on,
            outcome,
            reason,
            rows_read: self.rows_read,
            rows_accepted: self.rows_accepted,
            rows_rejected: self.rows_rejected,
            scores: self.scores.clone(),
            checks: self.checks.clone(),
        }
    }
}

impl QualityRecord {
    /// The record as the store keeps it: the first [`RECORD_LISTED`] failing rows of each
    /// check (the counts stay whole).
    pub fn trimmed(&self) -> QualityRecord {
        let mut r = self.clone();
        for c in &mut r.checks {
            c.failures.truncate(RECORD_LISTED);
        }
        r
    }
}

/// The status of a check from its failing share and thresholds.
fn status(checked: usize, failing: usize, warn_above: f64, error_above: f64) -> Status {
    if failing == 0 {
        return Status::Pass;
    }
    let pct = failing as f64 * 100.0 / checked.max(1) as f64;
    if pct > error_above {
        Status::Error
    } else if pct > warn_above {
        Status::Warning
    } else {
        Status::Pass
    }
}

/// Builds the typed table of an extract and runs every check on it: [`typed`] then
/// [`declared`].
pub fn check(raw: RawExtract, source: &SourceDef, env: &CheckEnv) -> CheckedExtract {
    declared(typed(raw, source, env), source, env)
}

/// An extract read into its typed table, with the results of the built-in checks (types,
/// required cells, columns present) and before the source's declared checks.
pub struct Typed {
    converted: rows::Converted,
    layout: crate::ingest::Layout,
    file_name: String,
    sha256: String,
    source_id: String,
    as_at: NaiveDate,
    sheet: Option<String>,
    checks: Vec<CheckResult>,
}

impl Typed {
    /// The SHA-256 of the file's bytes.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

/// Converts every cell of the grid to its column's type and runs the built-in checks: the
/// step that turns a file into data (the nightly job's "ingest" stage ends here).
pub fn typed(raw: RawExtract, source: &SourceDef, env: &CheckEnv) -> Typed {
    let RawExtract { mut grid, layout, file_name, sha256, source_id, as_at, .. } = raw;
    let converted = rows::convert_rows(&mut grid, &layout, source, env.partners, &file_name);
    let sheet = grid.sheet.clone();
    drop(grid);
    let mut checks = rejecting_checks(&converted, source);
    checks.push(columns_check(source, &layout, &file_name, &sheet));
    checks.extend(known_missing_check(&converted, source));
    checks.extend(unlisted_check(&converted, source));
    Typed { converted, layout, file_name, sha256, source_id, as_at, sheet, checks }
}

/// Built-in: cells that convert, required cells filled (rows failing either are rejected;
/// above the source's `max_rejected_pct` the extract is quarantined).
fn rejecting_checks(converted: &rows::Converted, source: &SourceDef) -> Vec<CheckResult> {
    let rows_read = converted.rows_read;
    let mut checks = Vec::new();
    let limit = source.max_rejected_pct;
    for (id, characteristic, description, failing, failures) in [
        (
            "types",
            Characteristic::Validity,
            "every cell can be read as its column's type (number, money, date, code, partner ...)",
            converted.type_rows,
            &converted.type_failures,
        ),
        (
            "required",
            Characteristic::Completeness,
            "every required cell is filled in",
            converted.required_rows,
            &converted.required_failures,
        ),
    ] {
        let st = status(rows_read, failing, 0.0, limit);
        checks.push(CheckResult {
            id: id.into(),
            characteristic,
            severity: Severity::Error,
            status: st,
            description: description.into(),
            message: match st {
                Status::Pass => format!("all {rows_read} rows pass"),
                _ => format!(
                    "{failing} of {rows_read} rows ({:.1}%) fail and are rejected; the file is quarantined above {limit}%",
                    failing as f64 * 100.0 / rows_read.max(1) as f64
                ),
            },
            checked: rows_read,
            failing,
            failures: failures.clone(),
            waiver: None,
        });
    }
    checks
}

/// Built-in: the optional columns are present (what is missing cannot feed an indicator).
fn columns_check(
    source: &SourceDef,
    layout: &crate::ingest::Layout,
    file_name: &str,
    sheet: &Option<String>,
) -> CheckResult {
    let absent: Vec<&str> =
        source.column.iter().zip(&layout.columns).filter(|(_, j)| j.is_none()).map(|(c, _)| c.field.as_str()).collect();
    CheckResult {
        id: "columns".into(),
        characteristic: Characteristic::Relevance,
        severity: Severity::Warning,
        status: if absent.is_empty() { Status::Pass } else { Status::Warning },
        description: "every column the source defines is in the extract".into(),
        message: if absent.is_empty() {
            format!("all {} columns found", source.column.len())
        } else {
            format!("optional column(s) {} not in the extract; their values are blank", absent.join(", "))
        },
        checked: source.column.len(),
        failing: absent.len(),
        failures: absent
            .iter()
            .map(|f| Finding {
                file: file_name.to_string(),
                sheet: sheet.clone(),
                row: Some(layout.header_row as u32 + 1),
                column: Some(f.to_string()),
                key: None,
                value: None,
                message: format!("column {f} is not in the header row"),
            })
            .collect(),
        waiver: None,
    }
}

/// Known-missing markers read as blank, per column (a note, never a failure).
fn known_missing_check(converted: &rows::Converted, source: &SourceDef) -> Option<CheckResult> {
    let marked: Vec<String> = source
        .column
        .iter()
        .zip(&converted.known_missing)
        .filter(|(_, n)| **n > 0)
        .map(|(c, n)| format!("{} ({n})", c.field))
        .collect();
    (!marked.is_empty()).then(|| CheckResult {
        id: "known_missing".into(),
        characteristic: Characteristic::Completeness,
        severity: Severity::Warning,
        status: Status::Pass,
        description: format!("cells holding a known-missing marker ({}) are read as blank", KNOWN_MISSING.join(" ")),
        message: format!("known-missing markers read as blank in {}", marked.join(", ")),
        checked: converted.rows_read,
        failing: 0,
        failures: Vec::new(),
        waiver: None,
    })
}

/// Values of a code column that are none of its spellings, read as its `other` code.
fn unlisted_check(converted: &rows::Converted, source: &SourceDef) -> Option<CheckResult> {
    let unlisted: Vec<String> = source
        .column
        .iter()
        .zip(&converted.unlisted)
        .filter(|(_, u)| !u.is_empty())
        .map(|(c, u)| {
            let mut seen: Vec<(&String, &usize)> = u.iter().collect();
            seen.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let listed: Vec<String> = seen.iter().take(10).map(|(v, n)| format!("'{v}' ({n})")).collect();
            let more = if seen.len() > 10 { format!(" and {} more", seen.len() - 10) } else { String::new() };
            format!("{}: {}{more} read as {}", c.field, listed.join(", "), c.other.as_deref().unwrap_or_default())
        })
        .collect();
    let cells: usize = converted.unlisted.iter().flat_map(|u| u.values()).sum();
    (!unlisted.is_empty()).then(|| CheckResult {
        id: "unlisted_values".into(),
        characteristic: Characteristic::Validity,
        severity: Severity::Warning,
        status: Status::Warning,
        description: "every value of a coded column is one of the spellings its source definition lists".into(),
        message: format!(
            "values not listed in the source definition (add them to the column's `values` to map them to a code): {}",
            unlisted.join("; ")
        ),
        checked: converted.rows_read,
        failing: cells,
        failures: Vec::new(),
        waiver: None,
    })
}

/// A check's message when its rule has nothing more to say than its counts.
fn counts_message(failing: usize, checked: usize) -> String {
    if failing == 0 {
        format!("all {checked} pass")
    } else {
        format!("{failing} of {checked} fail")
    }
}

/// Whether a check's message says no more than its counts (the data-quality report then
/// leaves it out beside them).
pub fn counts_only(c: &CheckResult) -> bool {
    c.message == counts_message(c.failing, c.checked)
}

/// A declared check's result: its status from the failing share and its thresholds (a
/// completeness threshold is the check itself: below it, the check fails).
fn result_of(c: &crate::config::Check, out: rules::Outcome) -> CheckResult {
    let st = match c.kind {
        CheckKind::Complete if out.failing > 0 => {
            if c.severity == Severity::Error {
                Status::Error
            } else {
                Status::Warning
            }
        }
        _ => status(out.checked, out.failing, c.warn_above_pct, c.error_above_pct),
    };
    let st = if out.at_most_warning { st.min(Status::Warning) } else { st };
    let message = if !out.message.is_empty() { out.message.clone() } else { counts_message(out.failing, out.checked) };
    CheckResult {
        id: c.id.clone(),
        characteristic: c.characteristic(),
        severity: c.severity,
        status: st,
        description: c.description.clone(),
        message,
        checked: out.checked,
        failing: out.failing,
        failures: out.failures,
        waiver: None,
    }
}

/// Accepted, unless the table could not be built, it has no data rows, or a check failed at
/// error (the first such check and its first problem given as the reason).
fn verdict_of(converted: &rows::Converted, checks: &[CheckResult]) -> Verdict {
    match &converted.table {
        Err(e) => Verdict::Quarantine(format!("internal error building the table: {e}")),
        Ok(_) if converted.rows_read == 0 => {
            Verdict::Quarantine("the extract has a header row but no data rows".into())
        }
        Ok(_) => match checks.iter().find(|c| c.status == Status::Error) {
            Some(c) => Verdict::Quarantine(format!(
                "check {} ({}) failed: {}{}",
                c.id,
                c.characteristic.name().to_lowercase(),
                c.message,
                c.failures.first().map(|f| format!("; the first problem: {f}")).unwrap_or_default()
            )),
            None => Verdict::Accept,
        },
    }
}

/// Runs the source's declared checks (against the store's history and the run clock),
/// applies the waivers, scores the characteristics and gives the verdict.
pub fn declared(typed: Typed, source: &SourceDef, env: &CheckEnv) -> CheckedExtract {
    let Typed { converted, layout, file_name, sha256, source_id, as_at, sheet, mut checks } = typed;
    let rows_read = converted.rows_read;
    let table = converted.table.as_ref().ok().cloned().unwrap_or_default();
    let key: Vec<String> = if source.key.is_empty() {
        source.partner_field().map(str::to_string).into_iter().collect()
    } else {
        source.key.clone()
    };
    let input = rules::Input {
        source,
        env,
        converted: &converted,
        table: &table,
        file_name: &file_name,
        sheet: sheet.as_deref(),
        as_at,
        key,
        partners: Default::default(),
    };
    // The declared checks are independent of one another: they run on all cores, and their
    // results keep the order of the definition.
    {
        use rayon::prelude::*;
        let results: Vec<CheckResult> = source.checks.par_iter().map(|c| result_of(c, rules::run(c, &input))).collect();
        checks.extend(results);
    }
    apply_waivers(&mut checks, source.id(), &file_name, env);
    let scores = score(&checks);
    let sums = source
        .column
        .iter()
        .filter(|c| matches!(c.kind, crate::config::ColumnType::Money | crate::config::ColumnType::Number))
        .filter_map(|c| {
            let s = table.column(&c.field).ok()?.as_materialized_series().sum::<f64>().ok()?;
            Some((c.field.clone(), s))
        })
        .collect();

    let verdict = verdict_of(&converted, &checks);
    CheckedExtract {
        file_name,
        sha256,
        source_id,
        partner_field: source.partner_field().map(str::to_string),
        as_at,
        table,
        rows_read,
        rows_accepted: rows_read - converted.rows_rejected,
        rows_rejected: converted.rows_rejected,
        totals_rows: layout.totals_rows.len(),
        checks,
        scores,
        sums,
        verdict,
    }
}

/// Marks failed checks that a current waiver accepts as waived; notes expired waivers.
fn apply_waivers(checks: &mut [CheckResult], source: &str, file_name: &str, env: &CheckEnv) {
    for c in checks.iter_mut().filter(|c| matches!(c.status, Status::Warning | Status::Error)) {
        for w in env.waivers.iter().filter(|w| w.applies_to(source, &c.id, file_name)) {
            if env.as_of <= w.expires_on {
                c.status = Status::Waived;
                c.waiver = Some(w.describe());
                break;
            }
            c.message.push_str(&format!(
                " (a waiver for this check expired on {}: {})",
                w.expires_on.format("%d/%m/%Y"),
                w.comment
            ));
        }
    }
}

/// Scores per characteristic: checks passed, and the mean share passing of what each
/// check looked at. Waived failures count as failures here: the data is no better for
/// being accepted. A check that looked at nothing and passed (a change check with no
/// earlier extract to compare with) is not a pass: it is left out, and a characteristic with
/// nothing else checked has no score ("not checked"). One that looked at nothing and failed
/// (a column missing) scores nothing.
pub fn score(checks: &[CheckResult]) -> Vec<Score> {
    crate::config::Characteristic::ALL
        .iter()
        .filter_map(|&ch| {
            let these: Vec<&CheckResult> = checks
                .iter()
                .filter(|c| c.characteristic == ch && !(c.checked == 0 && c.status == Status::Pass))
                .collect();
            if these.is_empty() {
                return None;
            }
            let share = |c: &CheckResult| {
                if c.checked == 0 {
                    0.0
                } else {
                    1.0 - c.failing.min(c.checked) as f64 / c.checked as f64
                }
            };
            Some(Score {
                characteristic: ch,
                checks: these.len(),
                checks_passed: these.iter().filter(|c| c.status == Status::Pass).count(),
                pass_pct: these.iter().map(|c| share(c)).sum::<f64>() * 100.0 / these.len() as f64,
            })
        })
        .collect()
}

pub use crate::periods::{date_from_days, days_since_epoch};

#[cfg(test)]
mod tests {
    use super::rows::CHUNK_ROWS;
    use super::*;
    use crate::testing::{checked, date, project, REVENUES_HEADER};

    #[test]
    fn unlisted_codes_are_read_as_other_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(dir.path());
        let mut header = REVENUES_HEADER.to_vec();
        header.push("Payment Method");
        let row = |r: &'static str, m: &'static str| vec!["Fenland", "CTAX", r, "2025/26", "100", "50", m];
        let rows = vec![
            row("CT1000001", "Direct Debit"),
            row("CT1000002", "BACS"),
            row("CT1000003", "BACS"),
            row("CT1000004", "cash"),
        ];
        let x = checked(&p, "revenues", date("2025-10-31"), &header, &rows);
        assert_eq!(x.rows_rejected, 0, "an unlisted label does not reject its row");
        let codes: Vec<Option<&str>> = x.table.column("payment_method").unwrap().str().unwrap().iter().collect();
        assert_eq!(codes, [Some("DD"), Some("OTHER"), Some("OTHER"), Some("CASH")]);
        let c = x.checks.iter().find(|c| c.id == "unlisted_values").unwrap();
        assert_eq!((c.status, c.failing), (Status::Warning, 2));
        assert!(c.message.contains("payment_method: 'BACS' (2) read as OTHER"), "{}", c.message);
    }

    #[test]
    fn bad_cells_reject_rows_with_located_findings() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(dir.path());
        let refs: Vec<String> = (0..40).map(|i| format!("CT{i:07}")).collect();
        let mut rows: Vec<Vec<&str>> =
            refs.iter().map(|r| vec!["Breckland", "Council Tax", r.as_str(), "2025/26", "£1,000.00", "250"]).collect();
        rows.push(vec!["Norwich", "Council Tax", "CT2", "2025/26", "100", "10"]);
        rows.push(vec!["Total", "", "", "", "40,100", "10,010"]);
        let x = checked(&p, "revenues", date("2025-10-31"), &REVENUES_HEADER, &rows);
        assert_eq!((x.rows_read, x.rows_accepted, x.rows_rejected), (41, 40, 1));
        assert_eq!(x.totals_rows, 1, "the totals row is kept aside, not read as data");
        assert_eq!(x.verdict, Verdict::Accept, "1 of 41 rows is under the 5% limit");
        let (c, f) = x.findings().next().unwrap();
        assert_eq!((c.id.as_str(), c.status), ("types", Status::Warning), "under the limit, a warning");
        // Title row, blank row, header on row 3: the 41st data row is row 44, column A.
        assert_eq!(f.row, Some(44));
        assert_eq!(f.column.as_deref(), Some("A (Council)"));
        assert!(f.to_string().contains("'Norwich'") && f.message.contains("Breckland"), "{f}");
        assert_eq!(x.table.height(), 40);
        let debit = x.table.column("net_debit").unwrap().f64().unwrap().sum().unwrap();
        assert_eq!(debit, 40_000.0);
    }

    #[test]
    fn chunks_of_a_large_extract_join_in_row_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(dir.path());
        let n = 3 * CHUNK_ROWS + 10;
        let refs: Vec<String> = (0..n).map(|i| format!("CT{i}")).collect();
        let mut rows: Vec<Vec<&str>> =
            refs.iter().map(|r| vec!["Fenland", "Council Tax", r.as_str(), "2025/26", "100", "10"]).collect();
        let bad = [5, CHUNK_ROWS + 7, n - 1];
        for &b in &bad {
            rows[b][4] = "lots";
        }
        let x = checked(&p, "revenues", date("2025-10-31"), &REVENUES_HEADER, &rows);
        assert_eq!((x.rows_read, x.rows_rejected), (n, 3));
        let found: Vec<u32> = x.findings().filter(|(c, _)| c.id == "types").filter_map(|(_, f)| f.row).collect();
        // Data starts on row 4 (title, blank, header).
        assert_eq!(found, bad.iter().map(|b| *b as u32 + 4).collect::<Vec<_>>(), "findings in row order");
        let row_col = x.table.column("_row").unwrap().i64().unwrap();
        let numbers: Vec<i64> = row_col.into_no_null_iter().collect();
        assert!(numbers.windows(2).all(|w| w[0] < w[1]), "rows keep their order");
        let refs_col = x.table.column("account_ref").unwrap().str().unwrap();
        assert_eq!(refs_col.get(0), Some("CT0"));
        assert_eq!(refs_col.get(CHUNK_ROWS + 6), Some(format!("CT{}", CHUNK_ROWS + 8).as_str()));
        assert_eq!(x.table.height(), n - 3);
    }

    #[test]
    fn too_many_bad_rows_quarantine_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(dir.path());
        let rows = vec![
            vec!["Breckland", "Council Tax", "CT1", "2025/26", "1000", "250"],
            vec!["Breckland", "Water", "CT2", "2025/26", "1000", "250"],
        ];
        let x = checked(&p, "revenues", date("2025-10-31"), &REVENUES_HEADER, &rows);
        match &x.verdict {
            Verdict::Quarantine(reason) => {
                assert!(reason.contains("1 of 2 rows") && reason.contains("Water"), "{reason}")
            }
            v => panic!("expected quarantine, got {v:?}"),
        }
    }

    #[test]
    fn blank_required_cell_is_a_completeness_finding() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(dir.path());
        let rows = vec![vec!["Fenland", "Council Tax", "", "2025/26", "1000", "250"]];
        let x = checked(&p, "revenues", date("2025-10-31"), &REVENUES_HEADER, &rows);
        let (c, _) = x.findings().next().unwrap();
        assert_eq!((c.id.as_str(), c.characteristic), ("required", Characteristic::Completeness));
        assert!(matches!(x.verdict, Verdict::Quarantine(_)));
    }
}
