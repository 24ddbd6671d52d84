//! Each partner's standing among its comparators, for every benchmarked indicator and year.
//!
//! Takes the project's comparator groups, the figures read from published tables and the
//! scorecard's own yearly values; gives a [`Standing`] per group, partner, indicator and
//! financial year: the value placed (the scorecard's own when it has one, so that reports and
//! ranks agree, else the published figure; the same for fellow partners among the
//! comparators), its [`Position`], the change in rank from the
//! year before, the comparators without a figure, and for unit costs what the partner's cost
//! would be at the comparators' median (value for money). Problems with the groups' lists
//! (repeats, abolished or unknown codes, partners with no list) become notes.

use super::groups::{check_group, list_from_csv};
use super::table::Comparators;
use super::{position, Position};
use crate::config::{GroupDef, Method, Project, Unit};
use crate::indicators::IndicatorValue;
use crate::periods::{fy_label, Period};
use std::collections::{BTreeMap, BTreeSet};

/// One partner's place in one comparator group for one indicator and year.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    pub group: String,
    pub indicator: String,
    pub partner: String,
    /// First calendar year of the financial year.
    pub year: i32,
    /// The value placed: the scorecard's own if it has one, else the published figure.
    pub value: f64,
    pub ours: Option<f64>,
    pub published: Option<f64>,
    pub position: Position,
    /// Places moved up (positive) or down since the last earlier year placed in the same
    /// group, and that year.
    pub rank_change: Option<i64>,
    pub previous_year: Option<i32>,
    /// Comparators in the group with no figure for the year (codes).
    pub without_figure: Vec<String>,
    /// Every member's figure, best first (the partner among them).
    pub members: Vec<(String, f64)>,
    /// For a unit cost: how much more (positive) or less the partner spends in the year than
    /// it would at the comparators' median unit cost, for its own number of units.
    pub cost_at_median: Option<f64>,
}

/// All standings and what was wrong with the groups.
#[derive(Debug, Clone, Default)]
pub struct Benchmarking {
    pub standings: Vec<Standing>,
    pub notes: Vec<String>,
}

/// Who is in a group for one partner: `None` when the group has no list for it.
fn members_for(
    root: &std::path::Path,
    group: &GroupDef,
    lists: &BTreeMap<String, Vec<String>>,
    partner: &str,
    comparators: &Comparators,
    notes: &mut Vec<String>,
) -> Option<BTreeSet<String>> {
    let in_tables = || comparators.values.iter().map(|v| v.code.clone());
    if group.all {
        return Some(in_tables().chain([partner.to_string()]).collect());
    }
    if group.same_class {
        let class = &partner[..partner.len().min(3)];
        return Some(in_tables().filter(|c| c.starts_with(class)).chain([partner.to_string()]).collect());
    }
    let from_csv;
    let listed = match (group.members.get(partner), group.lists.get(partner)) {
        (Some(l), _) => Some(l),
        (None, Some(file)) => {
            let read = std::fs::read(root.join(file.get_ref()))
                .map_err(|e| e.to_string())
                .and_then(|b| list_from_csv(&b).map_err(|e| e.to_string()));
            match read {
                Ok(l) => {
                    from_csv = l;
                    Some(&from_csv)
                }
                Err(e) => {
                    notes.push(format!("{}: the list {} could not be read ({e})", group.name, file.get_ref()));
                    None
                }
            }
        }
        (None, None) => lists.get(partner),
    };
    let Some(list) = listed else {
        notes.push(format!("{}: there is no list for {partner}, so it is not benchmarked in this group", group.name));
        return None;
    };
    let checked = check_group(partner, list, comparators.register.as_ref());
    notes.extend(checked.problems.into_iter().map(|p| format!("{}: {p}", group.name)));
    Some(checked.members.into_iter().collect())
}

/// Reads a group's members file (a JSON object of code -> list of codes).
fn read_lists(project: &Project, group: &GroupDef, notes: &mut Vec<String>) -> BTreeMap<String, Vec<String>> {
    let Some(file) = &group.members_file else { return BTreeMap::new() };
    let path = project.root.join(file.get_ref());
    let parsed = std::fs::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice::<BTreeMap<String, Vec<String>>>(&b).map_err(|e| e.to_string()));
    parsed.unwrap_or_else(|e| {
        notes.push(format!(
            "{}: the members file {} could not be read ({e}); expected a JSON object giving each council's list of codes",
            group.name,
            file.get_ref()
        ));
        BTreeMap::new()
    })
}

/// Every partner's standing in every group, for each benchmarked indicator and year.
pub fn standings(project: &Project, comparators: &Comparators, values: &[IndicatorValue]) -> Benchmarking {
    let mut out = Benchmarking::default();
    let benchmarked: BTreeSet<&str> = comparators.values.iter().map(|v| v.indicator.as_str()).collect();
    let ours = |indicator: &str, partner: &str, year: i32| {
        values
            .iter()
            .find(|v| v.indicator_id == indicator && v.partner_code == partner && v.period == Period::year(year))
    };
    for group in &project.benchmarks.group {
        let lists = read_lists(project, group, &mut out.notes);
        for partner in &project.settings.partner {
            let Some(members) = members_for(&project.root, group, &lists, &partner.code, comparators, &mut out.notes)
            else {
                continue;
            };
            for def in project.indicators.iter().filter(|d| benchmarked.contains(d.id())) {
                let years: BTreeSet<i32> =
                    comparators.values.iter().filter(|v| v.indicator == def.id()).map(|v| v.year).collect();
                let mut before: Option<(i32, Position)> = None;
                for &year in &years {
                    let own = ours(def.id(), &partner.code, year);
                    let published = comparators.value(def.id(), year, &partner.code);
                    let Some(value) = own.and_then(|v| v.value).or(published).filter(|v| v.is_finite()) else {
                        continue;
                    };
                    if let (Some(a), Some(b)) = (own.and_then(|v| v.value), published) {
                        let unit = 10f64.powi(-(def.decimals as i32));
                        if (a - b).abs() >= unit / 2.0 {
                            out.notes.push(format!(
                                "{} {} {}: the scorecard's figure ({a:.d$}) and the published one ({b:.d$}) differ; positions use the scorecard's",
                                partner.name,
                                def.name,
                                fy_label(year),
                                d = def.decimals as usize
                            ));
                        }
                    }
                    let mut figures: Vec<(String, f64)> = vec![(partner.code.clone(), value)];
                    let mut without = Vec::new();
                    for m in members.iter().filter(|m| **m != partner.code) {
                        // A fellow partner is placed by the scorecard's own figure too.
                        let own = ours(def.id(), m, year).and_then(|v| v.value);
                        match own.or_else(|| comparators.value(def.id(), year, m)).filter(|v| v.is_finite()) {
                            Some(v) => figures.push((m.clone(), v)),
                            None => without.push(m.clone()),
                        }
                    }
                    if figures.len() < 2 {
                        continue;
                    }
                    let all: Vec<f64> = figures.iter().map(|(_, v)| *v).collect();
                    let Some(pos) = position(value, &all, def.polarity) else { continue };
                    figures.sort_by(|a, b| {
                        let order = a.1.total_cmp(&b.1);
                        match def.polarity {
                            crate::config::Polarity::Higher => order.reverse(),
                            crate::config::Polarity::Lower | crate::config::Polarity::Context => order,
                        }
                        .then_with(|| a.0.cmp(&b.0))
                    });
                    let unit_cost = def.unit == Unit::Pounds && matches!(def.method.get_ref(), Method::PerUnit { .. });
                    let cost_at_median =
                        own.filter(|_| unit_cost).and_then(|v| Some((v.value? - pos.median) * v.denominator?));
                    out.standings.push(Standing {
                        group: group.id().to_string(),
                        indicator: def.id().to_string(),
                        partner: partner.code.clone(),
                        year,
                        value,
                        ours: own.and_then(|v| v.value),
                        published,
                        rank_change: super::rank_change(before.as_ref().map(|b| &b.1), Some(&pos)),
                        previous_year: before.as_ref().map(|b| b.0),
                        position: pos.clone(),
                        without_figure: without,
                        members: figures,
                        cost_at_median,
                    });
                    before = Some((year, pos));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::benchmark::table::ComparatorValue;
    use crate::testing::project;

    fn published(indicator: &str, year: i32, code: &str, value: f64) -> ComparatorValue {
        ComparatorValue { table: "t".into(), indicator: indicator.into(), year, code: code.into(), value }
    }

    fn ours(indicator: &str, partner: &str, year: i32, value: f64, denominator: f64) -> IndicatorValue {
        IndicatorValue {
            indicator_id: indicator.into(),
            partner_code: partner.into(),
            period: Period::year(year),
            value: Some(value),
            numerator: Some(value * denominator),
            denominator: Some(denominator),
            target: None,
            rag: None,
            last_year: None,
            direction: None,
            note: None,
        }
    }

    #[test]
    fn own_figures_are_placed_among_published_ones_with_rank_change_and_notes() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = project(dir.path());
        p.benchmarks.group = vec![
            toml::from_str(
                r#"id = "nn"
                   name = "Neighbours"
                   members = { E07000143 = ["E07000143", "E07000145", "E07000146", "E07000010", "E07000010"] }"#,
            )
            .unwrap(),
            toml::from_str("id = \"class\"\nname = \"Same class\"\nsame_class = true").unwrap(),
        ];
        let ct = "ctax_collection_rate";
        let comparators = Comparators {
            values: vec![
                published(ct, 2023, "E07000143", 95.0),
                published(ct, 2023, "E07000145", 96.0),
                published(ct, 2023, "E07000146", 98.0),
                published(ct, 2024, "E07000143", 97.9),
                published(ct, 2024, "E07000145", 97.0),
                published(ct, 2024, "E07000146", 98.0),
                published(ct, 2024, "E07000010", 90.0),
                published(ct, 2024, "E06000031", 80.0),
            ],
            ..Default::default()
        };
        let values = vec![ours(ct, "E07000143", 2024, 97.5, 1000.0), ours(ct, "E07000010", 2024, 99.0, 1000.0)];
        let b = standings(&p, &comparators, &values);
        let find = |g: &str, y: i32| {
            b.standings.iter().find(|s| s.group == g && s.partner == "E07000143" && s.year == y).unwrap().clone()
        };
        // 2023/24: no figure of our own, so the published one; Fenland has none that year.
        let s = find("nn", 2023);
        assert_eq!((s.value, s.ours, s.published), (95.0, None, Some(95.0)));
        assert_eq!((s.position.rank, s.position.group_size), (3, 3));
        assert_eq!(s.without_figure, ["E07000010"]);
        // 2024/25: our own 97.5, and Fenland placed by its own 99.0, not the published 90.0.
        let s = find("nn", 2024);
        assert_eq!((s.value, s.position.rank, s.position.group_size), (97.5, 3, 4));
        assert_eq!(s.members[0], ("E07000010".to_string(), 99.0));
        assert_eq!((s.rank_change, s.previous_year), (Some(0), Some(2023)));
        assert_eq!(s.cost_at_median, None, "a collection rate is not a unit cost");
        // Same class: every shire district in the tables, not Peterborough's unitary (E06).
        let s = find("class", 2024);
        assert_eq!(s.position.group_size, 4);
        assert!(!s.members.iter().any(|m| m.0 == "E06000031"));
        let notes = b.notes.join("\n");
        assert!(notes.contains("Neighbours: E07000010 appears more than once"), "{notes}");
        assert!(notes.contains("Breckland Council tax collected in year 2024/25: the scorecard's figure (97.50) and the published one (97.90) differ"), "{notes}");
        assert!(notes.contains("Neighbours: there is no list for E07000244"), "{notes}");
    }

    #[test]
    fn a_list_from_a_csv_file_per_partner() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = project(dir.path());
        std::fs::write(
            dir.path().join("nn.csv"),
            "area_code,area_name\nE07000145,Great Yarmouth\nE07000146,King's Lynn\n",
        )
        .unwrap();
        p.benchmarks.group = vec![toml::from_str(
            "id = \"cipfa\"\nname = \"CIPFA\"\nlists = { E07000143 = \"nn.csv\", E07000010 = \"gone.csv\" }",
        )
        .unwrap()];
        let ct = "ctax_collection_rate";
        let comparators = Comparators {
            values: vec![
                published(ct, 2024, "E07000145", 97.0),
                published(ct, 2024, "E07000146", 98.0),
                published(ct, 2024, "E07000147", 99.0),
            ],
            ..Default::default()
        };
        let b = standings(&p, &comparators, &[ours(ct, "E07000143", 2024, 97.5, 1000.0)]);
        let s = b.standings.iter().find(|s| s.partner == "E07000143").unwrap();
        assert_eq!((s.position.rank, s.position.group_size), (2, 3), "North Norfolk is not on the list");
        assert!(b.notes.iter().any(|n| n.contains("CIPFA: the list gone.csv could not be read")), "{:?}", b.notes);
    }

    #[test]
    fn a_unit_cost_is_set_beside_the_median_in_money() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = project(dir.path());
        p.benchmarks.group = vec![toml::from_str("id = \"all\"\nname = \"All\"\nall = true").unwrap()];
        let cost = "ctax_cost_per_account";
        let comparators = Comparators {
            values: vec![published(cost, 2024, "E07000145", 290.0), published(cost, 2024, "E07000146", 300.0)],
            ..Default::default()
        };
        let b = standings(&p, &comparators, &[ours(cost, "E07000143", 2024, 280.0, 1500.0)]);
        let s = b.standings.iter().find(|s| s.partner == "E07000143").unwrap();
        assert_eq!((s.position.rank, s.position.median), (1, 290.0), "lower cost is better");
        assert_eq!(s.cost_at_median, Some(-15_000.0), "1,500 accounts at £10 below the median");
    }
}
