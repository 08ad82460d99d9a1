"""``masthead new monthly|annual|post``: scaffold a draft issue or post (never overwriting)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..content import Period
from ..errors import ConfigError, MastheadError, display_path
from . import SubParsers, add_config_option, day, quiet_mkdocs

if TYPE_CHECKING:
    from ..i18n import Strings
    from ..publication import Publication


def _period(kind: str) -> Callable[[str], Period]:
    def parse(text: str) -> Period:
        try:
            period = Period.parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc
        if kind == "month" and period.month is None:
            raise argparse.ArgumentTypeError(f"expected a month like 2022-12, got {text!r}")
        if kind == "year" and period.month is not None:
            raise argparse.ArgumentTypeError(f"expected a year like 2022, got {text!r}")
        return period

    return parse


def _common(parser: argparse.ArgumentParser) -> None:
    add_config_option(parser)
    parser.add_argument(
        "--date",
        type=day,
        metavar="YYYY-MM-DD",
        help="publication date in the front matter (default: the day after the period)",
    )
    parser.add_argument("--author", metavar="ID", help="author id from .authors.yml")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write here instead of the default path"
    )
    parser.add_argument(
        "--stdout", action="store_true", help="print the draft instead of writing a file"
    )


def register(sub: SubParsers) -> None:
    new = sub.add_parser(
        "new",
        help="scaffold a monthly roundup, a yearly recap or a post",
        description=(
            "Write a draft issue or post from what was published, in the site's language "
            "(theme.language). Existing files are never overwritten."
        ),
        epilog=(
            "examples:\n"
            "  masthead new monthly 2022-12\n"
            "  masthead new annual 2022 --date 2023-01-05\n"
            "  masthead new monthly 2022-12 --newsletter tips --stdout\n"
            '  masthead new post "cgroups v2 from the shell"'
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    new.set_defaults(group_parser=new)
    verbs = new.add_subparsers(dest="what", metavar="WHAT")

    monthly = verbs.add_parser(
        "monthly",
        help="a monthly roundup: the month's posts by category, a reading block, placeholders",
        description=(
            "Write <newsletter>/posts/YYYY-MM.md: the month's posts grouped by category, each "
            "with its link and excerpt, a ```reading block for the month, and placeholders for "
            "the greeting and the wrap-up (draft: true)."
        ),
    )
    monthly.add_argument("period", type=_period("month"), metavar="YYYY-MM")
    monthly.add_argument(
        "--newsletter", metavar="NAME", help="blog_dir of the newsletter (default: the first)"
    )
    _common(monthly)
    monthly.set_defaults(handler=run_monthly)

    annual = verbs.add_parser(
        "annual",
        help="a yearly recap: the year's posts by category, the year's reading, a wrap-up",
        description=(
            "Write <newsletter>/posts/YYYY.md: the year's posts grouped by category with "
            "their excerpts, the year's reading picks and a wrap-up placeholder (draft: true)."
        ),
    )
    annual.add_argument("period", type=_period("year"), metavar="YYYY")
    annual.add_argument(
        "--newsletter", metavar="NAME", help="blog_dir of the newsletter (default: the first)"
    )
    _common(annual)
    annual.set_defaults(handler=run_annual)

    post = verbs.add_parser(
        "post",
        help="a new draft post",
        description="Write <blog>/posts/<slug>.md, a draft post dated today.",
    )
    post.add_argument("title", help="the post's title")
    post.add_argument(
        "--blog", metavar="NAME", help="blog_dir of the blog (default: the posts blog)"
    )
    add_config_option(post)
    post.add_argument("--date", type=day, metavar="YYYY-MM-DD", help="date (default: today)")
    post.add_argument("--author", metavar="ID", help="author id from .authors.yml")
    post.add_argument(
        "--stdout", action="store_true", help="print the draft instead of writing a file"
    )
    post.set_defaults(handler=run_post)


def _write(path: Path, text: str, *, stdout: bool, links: int | None = None) -> int:
    from .._io import write_new

    if stdout:
        sys.stdout.write(text)
        return 0
    try:
        write_new(path, text)
    except FileExistsError as exc:
        raise MastheadError(
            "already exists; masthead new never overwrites a file (edit it, or pass -o FILE)",
            path=path,
        ) from exc
    shown = display_path(path)
    detail = f" ({links} posts)" if links is not None else ""
    print(f"wrote {shown}{detail}")
    return 0


def _site(args: argparse.Namespace) -> tuple[Publication, Strings]:
    """The site of ``-f FILE`` and its words, as the build makes them (``theme.language``
    and the ``masthead/newsletter: strings`` file)."""
    from ..i18n.site import site_strings
    from ..plugins.model import load

    with quiet_mkdocs():
        config, site = load(args.config_file)
        return site, site_strings(config)


def run_monthly(args: argparse.Namespace) -> int:
    from ..newsletter.roundup import scaffold_monthly

    site, words = _site(args)
    draft = scaffold_monthly(
        site,
        args.period,
        newsletter=args.newsletter,
        published=args.date,
        author=args.author,
        path=args.output,
        words=words,
    )
    return _write(draft.path, draft.text, stdout=args.stdout, links=len(draft.posts))


def run_annual(args: argparse.Namespace) -> int:
    from ..newsletter.roundup import scaffold_annual

    site, words = _site(args)
    draft = scaffold_annual(
        site,
        args.period.year,
        newsletter=args.newsletter,
        published=args.date,
        author=args.author,
        path=args.output,
        words=words,
    )
    return _write(draft.path, draft.text, stdout=args.stdout, links=len(draft.posts))


def run_post(args: argparse.Namespace) -> int:
    from ..newsletter.roundup import scaffold_post

    site, words = _site(args)
    if not args.title.strip():
        raise ConfigError('expected a non-empty title, e.g. masthead new post "cgroups v2"')
    draft = scaffold_post(
        site,
        args.title,
        published=args.date or date.today(),
        author=args.author,
        blog=args.blog,
        words=words,
    )
    return _write(draft.path, draft.text, stdout=args.stdout)
