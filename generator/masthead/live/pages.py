"""Which pages of the last build a set of changed files touches, and each read again.

Pure of MkDocs' server: given the last build (:class:`Built`) and the files whose
bytes changed, :func:`touched` names the pages to render first, or ``None`` when the
change is one the last build cannot stand in for (a new or deleted file, the
configuration, a template, a diagram's code, a post whose URL, date, draft state,
categories or authors changed: its lists and its neighbours move). :func:`refresh`
makes a page ready for MkDocs' page loop again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from material.plugins.blog.plugin import BlogPlugin
from material.plugins.blog.structure import Post
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from . import internals

POST_SETTINGS_KEPT = ("readtime",)
"""Post settings a build fills in itself (Material's read time): compared only when the
front matter sets them."""


@dataclass
class Built:
    """What the last full build left: its configuration, files, navigation and Jinja
    environment (the plugins keep their own state from it)."""

    config: MkDocsConfig
    files: Files
    nav: Navigation
    env: Any

    def doc_files(self) -> list[File]:
        return [f for f in self.files.documentation_pages() if f.page is not None]

    def page_of(self, path: Path) -> Page | None:
        """The page whose source file is ``path`` (resolved), if the build made one."""
        for file in self.doc_files():
            if file.abs_src_path and Path(file.abs_src_path).resolve() == path:
                return file.page
        return None


def touched(built: Built, changed: Iterable[Path]) -> list[Page] | None:
    """The pages to render again for ``changed`` (resolved paths), or ``None``."""
    reading = built.config.plugins.get("masthead/reading")
    pages: list[Page] = []
    for path in changed:
        page = built.page_of(path)
        if page is None and reading is not None:
            showing = [
                f.page
                for f in built.doc_files()
                if f.page is not None and path in reading.locks_of(f.src_uri)
            ]
            if not showing:
                return None
            pages += showing
        elif page is None:
            return None
        else:
            pages.append(page)
    unique = {id(p): p for p in pages}
    return list(unique.values())


def blog_of(built: Built, page: Page) -> BlogPlugin | None:
    """The Material blog instance whose post ``page`` is."""
    for plugin in built.config.plugins.values():
        blog = getattr(plugin, "blog", None)
        if isinstance(plugin, BlogPlugin) and blog is not None and page in blog.posts:
            return plugin
    return None


def refresh(built: Built, page: Page) -> bool:
    """Make ``page`` read its source again in MkDocs' page loop; false when the change
    moves it (see the module's docstring)."""
    if isinstance(page, Post):
        blog = blog_of(built, page)
        if blog is None:
            return False
        fresh = internals.read_post(page, built.config)
        if not _same_place(blog, page, fresh, built.config):
            return False
        page.markdown, page.meta, page.config = fresh.markdown, fresh.meta, fresh.config
        page.authors = []  # Material's on_page_markdown adds them again
    # What a render left, so that the page's title comes from its new Markdown.
    vars(page).pop("render", None)
    page.content = None
    page.toc = []  # type: ignore[assignment]
    page._title_from_render = None
    return True


def _same_place(blog: BlogPlugin, old: Post, fresh: Post, config: MkDocsConfig) -> bool:
    """``fresh`` sits where ``old`` does: same URL, settings, draft state."""
    if internals.post_excluded(blog, fresh):
        return False
    if internals.post_url(blog, fresh, config) != old.file.url:
        return False
    for key in fresh.config:
        if key in POST_SETTINGS_KEPT and fresh.config[key] in (None, 0):
            continue
        if fresh.config[key] != old.config[key]:
            return False
    return True
