"""RSS 2.0 and Atom feeds: full content, absolute links, dated from front matter.

A post's categories and its tags are both ``<category>`` elements; the tags'
carry the site's index of tags as their taxonomy (RSS ``domain``, Atom
``scheme``) when the site has one.

Pure functions: :class:`Feed` and :class:`FeedEntry` in, XML text out.
:func:`absolute_links` makes a page's HTML safe to read outside the site
(every ``href``/``src`` absolute, permalink anchors dropped).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urljoin

from ..content import as_utc

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"

_ATTR = re.compile(r"""(\s(?:href|src|poster)\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_SRCSET = re.compile(r"""(\ssrcset\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.DOTALL)
_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)
# Characters XML 1.0 forbids (C0 controls but tab, LF, CR): a feed holding one does not parse.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class FeedEntry:
    title: str
    url: str
    """Absolute URL of the post's page."""
    published: datetime
    updated: datetime | None = None
    content_html: str = ""
    """Full content, with absolute links (see :func:`absolute_links`)."""
    summary: str = ""
    """Plain-text excerpt."""
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    """The post's ``tags:``, written as categories of the feed's tag scheme."""


@dataclass(frozen=True)
class Feed:
    title: str
    link: str
    """Absolute URL of the HTML page the feed mirrors (the blog's index)."""
    rss_url: str
    atom_url: str
    description: str = ""
    language: str = "en"
    author: str = ""
    entries: tuple[FeedEntry, ...] = ()
    tags_url: str = ""
    """Absolute URL of the site's index of tags: the ``domain`` (RSS) and ``scheme`` (Atom)
    of the tags' categories. Empty: tags are categories without one."""

    @property
    def updated(self) -> datetime | None:
        dates = [as_utc(e.updated or e.published) for e in self.entries]
        return max(dates) if dates else None


def absolute_links(content: str, page_url: str) -> str:
    """``content`` with every ``href``, ``src``, ``poster`` and ``srcset`` URL made absolute
    against ``page_url``; permalink anchors and scripts removed."""
    content = _SCRIPT.sub("", _HEADERLINK.sub("", content))

    def fix(match: re.Match[str]) -> str:
        value = match.group(3).strip()
        if value.startswith(("mailto:", "tel:", "data:")) or re.match(
            r"^[a-z][a-z0-9+.-]*:", value
        ):
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{urljoin(page_url, value)}{match.group(2)}"

    def fix_srcset(match: re.Match[str]) -> str:
        parts = []
        for candidate in match.group(3).split(","):
            bits = candidate.strip().split(None, 1)
            if bits:
                bits[0] = urljoin(page_url, bits[0])
                parts.append(" ".join(bits))
        return f"{match.group(1)}{match.group(2)}{', '.join(parts)}{match.group(2)}"

    return _SRCSET.sub(fix_srcset, _ATTR.sub(fix, content))


def _clean(text: str) -> str:
    return _XML_BAD.sub("", text)


def _iso(moment: datetime) -> str:
    return as_utc(moment).isoformat().replace("+00:00", "Z")


def _sorted(entries: Sequence[FeedEntry]) -> list[FeedEntry]:
    return sorted(entries, key=lambda e: as_utc(e.published), reverse=True)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = _clean(text)
    return el


def rss(feed: Feed) -> str:
    """The feed as RSS 2.0 (with ``content:encoded`` for the full HTML)."""
    ET.register_namespace("atom", ATOM_NS)
    ET.register_namespace("content", CONTENT_NS)
    ET.register_namespace("dc", DC_NS)
    root = ET.Element("rss", {"version": "2.0"})
    channel = _sub(root, "channel")
    _sub(channel, "title", feed.title)
    _sub(channel, "link", feed.link)
    _sub(channel, "description", feed.description or feed.title)
    _sub(channel, "language", feed.language)
    _sub(channel, f"{{{ATOM_NS}}}link", href=feed.rss_url, rel="self", type="application/rss+xml")
    _sub(channel, "generator", "masthead")
    if feed.updated is not None:
        _sub(channel, "lastBuildDate", format_datetime(feed.updated))
    for entry in _sorted(feed.entries):
        item = _sub(channel, "item")
        _sub(item, "title", entry.title)
        _sub(item, "link", entry.url)
        _sub(item, "guid", entry.url, isPermaLink="true")
        _sub(item, "pubDate", format_datetime(as_utc(entry.published)))
        for name in entry.authors:
            _sub(item, f"{{{DC_NS}}}creator", name)
        for category in entry.categories:
            _sub(item, "category", category)
        for tag in entry.tags:
            _sub(item, "category", tag, **({"domain": feed.tags_url} if feed.tags_url else {}))
        _sub(item, "description", entry.summary or entry.title)
        if entry.content_html:
            _sub(item, f"{{{CONTENT_NS}}}encoded", entry.content_html)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def atom(feed: Feed) -> str:
    """The feed as Atom 1.0 (full HTML in ``content``)."""

    def a(tag: str) -> str:
        # Unqualified names under a literal xmlns: ElementTree cannot mix a default
        # namespace with unqualified attributes (href, rel) otherwise.
        return tag

    root = ET.Element(
        "feed", {"xmlns": ATOM_NS, "{http://www.w3.org/XML/1998/namespace}lang": feed.language}
    )
    _sub(root, a("id"), feed.link)
    _sub(root, a("title"), feed.title)
    if feed.description:
        _sub(root, a("subtitle"), feed.description)
    _sub(root, a("link"), href=feed.link, rel="alternate", type="text/html")
    _sub(root, a("link"), href=feed.atom_url, rel="self", type="application/atom+xml")
    updated = feed.updated
    _sub(root, a("updated"), _iso(updated) if updated else "1970-01-01T00:00:00Z")
    if feed.author:
        _sub(_sub(root, a("author")), a("name"), feed.author)
    _sub(root, a("generator"), "masthead")
    for entry in _sorted(feed.entries):
        el = _sub(root, a("entry"))
        _sub(el, a("id"), entry.url)
        _sub(el, a("title"), entry.title)
        _sub(el, a("link"), href=entry.url, rel="alternate", type="text/html")
        _sub(el, a("published"), _iso(entry.published))
        _sub(el, a("updated"), _iso(entry.updated or entry.published))
        for name in entry.authors or ((feed.author,) if feed.author else ()):
            _sub(_sub(el, a("author")), a("name"), name)
        for category in entry.categories:
            _sub(el, a("category"), term=category)
        for tag in entry.tags:
            scheme = {"scheme": feed.tags_url} if feed.tags_url else {}
            _sub(el, a("category"), term=_clean(tag), **scheme)
        if entry.summary:
            _sub(el, a("summary"), entry.summary)
        if entry.content_html:
            _sub(el, a("content"), entry.content_html, type="html")
    text = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + text + "\n"
