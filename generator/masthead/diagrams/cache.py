"""The on-disk diagram cache: ``<key>.svg``, ``<key>.png`` and ``<key>.json``.

It lives under the project's ``.cache/masthead/diagrams/`` (never in docs_dir,
which ``mkdocs serve`` watches). The JSON file is written last, so an entry
without it is incomplete and counts as a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .._io import atomic_write


@dataclass(frozen=True)
class Rendered:
    """A diagram rendered for the web (SVG) and for email (2x PNG)."""

    key: str
    svg: bytes
    png: bytes
    width: int
    """CSS pixels of the SVG (and half the PNG's pixel width)."""
    height: int
    png_width: int
    png_height: int
    icons: tuple[IconStamp, ...] = ()
    """The image files embedded in the SVG, as they were when it was drawn."""

    @property
    def name(self) -> str:
        """Content-hash file stem shared by the SVG and the PNG (the SVG fixes the PNG)."""
        return hashlib.sha256(self.svg).hexdigest()[:20]


@dataclass(frozen=True)
class IconStamp:
    """An image file a diagram embeds: where, and what it held.

    The cache key covers icon paths written in the code; a path the code
    computes shows up only in what the diagram drew. A cached diagram whose
    icons changed since is drawn again (:meth:`unchanged`).
    """

    path: str
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> IconStamp:
        data = path.read_bytes()
        st = path.stat()
        return cls(str(path), st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest())

    def unchanged(self) -> bool:
        """The file is as it was (same size and time, else the same bytes)."""
        try:
            st = os.stat(self.path)
            if (st.st_size, st.st_mtime_ns) == (self.size, self.mtime_ns):
                return True
            with open(self.path, "rb") as fh:
                return hashlib.sha256(fh.read()).hexdigest() == self.sha256
        except OSError:
            return False


@dataclass(frozen=True)
class _Meta:
    width: int
    height: int
    png_width: int
    png_height: int
    icons: list[list[object]] | None = None


class DiagramCache:
    """Rendered diagrams by cache key, in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _paths(self, key: str) -> tuple[Path, Path, Path]:
        return (
            self.folder / f"{key}.svg",
            self.folder / f"{key}.png",
            self.folder / f"{key}.json",
        )

    def get(self, key: str) -> Rendered | None:
        svg_path, png_path, meta_path = self._paths(key)
        try:
            meta = _Meta(**json.loads(meta_path.read_text(encoding="utf-8")))
            icons = tuple(
                IconStamp(str(path), int(size), int(mtime), str(digest))  # type: ignore[call-overload]
                for path, size, mtime, digest in meta.icons or ()
            )
            return Rendered(
                key=key,
                svg=svg_path.read_bytes(),
                png=png_path.read_bytes(),
                width=meta.width,
                height=meta.height,
                png_width=meta.png_width,
                png_height=meta.png_height,
                icons=icons,
            )
        except (OSError, ValueError, TypeError):
            return None

    def touch(self, keys: set[str]) -> None:
        """Mark the entries ``keys`` as used now (what :meth:`prune` goes by)."""
        for key in keys:
            for path in self._paths(key):
                with contextlib.suppress(OSError):
                    os.utime(path)

    def prune(self, max_age_days: float) -> int:
        """Remove entries not used for ``max_age_days``; returns how many went."""
        if not self.folder.is_dir():
            return 0
        cutoff = time.time() - max_age_days * 86_400
        removed = 0
        for meta in self.folder.glob("*.json"):
            try:
                if meta.stat().st_mtime >= cutoff:
                    continue
            except OSError:
                continue
            for path in self._paths(meta.stem):
                with contextlib.suppress(OSError):
                    path.unlink()
            removed += 1
        return removed

    def put(self, rendered: Rendered) -> None:
        svg_path, png_path, meta_path = self._paths(rendered.key)
        atomic_write(svg_path, rendered.svg)
        atomic_write(png_path, rendered.png)
        meta = _Meta(
            rendered.width,
            rendered.height,
            rendered.png_width,
            rendered.png_height,
            [[i.path, i.size, i.mtime_ns, i.sha256] for i in rendered.icons],
        )
        atomic_write(meta_path, json.dumps(asdict(meta)) + "\n")
