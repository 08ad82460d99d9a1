"""Feed documents (RSS 0.9x/1.0/2.0, Atom) to plain, safe entries, with feedparser.

Feeds are untrusted. Before parsing, a body over the size cap and a document
declaring XML entities (the "billion laughs" expansion, external entities)
are refused. After parsing, titles and summaries are reduced to plain text
(no markup survives: no ``<script>``, ``on*=`` attributes or SVG), links
other than absolute http(s) URLs are dropped, and feedparser's ``bozo``
faults become a :class:`FeedError` with a reason when nothing usable came
out, or a warning when entries were recovered.
"""

from __future__ import annotations

import calendar
import codecs
import html
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urljoin

import feedparser

from ..errors import MastheadError
from .urls import is_safe_link, strip_tracking

PARSER_VERSION = 3
"""Bumped when the entries parse() produces change, so cached results are redone."""
SUMMARY_CHARS = 280
TITLE_CHARS = 300
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"  # what quote() leaves alone in a link
_HTML_SCAN = 20_000  # characters of an HTML summary looked at to make its text, at most
_HTML_SLICE = 2_048


class FeedError(MastheadError):
    """A feed could not be used; ``reason`` says why in one line."""

    def __init__(self, reason: str, *, url: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.url = url

    def __str__(self) -> str:
        return f"{self.url}: {self.reason}" if self.url else self.reason

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across the parse process pool
        return (_feed_error, (self.reason, self.url))


def _feed_error(reason: str, url: str | None) -> FeedError:
    return FeedError(reason, url=url)


@dataclass(frozen=True)
class Entry:
    """One item of a feed, reduced to what a reading list needs (all plain text)."""

    url: str
    title: str
    guid: str | None = None
    published: datetime | None = None
    """When the feed says it was published (or updated), UTC; None when undated."""
    summary: str = ""
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed document."""

    title: str
    link: str | None
    version: str
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...] = ()
    skipped: int = 0
    """Entries of the document left out (no usable http(s) link)."""


# --- refusing dangerous documents before parsing -------------------------------------

_ELEMENT_START = re.compile(r"<[A-Za-z_]")
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)


def _head_text(body: bytes, size: int = 65_536) -> str:
    head = body[:size]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:2].count(b"\0") == 1:
        for enc in ("utf-16", "utf-16-le", "utf-16-be"):
            try:
                return head[: len(head) & ~1].decode(enc)
            except UnicodeDecodeError:
                continue
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return head[: len(head) & ~3].decode("utf-32", errors="replace")
    return head.decode("latin-1")


def check_body(body: bytes, *, max_bytes: int | None = None) -> None:
    """Refuse what must never reach an XML parser; raise :class:`FeedError`."""
    if max_bytes is not None and len(body) > max_bytes:
        raise FeedError(f"refused: the document is larger than the {max_bytes:,}-byte size cap")
    if not body.strip():
        raise FeedError("not a feed: the document is empty")
    head = _head_text(body)
    root = _ELEMENT_START.search(head)
    prolog = head[: root.start()] if root else head
    if _ENTITY_DECL.search(prolog):
        raise FeedError(
            "refused: the document declares XML entities (<!ENTITY>), which feeds do not need "
            "and entity-expansion attacks use"
        )
    if root is None and "<!DOCTYPE" in prolog.upper():
        raise FeedError("refused: the document type declaration is longer than 64 KiB")


# --- plain text out of untrusted HTML --------------------------------------------------

_SKIP = {
    "script",
    "style",
    "svg",
    "math",
    "template",
    "noscript",
    "iframe",
    "object",
    "embed",
    "head",
    "title",
    "select",
    "textarea",
    "button",
    "form",
}
_BLOCK = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "tr",
    "td",
    "th",
    "table",
    "section",
    "article",
    "figure",
    "figcaption",
    "hr",
    "dd",
    "dt",
}
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)
_SPACE = re.compile(r"\s+")


class _TextOnly(HTMLParser):
    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.size = 0
        self.skip = 0
        self.limit = limit

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCK:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip and self.size < self.limit:
            self.parts.append(data)
            self.size += len(data)


def to_text(markup: str | None, limit: int = SUMMARY_CHARS) -> str:
    """Plain text of ``markup`` (HTML or text): tags and active content dropped,
    entities decoded, whitespace collapsed, cut at ``limit`` characters on a word."""
    if not markup:
        return ""
    if "<" in markup or "&" in markup:
        parser = _TextOnly(limit * 2)
        # In slices, stopping once there is enough text: a summary needs its start only.
        for start in range(0, min(len(markup), _HTML_SCAN), _HTML_SLICE):
            parser.feed(markup[start : start + _HTML_SLICE])
            if parser.size >= parser.limit:
                break
        # No close(): it would turn a tag or comment cut in half into text. What is
        # left unparsed is kept only when it is text.
        rest = parser.rawdata
        if rest and not rest.lstrip().startswith("<") and not parser.skip:
            parser.parts.append(html.unescape(rest))
        text = "".join(parser.parts)
    else:
        text = markup
    text = _SPACE.sub(" ", _CONTROL.sub("", text)).strip()
    if len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
        text = cut.rstrip(" ,;:.-") + "…"
    return text


# --- parsing ---------------------------------------------------------------------------

PRESUMMARISE_ABOVE = 2048
"""Summary and content elements longer than this (bytes) are cut before parsing
(see :func:`presummarise`)."""
TEXT_WANTED = 800
"""Characters of text (about) that a cut element must keep: enough for a summary."""
_LONG_TEXT_START = re.compile(rb"<(content:encoded|content|description|summary)\b([^>]*)(?<!/)>")
_UTF8_DECLARED = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*encoding=[\"']utf-8[\"']|<\?xml(?![^>]*encoding)|<(?!\?xml))",
    re.IGNORECASE,
)
_CDATA = re.compile(rb"\s*<!\[CDATA\[(.*?)\]\]>\s*", re.DOTALL)
_CHAR_REF = re.compile(rb"&#(?:([0-9]{1,7})|x([0-9a-fA-F]{1,6}));")


def _xml_char(ref: re.Match[bytes]) -> bytes:
    decimal, hexadecimal = ref.groups()
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD:
        return chr(code).encode("utf-8")
    if 0x10000 <= code <= 0x10FFFF:
        return chr(code).encode("utf-8")
    raise ValueError("not an XML character")


def _unescape(text: bytes) -> bytes | None:
    """``text`` with XML's references decoded; None when it has others (``&nbsp;``)."""
    if b"&#" in text:
        try:
            text = _CHAR_REF.sub(_xml_char, text)
        except ValueError:
            return None
    for entity, char in ((b"&lt;", b"<"), (b"&gt;", b">"), (b"&quot;", b'"'), (b"&apos;", b"'")):
        text = text.replace(entity, char)
    if re.search(rb"&(?!amp;)", text):
        return None
    return text.replace(b"&amp;", b"&")


_ROUGH_TAGS = re.compile(
    # What to_text() drops: elements it skips (to their end, or to the end of the
    # cut when they are not closed in it), tags, comments, references.
    rb"<(%s)\b.*?(?:</\1\s*>|\Z)|<!--.*?(?:-->|\Z)|<[^>]*>?|&[#\w]+;"
    % b"|".join(sorted(name.encode("ascii") for name in _SKIP)),
    re.DOTALL | re.IGNORECASE,
)


def _enough(markup: bytes) -> bool:
    """Whether ``markup`` holds about :data:`TEXT_WANTED` characters of text
    (roughly: a fast estimate, generous on purpose)."""
    return len(_ROUGH_TAGS.sub(b"", markup)) >= TEXT_WANTED


_MARKUP_READ = 4 * (_HTML_SCAN + _HTML_SLICE)
"""Bytes of markup that hold all that to_text() reads (characters of up to 4 bytes)."""


def _markup_start(inner: bytes) -> bytes | None:
    """The first few kilobytes of the markup (HTML) an XML parser reads from
    ``inner``, as long as they hold about :data:`TEXT_WANTED` characters of
    text; None when ``inner`` is neither one CDATA section nor escaped text."""
    cdata = _CDATA.fullmatch(inner)
    if cdata is not None:
        markup = cdata.group(1)
        if b"]]>" in markup:
            return None  # several CDATA sections
        size = PRESUMMARISE_ABOVE
        while size < len(markup) and size < _MARKUP_READ and not _enough(markup[:size]):
            size *= 4
        return markup[: min(size, _MARKUP_READ)]
    if b"<" in inner or b"]]>" in inner:
        return None
    size = PRESUMMARISE_ABOVE
    while True:
        head = inner[:size]
        if size < len(inner):
            amp = head.rfind(b"&")
            if amp != -1 and b";" not in head[amp:]:
                head = head[:amp]  # not a reference cut in half
        markup = _unescape(head)
        if markup is None or size >= len(inner) or len(markup) >= _MARKUP_READ:
            return markup if markup is None else markup[:_MARKUP_READ]
        if _enough(markup):
            return markup
        size *= 4


def _cut_utf8(data: bytes) -> bytes:
    """``data`` without a UTF-8 character cut in half at its end."""
    end = len(data)
    back = 0
    while back < 4 and end - back > 0 and 0x80 <= data[end - back - 1] <= 0xBF:
        back += 1
    if end - back > 0 and data[end - back - 1] >= 0xC0:
        need = 2 if data[end - back - 1] < 0xE0 else 3 if data[end - back - 1] < 0xF0 else 4
        if back + 1 < need:
            return data[: end - back - 1]
    return data


def presummarise(body: bytes, content_type: str | None = None) -> bytes:
    """``body`` with every long summary or content element cut to its start.

    masthead keeps a 280-character plain-text summary, but a feed carries the
    full text (HTML) of every post, which is most of its bytes and most of
    feedparser's time. Each RSS ``description`` / ``content:encoded`` and Atom
    ``summary`` / ``content`` longer than :data:`PRESUMMARISE_ABOVE` bytes is
    cut to a start holding about :data:`TEXT_WANTED` characters of text, and
    given to feedparser as one CDATA section (escaped HTML too: a reference is
    a parser callback of its own). Only UTF-8 documents are touched, only CDATA
    or escaped text is (never inline XHTML or base64), and :func:`parse_feed`
    parses the original again should the result be faulty.
    """
    charset = re.search(r"charset=[\"']?([\w-]+)", content_type or "", re.IGNORECASE)
    if charset and charset.group(1).lower() not in ("utf-8", "utf8"):
        return body
    if not _UTF8_DECLARED.match(body[:512]):
        return body
    out: list[bytes] = []
    done = 0
    for start in _LONG_TEXT_START.finditer(body):
        if start.start() < done:
            continue  # inside an element already cut
        name, attributes = start.group(1), start.group(2)
        close = body.find(b"</" + name, start.end())
        if close == -1:
            break
        end = body.find(b">", close)
        if end == -1 or body[close + 2 + len(name) : end].strip():
            continue
        inner = body[start.end() : close]
        if len(inner) <= PRESUMMARISE_ABOVE or b"base64" in attributes or b"xhtml" in attributes:
            continue
        markup = _markup_start(inner)
        if markup is None:
            continue
        markup = _cut_utf8(markup).replace(b"]]>", b"]]]]><![CDATA[>")
        out += [body[done : start.end()], b"<![CDATA[", markup, b"]]>"]
        done = close
    if not out:
        return body
    out.append(body[done:])
    return b"".join(out)


_BENIGN = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
"""feedparser's bozo faults that say nothing about the XML itself."""


def _feedparser(body: bytes, headers: dict[str, str]) -> Any:
    # Sanitising and URI resolution inside feedparser are skipped: they cost
    # three quarters of its time, and masthead keeps plain text only.
    try:
        return feedparser.parse(
            body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )
    except RecursionError:
        raise
    except Exception as exc:  # feedparser's own bugs on some broken documents
        raise FeedError(
            f"malformed feed: feedparser failed on it ({type(exc).__name__}: {exc})"
        ) from exc


_XML_BASE = re.compile(rb"[\s:]base\s*=")
_RELATIVE_PERMALINK = re.compile(
    # a GUID or id that feedparser resolves against the document's location: a
    # permalink (no isPermaLink other than "true") without a URI scheme
    rb"<(?:\w+:)?(?:guid|id)\b(?![^>]*ispermalink\s*=\s*[\"'](?!true[\"']))[^>]*>"
    rb"\s*(?:<!\[CDATA\[)?\s*((?![a-z][a-z0-9+.-]*:)[^<\s\]][^<\]]*?)\s*(?:\]\]>)?\s*</",
    re.IGNORECASE,
)


def _location(document: bytes, url: str) -> tuple[dict[str, str], frozenset[str]]:
    """The document's location for feedparser, or the GUIDs masthead resolves itself.

    Given the location, feedparser resolves the base URI of every element
    against it, a quarter of its time. masthead resolves the links it keeps
    itself, so the location is given only for an xml:base of the document's
    own (which may be relative); otherwise the relative permalink GUIDs, which
    feedparser would have resolved, are returned to be resolved the same way.
    """
    if not url.startswith(("http://", "https://")):
        return {}, frozenset()
    if _XML_BASE.search(document):
        return {"content-location": url}, frozenset()
    found = _RELATIVE_PERMALINK.finditer(document)
    return {}, frozenset(html.unescape(m.group(1).decode("utf-8", "replace")) for m in found)


def _absolute(link: str, base: str) -> str:
    link = link.strip()
    if base.startswith("http") and not link.startswith(("https://", "http://")):
        return urljoin(base, link)
    return link


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return None


def _link(entry: Any, base: str) -> str | None:
    candidates = [entry.get("link")]
    candidates += [ln.get("href") for ln in entry.get("links", []) if ln.get("rel") == "alternate"]
    guid = entry.get("id")
    if guid and entry.get("guidislink", True):
        candidates.append(guid)
    for candidate in candidates:
        if not isinstance(candidate, str) or not candidate.strip():
            continue
        absolute = strip_tracking(quote(_absolute(candidate, base), safe=_URL_SAFE))
        if is_safe_link(absolute):
            return absolute
    return None


def _describe_fault(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown problem"
    message = str(getattr(exc, "getMessage", lambda: exc)()) or type(exc).__name__
    line = getattr(exc, "getLineNumber", lambda: None)()
    return f"{message} (line {line})" if line else message


def _not_a_feed(body: bytes, base: str) -> str:
    head = _head_text(body, 8192).lstrip("\ufeff \t\r\n").lower()
    if head.startswith("{") or head.startswith("["):
        return "not a feed: got JSON (JSON Feed is not supported; expected RSS or Atom)"
    if "<html" in head or head.startswith("<!doctype html"):
        hint = ""
        m = re.search(
            r"<link\b[^>]*type=[\"']application/(?:rss|atom)\+xml[\"'][^>]*>", head, re.IGNORECASE
        )
        if m:
            href = re.search(r"href=[\"']([^\"']+)", m.group(0))
            if href and is_safe_link(urljoin(base, href.group(1))):
                hint = f"; the page links a feed at {urljoin(base, href.group(1))}"
        return f"not a feed: got an HTML page (expected RSS or Atom){hint}"
    return ""


def parse_feed(
    body: bytes,
    *,
    url: str = "",
    content_type: str | None = None,
    max_bytes: int | None = None,
) -> ParsedFeed:
    """Parse a feed document fetched from ``url``; raise :class:`FeedError` when unusable."""
    try:
        check_body(body, max_bytes=max_bytes)
        headers = {"content-type": content_type} if content_type else {}
        short = presummarise(body, content_type)
        location, relative = _location(short, url)
        try:
            result = _feedparser(short, {**headers, **location})
            fault = result.get("bozo_exception") if result.get("bozo") else None
        except FeedError:
            if short is body:
                raise
            result, fault = None, True
        if result is None or (fault is not None and not isinstance(fault, _BENIGN)):
            # report faults against the document as sent
            location, relative = _location(body, url)
            result = _feedparser(body, {**headers, **location})
        version = str(result.get("version") or "")
        raw_entries = result.get("entries") or []
        warnings: list[str] = []
        if result.get("bozo"):
            fault = result.get("bozo_exception")
            if not version and not raw_entries:
                reason = _not_a_feed(body, url)
                if reason:
                    raise FeedError(reason)
                if isinstance(fault, feedparser.NonXMLContentType):
                    raise FeedError(f"not a feed: {_describe_fault(fault)}")
                raise FeedError(f"malformed feed: {_describe_fault(fault)}")
            if isinstance(fault, feedparser.CharacterEncodingOverride):
                warnings.append(f"wrong encoding: {_describe_fault(fault)}")
            elif not isinstance(fault, feedparser.NonXMLContentType):
                warnings.append(f"recovered from malformed XML: {_describe_fault(fault)}")
        elif not version and not raw_entries:
            raise FeedError(_not_a_feed(body, url) or "not a feed: no RSS or Atom content found")
        entries: list[Entry] = []
        skipped = 0
        for raw in raw_entries:
            link = _link(raw, url)
            if link is None:
                skipped += 1
                continue
            summary = raw.get("summary")
            if not summary and raw.get("content"):
                summary = raw["content"][0].get("value")
            title = to_text(raw.get("title"), TITLE_CHARS) or link
            guid = raw.get("id")
            if isinstance(guid, str) and guid in relative:
                guid = _absolute(guid, url)
            entries.append(
                Entry(
                    url=link,
                    title=title,
                    guid=str(guid).strip() if guid else None,
                    published=_when(raw),
                    summary=to_text(summary),
                    categories=tuple(
                        to_text(t.get("term"), 80) for t in raw.get("tags", []) if t.get("term")
                    ),
                )
            )
        fault = result.get("bozo_exception") if result.get("bozo") else None
        if (
            not entries
            and fault is not None
            and not isinstance(
                fault, feedparser.CharacterEncodingOverride | feedparser.NonXMLContentType
            )
        ):
            raise FeedError(f"malformed feed, no entries recovered: {_describe_fault(fault)}")
        if skipped:
            warnings.append(
                f"{skipped} entr{'y' if skipped == 1 else 'ies'} without an http(s) link skipped"
            )
        feed = result.get("feed", {})
        link = feed.get("link")
        if isinstance(link, str):
            link = _absolute(link, url)
        return ParsedFeed(
            title=to_text(feed.get("title"), TITLE_CHARS),
            link=link if isinstance(link, str) and is_safe_link(link) else None,
            version=version or "unknown",
            entries=tuple(entries),
            warnings=tuple(warnings),
            skipped=skipped,
        )
    except FeedError as exc:
        exc.url = exc.url or url or None
        raise
    except RecursionError as exc:
        raise FeedError("malformed feed: nested too deeply", url=url or None) from exc
