"""Which pages of the last build a set of changed files touches, and each read again.

Pure of MkDocs' server: given the last build (:class:`Built`) and the files that
changed, :func:`touched` names the pages to render first, or ``None`` when the change
is one the last build cannot stand in for (the configuration, a file other than a
page or a reading lock, such as an image, the authors or a diagram's code; a post
whose URL, date, draft state, categories or authors changed: its lists and its
neighbours move). Files the last build did not know (a new page, an editor's swap
file) are left to the full build that follows. :func:`refresh` makes a page ready
for MkDocs' page loop again.
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

    def pages_showing(self, lock: Path) -> list[Page]:
        """The pages whose reading fences showed the lock file ``lock``."""
        reading = self.config.plugins.get("masthead/reading")
        if reading is None:
            return []
        return [f.page for f in self.doc_files() if f.page and lock in reading.locks_of(f.src_uri)]

    def known_files(self) -> set[Path]:
        """Every source file the build read or copied, and its configuration file."""
        known = {Path(f.abs_src_path).resolve() for f in self.files if f.abs_src_path}
        if self.config.config_file_path:
            known.add(Path(self.config.config_file_path).resolve())
        return known


def touched(built: Built, changed: Iterable[Path]) -> list[Page] | None:
    """The pages to render again for ``changed`` (resolved paths), or ``None``."""
    known = built.known_files()
    pages: list[Page] = []
    for path in changed:
        page = built.page_of(path)
        showing = [] if page is not None else built.pages_showing(path)
        if page is not None:
            pages.append(page)
        elif showing:
            pages += showing
        elif path in known:
            return None
    unique = {id(p): p for p in pages}
    return list(unique.values()) or None


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
