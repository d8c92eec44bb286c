# `make run`: set up and serve the app with demo data.  `make test`: set up and run the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NHSUK := node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css

.PHONY: run test install install-test assets bench load score scan sweep clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Wapiti (the dynamic security scan, tests/test_scan.py) in its own venv: it pins older Flask and SQLAlchemy.
WAPITI_VENV := .venv-wapiti
$(WAPITI_VENV)/.installed: benchmarks/wapiti-requirements.txt
	$(PYTHON) -m venv $(WAPITI_VENV)
	$(WAPITI_VENV)/bin/pip install --quiet -r benchmarks/wapiti-requirements.txt
	touch $@

install: $(VENV)/.installed assets
install-test: $(VENV)/.installed-test $(WAPITI_VENV)/.installed assets

# The compiled NHS.UK frontend (pinned in package.json), fetched with npm and never committed.
assets: $(NHSUK)
$(NHSUK): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: pages will use the plain fallback stylesheet"; fi

# The demo signs in with the printed passwords alone: two-step verification (COI_MFA_REQUIRED) is off for it.
run: install
	$(BIN)/coi init-db
	$(BIN)/coi seed-demo --if-empty
	COI_MFA_REQUIRED=false $(BIN)/coi run --host 127.0.0.1 --port 5000

# Two workers, each taking whole test files (the fuzz's last test reads what the file's fuzzing counted): the
# security scan and the fuzz, which are most of the suite's time, run beside the rest (34 -> 23 minutes on 2 cores).
TEST_WORKERS ?= 2
test: install-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

scan: install-test
	$(BIN)/python benchmarks/security_scan.py

bench: install-test
	$(BIN)/python benchmarks/screening_bench.py
	$(BIN)/python benchmarks/meeting_bench.py

load: install-test
	$(BIN)/python benchmarks/load.py

score: install-test
	$(BIN)/python benchmarks/score_dev.py

# every active practice and PCN in the national files, written in 40+ shapes, each with a control (<= 5 minutes)
sweep: $(VENV)/.installed
	$(BIN)/python benchmarks/national_sweep.py

clean:
	rm -rf $(VENV) $(WAPITI_VENV) node_modules build *.egg-info
