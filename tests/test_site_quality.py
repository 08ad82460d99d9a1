"""What a reader's browser makes of the built site: every page of the example
and of a publication made by ``masthead init``, served on loopback and opened
in headless Chromium, loads without a console error or a failed request;
text keeps a 4.5:1 contrast in the light and the dark scheme; links in
running text stand out by more than their colour; feeds stay discoverable."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from masthead.cli import main

from .support import build_site, copy_project, fetch_text, serve_directory

MIN_CONTRAST = 4.5
"""WCAG 2 level AA for text (1.4.3)."""

SCHEMES = ("default", "slate")
"""Material's light and dark colour schemes (``data-md-color-scheme``)."""

TEXT = '[class^="mh-"], [class*=" mh-"], .md-copyright, .md-content, .md-footer'
"""masthead's own elements, the copyright line, and the rest of what is read."""

NO_TRANSITIONS = (
    "*, *::before, *::after { transition: none !important; animation: none !important; }"
)
"""Colours change at once when the scheme is switched, not over Material's transitions."""

CONTRAST_JS = """
(selector) => {
  const parse = (text) => {
    const m = text.match(/^rgba?\\(([^)]*)\\)$/);
    if (!m) throw new Error("unexpected colour " + text);
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) =>
    [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  // The backgrounds from the element up to the first opaque one, composited.
  const background = (el) => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    const opaque = layers.length && layers[layers.length - 1][3] >= 1;
    let colour = opaque ? layers.pop() : [255, 255, 255, 1];
    while (layers.length) colour = over(layers.pop(), colour);
    return colour;
  };
  const hex = (c) =>
    "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  const seen = new Set();
  const results = [];
  for (const root of document.querySelectorAll(selector)) {
    for (const el of [root, ...root.querySelectorAll("*")]) {
      if (seen.has(el) || el.closest("svg")) continue;
      seen.add(el);
      const own = [...el.childNodes]
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent)
        .join("")
        .trim();
      if (!own) continue;
      const rect = el.getBoundingClientRect();
      if (rect.width <= 1 || rect.height <= 1) continue;  // visually hidden labels
      if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
      const bg = background(el);
      const fg = over(parse(getComputedStyle(el).color), bg);
      const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
      const classes = typeof el.className === "string" ? el.className.trim().split(/\\s+/) : [];
      results.push({
        element: [el.tagName.toLowerCase(), ...classes.filter(Boolean)].join("."),
        classes: classes,
        text: own.slice(0, 50),
        ratio: (hi + 0.05) / (lo + 0.05),
        fg: hex(fg),
        bg: hex(bg),
      });
    }
  }
  return results;
}
"""
"""Every visible element holding text under ``selector``: its contrast ratio
(WCAG), from its computed colour over its computed background."""

LINKS_JS = """
() => {
  const inline = (el) => getComputedStyle(el).display.startsWith("inline");
  const blockOf = (node) => {
    let el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    while (el && inline(el)) el = el.parentElement;
    return el;
  };
  const results = [];
  for (const link of document.querySelectorAll(".md-content__inner a[href], .md-footer a[href]")) {
    if (!inline(link) || !link.textContent.trim()) continue;
    if (!link.checkVisibility({ visibilityProperty: true })) continue;
    const block = blockOf(link.parentElement);
    if (/^H[1-6]$/.test(block.tagName)) continue;
    // Words of the same block outside any link: the link sits in running text.
    let prose = "";
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      if (!text.parentElement.closest("a") && blockOf(text) === block) prose += text.textContent;
    }
    if (!prose.trim()) continue;
    const style = getComputedStyle(link);
    results.push({
      link: link.outerHTML.slice(0, 160),
      underlined: style.textDecorationLine.includes("underline"),
      bordered: parseFloat(style.borderBottomWidth) > 0 && style.borderBottomStyle !== "none",
      bolder: style.fontWeight !== getComputedStyle(block).fontWeight,
    });
  }
  return results;
}
"""
"""Every visible link in running text of the page or its footer, and what sets it apart."""

PAGE_SCHEMES_JS = """
() => [...document.querySelectorAll("[data-md-component=palette] input[data-md-color-scheme]")]
  .map((input) => input.dataset.mdColorScheme)
"""
"""The colour schemes the page's palette toggle offers (none without a palette)."""


# --- the two sites -----------------------------------------------------------------


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example publication, built."""
    return build_site(copy_project(tmp_path_factory.mktemp("example") / "project"))


@pytest.fixture(scope="module")
def new_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A publication made by ``masthead init``, built as it is."""
    pub = tmp_path_factory.mktemp("init") / "pub"
    assert main(["init", str(pub), "--date", "2025-06-14", "--author", "Ada Lovelace"]) == 0
    return build_site(pub)


@pytest.fixture(params=["example_site", "new_site"])
def site(request: pytest.FixtureRequest) -> Path:
    """Each of the two built sites in turn."""
    return Path(request.getfixturevalue(request.param))


COMPONENTS = {
    "example_site": (
        "mh-post-meta__line",
        "mh-posts__category",
        "mh-posts__badge",
        "mh-series__title",
        "mh-tweet__handle",
        "mh-reading__source",
        "mh-read-more__meta",
        "mh-subscribe__note",
        "mh-author-card__tagline",
        "md-copyright",
    ),
    "new_site": (
        "mh-post-meta__line",
        "mh-reading__source",
        "mh-subscribe__note",
        "mh-author-card__tagline",
        "md-copyright",
    ),
}
"""Text of these classes is on the site's pages, so it must have been checked."""


def page_paths(site: Path) -> list[str]:
    """Every HTML page of ``site`` as a URL path (``blog/`` for ``blog/index.html``)."""
    paths = []
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site).as_posix()
        paths.append(rel.removesuffix("index.html"))
    return paths


def _config(project: Path) -> dict[str, Any]:
    return dict(yaml.load((project / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.Loader))


def blog_dirs(project: Path) -> list[str]:
    plugins = _config(project)["plugins"]
    return [p["blog"]["blog_dir"] for p in plugins if isinstance(p, dict) and "blog" in p]


def configured_schemes(project: Path) -> set[str]:
    """The colour schemes of the project's palette; Material's default without one."""
    palette = _config(project)["theme"].get("palette") or []
    palettes = palette if isinstance(palette, list) else [palette]
    return {p.get("scheme", "default") for p in palettes} or {"default"}


def _record(page: Any, base: str, seen: list[str]) -> None:
    """Note on ``seen`` every console error, page error and failed request of ``page``."""

    def console(message: Any) -> None:
        if message.type == "error":
            seen.append(f"console: {message.text}")

    def response(answer: Any) -> None:
        if answer.status >= 400:
            seen.append(f"{answer.status}: {answer.url}")

    def request(asked: Any) -> None:
        if not asked.url.startswith((base, "data:", "blob:")):
            seen.append(f"off the site: {asked.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    page.on("requestfailed", lambda failed: seen.append(f"failed: {failed.url} {failed.failure}"))
    page.on("response", response)
    page.on("request", request)


# --- every page, in Chromium --------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_every_page_in_chromium(site: Path, browser: Any, request: pytest.FixtureRequest) -> None:
    """Each page, opened once: no console error and no failed request (nor any
    request off the site); text at 4.5:1 or more in every colour scheme the
    site offers; links in running text underlined, bordered or bolder."""
    problems: list[str] = []
    low: dict[tuple[str, str, str, str], list[str]] = {}
    checked: dict[str, set[str]] = {}
    plain: list[str] = []
    links = 0
    paths = page_paths(site)
    with serve_directory(site) as base:
        context = browser.new_context()
        try:
            for path in paths:
                page = context.new_page()
                seen: list[str] = []
                _record(page, base, seen)
                page.goto(base + path, wait_until="load")
                # lazy images too: a broken one fails only once it is fetched
                page.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
                page.wait_for_function("[...document.images].every(i => i.complete)")
                # Material's own requests (search index, sitemaps) come after the load
                page.wait_for_load_state("networkidle")
                problems += [f"/{path}: {problem}" for problem in seen]

                page.add_style_tag(content=NO_TRANSITIONS)
                for scheme in page.evaluate(PAGE_SCHEMES_JS) or ["default"]:
                    page.evaluate(
                        "s => document.body.setAttribute('data-md-color-scheme', s)", scheme
                    )
                    for found in page.evaluate(CONTRAST_JS, TEXT):
                        checked.setdefault(scheme, set()).update(found["classes"])
                        if found["ratio"] < MIN_CONTRAST:
                            key = (scheme, found["element"], found["fg"], found["bg"])
                            where = f"{found['ratio']:.2f} /{path} {found['text']!r}"
                            low.setdefault(key, []).append(where)

                for found in page.evaluate(LINKS_JS):
                    links += 1
                    if not (found["underlined"] or found["bordered"] or found["bolder"]):
                        plain.append(f"/{path}: {found['link']}")
                page.close()
        finally:
            context.close()

    assert len(paths) == len(list(site.rglob("*.html"))) > 1
    assert not problems, "\n".join(problems)

    which = request.node.callspec.params["site"]
    assert set(checked) == configured_schemes(site.parents[1])
    for scheme, classes in checked.items():
        assert set(COMPONENTS[which]) - classes == set(), scheme
    report = [f"{key}: {len(where)} like {where[0]}" for key, where in sorted(low.items())]
    assert not report, "\n".join(report)

    assert links > 0
    assert not plain, "\n".join(plain)


@pytest.mark.browser
def test_feeds_are_discoverable_and_not_taken_for_translations(
    example_site: Path, browser: Any
) -> None:
    """Feed readers find every feed by ``rel`` containing "alternate" and the
    feed's type; Material's language selector, which fetches a sitemap.xml
    next to every ``link[rel=alternate]``, finds none."""
    project = example_site.parents[1]
    with serve_directory(example_site) as base:
        page = browser.new_page()
        try:
            page.goto(base, wait_until="load")
            feeds = page.eval_on_selector_all(
                'link[rel~="alternate"][type="application/rss+xml"],'
                'link[rel~="alternate"][type="application/atom+xml"]',
                "links => links.map(l => l.href)",
            )
            translations = page.eval_on_selector_all("link[rel=alternate]", "ls => ls.length")
        finally:
            page.close()
        assert len(feeds) == 2 * len(blog_dirs(project))
        for url in feeds:
            assert url.startswith(base)
            assert re.search(r"<(rss|feed)\b", fetch_text(url)), url
    assert translations == 0


class _Dialogs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.dialogs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("role") == "dialog":
            self.dialogs.append(found)


def test_every_dialog_has_a_name(site: Path) -> None:
    pages = 0
    for page in site.rglob("*.html"):
        parser = _Dialogs()
        parser.feed(page.read_text(encoding="utf-8"))
        for dialog in parser.dialogs:
            assert (dialog.get("aria-label") or "").strip(), (page, dialog)
        pages += bool(parser.dialogs)
    assert pages > 1  # Material's search dialog is on every page
