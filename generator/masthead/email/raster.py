"""SVG images of an issue as 2x PNG for its email: Gmail and Outlook show no SVG.

``rsvg-convert`` (librsvg; ``make build`` installs it beside Graphviz) draws
the SVG at twice its size into ``<name>.svg.png`` next to it in the built
site, which is published with the rest; it is drawn again on every build, so
it never lags behind its SVG. Without the tool, or when it fails on a file,
the email links to the web page for that image instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .. import process
from .imagesize import image_size

SCALE = 2
TIMEOUT = 30.0
"""Seconds one SVG may take to draw."""


@dataclass(frozen=True)
class Raster:
    """A PNG drawn from an SVG."""

    path: Path
    width: int
    """Width in CSS pixels (the PNG has :data:`SCALE` times as many)."""
    height: int


Rasterise = Callable[[Path], Raster | None]


def rasteriser() -> Rasterise | None:
    """A function drawing an SVG file as PNG, or None when rsvg-convert is missing."""
    tool = shutil.which("rsvg-convert")
    return partial(rasterise, tool=tool) if tool else None


def rasterise(svg: Path, *, tool: str) -> Raster | None:
    """Draw ``svg`` at :data:`SCALE` times its size into ``<name>.svg.png`` beside it.

    The PNG appears whole or not at all (written aside, then renamed); None
    when the tool fails, takes too long or writes no PNG.
    """
    png = svg.with_name(svg.name + ".png")
    partial_png = png.with_name(f".{png.name}.{os.getpid()}.tmp")
    command = [
        tool,
        "--zoom",
        str(SCALE),
        "--format",
        "png",
        "--output",
        str(partial_png),
        str(svg),
    ]
    try:
        # Bounded like a diagram's own tools: one deadline, capped output, and an
        # allow-listed environment (no API key or SMTP password).
        done = process.run(
            command, b"", deadline=time.monotonic() + TIMEOUT, env=process.child_environment()
        )
        size = image_size(partial_png) if done.returncode == 0 else None
        if size is None:
            return None
        os.replace(partial_png, png)
    except (OSError, process.Timeout, process.Cancelled, process.OutputTooLarge):
        return None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial_png.unlink()
    width, height = size
    return Raster(png, max(1, round(width / SCALE)), max(1, round(height / SCALE)))
