# The two commands of the README: `make demo` and `make test`; CI also runs
# `make test-oldest` (the oldest supported TensorFlow) and `make smoke` (the
# built wheel in a fresh venv).
# Each creates its venv on first use and installs what it needs; a second run
# reinstalls nothing (the stamp is newer than pyproject.toml). pip's output
# goes to the venv's install.log, printed only if the install fails.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-test
PYTEST := $(PY) -m pytest
# pytest-xdist workers; JOBS=1 on a machine shared with other work.
JOBS   ?= 2

# The oldest TensorFlow that pyproject.toml's `tensorflow>=2.16` admits,
# with its tf_keras and the numpy/ml_dtypes/protobuf it was built for.
OLDEST_VENV  := .venv-oldest
OLDEST_PY    := $(OLDEST_VENV)/bin/python
OLDEST_STAMP := $(OLDEST_VENV)/.installed-test
OLDEST_PINS  := .ci/oldest-constraints.txt
# What reads TensorFlow internals or depends on the Keras flavour: the golden
# vectors in all four modes, the tf_slim (contrib) differential tests,
# collections, Keras (both flavours) and tf.distribute.
OLDEST_TESTS := tests/test_golden.py tests/test_modes.py \
	tests/test_differential_slim.py tests/test_metric_learning_slim.py \
	tests/test_collection.py tests/test_legacy.py \
	tests/test_keras.py tests/test_keras_model.py tests/test_keras_metric_learning.py \
	tests/test_distribute.py tests/test_distribute_keras.py tests/test_multiworker.py

export TF_CPP_MIN_LOG_LEVEL ?= 2
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_ROOT_USER_ACTION := ignore
PIP_QUIET := -q --no-input

# $(call install,VENV,PIP ARGS): pip into VENV, its output in VENV/install.log.
define install
	@echo "$(1): pip install $(2)   (log: $(1)/install.log)"
	@$(1)/bin/python -m pip install $(PIP_QUIET) $(2) >>$(1)/install.log 2>&1 \
		|| { cat $(1)/install.log; echo "pip install failed; see above"; exit 1; }
endef

.PHONY: demo test test-keras3 test-legacy test-oldest smoke lint bench clean

$(PY):
	@$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(call install,$(VENV),--upgrade pip)
	$(call install,$(VENV),-e '.[test]')
	@touch $@

demo: $(STAMP)
	@TF_CPP_MIN_LOG_LEVEL=3 $(PY) examples/demo.py

lint: $(STAMP)
	$(PY) -m ruff check tfcompat_losses tests benchmarks examples
	$(PY) -m ruff format --check tfcompat_losses
	$(PY) -m mypy tfcompat_losses

# Whole suite under Keras 3, then the Keras and tf_slim tests again under
# tf_keras (Keras 2, TF_USE_LEGACY_KERAS=1). The packaging tests are `make smoke`.
test: lint test-keras3 test-legacy

test-keras3: $(STAMP)
	$(PYTEST) -n $(JOBS) tests tfcompat_losses -m "not packaging"

test-legacy: $(STAMP)
	TF_USE_LEGACY_KERAS=1 $(PYTEST) -n $(JOBS) tests -m "(keras or tfslim) and not packaging"

$(OLDEST_PY):
	@$(PYTHON) -m venv $(OLDEST_VENV)

$(OLDEST_STAMP): pyproject.toml $(OLDEST_PINS) | $(OLDEST_PY)
	$(call install,$(OLDEST_VENV),--upgrade pip)
	$(call install,$(OLDEST_VENV),-c $(OLDEST_PINS) -e '.[test]')
	@touch $@

# The same tests on the oldest supported TensorFlow, under Keras 3 and tf_keras.
test-oldest: $(OLDEST_STAMP)
	$(OLDEST_PY) -c "import tensorflow as tf, tf_keras; \
		assert tf.__version__.startswith('2.16.'), tf.__version__; \
		assert tf_keras.__version__.startswith('2.16.'), tf_keras.__version__; \
		print('oldest lane: TensorFlow', tf.__version__, '/ tf_keras', tf_keras.__version__)"
	$(OLDEST_PY) -m pytest -n $(JOBS) $(OLDEST_TESTS)
	TF_USE_LEGACY_KERAS=1 $(OLDEST_PY) -m pytest -n $(JOBS) $(OLDEST_TESTS) -m "keras or tfslim"

# Builds the sdist and the wheel (from the sdist), installs the wheel into a
# fresh venv without the test extras and runs it there (tests/test_packaging.py).
smoke: $(STAMP)
	$(PYTEST) -p no:cacheprovider tests/test_packaging.py -m packaging

bench: $(STAMP)
	$(PY) benchmarks/bench_losses.py

clean:
	rm -rf $(VENV) $(OLDEST_VENV) .pytest_cache .hypothesis .mypy_cache build dist *.egg-info
