"""Cached stand-ins for MkDocs' ``Page.render`` and Material's ``Excerpt.render``.

Each is set on one page (or excerpt) as an attribute, so it is used by that object
only. A render's key is the SHA-256 of everything its HTML depends on: the
settings (:mod:`.settings`), the Markdown as the page has it after every plugin's
``on_page_markdown``, the page's source path, URL and inclusion, and for an excerpt
also the post's URL, the view it goes into, the separator and how many times the
excerpt was rendered before in this build (Material converts an excerpt again and
again with one Markdown instance it never resets, and footnotes number themselves
by what that instance saw before). What the render read besides (link targets,
masthead's fences) is checked on a hit (:mod:`.recording`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from . import internals
from .recording import (
    FenceCall,
    RecordedFence,
    Recording,
    RecordingFiles,
    capturing,
    check_fences,
    links_unchanged,
    recording,
    replay,
)
from .settings import Settings
from .store import Store


class _PageMarkdown:
    """What a masthead fence formatter is given as ``md`` when the cached render of its
    page is checked: a Markdown with no ``excerpt`` tree processor, as a page's own
    (masthead's formatters look at ``md`` for nothing else)."""

    treeprocessors: dict[str, Any] = {}  # noqa: RUF012 -- never written


PAGE_MARKDOWN = _PageMarkdown()

Apply = Callable[[], None]
"""Puts a cached render on its page."""


class RenderCache:
    """The cache of one build: its settings, its store and masthead's fences."""

    def __init__(self, settings: Settings, store: Store, fences: dict[str, RecordedFence]) -> None:
        self.settings = settings
        self.store = store
        self.fences = fences

    def key(self, *parts: Any) -> str:
        blob = json.dumps([self.settings.digest, *parts], ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()

    def attach(self, page: Page, files: Any) -> None:
        """Render ``page`` (and the excerpt Material's blog made of it, whose links resolve
        against ``files``) through the cache."""
        if internals.renders_like_mkdocs(page):
            page.render = CachedPage(self, page)  # type: ignore[method-assign]
        excerpt = internals.excerpt_of(page)
        if excerpt is not None and internals.renders_like_material(excerpt):
            excerpt.render = CachedExcerpt(self, excerpt, files)

    def lookup(
        self, key: str, files: Any, md: Any, parse: Callable[[dict[str, Any]], Apply | None]
    ) -> tuple[Apply | None, Recording]:
        """How to apply the record of ``key`` if it still holds: ``parse`` reads it
        (``None``: it does not fit the page), its link targets are unchanged and each of
        its fences gives the same HTML again. Else ``None``, and the recording the render
        starts with (the fences formatted while checking)."""
        record = self.store.get(key)
        if record is None:
            return None, Recording()
        try:
            apply = parse(record)
            if apply is None or not links_unchanged(record["links"], files):
                return None, Recording()
            calls = [FenceCall.from_json(c) for c in record["fences"]]
            calls_with = [(call, call.arguments()) for call in calls]
            records = [[str(n), int(level), str(m)] for n, level, m in record["log"]]
        except (KeyError, TypeError, ValueError, AttributeError):
            return None, Recording()  # an entry of another shape: a miss
        ok, done = check_fences(calls_with, self.fences, md)
        if not ok:
            return None, Recording(pending=done)

        def hit() -> None:
            apply()
            replay(records)
            self.store.hits += 1

        return hit, Recording()

    def store_render(self, key: str, rec: Recording, record: dict[str, Any]) -> None:
        self.store.misses += 1
        if rec.storable:
            record.update(
                links=rec.links, fences=[call.as_json() for call in rec.fences], log=rec.records
            )
            self.store.put(key, record)


class CachedPage:
    """``Page.render`` of one page, through the cache."""

    def __init__(self, cache: RenderCache, page: Page) -> None:
        self.cache = cache
        self.page = page

    def __call__(self, config: Any, files: Any) -> None:
        page, cache = self.page, self.cache
        markdown = page.markdown
        if markdown is None or not cache.settings.cacheable(markdown):
            internals.render_page(page, config, files)
            return
        key = cache.key("page", page.file.src_uri, page.url, page.file.inclusion.name, markdown)
        hit, rec = cache.lookup(key, files, PAGE_MARKDOWN, lambda r: self._parse(r, files))
        if hit is not None:
            hit()
            return
        with capturing(), recording(rec):
            internals.render_page(page, config, RecordingFiles(files, rec))
        anchor_links = None
        if internals.keeps_anchor_links(page):
            anchor_links = [
                [file.src_uri, list(links.items())]
                for file, links in (page.links_to_anchors or {}).items()
            ]
        made = {
            "content": page.content,
            "toc": internals.toc_tokens(page.toc),
            "title": page._title_from_render,
            "anchors": sorted(page.present_anchor_ids or ()),
            "anchor_links": anchor_links,
        }
        cache.store_render(key, rec, made)

    def _parse(self, record: dict[str, Any], files: Any) -> Apply | None:
        anchor_links: dict[Any, dict[str, str]] | None = None
        if record["anchor_links"] is not None:
            anchor_links = {}
            for src_uri, links in record["anchor_links"]:
                target = files.get_file_from_path(src_uri)
                if target is None:
                    return None
                anchor_links[target] = {str(a): str(link) for a, link in links}
        content, title = record["content"], record["title"]
        toc, anchors = get_toc(record["toc"]), {str(a) for a in record["anchors"]}
        if not isinstance(content, str) or not isinstance(title, str | None):
            return None
        page = self.page

        def apply() -> None:
            page.content = content
            page.toc = toc
            page._title_from_render = title
            page.present_anchor_ids = anchors
            if anchor_links is not None:
                page.links_to_anchors = anchor_links

        return apply


class CachedExcerpt:
    """``Excerpt.render`` of one post's excerpt, through the cache."""

    def __init__(self, cache: RenderCache, excerpt: Any, files: Any) -> None:
        self.cache = cache
        self.excerpt = excerpt
        self.files = files
        self.renders = 0
        """Times the excerpt was rendered in this build (cached or not)."""
        self.converted = 0
        """Times its Markdown instance converted it."""

    def __call__(self, view: Page, separator: str) -> None:
        excerpt, cache = self.excerpt, self.cache
        ordinal, self.renders = self.renders, self.renders + 1
        markdown = internals.excerpt_markdown(excerpt)
        if not cache.settings.cacheable(markdown):
            self._catch_up(view, ordinal, markdown)
            self._render(view, separator)
            return
        post = excerpt.post
        key = cache.key(
            "excerpt",
            post.file.src_uri,
            post.url,
            view.url,
            excerpt.file.inclusion.name,
            separator,
            ordinal,
            markdown,
        )
        hit, rec = cache.lookup(
            key,
            self.files,
            internals.excerpt_markdown_stand_in(excerpt, view),
            lambda record: self._parse(record, markdown),
        )
        if hit is not None:
            hit()
            return
        self._catch_up(view, ordinal, markdown)
        internals.set_excerpt_files(excerpt, RecordingFiles(self.files, rec))
        try:
            with capturing(), recording(rec):
                more = self._render(view, separator)
        finally:
            internals.set_excerpt_files(excerpt, self.files)
        made = {
            "content": excerpt.content,
            "more": more,
            "toc": internals.toc_tokens(excerpt.toc),
        }
        cache.store_render(key, rec, made)

    def _parse(self, record: dict[str, Any], markdown: str) -> Apply | None:
        excerpt = self.excerpt
        content, more = record["content"], record["more"]
        toc = get_toc(record["toc"])
        if not isinstance(content, str) or not isinstance(more, str | None):
            return None

        def apply() -> None:
            excerpt.markdown = markdown
            excerpt.content = content
            if more is not None:
                excerpt.more = more
            excerpt.toc = toc

        return apply

    def _catch_up(self, view: Page, ordinal: int, markdown: str) -> None:
        """Convert the excerpt as many times as Material would have before this render,
        so that its Markdown instance is in the state it would be in (what these
        conversions log is logged again: records of excerpts are debug messages)."""
        excerpt = self.excerpt
        while self.converted < ordinal:
            internals.point_excerpt_at(excerpt, view)
            try:
                excerpt.md.convert(markdown)
            finally:
                internals.point_excerpt_back(excerpt)
            self.converted += 1

    def _render(self, view: Page, separator: str) -> str | None:
        """Material's render; the part after the separator it found (``None``: none, and
        ``more`` keeps what an earlier render left)."""
        excerpt = self.excerpt
        before, excerpt.more = excerpt.more, None
        try:
            internals.render_excerpt(excerpt, view, separator)
        finally:
            self.converted += 1
            more = excerpt.more
            if more is None:
                excerpt.more = before
        return more
