"""A legacy corpus, migrated and executed: same numbers as the contrib code.

Each module of ``corpus/`` runs twice:

- as written, in a TF1 graph and session, where ``import tensorflow`` gives
  ``tensorflow.compat.v1`` with a ``contrib`` whose ``losses`` (also
  ``contrib.slim.losses`` and ``tf_slim.losses``) is ``tf_slim.losses``, the
  contrib loss code, behind a shim accepting the TF 0.x spellings it had
  dropped by TF 1.15 (``weight=``, ``targets=``, ``sum_of_squares`` ...);
- after ``tfcompat-losses migrate``, with the real imports: eagerly, as a
  ``tf.function`` and in a TF1 graph, through ``tfcompat_losses``.

``regularizers_by_hand.py`` and ``core_losses_with_slim.py`` are the two
patterns of real TF1 code that lost losses silently in eager mode before the
migration rewrote every writer of the loss collections (``tf.add_to_collection``
of ``REGULARIZATION_LOSSES``, TF1's core ``tf.losses``); the second needs
``tfcompat_losses.v1``.

A module whose migrated code needs something ``tfcompat_losses`` does not
provide yet (the collection emulator, ``metric_learning``) is skipped, and
says what is missing.
"""

from __future__ import annotations

import builtins
import functools
import re
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tfcompat_losses.migrate import migrate_source

# These run the migrated code, so they need TensorFlow (the rest of the
# migration tests do not).
tf = pytest.importorskip("tensorflow")

CORPUS = Path(__file__).parent / "corpus"
MODULES = sorted(p.name for p in CORPUS.glob("*.py"))

pytestmark = pytest.mark.tfslim

# TF 0.x spellings contrib accepted before TF 1.0 (the oracle's own table,
# independent of the migration rules).
_OLD_KEYWORDS = {"weight": "weights", "targets": "labels", "target": "labels", "dim": "axis"}
_OLD_NAMES = {
    "sum_of_squares": "mean_squared_error",
    "sum_of_pairwise_squares": "mean_pairwise_squared_error",
    "log": "log_loss",
}


def _accept_old_keywords(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **{_OLD_KEYWORDS.get(k, k): v for k, v in kwargs.items()})

    return wrapper


class _Shim(types.ModuleType):
    """A module whose attributes come from ``target`` (functions wrapped)."""

    def __init__(self, name: str, target: Any, **extra: Any) -> None:
        super().__init__(name)
        self._target = target
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, _OLD_NAMES.get(name, name))
        return _accept_old_keywords(value) if callable(value) else value


def _tf1_world() -> Callable[..., Any]:
    """An ``__import__`` that gives TF 1.x-era modules backed by tf_slim."""
    slim_losses_mod = pytest.importorskip("tf_slim.losses")
    import tf_slim

    ml = _Shim("tensorflow.contrib.losses.metric_learning", slim_losses_mod.metric_learning)
    contrib_losses = _Shim("tensorflow.contrib.losses", slim_losses_mod, metric_learning=ml)
    slim = _Shim("tensorflow.contrib.slim", tf_slim, losses=contrib_losses)
    contrib = types.SimpleNamespace(losses=contrib_losses, slim=slim)
    tf1 = _Shim("tensorflow", tf.compat.v1, contrib=contrib)
    tf1.compat = types.SimpleNamespace(v1=tf1)  # type: ignore[attr-defined]
    roots = {"tensorflow": tf1, "tf_slim": slim}
    real_import = builtins.__import__

    def fake_import(name: str, globals=None, locals=None, fromlist=(), level=0):  # type: ignore[no-untyped-def]
        root, *rest = name.split(".")
        if level or root not in roots:
            return real_import(name, globals, locals, fromlist, level)
        module = roots[root]
        if not fromlist:
            return module
        for part in rest:
            module = getattr(module, part)
        return module

    return fake_import


def _migrated_world() -> Callable[..., Any]:
    """Real imports, except ``tensorflow.contrib.slim`` -> ``tf_slim``: slim
    itself is outside this migration (only ``slim.losses`` is rewritten)."""
    tf_slim = pytest.importorskip("tf_slim")
    real_import = builtins.__import__

    def fake_import(name: str, globals=None, locals=None, fromlist=(), level=0):  # type: ignore[no-untyped-def]
        if not level and name == "tensorflow.contrib.slim":
            return types.SimpleNamespace(contrib=types.SimpleNamespace(slim=tf_slim))
        if not level and name == "tensorflow.contrib" and fromlist == ("slim",):
            return types.SimpleNamespace(slim=tf_slim)
        return real_import(name, globals, locals, fromlist, level)

    return fake_import


def _load(source: str, importer: Callable[..., Any] | None = None) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "corpus_module"}
    if importer is not None:
        namespace["__builtins__"] = {**builtins.__dict__, "__import__": importer}
    exec(compile(source, "<corpus>", "exec"), namespace)
    return namespace


def _run_graph(namespace: dict[str, Any]) -> dict[str, np.ndarray]:
    with tf.Graph().as_default() as g:
        data = {k: tf.constant(v) for k, v in namespace["inputs"]().items()}
        out = namespace["losses"](data)
        with tf.compat.v1.Session(graph=g) as sess:
            return sess.run(out)


def _run_eager(namespace: dict[str, Any], compiled: bool = False) -> dict[str, np.ndarray]:
    """One training step's losses, eagerly or as a ``tf.function``, in a fresh
    collection (as a fresh process, or a loop with a scope per step, has)."""
    import tfcompat_losses

    data = {k: tf.constant(v) for k, v in namespace["inputs"]().items()}
    step = tf.function(namespace["losses"]) if compiled else namespace["losses"]
    with tfcompat_losses.collection_scope():
        return {k: v.numpy() for k, v in step(data).items()}


_MISSING = re.compile(
    r"module 'tfcompat_losses(?:\.\w+)*' has no attribute '\w+'"
    r"|No module named 'tfcompat_losses\.\w+'"
    r"|cannot import name '\w+' from 'tfcompat_losses"
)


def _skip_if_not_provided(error: Exception) -> None:
    m = _MISSING.search(str(error))
    if m:
        pytest.fail(f"tfcompat_losses does not provide this: {m.group()}")


@functools.cache
def _expected(name: str) -> dict[str, np.ndarray]:
    source = (CORPUS / name).read_text()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _run_graph(_load(source, _tf1_world()))


@pytest.mark.parametrize("mode", ["eager", "function", "graph"])
@pytest.mark.parametrize("name", MODULES)
def test_migrated_corpus_gives_contrib_numbers(name: str, mode: str) -> None:
    source = (CORPUS / name).read_text()
    result = migrate_source(source, name)
    assert result.error is None and result.changed
    code = re.sub(r"#.*|\"\"\"[\s\S]*?\"\"\"", "", result.output)
    assert not re.search(r"contrib\.losses|slim\.losses|import losses", code)
    expected = _expected(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            namespace = _load(result.output, _migrated_world())
            if mode == "graph":
                got = _run_graph(namespace)
            else:
                got = _run_eager(namespace, compiled=mode == "function")
        except (AttributeError, ImportError) as e:
            _skip_if_not_provided(e)
            raise
    assert got.keys() == expected.keys()
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=2e-5, atol=1e-6, err_msg=key)


def test_corpus_originals_run_on_the_contrib_code() -> None:
    """The oracle itself works (and the corpus is not trivially zero)."""
    for name in MODULES:
        values = _expected(name)
        assert values and any(np.any(np.asarray(v) != 0) for v in values.values()), name
