"""Shared plumbing for masthead's custom fences (```diagram, ```reading, ...).

The fences are pymdownx.superfences custom fences. A plugin registers its
fence in ``on_config`` with :func:`register_fence`; the formatter receives no
page, so plugins that need one (for error messages naming the page and line)
set :data:`current_page` in ``on_page_markdown`` through :func:`page_scope`,
and use :func:`fence_line` to find the line of a fence in the page source.
"""

from __future__ import annotations

import contextvars
import html
import logging
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page

from ..errors import MastheadError
from ..frontmatter import split

SUPERFENCES = "pymdownx.superfences"

Formatter = Callable[..., str]
Validator = Callable[..., bool]


@dataclass(frozen=True)
class PageContext:
    """What a fence formatter may want to know about the page being rendered."""

    src_path: str
    """Path of the page source relative to docs_dir (``blog/posts/x.md``)."""
    markdown: str
    """The page's Markdown as the fences see it (after front matter)."""
    body_line: int = 1
    """Line of the file where ``markdown`` starts (front matter shifts it)."""
    source: str | None = None
    """The page's source file, when a plugin read it (``None``: not read)."""


current_page: contextvars.ContextVar[PageContext | None] = contextvars.ContextVar(
    "masthead_current_page", default=None
)


def enter_page(page: Page, markdown: str, *, need_source: bool = True) -> str:
    """Set :data:`current_page` for ``page`` (from ``on_page_markdown``).

    Reads the page's source to learn on which line of the file ``markdown``
    starts, so that fence errors name the right line; returns that source
    (``""`` when it was not read: ``need_source`` false, a generated page,
    or unreadable).
    """
    known = current_page.get()
    if (
        known is not None
        and known.src_path == page.file.src_uri
        and known.markdown == markdown
        and (known.source is not None or not need_source)
    ):
        # Another masthead plugin entered this page already: keep what it learnt.
        return known.source or ""
    source: str | None = None
    body_line = 1
    if need_source and page.file.abs_src_path:
        try:
            source = Path(page.file.abs_src_path).read_text(encoding="utf-8-sig")
            doc = split(source, page.file.abs_src_path)
            skipped = len(doc.body) - len(doc.body.lstrip("\n"))
            body_line = doc.body_line + (0 if markdown.startswith("\n") else skipped)
        except (OSError, MastheadError):
            source = None
    current_page.set(PageContext(page.file.src_uri, markdown, body_line, source))
    return source or ""


def page_location(docs_dir: Path, src_path: str | None, line: int | None = None) -> str:
    """``content/blog/posts/x.md:12``: a page source as errors name it (docs folder first)."""
    docs = posixpath.normpath(docs_dir.name)
    location = f"{docs}/{src_path}" if src_path else docs
    return f"{location}:{line}" if line else location


def report_errors(errors: list[str], *, serving: bool, plugin: str, log: logging.Logger) -> None:
    """Fail the build on a page's component errors, or under ``mkdocs serve`` only log them.

    Under serve the page shows an error box in place of each broken component
    and the server keeps running; the log line is at INFO level because a
    warning would make a ``strict`` serve abort the rebuild, and the author
    would then see the old page instead of the error.
    """
    if not errors:
        return
    message = "\n".join(errors)
    if not serving:
        raise PluginError(message)
    log.info("%s: error: %s", plugin, message)


class PageErrors:
    """For a plugin whose fences find errors in pages: where the page being
    rendered lives, and the report of its errors once its content is done
    (fails a build; under ``mkdocs serve``, see :func:`report_errors`)."""

    plugin_name: str
    logger: logging.Logger
    serving: bool
    docs_dir: Path
    page_src: str
    errors: list[str]

    def _where(self, line: int | None) -> str:
        return page_location(self.docs_dir, self.page_src, line)

    def on_page_content(
        self, content: str, *, page: Page, config: MkDocsConfig, files: Any
    ) -> str | None:
        errors, self.errors = self.errors, []
        report_errors(errors, serving=self.serving, plugin=self.plugin_name, log=self.logger)
        return content


def register_fence(
    config: MkDocsConfig,
    name: str,
    formatter: Formatter,
    *,
    validator: Validator | None = None,
    css_class: str | None = None,
) -> None:
    """Add (or replace) the superfences custom fence ``name`` in the site's Markdown config."""
    if SUPERFENCES not in config.markdown_extensions:
        config.markdown_extensions.append(SUPERFENCES)
    options = config.mdx_configs.setdefault(SUPERFENCES, {})
    fences: list[dict[str, Any]] = options.setdefault("custom_fences", [])
    fences[:] = [f for f in fences if f.get("name") != name]
    entry: dict[str, Any] = {"name": name, "class": css_class or f"mh-{name}", "format": formatter}
    if validator is not None:
        entry["validator"] = validator
    fences.append(entry)


UNKNOWN = "unknown"
"""Key under which :func:`accept_options` leaves the option names a fence does not know."""


def accept_options(*allowed: str) -> Validator:
    """A superfences validator that keeps the listed ``key="value"`` options.

    Without a validator, superfences drops options on the fence line, and a
    validator that rejects an option makes superfences show the fence as
    plain text; this one keeps the fence, keeps the allowed options and
    leaves the names of the others under :data:`UNKNOWN`, so that the
    fence's formatter reports them (:func:`unknown_options`).
    """

    def validate(
        language: str,
        inputs: dict[str, str],
        options: dict[str, Any],
        attrs: dict[str, Any],
        md: Any,
    ) -> bool:
        unknown = []
        for key, value in inputs.items():
            if key in allowed:
                options[key] = value
            else:
                unknown.append(key)
        if unknown:
            options[UNKNOWN] = tuple(unknown)
        return True

    return validate


def unknown_options(name: str, options: dict[str, Any], *allowed: str) -> str | None:
    """The error for options on the fence line that the fence ``name`` does not know."""
    unknown = options.get(UNKNOWN)
    if not unknown:
        return None
    listed = ", ".join(repr(k) for k in unknown)
    expected = (
        "only " + ", ".join(f'{k}="..."' for k in allowed)
        if allowed
        else "none: its settings go in the fence's YAML body"
    )
    return f"unknown option {listed} on the ```{name} fence line; expected {expected}"


def fence_line(ctx: PageContext | None, name: str, source: str) -> int | None:
    """1-based line in the page's file where the fence ``name`` holding ``source`` opens."""
    if ctx is None:
        return None
    lines = ctx.markdown.splitlines()
    opener = re.compile(rf"^\s*(`{{3,}}|~{{3,}})\s*\{{?\s*\.?{re.escape(name)}\b")
    first = source.strip().splitlines()[0].strip() if source.strip() else ""
    candidates = [i for i, line in enumerate(lines) if opener.match(line)]
    for i in candidates:
        following = next((ln.strip() for ln in lines[i + 1 :] if ln.strip()), "")
        if not first or following == first:
            return ctx.body_line + i
    return ctx.body_line + candidates[0] if candidates else None


def error_box(title: str, detail: str) -> str:
    """The HTML shown in place of a broken component under ``mkdocs serve``."""
    return (
        '<div class="admonition failure mh-error" role="alert">'
        f'<p class="admonition-title">{html.escape(title)}</p>'
        f"<pre><code>{html.escape(detail)}</code></pre></div>"
    )
