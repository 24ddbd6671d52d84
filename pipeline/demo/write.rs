//! Writes demo extracts in the shapes real systems export (README, "A project folder"): title rows
//! above the header, a totals row and notes at the bottom, money as text in some years,
//! day-first text dates, headers renamed between system versions, a CSV with a byte-order
//! mark, and council names spelt more than one way.

use super::data::{AbsenceRow, Body, BudgetRow, DemoExtract, RevenueRow, StaffRow, WorkItemRow, FIRST_FY};
use rust_xlsxwriter::{DocProperties, Format, Workbook, Worksheet, XlsxError};
use std::path::Path;

/// Writes one extract into `dir` under its file name.
pub fn write_extract(dir: &Path, x: &DemoExtract) -> anyhow::Result<()> {
    let bytes = match &x.body {
        Body::Revenues(rows) => revenues_xlsx(x, rows)?,
        Body::Benefits(rows) => benefits_csv(x, rows),
        Body::Staff(rows) => staff_xlsx(x, rows)?,
        Body::Absence(rows) => absence_xlsx(x, rows)?,
        Body::Budget(rows) => budget_xlsx(x, rows)?,
    };
    crate::fs::write_atomic(&dir.join(&x.file_name), &bytes)?;
    Ok(())
}

fn new_workbook(x: &DemoExtract) -> Workbook {
    let mut wb = Workbook::new();
    let created = x.as_at.and_hms_opt(6, 0, 0).expect("valid");
    wb.set_properties(&DocProperties::new().set_title("Synthetic demo extract").set_creation_datetime(&created));
    wb
}

/// Money as a real number (older system version) or as text such as `£1,234.56` / `(12.34)`.
fn money(ws: &mut Worksheet, r: u32, c: u16, v: f64, as_text: bool, fmt: &Format) -> Result<(), XlsxError> {
    if as_text {
        let s = crate::render::format::thousands(v.abs(), 2);
        let s = if v < 0.0 { format!("({s})") } else { format!("£{s}") };
        ws.write_string(r, c, s)?;
    } else {
        ws.write_number_with_format(r, c, v, fmt)?;
    }
    Ok(())
}

fn revenues_xlsx(x: &DemoExtract, rows: &[RevenueRow]) -> Result<Vec<u8>, XlsxError> {
    let (fy, _) = crate::periods::fiscal_month(x.as_at);
    // The system was upgraded in the second year: money became text, and in the third year
    // two columns were renamed.
    let money_as_text = fy > FIRST_FY;
    let renamed = fy > FIRST_FY + 1;
    let mut wb = new_workbook(x);
    let ws = wb.add_worksheet().set_name("Accounts")?;
    let bold = Format::new().set_bold();
    let num = Format::new().set_num_format("#,##0.00");
    let scope = x.council.unwrap_or("all partner councils");
    ws.write_string_with_format(0, 0, format!("Revenues account extract - {scope}"), &bold)?;
    ws.write_string(1, 0, format!("Report run on {} 06:12", x.as_at.format("%d/%m/%Y")))?;
    let headers = [
        "Council",
        "Tax Type",
        "Account Reference",
        "Liability Year",
        if renamed { "Net Debit" } else { "Net Collectable Debit" },
        if renamed { "Collected" } else { "Amount Collected" },
        "Balance",
        "Recovery Stage",
        "Payment Method",
    ];
    for (j, h) in headers.iter().enumerate() {
        ws.write_string_with_format(3, j as u16, *h, &bold)?;
    }
    let (mut debit, mut collected) = (0.0, 0.0);
    for (i, r) in rows.iter().enumerate() {
        let row = 4 + i as u32;
        ws.write_string(row, 0, r.council_text)?;
        ws.write_string(row, 1, if r.tax_type == "CTAX" { "Council Tax" } else { "Business Rates" })?;
        ws.write_string(row, 2, &r.account_ref)?;
        ws.write_string(row, 3, crate::periods::fy_label(r.liability_year))?;
        money(ws, row, 4, r.net_debit, money_as_text, &num)?;
        money(ws, row, 5, r.collected, money_as_text, &num)?;
        money(ws, row, 6, ((r.net_debit - r.collected) * 100.0).round() / 100.0, money_as_text, &num)?;
        ws.write_string(row, 7, r.recovery_stage)?;
        ws.write_string(row, 8, r.payment_method)?;
        debit += r.net_debit;
        collected += r.collected;
    }
    let total_row = 4 + rows.len() as u32;
    ws.write_string_with_format(total_row, 0, "Total", &bold)?;
    ws.write_number_with_format(total_row, 4, debit, &num)?;
    ws.write_number_with_format(total_row, 5, collected, &num)?;
    ws.write_number_with_format(total_row, 6, debit - collected, &num)?;
    ws.write_string(total_row + 2, 0, "End of report. Synthetic demo data.")?;
    wb.save_to_buffer()
}

fn benefits_csv(x: &DemoExtract, rows: &[WorkItemRow]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().flexible(true).terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let title = match x.council {
        Some(c) => format!("Housing Benefit and Council Tax Reduction work items - {c}"),
        None => "Housing Benefit and Council Tax Reduction work items".to_string(),
    };
    w.write_record([title]).expect("memory");
    w.write_record([format!("Report run on {}", x.as_at.format("%d/%m/%Y"))]).expect("memory");
    w.write_record([""]).expect("memory");
    w.write_record([
        "Council",
        "Claim Reference",
        "Work Type",
        "Date Received",
        "Date Decided",
        "Outcome",
        "Quality Checked",
        "Found Correct",
    ])
    .expect("memory");
    let d = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default();
    let yn = |b: bool| if b { "Y" } else { "N" };
    for r in rows {
        w.write_record([
            r.council_text,
            &r.claim_ref,
            if r.work_type == "new_claim" { "New Claim" } else { "Change of Circumstances" },
            &d(Some(r.received)),
            &d(r.decided),
            r.outcome,
            if r.decided.is_some() { yn(r.quality_checked) } else { "" },
            r.found_correct.map(yn).unwrap_or(""),
        ])
        .expect("memory");
    }
    w.write_record([format!("Total items: {}", rows.len())]).expect("memory");
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend(w.into_inner().expect("memory"));
    out
}

fn staff_xlsx(x: &DemoExtract, rows: &[StaffRow]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = new_workbook(x);
    let ws = wb.add_worksheet().set_name("Establishment")?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let fte = Format::new().set_num_format("0.00");
    ws.write_string_with_format(0, 0, "HR establishment report (all partnership staff)", &bold)?;
    ws.write_string(1, 0, "As at")?;
    ws.write_date_with_format(1, 1, x.as_at, &date)?;
    let headers = ["Employee ID", "Team", "FTE", "Start Date", "Leaving Date", "Leaving Reason"];
    for (j, h) in headers.iter().enumerate() {
        ws.write_string_with_format(3, j as u16, *h, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = 4 + i as u32;
        ws.write_string(row, 0, &r.employee_id)?;
        ws.write_string(row, 1, r.team)?;
        ws.write_number_with_format(row, 2, r.fte, &fte)?;
        ws.write_date_with_format(row, 3, r.start, &date)?;
        if let Some(l) = r.leaving {
            ws.write_date_with_format(row, 4, l, &date)?;
            ws.write_string(row, 5, r.leaving_reason)?;
        }
    }
    wb.save_to_buffer()
}

fn absence_xlsx(x: &DemoExtract, rows: &[AbsenceRow]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = new_workbook(x);
    let ws = wb.add_worksheet().set_name("Sickness")?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let days = Format::new().set_num_format("0.00");
    let headers = ["Employee Number", "First Day of Absence", "Last Day of Absence", "FTE Days Lost", "Reason"];
    for (j, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, j as u16, *h, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_string(row, 0, &r.employee_id)?;
        ws.write_date_with_format(row, 1, r.first_day, &date)?;
        if let Some(l) = r.last_day {
            ws.write_date_with_format(row, 2, l, &date)?;
        }
        ws.write_number_with_format(row, 3, r.fte_days_lost, &days)?;
        ws.write_string(row, 4, r.reason)?;
    }
    wb.save_to_buffer()
}

fn budget_xlsx(x: &DemoExtract, rows: &[BudgetRow]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = new_workbook(x);
    let ws = wb.add_worksheet().set_name("Budget")?;
    let bold = Format::new().set_bold();
    let num = Format::new().set_num_format("#,##0.00");
    let scope = x.council.unwrap_or("revenues and benefits partnership");
    ws.write_string_with_format(0, 0, format!("Budget monitoring report - {scope}"), &bold)?;
    ws.write_string(1, 0, format!("Report run on {}", x.as_at.format("%d/%m/%Y")))?;
    let headers = ["Council", "Cost Centre", "Service", "Annual Budget", "Actual to Date", "Forecast Outturn"];
    for (j, h) in headers.iter().enumerate() {
        ws.write_string_with_format(3, j as u16, *h, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = 4 + i as u32;
        ws.write_string(row, 0, r.council_text)?;
        ws.write_string(row, 1, &r.cost_centre)?;
        ws.write_string(row, 2, r.service)?;
        ws.write_number_with_format(row, 3, r.annual_budget, &num)?;
        ws.write_number_with_format(row, 4, r.actual_to_date, &num)?;
        ws.write_number_with_format(row, 5, r.forecast_outturn, &num)?;
    }
    wb.save_to_buffer()
}
