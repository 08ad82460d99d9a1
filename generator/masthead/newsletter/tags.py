"""Tag pages: one page per tag listing its posts and issues, and an index of tags.

Tags are the ``tags:`` of the posts' front matter, compared without regard to
case (as the ```` ```posts ```` fence compares them). Each tag gets a page at
``<tags_dir>/<slug>.md``, whose Markdown is a ```` ```posts ```` fence listing
every post and issue with that tag; ``<tags_dir>/index.md`` lists the tags.
Pure functions: the plugin adds the pages to the build as generated files.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

INDEX = "index.md"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


@dataclass(frozen=True)
class Tag:
    """One tag of the site and where its page is."""

    name: str
    """As first written (in the order the posts were given)."""
    slug: str
    """The page's file name without ``.md``."""
    count: int
    """How many posts and issues have it."""

    def src_uri(self, tags_dir: str) -> str:
        """The page's path, relative to docs_dir."""
        return f"{tags_dir}/{self.slug}.md"


@dataclass(frozen=True)
class TagLink:
    """A tag of a page as Material's ``partials/tags.html`` shows it."""

    name: str
    url: str
    """Site-relative URL of the tag's page."""
    hidden: bool = False


def slugify(name: str) -> str:
    """``name`` as a file name: lower case, letters and digits, words joined by ``-``."""
    text = unicodedata.normalize("NFKC", name).lower()
    return re.sub(r"[\W_]+", "-", text).strip("-") or "tag"


def collect(tag_lists: Iterable[Iterable[str]]) -> list[Tag]:
    """Every tag of ``tag_lists`` (one list per post), sorted by name, each with a
    slug unlike the others (``c`` and ``c-2`` for ``C`` and ``C++``)."""
    names: dict[str, str] = {}
    counts: dict[str, int] = {}
    for tags in tag_lists:
        seen: set[str] = set()
        for raw in tags:
            name = raw.strip()
            key = name.lower()
            if not name or key in seen:
                continue
            seen.add(key)
            names.setdefault(key, name)
            counts[key] = counts.get(key, 0) + 1
    out: list[Tag] = []
    taken = {INDEX.removesuffix(".md")}
    for key in sorted(names):
        slug = candidate = slugify(key)
        number = 2
        while candidate in taken:
            candidate, number = f"{slug}-{number}", number + 1
        taken.add(candidate)
        out.append(Tag(name=names[key], slug=candidate, count=counts[key]))
    return out


def markdown_text(text: str) -> str:
    """``text`` written so that Markdown shows it as it is."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def tag_page(tag: Tag, *, posts_fence: str, all_tags: str) -> str:
    """The Markdown of ``tag``'s page: its name, the list of its posts and issues, and a
    link to the index of tags worded ``all_tags``."""
    return (
        f"# {markdown_text(tag.name)}\n\n"
        f"```{posts_fence}\nblog: all\ntag: {json.dumps(tag.name)}\n```\n\n"
        f"[{markdown_text(all_tags)}]({INDEX})\n"
    )


def index_list(tags: Iterable[Tag]) -> str:
    """The Markdown list of every tag, linked to its page, with its number of posts."""
    return "".join(f"- [{markdown_text(t.name)}]({t.slug}.md) ({t.count})\n" for t in tags)


def index_page(tags: Iterable[Tag], *, title: str) -> str:
    """The Markdown of the index of tags headed ``title``, when docs_dir has none."""
    return f"# {markdown_text(title)}\n\n" + index_list(tags)
