"""The same partnership night as `scorecard run`, done the way a performance officer might
script it by hand with pandas and openpyxl. A comparison for the benchmark (BENCHMARKS.md,
issue 10), not part of the product.

    python3 bench/pandas_night.py DROP_FOLDER LAST_NIGHTS_CSV OUT_FOLDER

Reads the month's four extracts (revenues and HR workbooks with pandas' openpyxl engine,
the benefits CSV), finds the header rows, drops totals rows, converts money and dates, checks
required cells, types and key uniqueness, computes this month's headline indicators for each
partner and the partnership (council tax and business rates collected in year, days to
process new claims and changes, accuracy, direct-debit share, accounts, items received,
sickness days per FTE over 12 months, staff turnover), appends them to last night's figures
(scorecard's open-data CSV stands in for the officer's history spreadsheet) and writes an
openpyxl workbook (Scorecard, Values, Data quality) and a CSV, then archives the files. No PDF
report, no comparator benchmarking and no per-extract history checks: it does less than
the scorecard night. Prints one JSON line: seconds per stage and peak memory.
"""

import json
import resource
import shutil
import sys
import time
from pathlib import Path

import pandas as pd

PARTNERS = {"Breckland": "E07000143", "East Suffolk": "E07000244", "Fenland": "E07000010"}


def find_header(frame, first):
    """Index of the row whose first cell is `first` (title rows sit above the header)."""
    for i, v in enumerate(frame.iloc[:20, 0]):
        if str(v).strip() == first:
            return i
    raise ValueError(f"no header row starting {first!r}")


def read_sheet(path, first):
    raw = pd.read_excel(path, sheet_name=0, header=None, engine="openpyxl", dtype=object)
    h = find_header(raw, first)
    frame = raw.iloc[h + 1 :].copy()
    frame.columns = [str(c).strip() for c in raw.iloc[h]]
    return frame.reset_index(drop=True)


def money(series):
    text = series.astype(str).str.replace("£", "", regex=False).str.replace(",", "", regex=False)
    negative = text.str.startswith("(")
    values = pd.to_numeric(text.str.strip("()"), errors="coerce")
    return values.where(~negative, -values)


def main():
    drop, history_csv, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    seconds = {}
    clock = time.perf_counter()

    # Read.
    files = sorted(drop.iterdir())
    rev_path = next(f for f in files if f.name.startswith("revenues"))
    ben_path = next(f for f in files if f.name.startswith("benefits"))
    staff_path = next(f for f in files if f.name.startswith("hr_staff"))
    abs_path = next(f for f in files if f.name.startswith("hr_absence"))
    rev = read_sheet(rev_path, "Council")
    raw = pd.read_csv(ben_path, header=None, dtype=str, encoding="utf-8-sig", skip_blank_lines=False,
                      names=range(8), keep_default_na=False)
    h = find_header(raw, "Council")
    ben = raw.iloc[h + 1 :].copy()
    ben.columns = list(raw.iloc[h])
    staff = read_sheet(staff_path, "Employee ID")
    absence = pd.read_excel(abs_path, sheet_name=0, engine="openpyxl")
    seconds["1 read"] = time.perf_counter() - clock

    # Convert and check.
    clock = time.perf_counter()
    problems = []
    rev = rev[rev["Council"].isin(PARTNERS.keys())].copy()  # drops the totals and notes rows
    rev.columns = [c.replace("Net Debit", "Net Collectable Debit") if c == "Net Debit" else c for c in rev.columns]
    rev = rev.rename(columns={"Collected": "Amount Collected"})
    for c in ["Net Collectable Debit", "Amount Collected", "Balance"]:
        rev[c] = money(rev[c])
        if rev[c].isna().any():
            problems.append(f"revenues: {int(rev[c].isna().sum())} rows with no {c}")
    if rev.duplicated(["Council", "Tax Type", "Account Reference", "Liability Year"]).any():
        problems.append("revenues: duplicate accounts")
    off = (rev["Net Collectable Debit"] - rev["Amount Collected"] - rev["Balance"]).abs() > 0.01
    if off.any():
        problems.append(f"revenues: balance does not equal debit - collected in {int(off.sum())} rows")
    ben = ben[ben["Council"].isin(PARTNERS.keys())].copy()
    for c in ["Date Received", "Date Decided"]:
        ben[c] = pd.to_datetime(ben[c], format="%d/%m/%Y", errors="coerce")
    if ben["Date Received"].isna().any():
        problems.append("benefits: items with no date received")
    if ben.duplicated(["Council", "Claim Reference"]).any():
        problems.append("benefits: duplicate items")
    staff = staff[staff["Employee ID"].notna()].copy()
    staff["FTE"] = pd.to_numeric(staff["FTE"], errors="coerce")
    staff["Leaving Date"] = pd.to_datetime(staff["Leaving Date"], errors="coerce")
    absence["First Day of Absence"] = pd.to_datetime(absence["First Day of Absence"], errors="coerce")
    absence["FTE Days Lost"] = pd.to_numeric(absence["FTE Days Lost"], errors="coerce")
    if absence.duplicated(["Employee Number", "First Day of Absence"]).any():
        problems.append("absence: duplicate absences")
    seconds["2 convert and check"] = time.perf_counter() - clock

    # Indicators for the month.
    clock = time.perf_counter()
    as_at = pd.Timestamp(ben_path.stem.rsplit("_", 1)[1])
    fy = as_at.year if as_at.month >= 4 else as_at.year - 1
    fy_label = f"{fy}/{str(fy + 1)[2:]}"
    month_no = (as_at.month - 4) % 12 + 1
    period = f"{fy_label} M{month_no:02d}"
    month_start = as_at.replace(day=1)
    rows = []

    def add(indicator, partner, value):
        rows.append({"indicator_id": indicator, "partner_code": partner, "period": period, "value": value})

    groups = [(code, rev["Council"] == name, ben["Council"] == name) for name, code in PARTNERS.items()]
    groups.append(("ALL", pd.Series(True, index=rev.index), pd.Series(True, index=ben.index)))
    this_year = rev["Liability Year"] == fy_label
    decided = ben["Date Decided"].between(month_start, as_at)
    days = (ben["Date Decided"] - ben["Date Received"]).dt.days + 1
    for code, r, b in groups:
        for tax, indicator in [("Council Tax", "ctax_collection_rate"), ("Business Rates", "nndr_collection_rate")]:
            sel = rev[r & this_year & (rev["Tax Type"] == tax)]
            add(indicator, code, 100 * sel["Amount Collected"].sum() / sel["Net Collectable Debit"].sum())
        ct = rev[r & (rev["Tax Type"] == "Council Tax")]
        add("ctax_direct_debit_pct", code, 100 * (ct["Payment Method"] == "Direct Debit").mean())
        add("ctax_base_accounts", code, len(ct))
        add("nndr_base_accounts", code, int((r & (rev["Tax Type"] == "Business Rates")).sum()))
        for work, indicator in [("New Claim", "hb_new_claims_days"), ("Change of Circumstances", "hb_change_events_days")]:
            add(indicator, code, days[b & decided & (ben["Work Type"] == work)].mean())
        checked = ben[b & decided & (ben["Quality Checked"] == "Y")]
        add("hb_accuracy_rate", code, 100 * (checked["Found Correct"] == "Y").mean())
        add("hb_items_received", code, int((b & ben["Date Received"].between(month_start, as_at)).sum()))
    year_ago = as_at - pd.DateOffset(years=1)
    lost = absence[absence["First Day of Absence"].between(year_ago, as_at)]["FTE Days Lost"].sum()
    in_post = staff[staff["Leaving Date"].isna() | (staff["Leaving Date"] > as_at)]
    add("sickness_days_per_fte", "ALL", lost / in_post["FTE"].sum())
    leavers = staff["Leaving Date"].between(year_ago, as_at).sum()
    add("staff_turnover_pct", "ALL", 100 * leavers / len(in_post))
    history = pd.read_csv(history_csv, dtype={"value": float})
    values = pd.concat([history[["indicator_id", "partner_code", "period", "value"]], pd.DataFrame(rows)])
    seconds["3 indicators"] = time.perf_counter() - clock

    # Workbook and CSV.
    clock = time.perf_counter()
    stem = out / f"scorecard-{as_at.date()}"
    scorecard = values[values["period"] == period].pivot_table(index="indicator_id", columns="partner_code", values="value")
    with pd.ExcelWriter(f"{stem}.xlsx", engine="openpyxl") as writer:
        scorecard.to_excel(writer, sheet_name="Scorecard")
        values.to_excel(writer, sheet_name="Values", index=False)
        pd.DataFrame({"problem": problems or ["none"]}).to_excel(writer, sheet_name="Data quality", index=False)
        for sheet in writer.sheets.values():
            sheet.freeze_panes = "A2"
            sheet.auto_filter.ref = sheet.dimensions
    values.to_csv(f"{stem}.csv", index=False)
    seconds["4 workbook and CSV"] = time.perf_counter() - clock

    # Archive the files.
    clock = time.perf_counter()
    archive = out / "archive"
    archive.mkdir(exist_ok=True)
    for f in files:
        shutil.copy2(f, archive / f.name)
    seconds["5 archive"] = time.perf_counter() - clock

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "values": len(rows), "problems": problems}))


if __name__ == "__main__":
    main()
