"""The same work as a scorecard benchmark, done by the tools a performance officer or a data
engineer would reach for instead: the peers the benchmark programs time in the same run, on
the very files of each benchmark (BENCHMARKS.md, issue 23). Not part of the product.

    python3 bench/peers.py national-polars CSV OUT_DIR
    python3 bench/peers.py national-duckdb CSV OUT_DIR
    python3 bench/peers.py workbook-polars XLSX HEADER_ROW
    python3 bench/peers.py workbook-pandas XLSX HEADER_ROW

national-*: read a national month's account snapshot CSV, run three row checks (balance =
debit - collected within 1p, collected <= debit, the account key unique), write the table
to Parquet and compute the in-year council tax collection rate of every council: the
polars script and the DuckDB query an analyst would write for what scorecard's national
night does (scorecard does more: eleven declared checks, history, reports).

workbook-*: read a revenues workbook's sheet (title rows above the header on row
HEADER_ROW, counted from 0) into a typed table: polars `read_excel` (fastexcel, over
calamine) and pandas `read_excel` with the calamine engine.

Prints one JSON line: the seconds inside the script (after Python and the library have
started), rows, peak memory and the figures, so that the caller can check them.
"""

import json
import resource
import sys
import time


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


DEBIT, COLLECTED, BALANCE = "Net Collectable Debit", "Amount Collected", "Balance"
KEY = ["Council", "Tax Type", "Account Reference", "Liability Year"]


def national_polars(csv, out_dir):
    import polars as pl

    t = time.perf_counter()
    df = pl.read_csv(csv)
    checks = df.select(
        bad_balance=((pl.col(BALANCE) - (pl.col(DEBIT) - pl.col(COLLECTED))).abs() > 0.01).sum(),
        over_collected=(pl.col(COLLECTED) > pl.col(DEBIT)).sum(),
        duplicate_keys=pl.struct(KEY).is_duplicated().sum(),
    ).row(0, named=True)
    df.write_parquet(f"{out_dir}/national.parquet")
    rates = (
        df.filter((pl.col("Tax Type") == "Council Tax") & (pl.col("Liability Year") == "2025/26"))
        .group_by("Council")
        .agg((pl.col(COLLECTED).sum() / pl.col(DEBIT).sum() * 100).alias("rate"))
        .sort("Council")
    )
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "rows": df.height, "checks": checks, "rates": dict(rates.iter_rows())}


def national_duckdb(csv, out_dir):
    import duckdb

    t = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv}')")
    row = con.execute(
        f"""SELECT
              count(*) FILTER (WHERE abs("{BALANCE}" - ("{DEBIT}" - "{COLLECTED}")) > 0.01),
              count(*) FILTER (WHERE "{COLLECTED}" > "{DEBIT}"),
              (SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM t GROUP BY {", ".join(f'"{k}"' for k in KEY)} HAVING count(*) > 1)),
              count(*)
            FROM t"""
    ).fetchone()
    con.execute(f"COPY t TO '{out_dir}/national.parquet' (FORMAT parquet)")
    rates = con.execute(
        f"""SELECT "Council", sum("{COLLECTED}") / sum("{DEBIT}") * 100 FROM t
            WHERE "Tax Type" = 'Council Tax' AND "Liability Year" = '2025/26'
            GROUP BY "Council" ORDER BY "Council" """
    ).fetchall()
    seconds = time.perf_counter() - t
    checks = {"bad_balance": row[0], "over_collected": row[1], "duplicate_keys": row[2]}
    return {"seconds": seconds, "rows": row[3], "checks": checks, "rates": dict(rates)}


def workbook_polars(path, header_row):
    import polars as pl

    t = time.perf_counter()
    df = pl.read_excel(path, engine="calamine", read_options={"header_row": header_row})
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "rows": df.height, "columns": df.width, "dtypes": [str(d) for d in df.dtypes]}


def workbook_pandas(path, header_row):
    import pandas as pd

    t = time.perf_counter()
    df = pd.read_excel(path, engine="calamine", header=header_row)
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "rows": len(df), "columns": len(df.columns), "dtypes": [str(d) for d in df.dtypes]}


def main():
    task, path, arg = sys.argv[1], sys.argv[2], sys.argv[3]
    if task == "national-polars":
        out = national_polars(path, arg)
    elif task == "national-duckdb":
        out = national_duckdb(path, arg)
    elif task == "workbook-polars":
        out = workbook_polars(path, int(arg))
    elif task == "workbook-pandas":
        out = workbook_pandas(path, int(arg))
    else:
        sys.exit(f"unknown task {task}")
    out["peak_mb"] = peak_mb()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
