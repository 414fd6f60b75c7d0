# One entry point for building and testing, as in pydantic-core's Makefile.
# `make test` is what CI runs (.ci/run): it checks formatting and lints, checks
# the generated code tables against the official IATI codelists, and runs
# every test.

.DEFAULT_GOAL := test
CARGO ?= cargo
PYTHON ?= python3

.PHONY: report
report: ## the main job: load the IOM data set and print the partnership report
	$(CARGO) run --quiet --example report

.PHONY: lint
lint: ## formatting and lints, warnings as errors
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(PYTHON) scripts/gen_codes.py --check

.PHONY: test-rust
test-rust: ## unit, integration, property and doc tests
	$(CARGO) test --workspace --locked

.PHONY: test
test: lint test-rust ## everything CI runs

.PHONY: codes
codes: ## regenerate the code tables from ../shared/iati/codelists
	$(PYTHON) scripts/gen_codes.py
