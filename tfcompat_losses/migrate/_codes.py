"""The catalogue of report notes: one code per kind of call-site remark.

``TCL1xx`` are semantic notes on code that *was* migrated (the numbers are
contrib's, which is not what a native TF2 / Keras loss would give);
``TCL2xx`` concern old keyword spellings; ``TCL3xx`` are references left
alone because rewriting them would not be provably right; ``TCL4xx`` concern
loss collections; ``TCL5xx`` are about TF1's core ``tf.losses`` (not contrib),
where the migration could not prove which API a name means.

Messages are ``str.format`` templates; ``{symbol}`` is the name at the call
site and the rules supply any other field.
"""

from __future__ import annotations

__all__ = ["CODES", "message"]

CODES: dict[str, str] = {
    # Semantics kept from contrib.
    "TCL101": (
        "{symbol} returns the unreduced, unweighted per-element loss and does not add "
        "it to the loss collection (as in contrib); tf.keras.losses.Hinge averages it"
    ),
    "TCL102": (
        "{symbol}: contrib formula kept (per-sample n denominators, summed over the "
        "batch); native TF2 (tf.compat.v1.losses.mean_pairwise_squared_error) "
        "differs by n/(n-1)"
    ),
    "TCL103": (
        "{symbol} expects unit-normalised inputs and removes the reduced axis, as in "
        "contrib; tf.keras.losses.CosineSimilarity normalises and returns the "
        "negative similarity"
    ),
    # Old keywords.
    "TCL201": (
        "{symbol}: passes both {old}= and {new}=; left unchanged (tfcompat_losses "
        "raises ValueError for this call, as contrib's signature would not accept it)"
    ),
    "TCL202": (
        "{symbol}: {old}= not renamed because the call also has *args; the old "
        "spelling still works (with a DeprecationWarning)"
    ),
    "TCL203": (
        "{symbol}: keywords passed through **kwargs are not renamed; old spellings "
        "still work (with a DeprecationWarning)"
    ),
    # Left alone.
    "TCL301": "{symbol} is not part of the API tfcompat_losses provides; left unchanged",
    "TCL302": "{symbol}: comment or parenthesis inside the dotted name; rewrite it by hand",
    "TCL303": "{symbol}: assignment to an attribute of the legacy module; left unchanged",
    "TCL304": (
        "star import from {module}: calls through it keep their old keywords (still "
        "accepted) and metric-learning names now live in tfcompat_losses.metric_learning"
    ),
    "TCL305": "{symbol}: relative or dynamic import of the legacy module; not rewritten",
    # Collections.
    "TCL401": (
        "{symbol} -> {new}: the tfcompat_losses loss collection, which (unlike the "
        "graph collection) also works in eager mode and inside tf.function"
    ),
    "TCL402": (
        "{symbol}: TensorFlow's own {key} collection, outside a call the migration "
        "rewrites; left unchanged: in eager mode and inside tf.function, a loss added "
        "to it here is missing from tfcompat_losses.get_total_loss(), and reading it "
        "here misses the losses tfcompat_losses added"
    ),
    "TCL403": (
        "{symbol}({key}, ...): {reason}; left unchanged: in eager mode and inside "
        "tf.function it does not see (or add to) the tfcompat_losses collection"
    ),
    # Not contrib.
    "TCL501": (
        "{symbol}: in TF2, tf.losses is tf.keras.losses and this is Keras' {name}; in "
        "TF1 code it is tf.compat.v1.losses.{name}, which adds its loss to the graph "
        "collection only, so in eager mode and inside tf.function "
        "tfcompat_losses.get_total_loss() would miss it. Nothing in this module proves "
        "it is TF1 code; left unchanged (if it is, spell it tf.compat.v1.losses.{name} "
        "and migrate again: it becomes tfcompat_losses.v1.{name})"
    ),
}


def message(code: str, **fields: str) -> str:
    """The text of note ``code`` with its fields filled in.

    >>> message("TCL301", symbol="tf.contrib.losses.foo")
    'tf.contrib.losses.foo is not part of the API tfcompat_losses provides; left unchanged'
    """
    return CODES[code].format(**fields)
