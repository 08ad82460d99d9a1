"""What an issue or post page links to besides its text: share links, the latest
other issues, the previous and next issue, and the other parts of a series.

Pure functions over :class:`Teaser` (a post as a list shows it); the MkDocs
plugin builds teasers from the blog instances and hands the results to the
theme's partials.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from ..i18n import Strings, english


@dataclass(frozen=True)
class Teaser:
    """A post or an issue as a link list shows it."""

    key: str
    """Site-relative URL of the page (unique), e.g. ``newsletter/2022/12/kernel-notes/``."""
    title: str
    date: datetime
    excerpt: str = ""
    """Plain text."""
    readtime: int | None = None
    """Minutes."""
    authors: tuple[str, ...] = ()
    series: str | None = None
    series_order: int | None = None


@dataclass(frozen=True)
class ShareLink:
    name: str
    """Short id: ``x``, ``linkedin``, ``hackernews``, ``reddit``, ``email``, ``copy``."""
    label: str
    href: str


SHARE_TARGETS: tuple[str, ...] = ("x", "linkedin", "hackernews", "reddit", "email", "copy")


def share_links(
    url: str,
    title: str,
    targets: Sequence[str] = SHARE_TARGETS,
    strings: Strings | None = None,
) -> tuple[ShareLink, ...]:
    """Plain share links for the page at absolute ``url`` (no third-party script),
    labelled in the language of ``strings`` (default English)."""
    words = strings or english()
    made = {
        "x": ShareLink(
            "x", "X", "https://x.com/intent/post?" + urlencode({"text": title, "url": url})
        ),
        "linkedin": ShareLink(
            "linkedin",
            "LinkedIn",
            "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        ),
        "hackernews": ShareLink(
            "hackernews",
            "Hacker News",
            "https://news.ycombinator.com/submitlink?" + urlencode({"u": url, "t": title}),
        ),
        "reddit": ShareLink(
            "reddit",
            "Reddit",
            "https://www.reddit.com/submit?" + urlencode({"url": url, "title": title}),
        ),
        "email": ShareLink(
            "email",
            words.text("share.email"),
            f"mailto:?subject={quote(title)}&body={quote(title + chr(10) + url)}",
        ),
        "copy": ShareLink("copy", words.text("share.copy"), url),
    }
    return tuple(made[t] for t in targets if t in made)


def _newest_first(items: Sequence[Teaser]) -> list[Teaser]:
    return sorted(items, key=lambda t: (t.date, t.key), reverse=True)


def read_more(
    items: Sequence[Teaser], current: str, *, count: int = 3, author: str | None = None
) -> list[Teaser]:
    """The ``count`` latest items other than ``current`` (by ``author`` when given and
    any item has that author)."""
    others = [t for t in items if t.key != current]
    if author is not None and any(author in t.authors for t in others):
        others = [t for t in others if author in t.authors]
    return _newest_first(others)[:count]


def neighbours(items: Sequence[Teaser], current: str) -> tuple[Teaser | None, Teaser | None]:
    """(previous = older, next = newer) around ``current`` by date."""
    ordered = sorted(items, key=lambda t: (t.date, t.key))
    keys = [t.key for t in ordered]
    if current not in keys:
        return (None, None)
    at = keys.index(current)
    previous = ordered[at - 1] if at > 0 else None
    following = ordered[at + 1] if at + 1 < len(ordered) else None
    return (previous, following)


def series(items: Sequence[Teaser], name: str) -> list[Teaser]:
    """The parts of series ``name`` in order (``series_order``, then date)."""
    parts = [t for t in items if t.series == name]
    return sorted(
        parts,
        key=lambda t: (t.series_order if t.series_order is not None else 10**6, t.date, t.key),
    )
