"""Verbs of the ``masthead`` command line, one module per group (see ``masthead.cli``)."""

from __future__ import annotations

import argparse
from typing import Any

SubParsers = Any  # argparse._SubParsersAction, which is private
"""The object ``register(subparsers)`` receives."""


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """The ``-f/--config-file`` option every verb that reads the site shares."""
    parser.add_argument(
        "-f",
        "--config-file",
        default="mkdocs.yml",
        metavar="FILE",
        help="the site's MkDocs configuration (default: %(default)s)",
    )
