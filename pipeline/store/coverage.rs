//! Which councils' data has arrived for each source and month, whichever files brought it:
//! the ground for judging completeness across a month's deliveries and for explaining every
//! empty figure.
//!
//! Takes the manifest's extracts; gives [`Deliveries`] (for each source, council and month,
//! the as-at dates stored) and [`MissingDelivery`] findings for the sources that declare a
//! `partners_present` check: every council of the partnership should have data for every
//! month from the source's first delivery to its latest.

use super::paths::WHOLE;
use super::StoredExtract;
use crate::config::{Partner, Rule, Severity, SourceDef};
use crate::periods::Period;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// For each source, council (partner code, or `ALL`) and month index, the as-at dates of
/// the data stored.
#[derive(Debug, Clone, Default)]
pub struct Deliveries {
    by: BTreeMap<String, BTreeMap<String, BTreeMap<i32, BTreeSet<NaiveDate>>>>,
}

impl Deliveries {
    /// The deliveries of every part in use.
    pub fn of(extracts: &[StoredExtract]) -> Deliveries {
        let mut d = Deliveries::default();
        for e in extracts {
            let month = Period::month_of(e.as_at).month_index();
            for p in &e.parts {
                d.by.entry(e.source.clone())
                    .or_default()
                    .entry(p.partner.clone())
                    .or_default()
                    .entry(month)
                    .or_default()
                    .insert(e.as_at);
            }
        }
        d
    }

    /// Has `partner`'s data for `source` arrived for the month with this index? A part of
    /// an unmigrated store (`ALL` for a source with a partner column) counts for everyone.
    pub fn has(&self, source: &str, partner: &str, month: i32) -> bool {
        let Some(s) = self.by.get(source) else { return false };
        [partner, WHOLE].iter().any(|p| s.get(*p).is_some_and(|m| m.contains_key(&month)))
    }

    /// The first and last months (indexes) in which any council's data for `source` arrived.
    pub fn span(&self, source: &str) -> Option<(i32, i32)> {
        let months: BTreeSet<i32> = self.by.get(source)?.values().flat_map(|m| m.keys().copied()).collect();
        Some((*months.first()?, *months.last()?))
    }

    /// The latest as-at date of each council's data for `source` (for the statement of the
    /// data in use).
    pub fn latest(&self, source: &str) -> BTreeMap<String, NaiveDate> {
        self.by
            .get(source)
            .map(|s| {
                s.iter().filter_map(|(p, m)| m.values().flat_map(|d| d.iter()).max().map(|d| (p.clone(), *d))).collect()
            })
            .unwrap_or_default()
    }
}

/// A council whose data for a source has not arrived for some months.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct MissingDelivery {
    pub source: String,
    pub partner: String,
    pub partner_name: String,
    /// The months, as `2025/26 M07`.
    pub months: Vec<String>,
    /// The source's `partners_present` check, and its severity.
    pub check: String,
    pub severity: Severity,
    /// The finding in one sentence.
    pub message: String,
}

/// The note for a council's missing months (indexes, in order): "no revenues extract from
/// Fenland for 2025/26 M07", runs of months shortened ("2025/26 M01-M03"); without a council
/// name, "no hr_staff extract for ...".
pub fn no_extract(source: &str, partner_name: &str, months: &[i32]) -> String {
    let from = if partner_name.is_empty() { String::new() } else { format!(" from {partner_name}") };
    format!("no {source} extract{from} for {}", month_runs(months))
}

/// The notes for missing deliveries, with the councils missing the same months of the same
/// source named in one note ("no benefits extract from Breckland, Council 004 and Fenland for
/// 2025/26 M12"), in the order the notes first appear; a council missing months of its own
/// keeps its own note ([`MissingDelivery::message`]).
pub fn notes_together<'a>(missing: impl IntoIterator<Item = &'a MissingDelivery>) -> Vec<String> {
    let mut groups: Vec<Vec<&MissingDelivery>> = Vec::new();
    for m in missing {
        match groups.iter_mut().find(|g| g[0].source == m.source && g[0].months == m.months) {
            Some(g) => g.push(m),
            None => groups.push(vec![m]),
        }
    }
    groups
        .into_iter()
        .map(|g| match g.as_slice() {
            [one] => one.message.clone(),
            [first, .., last] => {
                let names: Vec<&str> = g[..g.len() - 1].iter().map(|m| m.partner_name.as_str()).collect();
                let months: Vec<i32> =
                    first.months.iter().filter_map(|l| Period::parse(l)).map(|p| p.month_index()).collect();
                no_extract(&first.source, &format!("{} and {}", names.join(", "), last.partner_name), &months)
            }
            [] => String::new(),
        })
        .collect()
}

/// Month indexes as labels, consecutive months shortened: `2025/26 M01-M03, 2025/26 M07`.
pub fn month_runs(months: &[i32]) -> String {
    let mut runs: Vec<(i32, i32)> = Vec::new();
    for &m in months {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == m => *last = m,
            _ => runs.push((m, m)),
        }
    }
    runs.iter()
        .map(|&(a, b)| {
            let (first, last) = (Period::from_month_index(a), Period::from_month_index(b));
            match (a == b, first.fy == last.fy) {
                (true, _) => first.label(),
                (false, true) => format!("{}-M{:02}", first.label(), last.number),
                (false, false) => format!("{}-{}", first.label(), last.label()),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every council's missing months for the sources with a `partners_present` check, from
/// the source's first month with data to its latest (later months are the staleness check's
/// business), as far as `as_of`.
pub fn missing(
    sources: &[SourceDef],
    partners: &[Partner],
    deliveries: &Deliveries,
    as_of: NaiveDate,
) -> Vec<MissingDelivery> {
    let mut out = Vec::new();
    let last_month = Period::month_of(as_of).month_index();
    for s in sources {
        let Some(check) = s.checks.iter().find(|c| matches!(c.rule, Rule::PartnersPresent)) else { continue };
        if s.partner_field().is_none() {
            continue;
        }
        let Some((first, last)) = deliveries.span(s.id()) else { continue };
        for p in partners {
            let months: Vec<i32> =
                (first..=last.min(last_month)).filter(|&m| !deliveries.has(s.id(), &p.code, m)).collect();
            if months.is_empty() {
                continue;
            }
            out.push(MissingDelivery {
                source: s.id().to_string(),
                partner: p.code.clone(),
                partner_name: p.name.clone(),
                message: no_extract(s.id(), &p.name, &months),
                check: check.id.clone(),
                months: months.iter().map(|m| Period::from_month_index(*m).label()).collect(),
                severity: check.severity,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_months() {
        let m = |fy: i32, n: u32| Period::month(fy, n).month_index();
        assert_eq!(month_runs(&[m(2025, 7)]), "2025/26 M07");
        assert_eq!(month_runs(&[m(2025, 1), m(2025, 2), m(2025, 3), m(2025, 7)]), "2025/26 M01-M03, 2025/26 M07");
        assert_eq!(month_runs(&[m(2024, 12), m(2025, 1)]), "2024/25 M12-2025/26 M01");
        assert_eq!(no_extract("hr_staff", "", &[m(2025, 7)]), "no hr_staff extract for 2025/26 M07");
    }

    #[test]
    fn councils_missing_the_same_months_of_a_source_share_one_note() {
        let missing = |source: &str, name: &str, months: &[(i32, u32)]| {
            let idx: Vec<i32> = months.iter().map(|&(fy, n)| Period::month(fy, n).month_index()).collect();
            MissingDelivery {
                source: source.into(),
                partner: name.into(),
                partner_name: name.into(),
                months: idx.iter().map(|i| Period::from_month_index(*i).label()).collect(),
                check: "partners_present".into(),
                severity: Severity::Warning,
                message: no_extract(source, name, &idx),
            }
        };
        let all = [
            missing("benefits", "Breckland", &[(2025, 11), (2025, 12)]),
            missing("benefits", "Fenland", &[(2025, 12)]),
            missing("revenues", "Fenland", &[(2025, 11), (2025, 12)]),
            missing("benefits", "Council 004", &[(2025, 11), (2025, 12)]),
            missing("benefits", "Council 005", &[(2025, 11), (2025, 12)]),
        ];
        assert_eq!(
            notes_together(&all),
            vec![
                "no benefits extract from Breckland, Council 004 and Council 005 for 2025/26 M11-M12",
                "no benefits extract from Fenland for 2025/26 M12",
                "no revenues extract from Fenland for 2025/26 M11-M12",
            ]
        );
        // Two councils: "A and B"; one: its own note, word for word.
        assert_eq!(
            notes_together(&all[3..]),
            vec!["no benefits extract from Council 004 and Council 005 for 2025/26 M11-M12"]
        );
        assert_eq!(notes_together(&all[1..2]), vec![all[1].message.clone()]);
    }
}
