"""Fetching feeds from a real HTTP server on 127.0.0.1: validators, redirects, failures."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from masthead.reading.cache import FeedCache
from masthead.reading.fetch import USER_AGENT, fetch, make_client
from masthead.reading.parse import FeedError
from masthead.reading.pull import FeedOutcome, Window, pull_feeds
from masthead.reading.sources import Feed, Settings

from .test_reading_helpers import Route, feed_server

FIXTURES = Path(__file__).parent / "fixtures" / "reading"
RSS = (FIXTURES / "rss2.xml").read_bytes()
DECEMBER = Window(datetime(2022, 12, 1, tzinfo=UTC), datetime(2023, 1, 1, tzinfo=UTC))
NOW = datetime(2022, 12, 31, 12, tzinfo=UTC)


def run(feeds: list[Feed], cache: FeedCache, **settings: float) -> list[FeedOutcome]:
    return asyncio.run(
        pull_feeds(feeds, DECEMBER, cache, settings=Settings(**settings), now=NOW)  # type: ignore[arg-type]
    )


def reason_of(base: str, path: str, **kw: float) -> str:
    async def go() -> str:
        async with make_client() as client:
            try:
                await fetch(
                    client,
                    f"{base}{path}",
                    max_bytes=int(kw.get("cap", 1 << 20)),
                    timeout=float(kw.get("timeout", 5)),
                )
            except FeedError as exc:
                return exc.reason
        raise AssertionError(f"{path} did not fail")

    return asyncio.run(go())


def test_etag_then_304_reuses_the_cached_entries(tmp_path: Path) -> None:
    cache = FeedCache(tmp_path / "cache")
    with feed_server({"/rss": Route(body=RSS, validators=True)}) as (base, server):
        feed = Feed(url=f"{base}/rss", name="Cluster Notes")
        (first,) = run([feed], cache)
        (second,) = run([feed], cache)
        log = list(server.log)
    assert first.status == "fetched" and second.status == "unchanged"
    assert second.candidates == first.candidates
    # Two dated in December, the undated one (first seen now), the future one (clamped to
    # now); the November one is outside and the re-shared eviction post is a duplicate.
    assert sorted(c.url.rsplit("/", 2)[-2] for c in first.candidates) == [
        "eviction",
        "future",
        "memory-high",
        "undated",
    ]
    assert "If-None-Match" not in log[0].headers
    assert log[1].headers["If-None-Match"].startswith('"')
    assert log[1].status == 304
    assert log[0].headers["User-Agent"] == USER_AGENT


def test_a_page_that_is_not_a_feed_is_not_parsed_again_while_unchanged(tmp_path: Path) -> None:
    cache = FeedCache(tmp_path / "cache")
    page = b"<!doctype html><html><head><title>Blog</title></head><body>hi</body></html>"
    route = Route(body=page, content_type="text/html", validators=True)
    with feed_server({"/blog": route}) as (base, server):
        feed = Feed(url=f"{base}/blog", name="Not a feed")
        (first,) = run([feed], cache)
        (second,) = run([feed], cache)
        route.body = RSS  # the site now serves a feed at that URL
        (third,) = run([feed], cache)
        log = list(server.log)
    assert first.status == second.status == "failed"
    assert first.reason and second.reason == first.reason
    assert log[1].headers["If-None-Match"] and log[1].status == 304
    assert third.status == "fetched" and third.candidates
    assert log[2].status == 200


def test_304_with_lost_entries_reparses_the_cached_body(tmp_path: Path) -> None:
    cache = FeedCache(tmp_path / "cache")
    with feed_server({"/rss": Route(body=RSS, validators=True)}) as (base, _server):
        feed = Feed(url=f"{base}/rss", name="Cluster Notes")
        (first,) = run([feed], cache)
        (stored,) = (tmp_path / "cache").glob("*.entries")
        stored.unlink()  # as after an upgrade of the parser, or a half-cleaned cache
        (second,) = run([feed], cache)
        assert stored.is_file()  # parsed again from the cached body, and stored
    assert second.status == "unchanged" and second.candidates == first.candidates


def test_304_with_entries_and_body_lost_fetches_in_full(tmp_path: Path) -> None:
    cache = FeedCache(tmp_path / "cache")
    with feed_server({"/rss": Route(body=RSS, validators=True)}) as (base, server):
        feed = Feed(url=f"{base}/rss", name="Cluster Notes")
        (first,) = run([feed], cache)
        for name in ("*.entries", "*.body"):
            (stored,) = (tmp_path / "cache").glob(name)
            stored.unlink()  # a half-cleaned cache
        (second,) = run([feed], cache)
        (third,) = run([feed], cache)
        log = list(server.log)
    assert [entry.status for entry in log] == [200, 304, 200, 304]
    assert "If-None-Match" not in log[2].headers  # asked again, unconditionally
    assert second.status == "fetched" and second.candidates == first.candidates
    assert third.status == "unchanged" and third.candidates == first.candidates


class _KilledBeforeFlush(FeedCache):
    """The cache of a pull whose process dies after writing bodies and entries,
    before it records the state of its feeds."""

    def flush(self) -> None:
        pass


def test_a_pull_killed_before_recording_its_state_leaves_the_cache_consistent(
    tmp_path: Path,
) -> None:
    root = tmp_path / "cache"
    changed = RSS.replace(b"Why the kubelet evicts your pods", b"Evictions, revisited")
    route = Route(body=RSS, validators=True)
    with feed_server({"/rss": route}) as (base, server):
        feed = Feed(url=f"{base}/rss", name="Cluster Notes")
        (first,) = run([feed], FeedCache(root))
        route.body = changed
        (killed,) = run([feed], _KilledBeforeFlush(root))
        assert {c.title for c in killed.candidates} != {c.title for c in first.candidates}
        route.body = RSS  # back as it was: a 304 for the validators on record
        (after,) = run([feed], FeedCache(root))
        assert server.log[-1].status == 304
        # A pull that records a new body deletes the files of the ones before.
        route.body = changed
        run([feed], FeedCache(root))
    assert after.status == "unchanged" and after.candidates == first.candidates
    assert len(list(root.glob("*.body"))) == len(list(root.glob("*.entries"))) == 1


def test_304_for_a_window_without_entries_leaves_them_on_disk(tmp_path: Path) -> None:
    cache = FeedCache(tmp_path / "cache")
    june = Window(datetime(2021, 6, 1, tzinfo=UTC), datetime(2021, 7, 1, tzinfo=UTC))
    with feed_server({"/rss": Route(body=RSS, validators=True)}) as (base, server):
        feed = Feed(url=f"{base}/rss", name="Cluster Notes")
        (first,) = run([feed], cache)
        (stored,) = (tmp_path / "cache").glob("*.entries")
        stored.write_text("not JSON", encoding="utf-8")
        (june_pull,) = asyncio.run(pull_feeds([feed], june, cache, now=NOW))
        assert stored.read_text(encoding="utf-8") == "not JSON"  # not needed, not read
        # December needs them: unreadable, so the cached body is parsed again.
        (december,) = run([feed], cache)
        assert stored.read_text(encoding="utf-8") != "not JSON"
        statuses = [entry.status for entry in server.log]
    assert statuses == [200, 304, 304]
    assert june_pull.status == "unchanged" and june_pull.candidates == ()
    assert june_pull.entries_seen == first.entries_seen > 0
    assert june_pull.warnings == first.warnings
    assert december.status == "unchanged" and december.candidates == first.candidates


@pytest.mark.parametrize("damage", ["{not json", '{"format": 99}', '{"format": 1, "feeds": []}'])
def test_a_damaged_cache_index_means_a_full_fetch(tmp_path: Path, damage: str) -> None:
    with feed_server({"/rss": Route(body=RSS, validators=True)}) as (base, server):
        feed = Feed(url=f"{base}/rss", name="Cluster Notes")
        (first,) = run([feed], FeedCache(tmp_path / "cache"))
        index = tmp_path / "cache" / "feeds.json"
        assert json.loads(index.read_text(encoding="utf-8"))["feeds"][feed.url]["etag"]
        index.write_text(damage, encoding="utf-8")
        (second,) = run([feed], FeedCache(tmp_path / "cache"))
        (third,) = run([feed], FeedCache(tmp_path / "cache"))
        log = list(server.log)
    assert "If-None-Match" not in log[1].headers  # nothing remembered: fetched in full
    assert second.status == "fetched" and second.candidates == first.candidates
    assert third.status == "unchanged" and log[2].status == 304  # and remembered again


def test_selecting_from_the_indexed_entries_gives_what_all_entries_give() -> None:
    from datetime import timedelta

    from masthead.reading.cache import CachedEntries, EntryIndex
    from masthead.reading.parse import parse_feed
    from masthead.reading.pull import select

    parsed = parse_feed(RSS, url="https://cluster.example/feed.xml")
    index = EntryIndex.of(CachedEntries(parsed.title, parsed.entries))
    feed = Feed(url="https://cluster.example/feed.xml", name="Cluster Notes")
    november = Window(datetime(2022, 11, 1, tzinfo=UTC), DECEMBER.start)
    year = Window(datetime(2022, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
    cases = [(DECEMBER, NOW), (november, NOW), (year, NOW), (DECEMBER, NOW + timedelta(days=40))]
    checked = 0
    for window, now in cases:
        for seen in ({}, {"https://cluster.example/posts/undated": "2022-11-03T00:00:00+00:00"}):
            seen_all, seen_some = dict(seen), dict(seen)
            everything = select(parsed.entries, feed, window, now=now, first_seen=seen_all)
            some = [parsed.entries[i] for i in index.candidates(window.start, window.end, now)]
            assert select(some, feed, window, now=now, first_seen=seen_some) == everything
            assert seen_some == seen_all
            checked += bool(everything) and len(some) < len(parsed.entries)
    assert checked >= 2  # cases where the index left entries out and still found some


def test_feeds_at_once_stay_within_the_open_file_limit() -> None:
    from masthead.reading.pull import connection_budget

    assert connection_budget(200, 1024) == 200
    assert connection_budget(200, 256) == 192  # macOS's default: 64 kept for the rest
    assert connection_budget(10, 256) == 10
    assert connection_budget(200, 40) == 1
    assert 1 <= connection_budget(200) <= 200  # this machine's own limit


def test_waiting_bodies_are_parsed_largest_first() -> None:
    from masthead.reading.pull import _LargestFirst

    def feed(items: int) -> bytes:
        body = "".join(
            f"<item><title>{n}</title><link>https://o.example/{n}/</link></item>"
            for n in range(items)
        )
        return f"<rss version='2.0'><channel><title>t</title>{body}</channel></rss>".encode()

    sizes = [5, 40, 10, 80, 20, 60]  # items per feed, in the order the bodies arrive
    finished: list[int] = []

    async def main() -> None:
        parser = _LargestFirst(workers=1)

        async def one(items: int) -> None:
            parsed = await parser.parse(feed(items), "https://o.example/feed", None, 1 << 20)
            finished.append(len(parsed.entries))

        try:
            await asyncio.gather(*(one(n) for n in sizes))
        finally:
            assert parser.pool is not None
            parser.pool.shutdown(wait=True)

    asyncio.run(main())
    # Two jobs go to the pool at once (its own queue); of those waiting, the largest next.
    assert finished == [5, 40, 80, 60, 20, 10]


def test_last_modified_only(tmp_path: Path) -> None:
    route = Route(body=RSS, validators=True)
    cache = FeedCache(tmp_path / "cache")
    with feed_server({"/rss": route}) as (base, server):
        feed = Feed(url=f"{base}/rss", name="n")
        run([feed], cache)
        state = cache.load(feed.url)
        assert state is not None and state.last_modified
        cache.save(type(state)(**{**state.__dict__, "etag": None}))
        (again,) = run([feed], cache)
        assert server.log[-1].headers["If-Modified-Since"] == state.last_modified
    assert again.status == "unchanged"


def test_slow_server_times_out_and_the_others_finish(tmp_path: Path) -> None:
    routes = {
        "/slow": Route(body=RSS, delay=3.0),
        "/drip": Route(body=RSS, delay=0.05, drip=True),
        "/ok": Route(body=RSS),
    }
    with feed_server(routes) as (base, _):
        feeds = [Feed(url=f"{base}{p}", name=p) for p in routes]
        slow, drip, ok = run(feeds, FeedCache(tmp_path), timeout=0.5)
    assert slow.failed and slow.reason == "timed out after 0.5 s"
    assert (
        drip.failed and drip.reason == "timed out after 0.5 s"
    )  # bytes keep coming: total deadline
    assert ok.status == "fetched" and ok.candidates


@pytest.mark.parametrize("code", [301, 308])
def test_permanent_redirect_is_reported(tmp_path: Path, code: int) -> None:
    routes = {"/old": Route(status=code, location="/new"), "/new": Route(body=RSS)}
    with feed_server(routes) as (base, _):
        (outcome,) = run([Feed(url=f"{base}/old", name="moved")], FeedCache(tmp_path))
    assert outcome.status == "fetched" and outcome.candidates
    assert outcome.moved_to == f"{base}/new"


def test_temporary_redirect_is_followed_silently(tmp_path: Path) -> None:
    routes = {
        "/a": Route(status=301, location="/b"),
        "/b": Route(status=302, location="/c"),
        "/c": Route(status=301, location="/feed"),
        "/feed": Route(body=RSS),
    }
    with feed_server(routes) as (base, _):
        (outcome,) = run([Feed(url=f"{base}/a", name="hops")], FeedCache(tmp_path))
    # Only the permanent hops before the first temporary one say where the feed lives.
    assert outcome.status == "fetched" and outcome.moved_to == f"{base}/b"


def test_redirect_loop_and_too_many_hops() -> None:
    routes = {
        "/loop-a": Route(status=301, location="/loop-b"),
        "/loop-b": Route(status=302, location="/loop-a"),
        **{f"/hop{i}": Route(status=307, location=f"/hop{i + 1}") for i in range(10)},
        "/js": Route(status=302, location="javascript:alert(1)"),
    }
    with feed_server(routes) as (base, _):
        assert reason_of(base, "/loop-a").startswith("redirect loop:")
        assert reason_of(base, "/hop0").startswith("too many redirects")
        assert (
            reason_of(base, "/js") == "redirect to a non-http(s) URL refused: javascript:alert(1)"
        )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (404, "HTTP 404 Not Found: check the URL in feeds.yml"),
        (410, "HTTP 410 Gone: the feed was removed; delete it from feeds.yml"),
        (500, "HTTP 500 Internal Server Error"),
    ],
)
def test_http_errors(status: int, expected: str) -> None:
    with feed_server({"/x": Route(status=status, body=b"oops")}) as (base, _):
        assert reason_of(base, "/x") == expected


def test_size_cap_from_content_length_and_stream() -> None:
    with feed_server({"/big": Route(body=RSS)}) as (base, _):
        reason = reason_of(base, "/big", cap=100)
    assert reason == f"refused: the body ({len(RSS):,} bytes) is larger than the 100-byte size cap"


def test_one_pull_of_every_fault(tmp_path: Path) -> None:
    """Every kind of bad feed in one pull: each fails with its reason, the good ones succeed."""
    read = lambda name: (FIXTURES / name).read_bytes()  # noqa: E731
    routes = {
        "/rss2": Route(body=read("rss2.xml")),
        "/rdf": Route(body=read("rss1.rdf")),
        "/atom": Route(body=read("atom.xml"), gzip=True),
        "/cp1252": Route(body=read("cp1252.xml")),
        "/xss": Route(body=read("xss.xml")),
        "/bomb": Route(body=read("bomb.xml")),
        "/html": Route(body=read("page.html"), content_type="text/html"),
        "/broken": Route(body=read("malformed.xml")),
        "/gone": Route(status=410),
        "/missing": Route(status=404),
        "/error": Route(status=500),
        "/huge": Route(body=b"<rss>" + b" " * 300_000 + b"</rss>"),
        "/loop": Route(status=308, location="/loop"),
    }
    with feed_server(routes) as (base, _):
        feeds = [Feed(url=f"{base}{p}", name=p.strip("/")) for p in routes]
        feeds.append(Feed(url="http://127.0.0.1:9/closed", name="closed"))
        outcomes = {o.feed.name: o for o in run(feeds, FeedCache(tmp_path), max_bytes=200_000)}
    ok = {"rss2", "rdf", "atom", "cp1252", "xss"}
    assert {n for n, o in outcomes.items() if not o.failed} == ok
    for name in ok:
        assert outcomes[name].candidates, name
    reasons = {n: o.reason for n, o in outcomes.items() if o.failed}
    assert "entities" in str(reasons["bomb"])
    assert "HTML page" in str(reasons["html"])
    assert "malformed" in str(reasons["broken"])
    assert "410" in str(reasons["gone"]) and "404" in str(reasons["missing"])
    assert "500" in str(reasons["error"]) and "size cap" in str(reasons["huge"])
    assert "redirect loop" in str(reasons["loop"])
    assert "connection failed" in str(reasons["closed"])
