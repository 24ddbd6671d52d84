//! Project configuration: definitions as data that the performance officer edits.
//!
//! Takes a project folder holding `scorecard.toml`, `sources/*.toml`, `indicators/*.toml` and
//! `targets.toml` (and `waivers.toml`, `commentary.csv` and `benchmarks.toml`, if present); gives a validated [`Project`] or *every* problem found, each with its file,
//! line and column ([`ConfigError`]). Unknown keys are errors. `scorecard validate` prints the
//! errors; `scorecard run` refuses to start with them (exit code 78).

mod benchmark;
/// The partner code of the partnership as a whole: its figures, and data that belongs to no
/// one council (a source without a partner column, rows whose partner cell is blank).
pub const ALL: &str = "ALL";

mod commentary;
mod diagnostic;
mod indicator;
#[cfg(test)]
mod reference;
pub mod reports;
mod rule;
mod settings;
mod source;
mod target;
mod waiver;

pub use benchmark::{benchmarks_path, Benchmarks, GroupDef, MeasureDef, RegisterDef, TableDef, TableLayout};
pub use commentary::{commentary_for, commentary_path, is_commentary_file, parse as parse_commentary, Commentary};
pub use diagnostic::{ConfigError, Invalid};
pub use indicator::{
    field, Aggregate, AggregateKind, Example, Expect, Frequency, Given, IndicatorDef, Method, PeriodRule, Polarity,
    ReturnedPeriod, Tolerance, Unit, BLANK, NOT_BLANK, PERIOD_YEAR,
};
pub use rule::{Characteristic, Check, CheckDef, CheckKind, DateBound, Op, Rule, Severity, Sum, NI_BAD_PREFIXES};
pub use settings::{is_gss_code, Folders, Limits, Organisation, Partner, ReportSettings, Settings};
pub use source::{AsAtFrom, ColumnDef, ColumnType, PercentForm, SourceDef, SourceKind, RESERVED_SOURCE_IDS};
pub use target::{TargetDef, Targets};
pub use waiver::{waivers_path, Waiver};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A loaded, validated project.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project folder (absolute).
    pub root: PathBuf,
    pub settings: Settings,
    pub sources: Vec<SourceDef>,
    pub indicators: Vec<IndicatorDef>,
    pub targets: Targets,
    /// Accepted data-quality problems (`waivers.toml`).
    pub waivers: Vec<Waiver>,
    /// What indicator owners say about results (`commentary.csv`).
    pub commentary: Vec<Commentary>,
    /// Comparator tables and groups (`benchmarks.toml`).
    pub benchmarks: Benchmarks,
}

impl Project {
    /// Loads and validates every definition file under `root`, collecting all problems.
    pub fn load(root: &Path) -> Result<Project, Vec<ConfigError>> {
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let mut errors = Vec::new();

        let settings_path = root.join("scorecard.toml");
        let settings = diagnostic::parse_file::<Settings>(&settings_path, &mut errors);

        // Cross-references are only checked against complete sets: a file that failed to
        // parse would otherwise make every reference into it look wrong.
        let (mut sources, sources_complete) = parse_sources(&root, &mut errors);
        let (indicators, indicators_complete) = parse_indicators(&root, &mut errors);
        let targets_path = root.join("targets.toml");
        let targets = if targets_path.exists() {
            diagnostic::parse_file::<Targets>(&targets_path, &mut errors)
                .map(|t| t.with_path(&targets_path))
                .unwrap_or_default()
        } else {
            Targets::default()
        };

        if let Some(settings) = &settings {
            settings.validate(&settings_path, &mut errors);
        }
        for s in &mut sources {
            s.validate(&mut errors);
            let path = s.path.clone();
            s.checks = rule::compile_all(s, &path, &mut errors);
        }
        check_unique(sources.iter().map(|s| (s.id.get_ref().as_str(), &s.path, s.id.span())), "source id", &mut errors);
        check_unique(
            indicators.iter().map(|i| (i.id.get_ref().as_str(), &i.path, i.id.span())),
            "indicator id",
            &mut errors,
        );
        let source_ids: BTreeSet<&str> = sources.iter().map(|s| s.id.get_ref().as_str()).collect();
        for i in &indicators {
            i.validate(&sources, &source_ids, sources_complete, &mut errors);
        }
        check_derived_order(&indicators, &mut errors);
        let indicator_ids: BTreeSet<&str> = indicators.iter().map(|i| i.id.get_ref().as_str()).collect();
        let partner_codes: BTreeSet<&str> =
            settings.as_ref().map(|s| s.partner.iter().map(|p| p.code.as_str()).collect()).unwrap_or_default();
        targets.validate(indicators_complete.then_some(&indicator_ids), &partner_codes, &mut errors);
        let waivers = waiver::load(&waivers_path(&root), sources_complete.then_some(&sources[..]), &mut errors);
        let commentary = match &settings {
            Some(s) if indicators_complete => {
                commentary::load(&commentary_path(&root), &indicators, &s.partner, &s.limits, &mut errors)
            }
            _ => Vec::new(),
        };

        let no_partners = Vec::new();
        let benchmarks = benchmark::load(
            &root,
            indicators_complete.then_some(&indicators[..]),
            settings.as_ref().map(|s| &s.partner).unwrap_or(&no_partners),
            &mut errors,
        );

        if sources.is_empty() && errors.is_empty() {
            errors.push(ConfigError::whole_file(
                &root.join("sources"),
                "no source definitions found (expected sources/*.toml)",
            ));
        }

        match (settings, errors.is_empty()) {
            (Some(settings), true) => {
                Ok(Project { root, settings, sources, indicators, targets, waivers, commentary, benchmarks })
            }
            _ => {
                errors.sort();
                errors.dedup();
                Err(errors)
            }
        }
    }

    /// Resolves a folder named in `scorecard.toml` against the project root.
    pub fn folder(&self, relative: &Path) -> PathBuf {
        if relative.is_absolute() {
            relative.to_path_buf()
        } else {
            self.root.join(relative)
        }
    }

    pub fn source(&self, id: &str) -> Option<&SourceDef> {
        self.sources.iter().find(|s| s.id.get_ref() == id)
    }

    pub fn partner_name(&self, code: &str) -> String {
        if code == "ALL" {
            return self.settings.organisation.partnership_label();
        }
        self.settings
            .partner
            .iter()
            .find(|p| p.code == code)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| code.to_string())
    }
}

/// `scorecard.toml` alone, validated, for tools that need the partners and limits of a
/// project whose other definitions may not be written yet (`scorecard draft`); `None` when
/// the folder has none.
pub fn load_settings(root: &Path) -> Result<Option<Settings>, Vec<ConfigError>> {
    let path = root.join("scorecard.toml");
    if !path.exists() {
        return Ok(None);
    }
    let mut errors = Vec::new();
    let settings = diagnostic::parse_file::<Settings>(&path, &mut errors);
    if let Some(s) = &settings {
        s.validate(&path, &mut errors);
    }
    if errors.is_empty() {
        Ok(settings)
    } else {
        Err(errors)
    }
}

/// Every `sources/*.toml` parsed, and whether all of them parsed (cross-references are only
/// checked against complete sets: a file that failed to parse would otherwise make every
/// reference into it look wrong).
fn parse_sources(root: &Path, errors: &mut Vec<ConfigError>) -> (Vec<SourceDef>, bool) {
    let before = errors.len();
    let sources = toml_files(&root.join("sources"), errors)
        .iter()
        .filter_map(|p| diagnostic::parse_file::<SourceDef>(p, errors).map(|s| s.with_path(p)))
        .collect();
    (sources, errors.len() == before)
}

/// Every indicator of `indicators/*.toml`, in file and definition order, and whether all the
/// files parsed.
fn parse_indicators(root: &Path, errors: &mut Vec<ConfigError>) -> (Vec<IndicatorDef>, bool) {
    let before = errors.len();
    let mut indicators = Vec::new();
    for p in toml_files(&root.join("indicators"), errors) {
        if let Some(file) = diagnostic::parse_file::<indicator::IndicatorFile>(&p, errors) {
            indicators.extend(file.indicator.into_iter().map(|i| i.with_path(&p)));
        }
    }
    (indicators, errors.len() == before)
}

/// A figure made from other indicators (`per_unit`) must come after both of them.
fn check_derived_order(indicators: &[IndicatorDef], errors: &mut Vec<ConfigError>) {
    for (pos, i) in indicators.iter().enumerate() {
        let Some((numerator, denominator, _)) = i.method.get_ref().derived_from() else { continue };
        for id in [numerator, denominator] {
            if !indicators[..pos].iter().any(|d| d.id() == id) {
                errors.push(ConfigError::at_span(
                    &i.path,
                    i.method.span(),
                    &format!(
                        "indicator `{}`: per_unit reads `{id}`, which must be an indicator defined before it",
                        i.id()
                    ),
                ));
            }
        }
    }
}

/// Lists `*.toml` files of a folder in name order; a missing folder is an error.
fn toml_files(dir: &Path, errors: &mut Vec<ConfigError>) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(ConfigError::whole_file(dir, &format!("cannot read folder: {e}")));
            return Vec::new();
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    files.sort();
    files
}

fn check_unique<'a>(
    items: impl Iterator<Item = (&'a str, &'a PathBuf, std::ops::Range<usize>)>,
    what: &str,
    errors: &mut Vec<ConfigError>,
) {
    let mut seen = std::collections::BTreeMap::new();
    for (id, path, span) in items {
        if let Some(first) = seen.insert(id.to_string(), path.clone()) {
            errors.push(ConfigError::at_span(
                path,
                span,
                &format!("duplicate {what} `{id}` (also defined in {})", first.display()),
            ));
        }
    }
}
