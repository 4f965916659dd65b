# The two commands of the README: `make demo` and `make test`.
# Each creates .venv and installs what it needs on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
DEMO_DIR ?= 演示县

.PHONY: demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/weijian demo $(DEMO_DIR) --force

test: $(VENV)/.installed-test
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-test
	$(BIN)/python bench/rollups.py

clean:
	rm -rf $(VENV) $(DEMO_DIR)
