//! Running one declared check on a converted extract: which rows fail (or which partners,
//! months or totals), counted in full and listed with their Excel row numbers and keys.

use super::rows::{Converted, MAX_LISTED};
use super::{date_from_days, CheckEnv, Finding};
use crate::common::{normalise_header, row_pieces, written_vec, ROW_PIECE};
use crate::config::{Check, DateBound, Op, Rule, SourceDef, Sum, NI_BAD_PREFIXES};
use crate::periods;
use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use std::collections::BTreeSet;

/// What one check found.
pub struct Outcome {
    /// Rows (or partners, months, totals, files) checked.
    pub checked: usize,
    /// How many of them fail.
    pub failing: usize,
    /// The first failures, located.
    pub failures: Vec<Finding>,
    /// The outcome in words.
    pub message: String,
    /// The check could not be made (no totals row to reconcile with): at most a warning,
    /// whatever its severity.
    pub at_most_warning: bool,
}

/// The extract as the checks see it.
pub struct Input<'a> {
    pub source: &'a SourceDef,
    pub env: &'a CheckEnv<'a>,
    pub converted: &'a Converted,
    pub table: &'a DataFrame,
    pub file_name: &'a str,
    pub sheet: Option<&'a str>,
    pub as_at: NaiveDate,
    /// Fields identifying a row in findings.
    pub key: Vec<String>,
    /// Each row's partner, found once for the checks that read it (see [`Input::partners`]).
    pub partners: std::sync::OnceLock<Partners<'a>>,
}

/// The partner codes of an extract's rows: the distinct codes (blank as `None`), in order,
/// and each row's index into them. Several checks read them; they are found in one pass.
pub struct Partners<'a> {
    pub codes: Vec<Option<&'a str>>,
    pub of_row: Vec<u32>,
}

impl<'a> Partners<'a> {
    fn of(input: &Input<'a>) -> Partners<'a> {
        let Some(field) = input.source.partner_field() else {
            return Partners { codes: vec![None], of_row: vec![0; input.rows()] };
        };
        let mut index: PlHashMap<Option<&'a str>, u32> = PlHashMap::new();
        // Rows of one council usually follow one another: the previous row's is tried first.
        let mut previous: Option<(Option<&'a str>, u32)> = None;
        let mut first: Vec<u32> = input
            .strings(field)
            .map(|c| match previous {
                Some((p, at)) if p == c => at,
                _ => {
                    let next = index.len() as u32;
                    let at = *index.entry(c).or_insert(next);
                    previous = Some((c, at));
                    at
                }
            })
            .collect();
        // Codes in order, rows renumbered to match.
        let mut codes: Vec<(Option<&'a str>, u32)> = index.into_iter().collect();
        codes.sort();
        let mut renumber = vec![0u32; codes.len()];
        for (new, (_, old)) in codes.iter().enumerate() {
            renumber[*old as usize] = new as u32;
        }
        for r in &mut first {
            *r = renumber[*r as usize];
        }
        Partners { codes: codes.into_iter().map(|(c, _)| c).collect(), of_row: first }
    }
}

/// A numeric column's values as f64, `None` for blanks: borrowed from the table when it
/// holds them as one chunk of f64 or of 32-bit integers (years, dates as days): no copy of
/// a million values for each check that reads them. Other columns are converted once.
pub struct Numbers<'a> {
    values: Values<'a>,
    /// The validity bits (one per value, from the offset), when some values are blank.
    valid: Option<(std::borrow::Cow<'a, [u8]>, usize)>,
}

enum Values<'a> {
    F64(std::borrow::Cow<'a, [f64]>),
    I32(&'a [i32]),
}

impl<'a> Numbers<'a> {
    fn owned(values: Vec<Option<f64>>) -> Numbers<'static> {
        let mut bits = written_vec(0u8, values.len().div_ceil(8));
        for (i, v) in values.iter().enumerate() {
            if v.is_some() {
                bits[i >> 3] |= 1 << (i & 7);
            }
        }
        let values = values.into_iter().map(Option::unwrap_or_default).collect::<Vec<f64>>();
        Numbers { values: Values::F64(values.into()), valid: Some((bits.into(), 0)) }
    }

    fn blank(n: usize) -> Numbers<'static> {
        Numbers::owned(vec![None; n])
    }

    /// The values of a column of one chunk of f64 or 32-bit integers, where they lie.
    fn borrowed(c: &'a Column) -> Option<Numbers<'a>> {
        macro_rules! bits {
            ($array:expr) => {
                $array.validity().map(|b| {
                    let (bytes, offset, _) = b.as_slice();
                    (std::borrow::Cow::Borrowed(bytes), offset)
                })
            };
        }
        let physical = match c.dtype() {
            DataType::Date => c.as_materialized_series().date().ok().map(|d| d.physical()),
            DataType::Int32 => c.i32().ok(),
            _ => None,
        };
        if let Some(ca) = physical {
            let array = ca.downcast_iter().next().filter(|_| ca.chunks().len() == 1)?;
            return Some(Numbers { values: Values::I32(array.values().as_slice()), valid: bits!(array) });
        }
        let ca = c.f64().ok()?;
        let array = ca.downcast_iter().next().filter(|_| ca.chunks().len() == 1)?;
        Some(Numbers { values: Values::F64(array.values().as_slice().into()), valid: bits!(array) })
    }

    fn len(&self) -> usize {
        match &self.values {
            Values::F64(v) => v.len(),
            Values::I32(v) => v.len(),
        }
    }

    /// Row `i`'s value.
    #[inline]
    pub fn get(&self, i: usize) -> Option<f64> {
        let valid = match &self.valid {
            None => true,
            Some((bits, offset)) => {
                let k = offset + i;
                bits[k >> 3] >> (k & 7) & 1 == 1
            }
        };
        valid.then(|| match &self.values {
            Values::F64(v) => v[i],
            Values::I32(v) => v[i] as f64,
        })
    }

    /// Every row's value, in order.
    pub fn iter(&self) -> impl Iterator<Item = Option<f64>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

impl<'a> Input<'a> {
    /// A finding for table row `i`, showing `field`'s value.
    fn row_finding(&self, i: usize, field: Option<&str>, message: String) -> Finding {
        let row = self.table.column("_row").ok().and_then(|c| c.i64().ok()).and_then(|c| c.get(i));
        let key: Vec<String> =
            self.key.iter().map(|f| format!("{f}={}", super::shown_value(&self.text(f, i)))).collect();
        Finding {
            file: self.file_name.to_string(),
            sheet: self.sheet.map(str::to_string),
            row: row.map(|r| r as u32),
            column: field.map(str::to_string),
            key: (!key.is_empty()).then(|| key.join(", ")),
            value: field.map(|f| super::shown_value(&self.text(f, i))),
            message,
        }
    }

    /// A finding about the extract as a whole (no row).
    fn file_finding(&self, value: Option<String>, message: String) -> Finding {
        Finding {
            file: self.file_name.to_string(),
            sheet: self.sheet.map(str::to_string),
            row: None,
            column: None,
            key: None,
            value,
            message,
        }
    }

    /// A table cell as text.
    fn text(&self, field: &str, i: usize) -> String {
        match self.table.column(field).and_then(|c| c.get(i)) {
            Ok(AnyValue::Null) | Err(_) => String::new(),
            Ok(AnyValue::String(s)) => s.to_string(),
            Ok(AnyValue::StringOwned(s)) => s.to_string(),
            Ok(AnyValue::Date(d)) => date_from_days(d).format("%d/%m/%Y").to_string(),
            Ok(AnyValue::Boolean(b)) => if b { "Y" } else { "N" }.to_string(),
            Ok(v) => v.to_string(),
        }
    }

    fn rows(&self) -> usize {
        self.table.height()
    }

    /// Each row's partner (found on first use).
    fn partners(&self) -> &Partners<'a> {
        self.partners.get_or_init(|| Partners::of(self))
    }

    /// A numeric column as f64 values (dates as days), `None` for blanks.
    fn numbers(&self, field: &str) -> Numbers<'a> {
        let table: &'a DataFrame = self.table;
        let Ok(c) = table.column(field) else { return Numbers::blank(self.rows()) };
        // The converted money, number, year and date columns: one chunk, read where it lies.
        if let Some(n) = Numbers::borrowed(c) {
            return n;
        }
        let c = match c.dtype() {
            DataType::Date => c.cast(&DataType::Int32).and_then(|c| c.cast(&DataType::Float64)),
            _ => c.cast(&DataType::Float64),
        };
        match c.as_ref().map(|c| c.f64()) {
            Ok(Ok(ca)) => Numbers::owned(ca.iter().collect()),
            _ => Numbers::blank(self.rows()),
        }
    }

    /// A hash of each row's values of `fields`, read by typed iteration, in pieces of rows
    /// on all cores.
    fn row_hashes(&self, fields: &[String]) -> Vec<u64> {
        use rayon::prelude::*;
        use std::hash::BuildHasher;
        enum Key<'b> {
            Text(&'b StringChunked),
            Numbers(Numbers<'b>),
        }
        // polars' fast hasher, seeded once per check: the hashes only group rows, whose values
        // are then compared, so which seed does not change which rows repeat.
        let state = PlRandomState::default();
        let columns: Vec<Key> = fields
            .iter()
            .filter_map(|f| {
                let c = self.table.column(f).ok()?;
                Some(match c.dtype() {
                    DataType::String => Key::Text(c.str().ok()?),
                    _ => Key::Numbers(self.numbers(f)),
                })
            })
            .collect();
        // Each hash is read before it is written: the vector is written as it is made.
        let mut hashes = written_vec(0u64, self.rows());
        hashes.par_chunks_mut(ROW_PIECE).enumerate().for_each(|(p, out)| {
            let (start, len) = (p * ROW_PIECE, out.len());
            for c in &columns {
                match c {
                    Key::Text(ca) => {
                        for (h, v) in out.iter_mut().zip(ca.slice(start as i64, len).iter()) {
                            *h = state.hash_one((*h, v));
                        }
                    }
                    Key::Numbers(values) => {
                        for (k, h) in out.iter_mut().enumerate() {
                            *h = state.hash_one((*h, values.get(start + k).map(f64::to_bits)));
                        }
                    }
                }
            }
        });
        hashes
    }

    /// A text column where it lies in the table (`None` when the table has no such text
    /// column: every row blank).
    fn texts(&self, field: &str) -> Option<&'a StringChunked> {
        let table: &'a DataFrame = self.table;
        table.column(field).and_then(|c| c.str()).ok()
    }

    /// Each row's text of a column in order, borrowed from the table: no vector of a million
    /// values made for each check that reads it.
    fn strings(&self, field: &str) -> Box<dyn Iterator<Item = Option<&'a str>> + 'a> {
        match self.texts(field) {
            Some(ca) => Box::new(ca.iter()),
            None => Box::new(std::iter::repeat_n(None, self.rows())),
        }
    }
}

/// Failing row indexes into an outcome: counted in full, the first listed.
fn from_rows(input: &Input, failing: &[usize], field: Option<&str>, what: impl Fn(usize) -> String) -> Outcome {
    let failures = failing.iter().take(MAX_LISTED).map(|&i| input.row_finding(i, field, what(i))).collect::<Vec<_>>();
    Outcome { checked: input.rows(), failing: failing.len(), failures, message: String::new(), at_most_warning: false }
}

fn resolve(bound: DateBound, as_at: NaiveDate) -> NaiveDate {
    match bound {
        DateBound::Day(d) => d,
        DateBound::AsAt => as_at,
        DateBound::PeriodStart => periods::month_start(periods::fiscal_month(as_at).0, 1),
    }
}

fn sum_at(values: &[(f64, Numbers)], i: usize) -> Option<f64> {
    values.iter().map(|(sign, v)| v.get(i).map(|x| sign * x)).sum()
}

fn compare(l: f64, op: Op, r: f64, tol: f64) -> bool {
    match op {
        Op::Eq => (l - r).abs() <= tol,
        Op::Ne => (l - r).abs() > tol,
        Op::Lt => l < r + tol,
        Op::Le => l <= r + tol,
        Op::Gt => l > r - tol,
        Op::Ge => l >= r - tol,
    }
}

fn pct_change(now: f64, before: f64) -> Option<f64> {
    (before != 0.0).then(|| (now - before) / before.abs() * 100.0)
}

/// Runs one check.
pub fn run(check: &Check, input: &Input) -> Outcome {
    match &check.rule {
        Rule::Pattern { field, regex, named, what } => pattern(input, field, regex, named, what),
        Rule::Range { field, min, max } => range(input, field, min, max),
        Rule::Dates { field, earliest, latest } => dates(input, field, earliest, latest),
        Rule::Allowed { field, allowed } => allowed_values(input, field, allowed),
        Rule::Complete { field, min_pct } => complete(input, field, min_pct),
        Rule::Unique { fields } => unique(input, fields),
        Rule::Compare { left, op, right, tolerance } => {
            compare_sums(input, &check.description, left, op, right, tolerance)
        }
        Rule::Totals { fields, tolerance } => totals(input, fields, *tolerance),
        Rule::ControlCount => control_count(input),
        Rule::PartnersPresent => partners_present(input),
        Rule::PeriodsPresent { field } => periods_present(input, field),
        Rule::RowCountChange { max_change_pct } | Rule::Change { field: None, max_change_pct } => {
            change(input, None, *max_change_pct)
        }
        Rule::Change { field: Some(f), max_change_pct } => change(input, Some(f), *max_change_pct),
        Rule::MaxAge { days } => max_age(input, days),
        Rule::AsAtInPeriod { field } => as_at_in_period(input, field),
    }
}

/// Text that does not match the pattern (and National Insurance numbers with prefixes never issued).
fn pattern(input: &Input, field: &str, regex: &regex::Regex, named: &Option<&'static str>, what: &str) -> Outcome {
    let n = input.rows();
    let bad = |v: &str| {
        !regex.is_match(v.trim())
            || (*named == Some("ni_number")
                && NI_BAD_PREFIXES.iter().any(|p| v.trim().to_ascii_uppercase().starts_with(p)))
    };
    // On all cores, in row order.
    use rayon::prelude::*;
    let failing: Vec<usize> = match input.texts(field) {
        None => Vec::new(),
        Some(ca) => row_pieces(0..n)
            .flat_map_iter(|rows| {
                let piece = ca.slice(rows.start as i64, rows.len());
                let bad_rows: Vec<usize> =
                    piece.iter().enumerate().filter(|(_, v)| v.is_some_and(bad)).map(|(k, _)| rows.start + k).collect();
                bad_rows
            })
            .collect(),
    };
    from_rows(input, &failing, Some(field), |_| format!("{field}: expected {what}"))
}

/// Numbers outside their range.
fn range(input: &Input, field: &str, min: &Option<f64>, max: &Option<f64>) -> Outcome {
    let n = input.rows();
    let values = input.numbers(field);
    let failing: Vec<usize> = (0..n)
        .filter(|&i| values.get(i).is_some_and(|v| min.is_some_and(|m| v < m) || max.is_some_and(|m| v > m)))
        .collect();
    let range = match (min, max) {
        (Some(a), Some(b)) => format!("between {a} and {b}"),
        (Some(a), None) => format!("at least {a}"),
        (None, Some(b)) => format!("at most {b}"),
        (None, None) => String::new(),
    };
    from_rows(input, &failing, Some(field), |_| format!("{field}: expected a value {range}"))
}

/// Dates outside their range, bounds resolved against the as-at date.
fn dates(input: &Input, field: &str, earliest: &Option<DateBound>, latest: &Option<DateBound>) -> Outcome {
    let n = input.rows();
    let lo = earliest.map(|b| resolve(b, input.as_at));
    let hi = latest.map(|b| resolve(b, input.as_at));
    let values = input.numbers(field);
    let failing: Vec<usize> = (0..n)
        .filter(|&i| {
            values
                .get(i)
                .map(|d| date_from_days(d as i32))
                .is_some_and(|d| lo.is_some_and(|l| d < l) || hi.is_some_and(|h| d > h))
        })
        .collect();
    let show = |d: Option<NaiveDate>| d.map(|d| d.format("%d/%m/%Y").to_string());
    let range = match (show(lo), show(hi)) {
        (Some(a), Some(b)) => format!("between {a} and {b}"),
        (Some(a), None) => format!("on or after {a}"),
        (None, Some(b)) => format!("on or before {b}"),
        (None, None) => String::new(),
    };
    from_rows(input, &failing, Some(field), |_| format!("{field}: expected a date {range}"))
}

/// Values not in the list (compared as headers are: case and spacing ignored).
fn allowed_values(input: &Input, field: &str, allowed: &[String]) -> Outcome {
    let ok: BTreeSet<String> = allowed.iter().map(|a| normalise_header(a)).collect();
    let failing: Vec<usize> = input
        .strings(field)
        .enumerate()
        .filter(|(_, v)| v.is_some_and(|v| !ok.contains(&normalise_header(v))))
        .map(|(i, _)| i)
        .collect();
    from_rows(input, &failing, Some(field), |_| format!("{field}: expected one of {}", allowed.join(", ")))
}

/// Blank cells, failing when fewer rows than `min_pct` are filled in.
fn complete(input: &Input, field: &str, min_pct: &f64) -> Outcome {
    let n = input.rows();
    let nulls: Vec<usize> = match input.table.column(field) {
        Ok(c) => c.is_null().iter().enumerate().filter(|(_, b)| *b == Some(true)).map(|(i, _)| i).collect(),
        Err(_) => (0..n).collect(),
    };
    let filled = if n == 0 { 100.0 } else { (n - nulls.len()) as f64 * 100.0 / n as f64 };
    let mut out = if filled + 1e-9 < *min_pct {
        from_rows(input, &nulls, Some(field), |_| format!("{field} is blank"))
    } else {
        Outcome { checked: n, failing: 0, failures: Vec::new(), message: String::new(), at_most_warning: false }
    };
    out.message = format!("{field} is filled in on {filled:.1}% of rows (at least {min_pct}% expected)");
    out
}

/// Rows whose key repeats an earlier row's.
fn unique(input: &Input, fields: &[String]) -> Outcome {
    let hashes = input.row_hashes(fields);
    let same = |i: usize, j: usize| fields.iter().all(|f| input.text(f, i) == input.text(f, j));
    let found = repeats(&hashes, same);
    let failing: Vec<usize> = found.iter().map(|&(i, _)| i).collect();
    let first_of: PlHashMap<usize, usize> = found.into_iter().collect();
    let rows = input.table.column("_row").ok().and_then(|c| c.i64().ok().cloned());
    let row_of = |i: usize| rows.as_ref().and_then(|r| r.get(i)).unwrap_or_default();
    from_rows(input, &failing, fields.first().map(String::as_str), |i| {
        format!(
            "the same {} as row {}",
            fields.join(", "),
            first_of.get(&i).map(|&j| row_of(j).to_string()).unwrap_or_default()
        )
    })
}

/// Every row whose key repeats an earlier row's, with the first row of that key, in row
/// order. Rows are grouped by `hashes` (no text is built), in buckets of hashes on all
/// cores; rows whose hashes meet are compared by `same`, so a hash collision is never
/// taken for a repeat.
fn repeats(hashes: &[u64], same: impl Fn(usize, usize) -> bool + Sync) -> Vec<(usize, usize)> {
    use rayon::prelude::*;
    let buckets = 4 * rayon::current_num_threads().max(1);
    let mut rows_of: Vec<Vec<usize>> = vec![Vec::with_capacity(hashes.len() / buckets + 1); buckets];
    for (i, &h) in hashes.iter().enumerate() {
        rows_of[(h % buckets as u64) as usize].push(i);
    }
    let mut found: Vec<(usize, usize)> = rows_of
        .into_par_iter()
        .flat_map_iter(|rows| {
            let mut first: PlHashMap<u64, usize> = PlHashMap::with_capacity(rows.len());
            // Rows whose hash met a different key's (a collision: almost never).
            let mut others: Vec<(u64, usize)> = Vec::new();
            let mut found = Vec::new();
            for i in rows {
                let h = hashes[i];
                match first.get(&h) {
                    None => {
                        first.insert(h, i);
                    }
                    Some(&j) if same(i, j) => found.push((i, j)),
                    Some(_) => match others.iter().find(|(oh, j)| *oh == h && same(i, *j)) {
                        Some(&(_, j)) => found.push((i, j)),
                        None => others.push((h, i)),
                    },
                }
            }
            found
        })
        .collect();
    found.sort_unstable();
    found
}

/// Rows where one sum of fields does not compare with another as stated.
fn compare_sums(input: &Input, description: &str, left: &Sum, op: &Op, right: &Sum, tolerance: &f64) -> Outcome {
    let n = input.rows();
    let load = |s: &Sum| s.iter().map(|(sign, f)| (*sign, input.numbers(f))).collect::<Vec<_>>();
    let (l, r) = (load(left), load(right));
    let failing: Vec<usize> = (0..n)
        .filter(|&i| match (sum_at(&l, i), sum_at(&r, i)) {
            (Some(a), Some(b)) => !compare(a, *op, b, *tolerance),
            _ => false,
        })
        .collect();
    let shown = left.first().map(|(_, f)| f.as_str());
    from_rows(input, &failing, shown, |i| {
        format!(
            "{} is {}, expected {} {}",
            description,
            fmt_num(sum_at(&l, i).unwrap_or_default()),
            op.symbol(),
            fmt_num(sum_at(&r, i).unwrap_or_default())
        )
    })
}

/// The rows read against the count the extract states below its data.
fn control_count(input: &Input) -> Outcome {
    let read = input.converted.rows_read as u64;
    match input.converted.stated_counts.last() {
        None => Outcome {
            checked: 1,
            failing: 1,
            failures: vec![input.file_finding(None, "the extract states no count of its rows to agree with".into())],
            message: "no stated count found (a line such as 'Total items: 5101' below the data)".into(),
            at_most_warning: true,
        },
        Some(&(row, stated)) => {
            let bad = stated != read;
            let mut f = input
                .file_finding(Some(stated.to_string()), format!("the extract says {stated} rows, {read} were read"));
            f.row = Some(row);
            Outcome {
                checked: 1,
                failing: bad as usize,
                failures: if bad { vec![f] } else { Vec::new() },
                message: format!("{read} rows read; the extract states {stated}"),
                at_most_warning: false,
            }
        }
    }
}

/// An extract older than `days` on the run date.
fn max_age(input: &Input, days: &u32) -> Outcome {
    let age = (input.env.as_of - input.as_at).num_days();
    let late = age > *days as i64;
    Outcome {
        checked: 1,
        failing: late as usize,
        failures: if late {
            vec![input.file_finding(
                Some(input.as_at.format("%d/%m/%Y").to_string()),
                format!(
                    "the extract is {age} days old on {}; at most {days} expected",
                    input.env.as_of.format("%d/%m/%Y")
                ),
            )]
        } else {
            Vec::new()
        },
        message: format!("as at {}, {age} days before the run", input.as_at.format("%d/%m/%Y")),
        at_most_warning: false,
    }
}

/// The as-at date outside the latest financial year the extract claims.
fn as_at_in_period(input: &Input, field: &str) -> Outcome {
    let latest = input.numbers(field).iter().flatten().map(|y| y as i32).max();
    let fy = periods::fiscal_month(input.as_at).0;
    let bad = latest.is_some_and(|y| y != fy);
    Outcome {
        checked: 1,
        failing: bad as usize,
        failures: if bad {
            vec![input.file_finding(
                Some(input.as_at.format("%d/%m/%Y").to_string()),
                format!(
                    "the as-at date falls in {} but the latest year in {field} is {}",
                    periods::fy_label(fy),
                    periods::fy_label(latest.unwrap_or_default())
                ),
            )]
        } else {
            Vec::new()
        },
        message: String::new(),
        at_most_warning: false,
    }
}

/// A sum or figure in a message: thousands grouped, two decimals unless whole
/// (`33,241,562.66`, `1,110`).
fn fmt_num(x: f64) -> String {
    crate::common::thousands(x, if x.fract() == 0.0 { 0 } else { 2 })
}

/// Reconciles the sums of every data row with the extract's totals row(s): the last totals
/// row is the grand total; several totals rows may instead be subtotals that add up.
fn totals(input: &Input, fields: &[String], tolerance: f64) -> Outcome {
    let conv = input.converted;
    if conv.totals.is_empty() {
        return Outcome {
            checked: 1,
            failing: 1,
            failures: vec![input.file_finding(None, "the extract has no totals row to reconcile with".into())],
            message: "no totals row found (a row starting 'Total' below the data), so nothing was reconciled".into(),
            at_most_warning: true,
        };
    }
    let mut failures = Vec::new();
    for f in fields {
        let Some(k) = input.source.column.iter().position(|c| &c.field == f) else { continue };
        let rows_sum = conv.sums[k];
        let values: Vec<f64> = conv.totals.iter().filter_map(|t| t[k]).collect();
        let Some(&last) = values.last() else {
            failures.push(input.file_finding(None, format!("{f}: the totals row has no figure for this column")));
            continue;
        };
        let all: f64 = values.iter().sum();
        let close = |t: f64| (rows_sum - t).abs() <= tolerance.max(t.abs() * 1e-12);
        if !close(last) && !close(all) {
            let why = match conv.unread[k] {
                0 if conv.rows_rejected > 0 => {
                    " (rejected rows are in the sum, so they do not account for the difference)".to_string()
                }
                0 => String::new(),
                n => format!(
                    ": {n} cell{} of {f} could not be read (the rows are rejected, listed under the types check) and {} not in the sum, which may account for the difference of {}",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "is" } else { "are" },
                    fmt_num(last - rows_sum)
                ),
            };
            failures.push(input.file_finding(
                Some(fmt_num(last)),
                format!("{f}: the rows add up to {}, the totals row says {}{why}", fmt_num(rows_sum), fmt_num(last)),
            ));
        }
    }
    Outcome { checked: fields.len(), failing: failures.len(), failures, message: String::new(), at_most_warning: false }
}

/// Which councils a file covers. Whether every council's data for the month has arrived is
/// judged across all of the month's deliveries, whichever files bring them, once the run has
/// stored them (see [`crate::check::completeness`]): one file need not cover every council.
fn partners_present(input: &Input) -> Outcome {
    let present: BTreeSet<&str> = match input.source.partner_field() {
        Some(_) => input.partners().codes.iter().flatten().copied().collect(),
        None => BTreeSet::new(),
    };
    let names: Vec<&str> =
        input.env.partners.iter().filter(|p| present.contains(p.code.as_str())).map(|p| p.name.as_str()).collect();
    Outcome {
        checked: input.env.partners.len(),
        failing: 0,
        failures: Vec::new(),
        message: format!(
            "the file covers {} of {} partner councils ({}); whether every council's data for {} has arrived is judged across all of the month's files",
            names.len(),
            input.env.partners.len(),
            if names.is_empty() { "none".to_string() } else { names.join(", ") },
            input.as_at.format("%B %Y")
        ),
        at_most_warning: false,
    }
}

/// Every month from 1 April of the as-at date's financial year to the as-at month has rows,
/// for every partner the file covers when there is a partner column (a council's file need
/// not hold the others').
fn periods_present(input: &Input, field: &str) -> Outcome {
    let (fy, last) = periods::fiscal_month(input.as_at);
    let days = input.numbers(field);
    // Months seen, by the index of the row's partner among the file's codes.
    let partners = input.partners();
    let mut seen: BTreeSet<(u32, (i32, u32))> = BTreeSet::new();
    for (d, &p) in days.iter().zip(&partners.of_row) {
        if let Some(d) = d {
            seen.insert((p, periods::fiscal_month(date_from_days(d as i32))));
        }
    }
    // The councils the file covers (every row, without a partner column), by their index.
    let who: Vec<(u32, &str)> = match input.source.partner_field() {
        Some(_) => input
            .env
            .partners
            .iter()
            .filter_map(|p| {
                let i = partners.codes.iter().position(|c| *c == Some(p.code.as_str()))?;
                Some((i as u32, p.name.as_str()))
            })
            .collect(),
        None => vec![(0, "")],
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for &(code, name) in &who {
        for m in 1..=last {
            checked += 1;
            if !seen.contains(&(code, (fy, m))) {
                let start = periods::month_start(fy, m);
                let month = format!("{} {}", start.format("%B"), start.year());
                let whose = if name.is_empty() { String::new() } else { format!(" for {name}") };
                failures
                    .push(input.file_finding(Some(month.clone()), format!("no rows in {field} for {month}{whose}")));
            }
        }
    }
    Outcome { checked, failing: failures.len(), failures, message: String::new(), at_most_warning: false }
}

/// The row count or a column's total against the same councils' previous accepted data of
/// the source: for each council the file covers, its latest part dated before this file
/// (a part of an unmigrated store holds every council's rows and stands for all of them).
/// Councils with no earlier data are left out of the comparison and named.
fn change<'a>(input: &Input<'a>, field: Option<&str>, max_pct: f64) -> Outcome {
    use crate::config::ALL as WHOLE;
    // A row's partner is `ALL` without a partner column or where the cell is blank, as the
    // store keeps them.
    let partners = input.partners();
    let code = |c: &Option<&'a str>| c.unwrap_or(WHOLE);
    let covered: BTreeSet<&str> = partners.codes.iter().map(code).collect();
    let earlier = |partner: &str| {
        input
            .env
            .history
            .iter()
            .filter(|e| e.source == input.source.id() && e.as_at < input.as_at)
            .filter(|e| e.partner == partner || e.partner == WHOLE)
            .max_by_key(|e| e.as_at)
            .map(|e| (e.as_at, e))
    };
    let mut previous: Vec<(NaiveDate, &crate::check::Earlier)> = Vec::new();
    let mut compared: BTreeSet<&str> = BTreeSet::new();
    let mut without = Vec::new();
    for p in &covered {
        match earlier(p) {
            Some(found) => {
                compared.insert(p);
                if !previous.iter().any(|(_, x)| *x == found.1) {
                    previous.push(found);
                }
            }
            None => without.push(input.env.partners.iter().find(|x| x.code == *p).map_or(*p, |x| x.name.as_str())),
        }
    }
    let nothing =
        |message: String| Outcome { checked: 0, failing: 0, failures: Vec::new(), message, at_most_warning: false };
    if previous.is_empty() {
        return nothing("no earlier extract of this source to compare with".into());
    }
    let is_compared: Vec<bool> = partners.codes.iter().map(|c| compared.contains(code(c))).collect();
    let rows_compared = || partners.of_row.iter().enumerate().filter(|(_, &p)| is_compared[p as usize]).map(|(i, _)| i);
    let dates: BTreeSet<NaiveDate> = previous.iter().map(|(d, _)| *d).collect();
    let dates = dates.iter().map(|d| d.format("%d/%m/%Y").to_string()).collect::<Vec<_>>().join(", ");
    let (what, now, before) = match field {
        None => (
            "the number of rows".to_string(),
            rows_compared().count() as f64,
            Some(previous.iter().map(|(_, p)| p.rows as f64).sum::<f64>()),
        ),
        Some(f) => {
            let values = input.numbers(f);
            let now = rows_compared().filter_map(|i| values.get(i)).sum::<f64>();
            let before: Option<f64> = previous.iter().map(|(_, p)| p.sums.get(f).copied()).sum();
            (format!("the total of {f}"), now, before)
        }
    };
    let Some(before) = before else {
        return nothing(format!("the data as at {dates} has no total of this column"));
    };
    let delta = pct_change(now, before);
    let bad = delta.is_some_and(|d| d.abs() > max_pct) || (before == 0.0 && now != 0.0);
    let mut text = format!(
        "{what} is {} against {} in the data as at {dates} ({})",
        fmt_num(now),
        fmt_num(before),
        delta.map(|d| format!("{d:+.1}%")).unwrap_or_else(|| "from zero".into())
    );
    if !without.is_empty() {
        text.push_str(&format!("; not compared: {} (no earlier extract)", without.join(", ")));
    }
    Outcome {
        checked: 1,
        failing: bad as usize,
        failures: if bad {
            vec![input.file_finding(Some(fmt_num(now)), format!("{text}; at most {max_pct}% change expected"))]
        } else {
            Vec::new()
        },
        message: text,
        at_most_warning: false,
    }
}

#[cfg(test)]
mod tests {
    use super::repeats;
    use crate::check::Earlier;
    use crate::check::{CheckEnv, CheckedExtract, Status};
    use crate::config::SourceDef;
    use crate::testing::{checked_with, date, project};
    use polars::prelude::PlRandomState;

    const BASE: &str = "id = 'acc'\nname = 'Accounts'\nkind = 'snapshot'\nfile_patterns = ['acc*']\n\
        key = ['council', 'ref']\nmax_rejected_pct = 50\n\
        [[column]]\nfield = 'council'\ntype = 'partner'\nrequired = true\n\
        [[column]]\nfield = 'ref'\ntype = 'text'\nrequired = true\n\
        [[column]]\nfield = 'year'\ntype = 'financial_year'\n\
        [[column]]\nfield = 'debit'\ntype = 'money'\n\
        [[column]]\nfield = 'paid'\ntype = 'money'\n\
        [[column]]\nfield = 'balance'\ntype = 'money'\n\
        [[column]]\nfield = 'opened'\ntype = 'date'\n";

    const HEADER: [&str; 7] = ["Council", "Ref", "Year", "Debit", "Paid", "Balance", "Opened"];

    /// Six good rows (Excel rows 4 to 9: title, blank, header above).
    fn rows() -> Vec<Vec<&'static str>> {
        vec![
            vec!["Breckland", "CT1000001", "2025/26", "100", "60", "40", "01/05/2025"],
            vec!["Breckland", "CT1000002", "2025/26", "200", "200", "0", "02/05/2025"],
            vec!["East Suffolk", "CT1000003", "2025/26", "300", "100", "200", "03/05/2025"],
            vec!["East Suffolk", "CT1000004", "2025/26", "400", "0", "400", "04/05/2025"],
            vec!["Fenland", "CT1000005", "2025/26", "500", "250", "250", "05/05/2025"],
            vec!["Fenland", "CT1000006", "2025/26", "600", "600", "0", "06/05/2025"],
        ]
    }

    fn run(extra: &str, rows: &[Vec<&str>], history: &[Earlier]) -> CheckedExtract {
        let dir = tempfile::tempdir().unwrap();
        let p = project(dir.path());
        let def = SourceDef::parse(&format!("{BASE}{extra}")).unwrap_or_else(|e| panic!("{e:?}"));
        let env = CheckEnv { partners: &p.settings.partner, as_of: date("2025-10-31"), history, waivers: &[] };
        checked_with(&def, &env, date("2025-10-31"), &HEADER, rows)
    }

    /// The Excel rows the one declared check lists as failing, and its status.
    fn failing(x: &CheckedExtract, id: &str) -> (Status, Vec<u32>, usize) {
        let c = x.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no check {id}: {:?}", x.checks));
        (c.status, c.failures.iter().filter_map(|f| f.row).collect(), c.failing)
    }

    #[test]
    fn pattern_fails_exactly_the_planted_rows() {
        let mut r = rows();
        r[1][1] = "XX1000002";
        r[4][1] = "CT10";
        let x = run("[[check]]\nkind = 'pattern'\nfield = 'ref'\npattern = '^CT\\d{7}$'\n", &r, &[]);
        assert_eq!(failing(&x, "pattern:ref"), (Status::Error, vec![5, 8], 2));
        let f = &x.checks.iter().find(|c| c.id == "pattern:ref").unwrap().failures[0];
        assert_eq!(f.key.as_deref(), Some("council=E07000143, ref=XX1000002"));
        assert_eq!(f.value.as_deref(), Some("XX1000002"));
        assert!(matches!(x.verdict, crate::check::Verdict::Quarantine(ref r) if r.contains("pattern:ref")));
    }

    #[test]
    fn named_patterns_gss_and_national_insurance() {
        let mut r = rows();
        r[0][1] = "E07000143";
        r[1][1] = "W06000001";
        r[2][1] = "X07000143";
        let x =
            run("[[check]]\nkind = 'pattern'\nfield = 'ref'\npattern = 'gss_code'\nseverity = 'warning'\n", &r, &[]);
        let (status, bad, _) = failing(&x, "pattern:ref");
        assert_eq!(status, Status::Warning);
        assert_eq!(bad, vec![6, 7, 8, 9], "X07000143 and the three CT references");
        let mut r = rows();
        r[0][1] = "AB 12 34 56 C";
        r[1][1] = "JG123456A";
        r[2][1] = "GB123456A"; // a prefix HMRC never issues
        r[3][1] = "QQ123456C"; // Q is never a first letter (QQ is the specimen prefix)
        r[4][1] = "AB123456E"; // suffix beyond D
        r[5][1] = "AB123456D";
        let x = run("[[check]]\nkind = 'pattern'\nfield = 'ref'\npattern = 'ni_number'\n", &r, &[]);
        assert_eq!(failing(&x, "pattern:ref").1, vec![6, 7, 8]);
        assert!(x.checks.iter().find(|c| c.id == "pattern:ref").unwrap().failures[0]
            .message
            .contains("National Insurance"));
    }

    #[test]
    fn range_dates_and_allowed() {
        let mut r = rows();
        r[2][3] = "-5";
        r[5][6] = "01/11/2025"; // after the as-at date
        r[0][6] = "31/03/2025"; // before the financial year began
        let x = run(
            "[[check]]\nkind = 'range'\nfield = 'debit'\nmin = 0\nmax = 550\n\
             [[check]]\nkind = 'dates'\nfield = 'opened'\nearliest = 'period_start'\nlatest = 'as_at'\n\
             [[check]]\nkind = 'allowed'\nfield = 'ref'\nallowed = ['CT1000001', 'ct 1000002']\nseverity = 'warning'\n",
            &r,
            &[],
        );
        assert_eq!(failing(&x, "range:debit").1, vec![6, 9], "-5 and 600");
        assert_eq!(failing(&x, "dates:opened").1, vec![4, 9]);
        assert_eq!(failing(&x, "allowed:ref").1, vec![6, 7, 8, 9], "spelling and case are forgiven");
    }

    #[test]
    fn repeats_finds_the_first_row_of_each_key_whatever_the_hashes() {
        // Keys with repeats near and far apart (across pieces and buckets), against a plain
        // map of keys; with real hashes, with every hash the same (each row compared with
        // every earlier key) and with a few hashes shared by many keys (collisions).
        let keys: Vec<u64> = (0..200_000u64).map(|i| (i * 7919) % 150_001 + (i % 3 == 0) as u64 * (i % 11)).collect();
        let mut expected = Vec::new();
        let mut seen = std::collections::HashMap::new();
        for (i, k) in keys.iter().enumerate() {
            match seen.get(k) {
                Some(&j) => expected.push((i, j)),
                None => {
                    seen.insert(*k, i);
                }
            }
        }
        assert!(expected.len() > 10_000, "the keys repeat: {}", expected.len());
        let same = |i: usize, j: usize| keys[i] == keys[j];
        let state = PlRandomState::default();
        let real: Vec<u64> = keys.iter().map(|k| std::hash::BuildHasher::hash_one(&state, k)).collect();
        assert_eq!(repeats(&real, same), expected);
        let few: Vec<u64> = keys.iter().map(|k| k % 5).collect();
        assert_eq!(repeats(&few, same), expected, "collisions are never taken for repeats");
        let small = &keys[..3_000];
        let one = vec![42u64; small.len()];
        let expected_small: Vec<(usize, usize)> = expected.iter().copied().filter(|&(i, _)| i < small.len()).collect();
        assert_eq!(repeats(&one, same), expected_small);
    }

    #[test]
    fn complete_unique_and_compare() {
        let mut r = rows();
        r[3][5] = "";
        r[1][1] = "CT1000001"; // row 5 repeats row 4 (Breckland, CT1000001)
        r[5][1] = "CT1000001"; // Fenland's CT1000001 is another council's account: no duplicate
        r[2][5] = "150"; // 300 - 100 is 200, not 150
        let x = run(
            "[[check]]\nkind = 'complete'\nfield = 'balance'\nmin_pct = 90\nseverity = 'warning'\n\
             [[check]]\nkind = 'unique'\nfields = ['council', 'ref']\n\
             [[check]]\nkind = 'compare'\nleft = 'balance'\nop = '='\nright = 'debit - paid'\ntolerance = 0.01\n\
             [[check]]\nkind = 'compare'\nleft = 'paid'\nop = '<='\nright = 'debit'\n",
            &r,
            &[],
        );
        assert_eq!(failing(&x, "complete:balance"), (Status::Warning, vec![7], 1), "5 of 6 filled is under 90%");
        assert_eq!(failing(&x, "unique:council+ref").1, vec![5]);
        let u = x.checks.iter().find(|c| c.id == "unique:council+ref").unwrap();
        assert!(u.failures[0].message.contains("as row 4"), "{}", u.failures[0].message);
        assert_eq!(failing(&x, "compare:balance=debit-paid").1, vec![6], "the blank balance is not compared");
        assert_eq!(failing(&x, "compare:paid<=debit").0, Status::Pass);
    }

    #[test]
    fn thresholds_turn_failures_into_warnings_or_errors() {
        let mut r = rows();
        r[0][3] = "-1";
        // 1 of 6 rows fails (16.7%).
        let check = |warn: &str, err: &str| {
            let x = run(
                &format!("[[check]]\nkind = 'range'\nfield = 'debit'\nmin = 0\nwarn_above_pct = {warn}\nerror_above_pct = {err}\n"),
                &r,
                &[],
            );
            failing(&x, "range:debit").0
        };
        assert_eq!(check("0", "10"), Status::Error);
        assert_eq!(check("0", "20"), Status::Warning);
        assert_eq!(check("17", "20"), Status::Pass, "under the warning threshold the rows are listed but pass");
    }

    #[test]
    fn totals_partners_periods_and_timeliness() {
        let mut r = rows();
        r.retain(|row| row[0] != "East Suffolk");
        r.push(vec!["Total", "", "", "1400", "1100", "", ""]);
        let x = run(
            "[[check]]\nkind = 'totals'\nfields = ['debit', 'paid']\n\
             [[check]]\nkind = 'partners_present'\n\
             [[check]]\nkind = 'periods_present'\nfield = 'opened'\nseverity = 'warning'\n\
             [[check]]\nkind = 'max_age'\ndays = 10\n\
             [[check]]\nkind = 'as_at_in_period'\nfield = 'year'\n",
            &r,
            &[],
        );
        let totals = x.checks.iter().find(|c| c.id == "totals:debit+paid").unwrap();
        assert_eq!((totals.status, totals.failing), (Status::Error, 1), "{totals:?}");
        assert_eq!(
            totals.failures[0].message, "paid: the rows add up to 1,110, the totals row says 1,100",
            "debit agrees"
        );
        // One file need not cover every council: whether every council's data for the month
        // arrived is judged across the month's files (store::coverage).
        let partners = x.checks.iter().find(|c| c.id == "partners_present").unwrap();
        assert_eq!((partners.status, partners.failing), (Status::Pass, 0));
        assert!(
            partners.message.contains("covers 2 of 3 partner councils (Breckland, Fenland)"),
            "{}",
            partners.message
        );
        // Opened only in May: April, June ... October missing for both councils the file
        // covers (East Suffolk's months are its own file's business).
        let periods = x.checks.iter().find(|c| c.id == "periods_present:opened").unwrap();
        assert_eq!((periods.checked, periods.failing), (14, 12));
        assert_eq!(failing(&x, "max_age").0, Status::Pass, "as at the run date");
        assert_eq!(failing(&x, "as_at_in_period:year").0, Status::Pass);
    }

    /// One unreadable money cell rejects its row and leaves its value out of the sum: the
    /// totals message says so, with the difference it may account for.
    #[test]
    fn totals_message_names_unreadable_cells() {
        let mut r = rows();
        r[1][4] = "2OO"; // letters O for zeros: paid cannot be read, the row is rejected
        r.push(vec!["Total", "", "", "2100", "1210", "", ""]);
        let x = run("[[check]]\nkind = 'totals'\nfields = ['debit', 'paid']\n", &r, &[]);
        let totals = x.checks.iter().find(|c| c.id == "totals:debit+paid").unwrap();
        assert_eq!(totals.failing, 1, "{totals:?}");
        assert_eq!(
            totals.failures[0].message,
            "paid: the rows add up to 1,010, the totals row says 1,210: 1 cell of paid could not be read (the rows are \
             rejected, listed under the types check) and is not in the sum, which may account for the difference of 200"
        );
        // debit of the rejected row was read, so it is in the sum and agrees.
        let mut r = rows();
        r[1][0] = "Nowhere"; // not a partner: the row is rejected, its money still summed
        r.push(vec!["Total", "", "", "2100", "1300", "", ""]);
        let x = run("[[check]]\nkind = 'totals'\nfields = ['paid']\n", &r, &[]);
        let totals = x.checks.iter().find(|c| c.id == "totals:paid").unwrap();
        assert!(
            totals.failures[0]
                .message
                .ends_with("(rejected rows are in the sum, so they do not account for the difference)"),
            "{}",
            totals.failures[0].message
        );
    }

    #[test]
    fn history_control_counts_and_late_extracts() {
        let earlier = |rows: usize, debit: f64| Earlier {
            source: "acc".into(),
            partner: crate::config::ALL.into(),
            as_at: date("2025-09-30"),
            rows,
            sums: [("debit".to_string(), debit)].into(),
        };
        let checks = "[[check]]\nkind = 'row_count_change'\nmax_change_pct = 10\n\
             [[check]]\nkind = 'change'\nfield = 'debit'\nmax_change_pct = 10\nseverity = 'warning'\n\
             [[check]]\nkind = 'control_count'\n";
        let mut r = rows();
        r.push(vec!["Total items: 6"]);
        // Six rows and a debit of 2,100 against 6 rows and 2,000 before: +5%, within 10%.
        let x = run(checks, &r, &[earlier(6, 2000.0)]);
        assert_eq!(failing(&x, "row_count_change").0, Status::Pass);
        assert_eq!(failing(&x, "change:debit").0, Status::Pass);
        assert_eq!(failing(&x, "control_count").0, Status::Pass, "{:?}", x.checks);
        // Against 8 rows and a debit of 1,500: both fail; the stated count is wrong too.
        let last = r.len() - 1;
        r[last] = vec!["Total items: 7"];
        let x = run(checks, &r, &[earlier(8, 1500.0)]);
        let (status, _, _) = failing(&x, "row_count_change");
        assert_eq!(status, Status::Error);
        let c = x.checks.iter().find(|c| c.id == "change:debit").unwrap();
        assert_eq!(c.status, Status::Warning);
        assert!(c.message.contains("2,100 against 1,500") && c.message.contains("+40.0%"), "{}", c.message);
        let c = x.checks.iter().find(|c| c.id == "control_count").unwrap();
        assert_eq!((c.status, c.failures[0].row), (Status::Error, Some(10)), "{c:?}");
        // No earlier extract: nothing to compare, so the checks pass and say why.
        let x = run(checks, &rows(), &[]);
        let c = x.checks.iter().find(|c| c.id == "row_count_change").unwrap();
        assert_eq!((c.status, c.message.as_str()), (Status::Pass, "no earlier extract of this source to compare with"));
        let c = x.checks.iter().find(|c| c.id == "control_count").unwrap();
        assert_eq!(c.status, Status::Warning, "no stated count: at most a warning");
    }

    #[test]
    fn changes_compare_only_the_councils_with_earlier_data() {
        // Breckland's and East Suffolk's earlier parts; Fenland has none.
        let part = |partner: &str, rows: usize, debit: f64| Earlier {
            source: "acc".into(),
            partner: partner.into(),
            as_at: date("2025-09-30"),
            rows,
            sums: [("debit".to_string(), debit)].into(),
        };
        let history = [part("E07000143", 2, 300.0), part("E07000244", 2, 700.0)];
        let checks = "[[check]]\nkind = 'row_count_change'\nmax_change_pct = 10\n\
             [[check]]\nkind = 'change'\nfield = 'debit'\nmax_change_pct = 10\n\
             [[check]]\nkind = 'partners_present'\n";
        let x = run(checks, &rows(), &history);
        let c = x.checks.iter().find(|c| c.id == "row_count_change").unwrap();
        assert_eq!(c.status, Status::Pass, "{c:?}");
        assert!(
            c.message.starts_with("the number of rows is 4 against 4") && c.message.contains("not compared: Fenland"),
            "{}",
            c.message
        );
        let c = x.checks.iter().find(|c| c.id == "change:debit").unwrap();
        assert!(c.message.starts_with("the total of debit is 1,000 against 1,000"), "{}", c.message);
        let c = x.checks.iter().find(|c| c.id == "partners_present").unwrap();
        assert!(
            c.message.contains("covers 3 of 3 partner councils (Breckland, East Suffolk, Fenland)"),
            "{}",
            c.message
        );
        // A part holding every council's rows (an unmigrated store) stands for all of them.
        let x = run(checks, &rows(), &[part(crate::config::ALL, 1, 600.0)]);
        let c = x.checks.iter().find(|c| c.id == "change:debit").unwrap();
        assert!(c.message.starts_with("the total of debit is 2,100 against 600"), "{}", c.message);
    }

    #[test]
    fn late_extracts_and_the_wrong_year() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(dir.path());
        let def = SourceDef::parse(&format!(
            "{BASE}[[check]]\nkind = 'max_age'\ndays = 30\n[[check]]\nkind = 'as_at_in_period'\nfield = 'year'\n"
        ))
        .unwrap();
        let mut r = rows();
        for row in r.iter_mut() {
            row[2] = "2024/25";
        }
        // Checked on 15 December: the 31 October extract is 45 days old, and its newest
        // liability year is 2024/25 although the as-at date falls in 2025/26.
        let env = CheckEnv { partners: &p.settings.partner, as_of: date("2025-12-15"), history: &[], waivers: &[] };
        let x = checked_with(&def, &env, date("2025-10-31"), &HEADER, &r);
        let age = x.checks.iter().find(|c| c.id == "max_age").unwrap();
        assert_eq!(age.status, Status::Error);
        assert!(age.failures[0].message.contains("45 days old"), "{:?}", age.failures);
        let year = x.checks.iter().find(|c| c.id == "as_at_in_period:year").unwrap();
        assert_eq!(year.status, Status::Error);
        assert!(year.failures[0].message.contains("2025/26") && year.failures[0].message.contains("2024/25"));
    }
}
