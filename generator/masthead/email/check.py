"""``masthead email check``: what the email uses that mail clients do not fully support.

Each HTML element and attribute, CSS property and value, at-rule, selector and
image format the email uses is looked up in the caniemail support data
(https://www.caniemail.com, MIT). For each checked client (by default Gmail
desktop and mobile, Outlook for Windows, Outlook.com, Apple Mail and Yahoo
Mail; ``--clients`` picks others), the newest tested version's support is
reported when it is ``n`` (not supported) or ``a`` (partial), with the data's
notes and where the email uses the feature. Any ``n`` fails the check.

A use counts only for the clients that read it: a rule of the ``<style>``
sheet not for a client that drops ``<style>``, a rule inside ``@media`` not
for a client without media queries (the ``<style>`` or ``@media`` itself is
what is reported there), markup inside ``<!--[if mso]>`` only for Outlook for
Windows, and markup inside ``<!--[if !mso]><!-->`` or under ``mso-hide: all``
not for it.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import MastheadError
from . import dom

CANIEMAIL_URL = "https://www.caniemail.com/api/data.json"
ENV_VAR = "MASTHEAD_CANIEMAIL"
CACHE_NAME = "caniemail.json"
CACHE_MAX_AGE = 30 * 24 * 3600
"""A downloaded copy is refreshed after 30 days."""


@dataclass(frozen=True)
class Client:
    family: str
    """The caniemail family (``gmail``, ``outlook``, ``yahoo``, ...)."""
    platform: str
    """The caniemail platform of that family (``desktop-webmail``, ``ios``, ``windows``, ...)."""
    name: str

    @property
    def word(self) -> bool:
        """Outlook for Windows (Word's renderer): the only client that reads ``[if mso]``."""
        return self.family == "outlook" and self.platform == "windows"


CLIENT_SETS: dict[str, tuple[Client, ...]] = {
    "gmail-desktop": (Client("gmail", "desktop-webmail", "Gmail (desktop webmail)"),),
    "gmail-mobile": (
        Client("gmail", "ios", "Gmail (iOS app)"),
        Client("gmail", "android", "Gmail (Android app)"),
    ),
    "outlook-windows": (Client("outlook", "windows", "Outlook (Windows)"),),
    "outlook-com": (Client("outlook", "outlook-com", "Outlook.com"),),
    "apple-mail": (
        Client("apple-mail", "macos", "Apple Mail (macOS)"),
        Client("apple-mail", "ios", "Apple Mail (iOS)"),
    ),
    "yahoo": (Client("yahoo", "desktop-webmail", "Yahoo Mail (desktop webmail)"),),
    "gmail-mobile-webmail": (Client("gmail", "mobile-webmail", "Gmail (mobile webmail)"),),
    "yahoo-mobile": (
        Client("yahoo", "ios", "Yahoo Mail (iOS app)"),
        Client("yahoo", "android", "Yahoo Mail (Android app)"),
    ),
    "outlook-mac": (Client("outlook", "macos", "Outlook (macOS)"),),
    "outlook-mobile": (
        Client("outlook", "ios", "Outlook (iOS)"),
        Client("outlook", "android", "Outlook (Android)"),
    ),
    "windows-mail": (Client("outlook", "windows-mail", "Windows Mail"),),
    "aol": (Client("aol", "desktop-webmail", "AOL (desktop webmail)"),),
    "samsung-email": (Client("samsung-email", "android", "Samsung Email (Android)"),),
    "thunderbird": (
        Client("thunderbird", "windows", "Thunderbird (Windows)"),
        Client("thunderbird", "macos", "Thunderbird (macOS)"),
    ),
    "protonmail": (Client("protonmail", "desktop-webmail", "Proton Mail (desktop webmail)"),),
    "fastmail": (Client("fastmail", "desktop-webmail", "Fastmail"),),
    "hey": (Client("hey", "desktop-webmail", "HEY"),),
}
"""The names ``--clients`` takes, each a set of caniemail family/platform pairs."""

DEFAULT_CLIENT_NAMES: tuple[str, ...] = (
    "gmail-desktop",
    "gmail-mobile",
    "outlook-windows",
    "outlook-com",
    "apple-mail",
    "yahoo",
)
DEFAULT_CLIENTS: tuple[Client, ...] = tuple(
    c for name in DEFAULT_CLIENT_NAMES for c in CLIENT_SETS[name]
)
"""The clients checked when none are given."""


def clients_help() -> str:
    """The names ``--clients`` knows, for ``--help`` and its error messages."""
    return ", ".join(CLIENT_SETS)


def clients_listing() -> str:
    """Each name ``--clients`` knows and the clients it stands for, one per line."""
    width = max(len(name) for name in CLIENT_SETS) + 2
    lines = [
        f"  {name:<{width}}{', '.join(c.name for c in clients)}"
        + (" (default)" if name in DEFAULT_CLIENT_NAMES else "")
        for name, clients in CLIENT_SETS.items()
    ]
    return "\n".join(lines)


def resolve_clients(
    spec: str | None, data: dict[str, dict[str, Any]] | None = None
) -> tuple[Client, ...]:
    """The clients a ``--clients`` value names: comma-separated names of :data:`CLIENT_SETS`,
    ``default`` (the six checked without the option), or ``FAMILY/PLATFORM`` (``FAMILY/*``)
    pairs of the caniemail data (checked against ``data`` when given)."""
    if spec is None:
        return DEFAULT_CLIENTS
    names = [n.strip().lower() for n in spec.split(",") if n.strip()]
    if not names:
        raise MastheadError(f"expected mail client names for --clients: {clients_help()}")
    platforms = _platforms(data) if data is not None else None
    found: list[Client] = []
    for name in names:
        if name == "default":
            found.extend(DEFAULT_CLIENTS)
        elif name in CLIENT_SETS:
            found.extend(CLIENT_SETS[name])
        elif "/" in name:
            found.extend(_pair(name, platforms))
        else:
            raise MastheadError(
                f"unknown mail client {name!r} for --clients; expected comma-separated names "
                f"out of: default, {clients_help()}; or FAMILY/PLATFORM of the caniemail data "
                "(aol/desktop-webmail, or aol/* for all of its platforms)"
            )
    return tuple(dict.fromkeys(found))


def _pair(name: str, platforms: dict[str, list[str]] | None) -> list[Client]:
    family, _, platform = name.partition("/")
    known = {(c.family, c.platform): c for clients in CLIENT_SETS.values() for c in clients}
    if platforms is None:
        wanted = [platform] if platform != "*" else []
    elif family not in platforms:
        raise MastheadError(
            f"unknown mail client {name!r} for --clients: the caniemail data has no family "
            f"{family!r}; its families: {', '.join(sorted(platforms))}"
        )
    elif platform == "*":
        wanted = platforms[family]
    elif platform not in platforms[family]:
        raise MastheadError(
            f"unknown mail client {name!r} for --clients: caniemail's {family!r} has the "
            f"platforms {', '.join(platforms[family])}"
        )
    else:
        wanted = [platform]
    return [known.get((family, p)) or Client(family, p, f"{family} ({p})") for p in wanted]


def _platforms(data: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Each caniemail family and its platforms, in the order the data lists them."""
    found: dict[str, dict[str, None]] = {}
    for feature in data.values():
        for family, platforms in feature["stats"].items():
            if isinstance(platforms, dict):
                found.setdefault(family, {}).update(dict.fromkeys(platforms))
    return {family: list(platforms) for family, platforms in found.items()}


@dataclass(frozen=True)
class Support:
    client: Client
    code: str
    """``y``, ``n``, ``a`` (partial) or ``u`` (unknown)."""
    version: str
    notes: tuple[str, ...] = ()
    used_as: tuple[str, ...] = ()
    """How and where the email uses the feature, of the uses this client reads."""


@dataclass(frozen=True)
class Finding:
    slug: str
    title: str
    category: str
    used_as: tuple[str, ...]
    support: tuple[Support, ...]
    """Only the clients where support is ``n`` or ``a``."""

    @property
    def fails(self) -> bool:
        return any(s.code == "n" for s in self.support)

    @property
    def unsupported(self) -> tuple[Support, ...]:
        return tuple(s for s in self.support if s.code == "n")


# -- loading the data ---------------------------------------------------------


def load_data(path: Path) -> dict[str, dict[str, Any]]:
    """The caniemail features by slug; a clear error when the file is not that data."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MastheadError(f"cannot read the caniemail data: {exc.strerror}", path=path) from exc
    except json.JSONDecodeError as exc:
        raise MastheadError(
            f"invalid JSON ({exc.msg}); expected the caniemail data (api/data.json)",
            path=path,
            line=exc.lineno,
        ) from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("data"), list):
        raise MastheadError(
            "expected the caniemail data: an object with a 'data' list of features", path=path
        )
    return {
        str(item["slug"]): item
        for item in raw["data"]
        if isinstance(item, dict) and "slug" in item and isinstance(item.get("stats"), dict)
    }


def locate_data(option: str | None, project_root: Path, *, url: str = CANIEMAIL_URL) -> Path:
    """The data file: ``--caniemail``, else $MASTHEAD_CANIEMAIL, else a cached download."""
    if option:
        return Path(option)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    cached = project_root / ".cache" / "masthead" / CACHE_NAME
    if cached.is_file() and time.time() - cached.stat().st_mtime < CACHE_MAX_AGE:
        return cached
    return download_data(cached, url)


def download_data(target: Path, url: str = CANIEMAIL_URL) -> Path:
    """Download the caniemail data into ``target`` (atomically); keep an old copy on failure."""
    import httpx

    from .._io import atomic_write

    try:
        response = httpx.get(url, timeout=30, follow_redirects=True)
        response.raise_for_status()
        json.loads(response.content)
    except (httpx.HTTPError, ValueError) as exc:
        if target.is_file():
            return target
        raise MastheadError(
            f"cannot download the caniemail data from {url} ({exc}); pass --caniemail FILE "
            f"or set {ENV_VAR}"
        ) from exc
    atomic_write(target, response.content)
    return target


# -- what the email uses ------------------------------------------------------

_HTML_SLUG = {
    **{f"h{i}": "html-h1-h6" for i in range(1, 7)},
    **dict.fromkeys(("ul", "ol", "li", "dl", "dt", "dd"), "html-lists"),
    **dict.fromkeys(("table", "tr", "td", "th", "tbody", "thead", "tfoot"), "html-table"),
    **dict.fromkeys(
        (
            "article",
            "section",
            "header",
            "footer",
            "nav",
            "main",
            "aside",
            "figure",
            "figcaption",
            "mark",
            "time",
        ),
        "html-semantics",
    ),
    "b": "html-strong",
    "strong": "html-strong",
    "s": "html-strike",
    "strike": "html-strike",
    "input": "html-input-text",
}
_ATTR_SLUG = {
    "align": "html-align",
    "valign": "html-valign",
    "width": "html-width",
    "height": "html-height",
    "cellpadding": "html-cellpadding",
    "cellspacing": "html-cellspacing",
    "role": "html-role",
    "lang": "html-lang",
    "dir": "html-dir",
    "background": "html-background",
    "target": "html-target",
    "loading": "html-loading-attribute",
    "srcset": "html-srcset",
    "hidden": "html-hidden",
    "aria-label": "html-aria-label",
    "aria-hidden": "html-aria-hidden",
    "aria-describedby": "html-aria-describedby",
    "aria-labelledby": "html-aria-labelledby",
    "aria-live": "html-aria-live",
}
_CSS_SPECIAL = {
    "border-top-left-radius": "css-border-radius",
    "border-top-right-radius": "css-border-radius",
    "border-bottom-left-radius": "css-border-radius",
    "border-bottom-right-radius": "css-border-radius",
}
_UNITS = {
    "px": "css-unit-px",
    "em": "css-unit-em",
    "rem": "css-unit-rem",
    "%": "css-unit-percent",
    "vh": "css-unit-vh",
    "vw": "css-unit-vw",
    "vmin": "css-unit-vmin",
    "vmax": "css-unit-vmax",
    "pt": "css-unit-pt",
    "ch": "css-unit-ch",
    "ex": "css-unit-ex",
    "cm": "css-unit-cm",
    "mm": "css-unit-mm",
    "in": "css-unit-in",
    "pc": "css-unit-pc",
}
_UNIT_RE = re.compile(
    r"(?<![\w#-])\d*\.?\d+(px|rem|em|%|vh|vw|vmin|vmax|pt|ch|ex|cm|mm|in|pc)\b|"
    r"(?<![\w#-])\d*\.?\d+(%)"
)
_FUNCS = {
    "rgb(": "css-rgb",
    "rgba(": "css-rgba",
    "linear-gradient(": "css-linear-gradient",
    "radial-gradient(": "css-radial-gradient",
    "conic-gradient(": "css-conic-gradient",
    "calc(": "css-unit-calc",
    "var(": "css-variables",
    "clamp(": "css-function-clamp",
    "min(": "css-function-min",
    "max(": "css-function-max",
    "light-dark(": "css-function-light-dark",
}
_IMAGE_EXT = {
    ".png": "image-png",
    ".jpg": "image-jpg",
    ".jpeg": "image-jpg",
    ".gif": "image-gif",
    ".webp": "image-webp",
    ".svg": "image-svg",
    ".avif": "image-avif",
    ".bmp": "image-bmp",
    ".ico": "image-ico",
    ".tif": "image-tiff",
    ".tiff": "image-tiff",
    ".heic": "image-heif",
}


def _css_property_slug(prop: str, known: set[str]) -> str | None:
    prop = prop.strip().lower()
    if not prop or prop.startswith(("-", "mso-")):
        return None
    if prop in _CSS_SPECIAL:
        return _CSS_SPECIAL[prop]
    parts = prop.split("-")
    for end in range(len(parts), 0, -1):
        slug = "css-" + "-".join(parts[:end])
        if slug in known:
            return slug
    return None


def _declarations(css: str) -> Iterable[tuple[str, str]]:
    for decl in css.split(";"):
        name, sep, value = decl.partition(":")
        if sep and name.strip():
            yield name.strip().lower(), value.strip()


IN_STYLE = "style"
"""Scope of a use in a ``<style>`` sheet: read only by clients that keep ``<style>``."""
IN_MEDIA = "media"
"""Scope of a use inside ``@media``: read only by clients that support media queries."""
MSO_ONLY = "mso-only"
"""Scope of a use inside ``<!--[if mso]> ... <![endif]-->``: read by Outlook for Windows only."""
NOT_MSO = "not-mso"
"""Scope of a use Outlook for Windows never reads: inside ``<!--[if !mso]><!--> ...
<!--<![endif]-->``, or on an element it hides (``mso-hide: all``)."""


@dataclass(frozen=True)
class Use:
    """One way the email uses a feature: what (``height: auto``) and where (``<img
    class="mh-e-image">``), and in which scope (see :data:`IN_STYLE` and the others)."""

    what: str
    where: str = ""
    scope: frozenset[str] = field(default=frozenset())

    def __str__(self) -> str:
        return f"{self.what} on {self.where}" if self.where else self.what


Uses = dict[str, set[Use]]


def _add(uses: Uses, known: set[str], slug: str | None, use: Use) -> None:
    if slug and slug in known:
        uses.setdefault(slug, set()).add(use)


def _short(value: str, limit: int = 40) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _css_uses(
    css_decls: str, known: set[str], uses: Uses, where: str, scope: frozenset[str]
) -> None:
    def add(slug: str | None, what: str) -> None:
        _add(uses, known, slug, Use(what, where, scope))

    for name, value in _declarations(css_decls):
        add(_css_property_slug(name, known), f"{name}: {_short(value)}")
        lowered = value.lower()
        bare = lowered.replace("!important", "").strip()
        if name == "display" and bare in ("none", "flex", "grid"):
            add(f"css-display-{bare}", f"display: {bare}")
        if "!important" in lowered:
            add("css-important", f"{name}: … !important")
        for func, slug in _FUNCS.items():
            if func in lowered:
                add(slug, func + ")")
        for match in _UNIT_RE.finditer(lowered):
            unit = match.group(1) or match.group(2)
            add(_UNITS.get(unit), f"unit {unit}")


@dataclass(frozen=True)
class _Block:
    """A statement of a style sheet: a rule (``head`` is its selectors) or an at-rule
    (``head`` starts with ``@``); ``body`` is what is between its braces, ``None`` for a
    statement ending in ``;``."""

    head: str
    body: str | None


def _blocks(css: str) -> Iterator[_Block]:
    """The top-level statements of ``css`` (comments removed), with nested braces kept
    together, so that the rules inside ``@media { ... }`` can be read as a sheet again."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    i, n = 0, len(css)
    while i < n:
        match = re.compile(r"[{};]").search(css, i)
        if match is None:
            return
        j = match.start()
        head = css[i:j].strip()
        if css[j] != "{":
            if css[j] == ";" and head.startswith("@"):
                yield _Block(head, None)
            i = j + 1
            continue
        depth, k = 1, j + 1
        while k < n and depth:
            if css[k] == "{":
                depth += 1
            elif css[k] == "}":
                depth -= 1
            k += 1
        yield _Block(head, css[j + 1 : k - 1] if depth == 0 else css[j + 1 :])
        i = k


_MEDIA_FEATURES = (
    ("prefers-color-scheme", "css-at-media-prefers-color-scheme"),
    ("prefers-reduced-motion", "css-at-media-prefers-reduced-motion"),
    ("orientation", "css-at-media-orientation"),
    ("hover", "css-at-media-hover"),
    ("device-pixel-ratio", "css-at-media-device-pixel-ratio"),
)
_GROUPS = frozenset({"media", "supports", "document", "layer", "container"})
"""At-rules whose block holds rules (the others' blocks hold declarations)."""


def _style_sheet_uses(
    css: str,
    known: set[str],
    uses: Uses,
    scope: frozenset[str],
    context: str = "<style>",
) -> None:
    def add(slug: str, what: str, where: str = context, in_scope: frozenset[str] = scope) -> None:
        _add(uses, known, slug, Use(what, where, in_scope))

    if "/*" in css:
        add("css-comments", "/* comment */")
    for block in _blocks(css):
        if block.head.startswith("@"):
            rule, _, prelude = block.head[1:].partition(" ")
            rule, prelude = rule.lower(), " ".join(prelude.split())
            if rule == "media":
                add("css-at-media", f"@media {prelude}")
                for feature, slug in _MEDIA_FEATURES:
                    if feature in prelude:
                        add(slug, f"@media {prelude}")
            else:
                add(f"css-at-{rule}", f"@{rule}")
            if block.body is None:
                continue
            inner = f"{context} @{rule} {prelude}".rstrip()  # "<style> @media screen ..."
            if rule in _GROUPS:
                inner_scope = scope | {IN_MEDIA} if rule == "media" else scope
                _style_sheet_uses(block.body, known, uses, inner_scope, inner)
            else:
                _css_uses(block.body, known, uses, inner, scope)
            continue
        selectors = " ".join(block.head.split())
        where = f"{selectors} in {context}"
        _css_uses(block.body or "", known, uses, where, scope)
        if "," in selectors:
            add("css-selector-grouping", selectors, where)
        for sel in selectors.split(","):
            sel = sel.strip()
            for mark, slug in (
                (".", "css-selector-class"),
                ("#", "css-selector-id"),
                ("[", "css-selector-attribute"),
                (">", "css-selector-child"),
                ("+", "css-selector-adjacent-sibling"),
                ("~", "css-selector-general-sibling"),
            ):
                if mark in sel:
                    add(slug, sel, where)
            if re.search(r"[\w\])]\s+[\w.#\[*]", sel):
                add("css-selector-descendant", sel, where)
            if re.match(r"^[a-z]", sel):
                add("css-selector-type", sel, where)
            for pseudo in re.findall(r"::?([a-z-]+)", sel):
                kind = "element" if f"::{pseudo}" in sel else "class"
                add(f"css-pseudo-{kind}-{pseudo}", sel, where)


def _tag(node: dom.Element) -> str:
    cls = " ".join(node.classes)
    extra = f' class="{cls}"' if cls else ""
    if node.tag == "img" and node.get("src"):
        name = urlsplit(node.get("src")).path.rsplit("/", 1)[-1]
        extra += f' src="…/{_short(name, 30)}"'
    return f"<{node.tag}{extra}>"


def _describe(node: dom.Element) -> str:
    """The element, and the nearest enclosing element that has a class (the inlined email
    keeps few classes) or is ``<head>``/``<body>``: ``<img src="…/a.png"> in <td class="x">``."""
    if node.classes:
        return _tag(node)
    parent = node.parent
    while parent is not None and parent.tag != "#root":
        if parent.classes or parent.tag in ("head", "body"):
            return f"{_tag(node)} in {_tag(parent)}"
        parent = parent.parent
    return _tag(node)


_CONDITIONAL = re.compile(r"^\[if\s+([^\]]*)\]>(.*)<!\[endif\]\s*$", re.S | re.I)
_REVEALED_START = re.compile(r"^\[if\s+!\s*mso[^\]]*\]><!\s*$", re.I)
_REVEALED_END = re.compile(r"^\s*<!\[endif\]\s*$", re.I)
_MSO_HIDE = re.compile(r"(?:^|;)\s*mso-hide\s*:\s*all\b", re.I)


class _Walk:
    """Reads the email's tree in document order, keeping track of what Outlook for
    Windows reads (conditional comments, ``mso-hide: all``)."""

    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.uses: Uses = {}
        self.revealed = 0
        """Depth of ``<!--[if !mso]><!-->`` blocks open here (hidden from Outlook)."""

    def add(self, slug: str, what: str, where: str, scope: frozenset[str]) -> None:
        _add(self.uses, self.known, slug, Use(what, where, scope))

    def children(self, node: dom.Element, scope: frozenset[str], hidden: bool) -> None:
        for child in node.children:
            if isinstance(child, dom.Element):
                self.element(child, scope, hidden)
            elif isinstance(child, dom.Comment):
                self.comment(child, scope, hidden)

    def comment(self, node: dom.Comment, scope: frozenset[str], hidden: bool) -> None:
        data = node.data
        if _REVEALED_START.match(data):
            self.revealed += 1
            return
        if _REVEALED_END.match(data):
            self.revealed = max(0, self.revealed - 1)
            return
        match = _CONDITIONAL.match(data)
        if match and "mso" in match.group(1).lower() and "!" not in match.group(1):
            # Markup in a downlevel-hidden conditional comment: Outlook for Windows only.
            fragment = dom.parse(match.group(2))
            for child in fragment.children:
                child.parent = node.parent  # where it is, for the report (not a real child)
            self.children(fragment, scope | {MSO_ONLY}, hidden)

    def element(self, node: dom.Element, scope: frozenset[str], hidden: bool) -> None:
        tag = node.tag
        style = node.get("style")
        # mso-hide: all hides the element and what is in it, but not a nested table.
        hidden = (hidden and tag != "table") or bool(_MSO_HIDE.search(style))
        here = scope | {NOT_MSO} if hidden or self.revealed else scope
        where = _describe(node)
        self.add(_HTML_SLUG.get(tag, f"html-{tag}"), where, "", here)
        if any(isinstance(c, dom.Comment) for c in node.children):
            self.add("html-comments", "<!-- -->", where, here)
        if tag == "meta" and node.get("name").lower() == "color-scheme":
            self.add("html-meta-color-scheme", '<meta name="color-scheme">', where, here)
        if tag == "a":
            href = node.get("href")
            if href.startswith("#"):
                self.add("html-anchor-links", f'<a href="{_short(href)}">', where, here)
            elif href.lower().startswith("mailto:"):
                self.add("html-mailto-links", "<a href=mailto:>", where, here)
        if tag == "input":
            kind = node.get("type") or "text"
            self.add(f"html-input-{kind}", f"<input type={kind}>", where, here)
        for name in node.attrs:
            if name in _ATTR_SLUG:
                self.add(_ATTR_SLUG[name], f"{name}=", where, here)
        if style:
            _css_uses(style, self.known, self.uses, where, here)
        if tag == "style":
            _style_sheet_uses(dom.inner_html(node), self.known, self.uses, here | {IN_STYLE})
        if tag == "img":
            src = node.get("src")
            if src.lower().startswith("data:"):
                self.add("image-base64", "data: URI", where, here)
            ext = os.path.splitext(urlsplit(src).path.lower())[1]
            if ext in _IMAGE_EXT:
                self.add(_IMAGE_EXT[ext], f"{ext} image", where, here)
        self.children(node, scope, hidden)


def feature_uses(html: str, known: set[str]) -> Uses:
    """caniemail slug -> each way and place the email uses it."""
    walk = _Walk(known)
    root = dom.parse(html)
    revealed = False  # inside <!--[if !mso]><!--> ... <!--<![endif]-->
    for node in root.children:
        if isinstance(node, dom.Comment):
            if _REVEALED_START.match(node.data.strip()):
                revealed = True
            elif _REVEALED_END.match(node.data):
                revealed = False
        # caniemail's html-doctype is the HTML5 doctype; older ones have no entry.
        if isinstance(node, dom.Decl) and re.fullmatch(r"doctype\s+html\s*", node.data, re.I):
            scope = frozenset({NOT_MSO}) if revealed else frozenset()
            walk.add("html-doctype", f"<!{node.data}>", "", scope)
    walk.children(root, frozenset(), False)
    return walk.uses


def features_used(html: str, known: set[str]) -> dict[str, set[str]]:
    """caniemail slug -> how the email uses it (``<table> on <td class="x">``, ...)."""
    return {slug: {str(u) for u in uses} for slug, uses in feature_uses(html, known).items()}


# -- the check ----------------------------------------------------------------


def _latest(stats: dict[str, Any], client: Client) -> tuple[str, str, tuple[str, ...]] | None:
    versions = stats.get(client.family, {}).get(client.platform)
    if not isinstance(versions, dict) or not versions:
        return None
    version, value = list(versions.items())[-1]
    code, *refs = str(value).split() or ["u"]
    return code, str(version), tuple(r.lstrip("#") for r in refs if r.startswith("#"))


def _code(data: dict[str, dict[str, Any]], slug: str, client: Client) -> str:
    feature = data.get(slug)
    latest = _latest(feature["stats"], client) if feature else None
    return latest[0] if latest else "u"


def reads(use: Use, client: Client, data: dict[str, dict[str, Any]]) -> bool:
    """Whether ``client`` reads this use at all (see the scopes above :class:`Use`)."""
    if MSO_ONLY in use.scope and not client.word:
        return False
    if NOT_MSO in use.scope and client.word:
        return False
    if IN_STYLE in use.scope and _code(data, "html-style", client) == "n":
        return False
    return not (IN_MEDIA in use.scope and _code(data, "css-at-media", client) == "n")


def _ordered(uses: Iterable[Use]) -> tuple[str, ...]:
    return tuple(sorted({str(u) for u in uses}))


def check_html(
    html: str, data: dict[str, dict[str, Any]], clients: Sequence[Client] = DEFAULT_CLIENTS
) -> list[Finding]:
    """Every feature the email uses that a checked client does not fully support."""
    findings: list[Finding] = []
    for slug, uses in sorted(feature_uses(html, set(data)).items()):
        feature = data[slug]
        notes_by_num = feature.get("notes_by_num") or {}
        support: list[Support] = []
        for client in clients:
            read = [u for u in uses if reads(u, client, data)]
            latest = _latest(feature["stats"], client) if read else None
            if latest is None:
                continue
            code, version, refs = latest
            if code in ("n", "a"):
                notes = tuple(str(notes_by_num[r]) for r in refs if r in notes_by_num)
                support.append(Support(client, code, version, notes, _ordered(read)))
        if support:
            findings.append(
                Finding(
                    slug=slug,
                    title=str(feature.get("title", slug)),
                    category=str(feature.get("category", "")),
                    used_as=_ordered(uses),
                    support=tuple(support),
                )
            )
    return findings


def _listed(items: Sequence[str], limit: int = 4) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def unsupported_lines(findings: list[Finding]) -> list[str]:
    """One line per feature and client that does not support it, saying where it is used."""
    return [
        f"{s.client.name} {s.version} does not support {f.title} (`{f.slug}`), "
        f"used as {_listed(s.used_as)}"
        for f in findings
        for s in f.unsupported
    ]


def report_markdown(findings: list[Finding]) -> str:
    """The findings as a Markdown table (what the README's table is made from)."""
    lines = [
        "| feature | used as | client | support | notes |",
        "|---|---|---|---|---|",
    ]
    for f in findings:
        for s in f.support:
            label = "not supported" if s.code == "n" else "partial"
            notes = " ".join(s.notes).replace("|", "\\|").replace("\n", " ")
            used = _listed(s.used_as).replace("|", "\\|")
            lines.append(
                f"| {f.title} (`{f.slug}`) | {used} | {s.client.name} {s.version} | {label} | "
                f"{notes} |"
            )
    return "\n".join(lines)
