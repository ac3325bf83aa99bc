# The two commands a newcomer needs:
#   make demo   generate demo data, land it, build every week and print the result
#   make test   run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark
DEMO_LANDING   := data/demo-landing
DEMO_WAREHOUSE := warehouse/servicenorms.duckdb

.PHONY: demo test test-unit install install-spark lint parse bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The Spark engine (`servicenorms run --engine spark`): dbt-spark and PySpark, which
# the tests need (tests/e2e/test_cross_engine.py) and `make demo` does not.
$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,spark]"
	touch $(SPARK_STAMP)

install-spark: $(SPARK_STAMP)

# dbt needs a manifest before the orchestrator or the tests can load the project.
# A full parse (a few seconds): a partial parse saved by an older checkout can
# miss macros added since.
parse: install
	$(BIN)/dbt parse --quiet --no-partial-parse --project-dir . --profiles-dir profiles

demo: install
	rm -rf $(DEMO_LANDING)
	$(BIN)/servicenorms generate --out $(DEMO_LANDING) --sellers 300 --weeks 40 --start-week 2025-W40 --seed 7
	$(BIN)/servicenorms run --landing $(DEMO_LANDING) --warehouse $(DEMO_WAREHOUSE)

# Two worker processes (TEST_WORKERS=0: one process); a test module stays on one
# worker, in order (--dist loadscope), so its module fixtures are built once.
TEST_WORKERS ?= 2
test: parse lint install-spark
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope

# The tests without a dbt build (tests/unit), in seconds; tests/integration and
# tests/e2e build warehouses (make test runs all three).
test-unit: install
	$(BIN)/python -m pytest tests/unit

# Benchmarks (not part of the test suite): make bench SCALE=demo|tenth|bol
SCALE ?= demo
bench: parse
	$(BIN)/python -m bench.run --scale $(SCALE) --out bench-results --plot docs/benchmarks.png

lint: install
	$(BIN)/ruff check orchestration tests scripts bench

clean:
	rm -rf $(VENV) target logs warehouse data .pytest_cache
