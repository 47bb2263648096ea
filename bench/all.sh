#!/bin/sh
# Every payroll figure of BENCHMARKS.md: the HTTP floor, then for each console latency
# the plain Playwright script, Teller at 1, 2, 4 and 8 contexts and rpaframework's
# Selenium, one after the other so each latency's figures share the machine's mood.
# About 80 minutes on the 2-core machine; run it on a quiet machine. Results are appended
# to bench/results/*.jsonl; `bench/plot.py` draws bench/throughput.png from them.
#   sh bench/all.sh [LINES] [SELENIUM_LINES]
set -e
cd "$(dirname "$0")/.."
PY=.venv/bin/python
LINES=${1:-1000}
SELENIUM_LINES=${2:-200}
mkdir -p bench/results
$PY bench/http_floor.py --lines "$LINES" --concurrency 1 2 4 8 --latency-ms 0 150 \
  | tee -a bench/results/http_floor.jsonl
for LATENCY in 150 0; do
  $PY bench/plain_playwright.py --lines "$LINES" --latency-ms "$LATENCY" --record
  $PY bench/teller_payroll.py --lines "$LINES" --contexts 1 2 4 8 --latency-ms "$LATENCY" --record
  $PY bench/selenium_rpa.py --lines "$SELENIUM_LINES" --latency-ms "$LATENCY" --record
done
