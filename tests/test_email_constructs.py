"""Every Markdown construct an issue can hold, in its email: a corpus of issues
(tests/fixtures/constructs/) built by a real MkDocs build with Material and the
pymdown extensions, then checked in the HTML, in the text part and in headless
Chromium at 600 and 375 px (no horizontal scroll, every image loaded)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from masthead.email import constructs, dom, mathtext
from masthead.email.transform import TransformContext, transform

from .support import build_site, copy_project, is_code_block, serve_directory

CORPUS = Path(__file__).parent / "fixtures" / "constructs"
SITE_URL = "https://kernelnotes.example.org/"
WEB_URL = SITE_URL + "newsletter/2023/02/constructs/"
EXTENSIONS = """\
  - pymdownx.tabbed:
      alternate_style: true
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
      emoji_generator: !!python/name:material.extensions.emoji.to_svg
  - pymdownx.arithmatex:
      generic: true
  - pymdownx.progressbar
  - pymdownx.mark
  - pymdownx.caret
  - pymdownx.tilde
  - pymdownx.keys
"""
SUPERFENCES = """\
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
"""
FRONT_MATTER = """\
---
date: 2023-02-{day:02d}
authors: [mira]
categories: [Special]
slug: {slug}
kind: special
subject: "Kernel Notes: {slug}"
preheader: "Every construct of {slug} in an email."
---

"""


@dataclass
class Corpus:
    base: str
    """The loopback server's URL of the build folder."""
    email_dir: Path
    slugs: list[str]
    warnings: dict[str, list[str]] = field(default_factory=dict)
    """The email plugin's messages, by issue source file."""

    def html(self, slug: str) -> str:
        return (self.email_dir / slug / "email.html").read_text(encoding="utf-8")

    def text(self, slug: str) -> str:
        return (self.email_dir / slug / "email.txt").read_text(encoding="utf-8")

    def body(self, slug: str) -> dom.Element:
        root = dom.parse(self.html(slug))
        content = root.find(lambda e: e.tag == "td" and e.has_class("mh-e-content"))
        assert content is not None
        return content


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_corpus(folder: Path, base: str) -> Corpus:
    """The example project with the corpus as newsletter issues, built with
    ``site_url`` at ``base + 'site/'``."""
    project = copy_project(folder)
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("markdown_extensions:\n", "markdown_extensions:\n" + EXTENSIONS, 1)
    text = text.replace("  - pymdownx.superfences\n", SUPERFENCES, 1)
    config.write_text(text, encoding="utf-8")
    posts = project / "content" / "newsletter" / "posts"
    slugs = []
    for day, source in enumerate(sorted(CORPUS.glob("*.md")), 1):
        slug = f"constructs-{source.stem}"
        slugs.append(slug)
        body = source.read_text(encoding="utf-8")
        (posts / source.name).write_text(
            FRONT_MATTER.format(day=day, slug=slug) + body, encoding="utf-8"
        )
    collect = _Collect()
    logger = logging.getLogger("mkdocs.plugins.masthead.email")
    logger.addHandler(collect)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        build_site(project, strict=False, site_url=base + "site/")
    finally:
        logger.removeHandler(collect)
        logger.setLevel(level)
    warnings: dict[str, list[str]] = {}
    for message in collect.messages:
        source, _, rest = message.partition(": ")
        warnings.setdefault(source, []).append(rest)
    return Corpus(base, project / "build" / "email", slugs, warnings)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    folder = tmp_path_factory.mktemp("constructs") / "project"
    build = folder / "build"
    build.mkdir(parents=True)
    with serve_directory(build) as base:
        yield build_corpus(folder, base)


def section(root: dom.Element, start: str, end: str | None = None) -> str:
    """The text of ``root`` from the heading ``start`` to the heading ``end``."""
    text = re.sub(r"\s+", " ", root.text())
    begin = text.index(start)
    return text[begin : text.index(end, begin) if end else None]


def headings(root: dom.Element) -> list[dom.Element]:
    return [e for e in root.iter() if re.fullmatch(r"h[2-6]", e.tag)]


def texts_in_order(haystack: str, *needles: str) -> bool:
    position = 0
    for needle in needles:
        found = haystack.find(needle, position)
        if found < 0:
            return False
        position = found + len(needle)
    return True


# -- structure of the HTML and of the text part -----------------------------------


def test_every_corpus_file_became_an_email(corpus: Corpus) -> None:
    for slug in corpus.slugs:
        assert (corpus.email_dir / slug / "email.html").is_file(), slug
        assert (corpus.email_dir / slug / "email.txt").is_file(), slug


def test_no_svg_no_empty_brackets_and_no_markup_left_in_any_email(corpus: Corpus) -> None:
    for slug in corpus.slugs:
        html, text = corpus.html(slug), corpus.text(slug)
        root = dom.parse(html)
        tags = {e.tag for e in root.iter()}
        assert not tags & {"svg", "math", "script", "details", "summary", "input", "label"}, slug
        assert "[][" not in html and "[][" not in text, slug
        assert "See the image on the web" not in html, slug
        assert "tabbed" not in html and "admonition-title" not in html, slug
        for img in (e for e in root.iter() if e.tag == "img"):
            assert not img.get("src").endswith(".svg"), (slug, img.attrs)


def test_tabs_are_labelled_sections_in_html_and_text(corpus: Corpus) -> None:
    slug = "constructs-tabs-and-details"
    body = corpus.body(slug)
    labels = {h.text().strip(): h for h in headings(body)}
    for label in ("Linux", "macOS", "Windows", "Outer one", "Outer two", "Inner A", "Inner B"):
        assert label in labels, (label, sorted(labels))
    # Each label is a heading of its own, right before its panel.
    text = re.sub(r"\s+", " ", body.text())
    assert "LinuxmacOS" not in text and "Inner AInner B" not in text
    assert texts_in_order(
        text,
        "Linux",
        "sudo apt-get install -y kubectl",
        "macOS",
        "brew install kubectl",
        "Windows",
        "Use winget.",
    )
    assert texts_in_order(text, "Inner A", "Inner panel A.", "Inner B", "Inner panel B.")
    # A nested tab set's labels are a level below the outer one's.
    assert int(labels["Inner A"].tag[1]) == int(labels["Outer two"].tag[1]) + 1
    plain = corpus.text(slug)
    assert "Linux\n~~~~~\n\nInstall it with your package manager:" in plain
    assert "macOS\n~~~~~\n\nInstall it with Homebrew:" in plain
    assert "Inner A\n.......\n\nInner panel A." in plain


def test_details_show_their_summary_as_a_heading_and_their_content(corpus: Corpus) -> None:
    slug = "constructs-tabs-and-details"
    body = corpus.body(slug)
    titles = {h.text().strip() for h in headings(body)}
    for summary in (
        "Why does this happen?",
        "Open by default",
        "Raw HTML details",
        "A details block with no type",
        "Inside a tab",
    ):
        assert summary in titles, summary
    text = re.sub(r"\s+", " ", body.text())
    assert texts_in_order(
        text, "Why does this happen?", "Because the kubelet evicts pods before the kernel"
    )
    plain = corpus.text(slug)
    assert "| Info: Why does this happen?\n| Because the kubelet evicts pods" in plain
    assert "| Raw HTML details\n| Written as HTML in the Markdown." in plain


ADMONITIONS = {
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


def _box_colour(body: dom.Element, title: str) -> str:
    """The left border colour of the admonition whose title is ``title``."""
    for cell in (e for e in body.iter() if e.tag == "td"):
        first = next((c for c in cell.children if isinstance(c, dom.Element)), None)
        if first is not None and first.text().strip() == title:
            match = re.search(r"border-left:4px solid (#[0-9a-f]{6})", cell.get("style"))
            assert match, cell.attrs
            return match.group(1)
    raise AssertionError(f"no admonition titled {title!r}")


def test_every_admonition_type_has_its_title_and_colour(corpus: Corpus) -> None:
    slug = "constructs-admonitions"
    body = corpus.body(slug)
    for kind, colour in ADMONITIONS.items():
        assert _box_colour(body, kind.capitalize()) == colour, kind
    assert _box_colour(body, "Mind the page cache") == ADMONITIONS["warning"]
    assert _box_colour(body, "An alias of tip") == ADMONITIONS["tip"]
    assert _box_colour(body, "Inner") == ADMONITIONS["success"]
    assert _box_colour(body, "A type Material does not know") == ADMONITIONS["note"]
    text = re.sub(r"\s+", " ", body.text())
    assert texts_in_order(text, "Nested", "Outer text.", "Inner", "Inner text.")
    plain = corpus.text(slug)
    assert "| Note:\n| A note." in plain
    assert "| Warning: Mind the page cache\n| The working set includes it." in plain
    assert "| Hint: An alias of tip" in plain
    assert "| | Success: Inner\n| | Inner text." in plain


def test_icons_are_drawn_as_png_and_emoji_are_characters(corpus: Corpus) -> None:
    slug = "constructs-icons-and-emoji"
    body = corpus.body(slug)
    site = corpus.email_dir.parent / "site"
    icons = [e for e in body.iter() if e.tag == "img"]
    assert len(icons) >= 7  # file-code twice, kubernetes, github, heart, lightbulb, simple
    for img in icons:
        src = img.get("src")
        assert src.startswith(corpus.base + "site/") and src.endswith(".png"), img.attrs
        assert (site / src[len(corpus.base + "site/") :]).is_file(), src
        assert img.get("width") == img.get("height") == "18", img.attrs
    html, plain = corpus.html(slug), corpus.text(slug)
    for emoji in ("😄", "👍", "🇩🇪"):
        assert emoji in html and emoji in plain, emoji
    assert "twemoji" not in html and "cdn.jsdelivr.net" not in html
    assert "The file [" in plain and "Source [1]" in plain
    assert "Tip: A tip with an icon in its title" in plain


def test_an_icon_that_cannot_be_drawn_is_left_out_with_a_warning() -> None:
    html = (
        '<h2 id="x">Files</h2><p>The file [<span class="twemoji"><svg xmlns="http://www.w3.org'
        '/2000/svg" viewBox="0 0 24 24"><path d="M3 3h18v18H3z"/></svg></span>][x] and '
        '<span class="twemoji"><svg viewBox="0 0 24 24"><title>GitHub</title>'
        '<path d="M3 3h18v18H3z"/></svg></span> here.</p>'
    )
    result = transform(html, TransformContext(site_url=SITE_URL, page_url=WEB_URL))
    assert "<svg" not in result.html and "[][" not in result.html
    assert "The file [x] and GitHub here." in re.sub(r"\s+", " ", dom.parse(result.html).text())
    (warning,) = [w for w in result.warnings if "icon" in w]
    assert "2 icons (inline SVG) could not be drawn as PNG" in warning
    assert "under 'Files'" in warning


def test_math_is_readable_text_with_a_warning(corpus: Corpus) -> None:
    slug = "constructs-math"
    html, plain = corpus.html(slug), corpus.text(slug)
    for shown in ("E = mc²", "a₁ / b₂", "α ≤ β", "∑ᵢ₌₁ⁿ xᵢ = n(n+1)/2"):
        assert shown in html and shown in plain, shown
    code = [e for e in corpus.body(slug).iter() if e.tag == "code"]
    assert any("\\begin{align}" in c.text() for c in code)
    assert "\\(" not in html and "\\[" not in html
    (warning,) = [w for w in corpus.warnings["newsletter/posts/math.md"] if "math" in w]
    assert "5 math expressions shown as text" in warning and "under 'Inline'" in warning


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        ("E = mc^2", "E = mc²"),
        ("e^{i\\pi} + 1 = 0", "e^(iπ) + 1 = 0"),
        ("\\frac{a+b}{c}", "(a+b)/c"),
        ("\\sqrt{x^2+y^2}", "√(x²+y²)"),
        ("x_{\\text{max}}", "xₘₐₓ"),
        ("\\int_0^\\infty f(x)\\,dx", "∫₀^∞ f(x) dx"),
        ("\\begin{pmatrix}a\\end{pmatrix}", None),
        ("\\hat{x}", None),
    ],
)
def test_simple_tex_becomes_unicode(tex: str, text: str | None) -> None:
    assert mathtext.tex_to_unicode(tex) == text


def test_progress_bars_have_their_colour_and_percentage(corpus: Corpus) -> None:
    slug = "constructs-progress"
    bars = {
        e.get("width"): e.get("bgcolor")
        for e in corpus.body(slug).iter()
        if e.tag == "td" and e.get("bgcolor") and e.get("width")
    }
    assert bars == {
        "15%": "#f63a0f",
        "45%": "#f2b01e",
        "65%": "#f2d31b",
        "85%": "#86e01e",
        "100%": "#1ee038",
        "30%": "#f27011",
    }
    text = re.sub(r"\s+", " ", corpus.body(slug).text())
    assert texts_in_order(text, "0%", "Reading (15%)", "45%", "65%", "85%", "Done (100%)")
    plain = corpus.text(slug)
    assert "[#########-----------] 45%" in plain
    assert "[--------------------] 0%" in plain
    assert "[####################] Done (100%)" in plain


def test_code_titles_are_captions_above_their_code(corpus: Corpus) -> None:
    slug = "constructs-code"
    body = corpus.body(slug)
    for title, code in (("reconcile.py", "def reconcile("), ("secret.yaml", "apiVersion: v1")):
        caption = next(e for e in body.iter() if e.tag == "p" and e.text().strip() == title)
        siblings = [c for c in caption.parent.children if isinstance(c, dom.Element)]
        after = siblings[siblings.index(caption) + 1]
        assert is_code_block(after), title
        assert constructs.code_text(after).startswith(code), title
    highlighted = next(e for e in body.iter() if "background-color:#ffffcc" in e.get("style"))
    assert highlighted.text().startswith("print(limits.memory_max")  # hl_lines="2"
    plain = corpus.text(slug)
    assert "reconcile.py\n\n    def reconcile(" in plain
    assert "secret.yaml\n\n    apiVersion: v1" in plain


def test_footnotes_keep_their_numbers_and_their_list(corpus: Corpus) -> None:
    slug = "constructs-footnotes"
    body = corpus.body(slug)
    numbers = [e.text() for e in body.iter() if e.tag == "sup"]
    assert numbers == ["1", "2", "1", "3"]
    notes = next(e for e in body.iter() if e.tag == "ol")
    items = [c for c in notes.children if isinstance(c, dom.Element)]
    assert len(items) == 3 and "charged to the cgroup" in items[0].text()
    assert "↩" not in corpus.html(slug)
    plain = corpus.text(slug)
    assert "the page cache[1] and evicts before the kernel acts[2]" in plain
    assert "[1] The page cache is charged" in plain and "[3] A footnote with two" in plain
    # Links are numbered after the footnotes, so no number means two things.
    assert "a link [4]" in plain and "[4] https://kernelnotes.example.org/" in plain


def test_wide_tables_become_label_value_pairs_with_a_warning(corpus: Corpus) -> None:
    slug = "constructs-tables"
    body = corpus.body(slug)
    widest = max(
        len([c for c in tr.children if isinstance(c, dom.Element)])
        for tr in body.iter()
        if tr.tag == "tr"
    )
    assert widest == 8  # the table of numbers fits a phone, so it stays a table
    rows = [
        [c for c in tr.children if isinstance(c, dom.Element)]
        for tr in body.iter()
        if tr.tag == "tr"
    ]
    pairs = [
        (row[0].text().strip(), row[1].text().strip())
        for row in rows
        if len(row) == 2 and row[0].tag == "th"
    ]
    assert ("Env var", "KUBECTL_NAMESPACE") in pairs
    assert ("Default", "~/.kube/config") in pairs
    assert ("Node", "Pods") in pairs  # the small table is kept as it is
    warnings = corpus.warnings["newsletter/posts/tables.md"]
    assert any(
        "the 8-column table under 'An option table' is wider than a phone" in w for w in warnings
    ), warnings
    assert any("under 'A three-column table with long words'" in w for w in warnings)
    assert not any("'A small table'" in w or "'Numbers only'" in w for w in warnings)
    plain = corpus.text(slug)
    assert "Option: `--namespace`\nType: string\nDefault: `default`" in plain
    assert "Node | Pods" in plain


def test_images_are_never_shown_larger_than_they_are(corpus: Corpus) -> None:
    body = corpus.body("constructs-lists-and-inline")
    images = {e.get("alt"): e for e in body.iter() if e.tag == "img"}
    assert images["A favicon"].get("width") == "32"  # 32 px wide; the page asked for 400
    assert images["A workshop"].get("width") == "552"  # 640 px wide: fitted to the column
    assert images["The layers of overlayfs"].get("src").endswith(".svg.png")


def test_lists_and_inline_marks_keep_their_form(corpus: Corpus) -> None:
    slug = "constructs-lists-and-inline"
    body = corpus.body(slug)
    depth = max(
        sum(1 for a in _ancestors(e) if a.tag in ("ul", "ol")) for e in body.iter() if e.tag == "li"
    )
    assert depth == 4
    assert [e.text() for e in body.iter() if e.tag == "kbd"] == ["Ctrl", "Alt", "Del"]
    text = re.sub(r"\s+", " ", body.text())
    assert "☑ Drain the node" in text and "☐ Upgrade the kubelet" in text
    assert {e.tag for e in body.iter()} >= {"dl", "dt", "dd", "del", "ins", "sub", "sup"}
    highlighted = next(e for e in body.iter() if e.text() == "highlighted")
    assert "background-color" in highlighted.get("style")
    plain = corpus.text(slug)
    assert "1. First level\n\n   - Second level" in plain
    assert "☑ Drain the node" in plain


def test_text_lines_stay_within_78_characters(corpus: Corpus) -> None:
    for slug in corpus.slugs:
        for line in corpus.text(slug).splitlines():
            # Only a URL (or inline code holding one) longer than a line stays whole.
            assert len(line) <= 78 or "://" in line, (slug, line)


def _ancestors(node: dom.Element) -> list[dom.Element]:
    found = []
    while node.parent is not None:
        node = node.parent
        found.append(node)
    return found


# -- in a browser ------------------------------------------------------------------


@pytest.mark.browser
def test_every_construct_fits_600_and_375_px_and_every_image_loads(
    corpus: Corpus, browser: Any, artifacts: Path
) -> None:
    page = browser.new_page(viewport={"width": 600, "height": 900})
    checked = 0
    try:
        for slug in corpus.slugs:
            for width in (600, 375):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(f"{corpus.base}email/{slug}/email.html", wait_until="load")
                scroll = page.evaluate("document.documentElement.scrollWidth")
                if scroll > width:
                    page.screenshot(path=str(artifacts / f"{slug}-{width}.png"), full_page=True)
                assert scroll <= width, (slug, width, scroll)
                images = page.evaluate(
                    "Array.from(document.images).map(i => ({src: i.currentSrc, "
                    "done: i.complete, w: i.naturalWidth, "
                    "right: i.getBoundingClientRect().right}))"
                )
                for image in images:
                    assert image["src"].startswith(corpus.base + "site/"), (slug, image)
                    assert image["done"] and image["w"] > 0, (slug, image)
                    assert image["right"] <= width, (slug, width, image)
                checked += len(images)
    finally:
        page.close()
    assert checked > 20


def test_embeds_diagrams_and_fixed_widths_say_what_became_of_them(corpus: Corpus) -> None:
    slug = "constructs-embeds-and-raw-html"
    body = corpus.body(slug)
    link = next(a for a in body.iter() if a.tag == "a" and "Containers from scratch" in a.text())
    assert link.get("href") == "https://www.youtube-nocookie.com/embed/abc123"
    block = next(e for e in body.iter() if is_code_block(e))
    assert "kubectl --> apiserver" in constructs.code_text(block)
    assert "width:800px" not in corpus.html(slug).replace(" ", "")
    warnings = corpus.warnings["newsletter/posts/embeds-and-raw-html.md"]
    expected = (
        "1 embedded player (iframe, video or audio) shown as a link in the email, "
        "the first under 'A talk'",
        "a Mermaid diagram under 'A diagram drawn by JavaScript' is shown as its source",
        "a table with merged cells under 'Fixed widths' is wider than a phone screen",
        "a div under 'Fixed widths' is set 800 px wide (width)",
    )
    for message in expected:
        assert any(message in w for w in warnings), (message, warnings)


def _transform(html: str) -> Any:
    return transform(html, TransformContext(site_url=SITE_URL, page_url=WEB_URL))


def test_tabs_of_the_classic_style_are_labelled_sections_too() -> None:
    html = (
        '<h2>Install</h2><div class="tabbed-set" data-tabs="1:2">'
        '<input checked="checked" id="__tabbed_1_1" name="__tabbed_1" type="radio" />'
        '<label for="__tabbed_1_1">Linux</label><div class="tabbed-content"><p>apt</p></div>'
        '<input id="__tabbed_1_2" name="__tabbed_1" type="radio" />'
        '<label for="__tabbed_1_2">macOS</label><div class="tabbed-content"><p>brew</p></div>'
        "</div>"
    )
    root = dom.parse(_transform(html).html)
    labels = [(h.tag, h.text()) for h in headings(root)]
    assert labels == [("h2", "Install"), ("h3", "Linux"), ("h3", "macOS")]
    assert texts_in_order(root.text(), "Linux", "apt", "macOS", "brew")


def test_math_of_every_arithmatex_form_is_text() -> None:
    html = (
        '<h2>Maths</h2><p><span class="arithmatex"><script type="math/tex">x^2</script></span>'
        " and <math><msup><mi>y</mi><mn>3</mn></msup></math></p>"
        '<div class="arithmatex"><script type="math/tex; mode=display">'
        "\\begin{matrix}a\\end{matrix}</script></div>"
    )
    result = _transform(html)
    root = dom.parse(result.html)
    assert {e.tag for e in root.iter()}.isdisjoint({"script", "math"})
    assert "x² and y³" in root.text()
    block = next(e for e in root.iter() if is_code_block(e))
    assert "\\begin{matrix}a\\end{matrix}" in constructs.code_text(block)
    assert any("3 math expressions" in w and "'Maths'" in w for w in result.warnings)


def test_an_image_of_unknown_size_is_never_stretched() -> None:
    html = '<p><img src="https://cdn.example.org/e/72x72/1f600.png" alt="grin"></p>'
    result = _transform(html)
    (img,) = [e for e in dom.parse(result.html).iter() if e.tag == "img"]
    assert "width" not in img.attrs and "height" not in img.attrs
    assert any("size of image" in w and "its own size" in w for w in result.warnings)


def test_remote_emoji_images_become_their_characters() -> None:
    html = (
        '<p><img alt="😄" class="twemoji" src="https://cdn.jsdelivr.net/gh/jdecked/twemoji@16/'
        'assets/72x72/1f604.png" title=":smile:"> <img alt=":thumbsup:" class="emojione" '
        'src="https://cdn.jsdelivr.net/emojione/assets/4.5/png/64/1f44d.png"> '
        '<img alt="x" class="gemoji" src="https://github.githubassets.com/images/icons/emoji/'
        'unicode/1f1e9-1f1ea.png"></p>'
    )
    result = _transform(html)
    assert "<img" not in result.html and not result.warnings
    assert "😄 👍 🇩🇪" in dom.parse(result.html).text()


ONE_COLUMN_TOO_WIDE = """\
---
date: 2023-02-01
authors: [mira]
categories: [Special]
slug: wide-one
---

# A table that cannot fit

Intro.

<!-- more -->

## The digest

| Digest |
|---|
| sha256:{digest} |
"""


def test_what_the_email_loses_fails_a_strict_build_what_it_adapts_is_a_note(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from mkdocs.exceptions import Abort

    project = copy_project(tmp_path / "p")
    issue = project / "content" / "newsletter" / "posts" / "wide-one.md"
    issue.write_text(ONE_COLUMN_TOO_WIDE.format(digest="ab" * 64), encoding="utf-8")
    with caplog.at_level(logging.INFO), pytest.raises(Abort):
        build_site(project)
    (record,) = [r for r in caplog.records if "wider than a phone" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith("newsletter/posts/wide-one.md: a table of one column")
    assert "under 'The digest'" in record.getMessage()
    # A table the email can show as label/value pairs keeps its content: a note, and the
    # strict build passes.
    caplog.clear()
    issue.write_text(
        ONE_COLUMN_TOO_WIDE.replace("| Digest |\n|---|\n| sha256:{digest} |", WIDE_OPTIONS),
        encoding="utf-8",
    )
    with caplog.at_level(logging.INFO):
        build_site(project)
    (note,) = [r for r in caplog.records if "wider than a phone" in r.getMessage()]
    assert note.levelno == logging.INFO and "label/value pairs" in note.getMessage()


WIDE_OPTIONS = (
    "| Option | Type | Default | Environment variable | Description |\n"
    "|---|---|---|---|---|\n"
    "| `--namespace-override-for-everything` | string | `default-namespace` | "
    "`KUBECTL_NAMESPACE_OVERRIDE` | The namespace every request goes to |"
)


NO_STYLE_ISSUE = (
    """\
---
date: 2023-02-02
authors: [mira]
categories: [Special]
slug: no-style
---

# Without a style sheet

Some code and a table, read by a client that drops the style sheet.

<!-- more -->

## Code

```python
def reconcile(desired_state_of_world, observed_from_kubelets, retries=3, backoff=2.0):
    return [item for item in desired_state_of_world if item not in observed_from_kubelets]
```

```console
$ kubectl get pods --all-namespaces --selector app=web,tier=front -o wide --watch
```

## Options

"""
    + WIDE_OPTIONS.replace("_OVERRIDE", "").replace("-override-for-everything", "")
    + "\n"
)


def test_code_and_tables_hold_their_width_in_a_client_that_drops_the_style_sheet(
    tmp_path: Path, browser: Any, artifacts: Path
) -> None:
    """Gmail's mobile webmail and Gmail with a non-Google account drop ``<style>``: the
    inlined styles and the markup alone keep code lines and tables within the window.
    (A single token of more than about 25 characters still needs the style sheet's
    word-wrap rule there.)"""
    project = copy_project(tmp_path / "p")
    (project / "content/newsletter/posts/no-style.md").write_text(NO_STYLE_ISSUE, "utf-8")
    build_site(project)
    html = (project / "build/email/no-style/email.html").read_text(encoding="utf-8")
    bare, dropped = re.subn(r"<style>.*?</style>", "", html, flags=re.S)
    assert dropped == 1
    page = browser.new_page(viewport={"width": 600, "height": 900})
    try:
        for width in (600, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.set_content(bare, wait_until="load")
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                page.screenshot(path=str(artifacts / f"no-style-{width}.png"), full_page=True)
            assert scroll <= width, (width, scroll)
            # The code keeps its lines and its indentation.
            lines = page.evaluate(
                "Array.from(document.querySelectorAll('code')).map(c => c.innerText)"
            )
            assert any("\n    return [item for item" in t.replace("\u00a0", " ") for t in lines)
    finally:
        page.close()
