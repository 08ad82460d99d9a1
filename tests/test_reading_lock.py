"""The lock file belongs to the author: merges keep their fields, forever, idempotently."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from masthead.errors import ConfigError
from masthead.reading.cache import EntryIndex, FeedCache
from masthead.reading.lock import Candidate, load_lock, update_lock
from masthead.reading.parse import Entry
from masthead.reading.pull import Window, pull, select
from masthead.reading.sources import Feed, Sources

from .test_reading_helpers import Route, _Server, feed_server

DECEMBER = Window(datetime(2022, 12, 1, tzinfo=UTC), datetime(2023, 1, 1, tzinfo=UTC))
NOW = datetime(2022, 12, 31, 12, tzinfo=UTC)


def rss(*items: tuple[str, str, str | None]) -> bytes:
    """An RSS 2.0 document of (title, link, pubDate or None) items."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link>"
        + (f"<pubDate>{d}</pubDate>" if d else "")
        + f"<guid isPermaLink='false'>{link.rsplit('/', 2)[-2]}</guid></item>"
        for t, link, d in items
    )
    return (
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>Feed</title>"
        f"<link>https://f.example/</link>{body}</channel></rss>"
    ).encode()


A = ("Post A", "https://f.example/a/", "Fri, 02 Dec 2022 10:00:00 GMT")
B = ("Post B", "https://f.example/b/", "Sat, 10 Dec 2022 10:00:00 GMT")
C = ("Post C", "https://f.example/c/", "Sun, 18 Dec 2022 10:00:00 GMT")


class Project:
    """A project folder with a feeds.yml pointing at a loopback server whose feed can change."""

    def __init__(self, root: Path, route: Route, base: str, server: _Server) -> None:
        self.root = root
        self.route = route
        self.server = server
        self.docs = root / "content"
        self.sources = Sources(
            self.docs / "reading" / "feeds.yml", (Feed(url=f"{base}/feed", name="Feed Weekly"),)
        )
        self.lock = self.docs / "reading" / "2022-12.yml"

    def pull(self, *, now: datetime = NOW) -> dict[str, int]:
        report = pull(
            self.sources,
            project=self.root,
            lock_dir=self.docs / "reading",
            issue="2022-12",
            window=DECEMBER,
            now=now,
            workers=0,
        )
        assert not report.failed, report.failed
        return {"new": sum(report.new.values()), "updated": sum(report.updated.values())}

    def entries(self) -> list[dict[str, object]]:
        return yaml.safe_load(self.lock.read_text(encoding="utf-8"))["entries"]

    def edit(self, url: str, **fields: object) -> None:
        data = yaml.safe_load(self.lock.read_text(encoding="utf-8"))
        for entry in data["entries"]:
            if entry["url"] == url:
                entry.update(fields)
        self.lock.write_text(
            yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )


@pytest.fixture
def project(tmp_path: Path):  # type: ignore[no-untyped-def]
    route = Route(body=rss(A, B), validators=True)
    with feed_server({"/feed": route}) as (base, server):
        yield Project(tmp_path, route, base, server)


AUTHOR = {
    "pick": True,
    "order": 2,
    "title_override": "A better title",
    "comment": "Read this **twice**.\n\nSecond paragraph, with a [link](https://x.example/).\n",
    "notes": "private",
}


def test_new_candidates_arrive_unpicked(project: Project) -> None:
    assert project.pull() == {"new": 2, "updated": 0}
    entries = project.entries()
    assert [e["url"] for e in entries] == [A[1], B[1]]
    assert all(e["pick"] is False for e in entries)
    assert entries[0]["source"] == "Feed Weekly"
    assert entries[0]["published"] == "2022-12-02T10:00:00Z"
    text = project.lock.read_text(encoding="utf-8")
    assert text.startswith("# Reading list for December 2022")
    assert "issue: 2022-12\n" in text


def test_repull_keeps_every_author_field_when_the_feed_changes(project: Project) -> None:
    project.pull()
    project.edit(A[1], **AUTHOR)
    # The feed retitles A and adds C.
    project.route.body = rss(("Post A, revised", A[1], A[2]), B, C)
    assert project.pull() == {"new": 1, "updated": 1}
    a = next(e for e in project.entries() if e["url"] == A[1])
    assert a["title"] == "Post A, revised"  # the feed's field follows the feed
    for key, value in AUTHOR.items():
        assert a[key] == value, key
    # The comment is still a readable block in the file.
    assert "  comment: |\n    Read this **twice**.\n" in project.lock.read_text(encoding="utf-8")


def test_picks_survive_the_entry_leaving_the_feed(project: Project) -> None:
    project.pull()
    project.edit(B[1], pick=True, comment="Keep me.", order=1)
    project.route.body = rss(C)  # A and B are gone from the feed
    assert project.pull() == {"new": 1, "updated": 0}
    entries = {e["url"]: e for e in project.entries()}
    assert set(entries) == {A[1], B[1], C[1]}  # nothing is ever dropped
    assert entries[B[1]]["pick"] is True and entries[B[1]]["comment"] == "Keep me."
    assert [i.url for i in load_lock(project.lock).picks()] == [B[1]]


def test_merge_is_idempotent(project: Project) -> None:
    project.pull()
    project.edit(A[1], **AUTHOR)
    project.pull()
    first = project.lock.read_bytes()
    os.utime(project.lock, (1_000_000_000, 1_000_000_000))
    assert project.pull() == {"new": 0, "updated": 0}
    assert project.lock.read_bytes() == first
    assert project.lock.stat().st_mtime == 1_000_000_000  # not rewritten at all


def test_dedupe_by_normalised_url_then_guid() -> None:
    feed = Feed(url="https://f.example/feed", name="F")
    entries = [
        Entry(
            url="https://F.example/x/?utm_source=rss#top",
            title="X",
            guid="gx",
            published=datetime(2022, 12, 3, tzinfo=UTC),
        ),
        Entry(
            url="http://f.example/x",
            title="X again",
            guid="other",
            published=datetime(2022, 12, 4, tzinfo=UTC),
        ),
        Entry(
            url="https://f.example/x-moved/",
            title="X moved",
            guid="gx",
            published=datetime(2022, 12, 5, tzinfo=UTC),
        ),
        Entry(url="https://f.example/y/", title="Y", published=datetime(2022, 12, 6, tzinfo=UTC)),
    ]
    chosen = select(entries, feed, DECEMBER, now=NOW, first_seen={})
    assert [c.title for c in chosen] == ["Y", "X"]
    # Across pulls: the lock recognises a known entry by URL, then by GUID.
    lock_entries: list[dict[str, object]] = [
        {"url": "https://f.example/x/", "title": "X", "guid": "gx", "pick": True, "comment": "c"}
    ]
    moved = Candidate(
        url="https://f.example/x-moved/",
        title="X moved",
        source="F",
        published=datetime(2022, 12, 5, tzinfo=UTC),
        guid="gx",
    )
    from masthead.reading.lock import merge

    result = merge(lock_entries, [moved])
    assert len(result.entries) == 1
    assert result.entries[0]["url"] == "https://f.example/x-moved/"
    assert result.entries[0]["pick"] is True and result.entries[0]["comment"] == "c"


def test_a_candidate_at_an_entrys_url_wins_over_one_with_its_guid() -> None:
    """The article moved (same GUID, new URL) while another is at the old URL: the entry
    stays with its URL, the moved one is new, and merging again changes nothing."""
    from masthead.reading.lock import merge

    when = datetime(2022, 12, 5, tzinfo=UTC)
    lock_entries: list[dict[str, object]] = [
        {"url": "https://f.example/old/", "title": "Old", "guid": "g", "pick": True}
    ]
    moved = Candidate(
        url="https://f.example/new/", title="New", source="F", published=when, guid="g"
    )
    at_old = Candidate(
        url="https://f.example/old/", title="Old, revised", source="F", published=when
    )
    for order in ([moved, at_old], [at_old, moved]):
        once = merge(lock_entries, order)
        twice = merge(once.entries, order)
        assert [e["url"] for e in once.entries] == ["https://f.example/old/", moved.url]
        assert once.entries[0]["title"] == "Old, revised" and once.entries[0]["pick"] is True
        assert twice.entries == once.entries and not twice.new and not twice.updated
    # Alone, the moved article is the same entry, at its new URL.
    (entry,) = merge(lock_entries, [moved]).entries
    assert (entry["url"], entry["title"], entry["pick"]) == (moved.url, "New", True)


def test_window_rules(tmp_path: Path) -> None:
    feed = Feed(url="https://f.example/feed", name="F", tags=("k8s",), max_entries=2)
    first_seen: dict[str, str] = {}
    entries = [
        Entry(url="https://f.example/undated/", title="U", categories=("K8s",)),
        Entry(
            url="https://f.example/future/",
            title="F",
            categories=("k8s",),
            published=datetime(2040, 1, 1, tzinfo=UTC),
        ),
        Entry(
            url="https://f.example/edge/",
            title="E",
            categories=("k8s",),
            published=datetime(2023, 1, 1, tzinfo=UTC),
        ),  # end is exclusive
        Entry(
            url="https://f.example/start/",
            title="S",
            categories=("k8s",),
            published=datetime(2022, 12, 1, tzinfo=UTC),
        ),
        Entry(
            url="https://f.example/other-tag/",
            title="O",
            categories=("cooking",),
            published=datetime(2022, 12, 9, tzinfo=UTC),
        ),
    ]
    chosen = select(entries, feed, DECEMBER, now=NOW, first_seen=first_seen)
    assert [c.title for c in chosen] == ["U", "F"]  # newest two of U, F, S (max_entries)
    assert all(c.published == NOW for c in chosen)  # first seen now / clamped to now
    assert chosen[0].dated is False
    assert first_seen == {"https://f.example/undated": NOW.isoformat()}
    # A month later, the undated entry still counts from when it was first seen.
    later = select(entries, feed, DECEMBER, now=NOW + timedelta(days=40), first_seen=first_seen)
    assert "U" in [c.title for c in later] and "F" not in [c.title for c in later]
    # An entry that has left the feed is forgotten.
    select(entries[1:], feed, DECEMBER, now=NOW, first_seen=first_seen)
    assert first_seen == {}


def test_entry_index_tells_when_a_window_may_hold_entries() -> None:
    def at(*ymd: int) -> float:
        return datetime(*ymd, tzinfo=UTC).timestamp()

    index = EntryIndex(count=3, times=(at(2022, 12, 2), None, at(2030, 1, 1)))
    november = Window(datetime(2022, 11, 1, tzinfo=UTC), DECEMBER.start)
    january = Window(DECEMBER.end, datetime(2023, 2, 1, tzinfo=UTC))

    def may(window: Window, now: datetime = NOW, seen: dict[str, str] | None = None) -> bool:
        return index.may_select(window.start, window.end, now, seen or {})

    assert may(DECEMBER)
    assert not may(november)
    # The entry dated 2030 counts as now: December on NOW, January two weeks later.
    assert not may(january)
    assert may(january, now=datetime(2023, 1, 15, tzinfo=UTC))
    # An undated entry counts from when it was first seen.
    assert may(november, seen={"https://f.example/u": "2022-11-20T08:00:00+00:00"})
    assert not may(november, seen={"https://f.example/u": "2022-12-20T08:00:00+00:00"})
    # Which entries to read: the dated ones inside, and the undated one (position 1).
    assert index.candidates(DECEMBER.start, DECEMBER.end, NOW) == [0, 1, 2]
    assert index.candidates(november.start, november.end, NOW) == [1]
    assert index.candidates(january.start, january.end, datetime(2023, 1, 15, tzinfo=UTC)) == [1, 2]


def test_first_seen_is_kept_in_the_cache(project: Project) -> None:
    project.route.body = rss(("Undated", "https://f.example/u/", None))
    project.pull(now=NOW)
    state = FeedCache.for_project(project.root).load(project.sources.feeds[0].url)
    assert state is not None and state.first_seen == {"https://f.example/u": NOW.isoformat()}
    # In January the feed still has it: for December it stays, dated when first seen.
    project.pull(now=NOW + timedelta(days=20))
    (entry,) = project.entries()
    assert entry["published"] == "2022-12-31T12:00:00Z"


def test_a_lock_edited_after_a_pull_is_checked_again_before_fetching(project: Project) -> None:
    project.pull()
    # An edit of the same size (a pull remembers the file as it left it).
    text = project.lock.read_text(encoding="utf-8").replace("  pick: false", "  pick: maybe", 1)
    project.lock.write_text(text, encoding="utf-8")
    requests = len(project.server.log)
    with pytest.raises(ConfigError) as info:
        project.pull()
    assert "'pick' to be true or false" in info.value.message
    assert len(project.server.log) == requests  # reported before any feed was fetched
    assert project.lock.read_text(encoding="utf-8") == text


def test_an_unchanged_lock_still_gets_what_the_feed_adds(project: Project) -> None:
    project.pull()
    assert project.pull() == {"new": 0, "updated": 0}
    project.route.body = rss(A, B, C)
    assert project.pull() == {"new": 1, "updated": 0}
    assert [e["url"] for e in project.entries()] == [A[1], B[1], C[1]]
    project.lock.unlink()  # deleted between pulls: written again in full
    assert project.pull() == {"new": 3, "updated": 0}


def test_a_broken_lock_is_reported_and_never_overwritten(project: Project) -> None:
    project.lock.parent.mkdir(parents=True, exist_ok=True)
    broken = (
        "issue: 2022-12\nentries:\n  - url: https://f.example/a/\n    title: A\n    pick: maybe\n"
    )
    project.lock.write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        project.pull()
    assert info.value.line == 5 and "'pick' to be true or false" in info.value.message
    assert project.lock.read_text(encoding="utf-8") == broken


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("issue: 2022-11\nentries: []\n", 1, "for issue '2022-11'"),
        ("issue: 2022-12\nentries:\n  - title: t\n", 3, "'url' to be an absolute http(s) URL"),
        ("issue: 2022-12\nentries:\n  - url: javascript:alert(1)\n    title: t\n", 3, "http(s)"),
        (
            "issue: 2022-12\nentries:\n  - url: https://x.example/\n    title: t\n"
            "    order: first\n",
            5,
            "'order' to be a whole number",
        ),
        ("issue: 2022-12\nentries:\n  - url: https://x.example/\n    titel: t\n", 4, "unknown key"),
        ("issue: 2022-12\nentries:\n  - url: https://x.example/\n   title: t\n", 4, "invalid YAML"),
    ],
)
def test_lock_errors_name_the_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "2022-12.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_lock(path)
    assert info.value.line == line and message in info.value.message
    assert str(info.value).startswith(f"{path}:{line}: ") or f"2022-12.yml:{line}:" in str(
        info.value
    )


def test_update_lock_creates_the_file_atomically(tmp_path: Path) -> None:
    path = tmp_path / "reading" / "2022.yml"
    cand = Candidate(
        url="https://x.example/p/",
        title="P",
        source="S",
        published=datetime(2022, 5, 1, tzinfo=UTC),
        summary="s",
        feed_url="f",
    )
    result = update_lock(path, "2022", [cand])
    assert result.new["f"] == 1
    assert load_lock(path).items[0].title == "P"
    assert [p.name for p in path.parent.iterdir()] == ["2022.yml"]  # no temporary left


def test_an_edit_saved_during_a_pull_is_kept(tmp_path: Path) -> None:
    from masthead.reading.lock import read_lock

    path = tmp_path / "2022-12.yml"
    path.write_text(
        "issue: 2022-12\nentries:\n- url: https://x.example/a/\n  title: A\n", encoding="utf-8"
    )
    snapshot = read_lock(path, "2022-12")  # the pull starts...
    path.write_text(  # ...the author picks A while the feeds download...
        "issue: 2022-12\nentries:\n- url: https://x.example/a/\n  title: A\n  pick: true\n"
        "  comment: Mine.\n",
        encoding="utf-8",
    )
    new = Candidate(
        url="https://x.example/b/",
        title="B",
        source="S",
        published=datetime(2022, 12, 3, tzinfo=UTC),
    )
    update_lock(path, "2022-12", [new], snapshot)  # ...and the merge sees the edit.
    a, b = load_lock(path).items
    assert (a.pick, a.comment, b.title) == (True, "Mine.", "B")


@pytest.mark.parametrize(
    "value",
    [
        "plain text, with commas and 'quotes'",
        "https://example.org/a?b=1&c=2#frag",
        "yes",
        "2022-12-05T10:00:00Z",
        "12",
        "- starts like a list",
        "key: value inside",
        "ends with a colon:",
        "a # not a comment",
        " leading space",
        "trailing space ",
        "emoji 👇 and accents é",
        "tab\tand bell\x07 and \x85 and \u2028",
        "line one\nline two\n",
        "no final newline\nsecond",
        "two final newlines\n\n",
        "trailing blanks \nin a block\n",
        "  indented first line\nsecond\n",
        'quote " and backslash \\',
        "",
    ],
)
def test_lock_writer_round_trips(tmp_path: Path, value: str) -> None:
    from masthead.reading._emit import dump

    data = {
        "issue": "2022-12",
        "entries": [
            {"url": "https://x.example/", "comment": value, "pick": True, "order": 3, "guid": None}
        ],
    }
    text = dump(data, "entries")
    assert yaml.safe_load(text) == data
    if "👇" in value:
        assert "👇" in text  # readable, not escaped
    if value == "line one\nline two\n":
        assert "  comment: |\n    line one\n    line two\n" in text


def test_lock_writer_falls_back_for_what_it_does_not_write(tmp_path: Path) -> None:
    from masthead.reading._emit import NotRepresentable, dump
    from masthead.reading.lock import dump_lock

    # An author's list of notes, a number with a fraction, a date: flow style, one line.
    listed = [{"url": "https://x.example/", "title": "t", "notes": ["a", "list", 1.5]}]
    text = dump({"issue": "2022-12", "entries": listed}, "entries")
    assert "  notes: [a, list, 1.5]\n" in text
    assert yaml.safe_load(text)["entries"] == listed
    # What it cannot write on one line (a list of texts of several lines): PyYAML writes it.
    odd = [{"url": "https://x.example/", "title": "t", "notes": ["two\nlines", "x"]}]
    with pytest.raises(NotRepresentable):
        dump({"issue": "2022-12", "entries": odd}, "entries")
    assert yaml.safe_load(dump_lock("2022-12", odd))["entries"] == odd  # PyYAML wrote it
