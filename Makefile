# One entry point for building and testing, as in pydantic-core's Makefile.
# `make test` is what CI runs (.ci/run): it checks formatting and lints, checks
# the generated code tables against the official IATI codelists, runs every
# Rust test, then builds the Python package into .venv and runs its tests,
# the stub check and mypy.

.DEFAULT_GOAL := test
CARGO ?= cargo
PYTHON ?= python3
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python

# The main job's store: made afresh from the seed data set on every run.
REPORT_DB := target/report.db

# Seconds per target for `make fuzz`.
FUZZ_SECONDS ?= 120

.PHONY: report
report: ## the main job: build the command line, import the IOM data set into a fresh store, print the report
	mkdir -p $(dir $(REPORT_DB))
	rm -f $(REPORT_DB) $(REPORT_DB)-wal $(REPORT_DB)-shm
	$(CARGO) run --quiet --locked -p partnercrm-cli -- --db $(REPORT_DB) import examples/data/iom_partnerships.json
	$(CARGO) run --quiet --locked -p partnercrm-cli -- --db $(REPORT_DB) report

.PHONY: lint
lint: ## formatting and lints, warnings as errors
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(PYTHON) scripts/gen_codes.py --check

# The PostgreSQL tests' server: a throwaway cluster under target/pg,
# started before the tests and stopped after them however they end
# (scripts/test-postgres.sh; it installs Debian's postgresql package if no
# server is installed). With PARTNERCRM_TEST_POSTGRES set, that server is
# used instead and nothing is started.
WITH_POSTGRES := scripts/test-postgres.sh run

.PHONY: test-rust
test-rust: ## unit, integration, property, process and doc tests, against SQLite and PostgreSQL
	$(WITH_POSTGRES) $(CARGO) test --workspace --locked

# The virtual environment, rebuilt when the requirements change.
$(VENV)/.installed: python/requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --quiet --upgrade pip
	$(VENV_PYTHON) -m pip install --quiet -r python/requirements-test.txt
	touch $@

.PHONY: build-dev
build-dev: $(VENV)/.installed ## build the extension into .venv (debug)
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --quiet --locked

# Headless Chromium for the HTML report's screenshot test: Debian's package.
.PHONY: browser
browser: ## install Debian's chromium if it is missing (the HTML report test opens the report in it)
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi; }

.PHONY: test-python
test-python: build-dev browser ## pytest, stub check against the compiled module, mypy --strict on a typed usage file
	$(WITH_POSTGRES) $(VENV_PYTHON) -m pytest -q python/tests
	$(VENV_PYTHON) -m mypy.stubtest partnercrm._partnercrm --allowlist python/stubtest-allowlist.txt
	$(VENV_PYTHON) -m mypy --strict python/tests/typed_usage.py python/tests/test_analyst_tasks.py python/partnercrm/ python/benchmarks/suite.py

.PHONY: test
test: lint ## everything CI runs, with one PostgreSQL server for the Rust and Python tests
	$(WITH_POSTGRES) $(MAKE) --no-print-directory test-rust test-python

# The benchmark suite: partnercrm against polars, pandas, DuckDB, sqlite3 and
# pyarrow on the same generated data, one table of ratios (BENCHMARKS.md).
# `make bench N=200000 REPEAT=5 BENCH_JSON=out.json` for other sizes.
N ?= 1000000
REPEAT ?= 3
BENCH_JSON ?=

.PHONY: build-release
build-release: $(VENV)/.installed ## build the extension into .venv (release)
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --quiet --release --locked

.PHONY: bench
bench: build-release ## release build, then every benchmark at N contributions (default 1,000,000) in one table
	$(VENV_PYTHON) python/benchmarks/suite.py --size $(N) --repeat $(REPEAT) $(if $(BENCH_JSON),--json $(BENCH_JSON))

# The IATI reader against lxml: the shared corpus and a generated file of
# IATI_ACTIVITIES activities (BENCHMARKS.md, "IATI reading").
IATI_ACTIVITIES ?= 100000

.PHONY: bench-iati
bench-iati: build-release ## release build, then the IATI corpus and a generated file against lxml
	$(VENV_PYTHON) python/benchmarks/suite.py --only iati --iati-activities $(IATI_ACTIVITIES) --repeat $(REPEAT) $(if $(BENCH_JSON),--json $(BENCH_JSON))

# partnercrm on PostgreSQL against psycopg COPY and hand-written SQL, and 8
# writers on PostgreSQL against SQLite, on a throwaway server (BENCHMARKS.md).
.PHONY: bench-postgres
bench-postgres: build-release ## release build, then the PostgreSQL tasks at N contributions, on a throwaway server
	$(WITH_POSTGRES) $(VENV_PYTHON) python/benchmarks/suite.py --only postgres --size $(N) --repeat $(REPEAT) $(if $(BENCH_JSON),--json $(BENCH_JSON))

.PHONY: bench-rust
bench-rust: ## the Rust-only benchmarks: criterion micro-benchmarks of the hot paths
	$(CARGO) bench -p partnercrm --bench hot_paths --locked

.PHONY: profile
profile: ## callgrind profile of one Rust bench: make profile TASK=csv_import SIZE=50000
	scripts/profile.sh $(TASK) $(SIZE)

.PHONY: fuzz
fuzz: ## fuzz the JSON, CSV and IATI readers with cargo-fuzz, FUZZ_SECONDS (120) per target; not part of test
	scripts/fuzz.sh $(FUZZ_SECONDS)

.PHONY: codes
codes: ## regenerate the code tables from ../shared/iati/codelists
	$(PYTHON) scripts/gen_codes.py
