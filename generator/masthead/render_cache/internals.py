"""Every MkDocs and Material internal the render cache relies on, named once.

The cache stands in for two methods and reads or sets attributes they use:

- MkDocs' :meth:`Page.render <mkdocs.structure.pages.Page.render>`: what it
  leaves on the page (``content``, ``toc``, ``_title_from_render``,
  ``present_anchor_ids``, ``links_to_anchors``) and the ``files`` its link
  resolver (``_RelativePathTreeprocessor``) looks targets up in;
- Material's blog excerpts, :meth:`Excerpt.render
  <material.plugins.blog.structure.Excerpt.render>`: the Markdown it converts
  (the post's, with ``# title`` first when the post has no heading), its
  ``excerpt`` tree processor (``base``: the view the excerpt goes into) and
  ``relpath`` tree processor (``files``), and what it leaves (``content``,
  ``more``, ``toc``);
- Material's ``Excerpt.__init__``, which makes a Markdown instance for every post:
  :class:`LazyExcerpt` does what it does (with Material's ``_patch`` of the
  config) but makes that instance when the excerpt first converts, and the blog
  plugin creates its excerpts through the name ``Excerpt`` of its module
  (:func:`use_lazy_excerpts`);
- Material's blog plugin: its posts (``blog.posts``, which it tests every page
  against with ``in``: :class:`PostList` makes that test cheap) and the
  ``readtime`` function its ``on_page_content`` calls (:func:`use_readtime`);
- MkDocs' ``Page.__eq__``, whose meaning :class:`PostList` keeps.

:data:`EXPECTED` holds a digest of the source of each: :func:`changed` lists those
that differ in the installed versions, and the cache stays off while any does
(tests/test_render_cache.py fails on it, so a new MkDocs or Material is looked at).
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Iterable
from copy import copy
from typing import Any, SupportsIndex

import material.plugins.blog.plugin as blog_plugin
from markdown import Markdown
from material.plugins.blog.plugin import BlogPlugin
from material.plugins.blog.readtime import readtime as material_readtime
from material.plugins.blog.structure import Excerpt, _patch
from material.plugins.blog.structure.markdown import ExcerptTreeprocessor
from mkdocs.structure.files import File
from mkdocs.structure.pages import Page, _RelativePathTreeprocessor
from mkdocs.structure.toc import _parse_toc_token, get_toc

PAGE_RENDER = Page.render
EXCERPT_RENDER = Excerpt.render
EXCERPT_PROCESSOR = "excerpt"
"""Name of Material's excerpt tree processor in an excerpt's Markdown."""
RELPATH_PROCESSOR = "relpath"
"""Name of MkDocs' link resolver in an excerpt's Markdown."""


def _digest(obj: Any) -> str:
    return hashlib.sha256(inspect.getsource(obj).encode("utf-8")).hexdigest()[:16]


def _watched() -> dict[str, Any]:
    return {
        "mkdocs Page.render": Page.render,
        "mkdocs Page.__eq__": Page.__eq__,
        "mkdocs Page.title": Page.title.func,
        "mkdocs _RelativePathTreeprocessor.__init__": _RelativePathTreeprocessor.__init__,
        "mkdocs _RelativePathTreeprocessor.path_to_url": _RelativePathTreeprocessor.path_to_url,
        "material Excerpt.__init__": Excerpt.__init__,
        "material Excerpt.render": Excerpt.render,
        "material ExcerptTreeprocessor": ExcerptTreeprocessor,
        "material BlogPlugin.on_page_markdown": BlogPlugin.on_page_markdown,
        "material BlogPlugin.on_page_content": BlogPlugin.on_page_content,
        "material BlogPlugin._render_post": BlogPlugin._render_post,
        "material _patch": _patch,
        "material readtime": material_readtime,
        "mkdocs get_toc": get_toc,
        "mkdocs _parse_toc_token": _parse_toc_token,
    }


EXPECTED = {
    "mkdocs Page.render": "320529348f7a8af1",
    "mkdocs Page.__eq__": "4acfdc0ab76ca88d",
    "mkdocs Page.title": "0b79ceaa40829423",
    "mkdocs _RelativePathTreeprocessor.__init__": "518753a9f5fba71c",
    "mkdocs _RelativePathTreeprocessor.path_to_url": "e70ebc9605514fab",
    "material Excerpt.__init__": "32c96fb86b8a80c8",
    "material Excerpt.render": "6ee38b3efd751ef5",
    "material ExcerptTreeprocessor": "cd40252c2d81c5cf",
    "material BlogPlugin.on_page_markdown": "45d570b444f189b7",
    "material BlogPlugin.on_page_content": "3421ceb71bbc6358",
    "material BlogPlugin._render_post": "4436ce00885093f0",
    "material _patch": "76163aa40f791a3d",
    "material readtime": "02f7775771a3c378",
    "mkdocs get_toc": "67a357fabce574b9",
    "mkdocs _parse_toc_token": "c7ceee562a63182d",
}
"""Digest of the source of each internal, as the cache was written for (MkDocs 1.6.1,
Material 9.8.2)."""


def digests() -> dict[str, str]:
    """The digest of each watched internal in the installed MkDocs and Material."""
    return {name: _digest(obj) for name, obj in _watched().items()}


def changed() -> list[str]:
    """The watched internals whose source is not what the cache was written for."""
    found = digests()
    return [name for name, digest in EXPECTED.items() if found.get(name) != digest]


# -- pages ----------------------------------------------------------------------------


def renders_like_mkdocs(page: Page) -> bool:
    """``page`` renders with MkDocs' own ``Page.render`` (no subclass changed it)."""
    return type(page).render is PAGE_RENDER


def render_page(page: Page, config: Any, files: Any) -> None:
    """MkDocs' ``Page.render`` of ``page`` (bypassing a cached stand-in on the page)."""
    PAGE_RENDER(page, config, files)


def keeps_anchor_links(page: Page) -> bool:
    """``Page.render`` set ``links_to_anchors`` on ``page`` (it does unless MkDocs'
    page logger shows DEBUG records)."""
    return "links_to_anchors" in vars(page)


# -- excerpts -------------------------------------------------------------------------


def excerpt_of(page: Page) -> Excerpt | None:
    """The excerpt Material's blog made for ``page`` in its ``on_page_markdown``."""
    excerpt = getattr(page, "excerpt", None)
    return excerpt if isinstance(excerpt, Excerpt) else None


def renders_like_material(excerpt: Excerpt) -> bool:
    return type(excerpt).render is EXCERPT_RENDER


def excerpt_markdown(excerpt: Excerpt) -> str:
    """The Markdown ``Excerpt.render`` converts: the post's, with its title as a first
    heading when the post's own Markdown has none."""
    post = excerpt.post
    markdown = str(post.markdown)
    if not post._title_from_render:
        markdown = "\n\n".join([f"# {post.title}", markdown])
    return markdown


def render_excerpt(excerpt: Excerpt, view: Page, separator: str) -> None:
    """Material's ``Excerpt.render`` (bypassing a cached stand-in on the excerpt)."""
    EXCERPT_RENDER(excerpt, view, separator)


def point_excerpt_at(excerpt: Excerpt, view: Page) -> None:
    """What ``Excerpt.render`` sets up before converting: links resolve from the view."""
    excerpt.file.url = view.url
    processor = excerpt.md.treeprocessors[EXCERPT_PROCESSOR]
    processor.base = view


def point_excerpt_back(excerpt: Excerpt) -> None:
    """What ``Excerpt.render`` restores after converting."""
    excerpt.file.url = excerpt.post.url


def set_excerpt_files(excerpt: Excerpt, files: Any) -> None:
    """The files an excerpt's links resolve against, from now on."""
    excerpt.md.treeprocessors[RELPATH_PROCESSOR].files = files


def excerpt_markdown_stand_in(excerpt: Excerpt, view: Page) -> Any:
    """What a fence formatter may read of the excerpt's Markdown rendered into ``view``
    (its ``excerpt`` tree processor, the post and the view), without making it."""
    return _ExcerptMarkdown({EXCERPT_PROCESSOR: ExcerptTreeprocessor(excerpt.post, view)})


class _ExcerptMarkdown:
    def __init__(self, treeprocessors: dict[str, Any]) -> None:
        self.treeprocessors = treeprocessors


class LazyExcerpt(Excerpt):
    """Material's excerpt, whose Markdown instance (all the extensions, one per post) is
    made when it first converts: under the cache most excerpts never do. The rest is
    ``Excerpt.__init__`` as Material writes it; ``lazy(config)`` false: exactly that."""

    lazy: Callable[[Any], bool] = staticmethod(lambda config: False)

    def __init__(self, post: Any, config: Any, files: Any) -> None:
        self._md: Any = None
        if not LazyExcerpt.lazy(config):
            super().__init__(post, config, files)
            return
        self.file = copy(post.file)
        self.post = post
        self._set_canonical_url(config.site_url)
        self.config = post.config
        self.meta = post.meta
        self.authors: list[Any] = []
        self.categories: list[Any] = []
        self.more = None
        self._made_from = (post, _patch(config), files)

    @property
    def md(self) -> Any:
        if self._md is None:
            post, config, files = self._made_from
            md = Markdown(
                extensions=config.markdown_extensions, extension_configs=config.mdx_configs
            )
            md.treeprocessors.register(ExcerptTreeprocessor(post), EXCERPT_PROCESSOR, 0)
            md.treeprocessors.register(
                _RelativePathTreeprocessor(self.file, files, config), RELPATH_PROCESSOR, 1
            )
            self._md = md
        return self._md

    @md.setter
    def md(self, value: Any) -> None:
        self._md = value


def use_lazy_excerpts(lazy: Callable[[Any], bool]) -> None:
    """Make Material's blog create :class:`LazyExcerpt` excerpts, lazy for the builds
    whose config ``lazy`` accepts; once per process."""
    LazyExcerpt.lazy = staticmethod(lazy)
    blog_plugin.Excerpt = LazyExcerpt


def toc_tokens(toc: Iterable[Any]) -> list[dict[str, Any]]:
    """The tokens MkDocs' ``get_toc`` made ``toc`` from (all ``_parse_toc_token`` reads
    of them)."""
    return [
        {"level": a.level, "id": a.id, "name": a.title, "children": toc_tokens(a.children)}
        for a in toc
    ]


# -- blogs ----------------------------------------------------------------------------


def blogs(plugins: Iterable[Any]) -> list[BlogPlugin]:
    """The enabled Material blog instances among ``plugins``."""
    return [p for p in plugins if isinstance(p, BlogPlugin) and p.config.enabled]


def index_posts(plugin: BlogPlugin) -> None:
    """Give a blog instance's posts (set in its ``on_files``) a cheap ``in``."""
    blog = getattr(plugin, "blog", None)
    if blog is not None and not isinstance(blog.posts, PostList):
        blog.posts = PostList(blog.posts)


def _plain_eq(cls: type) -> bool:
    return cls.__eq__ is Page.__eq__


class PostList(list[Any]):
    """A blog's posts whose ``in`` looks only at the posts of the same file.

    Material tests every page against its posts (``page not in self.blog.posts``,
    twice per page and blog instance): each test compares the page with every post,
    and MkDocs' ``Page.__eq__`` works out both titles (from the Markdown, for a page
    not yet rendered) before it compares the files. Two pages are equal only when
    they share their ``File`` (``File`` has no ``__eq__`` of its own), so the posts
    of other files are skipped; the rest is Python's own ``in``.
    """

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self._by_file: dict[int, list[Any]] | None = None

    def _index(self) -> dict[int, list[Any]] | None:
        if self._by_file is None:
            if not all(_plain_eq(type(p)) and _plain_file(p) for p in self):
                return None
            by_file: dict[int, list[Any]] = {}
            for post in self:
                by_file.setdefault(id(post.file), []).append(post)
            self._by_file = by_file
        return self._by_file

    def __contains__(self, value: object) -> bool:
        index = self._index() if isinstance(value, Page) and _plain_eq(type(value)) else None
        if index is None or not _plain_file(value):
            return list.__contains__(self, value)
        same_file = index.get(id(value.file), ())  # type: ignore[attr-defined]
        return any(post is value or post == value for post in same_file)

    def _changed(self) -> None:
        self._by_file = None

    def append(self, item: Any) -> None:
        super().append(item)
        self._changed()

    def extend(self, items: Iterable[Any]) -> None:
        super().extend(items)
        self._changed()

    def insert(self, at: SupportsIndex, item: Any) -> None:
        super().insert(at, item)
        self._changed()

    def remove(self, item: Any) -> None:
        super().remove(item)
        self._changed()

    def pop(self, at: SupportsIndex = -1) -> Any:
        item = super().pop(at)
        self._changed()
        return item

    def clear(self) -> None:
        super().clear()
        self._changed()

    def __setitem__(self, at: Any, item: Any) -> None:
        super().__setitem__(at, item)
        self._changed()

    def __delitem__(self, at: Any) -> None:
        super().__delitem__(at)
        self._changed()

    def __iadd__(self, items: Iterable[Any]) -> PostList:  # type: ignore[misc]
        super().__iadd__(items)
        self._changed()
        return self


def _plain_file(page: Any) -> bool:
    """The page's file compares by identity (a ``File``, no ``__eq__`` of its own)."""
    file = getattr(page, "file", None)
    return isinstance(file, File) and type(file).__eq__ is object.__eq__


# -- read time ------------------------------------------------------------------------


def use_readtime(function: Callable[[Callable[[str, int], int], str, int], int]) -> None:
    """Route the blog plugin's read time of a post through ``function`` (called with
    Material's own ``readtime`` and its arguments); once per process."""
    if getattr(blog_plugin.readtime, "masthead_wraps", None) is material_readtime:
        return

    def readtime(html: str, words_per_minute: int) -> int:
        return function(material_readtime, html, words_per_minute)

    readtime.masthead_wraps = material_readtime  # type: ignore[attr-defined]
    blog_plugin.readtime = readtime
