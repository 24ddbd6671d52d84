//! The first page of a report, the one a member may read alone: how many results are Green,
//! Amber, Red or have no target, by perspective and (in the partnership's report) by
//! council; every result off target across the partnership and the councils in scope, with
//! its commentary; and what changed since the previous period (a status that moved, a result
//! newly Red). Built from the report model's figures, so it agrees with every table after it.

use super::model::{ReportModel, ValueRow};
use crate::config::{Project, ALL};
use crate::periods::{Period, PeriodKind};
use serde::Serialize;

/// Results by RAG status, for one perspective or one council.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RagCount {
    /// The perspective or council counted.
    pub label: String,
    pub blue: usize,
    pub green: usize,
    pub amber: usize,
    pub red: usize,
    /// Figures without a target (context measures among them) or without a value.
    pub no_status: usize,
}

impl RagCount {
    fn add(&mut self, rag: Option<&str>) {
        match rag {
            Some("Blue") => self.blue += 1,
            Some("Green") => self.green += 1,
            Some("Amber") => self.amber += 1,
            Some("Red") => self.red += 1,
            _ => self.no_status += 1,
        }
    }
}

/// A status that moved since the previous period.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub indicator_name: String,
    pub partner_name: String,
    pub from: String,
    pub to: String,
    /// Red now and not Red before.
    pub new_red: bool,
    /// Better (towards Blue) or worse (towards Red).
    pub better: bool,
}

/// What the first page shows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FirstPage {
    /// The focus's results by perspective, in the order of the definitions.
    pub by_perspective: Vec<RagCount>,
    /// Every council's results (the partnership's report only).
    pub by_council: Vec<RagCount>,
    pub total: RagCount,
    /// Red and Amber results of the period for the partnership and the councils in scope,
    /// Red first, with their commentary or marked as missing it.
    pub off_target: Vec<ValueRow>,
    /// The period compared with (`Quarter 3, 2025/26`), if it has figures.
    pub previous: Option<String>,
    pub changes: Vec<Change>,
}

/// The period before `p`, of the same kind (months and quarters; a year's is the year
/// before).
pub fn previous(p: Period) -> Period {
    match p.kind {
        PeriodKind::Quarter if p.number > 1 => Period::quarter(p.fy, p.number - 1),
        PeriodKind::Quarter => Period::quarter(p.fy - 1, 4),
        PeriodKind::Year => Period::year(p.fy - 1),
        _ => Period::from_month_index(p.month_index() - 1),
    }
}

/// The first page of the report on `period` for `partner` (a council's code or [`ALL`]).
pub fn first_page(
    project: &Project,
    m: &ReportModel,
    partner: &str,
    period: Option<Period>,
    previous_text: impl Fn(&Period) -> String,
) -> FirstPage {
    let Some(period) = period else { return FirstPage::default() };
    let label = period.label();
    let at = |code: &str, label: &str, id: &str| m.value(id, code, label);
    // The councils in scope: the partnership and every council, or one council and the
    // partnership it belongs to.
    let scope: Vec<String> = if partner == ALL {
        std::iter::once(ALL.to_string()).chain(project.settings.partner.iter().map(|p| p.code.clone())).collect()
    } else {
        vec![partner.to_string(), ALL.to_string()]
    };
    let mut out = FirstPage::default();
    for def in &project.indicators {
        // A council's report counts its own results: not those made for the partnership alone.
        if !m.has_figures(def.id(), partner) {
            continue;
        }
        let i = match out.by_perspective.iter().position(|c| c.label == def.perspective) {
            Some(i) => i,
            None => {
                out.by_perspective.push(RagCount { label: def.perspective.clone(), ..Default::default() });
                out.by_perspective.len() - 1
            }
        };
        let rag = at(partner, &label, def.id()).and_then(|v| v.rag.as_deref());
        out.by_perspective[i].add(rag);
        out.total.add(rag);
    }
    if partner == ALL {
        for p in &project.settings.partner {
            let mut c = RagCount { label: p.name.clone(), ..Default::default() };
            for def in &project.indicators {
                // Indicators made for the partnership alone are not a council's results.
                if m.has_figures(def.id(), &p.code) {
                    c.add(at(&p.code, &label, def.id()).and_then(|v| v.rag.as_deref()));
                }
            }
            out.by_council.push(c);
        }
    }
    let severity = |v: &ValueRow| if v.rag.as_deref() == Some("Red") { 0 } else { 1 };
    for code in &scope {
        for def in &project.indicators {
            if let Some(v) = at(code, &label, def.id()).filter(|v| matches!(v.rag.as_deref(), Some("Red" | "Amber"))) {
                out.off_target.push(v.clone());
            }
        }
    }
    out.off_target.sort_by_key(severity);
    let before = previous(period);
    if m.values.iter().any(|v| v.period == before.label() && v.value.is_some()) {
        out.previous = Some(previous_text(&before));
        out.changes = changes(project, m, &scope, &label, &before.label());
    }
    out
}

/// The statuses that moved from the period `before` to `now`, for the councils in `scope`:
/// newly Red first, then the others that got worse, then those that got better.
fn changes(project: &Project, m: &ReportModel, scope: &[String], now: &str, before: &str) -> Vec<Change> {
    let rag = |code: &str, label: &str, id: &str| m.value(id, code, label).and_then(|v| v.rag.clone());
    let mut out = Vec::new();
    for code in scope {
        for def in &project.indicators {
            if let (Some(now), Some(then)) = (rag(code, now, def.id()), rag(code, before, def.id())) {
                if now != then {
                    out.push(Change {
                        indicator_name: def.name.clone(),
                        partner_name: project.partner_name(code),
                        new_red: now == "Red",
                        better: rank(&now) < rank(&then),
                        from: then,
                        to: now,
                    });
                }
            }
        }
    }
    out.sort_by_key(|c| (!c.new_red, c.better));
    out
}

/// Statuses from best to worst.
fn rank(rag: &str) -> u8 {
    match rag {
        "Blue" => 0,
        "Green" => 1,
        "Amber" => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_before_crosses_years() {
        assert_eq!(previous(Period::quarter(2025, 1)).label(), "2024/25 Q4");
        assert_eq!(previous(Period::quarter(2025, 4)).label(), "2025/26 Q3");
        assert_eq!(previous(Period::month(2025, 1)).label(), "2024/25 M12");
        assert_eq!(previous(Period::year(2025)).label(), "2024/25");
    }

    #[test]
    fn statuses_are_counted_by_word() {
        let mut c = RagCount::default();
        for r in [Some("Green"), Some("Red"), None, Some("Amber"), Some("Blue"), Some("Green")] {
            c.add(r);
        }
        assert_eq!((c.blue, c.green, c.amber, c.red, c.no_status), (1, 2, 1, 1, 1));
    }
}
