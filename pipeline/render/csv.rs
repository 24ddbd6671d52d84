//! The open-data CSV (Local Government Transparency Code): one row per indicator, partner and
//! period, in a fixed column order that automation relies on; yearly rows carry the partner's
//! standing among its comparators.

use super::ReportModel;

/// Text that a spreadsheet would take for a formula (`=`, `+`, `-`, `@` first) gets a
/// leading apostrophe, as OWASP advises for CSV files opened in Excel.
pub fn safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// The leading columns, in order. Later columns are only ever added after these.
pub const COLUMNS: [&str; 9] =
    ["indicator_id", "partner_code", "period", "period_start", "period_end", "value", "unit", "target", "rag"];

/// Columns added after the first nine, in order.
pub const MORE_COLUMNS: [&str; 7] =
    ["indicator_name", "perspective", "partner_name", "numerator", "denominator", "direction_of_travel", "commentary"];

/// Benchmark columns after those, in order: each yearly row's standing in the first
/// comparator group of `benchmarks.toml` (empty for other periods, or with no comparators).
pub const BENCHMARK_COLUMNS: [&str; 7] =
    ["benchmark_group", "rank", "group_size", "quartile", "median", "lower_quartile", "upper_quartile"];

/// Renders the CSV: `.` decimal point, no thousands separators, at least two decimals, empty
/// where there is no value, ISO dates. A trailing `notes` column says why a value is empty
/// (whose data has not arrived, or nothing to divide by) and when data is synthetic.
pub fn render(model: &ReportModel) -> Vec<u8> {
    let mut w = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(Vec::new());
    let mut header: Vec<&str> = COLUMNS.to_vec();
    header.extend(MORE_COLUMNS);
    header.extend(BENCHMARK_COLUMNS);
    header.push("notes");
    w.write_record(&header).expect("write to memory");
    let synthetic = model.synthetic.then_some("synthetic data, not real council figures");
    for r in &model.values {
        let info = model.indicators.iter().find(|i| i.id == r.indicator_id).expect("indicator of a value");
        let num = |v: Option<f64>| super::format::csv_number(v, info.decimals);
        let b = model.benchmark.primary_group.as_ref().and_then(|g| {
            model.benchmark.rows.iter().find(|b| {
                &b.group == g
                    && b.indicator_id == r.indicator_id
                    && b.partner_code == r.partner_code
                    && b.year == r.period
                    && r.period_kind == crate::periods::PeriodKind::Year
            })
        });
        let whole = |f: fn(&super::benchmark::BenchmarkRow) -> usize| b.map(|b| f(b).to_string()).unwrap_or_default();
        w.write_record([
            r.indicator_id.as_str(),
            r.partner_code.as_str(),
            r.period.as_str(),
            &r.period_start.to_string(),
            &r.period_end.to_string(),
            &num(r.value),
            info.unit.as_str(),
            &num(r.target),
            r.rag.as_deref().unwrap_or(""),
            &safe(&r.indicator_name),
            &safe(&r.perspective),
            &safe(&r.partner_name),
            &num(r.numerator),
            &num(r.denominator),
            r.direction.as_str(),
            &safe(&r.commentary),
            &b.map(|b| safe(&b.group)).unwrap_or_default(),
            &whole(|b| b.rank),
            &whole(|b| b.group_size),
            &whole(|b| b.quartile as usize),
            &num(b.map(|b| b.median)),
            &num(b.map(|b| b.lower_quartile)),
            &num(b.map(|b| b.upper_quartile)),
            &safe(
                &[Some(r.note.as_str()).filter(|n| !n.is_empty()), synthetic]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        ])
        .expect("write to memory");
    }
    w.into_inner().expect("flush to memory")
}
