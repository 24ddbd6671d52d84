//! `scorecard test`: the worked examples written beside each indicator definition, run
//! through the real checks, store and computation, so the performance officer can prove a
//! definition gives the figures they expect.
//!
//! Each example's `given` extracts become grids (a header of field names, then the rows as
//! text), are checked and stored in a temporary store in as-at order, and the indicator is
//! computed on the example's run date; every `expect` is compared with the figure for its
//! partner and period, rounded to the indicator's decimals.
//!
//! An example runs in a partnership of its own: the councils it declares (`partners`), else
//! those its rows and expectations name. A name that is one of the project's partners is that
//! partner; any other stands in for a council of its own. So the shipped examples, written
//! for Breckland, East Suffolk and Fenland, prove the same definitions in any partnership,
//! and completeness (a partnership figure needs every council's extract) is judged on the
//! councils the example covers.

use super::IndicatorValue;
use crate::check::{self, CheckEnv, Verdict};
use crate::config::{Example, Expect, Given, IndicatorDef, Partner, Project};
use crate::ingest::{find_layout, Cell, DateSystem, Grid, RawExtract};
use crate::periods::Period;
use crate::store::Store;
use chrono::NaiveDate;

/// The result of one example.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExampleResult {
    pub indicator: String,
    pub example: String,
    /// Every expectation met.
    pub passed: bool,
    /// One line per expectation (and any problem loading the rows).
    pub lines: Vec<String>,
}

fn date(d: &toml::value::Datetime) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&d.to_string(), "%Y-%m-%d").ok()
}

/// A TOML value as the text a cell would hold.
fn text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Boolean(b) => if *b { "Y" } else { "N" }.into(),
        toml::Value::Datetime(d) => date(d).map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_else(|| d.to_string()),
        other => other.to_string(),
    }
}

/// Runs every example of every indicator.
pub fn run_all(project: &Project) -> Vec<ExampleResult> {
    project.indicators.iter().flat_map(|def| def.example.iter().map(move |ex| run(project, def, ex))).collect()
}

/// Runs one example in a temporary store.
pub fn run(project: &Project, def: &IndicatorDef, ex: &Example) -> ExampleResult {
    let mut result = ExampleResult {
        indicator: def.id().to_string(),
        example: ex.name.get_ref().clone(),
        passed: false,
        lines: vec![],
    };
    match evaluate(project, def, ex) {
        Ok(lines) => {
            result.passed = lines.iter().all(|(ok, _)| *ok);
            result.lines = lines.into_iter().map(|(_, l)| l).collect();
        }
        Err(problem) => result.lines.push(problem.to_string()),
    }
    result
}

/// The councils of an example's partnership (see the module's notes); the project's own
/// partners when the example names none (a partnership-only source without a council column).
fn example_partners(project: &Project, ex: &Example) -> Vec<Partner> {
    let mut names: Vec<String> = ex.partners.clone();
    if names.is_empty() {
        for g in &ex.given {
            let Some(field) = project.source(&g.source).and_then(|s| s.partner_field()) else { continue };
            names.extend(g.rows.iter().filter_map(|r| r.get(field)).map(text));
        }
        names.extend(ex.expect.iter().map(|e| e.partner.clone()));
    }
    let mut out: Vec<Partner> = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case(super::ALL)) {
        if out.iter().any(|p| p.matches(name)) {
            continue;
        }
        out.push(match project.settings.partner.iter().find(|p| p.matches(name)) {
            Some(p) => p.clone(),
            None => Partner { code: name.to_string(), name: name.to_string(), aliases: Vec::new() },
        });
    }
    if out.is_empty() {
        project.settings.partner.clone()
    } else {
        out
    }
}

fn evaluate(project: &Project, def: &IndicatorDef, ex: &Example) -> Result<Vec<(bool, String)>, Unrunnable> {
    let mut own = project.clone();
    own.settings.partner = example_partners(project, ex);
    let project = &own;
    let dir = tempfile::tempdir().map_err(Unrunnable::TempStore)?;
    let mut store = Store::open(dir.path())?;
    let mut given: Vec<_> = ex.given.iter().collect();
    given.sort_by_key(|g| date(&g.as_at));
    let last = given
        .iter()
        .filter_map(|g| date(&g.as_at))
        .max()
        .ok_or(Unrunnable::Given("no given extract has a date".into()))?;
    let as_of = match &ex.as_of {
        Some(d) => date(d).ok_or_else(|| Unrunnable::Given(format!("as_of {d} is not a date")))?,
        None => Period::month_of(last).end().succ_opt().unwrap_or(last),
    };
    for (n, g) in given.iter().enumerate() {
        let x = check_given(project, ex, n, g, as_of, &store)?;
        store.put(&x, as_of)?;
    }
    let values = super::compute_one(project, def, &store, as_of)?;
    Ok(ex.expect.iter().map(|e| compare(project, def, &values, e)).collect())
}

/// Why an example could not be run to the comparison.
#[derive(Debug, thiserror::Error)]
enum Unrunnable {
    #[error("cannot make a temporary store: {0}")]
    TempStore(std::io::Error),
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Compute(#[from] super::IndicatorError),
    /// The example as written does not hold (its dates, sources or rows).
    #[error("{0}")]
    Given(String),
}

/// One given extract as a grid of text, checked as a real file would be (on the store as
/// the earlier given extracts left it).
fn check_given(
    project: &Project,
    ex: &Example,
    n: usize,
    g: &Given,
    as_of: NaiveDate,
    store: &Store,
) -> Result<check::CheckedExtract, Unrunnable> {
    let source = project.source(&g.source).ok_or_else(|| Unrunnable::Given(format!("no source `{}`", g.source)))?;
    let as_at = date(&g.as_at).ok_or_else(|| Unrunnable::Given(format!("as_at {} is not a date", g.as_at)))?;
    // The columns in the source's order, the field names as the header.
    let fields: Vec<&str> =
        source.column.iter().map(|c| c.field.as_str()).filter(|f| g.rows.iter().any(|r| r.contains_key(*f))).collect();
    let cell = |s: String| if s.is_empty() { Cell::Empty } else { Cell::Text(s.into()) };
    let mut rows = vec![fields.iter().map(|f| cell(f.to_string())).collect::<Vec<_>>()];
    rows.extend(g.rows.iter().map(|r| fields.iter().map(|f| cell(r.get(*f).map(text).unwrap_or_default())).collect()));
    let grid = Grid::of_rows(None, rows, DateSystem::Excel1900);
    let layout = find_layout(&grid, source)
        .map_err(|e| Unrunnable::Given(format!("given extract {} of {}: {}", n + 1, g.source, e)))?;
    let file_name = format!("{}_{}.example", g.source, as_at.format("%Y%m%d"));
    let raw = RawExtract {
        path: file_name.clone().into(),
        sha256: crate::common::sha256_hex(format!("{}{n}{as_at}", ex.name.get_ref()).as_bytes()),
        file_name,
        source_id: source.id().to_string(),
        grid,
        layout,
        as_at,
    };
    let history = store.history();
    let env = CheckEnv { partners: &project.settings.partner, as_of, history: &history, waivers: &[] };
    let x = check::check(raw, source, &env);
    if let Some((c, f)) = x.findings().find(|(c, _)| matches!(c.id.as_str(), "types" | "required")) {
        return Err(Unrunnable::Given(format!("given extract {} of {}: {} ({})", n + 1, g.source, f, c.id)));
    }
    if let Verdict::Quarantine(reason) = &x.verdict {
        return Err(Unrunnable::Given(format!(
            "given extract {} of {} would be quarantined: {reason}",
            n + 1,
            g.source
        )));
    }
    Ok(x)
}

/// One expected figure against the computed one: whether it matches (rounded to the
/// indicator's decimals), and the line that says so.
fn compare(project: &Project, def: &IndicatorDef, values: &[IndicatorValue], e: &Expect) -> (bool, String) {
    let shown = |v: f64| format!("{v:.*}", def.decimals as usize);
    let partner = if e.partner.eq_ignore_ascii_case("ALL") {
        super::ALL.to_string()
    } else {
        match project.settings.partner.iter().find(|p| p.matches(&e.partner)) {
            Some(p) => p.code.clone(),
            None => return (false, format!("{} {}: no partner `{}`", e.partner, e.period, e.partner)),
        }
    };
    let Some(period) = Period::parse(&e.period) else {
        return (false, format!("{} {}: not a period", e.partner, e.period));
    };
    let figure = values.iter().find(|v| v.partner_code == partner && v.period == period);
    let got = figure.and_then(|v| v.value);
    // An empty figure says why.
    let why = match figure {
        Some(v) => v.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default(),
        None => " (no figure: the period lies outside the months the given rows cover)".to_string(),
    };
    let ok = match (e.value, got) {
        (Some(want), Some(got)) => shown(want) == shown(got),
        (None, None) => true,
        _ => false,
    };
    let say = |v: Option<f64>| v.map(shown).unwrap_or_else(|| "no value".into());
    if ok {
        (true, format!("{} {}: {} as expected{why}", e.partner, e.period, say(got)))
    } else {
        (false, format!("{} {}: expected {}, got {}{why}", e.partner, e.period, say(e.value), say(got)))
    }
}
