"""The issue's rendered page content (web HTML) -> the email body HTML.

Components are swapped for their email forms: a diagram's SVG becomes its 2x
PNG (``data-png``), tweet and video cards are made again from the model they
carry (``data-mh-card``, see :mod:`masthead.newsletter.cards`), code blocks get
inline highlight colours. Active
content (SVG, script, iframe, video, forms) and ``data:`` URIs are dropped;
every URL becomes absolute (from the page's web URL); every image gets a
``width`` and an ``alt``.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from ..newsletter import cards
from . import dom
from .dom import Comment, Element, Text
from .highlight import CODE_BACKGROUND, inline_style_for
from .imagesize import image_size
from .raster import Rasterise

CONTENT_WIDTH = 552
"""Width of the content column in CSS px: 600 px minus 24 px padding each side."""

DROP_ELEMENTS = frozenset(
    [
        "svg",
        "script",
        "iframe",
        "video",
        "audio",
        "form",
        "input",
        "button",
        "select",
        "textarea",
        "object",
        "embed",
        "canvas",
        "noscript",
        "style",
        "link",
        "meta",
        "template",
        "source",
        "track",
        "dialog",
        "math",
        "frame",
        "frameset",
        "applet",
    ]
)
SEMANTIC_BLOCKS = frozenset(
    [
        "article",
        "section",
        "aside",
        "header",
        "footer",
        "nav",
        "main",
        "figure",
        "details",
        "hgroup",
        "address",
    ]
)
SEMANTIC_INLINE = frozenset(["time", "mark", "abbr", "data", "dfn", "bdi", "output"])
"""Inline elements Gmail or Outlook do not know (caniemail html-semantics, html-abbr):
their text is kept in a plain span."""
_KEEP_ATTRS = frozenset(
    [
        "href",
        "src",
        "alt",
        "width",
        "height",
        "title",
        "class",
        "colspan",
        "rowspan",
        "align",
        "valign",
        "start",
        "type",
        "cellpadding",
        "cellspacing",
        "border",
        "role",
        "lang",
        "dir",
        "style",
        "bgcolor",
    ]
)
_UNSAFE_URL = re.compile(r"^\s*(javascript|vbscript|data|file):", re.IGNORECASE)


@dataclass(frozen=True)
class TransformContext:
    """Where the issue lives on the web, and where its built files are."""

    site_url: str
    """The site's base URL, ending in ``/`` (mkdocs.yml ``site_url``)."""
    page_url: str
    """Absolute URL of the web issue; relative links resolve against it."""
    site_dir: Path | None = None
    """The built site, to read the pixel size of images that have none."""
    content_width: int = CONTENT_WIDTH
    rasterise: Rasterise | None = None
    """Draws an SVG image of the built site as a PNG beside it (see
    :mod:`masthead.email.raster`); without it, an SVG image with no PNG of the
    same name becomes a link to the web page."""


@dataclass(frozen=True)
class TransformResult:
    html: str
    warnings: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    """Absolute URLs of every image the email loads."""
    tree: dom.Element | None = field(default=None, compare=False, repr=False)
    """The transformed body as a tree (read-only: the text part is written from it)."""


@dataclass
class _State:
    ctx: TransformContext
    warnings: list[str] = field(default_factory=list)


def transform(content_html: str, ctx: TransformContext) -> TransformResult:
    """Turn the issue's page content HTML into email-safe body HTML."""
    root = dom.parse(content_html)
    state = _State(ctx)
    _drop_title_and_permalinks(root)
    for node in root.find_all(lambda e: e.tag == "figure" and e.has_class("mh-diagram")):
        _diagram(node, state)
    for node in root.find_all(lambda e: e.has_class("mh-card") and bool(e.get("data-mh-card"))):
        _card(node, state)
    for node in root.find_all(_is_code_block):
        _code_block(node)
    _task_lists(root)
    _sanitize(root, state)
    images = [img.get("src") for img in root.iter() if img.tag == "img"]
    return TransformResult(dom.serialize(root), tuple(state.warnings), tuple(images), root)


# -- helpers -----------------------------------------------------------------


def absolute(url: str, base: str) -> str:
    """``url`` resolved against ``base`` (a same-page ``#anchor`` points at the web page)."""
    return urljoin(base, url.strip())


def _drop_title_and_permalinks(root: Element) -> None:
    for a in root.find_all(lambda e: e.tag == "a" and e.has_class("headerlink")):
        dom.remove(a)
    h1 = root.find(lambda e: e.tag == "h1")
    if h1 is not None:
        dom.remove(h1)


def _alt_of(node: Element) -> str:
    img = node.find(lambda e: e.tag == "img" and bool(e.get("alt")))
    if img is not None:
        return img.get("alt")
    svg = node.find(lambda e: e.tag == "svg")
    if svg is not None:
        if svg.get("aria-label"):
            return svg.get("aria-label")
        title = svg.find(lambda e: e.tag == "title")
        if title is not None:
            return title.text().strip()
    return node.get("aria-label")


def _int(value: str, default: int) -> int:
    try:
        return max(1, round(float(value)))
    except (TypeError, ValueError):
        return default


def _fit(width: int, height: int | None, limit: int) -> tuple[int, int | None]:
    if width <= limit:
        return width, height
    return limit, (round(height * limit / width) if height else None)


def _table(cls: str, *cells: Element, align: str | None = None) -> Element:
    """A one-column presentation table (what Outlook for Windows lays out reliably)."""
    table = dom.el(
        "table",
        {
            "role": "presentation",
            "class": cls,
            "width": "100%",
            "cellpadding": "0",
            "cellspacing": "0",
            "border": "0",
        },
    )
    for cell in cells:
        tr = dom.el("tr")
        if align:
            cell.attrs.setdefault("align", align)
        tr.append(cell)
        table.append(tr)
    return table


def _diagram(fig: Element, state: _State) -> None:
    ctx = state.ctx
    png = fig.get("data-png")
    alt = _alt_of(fig)
    caption = fig.find(lambda e: e.tag == "figcaption")
    if not png:
        state.warnings.append("a diagram has no data-png (no PNG for email); it was left out")
        dom.remove(fig)
        return
    if not alt:
        alt = caption.text().strip() if caption is not None else "Diagram"
        state.warnings.append(f"diagram {png} has no alt text; using {alt!r}")
    width, height = _fit(
        _int(fig.get("data-png-width"), ctx.content_width),
        _int(fig.get("data-png-height"), 0) or None,
        ctx.content_width,
    )
    img = dom.el(
        "img", {"src": urljoin(ctx.site_url, png.lstrip("/")), "alt": alt, "width": str(width)}
    )
    if height:
        img.attrs["height"] = str(height)
    img.attrs["class"] = "mh-e-image"
    cells = [dom.el("td", {"class": "mh-e-figure__media"}, img)]
    if caption is not None:
        cap = dom.el("td", {"class": "mh-e-figure__caption"})
        cap.extend(list(caption.children))
        cells.append(cap)
    dom.replace(fig, [_table("mh-e-figure", *cells, align="center")])


def _card(node: Element, state: _State) -> None:
    """A tweet or video card -> its email form, made from the model the web card carries."""
    try:
        card = cards.card_from_data(node.get("data-mh-card"))
    except ValueError as exc:
        state.warnings.append(f"a card could not be read ({exc}); it was left out of the email")
        dom.remove(node)
        return
    site_url = state.ctx.site_url

    def image_url(image: cards.LocalImage) -> str:
        return urljoin(site_url, image.path.lstrip("/"))

    dom.replace(node, list(dom.parse(cards.email_html(card, image_url)).children))


def _is_code_block(e: Element) -> bool:
    return e.tag == "pre" or (e.tag == "table" and e.has_class("highlighttable"))


def _code_block(node: Element) -> None:
    if node.parent is None:
        return
    if node.tag == "table":
        # Line-number tables: keep only the code cell.
        pre = node.find(
            lambda e: (
                e.tag == "pre"
                and e.parent is not None
                and not (e.parent.tag == "div" and e.parent.has_class("linenodiv"))
            )
        )
        code_cell = node.find(lambda e: e.tag == "td" and e.has_class("code"))
        if code_cell is not None:
            pre = code_cell.find(lambda e: e.tag == "pre")
        if pre is None:
            return
        dom.replace(node, [pre])
        node = pre
    for a in node.find_all(lambda e: e.tag == "a" and not e.get("href").startswith("http")):
        dom.unwrap(a)  # line anchors of pymdownx.highlight
    for span in node.find_all(lambda e: e.tag == "span"):
        style = inline_style_for(span.classes)
        if style:
            span.attrs = {"style": style}
        else:
            dom.unwrap(span)
    node.attrs = {"class": "mh-e-code"}
    for code in node.find_all(lambda e: e.tag == "code"):
        code.attrs = {"class": "mh-e-code__text"}
    node.attrs["style"] = f"background-color:{CODE_BACKGROUND}"


def _task_lists(root: Element) -> None:
    for box in root.find_all(lambda e: e.tag == "input" and e.get("type") == "checkbox"):
        mark = "☑ " if "checked" in box.attrs else "☐ "
        dom.replace(box, [Text(mark)])


def _local_file(url: str, ctx: TransformContext) -> Path | None:
    return local_file(url, ctx.site_url, ctx.site_dir)


def local_file(url: str, site_url: str, site_dir: Path | None) -> Path | None:
    """The file of the built site that ``url`` (under ``site_url``) serves, if any."""
    if site_dir is None or not url.startswith(site_url):
        return None
    rel = unquote(urlsplit(url[len(site_url) :]).path)
    rel = posixpath.normpath(rel)
    if rel.startswith(".."):
        return None
    return site_dir / rel


def _sanitize(root: Element, state: _State) -> None:
    ctx = state.ctx
    for node in list(root.iter()):
        if node is root or node.parent is None:
            continue
        if node.tag in DROP_ELEMENTS:
            dom.remove(node)
    for comment in [c for e in root.iter() for c in e.children if isinstance(c, Comment)]:
        dom.remove(comment)
    for node in list(root.iter()):
        if node is root or node.parent is None:
            continue
        _clean_attrs(node)
        if node.tag in SEMANTIC_BLOCKS:
            node.tag = "div"
        elif node.tag in SEMANTIC_INLINE:
            node.tag = "span"
        elif node.tag == "figcaption":
            node.tag = "p"
            node.attrs["class"] = (node.get("class") + " mh-e-caption").strip()
        elif node.tag == "summary":
            node.tag = "p"
            node.attrs["class"] = (node.get("class") + " mh-e-summary").strip()
        elif node.tag == "a":
            _link(node, ctx)
        elif node.tag == "img":
            _image(node, state)
        elif node.tag == "table" and node.get("role") != "presentation":
            node.attrs["class"] = (node.get("class") + " mh-e-table").strip()


def _clean_attrs(node: Element) -> None:
    kept: dict[str, str | None] = {}
    for name, value in node.attrs.items():
        if name not in _KEEP_ATTRS:
            continue
        if value is not None and name in ("href", "src") and _UNSAFE_URL.match(value):
            continue
        if name == "style" and value and re.search(r"url\s*\(|expression|data:", value, re.I):
            continue
        kept[name] = value
    node.attrs = kept


def _link(a: Element, ctx: TransformContext) -> None:
    href = a.get("href")
    if not href:
        a.attrs.pop("href", None)
        return
    if href.startswith("mailto:"):
        return
    a.attrs["href"] = absolute(href, ctx.page_url)


def _image(img: Element, state: _State) -> None:
    ctx = state.ctx
    src = img.get("src")
    if not src:
        state.warnings.append("an image without a usable src (data: URI or empty) was left out")
        dom.remove(img)
        return
    src = absolute(src, ctx.page_url)
    if urlsplit(src).path.lower().endswith(".svg"):
        png = src[: -len(".svg")] + ".png"
        local = _local_file(png, ctx)
        svg = _local_file(src, ctx)
        drawn = None
        if (local is None or not local.is_file()) and ctx.rasterise and svg and svg.is_file():
            drawn = ctx.rasterise(svg)
        if drawn is not None and ctx.site_dir is not None:
            src = ctx.site_url + drawn.path.relative_to(ctx.site_dir).as_posix()
            if not img.get("width"):
                img.attrs["width"] = str(drawn.width)
                img.attrs["height"] = str(drawn.height)
        elif local is not None and local.is_file():
            src = png
        else:
            # Gmail and Outlook do not show SVG: point at the web page instead.
            alt = img.get("alt") or "an illustration"
            state.warnings.append(
                f"image {src} is an SVG, which Gmail and Outlook do not show; the email links "
                "to the web page instead (install rsvg-convert to draw it as a PNG, or put a "
                "PNG of the same name next to it)"
            )
            note = dom.el("em", {"class": "mh-e-missing"}, f"[{alt}] ")
            note.append(dom.el("a", {"href": ctx.page_url}, "See the image on the web."))
            dom.replace(img, [note])
            return
    img.attrs["src"] = src
    if "alt" not in img.attrs or img.attrs["alt"] is None:
        img.attrs["alt"] = ""
        state.warnings.append(f"image {src} has no alt text")
    width = _int(img.get("width"), 0) if img.get("width") else 0
    height = _int(img.get("height"), 0) if img.get("height") else 0
    if not width:
        local = _local_file(src, ctx)
        size = image_size(local) if local is not None else None
        if size is None:
            width, height = ctx.content_width, 0
            state.warnings.append(f"size of image {src} is unknown; shown at {width} px wide")
        else:
            width, height = size
    fitted_w, fitted_h = _fit(width, height or None, ctx.content_width)
    img.attrs["width"] = str(fitted_w)
    if fitted_h:
        img.attrs["height"] = str(fitted_h)
    else:
        img.attrs.pop("height", None)
    if "class" not in img.attrs or not img.get("class"):
        img.attrs["class"] = "mh-e-image"
