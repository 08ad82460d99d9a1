"""The cache on disk: packs of entries and an index, under ``.cache/masthead/render/``.

An entry is one render's record (JSON, compressed). The entries a build makes are
written together into new packs (``packs/<digest>.pack``) of a few MB; at its end
the index (``index.json``) lists, for every entry the build used or made, its
pack, offset, length and SHA-256. Both are written atomically, so a reader sees
the old index or the new one, each naming only complete packs; two builds at
once each write their own pack, and the index of the last one to finish wins.

Only what the last build used is kept: an entry it did not use leaves the index,
a pack none of the index's entries is in is removed, and the entries still used
of a pack mostly unused are copied into the new pack, so the folder stays within
about twice what one build uses. An entry that cannot be read, or whose bytes do
not match their digest, is a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .._io import atomic_write

log = logging.getLogger("mkdocs.plugins.masthead.cache")

INDEX = "index.json"
PACKS = "packs"
INDEX_FORMAT = 1
COMPACT_BELOW = 0.5
"""A pack whose used entries fill less than this share of it is copied and removed."""
PACK_BYTES = 2 * 1024 * 1024
"""Entries a build made are written out, as one pack, once they add up to this."""
LEFTOVER_AGE = 3600.0
"""Seconds after which a temporary file of a write is taken for one a killed build left."""


@dataclass(frozen=True)
class Location:
    pack: str
    offset: int
    length: int
    digest: str


def _dump(record: dict[str, Any]) -> bytes:
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 1)


def _load(data: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(zlib.decompress(data).decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Store:
    """Entries by key for one build: read from the packs; made ones written into new
    packs as they add up (:data:`PACK_BYTES`), and the index at :meth:`finish`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started = time.time()
        self.index: dict[str, Location] = {}
        self.values: dict[str, Any] = {}
        self._read_index()
        self.used: set[str] = set()
        """Keys of the index this build used."""
        self.made: dict[str, Location] = {}
        """Keys this build made, in the packs written so far."""
        self.buffer: dict[str, bytes] = {}
        """Keys this build made, not written yet."""
        self.buffered = 0
        self.values_used: dict[str, Any] = {}
        self.writable = True
        self._open: dict[str, IO[bytes] | None] = {}
        self.hits = 0
        self.misses = 0

    def _read_index(self) -> None:
        try:
            data = json.loads((self.folder / INDEX).read_text(encoding="utf-8"))
            if data.get("format") != INDEX_FORMAT:
                return
            self.index = {
                str(key): Location(str(p), int(o), int(n), str(d))
                for key, (p, o, n, d) in data["entries"].items()
            }
            self.values = dict(data.get("values", {}))
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self.index, self.values = {}, {}  # no cache yet, or a broken index: all misses

    # -- entries ----------------------------------------------------------------------

    def get(self, key: str) -> dict[str, Any] | None:
        """The record stored under ``key``, or ``None`` (never stored, or unreadable)."""
        data = self.buffer.get(key)
        if data is None and key in self.made:
            data = self._read(self.made[key])
        elif data is None and key in self.index:
            data = self._read(self.index[key])
            if data is not None:
                self.used.add(key)
        return _load(data) if data is not None else None

    def put(self, key: str, record: dict[str, Any]) -> None:
        if not self.writable:
            return
        data = self.buffer[key] = _dump(record)
        self.buffered += len(data)
        self.used.discard(key)
        self.made.pop(key, None)
        if self.buffered >= PACK_BYTES:
            self._flush()

    def value(self, key: str) -> Any:
        """A small value kept under ``key`` (``None``: none)."""
        found = self.values.get(key)
        if found is not None:
            self.values_used[key] = found
        return found

    def set_value(self, key: str, value: Any) -> None:
        self.values_used[key] = value

    def _read(self, where: Location) -> bytes | None:
        if where.pack not in self._open:
            try:
                self._open[where.pack] = (self.folder / PACKS / where.pack).open("rb")
            except OSError:
                self._open[where.pack] = None
        handle = self._open[where.pack]
        if handle is None:
            return None
        try:
            handle.seek(where.offset)
            data = handle.read(where.length)
        except OSError:
            return None
        return data if len(data) == where.length and _sha(data) == where.digest else None

    def _flush(self) -> None:
        """Write the buffered entries into a new pack."""
        if not self.buffer:
            return
        blob = b"".join(self.buffer.values())
        name = _sha(blob)[:24] + ".pack"
        try:
            atomic_write(self.folder / PACKS / name, blob)
        except OSError as exc:
            log.info("masthead: the render cache could not be written: %s", exc)
            self.writable = False
            self.buffer, self.buffered = {}, 0
            return
        offset = 0
        for key, data in self.buffer.items():
            self.made[key] = Location(name, offset, len(data), _sha(data))
            offset += len(data)
        self.buffer, self.buffered = {}, 0

    # -- the end of a build -----------------------------------------------------------

    def finish(self, *, prune: bool = True) -> None:
        """Write the entries still buffered and the index of what this build used
        (``prune``: only that; else added to what was there). Errors are logged: the next
        build only misses what could not be written."""
        try:
            if self.writable:
                self._write(prune)
        except OSError as exc:
            log.info("masthead: the render cache could not be written: %s", exc)
        finally:
            self.close()

    def close(self) -> None:
        """Close the packs read."""
        for handle in self._open.values():
            if handle is not None:
                handle.close()
        self._open = {}

    def _write(self, prune: bool) -> None:
        kept = {k: self.index[k] for k in (self.used if prune else self.index) if k in self.index}
        values = self.values_used if prune else {**self.values, **self.values_used}
        sizes = self._pack_sizes(kept)
        copy = {pack for pack, (live, size) in sizes.items() if live < COMPACT_BELOW * size}
        for key, where in list(kept.items()):
            if where.pack in copy:
                data = self._read(where)
                del kept[key]
                if data is not None:
                    self.buffer.setdefault(key, data)
        self._flush()
        if not self.writable:
            return
        kept.update(self.made)
        if kept != self.index or values != self.values:
            entries = {k: [w.pack, w.offset, w.length, w.digest] for k, w in sorted(kept.items())}
            index = {
                "format": INDEX_FORMAT,
                "entries": entries,
                "values": dict(sorted(values.items())),
            }
            atomic_write(self.folder / INDEX, json.dumps(index, separators=(",", ":")))
        if prune:
            self._remove_packs({w.pack for w in kept.values()})

    def _pack_sizes(self, kept: dict[str, Location]) -> dict[str, tuple[int, int]]:
        """Per pack the entries still used: (their bytes, the pack's bytes)."""
        live: dict[str, int] = {}
        for where in kept.values():
            live[where.pack] = live.get(where.pack, 0) + where.length
        out = {}
        for pack, used in live.items():
            try:
                out[pack] = (used, (self.folder / PACKS / pack).stat().st_size)
            except OSError:
                out[pack] = (used, used)
        return out

    def _remove_packs(self, keep: set[str]) -> None:
        """Remove the packs the index does not name, unless written while this build ran
        (by another build at the same time, whose index may name them), and what a
        killed build left half written."""
        stale = [p for p in (self.folder / PACKS).glob("*.pack") if p.name not in keep]
        for path in stale:
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < self.started:
                    path.unlink()
        for path in [*self.folder.glob(".*.tmp"), *(self.folder / PACKS).glob(".*.tmp")]:
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < self.started - LEFTOVER_AGE:
                    path.unlink()
