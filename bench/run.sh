#!/usr/bin/env bash
# Every speed benchmark of issue 10 in one command (BENCHMARKS.md): builds the release
# benchmark programs, makes sure pandas and openpyxl are there for the comparison script,
# then runs the partnership night (bench_night), the national scale (bench_national) and
# four equal workbooks read one after another and in parallel (bench_ingest), printing
# every figure and keeping a copy in bench/results/<date>.txt.
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
if ! python3 -c 'import pandas, openpyxl' 2>/dev/null; then
    pip install --user pandas openpyxl 2>/dev/null || pip install --break-system-packages pandas openpyxl
fi
mkdir -p bench/results
out="bench/results/$(date +%F).txt"
{
    echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
    rustc --version
    python3 -c 'import sys, pandas, openpyxl; print("python", sys.version.split()[0], "pandas", pandas.__version__, "openpyxl", openpyxl.__version__)'
    echo
    echo "== partnership night (bench_night) =="
    "$CARGO_TARGET_DIR/release/examples/bench_night"
    echo
    echo "== national scale (bench_national) =="
    BENCH_ROUNDS="${BENCH_NATIONAL_ROUNDS:-3}" "$CARGO_TARGET_DIR/release/examples/bench_national"
    echo
    echo "== one large workbook, and four read in parallel (bench_ingest) =="
    BENCH_ROUNDS=5 "$CARGO_TARGET_DIR/release/examples/bench_ingest"
} 2>&1 | tee "$out"
echo "kept in $out"
