# The two commands of the README:
#   make report   set up .venv and produce the full report suite on the bundled sample
#   make test     set up .venv if needed and run the whole test suite (lint included)
# Only Python 3.11+ is needed on the machine; everything else is installed into .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup report test lint lab sample clean-venv

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

report: setup
	$(BIN)/crm-workbook run --data data/sample --name sample

test: setup
	$(BIN)/ruff check crmlib tests notebooks benchmarks
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check crmlib tests notebooks benchmarks

lab: setup
	$(BIN)/jupyter lab notebooks/

sample: setup
	$(BIN)/crm-workbook sample --customers 6000 --seed 42 --out data/sample-new

clean-venv:
	rm -rf $(VENV)
