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
    """The remembered state of one feed URL (without its entries: see ``load_entries``)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    first_seen: dict[str, str] = field(default_factory=dict)
    """Normalised entry URL -> ISO time the entry was first seen (for undated entries)."""
    has_entries: bool = False
    """Entries parsed from the cached body are stored (by this version of the parser)."""
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

    def _meta(self, url: str) -> Path:
        return self.root / f"{self._key(url)}.json"

    def _entries(self, url: str) -> Path:
        return self.root / f"{self._key(url)}.entries.json"

    def load(self, url: str) -> CachedFeed | None:
        """The cached state of ``url`` (small: validators, first-seen times), or None."""
        try:
            data = json.loads(self._meta(url).read_text(encoding="utf-8"))
            if data.get("url") != url:
                return None
            return CachedFeed(
                url=url,
                etag=data.get("etag"),
                last_modified=data.get("last_modified"),
                content_type=data.get("content_type"),
                first_seen=dict(data.get("first_seen", {})),
                has_entries=data.get("parser_version") == PARSER_VERSION
                and self._entries(url).is_file(),
                failure=data.get("failure")
                if data.get("parser_version") == PARSER_VERSION
                else None,
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def load_entries(self, url: str) -> CachedEntries | None:
        """The entries parsed from the cached body, or None (parse the body again)."""
        try:
            data = json.loads(self._entries(url).read_text(encoding="utf-8"))
            if data.get("parser_version") != PARSER_VERSION:
                return None
            return CachedEntries(
                title=data.get("title", ""),
                entries=tuple(_entry_from_json(d) for d in data["entries"]),
                warnings=tuple(data.get("warnings", ())),
                skipped=int(data.get("skipped", 0)),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def load_body(self, url: str) -> bytes | None:
        try:
            return self.body_path(url).read_bytes()
        except OSError:
            return None

    def save(
        self, state: CachedFeed, parsed: CachedEntries | None = None, body: bytes | None = None
    ) -> None:
        """Store ``state`` (and the body and its entries when given), each file atomically."""
        if body is not None:
            _replace(self.body_path(state.url), body)
        if parsed is not None:
            entries = {
                "parser_version": PARSER_VERSION,
                "title": parsed.title,
                "entries": [_entry_to_json(e) for e in parsed.entries],
                "warnings": list(parsed.warnings),
                "skipped": parsed.skipped,
            }
            _replace(self._entries(state.url), json.dumps(entries).encode("utf-8"))
        meta = {
            "url": state.url,
            "etag": state.etag,
            "last_modified": state.last_modified,
            "content_type": state.content_type,
            "parser_version": PARSER_VERSION,
            "first_seen": state.first_seen,
        }
        if state.failure:
            meta["failure"] = state.failure
        _replace(self._meta(state.url), json.dumps(meta).encode("utf-8"))
