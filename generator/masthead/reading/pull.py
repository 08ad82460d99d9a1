"""A pull: every enabled feed fetched at once, parsed, windowed, merged into the lock.

``pull_feeds`` is the network part (async, one failing feed never stops the
others); ``select`` applies the window rules; ``pull`` ties them to a
project's feeds.yml, cache and lock file.

Window rules: an entry counts when its date lies inside the issue's window
(UTC, half-open); a date in the future counts as now; an undated entry
counts from when a pull first saw it (remembered in the cache). Entries are
deduplicated by normalised URL, then by GUID, the first feed in feeds.yml
winning.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import heapq
import itertools
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from .cache import CachedEntries, CachedFeed, EntryIndex, FeedCache, LockMemo, generation_of
from .fetch import FeedClient, Fetched, Validators, fetch, make_client
from .lock import (
    Candidate,
    MergeResult,
    candidates_digest,
    check_comments,
    lock_digest,
    lock_path,
    read_lock,
    update_lock,
)
from .parse import Entry, FeedError, ParsedFeed, parse_feed
from .sources import Feed, Settings, Sources
from .urls import normalise_url

T = TypeVar("T")

POOL_THRESHOLD = 8
"""Parse in worker processes when a pull has at least this many feeds."""


@dataclass(frozen=True)
class Window:
    """The half-open UTC interval [start, end) an entry's date must fall in."""

    start: datetime
    end: datetime

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, datetime) and self.start <= moment < self.end


@dataclass(frozen=True)
class FeedOutcome:
    """What happened to one feed during a pull."""

    feed: Feed
    status: str
    """``fetched`` (200), ``unchanged`` (304) or ``failed``."""
    reason: str | None = None
    moved_to: str | None = None
    warnings: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    entries_seen: int = 0
    """Entries in the feed document (before the window)."""

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass(frozen=True)
class PullReport:
    """The outcome of a pull for the CLI's table."""

    lock: Path | None
    outcomes: tuple[FeedOutcome, ...]
    merge: MergeResult | None = None
    new: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> list[FeedOutcome]:
        return [o for o in self.outcomes if o.failed]


def select(
    entries: Sequence[Entry],
    feed: Feed,
    window: Window,
    *,
    now: datetime,
    first_seen: dict[str, str],
) -> list[Candidate]:
    """The entries of ``feed`` that belong to ``window``, newest first.

    ``first_seen`` (normalised URL -> ISO time) is updated in place: undated
    entries seen for the first time are added, and entries no longer in the
    feed are forgotten (so it does not grow forever).
    """
    wanted = {t.casefold() for t in feed.tags}
    chosen: list[Candidate] = []
    urls: set[str] = set()
    guids: set[str] = set()
    undated: set[str] = set()
    for e in entries:
        key = None
        if e.published is not None:
            when = min(e.published, now)
            dated = True
        else:
            key = normalise_url(e.url)
            undated.add(key)
            when = datetime.fromisoformat(first_seen.setdefault(key, now.isoformat()))
            dated = False
        if when not in window:
            continue
        if wanted and not wanted & {c.casefold() for c in e.categories}:
            continue
        key = key or normalise_url(e.url)
        if key in urls or (e.guid and e.guid in guids):
            continue
        urls.add(key)
        if e.guid:
            guids.add(e.guid)
        source = feed.name
        if feed.source == "host":
            host = urlsplit(e.url).hostname or feed.name
            source = host.removeprefix("www.")
        chosen.append(
            Candidate(
                url=e.url,
                title=e.title,
                source=source,
                published=when,
                summary=e.summary,
                guid=e.guid,
                dated=dated,
                feed_url=feed.url,
            )
        )
    for gone in set(first_seen) - undated:
        del first_seen[gone]
    chosen.sort(key=lambda c: c.published, reverse=True)
    if feed.max_entries is not None:
        chosen = chosen[: feed.max_entries]
    return chosen


class _CacheLost(Exception):
    """A 304 for a feed whose cached body and entries are both gone."""


def connection_budget(wanted: int, open_files: int | None = None) -> int:
    """How many feeds to fetch at once: ``wanted``, or fewer when the process
    may open fewer than that many files (macOS allows 256 by default), keeping
    64 for everything else."""
    if open_files is None:
        try:
            import resource

            open_files = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        except (ImportError, OSError, ValueError):  # Windows has no such limit
            return wanted
        if open_files == resource.RLIM_INFINITY:
            return wanted
    return max(1, min(wanted, open_files - 64))


class _LargestFirst:
    """Parse jobs for a process pool, the largest body first.

    Bodies arrive in any order, the large ones often last, and parsed in the
    order they arrived, a pull ended with one worker busy with a large feed
    while the others had nothing left to do. Here the waiting jobs are kept
    in a heap and the pool's own queue short (two jobs a worker), so the
    largest body waiting goes next. The pool starts with the first job: a
    re-pull of 304s parses nothing.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._waiting: list[tuple[int, int, asyncio.Future[ParsedFeed], tuple[Any, ...]]] = []
        self._order = itertools.count()
        self._running = 0

    def start(self) -> None:
        """Start the pool now, while the first bodies are still on their way."""
        if self.pool is None:
            self.pool = _pool(self.workers)

    async def parse(self, body: bytes, *args: Any) -> ParsedFeed:
        result: asyncio.Future[ParsedFeed] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (-len(body), next(self._order), result, (body, *args)))
        self._dispatch()
        return await result

    def _dispatch(self) -> None:
        while self._waiting and self._running < 2 * self.workers:
            _, _, result, args = heapq.heappop(self._waiting)
            if result.done():  # its pull was cancelled
                continue
            self.start()
            self._running += 1
            job = asyncio.get_running_loop().run_in_executor(self.pool, _parse_job, *args)
            job.add_done_callback(functools.partial(self._finished, result))

    def _finished(
        self, result: asyncio.Future[ParsedFeed], job: asyncio.Future[ParsedFeed]
    ) -> None:
        self._running -= 1
        if not result.done():
            if job.cancelled():
                result.cancel()
            elif (error := job.exception()) is not None:
                result.set_exception(error)
            else:
                result.set_result(job.result())
        self._dispatch()


def _parse_job(body: bytes, url: str, content_type: str | None, max_bytes: int) -> ParsedFeed:
    return parse_feed(body, url=url, content_type=content_type, max_bytes=max_bytes)


def _pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    # forkserver: the pull runs an event loop (and maybe threads); forking it is unsafe.
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["masthead.reading.parse"])
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


async def pull_feeds(
    feeds: Sequence[Feed],
    window: Window,
    cache: FeedCache,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
    on_done: Callable[[FeedOutcome], None] | None = None,
    workers: int | None = None,
) -> list[FeedOutcome]:
    """Fetch, parse and window every feed concurrently; one outcome per feed, in order.

    Memory is bounded whatever the servers send. At most ``settings.concurrency``
    feeds (fewer when the process may open fewer files, see
    :func:`connection_budget`) are in progress at once, from connecting until
    their body is parsed and cached, and each holds at most:

    * its document, at most ``settings.max_bytes`` (twice that for the moment its
      pieces are joined): every stage of the body (the bytes as sent, the chunked
      framing, each content coding, stacked or not) is counted as it is decoded,
      a step of 64 KiB at a time, and refused once it passes the cap
      (:mod:`.decode`);
    * about 1 MiB besides: the response head (64 KiB at most, 500 fields), the
      connection's read buffer (128 KiB) and, per coding (8 at most), one step of
      output, one of input and zlib's 32 KiB window (a br layer, where brotli is
      installed, up to 16 MiB of window instead).

    So the bytes of the feeds in a pull's process peak at about
    ``concurrency x (2 x max_bytes + 1 MiB)`` (3.2 GiB at the defaults of 200 and
    8 MiB, in the worst case of every feed a hostile one at once; measured: a
    gigabyte bomb, single or stacked, adds about 1 x max_bytes), above what the
    interpreter, the cache index and the lock need. Parsing costs more, once per
    document being parsed: up to some 15 times its size (feedparser, for a
    document of many tiny items), in each of the worker processes
    (:data:`POOL_THRESHOLD` feeds or more) or threads of this process.
    """
    settings = settings or Settings()
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if len(feeds) >= POOL_THRESHOLD else 0
    parser = _LargestFirst(workers)

    async def parse(body: bytes, fetched: Fetched) -> ParsedFeed:
        args = (fetched.final_url, fetched.content_type, settings.max_bytes)
        if workers == 0:
            return await asyncio.to_thread(_parse_job, body, *args)
        return await parser.parse(body, *args)

    async def entries_of(feed: Feed, fetched: Fetched, cached: CachedFeed | None) -> FeedOutcome:
        """Parse a fresh body (or reuse the entries of a 304), select, update the cache."""
        body: bytes | None = None
        stored = None
        if fetched.not_modified and cached is not None:
            status = "unchanged"
            if cached.index is not None:
                # only the entries that may be in the window (see EntryIndex.candidates)
                only = cached.index.candidates(window.start, window.end, moment)
                stored = cache.load_entries(cached, only)
            if stored is not None:
                parsed = ParsedFeed(
                    stored.title, None, "cached", stored.entries, stored.warnings, stored.skipped
                )
            else:  # entries lost or from an older parser: parse the cached body again
                body = cache.load_body(cached)
                if body is None:
                    raise _CacheLost
                parsed = await parse(body, fetched)
        else:
            status = "fetched"
            body = fetched.body or b""
            try:
                parsed = await parse(body, fetched)
            except FeedError as exc:
                if fetched.etag or fetched.last_modified:
                    failed = CachedFeed(
                        url=feed.url,
                        etag=fetched.etag,
                        last_modified=fetched.last_modified,
                        content_type=fetched.content_type,
                        first_seen=dict(cached.first_seen) if cached else {},
                        failure=exc.reason,
                    )
                    await asyncio.to_thread(cache.save, failed)
                raise
        first_seen = dict(cached.first_seen) if cached else {}
        candidates = select(parsed.entries, feed, window, now=moment, first_seen=first_seen)
        entries = CachedEntries(parsed.title, parsed.entries, parsed.warnings, parsed.skipped)
        state = CachedFeed(
            url=feed.url,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            content_type=fetched.content_type or (cached.content_type if cached else None),
            first_seen=first_seen,
            has_entries=True,
            index=cached.index if stored is not None and cached else EntryIndex.of(entries),
            generation=(
                generation_of(body)
                if status == "fetched" and body is not None
                else (cached.generation if cached else None)
            ),
        )
        if cached is None or stored is None or state != cached:
            await asyncio.to_thread(
                cache.save,
                state,
                entries if stored is None else None,
                body if status == "fetched" else None,
            )
        return FeedOutcome(
            feed,
            status,
            moved_to=fetched.moved_to,
            warnings=parsed.warnings,
            candidates=tuple(candidates),
            entries_seen=(
                cached.index.count
                if stored is not None and cached is not None and cached.index is not None
                else len(parsed.entries) + parsed.skipped
            ),
        )

    async def one(feed: Feed, client: FeedClient | None, gate: asyncio.Semaphore) -> FeedOutcome:
        cached = cache.load(feed.url)
        validators = None
        if (
            cached is not None
            and (cached.etag or cached.last_modified)
            and (
                cached.has_entries or cached.failure or cache.has_body(feed.url, cached.generation)
            )
        ):
            validators = Validators(cached.etag, cached.last_modified)

        async def get(validators: Validators | None) -> Fetched:
            return await fetch(
                client,
                feed.url,
                validators=validators,
                max_bytes=settings.max_bytes,
                timeout=settings.timeout,
            )

        async with gate:  # held until the body is parsed and cached: see the docstring
            outcome = await settle(feed, cached, validators, get)
        if on_done is not None:
            on_done(outcome)
        return outcome

    async def settle(
        feed: Feed,
        cached: CachedFeed | None,
        validators: Validators | None,
        get: Callable[[Validators | None], Coroutine[Any, Any, Fetched]],
    ) -> FeedOutcome:
        """Fetch one feed, then parse, select and cache; the outcome, failed or not."""
        try:
            fetched = await get(validators)
            if fetched.not_modified and cached is not None and cached.failure:
                # the same body that was not a usable feed last time: the same reason
                raise FeedError(cached.failure)
            if (
                fetched.not_modified
                and cached is not None
                and cached.index is not None
                and not cached.index.may_select(window.start, window.end, moment, cached.first_seen)
            ):
                # Nothing of this feed can be in the window: its entries stay on disk.
                state = replace(cached, etag=fetched.etag, last_modified=fetched.last_modified)
                if state != cached:
                    await asyncio.to_thread(cache.save, state)
                outcome = FeedOutcome(
                    feed,
                    "unchanged",
                    moved_to=fetched.moved_to,
                    warnings=cached.index.warnings,
                    entries_seen=cached.index.count,
                )
            else:
                try:
                    outcome = await entries_of(feed, fetched, cached)
                except _CacheLost:  # a 304, but the cache lost what it stood for
                    outcome = await entries_of(feed, await get(None), cached)
        except FeedError as exc:
            outcome = FeedOutcome(feed, "failed", reason=exc.reason)
        except Exception as exc:  # a broken feed must never stop the others
            outcome = FeedOutcome(feed, "failed", reason=f"unexpected {type(exc).__name__}: {exc}")
        return outcome

    client = None
    try:
        if any(not f.url.lower().startswith("file:") for f in feeds):
            client = make_client(user_agent=settings.user_agent)
        gate = asyncio.Semaphore(connection_budget(settings.concurrency))
        if workers and any(not cache.knows(f.url) for f in feeds):
            parser.start()  # a feed never fetched before will need parsing
        jobs = [one(f, client, gate) for f in feeds]
        return list(await asyncio.gather(*jobs))
    finally:
        if client is not None:
            await client.aclose()
        if parser.pool is not None:
            parser.pool.shutdown(wait=True, cancel_futures=True)
        cache.flush()


def dedupe(outcomes: Sequence[FeedOutcome]) -> list[Candidate]:
    """All candidates, the first feed winning when two share a URL or GUID."""
    out: list[Candidate] = []
    urls: set[str] = set()
    guids: set[str] = set()
    for outcome in outcomes:
        for c in outcome.candidates:
            key = normalise_url(c.url)
            if key in urls or (c.guid and c.guid in guids):
                continue
            urls.add(key)
            if c.guid:
                guids.add(c.guid)
            out.append(c)
    return out


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on uvloop where it is installed, else on asyncio's own loop.

    A pull is hundreds of connections on one thread; uvloop spends about half
    the CPU per connection that asyncio's loop does, which is most of what a
    re-pull of unchanged feeds costs.
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def pull(
    sources: Sources,
    *,
    project: Path,
    lock_dir: Path,
    issue: str,
    window: Window,
    now: datetime | None = None,
    on_done: Callable[[FeedOutcome], None] | None = None,
    workers: int | None = None,
    write: bool = True,
) -> PullReport:
    """Pull every enabled feed of ``sources`` and merge the result into the issue's lock
    (``<lock_dir>/<issue>.yml``).

    A lock file that does not validate, or whose comments a merge could not keep,
    is reported before any feed is fetched.
    """
    target = lock_path(lock_dir, issue)
    cache = FeedCache.for_project(project)
    memo = cache.lock_memo(target) if write else None
    if memo is not None and lock_digest(target) != memo.lock:
        memo = None  # edited (or deleted) since the last pull
    # Validated now, so that a broken lock is reported before any feed is fetched;
    # a lock exactly as the last pull left it was valid then.
    snapshot = read_lock(target, issue) if write and memo is None else None
    if snapshot is not None:
        check_comments(snapshot, issue)  # comments a merge could not keep: refused now too
    outcomes = run_loop(
        pull_feeds(
            sources.enabled,
            window,
            cache,
            settings=sources.settings,
            now=now,
            on_done=on_done,
            workers=workers,
        )
    )
    if not write:
        return PullReport(None, tuple(outcomes))
    candidates = dedupe(outcomes)
    digest = candidates_digest(issue, candidates)
    if memo is not None and memo.candidates == digest and lock_digest(target) == memo.lock:
        # The lock already holds exactly this merge (merging is idempotent).
        result = MergeResult([], Counter(), Counter())
    else:
        result = update_lock(target, issue, candidates, snapshot)
    after = lock_digest(target)
    cache.remember_lock(target, LockMemo(after, digest) if after is not None else None)
    cache.flush()
    return PullReport(target, tuple(outcomes), result, dict(result.new), dict(result.updated))
