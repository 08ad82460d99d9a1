"""``masthead/reading``: the ```reading fence, as a thin MkDocs adapter.

The work is in :mod:`masthead.reading.lock` (the lock file) and
:mod:`masthead.reading.render` (the HTML). Here:

- ``on_startup`` learns whether this is ``mkdocs serve`` (errors shown in the
  page) or a build (errors fail it);
- ``on_config`` registers the fence with superfences;
- ``on_files`` keeps the lock files and feeds.yml (inside docs_dir, so that
  ``mkdocs serve`` watches them and rebuilds on every edit) out of the site;
- ``on_env`` gives masthead's templates the site's words (``mh_t``);
- ``on_serve`` also watches the lock folder when it lies outside docs_dir;
- ``on_page_markdown`` records the page (for errors naming page and line);
- ``on_page_content`` fails the build on the page's fence errors.

The build only reads lock files; it never fetches a feed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import markdown as md_lib
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from ...errors import ConfigError, MastheadError, display_path
from ...i18n.site import add_to_templates
from ...reading.lock import ReadingLock, load_lock, lock_path
from ...reading.render import FenceError, parse_fence, render
from .._fences import (
    SUPERFENCES,
    PageErrors,
    accept_options,
    current_page,
    enter_page,
    error_box,
    fence_line,
    register_fence,
    unknown_options,
)
from .._theme import use_theme
from ..model import publication_of
from .config import ReadingConfig

log = logging.getLogger("mkdocs.plugins.masthead.reading")

_NOT_FOR_COMMENTS = {"toc", "pymdownx.snippets"}
"""Extensions a comment does not get: headings in a comment need no permalinks,
and snippets would include files into the page from a data file."""


class ReadingPlugin(PageErrors, BasePlugin[ReadingConfig]):
    """Renders an issue's picked reading list from its lock file."""

    plugin_name = "masthead/reading"
    logger = log

    def __init__(self) -> None:
        self.serving = False
        self.docs_dir = Path("content")
        self.lock_dir = Path("content/reading")
        self.page_src = ""
        self.fence = "reading"
        """The name of the fence on this site (reading_fence)."""
        self.errors: list[str] = []
        self.used: dict[str, set[Path]] = {}
        """src_uri of each page -> the lock files its fences showed, this build."""
        self._locks: dict[Path, tuple[float, ReadingLock]] = {}
        self._md_settings: tuple[list[Any], dict[str, Any]] = ([], {})
        self._md: md_lib.Markdown | None = None

    # -- events -----------------------------------------------------------------------

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def on_shutdown(self) -> None:
        self.serving = False

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        use_theme(config, self.plugin_name)
        self.fence = str(self.config.reading_fence)
        register_fence(config, self.fence, self._format, validator=accept_options())
        self.docs_dir = Path(config.docs_dir)
        try:
            self.lock_dir = publication_of(config).lock_dir
        except ConfigError as exc:
            raise PluginError(str(exc)) from exc
        extensions = [
            e
            for e in config.markdown_extensions
            if not (isinstance(e, str) and e in _NOT_FOR_COMMENTS)
        ]
        configs = {k: dict(v) for k, v in config.mdx_configs.items() if k not in _NOT_FOR_COMMENTS}
        if SUPERFENCES in configs:
            # Comments get code blocks but not masthead's own fences (no nested components).
            configs[SUPERFENCES].pop("custom_fences", None)
        self._md_settings = (extensions, configs)
        self._md = None
        self._locks = {}
        self.used = {}
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        for file in list(files):
            path = Path(file.abs_src_path or "")
            if path.suffix in (".yml", ".yaml") and path.resolve().parent == self.lock_dir:
                files.remove(file)  # reading data, not a page or an asset of the site
        return files

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        add_to_templates(env, config)  # masthead's templates are on the path: their words
        return env

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        if not self.lock_dir.is_relative_to(self.docs_dir.resolve()) and self.lock_dir.is_dir():
            server.watch(str(self.lock_dir))
        return server

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        self.page_src = page.file.src_uri
        self.errors = []
        enter_page(page, markdown, need_source=self.fence in markdown)
        return markdown

    # -- the fence --------------------------------------------------------------------

    def _fail(self, source: str, message: str, line: int | None = None) -> str:
        opener = fence_line(current_page.get(), self.fence, source)
        where = self._where(opener + line if opener and line else opener)
        text = f"{where}: the ```{self.fence} fence: {message}"
        self.errors.append(text)
        return error_box("Reading list", text)

    def locks_of(self, src_uri: str) -> set[Path]:
        """The lock files the page ``src_uri`` showed in this build."""
        return self.used.get(src_uri, set())

    def _lock(self, issue: str) -> ReadingLock:
        path = lock_path(self.lock_dir, issue)
        self.used.setdefault(self.page_src, set()).add(path)
        try:
            mtime = path.stat().st_mtime
        except OSError:
            mtime = -1.0
        cached = self._locks.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        lock = load_lock(path, issue)
        self._locks[path] = (mtime, lock)
        return lock

    def _comment(self, text: str) -> str:
        if self._md is None:
            extensions, configs = self._md_settings
            self._md = md_lib.Markdown(extensions=extensions, extension_configs=configs)
        self._md.reset()
        return self._md.convert(text)

    def _format(
        self,
        source: str,
        language: str,
        class_name: str,
        options: dict[str, Any],
        md: Any,
        **kwargs: Any,
    ) -> str:
        if (problem := unknown_options(self.fence, options)) is not None:
            return self._fail(source, problem)
        try:
            fence = parse_fence(source)
        except FenceError as exc:
            return self._fail(source, exc.message, exc.line)
        try:
            lock = self._lock(fence.issue)
        except MastheadError as exc:
            shown = (
                f"{display_path(exc.path)}:{exc.line}"
                if exc.path and exc.line
                else (display_path(exc.path) if exc.path else "")
            )
            return self._fail(source, f"{shown}: {exc.message}" if shown else exc.message)
        if self.config.require_picks and not lock.picks():
            return self._fail(
                source,
                f"{display_path(lock.path)} has no picked entry; expected at least one with "
                "'pick: true'",
            )
        return render(lock, self._comment)
