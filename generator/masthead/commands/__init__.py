"""Verbs of the ``masthead`` command line, one module per group (see ``masthead.cli``)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
from collections.abc import Iterator
from datetime import date
from typing import Any

SubParsers = Any  # argparse._SubParsersAction, which is private
"""The object ``register(subparsers)`` receives."""


def day(text: str) -> date:
    """An argparse type: a date like 2022-12-31."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date like 2022-12-31, got {text!r}") from exc


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """The ``-f/--config-file`` option every verb that reads the site shares."""
    parser.add_argument(
        "-f",
        "--config-file",
        default="mkdocs.yml",
        metavar="FILE",
        help="the site's MkDocs configuration (default: %(default)s)",
    )


@contextlib.contextmanager
def quiet_mkdocs() -> Iterator[None]:
    """MkDocs' warnings and errors (not its INFO lines) on stderr while a verb loads or builds
    the site; the logger's level and handlers are put back afterwards (the verbs also run
    inside other programs)."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    log = logging.getLogger("mkdocs")
    level, handlers = log.level, list(log.handlers)
    if not any(isinstance(h, logging.StreamHandler) for h in log.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)
        log.handlers[:] = handlers
