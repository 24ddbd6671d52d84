#!/usr/bin/env bash
# Every speed benchmark of issues 10 and 23 in one command (BENCHMARKS.md): builds the
# release benchmark programs, installs the peers from the Python registry (pandas and
# openpyxl for the partnership script; polars, fastexcel, python-calamine and DuckDB for
# bench/peers.py), then runs the partnership night (bench_night: March, the end of a quarter
# and a year, then February, a month inside a quarter), the national scale with
# the polars script and DuckDB on the same CSV (bench_national), and the large workbook
# against the inflate floor, polars + fastexcel and pandas (bench_ingest), printing every
# figure and ratio and adding a copy to bench/results/<date>.txt (after that day's earlier
# runs). The peers stay out of the product and its tests.
#
#   bench/run.sh                       # about 30 minutes once built, plus a first release build
#   BENCH_ROUNDS=5 bench/run.sh        # more rounds of the partnership night
#   BENCH_SIZES=30,100 bench/run.sh    # national sizes, in councils (default 30,100,300)
#
# Run it on an otherwise idle machine: every figure is a wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/scorecard-target}"
cargo build --release --example bench_night --example bench_national --example bench_ingest
peers="pandas openpyxl polars fastexcel python-calamine duckdb"
if ! python3 -c 'import pandas, openpyxl, polars, fastexcel, python_calamine, duckdb' 2>/dev/null; then
    pip install --user $peers 2>/dev/null || pip install --break-system-packages $peers || pip install $peers
fi
mkdir -p bench/results
out="bench/results/$(date +%F).txt"
{
    echo "== bench/run.sh, $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown) =="
    echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
    rustc --version
    python3 -c 'import sys, pandas, openpyxl, polars, fastexcel, duckdb; print("python", sys.version.split()[0], "pandas", pandas.__version__, "openpyxl", openpyxl.__version__, "polars", polars.__version__, "fastexcel", fastexcel.__version__, "duckdb", duckdb.__version__)'
    echo
    echo "== partnership night (bench_night) =="
    "$CARGO_TARGET_DIR/release/examples/bench_night"
    echo
    echo "== partnership night adding a month inside a quarter: February (bench_night, BENCH_MONTHS=35) =="
    BENCH_MONTHS=35 BENCH_PANDAS=0 BENCH_DIR="${TMPDIR:-/tmp}/scorecard-bench-night-february" \
        "$CARGO_TARGET_DIR/release/examples/bench_night"
    echo
    echo "== national scale (bench_national) =="
    BENCH_ROUNDS="${BENCH_NATIONAL_ROUNDS:-5}" "$CARGO_TARGET_DIR/release/examples/bench_national"
    echo
    echo "== one large workbook, and four read in parallel (bench_ingest) =="
    BENCH_ROUNDS=5 "$CARGO_TARGET_DIR/release/examples/bench_ingest"
} 2>&1 | tee -a "$out"
echo "kept in $out"
