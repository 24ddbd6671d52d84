//! `benchmarks.toml`: where comparator figures come from and whom a partner is compared with.
//!
//! A project names published tables (`[[table]]`, long or wide, CSV or workbook) and the
//! scorecard indicator each of their measures matches, an optional register of local
//! authorities (to validate codes and map council names to codes), and comparator groups
//! (`[[group]]`: every council of a table, councils of the partner's class, or named lists
//! such as CIPFA nearest neighbours). Loading checks the declarations; the tables themselves
//! are read on each run by [`crate::benchmark::table`].

use super::settings::is_gss_code;
use super::{ConfigError, IndicatorDef, Partner};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benchmarks {
    /// The register of authorities and name lookups, if any.
    pub register: Option<RegisterDef>,
    #[serde(default)]
    pub table: Vec<TableDef>,
    #[serde(default)]
    pub group: Vec<GroupDef>,
    /// The file these came from.
    #[serde(skip)]
    pub path: PathBuf,
}

/// Where council codes are checked and names looked up.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterDef {
    /// mySociety's `uk_local_authorities_current.csv` layout (`gss-code`, `official-name`,
    /// `current-authority`, `end-date`, `replaced-by`, `former-gss-codes`; `nice-name` and
    /// `alt-names` used for names when present).
    pub authorities: Option<Spanned<String>>,
    /// mySociety's `lookup_name_to_registry.csv` and `lookup_gss_to_registry.csv`, which hold
    /// the many spellings tables use.
    pub names: Option<Spanned<String>>,
    pub gss: Option<Spanned<String>>,
    /// Spellings no lookup has: name -> GSS code.
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
}

/// How a published table lays out its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableLayout {
    /// One row per council, year and measure (`year_column`, `measure_column`, `value_column`).
    Long,
    /// One row per council, one column per measure and year (`CORP 7 2019-20`).
    Wide,
}

/// One published table of comparator figures.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDef {
    pub id: Spanned<String>,
    /// What reports call it, with its publisher ("MHCLG collection rates, Table 6").
    pub name: String,
    /// The file, relative to the project folder.
    pub file: Spanned<String>,
    /// The sheet of a workbook; the first sheet by default.
    pub sheet: Option<String>,
    pub layout: TableLayout,
    /// The column holding the GSS code; rows without one are placed by name.
    pub code_column: Option<String>,
    /// The column holding the council's name.
    pub name_column: Option<String>,
    pub year_column: Option<String>,
    pub measure_column: Option<String>,
    pub value_column: Option<String>,
    /// Cell texts that mean "no figure" (suppressed, not applicable, not collected).
    #[serde(default = "default_missing")]
    pub missing: Vec<String>,
    pub measure: Vec<MeasureDef>,
}

/// The markers government tables use for figures they do not give.
fn default_missing() -> Vec<String> {
    ["", "..", "-", "*", "x", "[x]", "[z]", "[c]", "[u]", ":", "n/a", "N/A", "NA"].map(String::from).to_vec()
}

/// One measure of a table, matched to a scorecard indicator.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureDef {
    pub indicator: Spanned<String>,
    /// Long tables: the measure as the measure column names it.
    pub name: Option<String>,
    /// Wide tables: the column header, with `{year}` where the year stands (`CORP 7 {year}`).
    pub column: Option<String>,
    /// Multiplies the published figure (100 for a rate published as a fraction).
    #[serde(default = "one")]
    pub scale: f64,
}

fn one() -> f64 {
    1.0
}

/// A comparator group. Exactly one way says who is in it: `all`, `same_class`, or named
/// lists (`members`, `lists`, `members_file`, which may be combined).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDef {
    pub id: Spanned<String>,
    /// What reports call it ("CIPFA nearest neighbours").
    pub name: String,
    /// Every council in the tables.
    #[serde(default)]
    pub all: bool,
    /// Councils of the partner's own class (the GSS code's type: E07 shire districts, E06
    /// unitaries, S12 Scottish councils...).
    #[serde(default)]
    pub same_class: bool,
    /// A JSON object giving each council's list of comparators by GSS code, as CIPFA and
    /// Oflog publish nearest neighbours: `{"E07000143": ["E07000143", "E07000146", ...]}`.
    pub members_file: Option<Spanned<String>>,
    /// Lists written here, partner code -> GSS codes (used before `lists` and `members_file`).
    #[serde(default)]
    pub members: BTreeMap<String, Vec<String>>,
    /// One CSV file per partner listing its comparators (as LG Inform and councils' data
    /// teams publish them: a column whose header contains `code`, such as `area_code`),
    /// partner code -> file (used before `members_file`).
    #[serde(default)]
    pub lists: BTreeMap<String, Spanned<String>>,
}

impl GroupDef {
    pub fn id(&self) -> &str {
        self.id.get_ref()
    }
}

impl TableDef {
    pub fn id(&self) -> &str {
        self.id.get_ref()
    }
}

impl Benchmarks {
    fn validate(
        &self,
        root: &Path,
        indicators: Option<&[IndicatorDef]>,
        partners: &[Partner],
        errors: &mut Vec<ConfigError>,
    ) {
        if let Some(r) = &self.register {
            self.validate_register(root, r, errors);
        }
        self.validate_tables(root, indicators, errors);
        self.validate_groups(root, partners, errors);
        if !self.group.is_empty() && self.table.is_empty() {
            errors.push(ConfigError::whole_file(
                &self.path,
                "groups are declared but no `[[table]]` gives comparator figures",
            ));
        }
    }

    fn at(&self, span: std::ops::Range<usize>, msg: &str) -> ConfigError {
        ConfigError::at_span(&self.path, span, msg)
    }

    /// A file the definitions name, which must be in the project folder.
    fn exists(&self, root: &Path, f: &Spanned<String>, what: &str, errors: &mut Vec<ConfigError>) {
        if !root.join(f.get_ref()).is_file() {
            errors.push(self.at(f.span(), &format!("{what} `{}`: no such file in the project folder", f.get_ref())));
        }
    }

    /// The register of authorities and the name lookups: files present, aliases to GSS codes.
    fn validate_register(&self, root: &Path, r: &RegisterDef, errors: &mut Vec<ConfigError>) {
        if let Some(f) = &r.authorities {
            self.exists(root, f, "register", errors);
        }
        match (&r.names, &r.gss) {
            (Some(n), Some(g)) => {
                self.exists(root, n, "name lookup", errors);
                self.exists(root, g, "code lookup", errors);
            }
            (Some(f), None) | (None, Some(f)) => errors.push(self.at(
                f.span(),
                "`names` and `gss` go together: the name lookup gives registry codes, the code lookup turns them into GSS codes",
            )),
            (None, None) => {}
        }
        for (name, code) in &r.aliases {
            if !is_gss_code(code) {
                errors.push(ConfigError::whole_file(
                    &self.path,
                    &format!("alias `{name}` = `{code}`: expected a GSS code such as E07000143"),
                ));
            }
        }
    }

    /// Comparator tables: unique ids, files present, the columns each layout needs, measures
    /// of defined indicators.
    fn validate_tables(&self, root: &Path, indicators: Option<&[IndicatorDef]>, errors: &mut Vec<ConfigError>) {
        let mut seen = std::collections::BTreeSet::new();
        for t in &self.table {
            if !seen.insert(t.id().to_string()) {
                errors.push(self.at(t.id.span(), &format!("table id `{}` is used twice", t.id())));
            }
            self.exists(root, &t.file, &format!("table `{}`: file", t.id()), errors);
            if t.code_column.is_none() && t.name_column.is_none() {
                errors.push(
                    self.at(t.id.span(), &format!("table `{}`: give `code_column`, `name_column` or both", t.id())),
                );
            }
            if t.layout == TableLayout::Long {
                for (key, v) in [
                    ("year_column", &t.year_column),
                    ("measure_column", &t.measure_column),
                    ("value_column", &t.value_column),
                ] {
                    if v.is_none() {
                        errors.push(self.at(t.id.span(), &format!("table `{}` is long: it needs `{key}`", t.id())));
                    }
                }
            }
            if t.measure.is_empty() {
                errors.push(self.at(t.id.span(), &format!("table `{}`: no `[[table.measure]]`", t.id())));
            }
            for m in &t.measure {
                match (t.layout, &m.name, &m.column) {
                    (TableLayout::Long, None, _) => errors.push(self.at(
                        m.indicator.span(),
                        &format!("measure for `{}`: a long table needs the measure's `name`", m.indicator.get_ref()),
                    )),
                    (TableLayout::Wide, _, None) => errors.push(self.at(
                        m.indicator.span(),
                        &format!(
                            "measure for `{}`: a wide table needs `column`, the header with `{{year}}` where the year stands",
                            m.indicator.get_ref()
                        ),
                    )),
                    (TableLayout::Wide, _, Some(c)) if !c.contains("{year}") => errors.push(self.at(
                        m.indicator.span(),
                        &format!("measure for `{}`: column `{c}` has no `{{year}}`", m.indicator.get_ref()),
                    )),
                    _ => {}
                }
                if !(m.scale.is_finite() && m.scale != 0.0) {
                    errors.push(self.at(m.indicator.span(), "`scale` must be a non-zero number"));
                }
                if let Some(indicators) = indicators {
                    if !indicators.iter().any(|i| i.id() == m.indicator.get_ref()) {
                        let ids: Vec<&str> = indicators.iter().map(|i| i.id()).collect();
                        errors.push(self.at(
                            m.indicator.span(),
                            &format!("indicator `{}`: no such indicator ({})", m.indicator.get_ref(), ids.join(", ")),
                        ));
                    }
                }
            }
        }
    }

    /// Comparator groups: unique ids, one way of saying who is in each, lists for partners.
    fn validate_groups(&self, root: &Path, partners: &[Partner], errors: &mut Vec<ConfigError>) {
        let mut seen = std::collections::BTreeSet::new();
        for g in &self.group {
            if !seen.insert(g.id().to_string()) {
                errors.push(self.at(g.id.span(), &format!("group id `{}` is used twice", g.id())));
            }
            let ways = [g.all, g.same_class, g.members_file.is_some() || !g.members.is_empty() || !g.lists.is_empty()];
            if ways.iter().filter(|w| **w).count() != 1 {
                errors.push(self.at(
                    g.id.span(),
                    &format!(
                        "group `{}`: say who is in it with exactly one of `all = true`, `same_class = true` or named lists (`members_file`, `members`, `lists`)",
                        g.id()
                    ),
                ));
            }
            if let Some(f) = &g.members_file {
                self.exists(root, f, &format!("group `{}`: members file", g.id()), errors);
            }
            for (owner, file) in &g.lists {
                self.exists(root, file, &format!("group `{}`: list for `{owner}`", g.id()), errors);
            }
            for owner in g.members.keys().chain(g.lists.keys()) {
                if !partners.iter().any(|p| &p.code == owner) {
                    errors.push(self.at(
                        g.id.span(),
                        &format!("group `{}`: a list for `{owner}`, which is not a partner's code", g.id()),
                    ));
                }
            }
            for (owner, list) in &g.members {
                if list.is_empty() {
                    errors.push(self.at(g.id.span(), &format!("group `{}`: the list for `{owner}` is empty", g.id())));
                }
            }
        }
    }
}

/// The path of the benchmarks file in a project.
pub fn benchmarks_path(root: &Path) -> PathBuf {
    root.join("benchmarks.toml")
}

/// Loads `benchmarks.toml` if present.
pub(super) fn load(
    root: &Path,
    indicators: Option<&[IndicatorDef]>,
    partners: &[Partner],
    errors: &mut Vec<ConfigError>,
) -> Benchmarks {
    let path = benchmarks_path(root);
    if !path.exists() {
        return Benchmarks::default();
    }
    let Some(mut b) = super::diagnostic::parse_file::<Benchmarks>(&path, errors) else { return Benchmarks::default() };
    b.path = path;
    b.validate(root, indicators, partners, errors);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str, files: &[&str]) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("benchmarks.toml"), text).unwrap();
        for f in files {
            std::fs::write(dir.path().join(f), "x").unwrap();
        }
        let mut errors = Vec::new();
        load(dir.path(), Some(&[]), &[], &mut errors);
        errors.iter().map(|e| format!("{}:{}: {}", e.line, e.column, e.message)).collect()
    }

    #[test]
    fn declarations_are_checked_with_line_numbers() {
        let errors = load_text(
            "[[table]]\nid = \"t\"\nname = \"T\"\nfile = \"missing.csv\"\nlayout = \"long\"\n\
             [[table.measure]]\nindicator = \"nope\"\n\
             [[group]]\nid = \"g\"\nname = \"G\"\nall = true\nsame_class = true\n",
            &[],
        );
        let text = errors.join("\n");
        assert!(text.contains("4:8: table `t`: file `missing.csv`: no such file"), "{text}");
        assert!(text.contains("give `code_column`, `name_column` or both"), "{text}");
        assert!(text.contains("it needs `year_column`"), "{text}");
        assert!(text.contains("a long table needs the measure's `name`"), "{text}");
        assert!(text.contains("7:13: indicator `nope`: no such indicator"), "{text}");
        assert!(text.contains("exactly one of `all = true`"), "{text}");
    }

    #[test]
    fn a_wide_column_needs_its_year_and_unknown_keys_are_refused() {
        let errors = load_text(
            "[[table]]\nid = \"t\"\nname = \"T\"\nfile = \"t.csv\"\nlayout = \"wide\"\nname_column = \"Council\"\n\
             [[table.measure]]\nindicator = \"x\"\ncolumn = \"CORP 7\"\n",
            &["t.csv"],
        );
        assert!(errors.iter().any(|e| e.contains("column `CORP 7` has no `{year}`")), "{errors:?}");
        let errors = load_text("[[group]]\nid = \"g\"\nname = \"G\"\nal = true\n", &[]);
        assert!(errors.iter().any(|e| e.contains("unknown field `al`")), "{errors:?}");
    }
}
