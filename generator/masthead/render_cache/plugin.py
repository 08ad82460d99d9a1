"""The render cache's MkDocs hooks, added to a build by :func:`install`.

``masthead/newsletter`` calls :func:`install` from its ``on_config`` (with its
``cache`` option); the hooks below then run in the same build:

- ``on_config``, after every other plugin's: the Markdown settings are final
  (masthead's fences registered, extensions other plugins add added). It works
  out the settings digest, wraps masthead's fence formatters
  (:class:`~.recording.RecordedFence`) and opens the store; the cache stays off,
  with one informational line, when the settings hold something it cannot key on
  or MkDocs or Material changed an internal it relies on (:mod:`.internals`).
  The first build with the cache on also routes Material's read time and excerpt
  creation through :mod:`.internals` for the rest of the process: both do as
  Material does in a build without the cache.
- ``on_files``, after Material's blog resolved its posts: their cheap ``in``.
- ``on_page_markdown``, after Material's blog made the post's excerpt: the page
  and the excerpt render through the cache.
- ``on_post_build`` (or ``on_build_error``): the store is written.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from . import internals
from .recording import RecordedFence
from .renders import RenderCache
from .settings import Unsupported, settings_of
from .store import Store

log = logging.getLogger("mkdocs.plugins.masthead.cache")

NAME = "masthead/render-cache"
"""The cache's name among the build's plugins."""
FOLDER = Path(".cache") / "masthead" / "render"
"""Where the cache lives, relative to the folder holding mkdocs.yml."""
SUPERFENCES = "pymdownx.superfences"

_active: RenderCache | None = None
"""The cache of the build running (read by the blog's read time)."""


def install(config: MkDocsConfig, *, enabled: bool) -> None:
    """Add the render cache to this build (once), unless ``enabled`` is false."""
    if not enabled or NAME in config.plugins:
        return
    plugin = RenderCachePlugin()
    plugin.load_config({}, config.config_file_path)
    config.plugins[NAME] = plugin


def cache_folder(config: MkDocsConfig) -> Path:
    """The cache's folder for the project of ``config``."""
    return Path(config.config_file_path or "mkdocs.yml").resolve().parent / FOLDER


class RenderCachePlugin(BasePlugin):
    """Renders pages and excerpts through a cache of their HTML (see :mod:`.renders`)."""

    def __init__(self) -> None:
        self.cache: RenderCache | None = None

    # Last of every on_config: the Markdown settings are final.
    @event_priority(-1000)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        global _active
        self.cache = _active = None
        changed = internals.changed()
        if changed:
            log.info(
                "masthead: the render cache is off: this MkDocs or Material changed %s",
                ", ".join(changed),
            )
            return config
        try:
            settings = settings_of(config)
        except Unsupported as exc:
            log.info("masthead: the render cache is off: it cannot key on %s", exc)
            return config
        fences = _record_fences(config)
        self.cache = _active = RenderCache(settings, Store(cache_folder(config)), fences)
        internals.use_readtime(_readtime)
        internals.use_lazy_excerpts(_caching)
        return config

    # After Material's blog plugin (-50) resolved its posts.
    @event_priority(-60)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        if self.cache is not None:
            for plugin in internals.blogs(config.plugins.values()):
                internals.index_posts(plugin)
        return files

    # After Material's blog plugin (-50) made the post's excerpt.
    @event_priority(-100)
    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        if self.cache is not None:
            self.cache.attach(page, files)
        return markdown

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        self._finish(prune=True)

    def on_build_error(self, *, error: Exception) -> None:
        self._finish(prune=False)

    def _finish(self, *, prune: bool) -> None:
        global _active
        cache, self.cache = self.cache, None
        if _active is cache:
            _active = None
        if cache is None:
            return
        store = cache.store
        store.finish(prune=prune)
        if store.hits or store.misses:
            log.info(
                "masthead: %d of %d Markdown renders from the cache",
                store.hits,
                store.hits + store.misses,
            )


def _record_fences(config: MkDocsConfig) -> dict[str, RecordedFence]:
    """Wrap masthead's fence formatters, so that cached renders can be checked; by name."""
    options = (config.mdx_configs or {}).get(SUPERFENCES) or {}
    out: dict[str, RecordedFence] = {}
    for fence in options.get("custom_fences") or []:
        formatter = fence.get("format")
        if isinstance(formatter, RecordedFence):
            out[formatter.name] = formatter
        elif callable(formatter) and getattr(formatter, "__module__", "").startswith("masthead."):
            fence["format"] = out[str(fence["name"])] = RecordedFence(str(fence["name"]), formatter)
    return out


def _caching(config: MkDocsConfig) -> bool:
    """The render cache is on in the build of ``config``."""
    plugin = config.plugins.get(NAME)
    return isinstance(plugin, RenderCachePlugin) and plugin.cache is not None


def _readtime(material: Callable[[str, int], int], html: str, words_per_minute: int) -> int:
    """Material's read time of a post, kept by its HTML's digest."""
    cache = _active
    if cache is None:
        return material(html, words_per_minute)
    key = "readtime:" + hashlib.sha256(f"{words_per_minute}\n{html}".encode()).hexdigest()
    found = cache.store.value(key)
    if isinstance(found, int):
        return found
    minutes = material(html, words_per_minute)
    cache.store.set_value(key, minutes)
    return minutes
