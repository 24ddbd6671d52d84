#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (FUZZ_SECONDS each, default 60), starting from
# seeds taken from the demo's extracts. A crash stops that target and leaves its input in
# fuzz/artifacts/<target>/; copy it into fuzz/regressions/<target>/ (keeping its name) and
# `cargo test` replays it from then on (tests/fuzz_regressions.rs).
#
# cargo-fuzz passes nightly-only flags to rustc; this machine has one stable toolchain, so
# RUSTC_BOOTSTRAP=1 (given to that command only) lets it accept them. Builds go to
# $FUZZ_TARGET_DIR (default $HOME/.cache/scorecard-fuzz-target)
# (a cold build compiles polars and typst again with coverage instrumentation: about 40
# minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH="${FUZZ_SECONDS:-60}"
FUZZ_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/scorecard-fuzz-target}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

# Seeds: one real extract of each kind from the demo, and the committed regressions.
seeds="$(mktemp -d)"
trap 'rm -rf "$seeds"' EXIT
# (Built with the main crate's own settings and target folder, not the fuzzing ones.)
(cd .. && CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/scorecard-target}" cargo run -q -- demo "$seeds/demo" --no-run >/dev/null)
mkdir -p corpus/ingest_xlsx corpus/ingest_csv corpus/header_detection corpus/cell_conversion
cp "$seeds/demo/drop/revenues_20260331.xlsx" corpus/ingest_xlsx/seed-revenues.xlsx
cp "$seeds/demo/drop/benefits_workitems_20260331.csv" corpus/ingest_csv/seed-benefits.csv
head -c 4000 "$seeds/demo/drop/benefits_workitems_20260331.csv" > corpus/header_detection/seed-benefits-head.csv
printf '1,234.50' > corpus/cell_conversion/seed-money
printf '31/03/2026' > corpus/cell_conversion/seed-date
for t in cell_conversion header_detection ingest_xlsx ingest_csv; do
  cp regressions/"$t"/* corpus/"$t"/ 2>/dev/null || true
  echo "== $t: ${SECONDS_EACH}s"
  RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$FUZZ_TARGET_DIR" \
    cargo fuzz run --dev -s none "$t" corpus/"$t" -- -max_total_time="$SECONDS_EACH" -rss_limit_mb=4096 -timeout=30
done
echo "every target ran ${SECONDS_EACH}s without a crash"
