#!/bin/sh
# Every figure of BENCHMARKS.md, in the order they matter (the 150 ms targets first).
# About two hours on the 2-core machine; run it on a quiet machine. Results are appended
# to bench/results/*.jsonl; `bench/plot.py` draws bench/results/throughput.png from them.
#   sh bench/all.sh [LINES] [SELENIUM_LINES]
set -e
cd "$(dirname "$0")/.."
PY=.venv/bin/python
LINES=${1:-1000}
SELENIUM_LINES=${2:-200}
mkdir -p bench/results
$PY bench/http_floor.py --lines "$LINES" --concurrency 1 2 4 8 --latency-ms 0 150 | tee -a bench/results/http_floor.jsonl
$PY bench/plain_playwright.py --lines "$LINES" --latency-ms 150 0 --record
$PY bench/selenium_rpa.py --lines "$SELENIUM_LINES" --latency-ms 150 0 --record
[ "$SKIP_TELLER" ] && exit 0
$PY bench/teller_payroll.py --lines "$LINES" --contexts 1 2 4 8 --latency-ms 150 0 --record
