"""What every render of a build depends on, as one digest: the Markdown extensions and
their options, the versions of the libraries that turn Markdown into HTML, and the
MkDocs settings the link resolver reads.

The cache is used only when each extension is one known to make its HTML from the
page alone: Python-Markdown's own, ``pymdownx.*`` and ``material.extensions.*``
(not ``pymdownx.b64``, which reads images, nor ``pymdownx.snippets`` with
``auto_append``, which adds files to every page); a page that includes a snippet
(``--8<--``) is rendered every time. An option value must be plain data or a
function named by its module (``!!python/name:``), as mkdocs.yml gives them.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
import logging
import sys
import types
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from mkdocs.config.defaults import MkDocsConfig

import masthead

FORMAT = 1
"""Changes whenever what the cache stores changes."""

LIBRARIES = ("markdown", "pymdown-extensions", "mkdocs", "mkdocs-material", "pygments")
"""Distributions whose version is part of every key."""

SNIPPETS = "pymdownx.snippets"
SNIPPET_MARK = "8<-"
"""In every form of a snippet line (``--8<--``, ``;--8<--``, ``-8<-``)."""

_BUILTIN = frozenset(
    [
        "abbr",
        "admonition",
        "attr_list",
        "codehilite",
        "def_list",
        "extra",
        "fenced_code",
        "footnotes",
        "legacy_attrs",
        "legacy_em",
        "md_in_html",
        "meta",
        "nl2br",
        "sane_lists",
        "smarty",
        "tables",
        "toc",
        "wikilinks",
    ]
)
_KNOWN_PREFIXES = ("markdown.extensions.", "pymdownx.", "material.extensions.")
_UNKNOWN_NAMES = frozenset({"pymdownx.b64"})
LOGGERS = ("", "mkdocs", "mkdocs.structure.pages", "MARKDOWN")
"""Loggers whose level decides which records a render makes (part of every key)."""


class Unsupported(Exception):
    """The settings hold something the cache cannot key on (its message says what)."""


@dataclass(frozen=True)
class Settings:
    """The digest of one build's render settings."""

    digest: str
    snippets: bool
    """``pymdownx.snippets`` is on: pages with a snippet line are never cached."""

    def cacheable(self, markdown: str) -> bool:
        return not (self.snippets and SNIPPET_MARK in markdown)


def _known(name: str) -> bool:
    if name in _UNKNOWN_NAMES:
        return False
    return name in _BUILTIN or name.startswith(_KNOWN_PREFIXES)


def canonical(value: Any) -> Any:
    """``value`` as JSON data that differs whenever the value means something else;
    :class:`Unsupported` for an object with no such form."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return ["enum", _name(type(value)), value.name]
    if isinstance(value, list | tuple):
        return [type(value).__name__, [canonical(v) for v in value]]
    if isinstance(value, dict):
        return ["dict", [[canonical(k), canonical(v)] for k, v in value.items()]]
    if isinstance(value, functools.partial):
        return ["partial", canonical(value.func), canonical(value.args), canonical(value.keywords)]
    if isinstance(value, types.MethodType):
        return ["method", _name(type(value.__self__)), canonical(value.__func__)]
    if isinstance(value, types.FunctionType):
        try:
            cells = [c.cell_contents for c in value.__closure__ or ()]
        except ValueError:  # a cell not filled yet
            raise Unsupported(f"the function {_name(value)}") from None
        return [
            "function",
            _name(value),
            canonical(value.__defaults__),
            canonical(value.__kwdefaults__),
            canonical(cells),
        ]
    if isinstance(value, types.BuiltinFunctionType | type):
        return ["name", _name(value)]
    raise Unsupported(f"an option value of type {type(value).__name__}")


def _name(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}"


def _versions() -> dict[str, str]:
    found = {"masthead": masthead.__version__, "python": sys.version.split()[0]}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = ""
    return found


def settings_of(config: MkDocsConfig) -> Settings:
    """The :class:`Settings` of ``config``; :class:`Unsupported` when the cache cannot
    be used with them."""
    extensions = list(config.markdown_extensions)
    for extension in extensions:
        if not isinstance(extension, str):
            raise Unsupported(f"the Markdown extension {type(extension).__name__} (an object)")
        if not _known(extension):
            raise Unsupported(f"the Markdown extension {extension!r}")
    options = dict(config.mdx_configs or {})
    snippets = SNIPPETS in extensions
    if snippets and (options.get(SNIPPETS) or {}).get("auto_append"):
        raise Unsupported(f"{SNIPPETS} with auto_append (files added to every page)")
    links = config.validation.links
    payload = {
        "format": FORMAT,
        "versions": _versions(),
        "extensions": extensions,
        "options": canonical(options),
        "use_directory_urls": bool(config.use_directory_urls),
        "links": [links.not_found, links.absolute_links, links.unrecognized_links],
        "log_levels": [logging.getLogger(name).getEffectiveLevel() for name in LOGGERS],
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return Settings(hashlib.sha256(blob).hexdigest(), snippets)
