//! `sources/*.toml`: how to recognise one system's extract and read its columns.

use super::rule::{Check, CheckDef};
use super::ConfigError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// One source system's extract definition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDef {
    /// Identifier used by indicators (`revenues`, `benefits`, `hr_staff`, `hr_absence`).
    pub id: Spanned<String>,
    /// Human name shown in reports.
    pub name: String,
    /// The system that produces it, shown as the data source in reports.
    #[serde(default)]
    pub system: String,
    /// `snapshot` (each extract is the state of all accounts at its as-at date) or `records`
    /// (each extract lists records; the version from the latest extract wins).
    pub kind: SourceKind,
    /// File-name patterns (`*` and `?` wildcards, case-insensitive) that identify this source.
    pub file_patterns: Vec<String>,
    /// Where the as-at date is found, tried in order: `title` (a date in the rows above the
    /// header, such as "Report run on 31/10/2025") and `file_name` (`..._20251031.xlsx` or
    /// `..._2025-10-31.csv`).
    #[serde(default = "default_as_at")]
    pub as_at: Vec<AsAtFrom>,
    /// Fields identifying a record (records sources): the latest version of each key wins.
    #[serde(default)]
    pub key: Vec<String>,
    /// Largest share of rows that may be rejected before the whole file is quarantined (%).
    #[serde(default = "default_max_rejected")]
    pub max_rejected_pct: f64,
    /// The columns, in any order.
    pub column: Vec<ColumnDef>,
    /// Checks over several columns, the whole extract or its history.
    #[serde(default)]
    pub check: Vec<CheckDef>,
    /// The source is reported stale when its latest accepted extract is older than this many
    /// days at run time, whether or not a new file arrived (for example 35 for a monthly
    /// extract).
    pub stale_after_days: Option<u32>,
    #[serde(skip)]
    pub path: PathBuf,
    /// Every check of the source, compiled when the project is loaded.
    #[serde(skip)]
    pub checks: Vec<Check>,
}

/// Names the store uses for its own folders beside the sources' datasets, so no source may
/// be called so.
pub const RESERVED_SOURCE_IDS: [&str; 4] = ["quality", "commentary", "replaced", "summaries"];

fn default_as_at() -> Vec<AsAtFrom> {
    vec![AsAtFrom::Title, AsAtFrom::FileName]
}
fn default_max_rejected() -> f64 {
    5.0
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Snapshot,
    Records,
}

/// Where an extract's as-at date is read from: `"title"`, `"file_name"` or
/// `"column:<field>"` (the latest date in that column).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub enum AsAtFrom {
    Title,
    FileName,
    Column(String),
}

impl TryFrom<String> for AsAtFrom {
    type Error = super::Invalid;
    fn try_from(s: String) -> Result<Self, super::Invalid> {
        match s.as_str() {
            "title" => Ok(AsAtFrom::Title),
            "file_name" => Ok(AsAtFrom::FileName),
            other => match other.strip_prefix("column:") {
                Some(field) if !field.trim().is_empty() => Ok(AsAtFrom::Column(field.trim().to_string())),
                _ => Err(format!("as_at `{other}`: expected \"title\", \"file_name\" or \"column:<field>\"").into()),
            },
        }
    }
}

/// One column of an extract.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnDef {
    /// The normalised field name used by indicators.
    pub field: String,
    /// How cells are read.
    #[serde(rename = "type")]
    pub kind: ColumnType,
    /// Header texts the systems use for it; matched ignoring case, spaces and punctuation.
    /// The field name itself always matches.
    #[serde(default)]
    pub headers: Vec<String>,
    /// A blank cell rejects the row.
    #[serde(default)]
    pub required: bool,
    /// For `code` columns: the codes indicators use, and the spellings each system writes
    /// for each (`values = { DD = ["Direct Debit", "D/D"] }`). Spellings match ignoring case,
    /// spaces and punctuation; the code itself always matches.
    #[serde(default)]
    pub values: BTreeMap<String, Vec<String>>,
    /// For `code` columns: the code given to a value that is none of the spellings (for
    /// example `other = "OTHER"`), so that a system's new label is counted and reported
    /// rather than rejecting its row. Without it, such a row is rejected.
    #[serde(default)]
    pub other: Option<String>,
    /// For `percent` columns: how plain numbers are written, `points` (95.9) or
    /// `fraction` (0.959). Text with a `%` sign is always read as points.
    #[serde(default)]
    pub percent_written_as: PercentForm,
    /// Checks of this column's values (`[[column.check]]`).
    #[serde(default)]
    pub check: Vec<CheckDef>,
}

/// How a percentage column writes plain numbers.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PercentForm {
    /// 95.9 means 95.9%.
    #[default]
    Points,
    /// 0.959 means 95.9%.
    Fraction,
}

/// Cell types the reader understands.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Free text.
    Text,
    /// A partner council named by code, name or alias from `scorecard.toml`; stored as its code.
    Partner,
    /// One of a fixed set of values (see `values`); stored as the canonical value.
    Code,
    /// Money in pounds: numbers, or text such as `£1,234.56` and `(123.45)` for negatives.
    Money,
    /// A number; text with thousands separators is accepted.
    Number,
    /// A percentage, stored in points (95.9): `95.9`, `95.9%`, or `0.959` when
    /// `percent_written_as = "fraction"`.
    Percent,
    /// A date: an Excel date, or text day-first (`31/10/2025`), ISO (`2025-10-31`) or `31 Oct 2025`.
    Date,
    /// A financial year such as `2025/26`, `2025-26`, `25/26` or `2025`; stored as its first year.
    FinancialYear,
    /// Yes or no: `Y`, `N`, `Yes`, `No`, `True`, `False`, `1`, `0`.
    YesNo,
}

impl SourceDef {
    /// A source definition from TOML text, validated and with its checks compiled (for
    /// tests and tools; projects load theirs with [`super::Project::load`]).
    pub fn parse(text: &str) -> Result<SourceDef, Vec<ConfigError>> {
        let path = Path::new("<source>");
        let mut s: SourceDef = toml::from_str(text).map_err(|e| vec![ConfigError::whole_file(path, e.message())])?;
        let mut errors = Vec::new();
        s.validate(&mut errors);
        s.checks = super::rule::compile_all(&s, path, &mut errors);
        if errors.is_empty() {
            Ok(s)
        } else {
            Err(errors)
        }
    }

    pub(super) fn with_path(mut self, p: &Path) -> Self {
        self.path = p.to_path_buf();
        self
    }

    pub fn id(&self) -> &str {
        self.id.get_ref()
    }

    pub fn column(&self, field: &str) -> Option<&ColumnDef> {
        self.column.iter().find(|c| c.field == field)
    }

    /// The column holding the partner council, if any.
    pub fn partner_field(&self) -> Option<&str> {
        self.column.iter().find(|c| c.kind == ColumnType::Partner).map(|c| c.field.as_str())
    }

    /// Does a file name match one of the patterns?
    pub fn matches_file_name(&self, name: &str) -> bool {
        let opts = glob::MatchOptions { case_sensitive: false, ..Default::default() };
        self.file_patterns.iter().filter_map(|p| glob::Pattern::new(p).ok()).any(|p| p.matches_with(name, opts))
    }

    pub(super) fn validate(&self, errors: &mut Vec<ConfigError>) {
        let err = |errors: &mut Vec<ConfigError>, msg: String| {
            errors.push(ConfigError::at_span(&self.path, self.id.span(), &format!("source `{}`: {msg}", self.id())))
        };
        if self.file_patterns.is_empty() {
            err(errors, "file_patterns is empty: no file could ever match this source".into());
        }
        let id_ok = !self.id().is_empty()
            && self.id().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !id_ok {
            err(errors, "the id may hold only lower-case letters, digits and `_` (it names the store's folder)".into());
        }
        if RESERVED_SOURCE_IDS.contains(&self.id()) {
            err(
                errors,
                format!(
                    "`{}` is a name the store keeps for itself ({}); choose another id",
                    self.id(),
                    RESERVED_SOURCE_IDS.join(", ")
                ),
            );
        }
        for p in &self.file_patterns {
            if let Err(e) = glob::Pattern::new(p) {
                err(errors, format!("file pattern `{p}` is not valid: {e}"));
            }
        }
        let mut fields = std::collections::BTreeSet::new();
        for c in &self.column {
            if !fields.insert(c.field.as_str()) {
                err(errors, format!("column `{}` is defined twice", c.field));
            }
            if c.kind == ColumnType::Code && c.values.is_empty() {
                err(errors, format!("column `{}` has type code but no `values` table", c.field));
            }
            if c.kind != ColumnType::Percent && c.percent_written_as != PercentForm::Points {
                err(errors, format!("column `{}` has percent_written_as but type is not percent", c.field));
            }
            if c.kind != ColumnType::Code && !c.values.is_empty() {
                err(errors, format!("column `{}` has `values` but type is not code", c.field));
            }
            if c.kind != ColumnType::Code && c.other.is_some() {
                err(errors, format!("column `{}` has `other` but type is not code", c.field));
            }
            if let Some(o) = c.other.as_deref().filter(|o| o.trim().is_empty()) {
                err(
                    errors,
                    format!("column `{}`: `other = \"{o}\"` is blank; give the code unlisted values get", c.field),
                );
            }
        }
        for a in &self.as_at {
            if let AsAtFrom::Column(f) = a {
                match self.column(f) {
                    Some(c) if c.kind == ColumnType::Date => {}
                    Some(_) => err(errors, format!("as_at column `{f}` must have type date")),
                    None => err(errors, format!("as_at column `{f}` is not one of the columns")),
                }
            }
        }
        for k in &self.key {
            if !fields.contains(k.as_str()) {
                err(errors, format!("key field `{k}` is not one of the columns"));
            }
        }
        if self.kind == SourceKind::Records && self.key.is_empty() {
            err(errors, "records sources need a `key` (the fields identifying a record)".into());
        }
        if self.column.iter().filter(|c| c.kind == ColumnType::Partner).count() > 1 {
            err(errors, "more than one column has type partner".into());
        }
        if !(0.0..=100.0).contains(&self.max_rejected_pct) {
            err(errors, format!("max_rejected_pct is {}: expected 0 to 100", self.max_rejected_pct));
        }
    }
}

impl ColumnDef {
    /// Every header text this column accepts, the field name first.
    pub fn header_names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.field.as_str()).chain(self.headers.iter().map(String::as_str))
    }

    /// The canonical value for a `code` cell, if the spelling is accepted.
    pub fn canonical_value(&self, cell: &str) -> Option<&str> {
        let key = crate::common::normalise_header(cell);
        self.values.iter().find_map(|(canon, spellings)| {
            (crate::common::normalise_header(canon) == key
                || spellings.iter().any(|s| crate::common::normalise_header(s) == key))
            .then_some(canon.as_str())
        })
    }
}
