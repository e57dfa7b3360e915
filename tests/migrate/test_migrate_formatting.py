"""Everything outside the rewritten spans stays byte-for-byte identical."""

from __future__ import annotations

import textwrap

import pytest
from _migrate_helpers import check, check_noop, comments

from tfcompat_losses.migrate import migrate_bytes, migrate_source

NOOP = {
    "empty": "",
    "only_comments": "# tf.contrib.losses.log_loss\n",
    "plain_tf2": "import tensorflow as tf\nx = tf.keras.losses.MeanSquaredError()(y, p)\n",
    "other_contrib": "import tensorflow as tf\ny = tf.contrib.layers.flatten(x)\n",
    "slim_without_losses": "import tf_slim as slim\nnet = slim.fully_connected(x, 10)\n",
    "already_migrated": "import tfcompat_losses\nx = tfcompat_losses.log_loss(p, y, weights=w)\n",
    "docstring_mentions": '"""Uses tf.contrib.losses.log_loss(weight=w) in TF1."""\n',
    "weird_but_valid": "import tensorflow as tf\nx = tf . contrib\ny = (lambda: 0)()\n",
}


@pytest.mark.parametrize("source", list(NOOP.values()), ids=list(NOOP))
def test_no_op_files_are_byte_identical(source: str) -> None:
    check_noop(source)


def test_pre_check_skips_unrelated_files() -> None:
    assert migrate_source("import os\nprint(os.sep)\n").skipped
    assert not migrate_source("import tensorflow as tf\ntf.contrib\n").skipped


def test_comments_blank_lines_and_spacing_survive() -> None:
    before = textwrap.dedent(
        """\
        #!/usr/bin/env python
        # -*- coding: utf-8 -*-
        \"\"\"A TF1 model.\"\"\"

        import tensorflow as tf   # aligned comment
        from tensorflow.contrib import losses as L  # the legacy API


        def model(x,   y,
                  w):  # odd spacing is kept
            # the classifier head
            logits = tf.layers.dense( x , 10 )
            xent = L.softmax_cross_entropy( logits , y , weight = w )  # [B] weights
            reg = tf.contrib.losses.sum_of_squares(
                logits,    # predictions
                targets=y, # no space before this comment
            )

            return xent+reg   # no spaces around +
        """
    )
    after = (
        before.replace("from tensorflow.contrib import losses as L", "import tfcompat_losses as L")
        .replace("weight = w", "weights = w")
        .replace("tf.contrib.losses.sum_of_squares", "tfcompat_losses.sum_of_squares")
        .replace("targets=y", "labels=y")
        .replace("the legacy API\n", "the legacy API\nimport tfcompat_losses\n")
    )
    check(before, after)


def test_tabs_form_feeds_and_trailing_whitespace() -> None:
    before = "import tensorflow as tf \t\n\x0c\ndef f():\n\tx = tf.contrib.losses.log_loss(p,\n\t\ty)  \n\treturn x\n"
    result = migrate_source(before)
    assert result.output == (
        "import tensorflow as tf \t\nimport tfcompat_losses\n\x0c\ndef f():\n"
        "\tx = tfcompat_losses.log_loss(p,\n\t\ty)  \n\treturn x\n"
    )


def test_crlf_kept() -> None:
    result = migrate_bytes(
        b"import tensorflow as tf\r\nx = tf.contrib.losses.hinge_loss(a, target=b)\r\n", "t.py"
    )
    assert result.output_bytes() == (
        b"import tensorflow as tf\r\nimport tfcompat_losses\r\n"
        b"x = tfcompat_losses.hinge_loss(a, labels=b)\r\n"
    )


def test_declared_encoding_kept() -> None:
    data = (
        "# -*- coding: latin-1 -*-\nimport tensorflow as tf\n"
        "s = 'café'; x = tf.contrib.losses.log_loss(p, y)  # é\n"
    ).encode("latin-1")
    result = migrate_bytes(data, "t.py")
    assert result.encoding == "iso-8859-1"
    assert result.output_bytes() == data.replace(b"tf.contrib.losses", b"tfcompat_losses").replace(
        b"as tf\n", b"as tf\nimport tfcompat_losses\n"
    )


def test_bom_kept() -> None:
    data = "\ufeffimport tensorflow as tf\nx = 'é'; y = tf.contrib.losses.log_loss(p, q)\n".encode()
    result = migrate_bytes(data, "t.py")
    assert result.output_bytes().startswith(
        b"\xef\xbb\xbfimport tensorflow as tf\nimport tfcompat_losses\n"
    )
    assert result.output_bytes().endswith("x = 'é'; y = tfcompat_losses.log_loss(p, q)\n".encode())


def test_non_ascii_before_the_rewritten_span() -> None:
    check(
        "import tensorflow as tf\nx = ('ünïcödé', tf.contrib.losses.log_loss(p, y, weight=w))\n",
        "import tensorflow as tf\nimport tfcompat_losses\n"
        "x = ('ünïcödé', tfcompat_losses.log_loss(p, y, weights=w))\n",
    )


@pytest.mark.parametrize(
    "source",
    [
        "import tensorflow as tf\nprint 'py2', tf.contrib.losses.log_loss(p, y)\n",
        "import tensorflow as tf\nx = tf.contrib.losses.log_loss(p,\n",
        "import tensorflow as tf\n\tx = tf.contrib.losses.log_loss(p, y)\n",
        "import tensorflow as tf\nx = tf.contrib.losses.log_loss(p, y)\0\n",
    ],
    ids=["python2", "unclosed", "bad_indent", "null_byte"],
)
def test_syntax_errors_reported_and_untouched(source: str) -> None:
    result = migrate_source(source, "bad.py")
    assert result.status == "error"
    assert result.error is not None and result.error.startswith("cannot parse")
    assert result.output == source
    assert not result.changed


def test_undecodable_file_reported() -> None:
    result = migrate_bytes(b"import tensorflow as tf\nx = '\xff\xfe'\n", "bad.py")
    assert result.status == "error" and "cannot decode" in (result.error or "")


def test_comment_counter_helper() -> None:
    assert comments("x = 1  # a\n# b\ns = '# not a comment'\n") == {"# a": 1, "# b": 1}


def test_arguments_aligned_to_the_parenthesis_stay_aligned() -> None:
    # tf.contrib.losses. -> tfcompat_losses. is 3 characters shorter.
    check(
        """\
        import tensorflow as tf
        loss = tf.contrib.losses.log_loss(predictions,
                                          labels,  # aligned
                                          weight=w)
        hanging = tf.contrib.losses.log_loss(
            predictions, labels)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        loss = tfcompat_losses.log_loss(predictions,
                                        labels,  # aligned
                                        weights=w)
        hanging = tfcompat_losses.log_loss(
            predictions, labels)
        """,
    )


def test_alignment_when_the_prefix_grows_and_in_nested_calls() -> None:
    # tf.losses. -> tfcompat_losses.v1. is 9 characters longer.
    check(
        """\
        import tensorflow as tf
        x = tf.losses.softmax_cross_entropy(onehot,
                                            tf.contrib.losses.log_loss(p,
                                                                       y),
                                            weights=w)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        import tfcompat_losses.v1
        x = tfcompat_losses.v1.softmax_cross_entropy(onehot,
                                                     tfcompat_losses.log_loss(p,
                                                                              y),
                                                     weights=w)
        """,
    )


def test_alignment_never_touches_strings_or_tabs() -> None:
    check(
        "import tensorflow as tf\n"
        'x = tf.contrib.losses.log_loss("""a\n'
        '                               b""",\n'
        "                               y)\n"
        "z = tf.contrib.losses.log_loss(p,\n"
        "\t\t\t\ty)\n",
        "import tensorflow as tf\n"
        "import tfcompat_losses\n"
        'x = tfcompat_losses.log_loss("""a\n'
        '                               b""",\n'
        "                             y)\n"
        "z = tfcompat_losses.log_loss(p,\n"
        "\t\t\t\ty)\n",
    )


def test_alignment_inside_a_rewritten_collection_call() -> None:
    check(
        """\
        import tensorflow as tf
        tf.add_to_collection(tf.GraphKeys.LOSSES, tf.contrib.losses.log_loss(p,
                                                                             y))
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        tfcompat_losses.add_loss(tfcompat_losses.log_loss(p,
                                                          y))
        """,
    )


def test_alignment_when_a_metric_learning_name_moves() -> None:
    check(
        """\
        import tensorflow.contrib.losses as L
        x = L.npairs_loss(labels,
                          anchor, positive)
        """,
        """\
        import tfcompat_losses as L
        import tfcompat_losses.metric_learning
        x = L.metric_learning.npairs_loss(labels,
                                          anchor, positive)
        """,
    )
