"""What a pull remembers between runs, per feed, in ``.cache/masthead/reading/``.

For each feed URL: the validators of the last response (ETag,
Last-Modified) for a conditional GET, the body, the entries parsed from it
(so a 304 needs no parsing), a summary of their dates (so a 304 for a feed
with nothing in the window needs not even those) and when each undated
entry was first seen.

The small per-feed state of every feed lives in one file, ``feeds.json``,
read once and written once per pull (:meth:`FeedCache.flush`). Bodies and
entries have a file per feed and body, ``<feed>.<generation>.body`` and
``.entries``: a pull writes new ones as it goes and records them in
``feeds.json`` at the end, then deletes the ones no feed stands for, so a
pull that dies half-way leaves the state of the last one whole. Everything
here can be deleted; the next pull fetches in full again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .._io import remove_stale_temps
from .parse import PARSER_VERSION, Entry

CACHE_DIR = Path(".cache") / "masthead" / "reading"
KINDS = ("body", "entries")


@dataclass(frozen=True)
class EntryIndex:
    """What the metadata says about the cached entries, so that a 304 for a feed
    with nothing in the window needs neither its entries nor any parsing, and
    one with a few entries in it reads those only."""

    count: int
    """Entries in the document (those skipped for want of a link included)."""
    times: tuple[float | None, ...] = ()
    """POSIX time of each stored entry, in document order; None when undated."""
    warnings: tuple[str, ...] = ()

    @classmethod
    def of(cls, parsed: CachedEntries) -> EntryIndex:
        times = tuple(e.published.timestamp() if e.published else None for e in parsed.entries)
        return cls(len(parsed.entries) + parsed.skipped, times, parsed.warnings)

    def candidates(self, start: datetime, end: datetime, now: datetime) -> list[int]:
        """Positions of the entries that may fall in [start, end), in document
        order: every dated one inside it (a future date counting as ``now``, as
        the pull's window rules say) and every undated one (counted from when it
        was first seen, which only the entry's URL tells).

        Selecting from these alone gives what selecting from all entries gives:
        only entries inside the window take part in deduplication, and the
        undated ones, which keep the first-seen times, are all there.
        """
        low, high, clamp = start.timestamp(), end.timestamp(), now.timestamp()
        return [
            i for i, when in enumerate(self.times) if when is None or low <= min(when, clamp) < high
        ]

    def may_select(
        self, start: datetime, end: datetime, now: datetime, first_seen: dict[str, str]
    ) -> bool:
        """Whether any entry can fall in [start, end): a dated one (see
        :meth:`candidates`) or an undated one by when it was first seen."""
        low, high, clamp = start.timestamp(), end.timestamp(), now.timestamp()
        if any(when is not None and low <= min(when, clamp) < high for when in self.times):
            return True
        return any(start <= datetime.fromisoformat(seen) < end for seen in first_seen.values())


@dataclass(frozen=True)
class LockMemo:
    """A lock file as the last pull left it: the digest of its bytes and of the
    candidates merged into it. While the file's bytes match, it is still valid
    (no need to parse it before fetching); while the candidates match too,
    merging them again would change nothing."""

    lock: str
    candidates: str


@dataclass(frozen=True)
class CachedFeed:
    """The remembered state of one feed URL (without its entries: see ``load_entries``)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    first_seen: dict[str, str] = field(default_factory=dict)
    """Normalised entry URL -> ISO time the entry was first seen (for undated entries)."""
    has_entries: bool = False
    """Entries parsed from the cached body were stored (by this version of the parser);
    should their file be gone, :meth:`FeedCache.load_entries` says so."""
    generation: str | None = None
    """Which body this state stands for (see :func:`generation_of`): its body and
    entries files carry it in their names, so that files written by a pull that
    died before :meth:`FeedCache.flush` are never taken for this state's."""
    index: EntryIndex | None = None
    """A summary of those entries (None when they are not stored)."""
    failure: str | None = None
    """Why the body behind these validators is not a usable feed (by this parser), so
    that a 304 for it is reported again without fetching or parsing the body."""


@dataclass(frozen=True)
class CachedEntries:
    """What parsing the cached body gave, so that a 304 needs no parsing."""

    title: str
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...] = ()
    skipped: int = 0


def _replace(path: Path, data: bytes) -> None:
    """Temp file + rename, without the fsync of ``_io.atomic_write``: the cache is
    disposable, and hundreds of fsyncs would dominate a pull."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def generation_of(body: bytes) -> str:
    """The name of a cached body's generation: the start of its SHA-256."""
    return hashlib.sha256(body).hexdigest()[:16]


def _entry_to_json(e: Entry) -> bytes:
    published = e.published.isoformat() if e.published else None
    fields = [e.url, e.title, e.guid, published, e.summary, list(e.categories)]
    return json.dumps(fields, ensure_ascii=False).encode("utf-8")


def _entry_from_json(line: bytes) -> Entry:
    url, title, guid, published, summary, categories = json.loads(line)
    return Entry(
        url=url,
        title=title,
        guid=guid,
        published=datetime.fromisoformat(published) if published else None,
        summary=summary,
        categories=tuple(categories),
    )


class FeedCache:
    """The cache folder of one project.

    :meth:`save` writes a feed's body and entries at once and keeps its state
    in memory; :meth:`flush` writes the state of every feed, and the lock
    memos (:class:`LockMemo`), to ``feeds.json``.
    Saving from several threads is safe.
    """

    FORMAT = 1

    def __init__(self, root: Path) -> None:
        self.root = root
        self._folder = str(root)
        self._keys: dict[str, str] = {}
        self._data: dict[str, dict[str, Any]] | None = None
        self._dirty = False

    @classmethod
    def for_project(cls, project: Path) -> FeedCache:
        return cls(project / CACHE_DIR)

    def _key(self, url: str) -> str:
        key = self._keys.get(url)
        if key is None:
            key = self._keys[url] = hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]
        return key

    def _file(self, url: str, generation: str | None, kind: str) -> str:
        return os.path.join(self._folder, f"{self._key(url)}.{generation}.{kind}")

    def has_body(self, url: str, generation: str | None) -> bool:
        return generation is not None and os.path.isfile(self._file(url, generation, "body"))

    @property
    def _index_path(self) -> Path:
        return self.root / "feeds.json"

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._data is None:
            data: Any = None
            with contextlib.suppress(OSError, ValueError):
                data = json.loads(self._index_path.read_bytes())
            if not (
                isinstance(data, dict)
                and data.get("format") == self.FORMAT
                and data.get("parser_version") == PARSER_VERSION
                and isinstance(data.get("feeds"), dict)
                and isinstance(data.get("locks"), dict)
            ):
                data = {"feeds": {}, "locks": {}}
            self._data = {"feeds": data["feeds"], "locks": data["locks"]}
        return self._data

    def _all(self) -> dict[str, Any]:
        return self._load()["feeds"]

    def lock_memo(self, lock: Path) -> LockMemo | None:
        """What the last pull left in the lock file ``lock``, or None."""
        memo: Any = self._load()["locks"].get(str(lock.resolve()))
        try:
            return LockMemo(str(memo["lock"]), str(memo["candidates"]))
        except (TypeError, KeyError, ValueError):
            return None

    def remember_lock(self, lock: Path, memo: LockMemo | None) -> None:
        """Record (or, with None, forget) what a pull left in the lock file ``lock``."""
        locks = self._load()["locks"]
        key = str(lock.resolve())
        if memo is None:
            self._dirty |= locks.pop(key, None) is not None
        elif locks.get(key) != {"lock": memo.lock, "candidates": memo.candidates}:
            locks[key] = {"lock": memo.lock, "candidates": memo.candidates}
            self._dirty = True

    def knows(self, url: str) -> bool:
        """Whether anything is remembered about ``url``."""
        return url in self._all()

    def load(self, url: str) -> CachedFeed | None:
        """The cached state of ``url`` (small: validators, first-seen times), or None."""
        data = self._all().get(url)
        if not isinstance(data, dict):
            return None
        try:
            index = data.get("index")
            summary = None
            if index is not None:
                summary = EntryIndex(
                    count=int(index["count"]),
                    times=tuple(None if t is None else float(t) for t in index["times"]),
                    warnings=tuple(str(w) for w in index["warnings"]),
                )
            return CachedFeed(
                url=url,
                etag=data.get("etag"),
                last_modified=data.get("last_modified"),
                content_type=data.get("content_type"),
                first_seen=dict(data.get("first_seen", {})),
                has_entries=summary is not None,
                index=summary,
                failure=data.get("failure"),
                generation=data.get("generation"),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def load_entries(
        self, state: CachedFeed, only: Sequence[int] | None = None
    ) -> CachedEntries | None:
        """The entries parsed from the body of ``state`` (those at the positions
        ``only``, when given), or None (parse the body again)."""
        if state.generation is None:
            return None
        try:
            with open(self._file(state.url, state.generation, "entries"), "rb") as fh:
                lines = fh.read().split(b"\n")
            head = json.loads(lines[0])
            if head.get("parser_version") != PARSER_VERSION:
                return None
            rows = lines[1:-1]  # the file ends with a newline
            if len(rows) != head["entries"]:
                return None  # cut short
            chosen = rows if only is None else [rows[i] for i in only]
            return CachedEntries(
                title=head.get("title", ""),
                entries=tuple(_entry_from_json(row) for row in chosen),
                warnings=tuple(head.get("warnings", ())),
                skipped=int(head.get("skipped", 0)),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            return None

    def load_body(self, state: CachedFeed) -> bytes | None:
        if state.generation is None:
            return None
        try:
            with open(self._file(state.url, state.generation, "body"), "rb") as fh:
                return fh.read()
        except OSError:
            return None

    def save(
        self, state: CachedFeed, parsed: CachedEntries | None = None, body: bytes | None = None
    ) -> None:
        """Store the body and its entries when given (each file atomically, named
        by ``state.generation``), and ``state`` until :meth:`flush`."""
        if (body is not None or parsed is not None) and state.generation is None:
            raise ValueError("a body or entries need the state's generation")
        if body is not None:
            _replace(Path(self._file(state.url, state.generation, "body")), body)
        if parsed is not None:
            head = {
                "parser_version": PARSER_VERSION,
                "title": parsed.title,
                "entries": len(parsed.entries),
                "warnings": list(parsed.warnings),
                "skipped": parsed.skipped,
            }
            lines = [json.dumps(head).encode("utf-8")]
            lines += [_entry_to_json(e) for e in parsed.entries]
            _replace(
                Path(self._file(state.url, state.generation, "entries")),
                b"\n".join(lines) + b"\n",
            )
        meta: dict[str, Any] = {
            "etag": state.etag,
            "last_modified": state.last_modified,
            "content_type": state.content_type,
            "first_seen": state.first_seen,
        }
        if state.index is not None:
            meta["index"] = {
                "count": state.index.count,
                "times": list(state.index.times),
                "warnings": list(state.index.warnings),
            }
        if state.failure:
            meta["failure"] = state.failure
        if state.generation is not None:
            meta["generation"] = state.generation
        self._all()[state.url] = meta
        self._dirty = True

    def flush(self) -> None:
        """Write the state of every feed saved since the last flush (atomically),
        then delete the body and entries files no state stands for any more."""
        if not self._dirty:
            return
        data = {"format": self.FORMAT, "parser_version": PARSER_VERSION, **self._load()}
        _replace(self._index_path, json.dumps(data).encode("utf-8"))
        self._dirty = False
        keep: dict[str, set[str]] = {}
        for url, meta in self._all().items():
            names = keep.setdefault(self._key(url), set())
            if isinstance(meta, dict) and meta.get("generation"):
                names.update(f"{self._key(url)}.{meta['generation']}.{k}" for k in KINDS)
        with contextlib.suppress(OSError), os.scandir(self._folder) as found:
            for item in found:
                key = item.name.split(".", 1)[0]
                if key in keep and item.name not in keep[key]:
                    with contextlib.suppress(OSError):
                        os.unlink(item.path)
        remove_stale_temps(self.root)
