//! Benchmark: where a council stands among its comparators.
//!
//! Takes a value, the values of a comparator group (the council's own among them) and the
//! indicator's polarity; gives a [`Position`]: rank (1 = best, ties share the best rank),
//! group size, median, lower and upper quartiles (the method of Excel's `QUARTILE.INC`, named
//! in reports), quartile position (1 = best) and the gap to the top-quartile threshold; and,
//! over several years, the change in rank. [`table`] reads published comparator tables,
//! [`groups`] checks comparator lists against the register, and [`standing`] places every
//! partner among its comparators for each benchmarked indicator and year.

pub mod groups;
pub mod standing;
pub mod table;

use crate::config::Polarity;
use serde::Serialize;

/// The quartile method, named for analysts who will check it in a spreadsheet (the workbook).
pub const QUARTILE_METHOD_EXCEL: &str =
    "Excel's QUARTILE.INC method (linear interpolation between ranked values, the lowest and highest included)";

/// How quartiles are computed, in the words of the reports.
pub const QUARTILE_METHOD: &str =
    "the usual spreadsheet method (a quarter of the way up the ranked values, between two councils where it falls between them), so anyone can reproduce them";

/// A council's place in its comparator group for one indicator and year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Position {
    /// 1 = best; councils with equal values share the best rank among them.
    pub rank: usize,
    pub group_size: usize,
    pub median: f64,
    pub lower_quartile: f64,
    pub upper_quartile: f64,
    /// 1 = the best quarter of the group, 4 = the worst.
    pub quartile: u8,
    /// How far the value must move to reach the top-quartile threshold (0 when already there),
    /// in the indicator's units.
    pub gap_to_top_quartile: f64,
}

/// The `p` quantile (0..=1) of sorted values, as `QUARTILE.INC` / `PERCENTILE.INC`: linear
/// interpolation at position `(n - 1) p`.
pub fn quantile_inc(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Where `value` stands in `group` (which should include it). Values that are not finite are
/// left out of the group; `None` when nothing remains.
pub fn position(value: f64, group: &[f64], polarity: Polarity) -> Option<Position> {
    let mut sorted: Vec<f64> = group.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() || !value.is_finite() || polarity == Polarity::Context {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let (q1, median, q3) = (quantile_inc(&sorted, 0.25)?, quantile_inc(&sorted, 0.5)?, quantile_inc(&sorted, 0.75)?);
    let better = |other: f64| match polarity {
        Polarity::Higher => other > value,
        Polarity::Lower | Polarity::Context => other < value,
    };
    let rank = 1 + sorted.iter().filter(|v| better(**v)).count();
    // Quartile 1 is the best quarter: at or beyond the top-quartile threshold.
    let (top, bottom) = match polarity {
        Polarity::Higher => (q3, q1),
        Polarity::Lower | Polarity::Context => (q1, q3),
    };
    let at_least = |threshold: f64| match polarity {
        Polarity::Higher => value >= threshold,
        Polarity::Lower | Polarity::Context => value <= threshold,
    };
    let quartile = if at_least(top) {
        1
    } else if at_least(median) {
        2
    } else if at_least(bottom) {
        3
    } else {
        4
    };
    let gap_to_top_quartile = if at_least(top) { 0.0 } else { (top - value).abs() };
    Some(Position {
        rank,
        group_size: sorted.len(),
        median,
        lower_quartile: q1,
        upper_quartile: q3,
        quartile,
        gap_to_top_quartile,
    })
}

/// The change in rank from one year to the next, positive when the council moved up (a
/// smaller rank number); `None` without both ranks.
pub fn rank_change(before: Option<&Position>, now: Option<&Position>) -> Option<i64> {
    Some(before?.rank as i64 - now?.rank as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_match_excel_quartile_inc() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        // Excel: QUARTILE.INC({1..10}, 1) = 3.25, 2 = 5.5, 3 = 7.75.
        assert_eq!(quantile_inc(&v, 0.25), Some(3.25));
        assert_eq!(quantile_inc(&v, 0.5), Some(5.5));
        assert_eq!(quantile_inc(&v, 0.75), Some(7.75));
        assert_eq!(quantile_inc(&[4.0], 0.75), Some(4.0));
        assert_eq!(quantile_inc(&[], 0.5), None);
    }

    #[test]
    fn rank_respects_polarity_and_ties_share_the_best_rank() {
        let group = [97.0, 95.0, 96.0, 96.0, 90.0];
        let p = position(96.0, &group, Polarity::Higher).unwrap();
        assert_eq!((p.rank, p.group_size), (2, 5), "one council is better; the tie shares rank 2");
        let p = position(95.0, &group, Polarity::Higher).unwrap();
        assert_eq!(p.rank, 4);
        // Lower is better (processing days): the smallest value ranks first.
        let days = [20.0, 15.0, 30.0, 25.0];
        assert_eq!(position(15.0, &days, Polarity::Lower).unwrap().rank, 1);
        assert_eq!(position(30.0, &days, Polarity::Lower).unwrap().rank, 4);
    }

    #[test]
    fn quartile_position_and_gap_to_the_top_quartile() {
        let group: Vec<f64> = (1..=10).map(f64::from).collect(); // Q1 3.25, median 5.5, Q3 7.75
        let q = |v: f64, pol| position(v, &group, pol).unwrap();
        assert_eq!((q(8.0, Polarity::Higher).quartile, q(8.0, Polarity::Higher).gap_to_top_quartile), (1, 0.0));
        assert_eq!(q(6.0, Polarity::Higher).quartile, 2);
        assert_eq!(q(6.0, Polarity::Higher).gap_to_top_quartile, 1.75);
        assert_eq!(q(4.0, Polarity::Higher).quartile, 3);
        assert_eq!(q(2.0, Polarity::Higher).quartile, 4);
        // Lower is better: the top quartile is at or below 3.25.
        assert_eq!(q(3.0, Polarity::Lower).quartile, 1);
        assert_eq!(q(9.0, Polarity::Lower).quartile, 4);
        assert_eq!(q(9.0, Polarity::Lower).gap_to_top_quartile, 5.75);
    }

    #[test]
    fn an_independent_count_agrees_for_every_member_of_a_group() {
        // 32 values with ties; the rank of each is 1 + the number strictly better.
        let group: Vec<f64> = (0..32).map(|i| ((i * 7919) % 23) as f64 / 2.0).collect();
        for &v in &group {
            let p = position(v, &group, Polarity::Higher).unwrap();
            assert_eq!(p.rank, 1 + group.iter().filter(|x| **x > v).count());
            assert!((1..=4).contains(&p.quartile));
            assert!(p.lower_quartile <= p.median && p.median <= p.upper_quartile);
        }
        let change = rank_change(
            position(2.0, &group, Polarity::Higher).as_ref(),
            position(9.0, &group, Polarity::Higher).as_ref(),
        );
        assert!(change.unwrap() > 0, "a higher value moves a council up");
    }
}
