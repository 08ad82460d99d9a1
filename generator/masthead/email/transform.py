"""The issue's rendered page content (web HTML) -> the email body HTML.

Components are swapped for their email forms: a diagram's SVG becomes its 2x
PNG (``data-png``), tweet and video cards are made again from the model they
carry (``data-mh-card``, see :mod:`masthead.newsletter.cards`), code blocks get
inline highlight colours. Tabs, admonitions, details, icons, emoji, math,
progress bars, code titles, footnotes and wide tables get their email forms
(:mod:`masthead.email.constructs`). Active content (script, iframe, video,
forms) and ``data:`` URIs are dropped; every URL becomes absolute (from the
page's web URL); every image gets an ``alt`` and, when its size is known, a
``width`` no larger than the image itself.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from ..i18n import Strings, english
from ..newsletter import cards
from . import constructs, dom
from .dom import Comment, Element, Text
from .highlight import CODE_BACKGROUND, inline_style_for
from .imagesize import image_size
from .raster import Rasterise

CONTENT_WIDTH = 552
"""Width of the content column in CSS px: 600 px minus 24 px padding each side."""

NARROWEST_COLUMN = 343
"""Width of the content column on a 375 px phone (16 px padding each side): an image no
wider than this is never narrowed, so it keeps its height attribute."""

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
    strings: Strings = field(default_factory=english)
    """masthead's words in the site's language (the names of tabs, links to the web)."""


@dataclass(frozen=True)
class TransformResult:
    html: str
    warnings: tuple[str, ...] = ()
    losses: tuple[str, ...] = ()
    """The warnings that say the email lost something of the page (left out, or too wide
    to fit): logged as build warnings, so a strict build fails on them. The others say
    how a construct was adapted with its content kept, and are logged as notes."""
    images: tuple[str, ...] = ()
    """Absolute URLs of every image the email loads."""
    tree: dom.Element | None = field(default=None, compare=False, repr=False)
    """The transformed body as a tree (read-only: the text part is written from it)."""


@dataclass
class _State:
    ctx: TransformContext
    warnings: list[str] = field(default_factory=list)
    losses: list[str] = field(default_factory=list)

    def lose(self, message: str) -> None:
        """A warning that the email lost something of the page (see ``TransformResult``)."""
        self.warnings.append(message)
        self.losses.append(message)


def transform(content_html: str, ctx: TransformContext) -> TransformResult:
    """Turn the issue's page content HTML into email-safe body HTML."""
    root = dom.parse(content_html)
    state = _State(ctx)
    _drop_title_and_permalinks(root)
    for node in root.find_all(lambda e: e.tag == "figure" and e.has_class("mh-diagram")):
        _diagram(node, state)
    for node in root.find_all(lambda e: e.has_class("mh-card") and bool(e.get("data-mh-card"))):
        _card(node, state)
    # Each construct of Python-Markdown, pymdown-extensions and Material -> its email form.
    warn = state.warnings.append
    found = constructs.find(root)
    constructs.emoji_characters(found.emoji)
    constructs.math(found.math, warn)
    constructs.sections(found.sections, ctx.strings)
    constructs.inline_svg(found.svg, ctx, state.lose, DROP_ELEMENTS - {"svg"})
    constructs.progress_bars(found.progress)
    constructs.embeds(found.embeds, ctx.page_url, warn, ctx.strings)
    constructs.mermaid(found.mermaid, warn, ctx.strings)
    constructs.footnotes(found.footnote_refs, found.footnotes)
    constructs.code_titles(found.code_titles)
    for node in root.find_all(lambda e: _is_code_block(e) or _is_inline_code(e)):
        if node.tag == "code":
            _inline_code(node)
        else:
            _code_block(node)
    constructs.inline_marks(found.marks)
    constructs.wide_tables(found.tables, warn, state.lose)
    _task_lists(root)
    _sanitize(root, state)
    constructs.fixed_widths(root, ctx.content_width, warn)
    constructs.empty_paragraphs(found.paragraphs)
    images = [img.get("src") for img in root.iter() if img.tag == "img"]
    return TransformResult(
        dom.serialize(root), tuple(state.warnings), tuple(state.losses), tuple(images), root
    )


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
    table = dom.presentation_table(cls)
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
        state.lose("a diagram has no data-png (no PNG for email); it was left out")
        dom.remove(fig)
        return
    if not alt:
        alt = caption.text().strip() if caption is not None else ctx.strings.text("diagram.alt")
        state.warnings.append(f"diagram {png} has no alt text; using {alt!r}")
    width, height = _fit(
        _int(fig.get("data-png-width"), ctx.content_width),
        _int(fig.get("data-png-height"), 0) or None,
        ctx.content_width,
    )
    img = dom.el(
        "img", {"src": urljoin(ctx.site_url, png.lstrip("/")), "alt": alt, "width": str(width)}
    )
    if height and width <= NARROWEST_COLUMN:
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
        state.lose(f"a card could not be read ({exc}); it was left out of the email")
        dom.remove(node)
        return
    site_url = state.ctx.site_url

    def image_url(image: cards.LocalImage) -> str:
        return urljoin(site_url, image.path.lstrip("/"))

    email = cards.email_html(card, image_url, state.ctx.strings)
    dom.replace(node, list(dom.parse(email).children))


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
        if span.has_class("linenos"):
            # Inline line numbers (linenums_style: inline or pymdownx-inline).
            number = (span.get("data-linenos") or span.text()).rstrip()
            span.children = []
            span.append(Text(f"{number} "))
        style = inline_style_for(span.classes)
        if style:
            span.attrs = {"style": style}
        else:
            dom.unwrap(span)
    node.attrs = {"class": "mh-e-code"}
    for code in node.find_all(lambda e: e.tag == "code"):
        code.attrs = {"class": "mh-e-code__text"}
    node.attrs["style"] = f"background-color:{CODE_BACKGROUND}"
    constructs.wrapping_lines(node)


def _is_inline_code(e: Element) -> bool:
    return e.tag == "code" and e.has_class("highlight")


def _inline_code(node: Element) -> None:
    """Inline code highlighted by ``pymdownx.inlinehilite``: its token colours inline."""
    if node.parent is None or node.parent.tag == "pre":
        return
    for span in node.find_all(lambda e: e.tag == "span"):
        style = inline_style_for(span.classes)
        if style:
            span.attrs = {"style": style}
        else:
            dom.unwrap(span)
    node.attrs = {}


def _task_lists(root: Element) -> None:
    for box in root.find_all(lambda e: e.tag == "input" and e.get("type") == "checkbox"):
        mark = "☑ " if "checked" in box.attrs else "☐ "
        label = box.parent
        dom.replace(box, [Text(mark)])
        if label is not None and label.tag == "label" and label.has_class("task-list-control"):
            for span in label.find_all(lambda e: e.has_class("task-list-indicator")):
                dom.remove(span)
            dom.unwrap(label)


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
        state.lose("an image without a usable src (data: URI or empty) was left out")
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
            alt = img.get("alt") or ctx.strings.text("email.image_alt")
            state.lose(
                f"image {src} is an SVG, which Gmail and Outlook do not show; the email links "
                "to the web page instead (install rsvg-convert to draw it as a PNG, or put a "
                "PNG of the same name next to it)"
            )
            note = dom.el("em", {"class": "mh-e-missing"}, f"[{alt}] ")
            note.append(dom.el("a", {"href": ctx.page_url}, ctx.strings.text("email.image_on_web")))
            dom.replace(img, [note])
            return
    img.attrs["src"] = src
    if "alt" not in img.attrs or img.attrs["alt"] is None:
        img.attrs["alt"] = ""
        state.warnings.append(f"image {src} has no alt text")
    styled = re.search(r"(?:^|;)\s*width\s*:\s*([0-9.]+)px", img.get("style"))
    if not img.get("width") and styled:
        img.attrs["width"] = styled.group(1)  # { style="width: 200px" } of attr_list
    width = _int(img.get("width"), 0) if img.get("width") else 0
    height = _int(img.get("height"), 0) if width and img.get("height") else 0
    local = _local_file(src, ctx)
    size = image_size(local) if local is not None else None
    if size is not None and (not width or width > size[0]):
        # Never wider than the image itself: a small image is not blown up.
        height = round(height * size[0] / width) if width and height else size[1]
        width = size[0]
    elif size is not None and not height:
        height = round(size[1] * width / size[0])
    if not width:
        # Shown at its own size (max-width: 100%), never stretched to the column.
        img.attrs.pop("width", None)
        img.attrs.pop("height", None)
        state.warnings.append(
            f"size of image {src} is unknown (not a file of the built site); it is shown at "
            "its own size, at most the column's width"
        )
        if "class" not in img.attrs or not img.get("class"):
            img.attrs["class"] = "mh-e-image"
        return
    fitted_w, fitted_h = _fit(width, height or None, ctx.content_width)
    img.attrs["width"] = str(fitted_w)
    if fitted_h and fitted_w <= NARROWEST_COLUMN:
        img.attrs["height"] = str(fitted_h)
    else:
        # Narrowed by max-width on a phone: its height follows from its own proportions
        # (a height attribute would stretch it, and Yahoo ignores CSS height: auto).
        img.attrs.pop("height", None)
    if "class" not in img.attrs or not img.get("class"):
        img.attrs["class"] = "mh-e-image"
