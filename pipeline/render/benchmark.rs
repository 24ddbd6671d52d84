//! The benchmarking part of the report model: each partner's standing among its comparators,
//! ready to show (numbers as text in the indicator's unit, quartiles and rank changes in
//! words), the latest year of each benchmarked indicator for the committee report, unit costs
//! beside the comparators' (value for money), and the notes on the comparator data.

use super::format::{thousands, value_text};
use crate::benchmark::standing::{Benchmarking, Standing};
use crate::benchmark::table::Comparators;
use crate::benchmark::QUARTILE_METHOD;
use crate::config::{Polarity, Project, Unit};
use crate::periods::fy_label;
use serde::Serialize;

/// One comparator's figure, for charts and the workbook.
#[derive(Debug, Clone, Serialize)]
pub struct MemberFigure {
    pub code: String,
    pub name: String,
    pub value: f64,
    pub value_text: String,
    /// The partner itself.
    pub is_partner: bool,
}

/// One partner's standing in one group for one indicator and year.
#[derive(Debug, Clone, Serialize)]
pub struct BenchmarkRow {
    pub group: String,
    pub group_name: String,
    pub indicator_id: String,
    pub indicator_name: String,
    pub partner_code: String,
    pub partner_name: String,
    /// `2024/25`.
    pub year: String,
    pub value: f64,
    /// The number, with `%` or `£` (days and counts are plain numbers).
    pub value_text: String,
    /// `scorecard` (the partnership's own figure) or `published` (the table's).
    pub value_source: String,
    pub rank: usize,
    pub group_size: usize,
    /// `3 of 16`.
    pub rank_text: String,
    /// 1 = best quarter.
    pub quartile: u8,
    /// `1st (top)`, `2nd`, `3rd`, `4th (bottom)`.
    pub quartile_text: String,
    pub median: f64,
    pub lower_quartile: f64,
    pub upper_quartile: f64,
    pub median_text: String,
    pub lower_quartile_text: String,
    pub upper_quartile_text: String,
    pub gap: f64,
    /// `in the top quartile`, or how far the value is from it (`0.4 percentage points`).
    pub gap_text: String,
    pub rank_change: Option<i64>,
    /// `up 2 places since 2023/24`, `no change since 2023/24`, or empty.
    pub change_text: String,
    /// Comparators with no figure for the year.
    pub without_figure: usize,
    pub members: Vec<MemberFigure>,
    /// What a chart of the members shows, in words (alternative text).
    pub chart_alt: String,
    /// Unit costs: the partner's spending against what it would be at the median unit cost.
    pub cost_at_median: Option<f64>,
    pub cost_at_median_text: String,
}

/// The standings of one indicator's latest benchmarked year, every partner and group.
#[derive(Debug, Clone, Serialize)]
pub struct BenchmarkIndicator {
    pub indicator_id: String,
    pub name: String,
    pub year: String,
    pub polarity: String,
    /// The unit for headings when the figures do not show it (`days`), else empty.
    pub unit_heading: String,
    pub rows: Vec<BenchmarkRow>,
}

/// A comparator group, as reports describe it.
#[derive(Debug, Clone, Serialize)]
pub struct GroupInfo {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// Everything benchmarking adds to the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BenchmarkSection {
    /// Every standing, all years (the workbook).
    pub rows: Vec<BenchmarkRow>,
    /// Each benchmarked indicator's latest year (the committee report).
    pub latest: Vec<BenchmarkIndicator>,
    /// Unit costs in their latest year, first group (value for money).
    pub value_for_money: Vec<BenchmarkRow>,
    pub groups: Vec<GroupInfo>,
    /// The first group: the one the open-data CSV uses.
    pub primary_group: Option<String>,
    pub tables: Vec<String>,
    pub notes: Vec<String>,
    pub quartile_method: String,
}

fn quartile_text(q: u8) -> String {
    match q {
        1 => "1st (top)",
        2 => "2nd",
        3 => "3rd",
        _ => "4th (bottom)",
    }
    .to_string()
}

/// A distance in the indicator's unit: `0.4 percentage points`, `1.2 days`, `£3.50`.
fn gap_text(gap: f64, unit: Unit, decimals: u8) -> String {
    if gap == 0.0 {
        return "in the top quartile".into();
    }
    match unit {
        Unit::Percent => format!("{} percentage points", thousands(gap, decimals as usize)),
        _ => value_text(Some(gap), unit, decimals),
    }
}

fn change_text(change: Option<i64>, previous: Option<i32>) -> String {
    let (Some(c), Some(y)) = (change, previous) else { return String::new() };
    let places = |n: i64| if n.abs() == 1 { "1 place".to_string() } else { format!("{} places", n.abs()) };
    match c {
        0 => format!("no change since {}", fy_label(y)),
        c if c > 0 => format!("up {} since {}", places(c), fy_label(y)),
        c => format!("down {} since {}", places(c), fy_label(y)),
    }
}

fn row(project: &Project, comparators: &Comparators, s: &Standing) -> BenchmarkRow {
    let def = project.indicators.iter().find(|d| d.id() == s.indicator).expect("standing of a defined indicator");
    let group = project.benchmarks.group.iter().find(|g| g.id() == s.group).expect("standing of a declared group");
    // With its unit, wherever the figure is read (a sentence as well as a table).
    let text = |v: f64| value_text(Some(v), def.unit, def.decimals);
    let p = &s.position;
    BenchmarkRow {
        group: s.group.clone(),
        group_name: group.name.clone(),
        indicator_id: s.indicator.clone(),
        indicator_name: def.name.clone(),
        partner_code: s.partner.clone(),
        partner_name: project.partner_name(&s.partner),
        year: fy_label(s.year),
        value: s.value,
        value_text: text(s.value),
        value_source: if s.ours.is_some() { "scorecard" } else { "published" }.into(),
        rank: p.rank,
        group_size: p.group_size,
        rank_text: format!("{} of {}", p.rank, p.group_size),
        quartile: p.quartile,
        quartile_text: quartile_text(p.quartile),
        median: p.median,
        lower_quartile: p.lower_quartile,
        upper_quartile: p.upper_quartile,
        median_text: text(p.median),
        lower_quartile_text: text(p.lower_quartile),
        upper_quartile_text: text(p.upper_quartile),
        gap: p.gap_to_top_quartile,
        gap_text: gap_text(p.gap_to_top_quartile, def.unit, def.decimals),
        rank_change: s.rank_change,
        change_text: change_text(s.rank_change, s.previous_year),
        without_figure: s.without_figure.len(),
        members: s
            .members
            .iter()
            .map(|(code, v)| MemberFigure {
                code: code.clone(),
                name: if *code == s.partner { project.partner_name(code) } else { comparators.name(code) },
                value: *v,
                value_text: text(*v),
                is_partner: *code == s.partner,
            })
            .collect(),
        chart_alt: format!(
            "Bar chart of {} in {} for the {} councils of {}, best first: {} is {} of {} with {}, in the {} quartile; the median is {}.",
            def.name,
            fy_label(s.year),
            p.group_size,
            group.name,
            project.partner_name(&s.partner),
            p.rank,
            p.group_size,
            text(s.value),
            quartile_text(p.quartile),
            text(p.median)
        ),
        cost_at_median: s.cost_at_median,
        cost_at_median_text: match s.cost_at_median {
            Some(c) if c.abs() >= 0.5 => format!(
                "£{} a year {} than at the comparators' median unit cost",
                thousands(c.abs(), 0),
                if c > 0.0 { "more" } else { "less" }
            ),
            Some(_) => "the same as at the comparators' median unit cost".into(),
            None => String::new(),
        },
    }
}

/// The benchmarking section of a report.
pub fn section(project: &Project, comparators: &Comparators, benchmarking: &Benchmarking) -> BenchmarkSection {
    let rows: Vec<BenchmarkRow> = benchmarking.standings.iter().map(|s| row(project, comparators, s)).collect();
    let primary = project.benchmarks.group.first().map(|g| g.id().to_string());
    let mut latest = Vec::new();
    for def in &project.indicators {
        let Some(year) = benchmarking.standings.iter().filter(|s| s.indicator == def.id()).map(|s| s.year).max() else {
            continue;
        };
        latest.push(BenchmarkIndicator {
            indicator_id: def.id().to_string(),
            name: def.name.clone(),
            year: fy_label(year),
            polarity: match def.polarity {
                Polarity::Higher => "higher is better".into(),
                Polarity::Lower => "lower is better".into(),
                Polarity::Context => "a context measure".into(),
            },
            unit_heading: match def.unit {
                Unit::Days => "days".into(),
                _ => String::new(),
            },
            rows: rows.iter().filter(|r| r.indicator_id == def.id() && r.year == fy_label(year)).cloned().collect(),
        });
    }
    let value_for_money = latest
        .iter()
        .flat_map(|l| l.rows.iter())
        .filter(|r| r.cost_at_median.is_some() && Some(&r.group) == primary.as_ref())
        .cloned()
        .collect();
    let mut notes = comparators.notes.clone();
    notes.extend(benchmarking.notes.iter().cloned());
    BenchmarkSection {
        rows,
        latest,
        value_for_money,
        groups: project
            .benchmarks
            .group
            .iter()
            .map(|g| GroupInfo {
                id: g.id().to_string(),
                name: g.name.clone(),
                description: if g.all {
                    "every council in the comparator tables".into()
                } else if g.same_class {
                    "councils of the partner's own type (by the first three characters of the GSS code) in the comparator tables".into()
                } else {
                    "a named list of comparators for each partner".into()
                },
            })
            .collect(),
        primary_group: primary,
        tables: project.benchmarks.table.iter().map(|t| format!("{} ({})", t.name, t.file.get_ref())).collect(),
        notes,
        quartile_method: QUARTILE_METHOD.to_string(),
    }
}
