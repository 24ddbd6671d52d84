//! Line charts for the reports, drawn by the templates from what this module decides, after
//! the Government Analysis Function's guidance on charts: the value axis is chosen so that
//! a small change is not drawn as a large one (it spans at least a tenth of the figures'
//! size, ten points for a percentage, and starts at zero where the figures come near it),
//! with gridlines at round values and their labels, the unit on the axis, every period
//! labelled, and a legend naming every line. An indicator that adds up through the year (an
//! in-year collection rate, `cumulative = true`) is drawn as this year against last year by
//! month with the profiled target, not as a saw-tooth over quarters. Every chart's
//! alternative text names what is drawn (each line, its first, last, highest and lowest
//! point, the target), and its points are given as a table beside it.

use super::format::value_text;
use crate::config::Unit;
use serde::Serialize;

/// One line of a chart.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Line {
    /// Its name in the legend (`Breckland`, `2024/25`, `Target`).
    pub name: String,
    /// `value` (solid, the figure), `earlier` (dotted, last year's) or `target` (dashed).
    pub style: String,
    /// Each point as a fraction of the axis (0 at the bottom), `None` where there is no figure.
    pub points: Vec<Option<f64>>,
    /// The same points as the reader sees them (`97.46%`), empty where there is none.
    pub texts: Vec<String>,
}

/// A gridline of the value axis.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tick {
    /// Height as a fraction of the axis.
    pub at: f64,
    pub text: String,
}

/// A chart as the templates draw it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Chart {
    /// The period of each point, short (`Q1 24/25`, `Apr`).
    pub labels: Vec<String>,
    pub lines: Vec<Line>,
    pub ticks: Vec<Tick>,
    /// The unit of the value axis (`%`, `days`, `£`, `number`).
    pub unit: String,
    /// What the chart shows, in words (its alternative text).
    pub alt: String,
}

/// A line before it is placed on the axis.
pub struct Series {
    pub name: String,
    pub style: &'static str,
    pub values: Vec<Option<f64>>,
}

/// A chart of `series` over `labels` (at least two figures of the first series, else none).
/// `title` names the chart in its alternative text (`Council tax collected in year for
/// Breckland`).
pub fn line_chart(title: &str, labels: Vec<String>, series: Vec<Series>, unit: Unit, decimals: u8) -> Option<Chart> {
    if series.first().is_none_or(|s| s.values.iter().flatten().count() < 2) {
        return None;
    }
    let all: Vec<f64> = series.iter().flat_map(|s| s.values.iter().flatten().copied()).collect();
    let axis = Axis::for_values(&all, unit);
    let text = |v: f64| value_text(Some(v), unit, decimals);
    let lines: Vec<Line> = series
        .iter()
        .filter(|s| s.values.iter().any(Option::is_some))
        .map(|s| Line {
            name: s.name.clone(),
            style: s.style.to_string(),
            points: s.values.iter().map(|v| v.map(|v| axis.place(v))).collect(),
            texts: s.values.iter().map(|v| v.map(text).unwrap_or_default()).collect(),
        })
        .collect();
    let described: Vec<String> =
        series.iter().filter(|s| s.values.iter().any(Option::is_some)).map(|s| describe(s, &labels, &text)).collect();
    let alt = format!(
        "Line chart of {title}, {} to {}, value axis from {} to {}. {}",
        labels.first().cloned().unwrap_or_default(),
        labels.last().cloned().unwrap_or_default(),
        text(axis.low),
        text(axis.high),
        described.join(" ")
    );
    let ticks = axis.ticks().into_iter().map(|v| Tick { at: axis.place(v), text: axis.tick_text(v, unit) }).collect();
    Some(Chart { labels, lines, ticks, unit: unit_word(unit).to_string(), alt })
}

/// One line in words: its first, last, highest and lowest points (a target: its range).
fn describe(s: &Series, labels: &[String], text: &dyn Fn(f64) -> String) -> String {
    let points: Vec<(usize, f64)> = s.values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).collect();
    let (Some(first), Some(last)) = (points.first(), points.last()) else { return String::new() };
    let high = points.iter().fold(*first, |a, b| if b.1 > a.1 { *b } else { a });
    let low = points.iter().fold(*first, |a, b| if b.1 < a.1 { *b } else { a });
    if s.style == "target" {
        return if (high.1 - low.1).abs() < 1e-9 {
            format!("{} (dashed): {} throughout.", s.name, text(first.1))
        } else {
            format!(
                "{} (dashed): from {} in {} to {} in {}.",
                s.name,
                text(first.1),
                labels[first.0],
                text(last.1),
                labels[last.0]
            )
        };
    }
    format!(
        "{}{}: {} in {}, {} in {}; highest {} in {}, lowest {} in {}.",
        s.name,
        if s.style == "earlier" { " (dotted)" } else { "" },
        text(first.1),
        labels[first.0],
        text(last.1),
        labels[last.0],
        text(high.1),
        labels[high.0],
        text(low.1),
        labels[low.0]
    )
}

fn unit_word(unit: Unit) -> &'static str {
    match unit {
        Unit::Percent => "%",
        Unit::Days => "days",
        Unit::Pounds => "£",
        Unit::Count => "number",
    }
}

/// The value axis: from `low` to `high`, gridlines every `step`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    pub low: f64,
    pub high: f64,
    pub step: f64,
}

impl Axis {
    /// An axis for figures: their range widened to at least a tenth of their size (ten
    /// points for a percentage), starting at zero where the lowest figure is nearer zero than
    /// the range is wide, and ending on round values.
    pub fn for_values(values: &[f64], unit: Unit) -> Axis {
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() || !hi.is_finite() {
            return Axis { low: 0.0, high: 1.0, step: 0.25 };
        }
        let size = lo.abs().max(hi.abs());
        let least = match unit {
            Unit::Percent => 10.0_f64.min(size.max(1.0)),
            _ => (size * 0.1).max(f64::EPSILON * 1e3),
        };
        let span = (hi - lo).max(least);
        let mid = (hi + lo) / 2.0;
        let (mut low, mut high) = (mid - span / 2.0, mid + span / 2.0);
        if lo >= 0.0 && low < 0.0 {
            // Widening must not take positive figures below zero.
            high -= low;
            low = 0.0;
        }
        if unit == Unit::Percent && hi <= 100.0 && high > 100.0 {
            // Nor percentages of at most 100% above it: no gridline at a share no figure
            // can reach ("102.5%" of decisions found correct).
            low -= high - 100.0;
            high = 100.0;
        }
        if lo >= 0.0 && lo <= span {
            // Figures nearer zero than the axis is tall: the axis starts at zero.
            low = 0.0;
        }
        let step = nice_step((high - low) / 4.0);
        let low = (low / step).floor() * step;
        let high = ((high / step).ceil() * step).max(low + step);
        Axis { low, high, step }
    }

    /// Where a value lies on the axis, 0 (bottom) to 1 (top).
    pub fn place(&self, v: f64) -> f64 {
        (v - self.low) / (self.high - self.low)
    }

    /// The gridline values, bottom to top.
    pub fn ticks(&self) -> Vec<f64> {
        let n = ((self.high - self.low) / self.step).round() as usize;
        (0..=n.min(12)).map(|i| self.low + self.step * i as f64).collect()
    }

    /// A gridline's label: as many decimals as the step needs, with the unit.
    fn tick_text(&self, v: f64, unit: Unit) -> String {
        let decimals = (0..4u8).find(|d| (self.step * 10f64.powi(*d as i32)).fract().abs() < 1e-6).unwrap_or(4);
        value_text(Some(v), unit, decimals)
    }
}

/// A round step near `raw`: 1, 2, 2.5 or 5 times a power of ten.
fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let f = raw / power;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// A period's label shortened for an axis: `2024/25 Q1` -> `Q1 24/25`, `2025/26 M07` ->
/// `Oct 25`.
pub fn short_label(p: &crate::periods::Period) -> String {
    use crate::periods::PeriodKind;
    let fy = format!("{:02}/{:02}", p.fy % 100, (p.fy + 1) % 100);
    match p.kind {
        PeriodKind::Quarter => format!("Q{} {fy}", p.number),
        PeriodKind::Month => p.start().format("%b %y").to_string(),
        _ => p.label(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_change_is_not_drawn_as_a_large_one() {
        // A tax base of 4,699 to 4,701: the axis spans at least a tenth of the figure, so
        // the line is drawn nearly flat.
        let a = Axis::for_values(&[4699.0, 4701.0], Unit::Count);
        assert!(a.high - a.low >= 470.0, "{a:?}");
        assert!(a.place(4701.0) - a.place(4699.0) < 0.01, "{a:?}");
        // Direct debit 62.0% to 62.5%: at least ten points.
        let a = Axis::for_values(&[62.0, 62.5], Unit::Percent);
        assert!(a.high - a.low >= 10.0 && a.low <= 62.0 && a.high >= 62.5, "{a:?}");
        // Shares near 100% end at 100%, still ten points tall.
        let a = Axis::for_values(&[93.8, 98.6, 95.0], Unit::Percent);
        assert!(a.high == 100.0 && a.high - a.low >= 10.0 && a.low <= 93.8, "{a:?}");
        // A percentage above 100 (an outturn against budget) keeps its room above.
        let a = Axis::for_values(&[99.0, 101.0], Unit::Percent);
        assert!(a.high > 101.0, "{a:?}");
        // A count close to zero starts at zero.
        let a = Axis::for_values(&[3.0, 9.0], Unit::Count);
        assert_eq!(a.low, 0.0);
        // Round gridlines.
        for v in a.ticks() {
            assert!((v / a.step).fract().abs() < 1e-9, "{a:?}");
        }
    }

    #[test]
    fn alternative_text_names_every_line_and_its_extremes() {
        let c = line_chart(
            "Staff turnover for Fenland",
            vec!["Q1 24/25".into(), "Q2 24/25".into(), "Q3 24/25".into()],
            vec![
                Series { name: "Fenland".into(), style: "value", values: vec![Some(10.0), Some(14.0), Some(12.0)] },
                Series { name: "Target".into(), style: "target", values: vec![Some(13.0), Some(13.0), Some(13.0)] },
            ],
            Unit::Percent,
            1,
        )
        .unwrap();
        assert!(
            c.alt.contains("Fenland: 10.0% in Q1 24/25, 12.0% in Q3 24/25; highest 14.0% in Q2 24/25"),
            "{}",
            c.alt
        );
        assert!(c.alt.contains("Target (dashed): 13.0% throughout"), "{}", c.alt);
        assert_eq!(c.lines.len(), 2);
        assert!(!c.ticks.is_empty() && c.ticks.iter().all(|t| t.text.ends_with('%')));
    }

    #[test]
    fn gridline_labels_have_the_decimals_their_step_needs() {
        let a = Axis { low: 0.0, high: 10.0, step: 2.5 };
        assert_eq!(a.tick_text(2.5, Unit::Percent), "2.5%");
        let a = Axis { low: 0.0, high: 100.0, step: 20.0 };
        assert_eq!(a.tick_text(40.0, Unit::Percent), "40%");
    }
}
