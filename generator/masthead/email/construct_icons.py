"""Material's icons and other inline SVG in an email: drawn as PNG by the rasteriser
of the :class:`~masthead.email.transform.TransformContext`, or left out with a warning."""

from __future__ import annotations

import hashlib
import os
import re
from typing import TYPE_CHECKING

from . import dom
from .construct_common import Warn, css_px, inside, plural, real_heading, where
from .construct_emoji import EMOJI_CLASSES, shortname
from .construct_svg import svg_markup
from .dom import Element, Text

if TYPE_CHECKING:
    from .transform import TransformContext

ICON_SIZE = {"h2": 24, "h3": 20}
"""An icon's height in CSS px by the heading it is in (else :data:`ICON_DEFAULT`)."""


ICON_DEFAULT = 18


TEXT_COLOUR = "#1d2129"


LINK_COLOUR = "#3f51b5"


ICON_DIR = "assets/masthead/email/icons"
"""Where the PNG of each inline SVG is drawn, in the built site."""


_COLOUR = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9.,\s%]+\))$")


def _view_box(svg: Element) -> tuple[float, float] | None:
    parts = re.split(r"[\s,]+", svg.get("viewbox").strip())
    if len(parts) != 4:
        return None
    try:
        width, height = float(parts[2]), float(parts[3])
    except ValueError:
        return None
    return (width, height) if width > 0 and height > 0 else None


def _icon_colour(node: Element) -> str:
    parent: Element | None = node
    while parent is not None:
        match = re.search(r"(?:^|;)\s*color\s*:\s*([^;]+)", parent.get("style"))
        if match and _COLOUR.match(match.group(1).strip()):
            return match.group(1).strip()
        if parent.tag == "a" and parent.get("href"):
            return LINK_COLOUR
        parent = parent.parent
    return TEXT_COLOUR


def _icon_height(node: Element) -> int:
    parent = node.parent
    while parent is not None:
        if parent.tag in ICON_SIZE and real_heading(parent):
            return ICON_SIZE[parent.tag]
        parent = parent.parent
    return ICON_DEFAULT


def _label(svg: Element, host: Element) -> str:
    if svg.get("aria-label"):
        return svg.get("aria-label").strip()
    title = svg.find(lambda e: e.tag == "title")
    if title is not None and title.text().strip():
        return title.text().strip()
    for attr in ("aria-label", "title"):
        if host.get(attr) and not host.get(attr).startswith(":"):
            return host.get(attr).strip()
    return ""


def _icon_host(svg: Element) -> Element | None:
    """The span Material (or pymdownx) wraps an icon's SVG in, if ``svg`` is one."""
    host = svg.parent
    if host is None or host.tag != "span":
        return None
    if not (EMOJI_CLASSES | {"md-icon", "icon"}) & set(host.classes):
        return None
    others = [
        c
        for c in host.children
        if c is not svg and not (isinstance(c, Text) and not c.data.strip())
    ]
    return host if not others else None


def _drop_brackets(node: Element | Text) -> None:
    """Remove ``[`` and ``]`` right around ``node`` (a dropped icon in a link's label that
    Markdown did not make a link, ``[:icon:][x]``), so no ``[][x]`` is left."""
    parent = node.parent
    if parent is None:
        return
    index = next(i for i, c in enumerate(parent.children) if c is node)
    before = parent.children[index - 1] if index > 0 else None
    after = parent.children[index + 1] if index + 1 < len(parent.children) else None
    if (
        isinstance(before, Text)
        and isinstance(after, Text)
        and before.data.endswith("[")
        and after.data.startswith("]")
    ):
        before.data = before.data[:-1]
        after.data = after.data[1:]


def inline_svg(
    svgs: list[Element], ctx: TransformContext, warn: Warn, dropped: frozenset[str]
) -> None:
    """Every inline ``<svg>`` left in the page (Material's icons, hand-written SVG) -> a
    PNG image drawn beside the built site's files, or, when it cannot be drawn, left out
    with one warning for the issue.

    An emoji drawn as SVG whose host carries its short name (``title=":smile:"``)
    becomes its characters instead. SVG inside ``dropped`` elements is left alone."""
    drawn: dict[str, tuple[str, int, int] | None] = {}
    failed: list[str] = []
    for svg in svgs:
        if svg.parent is None or inside(svg, dropped | {"svg"}):
            continue
        host = _icon_host(svg)
        node = host or svg
        if host is not None and host.get("title").startswith(":"):
            text = shortname(host.get("title"))
            if text:
                dom.replace(host, [Text(text)])
                continue
        label = _label(svg, node)
        image = _draw(svg, node, host is not None, ctx, drawn)
        if image is not None:
            src, width, height = image
            cls = "mh-e-icon" if host is not None or height <= 32 else "mh-e-image"
            attrs = {"src": src, "alt": label, "width": str(width), "height": str(height)}
            dom.replace(node, [dom.el("img", {**attrs, "class": cls})])
            continue
        failed.append(where(node) if not failed else "")
        if label:
            dom.replace(node, [Text(label)])
        else:
            _drop_brackets(node)
            dom.remove(node)
    if failed:
        why = (
            "rsvg-convert is not installed"
            if ctx.rasterise is None or ctx.site_dir is None
            else "rsvg-convert could not draw them"
        )
        warn(
            f"{plural(len(failed), 'icon')} (inline SVG) could not be drawn as PNG for the "
            f"email ({why}) and were left out, the first {failed[0]}"
        )


def _draw(
    svg: Element,
    node: Element,
    icon: bool,
    ctx: TransformContext,
    drawn: dict[str, tuple[str, int, int] | None],
) -> tuple[str, int, int] | None:
    """``(url, width, height)`` of the PNG of ``svg``, drawn once per distinct SVG."""
    if ctx.rasterise is None or ctx.site_dir is None:
        return None
    box = _view_box(svg)
    width, height = css_px(svg.get("width")), css_px(svg.get("height"))
    if icon or width is None or height is None:
        if box is None and (width is None or height is None):
            return None
        ratio = box[0] / box[1] if box else (width or 1) / (height or 1)
        if icon:
            height = _icon_height(node)
        elif height is None:
            height = (width / ratio) if width else (box[1] if box else None)
        assert height is not None
        width = height * ratio if (icon or width is None) else width
    if width > ctx.content_width:
        height, width = height * ctx.content_width / width, ctx.content_width
    copy = Element("svg", dict(svg.attrs), svg.children)
    copy.attrs.setdefault("xmlns", "http://www.w3.org/2000/svg")
    if any(k.startswith("xlink:") for e in svg.iter() for k in e.attrs):
        copy.attrs.setdefault("xmlns:xlink", "http://www.w3.org/1999/xlink")
    copy.attrs["width"] = f"{width:g}"
    copy.attrs["height"] = f"{height:g}"
    colour = _icon_colour(node)
    if icon:
        copy.attrs.setdefault("fill", colour)
    for name in ("style", "class"):
        copy.attrs.pop(name, None)
    markup = svg_markup(copy).replace("currentColor", colour)
    digest = hashlib.sha256(markup.encode("utf-8")).hexdigest()[:20]
    if digest in drawn:
        return drawn[digest]
    folder = ctx.site_dir / ICON_DIR
    path = folder / f"{digest}.svg"
    result: tuple[str, int, int] | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not path.is_file():
            partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            partial.write_text(markup, encoding="utf-8")
            os.replace(partial, path)
        raster = ctx.rasterise(path)
    except OSError:
        raster = None
    if raster is not None:
        url = ctx.site_url + raster.path.relative_to(ctx.site_dir).as_posix()
        result = (url, raster.width, raster.height)
    drawn[digest] = result
    return result
