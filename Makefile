# Two commands do all the set-up on a fresh Debian 12 machine (as root):
#   make demo   - set up, then run the demo on the sandbox console
#   make test   - set up, then run the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Every dependency comes from uv.lock, pinned with its hashes (README, "Dependencies").
SYNC := UV_PROJECT_ENVIRONMENT=$(VENV) $(VENV)/bin/uv sync --quiet --locked --inexact --python $(PY)

.PHONY: demo test bench setup chromium libreoffice lint clean

setup: $(STAMP) chromium

$(STAMP): pyproject.toml sandbox/pyproject.toml uv.lock uv.requirements
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r uv.requirements
	$(SYNC) --extra dev
	touch $(STAMP)

# Debian's Chromium, unless a Chromium is already there (Playwright's own counts).
chromium: $(STAMP)
	@$(PY) -m teller.browser --check >/dev/null 2>&1 || { \
	  echo "no Chromium found: installing Debian's chromium and chromium-headless-shell"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-headless-shell >/dev/null; }
	@# a Chinese font, as a bank's machines have: consoles lay out (and wrap) as they would
	@fc-list :lang=zh family 2>/dev/null | grep -q . || { \
	  echo "no Chinese font found: installing Debian's fonts-wqy-microhei"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; }

# LibreOffice Calc, headless: the tests convert every report to PDF, as an auditor's
# LibreOffice would open it.
libreoffice:
	@command -v soffice >/dev/null 2>&1 || { \
	  echo "installing Debian's libreoffice-calc-nogui (the report tests open reports with it)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null; }

demo: setup
	$(VENV)/bin/teller demo

test: setup libreoffice
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

# All of BENCHMARKS.md (about two hours; a quiet machine): rpaframework's Selenium needs
# Debian's chromium-driver, the CPU figures psutil and py-spy.
bench: setup
	$(SYNC) --extra dev --extra bench
	@command -v chromedriver >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-driver >/dev/null; }
	sh bench/all.sh
	$(PY) bench/plot.py

lint: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache
