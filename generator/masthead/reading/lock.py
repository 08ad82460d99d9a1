"""``<lock_dir>/<issue>.yml`` (``content/reading/`` by default): an issue's reading list,
owned by the author.

A pull adds new candidates (unpicked) and refreshes what the feed says about
known ones (``url``, ``title``, ``source``, ``published``, ``guid``,
``summary``). The author's fields -- ``pick``, ``order``, ``comment``,
``title_override`` and private ``notes`` -- are never overwritten or dropped,
and no entry is ever removed, even after it has left its feed. The author's
``# comments`` stay where they were written: above an entry or a field, at the
end of a line, at the top or the bottom of the file (see :mod:`._comments`);
where one could not be kept, the merge is refused with the comment's line,
never done without it. The merge is idempotent and the file is written
atomically, only when it changes.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from .._io import atomic_write, remove_stale_temps
from ..content import Period
from ..errors import ConfigError
from . import _comments, _emit, _yaml
from .urls import is_safe_link, normalise_url

PULLED_FIELDS = ("url", "title", "source", "published", "guid", "summary")
AUTHOR_FIELDS = ("pick", "order", "title_override", "comment", "notes")


@dataclass(frozen=True)
class Candidate:
    """An entry a pull found for the issue's window."""

    url: str
    title: str
    source: str
    published: datetime
    """Date the feed gives (clamped to now), or when the entry was first seen."""
    summary: str = ""
    guid: str | None = None
    dated: bool = True
    """False when the feed gave no date (``published`` is then the first-seen time)."""
    feed_url: str = ""


@dataclass(frozen=True)
class ReadingItem:
    """A validated entry of a lock file."""

    url: str
    title: str
    source: str = ""
    published: datetime | None = None
    summary: str = ""
    guid: str | None = None
    pick: bool = False
    order: int | None = None
    title_override: str | None = None
    comment: str = ""
    line: int | None = field(default=None, compare=False)

    @property
    def display_title(self) -> str:
        return self.title_override or self.title


@dataclass(frozen=True)
class ReadingLock:
    """A lock file, validated."""

    path: Path
    issue: str
    items: tuple[ReadingItem, ...]

    def picks(self) -> list[ReadingItem]:
        """Picked entries in the author's ``order`` (unordered ones last, in file order)."""
        chosen = [(i, item) for i, item in enumerate(self.items) if item.pick]
        chosen.sort(key=lambda p: (p[1].order is None, p[1].order or 0, p[0]))
        return [item for _, item in chosen]


@dataclass(frozen=True)
class MergeResult:
    entries: list[dict[str, Any]]
    new: Counter[str]
    """Entries added, per feed URL."""
    updated: Counter[str]
    """Known entries whose feed data changed, per feed URL."""


def lock_path(lock_dir: str | Path, issue: str | Period) -> Path:
    """The lock of ``issue`` in the folder of the reading locks (``masthead/reading: lock_dir``)."""
    return Path(lock_dir) / f"{issue}.yml"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _published_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, date):
        return iso(datetime(value.year, value.month, value.day, tzinfo=UTC))
    return value


def _parse_published(value: Any, path: Path, line: int) -> datetime | None:
    if value is None:
        return None
    text = _published_text(value)
    if isinstance(text, str):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except ValueError:
            pass
    raise ConfigError(
        f"expected 'published' to be a date like 2022-12-05T10:00:00Z, got {value!r}",
        path=path,
        line=line,
    )


# --- reading ---------------------------------------------------------------------------


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _read_raw(
    path: Path, raw: bytes | None = None
) -> tuple[_yaml.LineDict | None, list[_yaml.LineDict]]:
    if raw is None:
        raw = _read_bytes(path)
    if raw is None:
        return None, []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"expected UTF-8 text: {exc.reason}", path=path) from exc
    data = _yaml.load(text, path)
    if data is None:
        return None, []
    if not isinstance(data, _yaml.LineDict):
        raise ConfigError("expected a mapping with 'issue:' and 'entries:'", path=path, line=1)
    for key in data:
        if key not in ("issue", "entries"):
            raise ConfigError(
                f"unknown key {key!r}; expected 'issue' and 'entries'",
                path=path,
                line=data.line_of(key),
            )
    entries = data.get("entries") or []
    if not isinstance(entries, list):
        raise ConfigError(
            "expected 'entries:' to be a list (- url: ...)", path=path, line=data.line_of("entries")
        )
    lines = getattr(entries, "item_lines", [data.line_of("entries")] * len(entries))
    for item, line in zip(entries, lines, strict=True):
        if not isinstance(item, _yaml.LineDict):
            raise ConfigError(
                f"expected an entry (url:, title:, ...), got {item!r}", path=path, line=line
            )
    return data, list(entries)


def _check_issue(data: _yaml.LineDict | None, path: Path, issue: str) -> None:
    if data is None or "issue" not in data:
        return
    if str(data["issue"]) != issue:
        raise ConfigError(
            f"this file is for issue {data['issue']!r} but its name says {issue!r}; expected "
            f"'issue: {issue}'",
            path=path,
            line=data.line_of("issue"),
        )


def _item(raw: _yaml.LineDict, path: Path) -> ReadingItem:
    def want(key: str, kinds: tuple[type, ...], what: str) -> Any:
        value = raw.get(key)
        if value is not None and (
            not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool))
        ):
            raise ConfigError(
                f"expected '{key}' to be {what}, got {value!r}", path=path, line=raw.line_of(key)
            )
        return value

    for key in raw:
        if key not in PULLED_FIELDS and key not in AUTHOR_FIELDS:
            raise ConfigError(
                f"unknown key {key!r} in a reading entry; expected some of "
                f"{', '.join(PULLED_FIELDS + AUTHOR_FIELDS)}",
                path=path,
                line=raw.line_of(key),
            )
    url = raw.get("url")
    if not isinstance(url, str) or not is_safe_link(url):
        raise ConfigError(
            f"expected 'url' to be an absolute http(s) URL, got {url!r}",
            path=path,
            line=raw.line_of("url"),
        )
    title = want("title", (str, int, float), "text")
    if title is None or not str(title).strip():
        raise ConfigError("expected a 'title'", path=path, line=raw.line)
    pick = want("pick", (bool,), "true or false")
    return ReadingItem(
        url=url.strip(),
        title=str(title).strip(),
        source=str(want("source", (str, int), "text") or ""),
        published=_parse_published(raw.get("published"), path, raw.line_of("published")),
        summary=str(want("summary", (str,), "text") or ""),
        guid=str(raw["guid"]) if raw.get("guid") is not None else None,
        pick=bool(pick),
        order=want("order", (int,), "a whole number"),
        title_override=want("title_override", (str,), "text"),
        comment=want("comment", (str,), "Markdown text") or "",
        line=raw.line,
    )


def load_lock(path: str | Path, issue: str | None = None) -> ReadingLock:
    """Read and validate a lock file; errors name the file and line."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(
            "no such reading list; expected a file made by 'masthead reading pull "
            f"{issue or p.stem}'",
            path=p,
        )
    data, entries = _read_raw(p)
    name = issue or p.stem
    _check_issue(data, p, name)
    return ReadingLock(p, name, tuple(_item(e, p) for e in entries))


# --- merging ---------------------------------------------------------------------------


def _pulled(c: Candidate) -> dict[str, Any]:
    out: dict[str, Any] = {
        "url": c.url,
        "title": c.title,
        "source": c.source,
        "published": iso(c.published),
    }
    if c.guid:
        out["guid"] = c.guid
    if c.summary:
        out["summary"] = c.summary
    return out


def merge(existing: list[dict[str, Any]], candidates: list[Candidate]) -> MergeResult:
    """``existing`` entries updated with ``candidates``; author fields untouched.

    An entry is known when its normalised URL, or else its GUID, matches: the
    candidates are matched by URL first, all of them, then the others by GUID
    (an entry taken by GUID gets the candidate's URL). So every candidate ends
    at an entry with its URL, made from the first candidate at that URL, and the
    next merge of the same candidates, all matched by URL, changes nothing: the
    merge is idempotent. A known entry gets the feed's current title, summary
    and date (an undated entry keeps the date it already has); author fields and
    all entries not among the candidates are kept as they are. New entries are
    appended, oldest first, with ``pick: false``.
    """
    entries = [dict(e) for e in existing]
    for e in entries:
        if "published" in e:
            e["published"] = _published_text(e["published"])
    by_url = {normalise_url(str(e.get("url", ""))): i for i, e in enumerate(entries)}
    by_guid = {str(e["guid"]): i for i, e in enumerate(entries) if e.get("guid")}
    new: Counter[str] = Counter()
    updated: Counter[str] = Counter()
    fresh: list[tuple[Candidate, dict[str, Any]]] = []
    claimed: set[int] = set()

    def claim(index: int, c: Candidate, key: str) -> None:
        claimed.add(index)
        entry = entries[index]
        values = _pulled(c)
        if normalise_url(str(entry.get("url", ""))) == key:
            values["url"] = entry["url"]  # same article; keep the URL as first recorded
        if not c.dated and entry.get("published"):
            values["published"] = entry["published"]
        changed = False
        for k, v in values.items():
            if entry.get(k) != v:
                entry[k] = v
                changed = True
        if changed:
            updated[c.feed_url] += 1

    by_guid_only: list[tuple[Candidate, str]] = []
    for c in candidates:
        key = normalise_url(c.url)
        index = by_url.get(key)
        if index is None:
            by_guid_only.append((c, key))
        elif index not in claimed:  # (else the same article twice: the first feed wins)
            claim(index, c, key)
    for c, key in by_guid_only:
        if key in by_url:
            continue  # an entry moved to this URL, or was added at it, by this pull
        index = by_guid.get(c.guid) if c.guid else None
        if index is not None and index not in claimed:
            claim(index, c, key)
            by_url[key] = index
            continue
        # New; also when the entry of its GUID went to another candidate of this pull:
        # skipped, it would come back as new (at a URL no entry has) in the next one.
        by_url[key] = len(entries) + len(fresh)
        fresh.append((c, _pulled(c) | {"pick": False}))
    fresh.sort(key=lambda p: (p[0].published, p[0].url))
    for c, entry in fresh:
        entries.append(entry)
        new[c.feed_url] += 1
    return MergeResult(entries, new, updated)


# --- writing ---------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """The fallback writer (pure Python: libyaml's emitter would escape emoji)."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _ordered(entry: dict[str, Any]) -> dict[str, Any]:
    keys = [k for k in PULLED_FIELDS + AUTHOR_FIELDS if k in entry]
    keys += [k for k in entry if k not in keys]
    return {k: entry[k] for k in keys}


def header(issue: str) -> str:
    try:
        title = Period.parse(issue).title
    except ValueError:
        title = issue
    return (
        f"# Reading list for {title}, pulled by 'masthead reading pull {issue}'.\n"
        "# New candidates arrive with 'pick: false'. To publish one, set 'pick: true',\n"
        "# write a 'comment' (Markdown) and, if you like, an 'order' (1 comes first) and a\n"
        "# 'title_override'. A pull never changes or removes these fields, nor your 'notes'.\n"
    )


def dump_lock(
    issue: str, entries: list[dict[str, Any]], notes: _comments.Notes | None = None
) -> str:
    """The text of a lock file; ``notes`` puts the author's comments back (see
    :func:`_rewrite`). Raises :class:`_emit.NotRepresentable` when there are
    comments and only PyYAML's writer, which drops them, can write the entries."""
    data = {"issue": issue, "entries": [_ordered(e) for e in entries]}
    try:
        body = _emit.dump(data, "entries", notes)
    except _emit.NotRepresentable:
        if notes:
            raise
        body = yaml.dump(
            data,
            Dumper=_Dumper,
            sort_keys=False,
            allow_unicode=True,
            width=100,
            default_flow_style=False,
        )
    return header(issue) + body


def _comments_of(text: str, issue: str) -> list[_comments.Comment]:
    """The comments of a lock's text (none, quickly, when only the header has any)."""
    top = header(issue)
    rest = text[len(top) :] if text.startswith(top) else text
    return _comments.scan(text) if _comments.might_have_comments(rest) else []


def _rewrite(path: Path, issue: str, raw: bytes | None, entries: list[dict[str, Any]]) -> str:
    """The new text of the lock at ``path`` (``raw``: its bytes now), keeping every
    comment of the author where it was, or a :class:`ConfigError` naming the
    comment that cannot be kept (the file is then left as it is)."""
    text = raw.decode("utf-8") if raw else ""
    comments = _comments_of(text, issue)
    notes = _comments.place(text, "entries", comments)
    generated = set(header(issue).splitlines())
    notes.head = [line for line in notes.head if line not in generated]  # written anew
    if not notes:
        return dump_lock(issue, entries)
    first = next((c for c in comments if c.text not in generated), comments[0])
    try:
        new = dump_lock(issue, entries, notes)
    except _emit.NotRepresentable as exc:
        raise ConfigError(
            f"a pull cannot keep the comment {first.text[:60]!r}: an entry holds a value "
            f"that masthead writes only with PyYAML, which drops comments ({exc}); the file "
            "is left as it was (write that value as text, or move the comment into it)",
            path=path,
            line=first.line,
        ) from None
    kept = [c.text for c in _comments.scan(new)]
    for comment in comments:
        if not any(comment.text in line for line in kept):  # pragma: no cover - a safety net
            raise ConfigError(
                f"a pull cannot keep the comment {comment.text[:60]!r} in its place; the file "
                "is left as it was",
                path=path,
                line=comment.line,
            )
    return new


@dataclass(frozen=True)
class LockSnapshot:
    """A lock file as read and validated at one moment (to merge into it later)."""

    path: Path
    digest: str | None
    """:func:`lock_digest` of the bytes read; None when the file did not exist."""
    data: _yaml.LineDict | None
    entries: list[_yaml.LineDict]


def _digest(raw: bytes | None) -> str | None:
    return None if raw is None else hashlib.sha256(raw).hexdigest()


def lock_digest(path: Path) -> str | None:
    """A fingerprint of the file's bytes (None when it does not exist).

    Reading and hashing a lock costs well under a millisecond, parsing it
    tens of milliseconds; and unlike a file's mtime, a hash cannot miss an
    edit saved within the same clock tick.
    """
    return _digest(_read_bytes(path))


def candidates_digest(issue: str, candidates: list[Candidate]) -> str:
    """A fingerprint of what a pull would merge into the issue's lock."""
    digest = hashlib.sha256(issue.encode("utf-8"))
    for c in candidates:
        fields = (c.url, c.title, c.source, iso(c.published), c.summary, c.guid or "", c.dated)
        digest.update(json.dumps(fields, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def read_lock(path: str | Path, issue: str, raw: bytes | None = None) -> LockSnapshot:
    """Read and validate the lock at ``path`` (missing is fine: an empty snapshot);
    ``raw`` is its bytes when the caller has read them already."""
    p = Path(path)
    if raw is None:
        raw = _read_bytes(p)
    data, raw_entries = _read_raw(p, raw)
    _check_issue(data, p, issue)
    for item in raw_entries:
        _item(item, p)
    return LockSnapshot(p, _digest(raw), data, raw_entries)


def check_comments(snapshot: LockSnapshot, issue: str) -> None:
    """Refuse, before a pull fetches anything, a lock whose comments a merge could not
    keep (see :func:`_rewrite`): what a merge adds is always writable, so whether the
    comments can be kept depends on the author's values alone."""
    raw = _read_bytes(snapshot.path)
    if raw is None or _digest(raw) != snapshot.digest:
        return  # changed meanwhile: the merge checks it again
    _rewrite(snapshot.path, issue, raw, merge([dict(e) for e in snapshot.entries], []).entries)


def update_lock(
    path: str | Path,
    issue: str,
    candidates: list[Candidate],
    snapshot: LockSnapshot | None = None,
) -> MergeResult:
    """Merge ``candidates`` into the lock file at ``path`` (created when missing).

    The existing file is validated first (a broken file is reported, never
    overwritten); ``snapshot``, from :func:`read_lock`, saves reading it again
    when the file has not changed since. When the merge adds or updates nothing, the file is left
    exactly as the author wrote it; otherwise the new text, with the author's
    comments where they were, is written atomically (or, should a comment have
    no place in it, a :class:`ConfigError` names the comment's line and the file
    is left as it is).
    """
    p = Path(path)
    raw = _read_bytes(p)
    if snapshot is None or snapshot.path != p or snapshot.digest != _digest(raw):
        snapshot = read_lock(p, issue, raw)  # (again, if the author saved it meanwhile)
    data, raw_entries = snapshot.data, snapshot.entries
    result = merge([dict(e) for e in raw_entries], candidates)
    if data is not None and not result.new and not result.updated:
        return result
    text = _rewrite(p, issue, raw, result.entries)
    if raw is None or text.encode("utf-8") != raw:
        remove_stale_temps(p.parent, f".{p.name}.")  # of a pull killed while writing
        atomic_write(p, text)
    return result
