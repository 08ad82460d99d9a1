"""``masthead reading pull`` killed with SIGKILL at random moments (seeded) while its feeds
download from a slow loopback server, then run again: the lock file is whole after every
kill (it parses and holds every entry, author field and comment it held before), and the
rerun succeeds and completes the merge."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from masthead.reading.lock import AUTHOR_FIELDS, load_lock

from .test_reading_helpers import Route, feed_server
from .test_reading_lock import rss

ISSUE = "2022-12"
FEEDS = 6
POINTS = 5
SEED = 20221231
PULL = (
    "import sys; from masthead.cli import main; "
    f"sys.exit(main(['reading', 'pull', '{ISSUE}', '--no-progress']))"
)


def feed(n: int, *, revised: bool) -> bytes:
    items = [
        (
            f"Feed {n} post {i}{' (revised)' if revised else ''}",
            f"https://f{n}.example/p{n}-{i}/",
            day,
        )
        for i, day in ((1, "Fri, 02 Dec 2022 10:00:00 GMT"), (2, "Sat, 10 Dec 2022 10:00:00 GMT"))
    ]
    if revised:
        items.append(
            (f"Feed {n} post 3", f"https://f{n}.example/p{n}-3/", "Sun, 18 Dec 2022 10:00:00 GMT")
        )
    return rss(*items)


def start(project: Path, *, errors: bool = False) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", PULL],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE if errors else subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the kill takes any helper with it
        env={**os.environ, "COLUMNS": "200"},
    )


def run_to_the_end(project: Path) -> tuple[int, float]:
    began = time.monotonic()
    process = start(project, errors=True)
    _, err = process.communicate(timeout=120)  # a guard against hanging only
    assert process.returncode == 0, err.decode()
    return process.returncode, time.monotonic() - began


def author_edits(lock: Path) -> tuple[dict[str, dict[str, object]], list[str]]:
    """Pick, order, comment on every other entry, and add comments of each kind."""
    data = yaml.safe_load(lock.read_text(encoding="utf-8"))
    for n, entry in enumerate(data["entries"]):
        if n % 2 == 0:
            entry.update(
                pick=True,
                order=n,
                comment=f"Why entry {n} matters.\n\nA second paragraph.\n",
                title_override=f"My title {n}",
                notes=f"private {n}",
            )
    lines = yaml.safe_dump(data, sort_keys=False, allow_unicode=True).splitlines()
    comments = ["# my reading list, by hand"]
    out = [comments[0]]
    for line in lines:
        if line.startswith("- url: "):
            comments.append(f"# about {line[7:]}")
            out.append(comments[-1])
        if line.startswith("  pick: true"):
            comments.append(f"# picked, {len(comments)}")
            line += f"  {comments[-1]}"
        out.append(line)
    lock.write_text("\n".join(out) + "\n", encoding="utf-8")
    entries = load_lock(lock, ISSUE)  # still valid
    assert len(entries.items) == len(data["entries"])
    return {e["url"]: e for e in data["entries"]}, comments


def check_whole(lock: Path, before: dict[str, dict[str, object]], comments: list[str]) -> int:
    """The lock parses and validates, and holds every entry, author field and comment of
    ``before``; returns how many entries it has."""
    text = lock.read_text(encoding="utf-8")
    load_lock(lock, ISSUE)  # parses and validates
    entries = {e["url"]: e for e in yaml.safe_load(text)["entries"]}
    for url, old in before.items():
        assert url in entries, url
        for key in AUTHOR_FIELDS:
            assert entries[url].get(key) == old.get(key), (url, key)
    for comment in comments:
        assert comment in text, comment
    return len(entries)


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")
def test_a_pull_killed_at_random_moments_leaves_the_lock_whole_and_a_rerun_succeeds(
    tmp_path: Path,
) -> None:
    # Slow feeds, so that the pull is in flight a while: one sends its body a byte at a
    # time, the others answer after a wait.
    routes = {
        f"/feed{n}": Route(
            body=feed(n, revised=False),
            validators=True,
            drip=n == FEEDS - 1,
            delay=0.0005 if n == FEEDS - 1 else 0.1 + 0.05 * n,
        )
        for n in range(FEEDS)
    }
    with feed_server(routes) as (base, _):
        template = tmp_path / "template"
        (template / "content" / "reading").mkdir(parents=True)
        (template / "mkdocs.yml").write_text("site_name: t\ndocs_dir: content\n", encoding="utf-8")
        (template / "content" / "reading" / "feeds.yml").write_text(
            "feeds:\n"
            + "".join(f"  - url: {base}/feed{n}\n    name: Feed {n}\n" for n in range(FEEDS)),
            encoding="utf-8",
        )
        _, duration = run_to_the_end(template)
        lock = Path("content") / "reading" / f"{ISSUE}.yml"
        before, comments = author_edits(template / lock)
        # The feeds change: the next pull updates every entry and adds one per feed.
        for n in range(FEEDS):
            routes[f"/feed{n}"].body = feed(n, revised=True)

        rng = random.Random(SEED)
        # Anywhere in the run, and more of them around its end, where the lock is written
        # (a kill that comes after the pull ended finds the merge done).
        moments = [rng.uniform(0.0, duration) for _ in range(POINTS - 2)]
        moments += [duration * rng.uniform(0.9, 1.15) for _ in range(2)]
        for number, moment in enumerate(moments):
            project = tmp_path / f"kill-{number}"
            shutil.copytree(template, project)
            process = start(project)
            time.sleep(moment)
            with contextlib.suppress(ProcessLookupError):  # (it may have ended)
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            # Whole, whatever the moment: as before the pull, or with all of it merged.
            count = check_whole(project / lock, before, comments)
            assert count in (len(before), len(before) + FEEDS), (moment, count)
            run_to_the_end(project)
            assert check_whole(project / lock, before, comments) == len(before) + FEEDS
            titles = [e["title"] for e in yaml.safe_load((project / lock).read_text())["entries"]]
            assert all(t.endswith(("(revised)", "post 3")) for t in titles), titles
            leftovers = [
                p.name
                for p in (project / lock).parent.iterdir()
                if p.name not in ("feeds.yml", f"{ISSUE}.yml")
            ]
            assert all(name.startswith(".") for name in leftovers), leftovers  # hidden temps


def test_temporary_files_of_killed_writes_are_cleaned_up_later(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from masthead._io import STALE_TEMP, remove_stale_temps
    from masthead.reading.cache import CachedFeed, FeedCache
    from masthead.reading.lock import Candidate, update_lock

    lock = tmp_path / f"{ISSUE}.yml"
    old, fresh, other = (
        tmp_path / name for name in (f".{lock.name}.a.tmp", f".{lock.name}.b.tmp", ".x.tmp")
    )
    for path in (old, fresh, other):
        path.write_text("half a file", encoding="utf-8")
    long_ago = time.time() - STALE_TEMP - 60
    for path in (old, other):
        os.utime(path, (long_ago, long_ago))
    when = datetime(2022, 12, 5, tzinfo=UTC)
    update_lock(lock, ISSUE, [Candidate("https://x.example/a/", "A", "S", when)])
    # The lock's own leftover from long ago goes; one being written now, and others, stay.
    assert not old.exists() and fresh.exists() and other.exists()
    cache = FeedCache(tmp_path / "cache")
    cache.root.mkdir()
    stale = cache.root / ".feed.1.body.x.tmp"
    stale.write_bytes(b"half")
    os.utime(stale, (long_ago, long_ago))
    cache.save(CachedFeed(url="https://x.example/feed"))
    cache.flush()
    assert not stale.exists()
    remove_stale_temps(tmp_path)
    assert not other.exists() and fresh.exists()
