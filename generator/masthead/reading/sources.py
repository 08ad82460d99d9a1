"""``content/reading/feeds.yml``: the feeds a reading-list pull reads.

```yaml
settings:                # optional; these are the defaults
  timeout: 20            # seconds per feed, all redirects included
  max_bytes: 8388608     # a feed body larger than this is refused
  concurrency: 200       # feeds fetched at the same time
feeds:
  - url: https://lwn.net/headlines/rss
    name: LWN.net
    tags: [kernel]       # optional: keep only entries in one of these categories
    source: name         # optional: an entry's source is the feed's name, or "host"
    max_entries: 10      # optional: at most this many (newest) entries per pull
    enabled: true        # optional
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError
from . import _yaml

FEEDS_FILE = "feeds.yml"
DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_CONCURRENCY = 200
"""Each feed is one connection, nearly always to a host of its own, and mostly
waits for the network: a list of up to 200 feeds goes out in one round. A pull
lowers it when the process may not open that many files."""

_FEED_KEYS = {"url", "name", "tags", "max_entries", "enabled", "source"}
SOURCE_MODES = ("name", "host")
_SETTING_KEYS = {"timeout", "max_bytes", "concurrency", "user_agent"}
URL_SCHEMES = ("http", "https", "file")


@dataclass(frozen=True)
class Feed:
    """One source of reading-list candidates."""

    url: str
    name: str
    tags: tuple[str, ...] = ()
    """Keep only entries carrying one of these categories (case-insensitive); empty: all."""
    max_entries: int | None = None
    """Take at most this many entries (the newest) from this feed per pull."""
    enabled: bool = True
    source: str = "name"
    """What an entry's ``source`` says: the feed's ``name``, or the ``host`` of the entry's
    link (for a bookmarks feed, where the feed's name says nothing about the article)."""
    line: int | None = field(default=None, compare=False)
    """Line of the entry in feeds.yml, for messages."""


@dataclass(frozen=True)
class Settings:
    """How a pull fetches (overridable in feeds.yml ``settings:``)."""

    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    concurrency: int = DEFAULT_CONCURRENCY
    user_agent: str | None = None


@dataclass(frozen=True)
class Sources:
    """The parsed feeds.yml."""

    path: Path
    feeds: tuple[Feed, ...] = ()
    settings: Settings = Settings()

    @property
    def enabled(self) -> tuple[Feed, ...]:
        return tuple(f for f in self.feeds if f.enabled)


def check_url(url: Any, *, path: Path, line: int | None, what: str = "'url'") -> str:
    """An absolute http(s) or file URL, or a :class:`ConfigError` naming the line."""
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(
            f"expected {what} to be a URL like https://example.org/feed.xml, got {url!r}",
            path=path,
            line=line,
        )
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in URL_SCHEMES or (
        parts.scheme.lower() != "file" and not parts.netloc
    ):
        raise ConfigError(
            f"expected {what} to be an absolute http(s) URL like https://example.org/feed.xml, "
            f"got {url!r}",
            path=path,
            line=line,
        )
    return url.strip()


def _unknown(mapping: _yaml.LineDict, allowed: set[str], path: Path, where: str) -> None:
    for key in mapping:
        if key not in allowed:
            raise ConfigError(
                f"unknown key {key!r} in {where}; expected one of {', '.join(sorted(allowed))}",
                path=path,
                line=mapping.line_of(key),
            )


def _feed(item: Any, line: int, path: Path) -> Feed:
    if not isinstance(item, _yaml.LineDict):
        raise ConfigError(
            f"expected a feed as a mapping with 'url' and 'name', got {item!r}",
            path=path,
            line=line,
        )
    _unknown(item, _FEED_KEYS, path, "a feed")
    if "url" not in item:
        raise ConfigError("expected 'url:' in this feed", path=path, line=item.line)
    url = check_url(item["url"], path=path, line=item.line_of("url"))
    name = item.get("name", urlsplit(url).netloc or url)
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(
            f"expected 'name' to be text, got {name!r}", path=path, line=item.line_of("name")
        )
    tags = item.get("tags", [])
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str | int) for t in tags):
        raise ConfigError(
            f"expected 'tags' to be a list of category names, got {tags!r}",
            path=path,
            line=item.line_of("tags"),
        )
    max_entries = item.get("max_entries")
    if max_entries is not None and (
        not isinstance(max_entries, int) or isinstance(max_entries, bool) or max_entries < 1
    ):
        raise ConfigError(
            f"expected 'max_entries' to be a whole number >= 1, got {max_entries!r}",
            path=path,
            line=item.line_of("max_entries"),
        )
    enabled = item.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(
            f"expected 'enabled' to be true or false, got {enabled!r}",
            path=path,
            line=item.line_of("enabled"),
        )
    source = item.get("source", "name")
    if source not in SOURCE_MODES:
        raise ConfigError(
            f"expected 'source' to be one of {', '.join(SOURCE_MODES)}, got {source!r}",
            path=path,
            line=item.line_of("source"),
        )
    return Feed(
        url=url,
        name=name.strip(),
        tags=tuple(str(t) for t in tags),
        max_entries=max_entries,
        enabled=enabled,
        source=source,
        line=item.line,
    )


def _positive(mapping: _yaml.LineDict, key: str, kind: type, default: Any, path: Path) -> Any:
    value: Any = mapping.get(key, default)
    allowed: tuple[type, ...] = (int, float) if kind is float else (kind,)
    if (
        type(value) not in allowed or not value > 0
    ):  # type(), not isinstance: bool is no number here
        raise ConfigError(
            f"expected '{key}' to be a number > 0, got {value!r}",
            path=path,
            line=mapping.line_of(key),
        )
    return kind(value)


def parse_sources(text: str, path: str | Path) -> Sources:
    """Parse the text of a feeds.yml; errors name the file and line."""
    p = Path(path)
    data = _yaml.load(text, p)
    if data is None:
        return Sources(p)
    if not isinstance(data, _yaml.LineDict):
        raise ConfigError("expected a mapping with a 'feeds:' list", path=p, line=1)
    _unknown(data, {"feeds", "settings"}, p, "feeds.yml")
    settings = Settings()
    raw_settings = data.get("settings")
    if raw_settings is not None:
        if not isinstance(raw_settings, _yaml.LineDict):
            raise ConfigError(
                "expected 'settings:' to be a mapping", path=p, line=data.line_of("settings")
            )
        _unknown(raw_settings, _SETTING_KEYS, p, "settings")
        agent = raw_settings.get("user_agent")
        if agent is not None and not isinstance(agent, str):
            raise ConfigError(
                "expected 'user_agent' to be text", path=p, line=raw_settings.line_of("user_agent")
            )
        settings = Settings(
            timeout=_positive(raw_settings, "timeout", float, DEFAULT_TIMEOUT, p),
            max_bytes=_positive(raw_settings, "max_bytes", int, DEFAULT_MAX_BYTES, p),
            concurrency=_positive(raw_settings, "concurrency", int, DEFAULT_CONCURRENCY, p),
            user_agent=agent,
        )
    raw_feeds = data.get("feeds", [])
    if raw_feeds is None:
        raw_feeds = []
    if not isinstance(raw_feeds, _yaml.LineList):
        raise ConfigError(
            "expected 'feeds:' to be a list of feeds (- url: ...)",
            path=p,
            line=data.line_of("feeds"),
        )
    feeds = [
        _feed(item, line, p) for item, line in zip(raw_feeds, raw_feeds.item_lines, strict=True)
    ]
    seen: dict[str, Feed] = {}
    from .urls import normalise_url

    for feed in feeds:
        key = normalise_url(feed.url)
        if key in seen:
            raise ConfigError(
                f"feed {feed.url} is listed twice (first on line {seen[key].line}); "
                "expected each feed once",
                path=p,
                line=feed.line,
            )
        seen[key] = feed
    return Sources(p, tuple(feeds), settings)


def load_sources(path: str | Path) -> Sources:
    """Read a feeds.yml; a missing file is an error that says how to start one."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            "no such file; expected the list of feeds to pull (feeds: - url: ... name: ...), "
            "or run 'masthead reading import FILE.opml'",
            path=p,
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"expected UTF-8 text: {exc.reason}", path=p) from exc
    return parse_sources(text, p)


def dump_sources(sources: Sources) -> str:
    """feeds.yml text for ``sources`` (used by the OPML import)."""
    import yaml

    out: dict[str, Any] = {}
    if sources.settings != Settings():
        s = sources.settings
        out["settings"] = {
            k: v
            for k, v in (
                ("timeout", s.timeout),
                ("max_bytes", s.max_bytes),
                ("concurrency", s.concurrency),
                ("user_agent", s.user_agent),
            )
            if v is not None
        }
    feeds = []
    for f in sources.feeds:
        item: dict[str, Any] = {"url": f.url, "name": f.name}
        if f.tags:
            item["tags"] = list(f.tags)
        if f.max_entries is not None:
            item["max_entries"] = f.max_entries
        if not f.enabled:
            item["enabled"] = False
        if f.source != "name":
            item["source"] = f.source
        feeds.append(item)
    out["feeds"] = feeds
    header = "# Feeds that 'masthead reading pull' reads for reading-list candidates.\n"
    return header + yaml.safe_dump(out, sort_keys=False, allow_unicode=True, width=100)
