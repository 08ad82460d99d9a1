"""The programs a diagram render needs: Graphviz's ``dot`` and a Python with ``diagrams``."""

from __future__ import annotations

import shutil
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .. import process
from ..errors import MastheadError

INSTALL_GRAPHVIZ = (
    "Graphviz is not installed (no 'dot' program on PATH); masthead renders diagrams "
    "with it. Install it: 'sudo apt-get install graphviz' (Debian, Ubuntu), "
    "'sudo dnf install graphviz' (Fedora), 'brew install graphviz' (macOS), or see "
    "https://graphviz.org/download/ -- then build again."
)


VERSION_TIMEOUT = 30.0
"""Seconds ``dot -V`` may take."""


class GraphvizMissing(MastheadError):
    """``dot`` cannot be found or run."""


@dataclass(frozen=True)
class Toolchain:
    dot: str
    """Absolute path of Graphviz's ``dot``."""
    graphviz_version: str
    diagrams_version: str
    python: str
    """The interpreter the author's code runs in (one with ``diagrams`` installed)."""


def find_toolchain(dot: str = "dot", python: str | None = None) -> Toolchain:
    """Locate ``dot`` and read the versions that go into the cache key.

    Raises :class:`GraphvizMissing` with install instructions when ``dot`` is
    not there or does not run.
    """
    found = shutil.which(dot) if not Path(dot).is_absolute() else dot
    if found is None or not Path(found).is_file():
        raise GraphvizMissing(INSTALL_GRAPHVIZ)
    try:
        # Bounded output, a deadline for everything it starts, no secrets in its environment.
        proc = process.run(
            [found, "-V"],
            b"",
            deadline=time.monotonic() + VERSION_TIMEOUT,
            env=process.child_environment(graphviz=True),
        )
    except process.Timeout:
        raise GraphvizMissing(
            f"{INSTALL_GRAPHVIZ} ('{found} -V' did not answer within {VERSION_TIMEOUT:g} s)"
        ) from None
    except OSError as exc:
        raise GraphvizMissing(f"{INSTALL_GRAPHVIZ} ('{found} -V' failed: {exc})") from exc
    version = (proc.stderr.text() or proc.stdout.text()).strip()
    if proc.returncode != 0 or "graphviz" not in version.lower():
        raise GraphvizMissing(f"{INSTALL_GRAPHVIZ} ('{found} -V' said: {version[:200]})")
    try:
        diagrams_version = metadata.version("diagrams")
    except metadata.PackageNotFoundError:
        diagrams_version = "missing"
    return Toolchain(
        dot=found,
        graphviz_version=version,
        diagrams_version=diagrams_version,
        python=python or sys.executable,
    )
