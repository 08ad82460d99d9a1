"""Make Graphviz's SVG fit for a website: self-contained, no paths, sized.

Graphviz writes node icons as ``<image xlink:href="/abs/path/icon.png">``: the
stock ``diagrams`` output points into site-packages, which is broken on any
web server and after the site is moved. :func:`finish_svg` embeds every such
image as a ``data:`` URI, drops the comments Graphviz writes (its version,
the graph's title, node ids) and the DOCTYPE, and turns the size in points
into unitless CSS pixels (1 pt = 1 px, the scale the 2x PNG is rendered at).
"""

from __future__ import annotations

import base64
import html
import math
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

MIME_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}

_COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)
_DOCTYPE = re.compile(r"<!DOCTYPE[^>]*>\s*", re.IGNORECASE)
_IMAGE_HREF = re.compile(r'(<image\b[^>]*?\s)((?:xlink:)?href)="([^"]*)"', re.DOTALL)
_SVG_SIZE = re.compile(
    r'(<svg\b[^>]*?\s)width="([\d.]+)(pt|px)?"(\s+)height="([\d.]+)(pt|px)?"', re.DOTALL
)


class SvgError(ValueError):
    """The SVG cannot be made self-contained (an icon file is missing, no size, ...)."""


@dataclass(frozen=True)
class FinishedSvg:
    text: str
    width: int
    """CSS pixels (the SVG's size in points)."""
    height: int
    images: int
    """How many images were embedded as ``data:`` URIs."""
    files: tuple[Path, ...] = ()
    """The image files embedded, each once."""


MAX_ICON_BYTES = 16 * 1024 * 1024
"""The largest image file a diagram may embed."""


def data_uri(path: Path) -> str:
    """``data:`` URI of the image file ``path`` (type from its suffix)."""
    mime = MIME_TYPES.get(path.suffix.lower())
    if mime is None:
        raise SvgError(
            f"icon {path.name!r} has an unsupported type; expected one of "
            f"{', '.join(sorted(MIME_TYPES))}"
        )
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _image_path(href: str, base_dir: Path | None) -> Path:
    parsed = urlparse(href)
    if parsed.scheme in ("http", "https"):
        raise SvgError(
            f"icon {href!r} is a remote URL; the build is offline, so use a local image file"
        )
    raw = unquote(parsed.path) if parsed.scheme == "file" else href
    path = Path(raw)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.is_file():
        raise SvgError(f"icon file {Path(raw).name!r} not found (looked for it next to the code)")
    if path.stat().st_size > MAX_ICON_BYTES:
        mib = 1024 * 1024
        limit = (
            f"{MAX_ICON_BYTES // mib} MiB" if mib <= MAX_ICON_BYTES else f"{MAX_ICON_BYTES} bytes"
        )
        raise SvgError(f"icon file {Path(raw).name!r} is larger than {limit}")
    return path


def finish_svg(svg: str, *, base_dir: Path | None = None) -> FinishedSvg:
    """Embed images, strip comments and DOCTYPE, and size ``svg`` in CSS pixels.

    Relative image paths resolve against ``base_dir`` (where Graphviz ran).
    """
    text = _COMMENT.sub("", svg)
    text = _DOCTYPE.sub("", text)
    count = 0
    embedded: dict[str, str] = {}
    files: list[Path] = []

    def embed(match: re.Match[str]) -> str:
        nonlocal count
        href = html.unescape(match.group(3))
        if not href.startswith("data:"):
            if href not in embedded:
                path = _image_path(href, base_dir)
                embedded[href] = data_uri(path)
                files.append(path.resolve())
            href = embedded[href]
        count += 1
        return f'{match.group(1)}{match.group(2)}="{href}"'

    text = _IMAGE_HREF.sub(embed, text)
    text = share_repeated_images(text)
    size = _SVG_SIZE.search(text)
    if size is None:
        raise SvgError("Graphviz's SVG has no width and height")
    width = math.ceil(float(size.group(2)))
    height = math.ceil(float(size.group(5)))
    text = (
        text[: size.start()]
        + f'{size.group(1)}width="{width}"{size.group(4)}height="{height}"'
        + text[size.end() :]
    )
    return FinishedSvg(
        text=text.strip() + "\n", width=width, height=height, images=count, files=tuple(files)
    )


_IMAGE_ELEMENT = re.compile(r"<image\b([^>]*?)\s*/>", re.DOTALL)
_ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')
_SVG_OPEN = re.compile(r"<svg\b[^>]*>", re.DOTALL)


def share_repeated_images(svg: str) -> str:
    """Embed an icon drawn several times once, in ``<defs>``, and ``<use>`` it.

    Graphviz writes one ``<image>`` per node, so three pods carry three
    copies of the same base64 icon; this keeps one and places the others with
    ``<use x= y=>`` (same size and aspect settings, so the drawing is identical).
    """
    groups: dict[tuple[tuple[str, str], ...], list[re.Match[str]]] = {}
    for match in _IMAGE_ELEMENT.finditer(svg):
        attrs = dict(_ATTRIBUTE.findall(match.group(1)))
        if set(attrs) - {"xlink:href", "href", "width", "height", "preserveAspectRatio", "x", "y"}:
            continue  # something unusual (a transform, a class): leave it alone
        shape = tuple(sorted((k, v) for k, v in attrs.items() if k not in ("x", "y")))
        groups.setdefault(shape, []).append(match)
    repeated = [(shape, found) for shape, found in groups.items() if len(found) > 1]
    opening = _SVG_OPEN.search(svg)
    if not repeated or opening is None:
        return svg
    defs: list[str] = []
    replacements: dict[int, tuple[int, str]] = {}
    for number, (shape, found) in enumerate(repeated, start=1):
        ident = f"mh-icon-{number}"
        body = " ".join(f'{k}="{v}"' for k, v in shape)
        defs.append(f'<image id="{ident}" {body}/>')
        for match in found:
            attrs = dict(_ATTRIBUTE.findall(match.group(1)))
            place = f'x="{attrs.get("x", "0")}" y="{attrs.get("y", "0")}"'
            replacements[match.start()] = (match.end(), f'<use xlink:href="#{ident}" {place}/>')
    out: list[str] = []
    position = 0
    for start in sorted(replacements):
        end, use = replacements[start]
        out.append(svg[position:start])
        out.append(use)
        position = end
    out.append(svg[position:])
    text = "".join(out)
    head = _SVG_OPEN.search(text)
    assert head is not None
    return text[: head.end()] + "\n<defs>" + "".join(defs) + "</defs>" + text[head.end() :]
