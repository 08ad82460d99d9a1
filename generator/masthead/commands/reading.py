"""``masthead reading pull`` and ``masthead reading import``: reading-list candidates from feeds."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ..content import Period
from ..errors import ConfigError
from . import SubParsers, add_config_option, quiet_mkdocs

if TYPE_CHECKING:
    from ..publication import Publication


def register(sub: SubParsers) -> None:
    group = sub.add_parser(
        "reading",
        help="pull reading-list candidates from feeds, import feeds from OPML",
        description=(
            "Reading lists: the feeds in <lock_dir>/feeds.yml give candidates; "
            "<lock_dir>/<ISSUE>.yml keeps the ones you pick, with your comments. lock_dir is "
            "the masthead/reading option (default: reading, inside docs_dir)."
        ),
    )
    verbs = group.add_subparsers(dest="reading_command", metavar="VERB")
    group.set_defaults(group_parser=group)

    pull = verbs.add_parser(
        "pull",
        help="fetch every enabled feed and merge the issue's candidates into its lock file",
        description=(
            "Fetch every enabled feed of feeds.yml at once (conditional GET, cached in "
            ".cache/masthead/reading/), keep the entries dated inside the issue's window (UTC) "
            "and merge them into <lock_dir>/<ISSUE>.yml. Your fields there (pick, order, "
            "comment, title_override, notes) are never changed. Exits with 1 when a feed failed."
        ),
    )
    pull.add_argument(
        "issue",
        nargs="?",
        metavar="ISSUE",
        help="the issue: a month like 2022-12 or a year like 2022 (default: the current month)",
    )
    pull.add_argument(
        "--since",
        metavar="DATE",
        type=_date,
        help="start of the window instead of the issue's (YYYY-MM-DD, UTC, inclusive)",
    )
    pull.add_argument(
        "--until",
        metavar="DATE",
        type=_date,
        help="end of the window instead of the issue's (YYYY-MM-DD, UTC, inclusive)",
    )
    pull.add_argument(
        "--feeds", metavar="FILE", help="the feeds file (default: feeds.yml in lock_dir)"
    )
    pull.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_config_option(pull)
    pull.set_defaults(handler=run_pull)

    imp = verbs.add_parser(
        "import",
        help="add the feeds of an OPML file to feeds.yml (skipping ones already there)",
        description="Add the feeds of an OPML export to feeds.yml; duplicates (by URL) are skipped.",  # noqa: E501
    )
    imp.add_argument("opml", metavar="FILE.opml", help="the OPML file of a feed reader")
    imp.add_argument(
        "--feeds", metavar="FILE", help="the feeds file (default: feeds.yml in lock_dir)"
    )
    add_config_option(imp)
    imp.set_defaults(handler=run_import)


def _date(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2022-12-01, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _publication(config_file: str) -> Publication:
    from ..plugins.model import load

    with quiet_mkdocs():
        return load(config_file)[1]


def _window(args: argparse.Namespace, period: Period) -> tuple[datetime, datetime]:
    start = args.since or period.start
    end = period.end
    if args.until is not None:
        until: datetime = args.until
        only_date = until.time() == datetime.min.time()
        end = until + timedelta(days=1) if only_date else until
    if end <= start:
        raise ConfigError(f"--until ({end:%Y-%m-%d}) must come after --since ({start:%Y-%m-%d})")
    return start, end


def run_pull(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table
    from rich.text import Text

    from ..reading.pull import FeedOutcome, Window, pull
    from ..reading.sources import load_sources

    try:
        period = Period.parse(args.issue) if args.issue else Period.containing(datetime.now(UTC))
    except ValueError as exc:
        raise ConfigError(f"ISSUE: {exc}") from None
    site = _publication(args.config_file)
    root = site.root
    feeds_file = Path(args.feeds) if args.feeds else site.feeds_file
    sources = load_sources(feeds_file)
    start, end = _window(args, period)
    console = Console(stderr=False, highlight=False)
    if not sources.enabled:
        console.print(f"No enabled feeds in {feeds_file}; nothing to pull.")
        return 0
    progress = Progress(
        TextColumn("[bold]Pulling feeds"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        console=console,
        transient=True,
        disable=args.no_progress,
    )
    with progress:
        task = progress.add_task("pull", total=len(sources.enabled), last="")

        def done(outcome: FeedOutcome) -> None:
            progress.update(task, advance=1, last=outcome.feed.name[:40])

        report = pull(
            sources,
            project=root,
            lock_dir=site.lock_dir,
            issue=str(period),
            window=Window(start, end),
            on_done=done,
        )

    table = Table(
        title=f"Reading list {period} ({start:%Y-%m-%d} to "
        f"{end - timedelta(seconds=1):%Y-%m-%d}, UTC)"
    )
    table.add_column("feed")
    table.add_column("result")
    table.add_column("new", justify="right")
    table.add_column("updated", justify="right")
    table.add_column("notes")
    for o in report.outcomes:
        notes = Text()
        if o.failed:
            result = Text("failed", style="red")
            notes.append(o.reason or "")
        else:
            result = Text("unchanged (304)" if o.status == "unchanged" else "fetched")
            notes.append(f"{len(o.candidates)} of {o.entries_seen} entries in the window")
        if o.moved_to:
            notes.append(f"\nmoved permanently to {o.moved_to}: update feeds.yml", style="yellow")
        for warning in o.warnings:
            notes.append(f"\n{warning}", style="yellow")
        table.add_row(
            Text(o.feed.name),
            result,
            str(report.new.get(o.feed.url, 0)),
            str(report.updated.get(o.feed.url, 0)),
            notes,
        )
    console.print(table)
    failed = report.failed
    total_new = sum(report.new.values())
    lock = report.lock.relative_to(root) if report.lock else "?"
    console.print(
        f"{total_new} new, {sum(report.updated.values())} updated in {lock}; "
        f"{len(failed)} of {len(report.outcomes)} feeds failed."
    )
    return 1 if failed else 0


def run_import(args: argparse.Namespace) -> int:
    from ..reading.opml import import_opml

    site = _publication(args.config_file)
    feeds_file = Path(args.feeds) if args.feeds else site.feeds_file
    result = import_opml(args.opml, feeds_file)
    for feed in result.added:
        print(f"added   {feed.name} <{feed.url}>")
    for url in result.duplicates:
        print(f"skipped {url} (already in {feeds_file.name})")
    print(
        f"{len(result.added)} feed(s) added to {feeds_file}, {len(result.duplicates)} duplicate(s) "
        "skipped."
    )
    return 0
