#!/usr/bin/env bash
# Published statistics at scale: a month of 10^6 reports and 10^5 alerts (BENCH_REPORTS,
# BENCH_ALERTS to change), every table of the month and its quarter computed and frozen
# (timed), and one table answered over HTTP (median and 90th percentile of 50 reads).
# Needs what the tests need (a PostgreSQL the harness finds or starts). Figures: bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release --test api statistics::bench_statistics_at_a_million_reports -- --ignored --nocapture 2>&1 \
  | grep -E "^(seeded|computed|answering)|test result"
