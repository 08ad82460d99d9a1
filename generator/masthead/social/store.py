"""Drawn cards in a cache folder, ``<key>.png``: a card is drawn only when missing.

The folder is the project's ``.cache/masthead/cards/`` by default (never the
docs folder, which ``mkdocs serve`` watches). A card is written atomically,
so a file there is always a whole card; the key covers everything drawn
(:attr:`~masthead.social.draw.CardSpec.key`), so a file there never needs
checking against its input.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .._io import atomic_write
from .draw import CardSpec, draw


class CardStore:
    """Cards by key in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.drawn = 0
        """How many cards this store has drawn (the others came from the folder)."""

    def path(self, spec: CardSpec) -> Path:
        return self.folder / f"{spec.key}.png"

    def ensure(self, specs: Iterable[CardSpec]) -> dict[str, Path]:
        """The cached file of each card (by key), drawing the missing ones side by side."""
        wanted = {spec.key: spec for spec in specs}
        missing = [spec for spec in wanted.values() if not self.path(spec).is_file()]
        if missing:
            with ThreadPoolExecutor(max_workers=min(len(missing), os.cpu_count() or 1)) as pool:
                for spec, png in zip(missing, pool.map(draw, missing), strict=True):
                    atomic_write(self.path(spec), png)
            self.drawn += len(missing)
        return {key: self.path(spec) for key, spec in wanted.items()}
