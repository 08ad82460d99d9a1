"""What a pull remembers between runs, per feed, in ``.cache/masthead/reading/``.

For each feed URL: the validators of the last response (ETag,
Last-Modified) for a conditional GET, the body, the entries parsed from it
(so a 304 needs no parsing) and when each undated entry was first seen.
Everything here can be deleted; the next pull fetches in full again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .parse import PARSER_VERSION, Entry

CACHE_DIR = Path(".cache") / "masthead" / "reading"


@dataclass(frozen=True)
class CachedFeed:
    """The remembered state of one feed URL."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    title: str = ""
    entries: tuple[Entry, ...] | None = None
    """Entries parsed from the cached body (None when they must be parsed again)."""
    warnings: tuple[str, ...] = ()
    skipped: int = 0
    first_seen: dict[str, str] = field(default_factory=dict)
    """Normalised entry URL -> ISO time the entry was first seen (for undated entries)."""


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


def _entry_to_json(e: Entry) -> dict[str, Any]:
    return {
        "url": e.url,
        "title": e.title,
        "guid": e.guid,
        "published": e.published.isoformat() if e.published else None,
        "summary": e.summary,
        "categories": list(e.categories),
    }


def _entry_from_json(d: dict[str, Any]) -> Entry:
    return Entry(
        url=d["url"],
        title=d["title"],
        guid=d.get("guid"),
        published=datetime.fromisoformat(d["published"]) if d.get("published") else None,
        summary=d.get("summary", ""),
        categories=tuple(d.get("categories", ())),
    )


class FeedCache:
    """The cache folder of one project."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def for_project(cls, project: Path) -> FeedCache:
        return cls(project / CACHE_DIR)

    def _key(self, url: str) -> str:
        return hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]

    def body_path(self, url: str) -> Path:
        return self.root / f"{self._key(url)}.body"

    def load(self, url: str) -> CachedFeed | None:
        """The cached state of ``url``, or None (also when the cache is unreadable)."""
        meta = self.root / f"{self._key(url)}.json"
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            if data.get("url") != url:
                return None
            entries = None
            if data.get("parser_version") == PARSER_VERSION and data.get("entries") is not None:
                entries = tuple(_entry_from_json(d) for d in data["entries"])
            return CachedFeed(
                url=url,
                etag=data.get("etag"),
                last_modified=data.get("last_modified"),
                content_type=data.get("content_type"),
                title=data.get("title", ""),
                entries=entries,
                warnings=tuple(data.get("warnings", ())),
                skipped=int(data.get("skipped", 0)),
                first_seen=dict(data.get("first_seen", {})),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def load_body(self, url: str) -> bytes | None:
        try:
            return self.body_path(url).read_bytes()
        except OSError:
            return None

    def save(self, state: CachedFeed, body: bytes | None = None) -> None:
        """Store ``state`` (and ``body`` when given), each file written atomically."""
        if body is not None:
            _replace(self.body_path(state.url), body)
        data = {
            "url": state.url,
            "etag": state.etag,
            "last_modified": state.last_modified,
            "content_type": state.content_type,
            "title": state.title,
            "parser_version": PARSER_VERSION,
            "entries": None
            if state.entries is None
            else [_entry_to_json(e) for e in state.entries],
            "warnings": list(state.warnings),
            "skipped": state.skipped,
            "first_seen": state.first_seen,
        }
        _replace(self.root / f"{self._key(state.url)}.json", json.dumps(data).encode("utf-8"))
