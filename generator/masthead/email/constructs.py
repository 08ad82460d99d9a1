"""The email forms of what Python-Markdown, pymdown-extensions and Material put in a page.

Each construct of the web page gets a form that mail clients show without
JavaScript, web fonts or inline SVG, and that fits a 375 px phone:

- content tabs (``pymdownx.tabbed``): each label a small heading before its panel;
- admonitions and details (``admonition``, ``pymdownx.details``): a one-cell table
  coloured by type, its title (a details' summary as a heading) and its content shown;
- Material's icons (inline SVG): drawn as PNG by the rasteriser of the
  :class:`~masthead.email.transform.TransformContext`, or left out with a warning;
  emoji images (twemoji, emojione): their Unicode characters;
- math (``pymdownx.arithmatex``, MathML, KaTeX): Unicode text where the TeX is simple,
  else the TeX source in a code span, with a warning;
- progress bars (``pymdownx.progressbar``): a table with a cell of the bar's colour and width;
- code block titles: a caption above the code; footnotes: the numbers and the list at the end;
- tables too wide for a phone: each row as label/value pairs (with a warning).

The functions change the tree in place; the text part (:mod:`masthead.email.text`)
reads the ``mh-e-*`` classes they set.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from . import dom
from .dom import Element, Text
from .mathtext import mathml_text, tex_to_unicode

if TYPE_CHECKING:
    from .transform import TransformContext

Warn = Callable[[str], None]

NARROW = 375 - 2 * 16
"""The content column at 375 px (the mobile rule's 16 px padding each side)."""

# -- where a construct is ---------------------------------------------------------

_HEADINGS = frozenset(["h2", "h3", "h4", "h5", "h6"])


def _root(node: Element) -> Element:
    while node.parent is not None:
        node = node.parent
    return node


def _real_heading(e: Element) -> bool:
    return e.tag in _HEADINGS and not any(c.startswith("mh-e-") for c in e.classes)


def _heading_before(node: Element) -> Element | None:
    last = None
    for e in _root(node).iter():
        if e is node:
            break
        if _real_heading(e):
            last = e
    return last


def where(node: Element) -> str:
    """Where ``node`` is, for a message: ``under 'Heading'`` (its section's heading)."""
    heading = _heading_before(node)
    if heading is None:
        return "before the first heading"
    title = re.sub(r"\s+", " ", heading.text()).strip()
    return f"under {title!r}" if title else "under an empty heading"


_SECTIONS = ("mh-e-tab__panel", "mh-e-admonition__cell")


def _headings_before(root: Element) -> dict[int, Element]:
    """Each element (by id) -> the section heading before it, from one walk of the tree."""
    found: dict[int, Element] = {}
    last: Element | None = None
    for e in root.iter():
        if last is not None:
            found[id(e)] = last
        if _real_heading(e):
            last = e
    return found


def _level(node: Element, headings: dict[int, Element]) -> int:
    """The heading level for a label or summary at ``node``: one below its section's
    heading, one more per tab panel or box it is in (at most 6)."""
    heading = headings.get(id(node))
    level = int(heading.tag[1]) if heading is not None else 2
    parent = node.parent
    while parent is not None:
        if any(parent.has_class(c) for c in _SECTIONS):
            level += 1
        parent = parent.parent
    return min(6, level + 1)


def _table(cls: str) -> Element:
    return dom.presentation_table(cls)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# -- the constructs of a page, from one walk -----------------------------------------


@dataclass
class Found:
    """The elements of each construct in a page, in document order."""

    emoji: list[Element] = field(default_factory=list)
    math: list[Element] = field(default_factory=list)
    sections: list[Element] = field(default_factory=list)
    """Tab sets, admonitions and details."""
    svg: list[Element] = field(default_factory=list)
    progress: list[Element] = field(default_factory=list)
    embeds: list[Element] = field(default_factory=list)
    mermaid: list[Element] = field(default_factory=list)
    footnote_refs: list[Element] = field(default_factory=list)
    footnotes: list[Element] = field(default_factory=list)
    code_titles: list[Element] = field(default_factory=list)
    marks: list[Element] = field(default_factory=list)
    tables: list[Element] = field(default_factory=list)
    """Data tables (not layout ones)."""
    paragraphs: list[Element] = field(default_factory=list)


def _matchers() -> dict[str, tuple[tuple[str, Callable[[Element], bool]], ...]]:
    def classed(*names: str) -> Callable[[Element], bool]:
        return lambda e: any(e.has_class(n) for n in names)

    def always(e: Element) -> bool:
        return True

    emoji = ("emoji", lambda e: bool(EMOJI_CLASSES & set(e.classes)))
    math = ("math", _is_math)
    return {
        "img": (emoji,),
        "script": (math,),
        "math": (math,),
        "span": (math, ("code_titles", classed("filename"))),
        "div": (
            math,
            ("sections", lambda e: _is_tabset(e) or _is_box(e)),
            ("progress", classed("progress")),
            ("mermaid", classed("mermaid")),
            ("footnotes", classed("footnote")),
        ),
        "details": (("sections", always),),
        "svg": (("svg", always),),
        "iframe": (("embeds", always),),
        "video": (("embeds", always),),
        "audio": (("embeds", always),),
        "pre": (("mermaid", classed("mermaid")),),
        "sup": (("footnote_refs", lambda e: e.get("id").startswith("fnref")),),
        "mark": (("marks", always),),
        "table": (("tables", lambda e: e.get("role") != "presentation"),),
        "p": (("paragraphs", always),),
    }


def find(root: Element) -> Found:
    """Every construct below ``root``, from one walk of the tree."""
    matchers = _matchers()
    found = Found()
    for e in root.iter():
        for name, match in matchers.get(e.tag, ()):
            if e is not root and match(e):
                getattr(found, name).append(e)
    return found


# -- emoji and icons --------------------------------------------------------------

EMOJI_CLASSES = frozenset(["twemoji", "emojione", "joypixels", "gemoji", "emoji"])
ICON_SIZE = {"h2": 24, "h3": 20}
"""An icon's height in CSS px by the heading it is in (else :data:`ICON_DEFAULT`)."""
ICON_DEFAULT = 18
TEXT_COLOUR = "#1d2129"
LINK_COLOUR = "#3f51b5"
ICON_DIR = "assets/masthead/email/icons"
"""Where the PNG of each inline SVG is drawn, in the built site."""

_HEX = re.compile(r"^[0-9a-fA-F]{2,6}$")
_COLOUR = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9.,\s%]+\))$")


def _codepoints(name: str) -> str:
    """``1f1e9-1f1ea`` (an emoji image's file name) -> its characters ('' when not one)."""
    parts = name.split("-")
    if not parts or not all(_HEX.match(p) for p in parts):
        return ""
    try:
        return "".join(chr(int(p, 16)) for p in parts)
    except (ValueError, OverflowError):
        return ""


def _shortname(name: str) -> str:
    """``:smile:`` -> its characters, from pymdownx's twemoji index ('' when unknown)."""
    try:
        from pymdownx import twemoji_db
    except ImportError:  # pragma: no cover - a dependency of Material
        return ""
    name = twemoji_db.aliases.get(name, name)
    entry = twemoji_db.emoji.get(name)
    return _codepoints(entry["unicode"]) if entry else ""


def _is_emoji_text(text: str) -> bool:
    return bool(text) and not text.startswith(":") and any(ord(c) > 0x2000 for c in text)


def emoji_characters(images: list[Element]) -> None:
    """Emoji images (twemoji, emojione, gemoji) -> their Unicode characters."""
    for img in images:
        alt = img.get("alt").strip()
        text = alt if _is_emoji_text(alt) else ""
        if not text:
            stem = Path(urlsplit(img.get("src")).path).stem
            text = _codepoints(stem) or _shortname(alt) or _shortname(img.get("title"))
        if text:
            dom.replace(img, [Text(text)])


_SVG_ATTRS = {
    name.lower(): name
    for name in [
        "viewBox",
        "preserveAspectRatio",
        "gradientUnits",
        "gradientTransform",
        "patternUnits",
        "patternContentUnits",
        "patternTransform",
        "clipPathUnits",
        "maskUnits",
        "maskContentUnits",
        "markerWidth",
        "markerHeight",
        "markerUnits",
        "refX",
        "refY",
        "stdDeviation",
        "textLength",
        "lengthAdjust",
        "spreadMethod",
        "pathLength",
        "baseFrequency",
        "numOctaves",
        "filterUnits",
        "primitiveUnits",
        "startOffset",
        "tableValues",
        "kernelMatrix",
        "kernelUnitLength",
        "surfaceScale",
        "specularExponent",
        "specularConstant",
        "diffuseConstant",
        "xChannelSelector",
        "yChannelSelector",
        "edgeMode",
        "limitingConeAngle",
        "pointsAtX",
        "pointsAtY",
        "pointsAtZ",
        "targetX",
        "targetY",
    ]
}
_SVG_TAGS = {
    name.lower(): name
    for name in [
        "linearGradient",
        "radialGradient",
        "clipPath",
        "textPath",
        "foreignObject",
        "feGaussianBlur",
        "feOffset",
        "feBlend",
        "feColorMatrix",
        "feComposite",
        "feFlood",
        "feMerge",
        "feMergeNode",
        "feMorphology",
        "feTurbulence",
        "feImage",
        "feTile",
        "feDisplacementMap",
        "feDropShadow",
        "feComponentTransfer",
        "feFuncA",
        "feFuncR",
        "feFuncG",
        "feFuncB",
        "feConvolveMatrix",
        "feDiffuseLighting",
        "feSpecularLighting",
        "feDistantLight",
        "fePointLight",
        "feSpotLight",
    ]
}


def svg_markup(svg: Element) -> str:
    """An inline ``<svg>`` of the page as a standalone SVG file (XML: the parser
    lower-cased names such as ``viewBox``, which SVG spells in camel case)."""
    out: list[str] = []

    def write(node: Element | Text | dom.Comment) -> None:
        if isinstance(node, Text):
            out.append(_xml_escape(node.data))
            return
        if not isinstance(node, Element):
            return
        tag = _SVG_TAGS.get(node.tag, node.tag)
        attrs = "".join(
            f' {_SVG_ATTRS.get(k, k)}="{_xml_escape(v or "", quote=True)}"'
            for k, v in node.attrs.items()
        )
        out.append(f"<{tag}{attrs}>")
        for child in node.children:
            write(child)
        out.append(f"</{tag}>")

    write(svg)
    return "".join(out)


def _xml_escape(text: str, *, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


def _number(value: str) -> float | None:
    match = re.match(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$", value or "")
    return float(match.group(1)) if match else None


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
        if parent.tag in ICON_SIZE and _real_heading(parent):
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
        if svg.parent is None or _inside(svg, dropped | {"svg"}):
            continue
        host = _icon_host(svg)
        node = host or svg
        if host is not None and host.get("title").startswith(":"):
            text = _shortname(host.get("title"))
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
            f"{_plural(len(failed), 'icon')} (inline SVG) could not be drawn as PNG for the "
            f"email ({why}) and were left out, the first {failed[0]}"
        )


def _inside(node: Element, tags: frozenset[str]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.parent
    return False


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
    width, height = _number(svg.get("width")), _number(svg.get("height"))
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


# -- math -------------------------------------------------------------------------

_DELIMITERS = (("\\(", "\\)"), ("\\[", "\\]"), ("$$", "$$"), ("$", "$"))


def _strip_delimiters(tex: str) -> str:
    tex = tex.strip()
    for start, end in _DELIMITERS:
        if tex.startswith(start) and tex.endswith(end) and len(tex) >= len(start) + len(end):
            return tex[len(start) : len(tex) - len(end)].strip()
    return tex


def _is_math(e: Element) -> bool:
    if e.tag == "script" and e.get("type").startswith("math/tex"):
        return True
    if e.tag == "math":
        return True
    return e.has_class("arithmatex") or e.has_class("katex") or e.has_class("katex-display")


def _tex_of(e: Element) -> tuple[str, bool]:
    """The TeX source of a math element and whether it is a displayed block."""
    annotation = e.find(lambda a: a.tag == "annotation" and "tex" in a.get("encoding").lower())
    if e.tag == "script":
        return e.text().strip(), "mode=display" in e.get("type")
    block = e.tag == "div" or e.has_class("katex-display") or e.get("display") == "block"
    script = e.find(lambda s: s.tag == "script" and s.get("type").startswith("math/tex"))
    if script is not None:
        return script.text().strip(), block or "mode=display" in script.get("type")
    if annotation is not None:
        return annotation.text().strip(), block
    if e.tag == "math":
        return "", block
    return _strip_delimiters(e.text()), block


def math(nodes: list[Element], warn: Warn) -> None:
    """Math -> readable text: Unicode where simple (``E = mc²``), else the TeX source in
    a code span; one warning for the issue, naming where the first one is."""
    unicode_count = 0
    tex_count = 0
    first = ""
    for node in nodes:
        if (
            node.parent is None
            or _inside(node, frozenset(["math"]))
            or any(_is_math(p) for p in _ancestors(node))
        ):
            continue
        tex, block = _tex_of(node)
        text = tex_to_unicode(tex) if tex else None
        if not tex and node.tag == "math":
            text = re.sub(r"\s+", " ", mathml_text(node)).strip() or None
        if not tex and text is None:
            dom.remove(node)
            continue
        first = first or where(node)
        if text is not None:
            unicode_count += 1
            tag = "p" if block else "span"
            cls = "mh-e-math mh-e-math--block" if block else "mh-e-math"
            dom.replace(node, [dom.el(tag, {"class": cls}, text)])
        else:
            tex_count += 1
            code = dom.el("code", {"class": "mh-e-math__tex"}, tex)
            if block:
                dom.replace(node, [dom.el("pre", {"class": "mh-e-math mh-e-math--block"}, code)])
            else:
                dom.replace(node, [code])
    total = unicode_count + tex_count
    if total:
        parts = []
        if unicode_count:
            parts.append(f"{unicode_count} as Unicode text")
        if tex_count:
            parts.append(f"{tex_count} as TeX source")
        warn(
            f"{_plural(total, 'math expression')} shown as text in the email, not typeset "
            f"({', '.join(parts)}), the first {first}"
        )


def _ancestors(node: Element) -> list[Element]:
    found = []
    parent = node.parent
    while parent is not None:
        found.append(parent)
        parent = parent.parent
    return found


# -- tabs, admonitions, details ----------------------------------------------------

ADMONITION_COLOURS = {
    "note": "#448aff",
    "abstract": "#00b0ff",
    "info": "#00b8d4",
    "tip": "#00bfa5",
    "success": "#00c853",
    "question": "#64dd17",
    "warning": "#ff9100",
    "failure": "#ff5252",
    "danger": "#ff1744",
    "bug": "#f50057",
    "example": "#7c4dff",
    "quote": "#9e9e9e",
}
"""Material's colour of each admonition type."""
ADMONITION_ALIASES = {
    "summary": "abstract",
    "tldr": "abstract",
    "todo": "info",
    "hint": "tip",
    "important": "tip",
    "check": "success",
    "done": "success",
    "help": "question",
    "faq": "question",
    "caution": "warning",
    "attention": "warning",
    "fail": "failure",
    "missing": "failure",
    "error": "danger",
    "cite": "quote",
}
_MODIFIERS = frozenset(["admonition", "inline", "end", "annotate", "open"])


def _mix(colour: str, other: tuple[int, int, int], amount: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mixed = (round(c * amount + o * (1 - amount)) for c, o in zip((r, g, b), other, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def admonition_style(kind: str) -> tuple[str, str, str]:
    """``(border, background, title)`` colours of an admonition type (note's for others)."""
    colour = ADMONITION_COLOURS.get(ADMONITION_ALIASES.get(kind, kind), ADMONITION_COLOURS["note"])
    return colour, _mix(colour, (255, 255, 255), 0.1), _mix(colour, (0, 0, 0), 0.6)


def _kind(node: Element) -> str:
    """The admonition type of a box ('' for a details with none)."""
    classes = [c for c in node.classes if c not in _MODIFIERS]
    for c in classes:
        if c in ADMONITION_COLOURS or c in ADMONITION_ALIASES:
            return c
    return classes[0] if classes else ("note" if node.tag != "details" else "")


def _is_tabset(e: Element) -> bool:
    return e.tag == "div" and e.has_class("tabbed-set")


def _is_box(e: Element) -> bool:
    return e.tag == "details" or (e.tag == "div" and e.has_class("admonition"))


def _element_children(node: Element) -> list[Element]:
    return [c for c in node.children if isinstance(c, Element)]


def _tabs(tabset: Element) -> list[tuple[Element | None, Element]]:
    """``(label, panel)`` pairs of a tab set, in either of pymdownx.tabbed's styles."""
    labels_box = next((c for c in _element_children(tabset) if c.has_class("tabbed-labels")), None)
    content = next((c for c in _element_children(tabset) if c.has_class("tabbed-content")), None)
    if labels_box is not None and content is not None:  # alternate_style: true
        labels: list[Element | None] = [
            c for c in _element_children(labels_box) if c.tag == "label"
        ]
        panels = [c for c in _element_children(content) if c.has_class("tabbed-block")]
        labels += [None] * (len(panels) - len(labels))
        return list(zip(labels, panels, strict=False))
    pairs: list[tuple[Element | None, Element]] = []
    label: Element | None = None
    for child in _element_children(tabset):
        if child.tag == "label":
            label = child
        elif child.has_class("tabbed-content"):
            pairs.append((label, child))
            label = None
    return pairs


def tabs(tabset: Element, level: int) -> None:
    """A tab set -> each label as a small heading (``h<level>``), then its panel, one
    after the other."""
    pairs = _tabs(tabset)
    if not pairs:
        return
    box = dom.el("div", {"class": "mh-e-tabs"})
    dom.replace(tabset, [box])
    for number, (label, panel) in enumerate(pairs, 1):
        heading = dom.el(f"h{level}", {"class": "mh-e-tab__label"})
        if label is not None and label.text().strip():
            heading.extend(list(label.children))
        else:
            heading.append(Text(f"Tab {number}"))
        body = dom.el("div", {"class": "mh-e-tab__panel"})
        body.extend(list(panel.children))
        box.extend([heading, body])


def box(node: Element, level: int) -> None:
    """An admonition or a details -> a one-cell table coloured by its type, with its
    title (a details' summary as a heading, ``h<level>``) and all of its content shown."""
    kind = _kind(node)
    border, background, title_colour = admonition_style(kind or "note")
    details = node.tag == "details"
    if details:
        title = next((c for c in _element_children(node) if c.tag == "summary"), None)
    else:
        title = next((c for c in _element_children(node) if c.has_class("admonition-title")), None)
    cls = "mh-e-admonition" + (f" mh-e-admonition--{kind}" if kind else "")
    table = _table(cls)
    cell = dom.el(
        "td",
        {
            "class": "mh-e-admonition__cell",
            "bgcolor": background,
            "style": f"border-left:4px solid {border};background-color:{background}",
        },
    )
    table.append(dom.el("tr", {}, cell))
    dom.replace(node, [table])
    rest = [c for c in node.children if c is not title]
    if title is not None or details:
        tag = f"h{level}" if details else "p"
        heading = dom.el(
            tag,
            {
                "class": "mh-e-admonition__title" + (" mh-e-details__summary" if details else ""),
                "style": f"color:{title_colour}",
            },
        )
        if title is not None and title.text().strip():
            heading.extend(list(title.children))
        elif details:
            heading.append(Text(kind.capitalize() if kind else "Details"))
        if heading.children:
            cell.append(heading)
    cell.extend(rest)


def sections(nodes: list[Element]) -> None:
    """Tab sets, admonitions and details, outermost first (a nested one's label is a
    level deeper)."""
    headings = _headings_before(_root(nodes[0])) if nodes else {}
    for node in nodes:
        if node.parent is None:
            continue
        if _is_tabset(node):
            tabs(node, _level(node, headings))
        else:
            box(node, _level(node, headings))


# -- progress bars ---------------------------------------------------------------

PROGRESS_COLOURS = {
    0: "#f63a0f",
    20: "#f27011",
    40: "#f2b01e",
    60: "#f2d31b",
    80: "#86e01e",
    100: "#1ee038",
}
"""The colours pymdownx's documentation gives the ``progress-<N>plus`` classes."""
PROGRESS_REST = "#e3e6eb"


def progress_bars(nodes: list[Element]) -> None:
    """``pymdownx.progressbar`` -> a label and a two-cell table: the bar's colour over
    its percentage of the width, grey over the rest."""
    for node in nodes:
        if node.parent is None:
            continue
        bar = node.find(lambda e: e.has_class("progress-bar"))
        match = re.search(r"width\s*:\s*([0-9.]+)%", bar.get("style") if bar else "")
        percent = max(0.0, min(100.0, float(match.group(1)))) if match else 0.0
        bucket = next(
            (
                int(c[len("progress-") : -len("plus")])
                for c in node.classes
                if re.fullmatch(r"progress-\d+plus", c)
            ),
            int(percent // 20 * 20),
        )
        colour = PROGRESS_COLOURS.get(bucket, PROGRESS_COLOURS[min(100, bucket // 20 * 20)])
        shown = f"{percent:.0f}%" if abs(percent - round(percent)) < 0.05 else f"{percent:.1f}%"
        label_node = node.find(lambda e: e.has_class("progress-label"))
        label = dom.el("td", {"class": "mh-e-progress__label"})
        if label_node is not None and label_node.text().strip():
            label.extend(list(label_node.children))
            if "%" not in label_node.text():
                label.append(Text(f" ({shown})"))
        else:
            label.append(Text(shown))
        thin = node.has_class("thin")
        size = "font-size:4px;line-height:4px" if thin else "font-size:10px;line-height:10px"
        cells: list[Element | Text | dom.Comment] = []
        if percent > 0:
            cells.append(
                dom.el(
                    "td",
                    {
                        "class": "mh-e-progress__bar",
                        "width": shown,
                        "bgcolor": colour,
                        "style": f"background-color:{colour};{size}",
                    },
                    "\u00a0",
                )
            )
        if percent < 100:
            cells.append(
                dom.el(
                    "td",
                    {
                        "class": "mh-e-progress__rest",
                        "bgcolor": PROGRESS_REST,
                        "style": f"background-color:{PROGRESS_REST};{size}",
                    },
                    "\u00a0",
                )
            )
        if len(cells) > 1:
            label.attrs["colspan"] = str(len(cells))
        table = _table("mh-e-progress")
        table.append(dom.el("tr", {}, label))
        row = dom.el("tr")
        row.extend(cells)
        table.append(row)
        dom.replace(node, [table])


# -- embeds and diagrams drawn in the browser --------------------------------------

_EMBEDS = frozenset(["iframe", "video", "audio"])


def embeds(nodes: list[Element], page_url: str, warn: Warn) -> None:
    """Embedded players (``<iframe>``, ``<video>``, ``<audio>``), which mail clients do not
    play -> a link: to the embedded page for an iframe, else to the web issue."""
    count, first = 0, ""
    for node in nodes:
        if node.parent is None or _inside(node, _EMBEDS):
            continue
        src = node.get("src").strip()
        if node.tag == "iframe" and src.startswith(("https://", "http://", "//")):
            href = "https:" + src if src.startswith("//") else src
            host = urlsplit(href).hostname or "the web"
            label = node.get("title").strip() or f"Embedded content from {host}"
        else:
            href = page_url
            label = node.get("title").strip() or (
                "Listen on the web" if node.tag == "audio" else "Watch the video on the web"
            )
        first = first or where(node)
        count += 1
        link = dom.el("a", {"href": href}, f"▶ {label}")
        dom.replace(node, [dom.el("p", {"class": "mh-e-embed"}, link)])
    if count:
        warn(
            f"{_plural(count, 'embedded player')} (iframe, video or audio) shown as a link in "
            f"the email, the first {first}"
        )


def mermaid(nodes: list[Element], warn: Warn) -> None:
    """A Mermaid diagram (drawn by JavaScript on the web) -> its source as code, with a
    caption saying so."""
    for node in nodes:
        if node.parent is None:
            continue
        place = where(node)
        source = node.text().strip("\n")
        title = dom.el(
            "p", {"class": "mh-e-code__title"}, "Mermaid diagram (drawn on the web page)"
        )
        code = dom.el("pre", {}, dom.el("code", {}, source))
        dom.replace(node, [title, code])
        warn(
            f"a Mermaid diagram {place} is shown as its source in the email (mail clients "
            "run no JavaScript to draw it)"
        )


# -- footnotes, code titles, inline marks ------------------------------------------


def footnotes(references: list[Element], lists: list[Element]) -> None:
    """Footnote references -> plain superscript numbers; the list stays at the end,
    without its back links (they point into the web page)."""
    for sup in references:
        link = sup.find(lambda e: e.tag == "a")
        number = (link or sup).text().strip()
        sup.attrs = {"class": "mh-e-fnref"}
        sup.children = []
        sup.append(Text(number))
    for div in lists:
        div.attrs = {"class": "mh-e-footnotes"}
        for back in div.find_all(lambda e: e.tag == "a" and e.has_class("footnote-backref")):
            parent = back.parent
            dom.remove(back)
            if parent is not None and parent.children and isinstance(parent.children[-1], Text):
                parent.children[-1].data = parent.children[-1].data.rstrip("\u00a0 ")


def code_titles(spans: list[Element]) -> None:
    """A code block's title (``title="x.py"``) -> a caption paragraph above the code."""
    for span in spans:
        if span.parent is None:
            continue
        title = dom.el("p", {"class": "mh-e-code__title"})
        title.extend(list(span.children))
        table = next(
            (a for a in _ancestors(span) if a.tag == "table" and a.has_class("highlighttable")),
            None,
        )
        if table is not None and table.parent is not None:
            row = next(a for a in _ancestors(span) if a.tag == "tr")
            dom.remove(row)
            parent = table.parent
            index = next(i for i, c in enumerate(parent.children) if c is table)
            title.parent = parent
            parent.children.insert(index, title)
        elif span.tag == "span":
            dom.replace(span, [title])


def inline_marks(marks: list[Element]) -> None:
    """``==mark==`` keeps its highlight (as a span once the tree is sanitised)."""
    for mark in marks:
        mark.attrs["class"] = (mark.get("class") + " mh-e-mark").strip()


def empty_paragraphs(paragraphs: list[Element]) -> None:
    """Paragraphs left empty (a progress bar's ``<p>`` around block content)."""
    for p in paragraphs:
        blank = all(isinstance(c, Text) and not c.data.strip(" \t\r\n") for c in p.children)
        if blank and p.parent is not None:
            dom.remove(p)


# -- tables that are too wide ----------------------------------------------------

CHAR_PX = 8.0
"""Width of one character in a table cell (14 px text, 13 px code), rounded up."""
CELL_PX = 17
"""A table cell's padding and border."""


def _rows(table: Element) -> list[Element]:
    rows = []
    for e in table.iter():
        if e.tag == "tr" and next((a for a in _ancestors(e) if a.tag == "table"), None) is table:
            rows.append(e)
    return rows


def _cells(tr: Element) -> list[Element]:
    return [c for c in _element_children(tr) if c.tag in ("td", "th")]


def _longest_word(cell: Element) -> int:
    words = cell.text().split()
    return max((len(w) for w in words), default=0)


def _room(node: Element) -> int:
    """The column's width at 375 px where ``node`` is (less in boxes, lists, quotes)."""
    room = NARROW
    for a in _ancestors(node):
        if a.tag in ("li", "blockquote", "dd") or a.has_class("mh-e-admonition__cell"):
            room -= 28
    return max(room, 120)


def narrowest(table: Element) -> int:
    """Roughly the narrowest a table can be without breaking words, in CSS px."""
    widths: dict[int, int] = {}
    for tr in _rows(table):
        for i, cell in enumerate(_cells(tr)):
            widths[i] = max(widths.get(i, 0), _longest_word(cell))
    return round(sum(w * CHAR_PX + CELL_PX for w in widths.values()))


def wide_tables(tables: list[Element], warn: Warn) -> None:
    """A data table wider than a phone -> its rows as label/value pairs (a stack);
    one that cannot be stacked (merged cells, one column) is fixed to the column's
    width, its words broken, with a warning."""
    for table in tables:
        if table.parent is None or table.has_class("highlighttable"):
            continue
        rows = _rows(table)
        if not rows:
            continue
        needed, room = narrowest(table), _room(table)
        if needed <= room:
            continue
        columns = max(len(_cells(tr)) for tr in rows)
        merged = any(
            c.get("rowspan") not in ("", "1") or c.get("colspan") not in ("", "1")
            for tr in rows
            for c in _cells(tr)
        )
        if columns < 2 or merged:
            table.attrs["width"] = "100%"
            table.attrs["class"] = (table.get("class") + " mh-e-table--fixed").strip()
            what = "with merged cells" if merged else "of one column"
            warn(
                f"a table {what} {where(table)} is wider than a phone screen (about {needed} "
                f"px at its narrowest, {room} px there); the email squeezes it to the "
                "column and breaks its words"
            )
            continue
        place = where(table)
        _stack(table, rows)
        warn(
            f"the {columns}-column table {place} is wider than a phone screen "
            f"(about {needed} px at its narrowest, {room} px there); the email shows each "
            "row as label/value pairs"
        )


def _stack(table: Element, rows: list[Element]) -> None:
    head = rows[0] if all(c.tag == "th" for c in _cells(rows[0])) else None
    labels = [c for c in _cells(head)] if head is not None else []
    stack = _table("mh-e-stack")
    for tr in rows:
        if tr is head:
            continue
        for i, cell in enumerate(_cells(tr)):
            first = " mh-e-stack__first" if i == 0 else ""
            row = dom.el("tr")
            value = dom.el("td", {"class": "mh-e-stack__value" + first, "valign": "top"})
            value.extend(list(cell.children))
            if labels:
                label = dom.el(
                    "th",
                    {
                        "class": "mh-e-stack__label" + first,
                        "width": "35%",
                        "valign": "top",
                        "align": "left",
                    },
                )
                if i < len(labels):
                    label.extend([dom.clone(c) for c in labels[i].children])
                row.append(label)
            else:
                value.attrs["colspan"] = "2"
            row.append(value)
            stack.append(row)
    dom.replace(table, [stack])


# -- widths fixed by the page -------------------------------------------------------

_STYLE_WIDTH = re.compile(r"^(min-width|width|max-width)$")


def fixed_widths(root: Element, content_width: int, warn: Warn) -> None:
    """Widths set in the page (raw HTML) wider than the column -> the column's width,
    with a warning; an image's size is its attributes', never a style's."""
    for node in root.iter():
        if node is root or node.tag == "#root":
            continue
        if node.tag != "img":
            width = _number(node.get("width"))
            if width is not None and width > content_width:
                node.attrs["width"] = "100%"
                warn(
                    f"a {node.tag} {where(node)} is set {width:g} px wide (width), wider than "
                    f"the email's {content_width} px column; the email lets it take the "
                    "column's width"
                )
        style = node.get("style")
        if not style:
            continue
        kept = []
        for decl in style.split(";"):
            name, _, value = decl.partition(":")
            name = name.strip().lower()
            if node.tag == "img" and name in ("width", "height", "min-width", "min-height"):
                continue
            if _STYLE_WIDTH.match(name):
                px = _number(value)
                if px is not None and px > content_width:
                    if name != "max-width":
                        warn(
                            f"a {node.tag} {where(node)} is set {px:g} px wide ({name}), wider "
                            f"than the email's {content_width} px column; the email lets it "
                            "take the column's width"
                        )
                    continue
                if name == "min-width" and value.strip().endswith("%"):
                    continue
            kept.append(decl)
        if len(kept) != len(style.split(";")):
            if "".join(kept).strip():
                node.attrs["style"] = ";".join(kept)
            else:
                node.attrs.pop("style", None)
