//! Synthetic extracts for three partner councils over three financial years: the rows each
//! extract holds, before they are written in the shapes real systems export.
//!
//! Everything comes from one seeded generator, so the same seed gives the same rows and the
//! same files. Tests recompute the indicators from these rows, independently of the pipeline.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// First financial year of the demo (2023/24) and the number of years.
pub const FIRST_FY: i32 = 2023;
pub const YEARS: i32 = 3;

/// A partner council of the demo: code, name as reports show it, name as the systems write
/// it, council-tax and business-rate accounts.
pub const PARTNERS: [(&str, &str, &str, usize, usize); 3] = [
    ("E07000143", "Breckland", "Breckland Council", 1500, 150),
    ("E07000244", "East Suffolk", "East Suffolk Council", 2000, 200),
    ("E07000010", "Fenland", "Fenland District Council", 1200, 120),
];

#[derive(Debug, Clone)]
pub struct RevenueRow {
    pub partner: &'static str,
    pub council_text: &'static str,
    pub tax_type: &'static str,
    pub account_ref: String,
    pub liability_year: i32,
    pub net_debit: f64,
    pub collected: f64,
    pub recovery_stage: &'static str,
    pub payment_method: &'static str,
}

/// One cost centre of one partner in a budget-monitoring extract.
#[derive(Debug, Clone)]
pub struct BudgetRow {
    pub partner: &'static str,
    pub council_text: &'static str,
    pub cost_centre: String,
    pub service: &'static str,
    pub annual_budget: f64,
    pub actual_to_date: f64,
    pub forecast_outturn: f64,
}

#[derive(Debug, Clone)]
pub struct WorkItemRow {
    pub partner: &'static str,
    pub council_text: &'static str,
    pub claim_ref: String,
    /// `new_claim` or `change_of_circumstances`.
    pub work_type: &'static str,
    pub received: NaiveDate,
    pub decided: Option<NaiveDate>,
    pub outcome: &'static str,
    pub quality_checked: bool,
    pub found_correct: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct StaffRow {
    pub employee_id: String,
    pub team: &'static str,
    pub fte: f64,
    pub start: NaiveDate,
    pub leaving: Option<NaiveDate>,
    pub leaving_reason: &'static str,
}

#[derive(Debug, Clone)]
pub struct AbsenceRow {
    pub employee_id: String,
    pub first_day: NaiveDate,
    pub last_day: Option<NaiveDate>,
    pub fte_days_lost: f64,
    pub reason: &'static str,
}

#[derive(Debug, Clone)]
pub enum Body {
    Budget(Vec<BudgetRow>),
    Revenues(Vec<RevenueRow>),
    Benefits(Vec<WorkItemRow>),
    Staff(Vec<StaffRow>),
    Absence(Vec<AbsenceRow>),
}

/// One extract as a system would export it at its as-at date.
#[derive(Debug, Clone)]
pub struct DemoExtract {
    pub file_name: String,
    pub source: &'static str,
    pub as_at: NaiveDate,
    pub body: Body,
    /// The council a single council's file is for (its title names it); `None` for a file
    /// covering the partnership.
    pub council: Option<&'static str>,
}

impl DemoExtract {
    /// The extract as one file per council, each with its own title, totals and counts, as
    /// partnerships whose councils each export their own file deliver it; `earlier` moves a
    /// council's as-at date back by that many days (the rows stay the same). Extracts
    /// without a council column (HR) stay whole.
    pub fn per_council(&self, earlier: &dyn Fn(&str) -> i64) -> Vec<DemoExtract> {
        let split = |code: &str| -> Option<Body> {
            Some(match &self.body {
                Body::Revenues(rows) => Body::Revenues(rows.iter().filter(|r| r.partner == code).cloned().collect()),
                Body::Benefits(rows) => Body::Benefits(rows.iter().filter(|r| r.partner == code).cloned().collect()),
                Body::Budget(rows) => Body::Budget(rows.iter().filter(|r| r.partner == code).cloned().collect()),
                Body::Staff(_) | Body::Absence(_) => return None,
            })
        };
        if split(PARTNERS[0].0).is_none() {
            return vec![self.clone()];
        }
        PARTNERS
            .iter()
            .filter_map(|(code, name, ..)| {
                let as_at = self.as_at - Duration::days(earlier(code));
                let stamp = |d: NaiveDate| d.format("%Y%m%d").to_string();
                let slug = name.to_ascii_lowercase().replace(' ', "_");
                let file_name = self.file_name.replace(&stamp(self.as_at), &format!("{slug}_{}", stamp(as_at)));
                Some(DemoExtract { file_name, source: self.source, as_at, body: split(code)?, council: Some(name) })
            })
            .collect()
    }
}

/// All extracts of the demo, in as-at order.
#[derive(Debug, Clone)]
pub struct DemoData {
    pub extracts: Vec<DemoExtract>,
}

/// The last weekday of the month containing `d`: when the month-end extracts run.
pub fn last_working_day(fy: i32, m: u32) -> NaiveDate {
    let start = crate::periods::month_start(fy, m);
    let mut d = start.checked_add_months(chrono::Months::new(1)).expect("valid").pred_opt().expect("valid");
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d = d.pred_opt().expect("valid");
    }
    d
}

/// Monday-to-Friday days from `a` to `b` inclusive.
pub fn working_days(a: NaiveDate, b: NaiveDate) -> i64 {
    a.iter_days().take_while(|d| *d <= b).filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)).count() as i64
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

struct Account {
    partner: usize,
    tax_type: &'static str,
    reference: String,
    debit: f64,
    instalments: u32,
    ultimate: f64,
    method: &'static str,
}

fn accounts_for_year(rng: &mut fastrand::Rng, fy: i32) -> Vec<Account> {
    let mut out = Vec::new();
    for (p, (_, _, _, ctax, nndr)) in PARTNERS.iter().enumerate() {
        for (kind, n) in [("CTAX", *ctax), ("NNDR", *nndr)] {
            for i in 0..n {
                let debit = if kind == "CTAX" {
                    round2(1100.0 + rng.f64() * 2400.0)
                } else {
                    round2(2500.0 + rng.f64().powi(3) * 150_000.0)
                };
                let dd = rng.f64() < if kind == "CTAX" { 0.62 } else { 0.45 };
                let r = rng.f64();
                // Most pay in full; some fall behind; a few overpay and end in credit.
                let ultimate = if r < 0.02 {
                    1.0 + 0.01 + rng.f64() * 0.04
                } else if r < 0.085 - (fy - FIRST_FY) as f64 * 0.004 {
                    0.25 + rng.f64() * 0.6
                } else {
                    1.0
                };
                out.push(Account {
                    partner: p,
                    tax_type: kind,
                    reference: format!(
                        "{}{}{:06}",
                        if kind == "CTAX" { "CT" } else { "BR" },
                        p + 1,
                        i + 1 + (fy as usize % 10) * 100_000
                    ),
                    debit,
                    instalments: if dd || rng.bool() { 10 } else { 12 },
                    ultimate,
                    method: if dd {
                        "Direct Debit"
                    } else {
                        ["Online", "Standing Order", "Cash", "Telephone"][rng.usize(0..4)]
                    },
                });
            }
        }
    }
    out
}

fn revenues(rng: &mut fastrand::Rng) -> Vec<DemoExtract> {
    let mut out = Vec::new();
    let mut previous: Vec<Account> = Vec::new();
    for fy in FIRST_FY..FIRST_FY + YEARS {
        let accounts = accounts_for_year(rng, fy);
        for m in 1..=12u32 {
            let as_at = last_working_day(fy, m);
            let mut rows = Vec::new();
            for a in &accounts {
                let share = (m as f64 / a.instalments as f64).min(1.0);
                let collected = round2(a.debit * a.ultimate * share);
                let expected = a.debit * share;
                let behind = expected - collected;
                rows.push(RevenueRow {
                    partner: PARTNERS[a.partner].0,
                    council_text: if a.partner == 1 && rng.bool() {
                        PARTNERS[a.partner].2
                    } else {
                        PARTNERS[a.partner].1
                    },
                    tax_type: a.tax_type,
                    account_ref: a.reference.clone(),
                    liability_year: fy,
                    net_debit: a.debit,
                    collected,
                    recovery_stage: stage(behind, a.debit),
                    payment_method: a.method,
                });
            }
            // Arrears of the previous year stay on the accounts until paid.
            for a in previous.iter().filter(|a| a.ultimate < 1.0) {
                let recovered = (a.ultimate + (1.0 - a.ultimate) * (m as f64 / 24.0)).min(1.0);
                rows.push(RevenueRow {
                    partner: PARTNERS[a.partner].0,
                    council_text: PARTNERS[a.partner].1,
                    tax_type: a.tax_type,
                    account_ref: a.reference.clone(),
                    liability_year: fy - 1,
                    net_debit: a.debit,
                    collected: round2(a.debit * recovered),
                    recovery_stage: "Liability Order",
                    payment_method: a.method,
                });
            }
            out.push(DemoExtract {
                file_name: format!("revenues_{}.xlsx", as_at.format("%Y%m%d")),
                source: "revenues",
                as_at,
                body: Body::Revenues(rows),
                council: None,
            });
        }
        previous = accounts;
    }
    out
}

fn stage(behind: f64, debit: f64) -> &'static str {
    let share = behind / debit;
    if share <= 0.01 {
        "None"
    } else if share < 0.1 {
        "Reminder"
    } else if share < 0.2 {
        "Final Notice"
    } else if share < 0.35 {
        "Summons"
    } else {
        "Liability Order"
    }
}

fn weekday_in(rng: &mut fastrand::Rng, start: NaiveDate, days: i64) -> NaiveDate {
    loop {
        let d = start + Duration::days(rng.i64(0..days));
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            return d;
        }
    }
}

fn benefits(rng: &mut fastrand::Rng) -> Vec<DemoExtract> {
    // Every work item over the period (from two months before the first extract, so that the
    // first months have decisions on earlier claims), with its final decision date.
    let mut items = Vec::new();
    let first = crate::periods::month_start(FIRST_FY, 1) - Duration::days(59);
    let last = crate::periods::month_start(FIRST_FY + YEARS - 1, 12) + Duration::days(30);
    let mut month = first;
    let mut serial = 0usize;
    while month <= last {
        let days_in_month = (month.checked_add_months(chrono::Months::new(1)).expect("valid") - month).num_days();
        let (_, fm) = crate::periods::fiscal_month(month);
        for (p, (code, name, alias, _, _)) in PARTNERS.iter().enumerate() {
            let new_claims = 45 + rng.usize(0..30);
            let changes = 330 + rng.usize(0..120) + if fm == 12 { 250 } else { 0 };
            for (kind, n) in [("new_claim", new_claims), ("change_of_circumstances", changes)] {
                for _ in 0..n {
                    serial += 1;
                    let received = weekday_in(rng, month, days_in_month);
                    let days = if kind == "new_claim" {
                        // Skewed: most within three weeks, a tail of complex claims.
                        4 + rng.i64(0..20) + if rng.f64() < 0.15 { rng.i64(10..45) } else { 0 } - p as i64
                    } else if fm == 12 && rng.f64() < 0.6 {
                        1 + rng.i64(0..3) // annual uprating, processed in bulk
                    } else {
                        1 + rng.i64(0..12) + if rng.f64() < 0.1 { rng.i64(5..25) } else { 0 }
                    };
                    let decided = received + Duration::days(days.max(1) - 1);
                    let checked = rng.f64() < 0.1;
                    items.push(WorkItemRow {
                        partner: code,
                        council_text: if rng.f64() < 0.3 { alias } else { name },
                        claim_ref: format!("{}{:07}", ["BK", "ES", "FL"][p], serial),
                        work_type: kind,
                        received,
                        decided: Some(decided),
                        outcome: ["Awarded", "Awarded", "Awarded", "Refused", "Nil award"][rng.usize(0..5)],
                        quality_checked: checked,
                        found_correct: checked.then(|| rng.f64() < 0.95),
                    });
                }
            }
        }
        month = month.checked_add_months(chrono::Months::new(1)).expect("valid");
    }
    let mut out = Vec::new();
    for fy in FIRST_FY..FIRST_FY + YEARS {
        for m in 1..=12u32 {
            let as_at = last_working_day(fy, m);
            let window = as_at - Duration::days(91);
            let rows: Vec<WorkItemRow> = items
                .iter()
                .filter(|i| i.received <= as_at)
                .filter(|i| i.received >= window || i.decided.is_none_or(|d| d >= window))
                .map(|i| {
                    let mut v = i.clone();
                    if v.decided.is_some_and(|d| d > as_at) {
                        v.decided = None;
                        v.outcome = "";
                        v.quality_checked = false;
                        v.found_correct = None;
                    }
                    v
                })
                .collect();
            out.push(DemoExtract {
                file_name: format!("benefits_workitems_{}.csv", as_at.format("%Y%m%d")),
                source: "benefits",
                as_at,
                body: Body::Benefits(rows),
                council: None,
            });
        }
    }
    out
}

const TEAMS: [&str; 6] = ["Council Tax", "Business Rates", "Benefits", "Recovery", "Customer Services", "Management"];

fn hr(rng: &mut fastrand::Rng) -> (Vec<DemoExtract>, Vec<DemoExtract>) {
    let sim_start = NaiveDate::from_ymd_opt(2021, 4, 1).expect("valid");
    let sim_end = crate::periods::month_start(FIRST_FY + YEARS - 1, 12) + Duration::days(30);
    let staff = simulate_staff(rng, sim_start, sim_end);
    let absences = simulate_absences(rng, &staff, sim_start, sim_end);
    hr_extracts(&staff, &absences)
}

/// 380 staff, then each month about 1% leave and are replaced in the next month.
fn simulate_staff(rng: &mut fastrand::Rng, sim_start: NaiveDate, sim_end: NaiveDate) -> Vec<StaffRow> {
    let fte_choices = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.8, 0.6, 0.5, 0.4];
    let mut staff: Vec<StaffRow> = (0..380)
        .map(|i| StaffRow {
            employee_id: format!("E{:05}", 10_000 + i),
            team: TEAMS[rng.usize(0..TEAMS.len())],
            fte: fte_choices[rng.usize(0..fte_choices.len())],
            start: NaiveDate::from_ymd_opt(2005 + rng.i32(0..16), rng.u32(1..13), rng.u32(1..29)).expect("valid"),
            leaving: None,
            leaving_reason: "",
        })
        .collect();
    let mut next_id = 10_380;
    let mut month = sim_start;
    while month <= sim_end {
        let days_in_month = (month.checked_add_months(chrono::Months::new(1)).expect("valid") - month).num_days();
        let mut starters = Vec::new();
        for s in staff.iter_mut().filter(|s| s.leaving.is_none() && s.start < month) {
            if rng.f64() < 0.0105 {
                s.leaving = Some(month + Duration::days(rng.i64(0..days_in_month)));
                s.leaving_reason =
                    ["Resignation", "Resignation", "Retirement", "End of contract", "Dismissal"][rng.usize(0..5)];
                starters.push(StaffRow {
                    employee_id: format!("E{next_id:05}"),
                    team: s.team,
                    fte: fte_choices[rng.usize(0..fte_choices.len())],
                    start: weekday_in(rng, month.checked_add_months(chrono::Months::new(1)).expect("valid"), 28),
                    leaving: None,
                    leaving_reason: "",
                });
                next_id += 1;
            }
        }
        staff.extend(starters);
        month = month.checked_add_months(chrono::Months::new(1)).expect("valid");
    }

    staff
}

/// An absence with the FTE of the person and its true last day.
type Absence = (AbsenceRow, f64, NaiveDate);

/// Absence episodes over each person's employment inside the simulation.
fn simulate_absences(
    rng: &mut fastrand::Rng,
    staff: &[StaffRow],
    sim_start: NaiveDate,
    sim_end: NaiveDate,
) -> Vec<Absence> {
    let mut absences: Vec<Absence> = Vec::new();
    for s in staff {
        let from = s.start.max(sim_start);
        let to = s.leaving.unwrap_or(sim_end).min(sim_end);
        if from >= to {
            continue;
        }
        let span = (to - from).num_days();
        let episodes = (span as f64 / 365.0 * (1.0 + rng.f64() * 1.6)).round() as usize;
        for _ in 0..episodes {
            let first = weekday_in(rng, from, span.max(1));
            let length = if rng.f64() < 0.05 { rng.i64(15..90) } else { rng.i64(1..6) };
            let last = (first + Duration::days(length - 1)).min(to);
            absences.push((
                AbsenceRow {
                    employee_id: s.employee_id.clone(),
                    first_day: first,
                    last_day: Some(last),
                    fte_days_lost: round2(working_days(first, last) as f64 * s.fte),
                    reason: ["Cold or flu", "Stomach", "Musculoskeletal", "Stress", "Injury", "Other"][rng.usize(0..6)],
                },
                s.fte,
                last,
            ));
        }
    }
    absences.sort_by(|a, b| (a.0.first_day, &a.0.employee_id).cmp(&(b.0.first_day, &b.0.employee_id)));
    // Two absences of one person starting the same day would share a key; keep the first.
    absences.dedup_by(|a, b| a.0.employee_id == b.0.employee_id && a.0.first_day == b.0.first_day);

    absences
}

/// The monthly staff and absence extracts as the HR system would export them at each month's
/// last working day (two years of history; absences still open have no last day).
fn hr_extracts(staff: &[StaffRow], absences: &[Absence]) -> (Vec<DemoExtract>, Vec<DemoExtract>) {
    let mut staff_out = Vec::new();
    let mut absence_out = Vec::new();
    for fy in FIRST_FY..FIRST_FY + YEARS {
        for m in 1..=12u32 {
            let as_at = last_working_day(fy, m);
            let history = as_at - Duration::days(730);
            let staff_rows = staff
                .iter()
                .filter(|s| s.start <= as_at && s.leaving.is_none_or(|l| l >= history))
                .map(|s| {
                    let mut v = s.clone();
                    if v.leaving.is_some_and(|l| l > as_at) {
                        v.leaving = None;
                        v.leaving_reason = "";
                    }
                    v
                })
                .collect();
            staff_out.push(DemoExtract {
                file_name: format!("hr_staff_{}.xlsx", as_at.format("%Y%m%d")),
                source: "hr_staff",
                as_at,
                body: Body::Staff(staff_rows),
                council: None,
            });
            let absence_rows = absences
                .iter()
                .filter(|(a, _, _)| a.first_day <= as_at && a.first_day >= history)
                .map(|(a, fte, last)| {
                    let mut v = a.clone();
                    if *last > as_at {
                        v.last_day = None;
                        v.fte_days_lost = round2(working_days(a.first_day, as_at) as f64 * fte);
                    }
                    v
                })
                .collect();
            absence_out.push(DemoExtract {
                file_name: format!("hr_absence_{}.xlsx", as_at.format("%Y%m%d")),
                source: "hr_absence",
                as_at,
                body: Body::Absence(absence_rows),
                council: None,
            });
        }
    }
    (staff_out, absence_out)
}

/// The partnership's cost centres: code, service, annual budget of the first year (£).
const COST_CENTRES: [(&str, &str, f64); 5] = [
    ("R100", "Council Tax", 410_000.0),
    ("R110", "Business Rates", 120_000.0),
    ("R200", "Benefits", 650_000.0),
    ("R300", "Recovery", 180_000.0),
    ("R400", "Customer Services", 300_000.0),
];

/// Monthly budget-monitoring extracts: each partner's cost centres, the year's budget, the
/// spend to date and the forecast outturn (drifting as the year goes on).
fn budget(rng: &mut fastrand::Rng) -> Vec<DemoExtract> {
    let mut out = Vec::new();
    for fy in FIRST_FY..FIRST_FY + YEARS {
        let growth = 1.0 + 0.03 * (fy - FIRST_FY) as f64;
        let drift: Vec<f64> = (0..PARTNERS.len() * COST_CENTRES.len()).map(|_| 0.97 + rng.f64() * 0.08).collect();
        for m in 1..=12u32 {
            let as_at = last_working_day(fy, m);
            let mut rows = Vec::new();
            for (p, (code, name, _, ctax, _)) in PARTNERS.iter().enumerate() {
                let size = *ctax as f64 / 1500.0;
                for (k, (cc, service, base)) in COST_CENTRES.iter().enumerate() {
                    let budget = round2(base * size * growth);
                    let forecast = round2(budget * (1.0 + (drift[p * COST_CENTRES.len() + k] - 1.0) * m as f64 / 12.0));
                    rows.push(BudgetRow {
                        partner: code,
                        council_text: name,
                        cost_centre: format!("{cc}-{}", p + 1),
                        service,
                        annual_budget: budget,
                        actual_to_date: round2(forecast * m as f64 / 12.0 * (0.95 + rng.f64() * 0.1)),
                        forecast_outturn: forecast,
                    });
                }
            }
            out.push(DemoExtract {
                file_name: format!("budget_monitoring_{}.xlsx", as_at.format("%Y%m%d")),
                source: "budget",
                as_at,
                body: Body::Budget(rows),
                council: None,
            });
        }
    }
    out
}

/// Generates every demo extract from a seed.
pub fn generate(seed: u64) -> DemoData {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut extracts = revenues(&mut rng);
    extracts.extend(benefits(&mut rng));
    let (staff, absence) = hr(&mut rng);
    extracts.extend(staff);
    extracts.extend(absence);
    extracts.extend(budget(&mut rng));
    extracts.sort_by(|a, b| (a.as_at, a.source).cmp(&(b.as_at, b.source)));
    DemoData { extracts }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_days_count_weekdays() {
        let mon = NaiveDate::from_ymd_opt(2025, 11, 3).unwrap();
        assert_eq!(working_days(mon, mon + Duration::days(6)), 5);
        assert_eq!(last_working_day(2025, 9).to_string(), "2025-12-31");
        assert_eq!(last_working_day(2025, 3).to_string(), "2025-06-30");
        assert_eq!(last_working_day(2025, 5).to_string(), "2025-08-29");
    }
}
