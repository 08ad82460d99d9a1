"""The ``masthead`` command line: one entry point, one module per group of verbs.

Each module in :data:`COMMAND_MODULES` has ``register(subparsers)`` that adds
its verbs; a verb's handler takes the parsed arguments and returns the exit
code. Errors of bad input (:class:`~masthead.errors.MastheadError`) are shown
as one line naming the file and line, with exit code 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__
from .errors import MastheadError

COMMAND_MODULES: tuple[str, ...] = (
    "masthead.commands.init",
    "masthead.commands.site",
    "masthead.commands.new",
    "masthead.commands.diagrams",
    "masthead.commands.email",
    "masthead.commands.reading",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="masthead",
        description=(
            "One Markdown source for a technical blog, a newsletter archive and "
            "an email-ready issue for every newsletter issue."
        ),
        epilog="Run 'masthead COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"masthead {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        # A group without its verb (``masthead reading``) prints that group's help.
        (getattr(args, "group_parser", None) or parser).print_help(sys.stderr)
        return 2
    try:
        return int(handler(args) or 0)
    except MastheadError as exc:
        print(f"masthead: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("masthead: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
