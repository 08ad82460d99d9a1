"""The ```diagram and ```dot fences: options, finding them in a page, figure markup.

Author syntax (options need quotes, as in every superfences fence)::

    ```diagram alt="Path of a request" caption="From kubectl to runc"
    with Diagram("Request path"):
        ...
    ```

    ```diagram src="diagrams/request-path.py" alt="..."
    ```

    ```dot alt="States of a pod"
    digraph { Pending -> Running -> Succeeded }
    ```

``src=`` names a file relative to docs_dir (``content/``); its contents
replace the fence's body. A diagram with a ``caption`` does not draw its own
title (the caption says it), on the site and in the email alike.

The figure markup follows the component contract the email step relies on:
``<figure class="mh-diagram" data-png=...>`` holding the ``<img>`` (with its
``alt``) and the ``<figcaption>``. On the site the image sits in a frame that
scrolls sideways when the diagram, at its readable width, is wider than the
column; a diagram wider than a phone's column is a link to its SVG at full size.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..email.transform import NARROWEST_COLUMN
from ..errors import MastheadError
from ..i18n import Strings, english
from .cache import Rendered
from .render import DiagramSource, Kind, normalize_code

FENCES: dict[str, Kind] = {"diagram": "python", "dot": "dot"}
"""The default fence names and what each holds (the plugin's ``diagram_fence`` and
``dot_fence`` options rename them)."""
OPTIONS = ("alt", "caption", "src")
ASSET_DIR = "assets/masthead/diagrams"
"""Where the SVG and PNG files go, relative to site_dir."""

_OPENER = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*\.?(?P<lang>[\w#.+-]+)(?=[ \t]|$)(?P<rest>.*)$"
)
_OPTION = re.compile(
    r"""(?P<key>[a-zA-Z][a-zA-Z0-9_]*)(?:=(?P<quot>"|')(?P<value>.*?)(?P=quot))?"""
)


@dataclass(frozen=True)
class FenceOptions:
    alt: str = ""
    caption: str = ""
    src: str = ""
    unknown: tuple[str, ...] = ()
    """Option names the fence does not know (reported as an error, not dropped)."""


def validate(
    language: str, inputs: dict[str, str], options: dict[str, Any], attrs: dict[str, Any], md: Any
) -> bool:
    """Superfences validator: keep ``alt``, ``caption``, ``src``; remember unknown ones.

    Unlike a validator that rejects unknown options (which makes superfences
    show the fence as plain code), this one keeps the fence a diagram so the
    formatter can say which option is wrong.
    """
    unknown = []
    for key, value in inputs.items():
        if key in OPTIONS:
            options[key] = value
        else:
            unknown.append(key)
    if unknown:
        options["unknown"] = tuple(unknown)
    return True


def options_from(raw: dict[str, Any]) -> FenceOptions:
    return FenceOptions(
        alt=str(raw.get("alt", "")),
        caption=str(raw.get("caption", "")),
        src=str(raw.get("src", "")),
        unknown=tuple(raw.get("unknown", ())),
    )


@dataclass(frozen=True)
class FoundFence:
    """A ```diagram or ```dot fence found in a page's source file."""

    language: str
    line: int
    """1-based line of the opening fence in the file."""
    code: str
    options: FenceOptions


def _parse_options(rest: str) -> FenceOptions:
    raw: dict[str, Any] = {}
    validate(
        "",
        {
            m["key"]: m["value"] if m["value"] is not None else m["key"]
            for m in _OPTION.finditer(rest.strip().strip("{}"))
        },
        raw,
        {},
        None,
    )
    return options_from(raw)


def scan_fences(text: str, fences: Mapping[str, Kind] = FENCES) -> list[FoundFence]:
    """The diagram fences (named as in ``fences``) of a page's source ``text`` (front matter
    included, for line numbers).

    Mirrors superfences closely enough to collect diagrams for one parallel
    render before the pages are converted; a fence this misses (in a block
    quote, say) still renders when the page is converted.
    """
    lines = text.splitlines()
    found: list[FoundFence] = []
    i = 0
    while i < len(lines):
        match = _OPENER.match(lines[i])
        if match is None:
            i += 1
            continue
        fence, indent = match["fence"], match["indent"]
        closer = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not closer.match(lines[j]):
            line = lines[j]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            j += 1
        if match["lang"] in fences:
            found.append(
                FoundFence(match["lang"], i + 1, "\n".join(body), _parse_options(match["rest"]))
            )
        i = j + 1
    return found


def resolve_src(src: str, docs_dir: Path) -> Path:
    """The file a ``src=`` option names: relative to docs_dir, and inside it."""
    root = docs_dir.resolve()
    path = (root / src).resolve()
    if not path.is_relative_to(root):
        raise MastheadError(
            f'src="{src}" points outside the docs folder; expected a path relative to '
            f'{docs_dir.name}/, e.g. src="diagrams/request-path.py"'
        )
    if not path.is_file():
        raise MastheadError(
            f'src="{src}": no such file {docs_dir.name}/{src} (src= paths are relative to '
            f"the docs folder {docs_dir.name}/)"
        )
    return path


def source_for(
    language: str,
    code: str,
    options: FenceOptions,
    *,
    docs_dir: Path,
    page_dir: Path,
    fences: Mapping[str, Kind] = FENCES,
) -> DiagramSource:
    """The :class:`DiagramSource` a fence stands for (reads its ``src=`` file); with a
    caption, the diagram's own title is not drawn.

    Raises :class:`MastheadError` for unknown options or a bad ``src=``.
    """
    if options.unknown:
        raise MastheadError(
            f"unknown option(s) {', '.join(options.unknown)} on the ```{language} fence; "
            f"expected {', '.join(OPTIONS)}"
        )
    kind = fences[language]
    if options.src:
        if normalize_code(code).strip():
            raise MastheadError(
                f'the ```{language} fence has both src="{options.src}" and code; '
                "expected one or the other"
            )
        path = resolve_src(options.src, docs_dir)
        return DiagramSource(
            kind=kind,
            code=path.read_text(encoding="utf-8"),
            label=f"{docs_dir.name}/{options.src}",
            workdir=path.parent,
            title=not options.caption,
        )
    if not normalize_code(code).strip():
        raise MastheadError(
            f"the ```{language} fence is empty; expected "
            + ("Python code using diagrams" if kind == "python" else "a Graphviz DOT graph")
            + ' or a src="file" option'
        )
    return DiagramSource(
        kind=kind, code=code, label="<diagram>", workdir=page_dir, title=not options.caption
    )


_GRAPH_TITLE = re.compile(rb'<g id="graph0" class="graph"[^>]*>\s*<title>([^<]*)</title>')


def diagram_title(svg: bytes) -> str:
    """The diagram's title (``Diagram("Title")``, or the DOT graph's name), if it has one."""
    match = _GRAPH_TITLE.search(svg)
    title = html.unescape(match.group(1).decode("utf-8")).strip() if match else ""
    return "" if title.startswith("%") else title  # %3: Graphviz's name for an anonymous graph


def figure_html(
    rendered: Rendered,
    options: FenceOptions,
    *,
    svg_url: str,
    min_width: int = 0,
    strings: Strings | None = None,
) -> str:
    """``<figure class="mh-diagram">`` with the SVG, its size and alt, and the PNG's data.

    ``min_width`` (CSS px, 0 for none) is the narrowest the image may be shown:
    below it, its frame scrolls sideways. A diagram wider than a phone's column
    links to its SVG, to open it at full size ("Open full size" in the language of
    ``strings``, default English, as is the alt of a diagram with no name).
    """
    t = strings or english()
    png_path = f"{ASSET_DIR}/{rendered.name}.png"
    alt = options.alt or options.caption or diagram_title(rendered.svg) or t.text("diagram.alt")
    style = f' style="min-width:{min_width}px"' if 0 < min_width < rendered.width else ""
    image = (
        f'<img src="{html.escape(svg_url)}" width="{rendered.width}" '
        f'height="{rendered.height}" alt="{html.escape(alt)}"{style} loading="lazy" '
        'decoding="async">'
    )
    if rendered.width > NARROWEST_COLUMN:
        image = (
            f'<a class="mh-diagram__full" href="{html.escape(svg_url)}" '
            f'aria-label="{t.html("diagram.open_named", alt=alt)}" '
            f'title="{t.html("diagram.open_full_size")}">{image}</a>'
        )
    parts = [
        f'<figure class="mh-diagram" data-png="{html.escape(png_path)}" '
        f'data-png-width="{rendered.width}" data-png-height="{rendered.height}">',
        f'<div class="mh-diagram__frame">{image}</div>',
    ]
    if options.caption:
        parts.append(f"<figcaption>{html.escape(options.caption)}</figcaption>")
    parts.append("</figure>")
    return "".join(parts)
