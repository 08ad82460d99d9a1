"""``masthead reading import FILE.opml``: add a feed reader's subscriptions to feeds.yml."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import yaml

from .._io import atomic_write
from ..errors import ConfigError
from .parse import FeedError, check_body
from .sources import Feed, Sources, check_url, dump_sources, parse_sources
from .urls import normalise_url


@dataclass(frozen=True)
class ImportResult:
    added: tuple[Feed, ...]
    duplicates: tuple[str, ...]
    """URLs already in feeds.yml (or twice in the OPML file)."""


def read_opml(path: str | Path) -> list[Feed]:
    """The feeds (``outline`` elements with ``xmlUrl``) of an OPML file, in order."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            "no such file; expected an OPML export of your feed reader", path=p
        ) from None
    try:
        check_body(data)
    except FeedError as exc:
        raise ConfigError(exc.reason.replace("the document", "the OPML file"), path=p) from None
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise ConfigError(
            f"not well-formed XML: {exc.msg}; expected an OPML file", path=p, line=line
        ) from exc
    if root.tag.lower() != "opml":
        raise ConfigError(f"expected an <opml> document, got <{root.tag}>", path=p, line=1)
    feeds: list[Feed] = []
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl") or outline.get("xmlurl")
        if not url:
            continue
        try:
            url = check_url(url, path=p, line=None, what="xmlUrl")
        except ConfigError as exc:
            raise ConfigError(
                f"{exc.message} (in the outline titled "
                f"{outline.get('text') or outline.get('title')!r})",
                path=p,
            ) from None
        name = (outline.get("title") or outline.get("text") or "").strip()
        feeds.append(Feed(url=url, name=name or url))
    return feeds


def _append(text: str, feeds: list[Feed]) -> str:
    block = yaml.safe_dump(
        [{"url": f.url, "name": f.name} for f in feeds],
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    lines = text.splitlines()
    items = [ln for ln in lines[_feeds_line(lines) + 1 :] if ln.lstrip().startswith("- ")]
    pad = items[0][: len(items[0]) - len(items[0].lstrip())] if items else "  "
    indented = "".join(f"{pad}{line}\n" if line else "\n" for line in block.splitlines())
    return text.rstrip("\n") + "\n" + indented


def import_opml(opml: str | Path, feeds_file: str | Path) -> ImportResult:
    """Add the feeds of ``opml`` missing from ``feeds_file`` (deduplicated by normalised URL).

    The author's feeds.yml keeps its comments: new feeds are appended to its
    ``feeds:`` list when that list comes last, as a new file is written
    otherwise. The result is validated before the atomic write.
    """
    target = Path(feeds_file)
    incoming = read_opml(opml)
    text = target.read_text(encoding="utf-8") if target.is_file() else ""
    sources = parse_sources(text, target) if text.strip() else Sources(target)
    known = {normalise_url(f.url) for f in sources.feeds}
    added: list[Feed] = []
    duplicates: list[str] = []
    for feed in incoming:
        key = normalise_url(feed.url)
        if key in known:
            duplicates.append(feed.url)
            continue
        known.add(key)
        added.append(feed)
    if not added:
        return ImportResult((), tuple(duplicates))
    lines = text.rstrip("\n").splitlines()
    feeds_last = bool(sources.feeds) and not any(
        line[:1].isalpha() and not line.startswith("feeds:") for line in lines[_feeds_line(lines) :]
    )
    merged = Sources(target, sources.feeds + tuple(added), sources.settings)
    new_text = _append(text, added) if feeds_last else dump_sources(merged)
    try:
        if parse_sources(new_text, target).feeds != merged.feeds:
            raise ConfigError("appending changed the list", path=target)
    except ConfigError:
        new_text = dump_sources(merged)  # the author's layout defeated appending: rewrite
        parse_sources(new_text, target)
    atomic_write(target, new_text)
    return ImportResult(tuple(added), tuple(duplicates))


def _feeds_line(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if line.startswith("feeds:"):
            return i
    return len(lines)
