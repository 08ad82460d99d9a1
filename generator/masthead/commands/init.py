"""``masthead init [DIR]``: start a publication, or add masthead to a Material project.

In a folder without ``mkdocs.yml`` it writes a small, complete publication
(configuration, an author, a post with a diagram, a newsletter issue with a
reading list, feeds.yml, .gitignore). In a folder with an MkDocs project that
uses Material it adds only what masthead needs and is missing: the masthead
plugins, a blog instance for the newsletter, ``authors_file`` settings, the
authors file, the newsletter's index page and the reading-list files.

The work is done by :mod:`masthead.scaffold` (``plan`` and ``apply``); this module
reads the command line and prints one line per file created or changed.
"""

from __future__ import annotations

import argparse
import email.utils
import re
import textwrap
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import display_path
from ..providers import NAMES as PROVIDER_NAMES
from ..scaffold import (
    CONFIG_NAMES,
    DEFAULT_AUTHOR,
    DEFAULT_EMAIL,
    DEFAULT_NAME,
    DEFAULT_SITE_URL,
    Change,
    Options,
    apply,
    plan,
)
from . import SubParsers, day


def _address(text: str) -> str:
    name, addr = email.utils.parseaddr(text)
    if name or not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", addr or ""):
        raise argparse.ArgumentTypeError(f"expected an address like you@example.org, got {text!r}")
    return addr


def _site_url(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(
            f"expected an absolute URL like https://example.org/, got {text!r}"
        )
    url = text.strip()
    return url if url.endswith("/") else url + "/"


def _text(what: str) -> Any:
    def parse(text: str) -> str:
        if not text.strip() or "\n" in text or "\r" in text:
            raise argparse.ArgumentTypeError(f"expected {what} on one line, got {text!r}")
        return text.strip()

    return parse


def register(sub: SubParsers) -> None:
    parser = sub.add_parser(
        "init",
        help="start a publication, or add masthead to an MkDocs Material project",
        description=textwrap.dedent(
            """\
            In a folder without mkdocs.yml (empty, or missing), write a small, complete
            publication: mkdocs.yml, an author, a first post with a diagram, a first
            newsletter issue with a reading list, the reading list's feeds.yml and a
            .gitignore. It builds as it is: masthead build --strict.

            In a folder whose mkdocs.yml uses the Material theme, add only what masthead
            needs and is missing: the masthead plugins, a blog instance for the newsletter,
            authors_file settings, the authors file, the newsletter's index page and the
            reading-list files. mkdocs.yml keeps every line it had; new lines are inserted
            where they belong.

            Existing files are never overwritten, and a second run changes nothing. Each
            file created or changed is listed on a line of its own."""
        ),
        epilog=(
            "examples:\n"
            '  masthead init kernel-notes --name "Kernel Notes" --author "Mira Castellanos"\n'
            "  masthead init . --provider kit --email mira@example.org\n"
            "  masthead init --dry-run          # what would be added to ./mkdocs.yml"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "dir",
        nargs="?",
        default=".",
        type=Path,
        metavar="DIR",
        help="the project folder (default: the current folder)",
    )
    parser.add_argument(
        "--name",
        type=_text("a name"),
        metavar="NAME",
        help=f"the publication's name (site_name) and the newsletter's title (default: "
        f'"{DEFAULT_NAME}", or the site_name of an existing mkdocs.yml)',
    )
    parser.add_argument(
        "--author",
        type=_text("a name"),
        metavar="NAME",
        help=f'the author\'s name; the author id is its first word, "Ada Lovelace" -> ada '
        f'(default: "{DEFAULT_AUTHOR}", or the site_author of an existing mkdocs.yml)',
    )
    parser.add_argument(
        "--email",
        type=_address,
        metavar="ADDR",
        help=f"the address newsletter emails come from (default: {DEFAULT_EMAIL})",
    )
    parser.add_argument(
        "--site-url",
        type=_site_url,
        metavar="URL",
        help=f"where the site will be published, site_url (default: {DEFAULT_SITE_URL})",
    )
    parser.add_argument(
        "--provider",
        choices=PROVIDER_NAMES,
        default="buttondown",
        help="who sends the newsletter and receives the subscribe form; its form fields get "
        "placeholder values to replace (default: %(default)s)",
    )
    parser.add_argument(
        "--date",
        type=day,
        metavar="YYYY-MM-DD",
        help="the date of the first post and issue, whose month names the issue and its "
        "reading list (default: today)",
    )
    parser.add_argument(
        "-n",
        "--dry-run",
        action="store_true",
        help="print what would be created or changed, and write nothing",
    )
    parser.set_defaults(handler=run_init)


def run_init(args: argparse.Namespace) -> int:
    options = Options(
        name=args.name,
        author=args.author,
        email=args.email,
        site_url=args.site_url,
        provider=args.provider,
        today=args.date or date.today(),
    )
    result = plan(args.dir, options)
    report(result.changes, dry_run=args.dry_run)
    if not args.dry_run:
        apply(result.changes)
    for note in result.notes:
        print(f"note: {note}")
    if not args.dry_run and any(c.path.name in CONFIG_NAMES and c.created for c in result.changes):
        print(f"next: cd {display_path(args.dir)} && masthead serve")
    return 0


def report(changes: list[Change], *, dry_run: bool = False) -> None:
    """One line per file created or changed; "nothing to do" when there is none."""
    if not changes:
        print("nothing to do: masthead is set up here already")
        return
    for change in changes:
        if dry_run:
            verb = "would create" if change.created else "would change"
        else:
            verb = "created" if change.created else "changed"
        note = f": {change.note}" if change.note else ""
        print(f"{verb} {display_path(change.path)}{note}")
