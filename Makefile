# posecoach: `make demo` and `make test` set up everything on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint lint-ruff lint-format lint-types lint-layers bench system-deps clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e ".[all,dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m posecoach.demo

system-deps:
	bash scripts/install-system-deps.sh

test: $(STAMP) system-deps
	$(PY) -m pytest -q -p no:cacheprovider

# `make lint` stops at the first failing check; `make -k lint` runs them all and still fails.
lint: lint-ruff lint-format lint-types lint-layers

lint-ruff: $(STAMP)
	$(VENV)/bin/ruff check src tests bench

lint-format: $(STAMP)
	$(VENV)/bin/ruff format --check src tests bench

lint-types: $(STAMP)
	$(VENV)/bin/mypy src/posecoach bench

# The layer contract lives in pyproject.toml under [tool.importlinter].
lint-layers: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache --no-logo pyproject.toml

bench: $(STAMP)
	for b in bench/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
