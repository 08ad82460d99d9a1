"""Acceptance: pull 200 real-world feed documents from a loopback server in one wide window."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from masthead.reading.lock import load_lock
from masthead.reading.pull import Window, pull
from masthead.reading.sources import Feed, Sources

from .support import SHARED_DATA
from .test_reading_helpers import feed_server

REAL = SHARED_DATA / "real-feeds"
WIDE = Window(datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@pytest.mark.slow
@pytest.mark.skipif(not REAL.is_dir(), reason="shared real-feeds folder absent")
def test_pull_all_real_feeds(tmp_path: Path) -> None:
    names = sorted(p.name for p in REAL.iterdir() if not p.name.startswith("LICENSE"))
    assert len(names) == 200
    with feed_server(folder=REAL) as (base, _):
        sources = Sources(
            tmp_path / "feeds.yml", tuple(Feed(url=f"{base}/{n}", name=n) for n in names)
        )
        report = pull(
            sources,
            project=tmp_path,
            lock_dir=tmp_path / "content" / "reading",
            issue="2022",
            window=WIDE,
        )
        again = pull(
            sources,
            project=tmp_path,
            lock_dir=tmp_path / "content" / "reading",
            issue="2022",
            window=WIDE,
        )

    assert len(report.outcomes) == 200
    for outcome in report.outcomes:
        # Every document yields entries, or fails with a reason.
        if outcome.failed:
            assert outcome.reason, outcome.feed.name
            assert not outcome.reason.startswith("unexpected"), outcome.reason  # no crash
        else:
            assert outcome.entries_seen > 0, outcome.feed.name
            if not outcome.candidates:
                assert outcome.warnings, outcome.feed.name  # e.g. no entry has a link
    statuses = Counter(o.status for o in report.outcomes)
    assert statuses["fetched"] >= 190, statuses
    reasons = {o.feed.name: o.reason for o in report.failed}
    assert reasons["d4b7ab74da763119"].startswith("not a feed: got JSON")  # a JSON Feed

    # The second pull: every feed that worked answers 304 and gives the same candidates.
    assert Counter(o.status for o in again.outcomes)["unchanged"] == statuses["fetched"]
    assert [o.candidates for o in again.outcomes] == [o.candidates for o in report.outcomes]
    assert sum(again.new.values()) == 0 and sum(again.updated.values()) == 0

    # The lock holds every candidate once, as safe plain text, and reads back.
    lock = load_lock(tmp_path / "content" / "reading" / "2022.yml")
    assert len(lock.items) == sum(report.new.values()) > 4000
    assert len({i.url for i in lock.items}) == len(lock.items)
    raw = yaml.safe_load((tmp_path / "content" / "reading" / "2022.yml").read_text("utf-8"))
    for entry in raw["entries"]:
        for key in ("title", "summary", "source"):
            value = str(entry.get(key, ""))
            assert "<script" not in value.lower() and "<svg" not in value.lower()
        assert entry["url"].startswith(("http://", "https://"))
