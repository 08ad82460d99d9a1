"""The pages of Material's blog instances by kind, for :mod:`masthead.newsletter.placement`.

Each instance has its index page (``index``), the list pages Material makes
for it, which are its archive, category and author pages and the further
pages of each of them and of the index (``lists``), and its posts (``posts``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from material.plugins.blog.plugin import BlogPlugin
from material.plugins.blog.structure import View
from mkdocs.structure.pages import Page

from ...newsletter.placement import PagePlace


def _views(view: View) -> Iterator[View]:
    yield view
    for page in view.pages:
        if page is not view and isinstance(page, View):
            yield page
    for child in view.views:
        yield from _views(child)


def page_places(blogs: Mapping[str, BlogPlugin]) -> dict[str, PagePlace]:
    """src_uri of every page of every blog instance -> its kind and instance."""
    out: dict[str, PagePlace] = {}
    for blog_dir, plugin in blogs.items():
        root = plugin.blog
        for view in _views(root):
            kind = "index" if view is root else "lists"
            out[view.file.src_uri] = PagePlace(kind=kind, blog_dir=blog_dir)
        for post in root.posts:
            out[post.file.src_uri] = PagePlace(kind="posts", blog_dir=blog_dir)
    return out


def is_home(page: Page) -> bool:
    """The page at the site's root (``index.md`` of docs_dir, or a blog at ``.``)."""
    return page.file.dest_uri == "index.html"
