"""Speed of ``tfcompat-losses migrate`` on a generated tree of legacy modules.

Generates N modules of ~200 lines each (default 1,000) in a temporary
directory and times:

1. the engine alone, one process: read + migrate every file (no write);
   this gives files per CPU-second;
2. the command line as a user runs it, in a fresh interpreter
   (``python -m tfcompat_losses migrate --write -q DIR``: start-up and
   imports included, worker processes, one per CPU) on a legacy tree, where
   every module uses the contrib API in a mix of spellings
   (``tf.contrib.losses``, import aliases, module aliases, ``slim.losses``,
   metric learning, old keywords, loss collections); ``--repeat`` times on a
   fresh copy of the tree, and once with ``--jobs 1``;
3. the command line, ``migrate --check -q DIR``, on a tree where one module
   in ten is legacy (the others are skipped by the textual pre-check).

CPU seconds of a command include its worker processes. Target: more than
100 files/s wall clock on a legacy tree (the command line, row 2). Run::

    python benchmarks/bench_migrate.py            # 1,000 files
    python benchmarks/bench_migrate.py --quick    # 100 files
"""

from __future__ import annotations

import argparse
import ast
import gc
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

TARGET_FILES_PER_S = 100.0

_IMPORT_FORMS = (
    ("from tensorflow.contrib import losses as L", "L"),
    ("import tensorflow.contrib.losses as L", "L"),
    ("from tensorflow.contrib import losses", "losses"),
    ("import tf_slim.losses as L", "L"),
    ("", "tf.contrib.losses"),
)
_SLIM_FORMS = (
    "import tensorflow.contrib.slim as slim",
    "import tf_slim as slim",
    "slim = tf.contrib.slim",
    "from tensorflow.contrib import slim",
)

_LOSS_CALLS = (
    "{m}.softmax_cross_entropy(logits, onehot, weight=w)",
    "{m}.sparse_softmax_cross_entropy(logits, labels, weights=w)",
    "{m}.sum_of_squares(pred, targets=y, weight=w)",
    "{m}.mean_squared_error(pred, y, weights=w)",
    "{m}.absolute_difference(pred, targets=y)",
    "{m}.log_loss(prob, targets=y, weight=w, epsilon=1e-6)",
    "{m}.hinge_loss(logits, target=y)",
    "{m}.cosine_distance(unit_p, unit_y, dim=1, weight=w)",
    "{m}.sigmoid_cross_entropy(logits, multi_hot, weight=w, label_smoothing=0.1)",
    "{m}.mean_pairwise_squared_error(pred, y, weights=w)",
    "{m}.compute_weighted_loss(per_example, weight=w)",
    "{m}.metric_learning.triplet_semihard_loss(labels, embeddings)",
    "{m}.npairs_loss(labels, anchor, positive)",
)
_PLAIN_LINES = (
    "h = tf.nn.relu(tf.matmul(x, kernel) + bias)",
    "logits = tf.matmul(h, out_kernel)  # [batch, classes]",
    "prob = tf.nn.softmax(logits)",
    "pred = tf.squeeze(tf.matmul(h, reg_kernel), axis=-1)",
    "unit_p = tf.nn.l2_normalize(pred, axis=1)",
    "mask = tf.cast(tf.greater(w, 0.0), tf.float32)",
    "acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), labels), tf.float32))",
    "tf.summary.scalar('accuracy', acc)",
    "scale = np.float32(0.5) * tf.reduce_sum(mask)",
)


def legacy_module(seed: int, lines: int = 200) -> str:
    """A TF1-era module of about ``lines`` lines using the contrib loss API."""
    rng = random.Random(seed)
    import_line, mod = rng.choice(_IMPORT_FORMS)
    out = [
        "# Copyright 2017 The Example Authors. All Rights Reserved.",
        "#",
        "# Licensed under the Apache License, Version 2.0.",
        f'"""Training losses for model variant {seed}."""',
        "",
        "from __future__ import absolute_import",
        "from __future__ import division",
        "",
        "import numpy as np",
        "import tensorflow as tf",
    ]
    if import_line:
        out.append(import_line)
    out.append(rng.choice(_SLIM_FORMS))
    out += ["", "LOSS_WEIGHT = 0.1  # relative weight of the auxiliary head", ""]
    if rng.random() < 0.3:
        out += ["contrib_losses = tf.contrib.losses", ""]
    k = 0
    while len(out) < lines - 12:
        k += 1
        out += ["", f"def tower_loss_{k}(x, onehot, labels, y, w, kernel, bias):"]
        out.append(f'    """Loss of tower {k}: cross-entropy plus regression."""')
        for _ in range(rng.randint(2, 4)):
            out.append("    " + rng.choice(_PLAIN_LINES))
        total = []
        for j in range(rng.randint(1, 3)):
            call = rng.choice(_LOSS_CALLS).format(m=rng.choice([mod, "slim.losses"]))
            if rng.random() < 0.2:
                out.append(f"    # loss term {j}: see the design doc")
            out.append(f"    loss_{j} = {call}")
            total.append(f"loss_{j}")
        r = rng.random()  # a loss-collection call in one function in five
        if r < 0.08:
            out.append("    tf.add_to_collection(tf.GraphKeys.LOSSES, loss_0)")
        elif r < 0.16:
            out.append(
                "    reg = tf.add_n(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES) or [0.0])"
            )
            total.append("LOSS_WEIGHT * reg")
        elif r < 0.2:
            out += [
                "    for extra in tf.get_collection(",
                f"            tf.GraphKeys.LOSSES, scope='tower_{k}'):  # collected above",
                "        loss_0 += extra",
            ]
        out.append(f"    return {' + '.join(total)}")
        if rng.random() < 0.15:
            out += [
                "",
                "",
                f"class Head{k}(object):",
                "    def __init__(self, tf):",
                "        self.tf = tf  # a parameter named tf: never rewritten",
                "",
                "    def loss(self, p, y):",
                "        return self.tf.contrib.losses.log_loss(p, y)",
            ]
        out.append("")
    out += [
        "",
        "def total_loss():",
        "    return tf.contrib.losses.get_total_loss(add_regularization_losses=True)",
    ]
    return "\n".join(out) + "\n"


def clean_module(seed: int, lines: int = 200) -> str:
    """A module of the same size that does not use the legacy API."""
    rng = random.Random(seed)
    out = [f'"""Plain TF2 module {seed}."""', "", "import numpy as np", "import tensorflow as tf"]
    k = 0
    while len(out) < lines - 4:
        k += 1
        out += ["", "", f"def block_{k}(x, kernel, bias, w):", f'    """Block {k}."""']
        for _ in range(rng.randint(3, 8)):
            out.append("    " + rng.choice(_PLAIN_LINES).replace("tf.summary.scalar", "print"))
        out.append("    return h")
    return "\n".join(out) + "\n"


def generate(root: Path, n: int, legacy_every: int = 1) -> list[Path]:
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        sub = root / f"pkg_{i // 100:02d}"
        sub.mkdir(exist_ok=True)
        p = sub / f"module_{i:04d}.py"
        legacy = i % legacy_every == 0
        p.write_text(legacy_module(i) if legacy else clean_module(i), encoding="utf-8")
        paths.append(p)
    return paths


def _cpu() -> float:
    """CPU seconds used by this process and its finished children (and theirs)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class _Timer:
    def __enter__(self) -> _Timer:
        self.wall, self.cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = _cpu() - self.cpu


def _row(label: str, n: int, t: _Timer, extra: str = "") -> str:
    return (
        f"{label:<40} {n / t.wall:7.1f} files/s wall  {n / t.cpu:7.1f} files/CPU-s"
        f"  ({n} files, {t.wall:.2f} s wall, {t.cpu:.2f} s CPU){extra}"
    )


def command(*args: str) -> tuple[_Timer, int]:
    """Runs ``python -m tfcompat_losses migrate ARGS`` as a user would."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    with _Timer() as t:
        done = subprocess.run(
            [sys.executable, "-m", "tfcompat_losses", "migrate", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    if done.stderr:
        print(done.stderr, end="", file=sys.stderr)
    return t, done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000, help="modules to generate")
    parser.add_argument("--quick", action="store_true", help="100 files")
    parser.add_argument("--jobs", type=int, default=0, help="CLI worker processes (0: auto)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the CLI on the legacy tree")
    args = parser.parse_args(argv)
    n = 100 if args.quick else args.files

    from tfcompat_losses.migrate import cli, migrate_bytes

    gc.freeze()  # as the command line does

    tmp = Path(tempfile.mkdtemp(prefix="bench_migrate_"))
    try:
        legacy = generate(tmp / "legacy", n)
        lines = sum(p.read_text().count("\n") for p in legacy)
        print(f"generated {n} legacy modules, {lines / n:.0f} lines each on average")
        data = [(p.read_bytes(), str(p)) for p in legacy]

        with _Timer() as parse_t:
            for raw, _ in data:
                ast.parse(raw)
        with _Timer() as engine_t:
            results = [migrate_bytes(raw, path) for raw, path in data]
        changed = sum(r.changed for r in results)
        errors = [r for r in results if r.error]
        for r in results:
            ast.parse(r.output)
        notes = sum(len(r.notes) for r in results)
        print(f"  {changed} changed, {len(errors)} errors, {notes} notes, outputs parse")
        if errors:
            print(f"  first error: {errors[0].path}: {errors[0].error}")

        jobs = ["--jobs", str(args.jobs)]
        runs: list[tuple[_Timer, int]] = []
        for i in range(max(1, args.repeat)):
            tree = tmp / f"legacy_write_{i}"
            shutil.copytree(tmp / "legacy", tree)
            runs.append(command(str(tree), "--write", "-q", *jobs))
        tree = tmp / "legacy_write_serial"
        shutil.copytree(tmp / "legacy", tree)
        write1_t, rc_write1 = command(str(tree), "--write", "-q", "--jobs", "1")
        written = [r.output_bytes() for r in results]
        assert [p.read_bytes() for p in sorted(tree.rglob("*.py"))] == written

        generate(tmp / "mixed", n, legacy_every=10)
        check_t, rc_check = command(str(tmp / "mixed"), "--check", "-q", *jobs)

        n_jobs = cli._jobs(args.jobs, n)
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
        print(_row("ast.parse alone (reference)", n, parse_t))
        print(_row("engine, legacy tree, 1 process", n, engine_t))
        print(_row("CLI --write, legacy tree, --jobs 1", n, write1_t, f"  exit {rc_write1}"))
        for i, (t, rc) in enumerate(runs, 1):
            print(_row(f"CLI --write, legacy tree, {n_jobs} jobs #{i}", n, t, f"  exit {rc}"))
        print(_row(f"CLI --check, 10% legacy, {n_jobs} jobs", n, check_t, f"  exit {rc_check}"))
        print(
            f"\nmigration costs {engine_t.cpu / parse_t.cpu:.1f}x a bare ast.parse of the same files"
        )
        walls = [n / t.wall for t, _ in runs]
        wall = statistics.median(walls)
        per_cpu = n / engine_t.cpu
        print(
            f"legacy tree, target {TARGET_FILES_PER_S:.0f} files/s wall: the command line "
            f"{wall:.0f} files/s (median of {len(walls)}; best {max(walls):.0f}) "
            f"({'met' if wall > TARGET_FILES_PER_S else 'NOT met'} at this load); "
            f"engine {per_cpu:.0f} files per CPU-second"
        )
        return 0 if all(rc == 0 for _, rc in runs) and rc_write1 == 0 else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
