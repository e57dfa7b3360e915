"""The ``tfcompat-losses`` command (also ``python -m tfcompat_losses``).

Commands:
  migrate   rewrite tf.contrib.losses code to tfcompat_losses (see ``migrate --help``)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    try:
        from .migrate import cli
    except ModuleNotFoundError as e:  # libcst missing: say how to get it
        if e.name != "libcst":
            raise
        sys.stderr.write(f"tfcompat-losses: {e.msg}\n")
        return 2

    parser = argparse.ArgumentParser(
        prog="tfcompat-losses",
        description="tf.contrib.losses semantics on TensorFlow 2: command-line tools.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {cli._version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    reference = cli.build_parser()
    migrate = commands.add_parser(
        "migrate",
        help="rewrite tf.contrib.losses code to use tfcompat_losses",
        description=reference.description,
        epilog=reference.epilog,
    )
    cli.add_arguments(migrate)
    args = parser.parse_args(argv)
    return cli.execute(args)


if __name__ == "__main__":
    raise SystemExit(main())
