# The two commands of the README: `make demo` and `make test`.
# Each creates .venv on first use and installs what it needs; a second run
# reinstalls nothing (the stamp is newer than pyproject.toml).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-test
PYTEST := $(PY) -m pytest
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: demo test test-keras3 test-legacy lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q --upgrade pip
	$(PY) -m pip install --disable-pip-version-check -q -e '.[test]'
	touch $@

demo: $(STAMP)
	$(PY) examples/demo.py

lint: $(STAMP)
	$(PY) -m ruff check tfcompat_losses tests benchmarks examples
	$(PY) -m ruff format --check tfcompat_losses

# Whole suite under Keras 3, then the Keras and tf_slim tests again under
# tf_keras (Keras 2, TF_USE_LEGACY_KERAS=1).
test: lint test-keras3 test-legacy

test-keras3: $(STAMP)
	$(PYTEST) -n 2 tests tfcompat_losses

test-legacy: $(STAMP)
	TF_USE_LEGACY_KERAS=1 $(PYTEST) -n 2 tests -m "keras or tfslim"

bench: $(STAMP)
	$(PY) benchmarks/bench_losses.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
