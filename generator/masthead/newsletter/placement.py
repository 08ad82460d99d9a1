"""Where a newsletter's subscribe form appears: its ``subscribe_on`` places.

A page is of one kind: the home page, the index page of a blog instance, one
of its list pages (archive, category, author and further index pages) or one
of its posts. A newsletter's form shows on the pages of its own blog instance
whose kind it lists; with ``blog`` it shows on the same kinds of pages of the
posts' blog too, and with ``home`` on the home page, with its latest issue.
Pure functions: the plugin maps pages to kinds, this module decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

PLACES: tuple[str, ...] = ("home", "blog", "index", "lists", "posts")
"""Every value ``subscribe_on`` accepts."""
PAGE_KINDS: tuple[str, ...] = ("index", "lists", "posts")
"""The places that are kinds of pages of a blog instance."""
FIRST_DEFAULT: frozenset[str] = frozenset(PLACES)
"""Where the first newsletter's form goes when its ``subscribe_on`` is not set."""
OTHERS_DEFAULT: frozenset[str] = frozenset(PAGE_KINDS)
"""Where any other newsletter's form goes when its ``subscribe_on`` is not set."""


class PlacesError(ValueError):
    """``subscribe_on`` holds something other than a list of known places."""

    def __init__(self, message: str, value: object) -> None:
        super().__init__(message)
        self.value = value
        """The offending value, to find its line in mkdocs.yml."""


def parse_places(value: object, *, first: bool) -> frozenset[str]:
    """The places of one newsletter's ``subscribe_on`` (``None``: the default).

    A single name counts as a list of one; ``[]`` shows the form nowhere.
    """
    if value is None:
        return FIRST_DEFAULT if first else OTHERS_DEFAULT
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise PlacesError(f"expected a list of places ({', '.join(PLACES)}), got {value!r}", value)
    for item in items:
        if item not in PLACES:
            raise PlacesError(
                f"unknown place {item!r}; expected some of: {', '.join(PLACES)}", item
            )
    return frozenset(items)


def value_line(text: str, value: object) -> int | None:
    """The line of mkdocs.yml ``text`` where a bad ``subscribe_on`` value is written: the
    first line naming it at or after a ``subscribe_on:`` key, else that key's line."""
    lines = text.splitlines()
    keys = [n for n, line in enumerate(lines) if re.match(r"^\s*-?\s*subscribe_on\s*:", line)]
    word = re.compile(rf"(?<![\w-]){re.escape(str(value))}(?![\w-])")
    for start in keys:
        for number in range(start, len(lines)):
            if number > start and re.match(r"^\s*-?\s*\w+\s*:", lines[number]):
                break
            after_key = lines[number].split(":", 1)[1] if number == start else lines[number]
            if word.search(after_key):
                return number + 1
    return keys[0] + 1 if keys else None


@dataclass(frozen=True)
class PagePlace:
    """A page as placement sees it."""

    kind: str | None
    """``index``, ``lists`` or ``posts`` for a page of a blog instance, else ``None``."""
    blog_dir: str | None = None
    """The blog instance the page belongs to."""
    home: bool = False
    """The page at the site's root."""


def newsletters_for(
    page: PagePlace,
    places: dict[str, frozenset[str]],
    *,
    posts_blog: str,
) -> list[str]:
    """The blog_dirs of the newsletters whose form ``page`` shows, in ``places`` order
    (``places``: blog_dir of each newsletter -> its places)."""
    out = []
    for letter, chosen in places.items():
        on_home = page.home and "home" in chosen
        own = page.blog_dir == letter or (page.blog_dir == posts_blog and "blog" in chosen)
        if on_home or (page.kind in chosen and own):
            out.append(letter)
    return out


def html_id(blog_dir: str, taken: Sequence[str] = ()) -> str:
    """An id for the form of newsletter ``blog_dir``, unlike any in ``taken``."""
    stem = "mh-subscribe-" + (re.sub(r"[^A-Za-z0-9]+", "-", blog_dir).strip("-") or "site")
    candidate, number = stem, 2
    while candidate in taken:
        candidate, number = f"{stem}-{number}", number + 1
    return candidate
