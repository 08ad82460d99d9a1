"""``masthead email check``: what the email uses that mail clients do not fully support.

Each HTML element and attribute, CSS property and value, at-rule, selector and
image format the email uses is looked up in the caniemail support data
(https://www.caniemail.com, MIT). For Gmail (desktop webmail), Outlook
(Windows) and Apple Mail (macOS and iOS), the newest tested version's support
is reported when it is ``n`` (not supported) or ``a`` (partial), with the
data's notes.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
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
    platform: str
    name: str
    strict: bool
    """Whether ``n`` here fails the check (Gmail and Apple Mail do; Outlook is informational)."""


CLIENTS: tuple[Client, ...] = (
    Client("gmail", "desktop-webmail", "Gmail (desktop webmail)", True),
    Client("outlook", "windows", "Outlook (Windows)", False),
    Client("apple-mail", "macos", "Apple Mail (macOS)", True),
    Client("apple-mail", "ios", "Apple Mail (iOS)", True),
)


@dataclass(frozen=True)
class Support:
    client: Client
    code: str
    """``y``, ``n``, ``a`` (partial) or ``u`` (unknown)."""
    version: str
    notes: tuple[str, ...] = ()


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
        return any(s.code == "n" and s.client.strict for s in self.support)


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


def _css_uses(css_decls: str, known: set[str], uses: dict[str, set[str]]) -> None:
    def add(slug: str | None, what: str) -> None:
        if slug and slug in known:
            uses.setdefault(slug, set()).add(what)

    for name, value in _declarations(css_decls):
        add(_css_property_slug(name, known), name)
        lowered = value.lower()
        if name == "display" and lowered.replace("!important", "").strip() in (
            "none",
            "flex",
            "grid",
        ):
            add(f"css-display-{lowered.replace('!important', '').strip()}", f"display: {value}")
        if "!important" in lowered:
            add("css-important", "!important")
        for func, slug in _FUNCS.items():
            if func in lowered:
                add(slug, func + ")")
        for match in _UNIT_RE.finditer(lowered):
            unit = match.group(1) or match.group(2)
            add(_UNITS.get(unit), f"unit {unit}")


def _style_sheet_uses(css: str, known: set[str], uses: dict[str, set[str]]) -> None:
    def add(slug: str, what: str) -> None:
        if slug in known:
            uses.setdefault(slug, set()).add(what)

    if "/*" in css:
        add("css-comments", "/* comment */")
    for at in re.finditer(r"@([a-z-]+)\s*([^{;]*)", css, re.I):
        rule, prelude = at.group(1).lower(), at.group(2).strip()
        if rule == "media":
            add("css-at-media", f"@media {prelude}")
            for feature, slug in (
                ("prefers-color-scheme", "css-at-media-prefers-color-scheme"),
                ("prefers-reduced-motion", "css-at-media-prefers-reduced-motion"),
                ("orientation", "css-at-media-orientation"),
                ("hover", "css-at-media-hover"),
                ("device-pixel-ratio", "css-at-media-device-pixel-ratio"),
            ):
                if feature in prelude:
                    add(slug, f"@media {prelude}")
        else:
            add(f"css-at-{rule}", f"@{rule}")
    for block in re.finditer(r"([^{}@]+)\{([^{}]*)\}", css):
        selectors, body = block.group(1).strip(), block.group(2)
        _css_uses(body, known, uses)
        if "," in selectors:
            add("css-selector-grouping", selectors)
        for sel in selectors.split(","):
            sel = sel.strip()
            if "." in sel:
                add("css-selector-class", sel)
            if "#" in sel:
                add("css-selector-id", sel)
            if "[" in sel:
                add("css-selector-attribute", sel)
            if ">" in sel:
                add("css-selector-child", sel)
            if "+" in sel:
                add("css-selector-adjacent-sibling", sel)
            if "~" in sel:
                add("css-selector-general-sibling", sel)
            if re.search(r"[\w\])]\s+[\w.#\[*]", sel):
                add("css-selector-descendant", sel)
            if re.match(r"^[a-z]", sel):
                add("css-selector-type", sel)
            for pseudo in re.findall(r"::?([a-z-]+)", sel):
                kind = "element" if f"::{pseudo}" in sel else "class"
                add(f"css-pseudo-{kind}-{pseudo}", sel)


def features_used(html: str, known: set[str]) -> dict[str, set[str]]:
    """caniemail slug -> how the email uses it (``<table>``, ``padding-top``, ...)."""
    uses: dict[str, set[str]] = {}

    def add(slug: str, what: str) -> None:
        if slug in known:
            uses.setdefault(slug, set()).add(what)

    root = dom.parse(html)
    for node in root.children:
        if isinstance(node, dom.Decl) and node.data.lower().startswith("doctype"):
            add("html-doctype", f"<!{node.data}>")
    for node in root.iter():
        if node is root:
            continue
        tag = node.tag
        add(_HTML_SLUG.get(tag, f"html-{tag}"), f"<{tag}>")
        if any(isinstance(c, dom.Comment) for c in node.children):
            add("html-comments", "<!-- -->")
        if tag == "meta" and node.get("name").lower() == "color-scheme":
            add("html-meta-color-scheme", '<meta name="color-scheme">')
        if tag == "a":
            href = node.get("href")
            if href.startswith("#"):
                add("html-anchor-links", f'<a href="{href}">')
            elif href.lower().startswith("mailto:"):
                add("html-mailto-links", "<a href=mailto:>")
        if tag == "input":
            add(f"html-input-{node.get('type') or 'text'}", f"<input type={node.get('type')}>")
        for name in node.attrs:
            if name in _ATTR_SLUG:
                add(_ATTR_SLUG[name], f"{name}= on <{tag}>")
        if node.get("style"):
            _css_uses(node.get("style"), known, uses)
        if tag == "style":
            _style_sheet_uses(dom.inner_html(node), known, uses)
        if tag == "img":
            src = node.get("src")
            if src.lower().startswith("data:"):
                add("image-base64", "data: URI")
            ext = os.path.splitext(urlsplit(src).path.lower())[1]
            if ext in _IMAGE_EXT:
                add(_IMAGE_EXT[ext], f"{ext} image")
    return uses


# -- the check ----------------------------------------------------------------


def _latest(stats: dict[str, Any], client: Client) -> tuple[str, str, tuple[str, ...]] | None:
    versions = stats.get(client.family, {}).get(client.platform)
    if not isinstance(versions, dict) or not versions:
        return None
    version, value = list(versions.items())[-1]
    code, *refs = str(value).split()
    return code, str(version), tuple(r.lstrip("#") for r in refs if r.startswith("#"))


def check_html(html: str, data: dict[str, dict[str, Any]]) -> list[Finding]:
    """Every feature the email uses that a checked client does not fully support."""
    findings: list[Finding] = []
    for slug, used in sorted(features_used(html, set(data)).items()):
        feature = data[slug]
        notes_by_num = feature.get("notes_by_num") or {}
        support: list[Support] = []
        for client in CLIENTS:
            latest = _latest(feature["stats"], client)
            if latest is None:
                continue
            code, version, refs = latest
            if code in ("n", "a"):
                notes = tuple(str(notes_by_num[r]) for r in refs if r in notes_by_num)
                support.append(Support(client, code, version, notes))
        if support:
            findings.append(
                Finding(
                    slug=slug,
                    title=str(feature.get("title", slug)),
                    category=str(feature.get("category", "")),
                    used_as=tuple(sorted(used))[:4],
                    support=tuple(support),
                )
            )
    return findings


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
            used = ", ".join(f.used_as).replace("|", "\\|")
            lines.append(
                f"| {f.title} (`{f.slug}`) | {used} | {s.client.name} {s.version} | {label} | "
                f"{notes} |"
            )
    return "\n".join(lines)
