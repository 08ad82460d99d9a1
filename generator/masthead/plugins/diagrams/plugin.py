"""``masthead/diagrams``: the ```diagram and ```dot fences, as a thin MkDocs adapter.

The work is in :mod:`masthead.diagrams`. Here:

- ``on_startup`` learns whether this is ``mkdocs serve`` (error boxes) or a
  build (errors fail it); with ``on_startup`` defined, MkDocs keeps this
  instance across ``serve`` rebuilds, so the in-memory cache survives them.
- ``on_config`` registers both fences with superfences.
- ``on_files`` scans every page's source for diagram fences, renders all
  of them in one parallel batch (cached ones cost nothing), and drops the
  ``src=`` files from the site so the ``.py`` sources are not published.
- the fence formatter then only looks results up, and writes the figure; a
  diagram whose labels would be smaller than ``min_label_px`` on a phone or in
  the email is a warning with the page, the line and both sizes.
- ``on_env`` fails the build, listing every broken diagram with page and line.
- ``on_post_build`` writes the SVG and PNG files the pages use into site_dir.
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from ..._io import atomic_write
from ...diagrams.cache import Rendered
from ...diagrams.fence import (
    ASSET_DIR,
    FENCES,
    FenceOptions,
    FoundFence,
    Kind,
    figure_html,
    options_from,
    resolve_src,
    scan_fences,
    source_for,
    validate,
)
from ...diagrams.legibility import PHONE_WIDTH, legibility
from ...diagrams.render import DiagramSource, Renderer, RenderFailure, normalize_code
from ...diagrams.toolchain import GraphvizMissing
from ...email.transform import CONTENT_WIDTH
from ...errors import MastheadError
from ...i18n import Strings, english
from ...i18n.site import add_to_templates, site_strings
from .._fences import error_box, page_location, register_fence
from .._theme import use_theme
from .config import DiagramsConfig

log = logging.getLogger("mkdocs.plugins.masthead.diagrams")


class DiagramsPlugin(BasePlugin[DiagramsConfig]):
    """Diagrams from code (``diagrams`` or DOT), rendered in child processes and cached."""

    def __init__(self) -> None:
        self.fences: dict[str, Kind] = dict(FENCES)
        """Fence name -> what it holds, as configured (diagram_fence, dot_fence)."""
        self.serving = False
        self.renderer: Renderer | None = None
        self._settings: tuple[Any, ...] = ()
        self._docs_dir = Path("content")
        self._page: Page | None = None
        self._in_page = False
        """True while a page's own Markdown converts (not a blog excerpt of it)."""
        self._page_fences: dict[str, list[FoundFence]] = {}
        self._used_fences: set[tuple[str, int]] = set()
        self._warned: set[str] = set()
        self._failures: dict[str, RenderFailure] = {}
        self._missing: GraphvizMissing | None = None
        self.assets: dict[str, Rendered] = {}
        self.errors: list[str] = []
        self.strings: Strings = english()
        """The site's words (the link to a wide diagram at full size), set in on_config."""

    # -- events ---------------------------------------------------------------

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def on_shutdown(self) -> None:
        # The instance outlives one build (MkDocs keeps plugins that have
        # on_startup for the whole process): a later build is a plain build.
        self.serving = False

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        use_theme(config, "masthead/diagrams")
        try:
            self.strings = site_strings(config)
        except MastheadError as exc:
            raise PluginError(str(exc)) from exc
        self.fences = {
            str(self.config.diagram_fence): FENCES["diagram"],
            str(self.config.dot_fence): FENCES["dot"],
        }
        if len(self.fences) < 2:
            raise PluginError(
                "masthead/diagrams: diagram_fence and dot_fence name the same fence "
                f"{self.config.diagram_fence!r}; expected two names"
            )
        for name in self.fences:
            register_fence(config, name, self._format, validator=validate)
        project = Path(config.config_file_path or ".").resolve().parent
        self._docs_dir = Path(config.docs_dir)
        cache_dir = project / self.config.cache_dir
        if cache_dir.resolve().is_relative_to(self._docs_dir.resolve()):
            raise PluginError(
                f"masthead/diagrams: cache_dir {self.config.cache_dir!r} lies inside docs_dir; "
                "expected a folder outside it (mkdocs serve would rebuild forever)"
            )
        env = tuple(self.config.env)
        settings = (
            cache_dir,
            float(self.config.timeout),
            self.config.jobs,
            self.config.graphviz,
            env,
        )
        if self.renderer is None or settings != self._settings:
            self.renderer = Renderer(
                cache_dir,
                timeout=float(self.config.timeout),
                jobs=self.config.jobs or None,
                dot=self.config.graphviz,
                env=env,
            )
            self._settings = settings
        self._page_fences, self._used_fences, self._warned = {}, set(), set()
        self._failures, self._missing = {}, None
        self.assets, self.errors = {}, []
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        renderer = self._renderer()
        sources: dict[str, DiagramSource] = {}
        diagram_files: set[Path] = set()
        for file in files.documentation_pages():
            try:
                text = file.content_string
            except (OSError, UnicodeDecodeError):
                continue  # MkDocs reports unreadable pages itself
            found = scan_fences(text, self.fences)
            self._page_fences[file.src_uri] = found
            page_dir = Path(file.abs_src_path or self._docs_dir).parent
            for fence in found:
                try:
                    source = source_for(
                        fence.language,
                        fence.code,
                        fence.options,
                        docs_dir=self._docs_dir,
                        page_dir=page_dir,
                        fences=self.fences,
                    )
                except MastheadError:
                    continue  # the formatter reports it with the page and line
                if fence.options.src:
                    diagram_files.add(resolve_src(fence.options.src, self._docs_dir))
                try:
                    sources.setdefault(renderer.key(source), source)
                except GraphvizMissing as exc:
                    self._graphviz_missing(exc)
                    break
        for file in list(files):
            if file.abs_src_path and Path(file.abs_src_path).resolve() in diagram_files:
                files.remove(file)  # a diagram's source file, not a page of the site
        if sources and self._missing is None:
            self._render_batch(renderer, list(sources.items()))
        return files

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        self._page = page
        self._in_page = True
        return markdown

    def on_page_context(self, context: Any, *, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        # The blog plugin renders post excerpts into its index pages here (at
        # priority -100, after this hook): figure URLs must be relative to that page.
        self._page, self._in_page = page, False
        return context

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        add_to_templates(env, config)  # masthead's templates are on the path: their words
        if self.errors and not self.serving:
            count = len(self.errors)
            raise PluginError(
                f"masthead/diagrams: {count} diagram{'s' if count > 1 else ''} failed:\n\n"
                + "\n\n".join(self.errors)
            )
        return env

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        folder = Path(config.site_dir) / ASSET_DIR
        for name, rendered in self.assets.items():
            for suffix, data in ((".svg", rendered.svg), (".png", rendered.png)):
                target = folder / f"{name}{suffix}"
                if not target.is_file() or target.stat().st_size != len(data):
                    atomic_write(target, data)
        cache = self._renderer().cache
        if cache is not None:
            cache.touch({rendered.key for rendered in self.assets.values()})
            if self.config.cache_max_age and not self.serving:
                removed = cache.prune(float(self.config.cache_max_age))
                if removed:
                    log.info(
                        "masthead/diagrams: removed %d cached diagram(s) unused for %g days",
                        removed,
                        self.config.cache_max_age,
                    )

    # -- helpers --------------------------------------------------------------

    def _renderer(self) -> Renderer:
        if self.renderer is None:  # pragma: no cover - on_config always runs first
            raise PluginError("masthead/diagrams: on_config did not run")
        return self.renderer

    def _graphviz_missing(self, exc: GraphvizMissing) -> None:
        if not self.serving:
            raise PluginError(f"masthead/diagrams: {exc}") from exc
        if self._missing is None:
            log.info("masthead/diagrams: error: %s", exc)
        self._missing = exc

    def _render_batch(self, renderer: Renderer, items: list[tuple[str, DiagramSource]]) -> None:
        before = renderer.stats.rendered
        started = time.perf_counter()
        results = renderer.render_many(source for _key, source in items)
        failed = 0
        for (key, _source), result in zip(items, results, strict=True):
            if isinstance(result, RenderFailure):
                self._failures[key] = result
                failed += 1
        made = renderer.stats.rendered - before
        log.info(
            "masthead/diagrams: %d diagrams: %d rendered now, %d from the cache, %d failed "
            "(%.1f s)",
            len(items),
            made,
            len(items) - made,
            failed,
            time.perf_counter() - started,
        )

    def source_files(self, src_uri: str) -> list[Path]:
        """The ``src=`` files of the diagram fences of the page ``src_uri`` (from the scan
        of on_files); a bad ``src=`` is left out (the fence reports it)."""
        found = []
        for fence in self._page_fences.get(src_uri, []):
            if fence.options.src:
                with contextlib.suppress(MastheadError):
                    found.append(resolve_src(fence.options.src, self._docs_dir))
        return found

    def _line_of(self, language: str, code: str, options: FenceOptions) -> int | None:
        """The line of the fence being formatted, from the scan of the page's file."""
        if self._page is None:
            return None
        src_uri = self._page.file.src_uri
        wanted = normalize_code(code)
        candidates = [
            f
            for f in self._page_fences.get(src_uri, [])
            if f.language == language
            and normalize_code(f.code) == wanted
            and f.options.src == options.src
        ]
        for fence in candidates:
            if (src_uri, fence.line) not in self._used_fences:
                self._used_fences.add((src_uri, fence.line))
                return fence.line
        return candidates[0].line if candidates else None

    def _where(self, line: int | None) -> str:
        return page_location(self._docs_dir, self._page.file.src_uri if self._page else None, line)

    def _fail(self, language: str, where: str, reason: str, detail: str = "") -> str:
        message = f"{where}: the ```{language} fence {reason}"
        if detail:
            message += "\n" + "\n".join(f"    {ln}" for ln in detail.splitlines())
        if not self._in_page:
            # A blog excerpt of a post: the post's own page reported this already.
            return error_box("Diagram failed", f"{reason}\n\n{detail}".rstrip())
        if message not in self.errors:
            self.errors.append(message)
            if self.serving:
                log.info("masthead/diagrams: error: %s", message)
        return error_box(f"Diagram failed ({where})", f"{reason}\n\n{detail}".rstrip())

    def _format(
        self,
        src: str,
        language: str,
        class_name: str,
        options: dict[str, Any],
        md: Any,
        **kwargs: Any,
    ) -> str:
        opts = options_from(options)
        where = self._where(self._line_of(language, src, opts))
        page_dir = (
            Path(self._page.file.abs_src_path).parent
            if self._page is not None and self._page.file.abs_src_path
            else self._docs_dir
        )
        try:
            source = source_for(
                language, src, opts, docs_dir=self._docs_dir, page_dir=page_dir, fences=self.fences
            )
        except MastheadError as exc:
            return self._fail(language, where, f"is invalid: {exc.message}")
        if self._missing is not None:
            return self._fail(language, where, "cannot render", str(self._missing))
        renderer = self._renderer()
        try:
            key = renderer.key(source)
        except GraphvizMissing as exc:
            self._graphviz_missing(exc)
            return self._fail(language, where, "cannot render", str(exc))
        result = self._failures.get(key) or renderer.render(source)
        if isinstance(result, RenderFailure):
            self._failures[key] = result
            return self._fail(language, where, result.reason, result.detail)
        self.assets[result.name] = result
        page_url = self._page.url if self._page is not None else ""
        svg_url = get_relative_url(f"{ASSET_DIR}/{result.name}.svg", page_url)
        return figure_html(
            result,
            opts,
            svg_url=svg_url,
            min_width=self._min_width(language, where, result),
            strings=self.strings,
        )

    def _min_width(self, language: str, where: str, rendered: Rendered) -> int:
        """The narrowest the site may show ``rendered``; warns when its labels are too small
        on a phone or in the email."""
        min_px = float(self.config.min_label_px)
        sizes = legibility(rendered.svg, rendered.width, min_px)
        if sizes is None:
            return 0
        if not sizes.legible(min_px) and self._in_page and where not in self._warned:
            self._warned.add(where)
            log.warning(
                "masthead/diagrams: %s: the ```%s fence's smallest labels are %.1f px on a "
                "%d px wide screen and %.1f px in the %d px email column; expected at least "
                '%g px (min_label_px). Draw it narrower (direction="TB", shorter labels, '
                "line breaks) or with larger fonts.",
                where,
                language,
                sizes.site,
                PHONE_WIDTH,
                sizes.email,
                CONTENT_WIDTH,
                min_px,
            )
        return sizes.min_width
