//! The benchmarking sheets: `Benchmarks` (every standing, the method, the groups, the tables
//! and the notes on the comparator data), `Benchmark charts` (for each benchmarked
//! indicator's latest year, a bar chart of each partner among the first comparator group,
//! the partner's bar in another colour) and `Comparators` (every council's figure behind each
//! standing, best first, which the charts draw).

use super::{fit, text, unit_format, write_table, Measure, ReportModel, X};
use crate::render::benchmark::BenchmarkSection;
use rust_xlsxwriter::{
    Chart, ChartFormat, ChartPoint, ChartSolidFill, ChartType, Format, Workbook, Worksheet, XlsxError,
};

const COMPARATORS: &str = "Comparators";

/// The first and last sheet rows of each standing's councils on the `Comparators` sheet, in
/// the order of the model's benchmark rows (the table's header is row 0).
fn comparator_rows(m: &ReportModel) -> Vec<(u32, u32)> {
    let mut next = 1u32;
    m.benchmark
        .rows
        .iter()
        .map(|r| {
            let first = next;
            next += r.members.len() as u32;
            (first, next.saturating_sub(1))
        })
        .collect()
}

/// A bar chart of each partner among its first comparator group, for each benchmarked
/// indicator's latest year.
fn charts(wb: &mut Workbook, m: &ReportModel) -> Result<(), XlsxError> {
    let b = &m.benchmark;
    let ws = wb.add_worksheet().set_name("Benchmark charts")?;
    let Some(group) = &b.primary_group else {
        ws.write_string(0, 0, "No comparator group is declared.")?;
        return Ok(());
    };
    let group_name = b.groups.iter().find(|g| &g.id == group).map(|g| g.name.as_str()).unwrap_or(group);
    ws.write_string_with_format(
        0,
        0,
        format!("Each partner among its comparators ({group_name}), latest year; the partner's bar is red. Data on the Comparators sheet."),
        &Format::new().set_bold(),
    )?;
    let ranges = comparator_rows(m);
    let mut placed = 0u32;
    for latest in &b.latest {
        for (i, r) in b.rows.iter().enumerate() {
            if &r.group != group || r.indicator_id != latest.indicator_id || r.year != latest.year {
                continue;
            }
            let (first, last) = ranges[i];
            let mut chart = Chart::new(ChartType::Bar);
            let points: Vec<ChartPoint> = r
                .members
                .iter()
                .map(|c| {
                    let colour = if c.is_partner { "#D4351C" } else { "#1D70B8" };
                    ChartPoint::new()
                        .set_format(ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(colour)))
                })
                .collect();
            chart
                .add_series()
                .set_categories((COMPARATORS, first, 6, last, 6))
                .set_values((COMPARATORS, first, 7, last, 7))
                .set_name(r.indicator_name.as_str())
                .set_points(&points);
            chart.title().set_name(&format!("{}: {}, {}", r.partner_name, r.indicator_name, r.year));
            chart.y_axis().set_reverse();
            chart.legend().set_hidden();
            chart.set_alt_text(super::alt_text(&format!("{} The partner's bar is red.", r.chart_alt)));
            chart.set_width(480).set_height(20 * r.members.len() as u32 + 90);
            ws.insert_chart(2 + (placed / 3) * 22, (placed % 3) as u16 * 8, &chart)?;
            placed += 1;
        }
    }
    Ok(())
}

/// The Benchmarks, Benchmark charts and Comparators sheets.
pub fn write(wb: &mut Workbook, m: &ReportModel) -> Result<(), XlsxError> {
    let b = &m.benchmark;
    let whole = Format::new().set_num_format("#,##0");
    let money = Format::new().set_num_format("£#,##0");
    let info = |id: &str| m.indicators.iter().find(|x| x.id == id).expect("indicator");
    let ws = wb.add_worksheet().set_name("Benchmarks")?;
    let rows = b
        .rows
        .iter()
        .map(|r| {
            let i = info(&r.indicator_id);
            let fmt = Measure::of(&i.unit, i.decimals);
            let plain = unit_format("days", i.decimals);
            vec![
                text(&r.indicator_name),
                text(&r.partner_name),
                text(&r.year),
                text(&r.group_name),
                fmt.x(r.value),
                text(&r.value_source),
                X::Num(r.rank as f64, whole.clone()),
                X::Num(r.group_size as f64, whole.clone()),
                text(&r.quartile_text),
                fmt.x(r.lower_quartile),
                fmt.x(r.median),
                fmt.x(r.upper_quartile),
                X::Num(r.gap, plain),
                text(&r.change_text),
                X::Num(r.without_figure as f64, whole.clone()),
                r.cost_at_median.map(|c| X::Num(c, money.clone())).unwrap_or(X::Blank),
            ]
        })
        .collect();
    let headers = [
        "Indicator",
        "Partner",
        "Year",
        "Comparator group",
        "Value",
        "Value from",
        "Rank (1 = best)",
        "Councils ranked",
        "Quartile",
        "Lower quartile",
        "Median",
        "Upper quartile",
        "Gap to top quartile",
        "Change in rank",
        "Comparators without a figure",
        "Spending against the median unit cost",
    ];
    let row = write_table(ws, 0, "Benchmarks", &headers, rows)?;
    write_method(ws, b, row)?;
    ws.set_freeze_panes(1, 2)?;
    ws.set_autofit_max_width(300);
    ws.autofit();
    charts(wb, m)?;
    write_comparators(wb, m)
}

/// Below the standings: how quartiles and ranks are worked out, the groups, the tables and
/// the notes on the comparator data.
fn write_method(ws: &mut Worksheet, b: &BenchmarkSection, mut row: u32) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    ws.write_string_with_format(row, 0, "Method", &bold)?;
    ws.write_string(
        row + 1,
        0,
        format!(
            "Quartiles: {}. Rank 1 is best, by each indicator's polarity; equal values share the best rank.",
            crate::benchmark::QUARTILE_METHOD_EXCEL
        ),
    )?;
    row += 3;
    ws.write_string_with_format(row, 0, "Comparator groups", &bold)?;
    for g in &b.groups {
        row += 1;
        ws.write_string(row, 0, fit(&format!("{}: {}", g.name, g.description)))?;
    }
    row += 2;
    ws.write_string_with_format(row, 0, "Comparator tables", &bold)?;
    for t in &b.tables {
        row += 1;
        ws.write_string(row, 0, fit(t))?;
    }
    row += 2;
    ws.write_string_with_format(row, 0, "Notes on the comparator data", &bold)?;
    for n in &b.notes {
        row += 1;
        ws.write_string(row, 0, fit(n))?;
    }
    if b.notes.is_empty() {
        ws.write_string(row + 1, 0, "None: every table and list was used as published.")?;
    }
    Ok(())
}

/// Every comparator's figure behind each standing: what a chart of the group shows.
fn write_comparators(wb: &mut Workbook, m: &ReportModel) -> Result<(), XlsxError> {
    let b = &m.benchmark;
    let info = |id: &str| m.indicators.iter().find(|x| x.id == id).expect("indicator");
    let ws = wb.add_worksheet().set_name(COMPARATORS)?;
    let rows = b
        .rows
        .iter()
        .flat_map(|r| {
            let i = info(&r.indicator_id);
            let fmt = Measure::of(&i.unit, i.decimals);
            r.members.iter().enumerate().map(move |(k, c)| {
                vec![
                    text(&r.indicator_name),
                    text(&r.year),
                    text(&r.group_name),
                    text(&r.partner_name),
                    X::Num(k as f64 + 1.0, Format::new()),
                    text(&c.code),
                    text(&c.name),
                    fmt.x(c.value),
                    text(if c.is_partner { "partner" } else { "" }),
                ]
            })
        })
        .collect();
    let headers = [
        "Indicator",
        "Year",
        "Comparator group",
        "For partner",
        "Order (best first)",
        "GSS code",
        "Council",
        "Value",
        "Partner",
    ];
    write_table(ws, 0, "Comparators", &headers, rows)?;
    ws.set_freeze_panes(1, 0)?;
    ws.autofit();
    Ok(())
}
