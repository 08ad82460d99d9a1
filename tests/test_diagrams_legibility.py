"""Wide diagrams stay readable: the label-size warning, the full-size link, the sideways
scroll at a readable width on a phone, and the dimmed card in the dark (slate) scheme.

Real MkDocs builds of a small project written here (not the example), and of a
project made by ``masthead init``; headless Chromium for what a reader sees.
"""

from __future__ import annotations

import base64
import html
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from mkdocs.exceptions import Abort

from masthead.cli import main
from masthead.diagrams.cache import Rendered
from masthead.diagrams.legibility import legibility, smallest_font
from masthead.diagrams.render import DiagramSource, Renderer
from masthead.email.transform import CONTENT_WIDTH, NARROWEST_COLUMN
from masthead.i18n import english

from .support import build_site, serve_directory

OPEN_FULL_SIZE = english().text("diagram.open_full_size")

MIN_LABEL_PX = 9

# A long chain drawn left to right: readable at its own size (14 px labels), about
# 1000 px wide, so the 552 px email column shrinks its labels below 9 px.
WIDE = (
    "digraph wide { rankdir=LR; node [fontsize=14]; "
    + " -> ".join(f"step{i}" for i in range(1, 13))
    + " }"
)
# Labels too small even at the diagram's own size.
TINY = 'digraph tiny { rankdir=LR; node [fontsize=6]; "small print" -> "smaller still" }'
NARROW = "digraph narrow { a -> b }"

PAGE = f"""\
# Diagrams of every width

A long pipeline:

```dot alt="Twelve steps, one after the other" caption="The whole pipeline"
{WIDE}
```

Fine print:

```dot alt="Small print leads to smaller still"
{TINY}
```

And a small one:

```dot alt="a to b"
{NARROW}
```
"""


def write_project(root: Path, *, extra: str = "", palette: str = "") -> Path:
    """A small Material site with the diagrams plugin and :data:`PAGE` as its home page."""
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text(PAGE)
    (root / "mkdocs.yml").write_text(
        "site_name: Widths\nsite_url: https://example.org/\ndocs_dir: docs\n"
        f"theme:\n  name: material\n  font: false\n{palette}"
        f"plugins:\n  - masthead/diagrams:\n      timeout: 20\n{extra}"
        "markdown_extensions:\n  - pymdownx.superfences\n"
    )
    return root


def fence_line(code: str) -> int:
    """The 1-based line of the fence that opens on the line before ``code`` in :data:`PAGE`."""
    return PAGE.splitlines().index(code)


def min_width(img: dict[str, str]) -> int:
    """The ``min-width`` the build gave a diagram's image (0 for none)."""
    match = re.fullmatch(r"min-width:(\d+)px", img.get("style", "min-width:0px"))
    assert match is not None, img
    return int(match.group(1))


def label_sizes(svg: str) -> tuple[float, float]:
    """(smallest font size, viewBox width) of a diagram's SVG, read here on its own."""
    sizes = [
        float(size)
        for size, text in re.findall(r'<text\b[^>]*font-size="([\d.]+)"[^>]*>([^<]*)</text>', svg)
        if text.strip()
    ]
    box = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ', svg)
    assert sizes and box is not None
    return min(sizes), float(box.group(1))


def figures(page: str) -> dict[str, dict[str, str]]:
    """Each diagram of ``page`` by its alt: its img attributes, and its link's if it has one."""
    found = {}
    for block in re.findall(r'<figure class="mh-diagram".*?</figure>', page, re.S):
        tag = re.search(r"<img [^>]*>", block)
        assert tag is not None, block
        img = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag.group(0)))
        link = re.search(r'<a class="mh-diagram__full"[^>]*>', block)
        found[html.unescape(img["alt"])] = {
            **img,
            "link": link[0] if link else "",
        }
    return found


def test_labels_are_measured_as_drawn_after_graphviz_s_own_scaling() -> None:
    renderer = Renderer(None, timeout=20)
    chain = "a -> b -> c -> d -> e -> f"
    plain = renderer.render(DiagramSource("dot", f"digraph {{ {chain} }}"))
    scaled = renderer.render(DiagramSource("dot", f'digraph {{ size="1,1"; {chain} }}'))
    assert isinstance(plain, Rendered) and isinstance(scaled, Rendered)
    assert scaled.height < plain.height  # size= made Graphviz shrink the whole drawing
    plain_font, scaled_font = smallest_font(plain.svg), smallest_font(scaled.svg)
    assert plain_font is not None and scaled_font is not None
    assert scaled_font / plain_font == pytest.approx(scaled.height / plain.height, rel=0.05)
    sizes = legibility(scaled.svg, scaled.width, MIN_LABEL_PX)
    assert sizes is not None and sizes.site == pytest.approx(scaled_font, rel=0.05)
    assert legibility(b'<svg width="10" height="10" viewBox="0 0 10 10"></svg>', 10, 9) is None


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "widths")


def test_small_labels_are_a_warning_naming_page_line_and_both_sizes(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    with pytest.raises(Abort):
        build_site(project)  # strict: the warnings fail it
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    site = build_site(project, strict=False)
    page = figures((site / "index.html").read_text())
    phone = {}
    for code, alt in (
        (WIDE, "Twelve steps, one after the other"),
        (TINY, "Small print leads to smaller still"),
    ):
        img = page[alt]
        font, box = label_sizes((site / img["src"]).read_text())
        width = int(img["width"])
        phone[code] = font * max(min(width, NARROWEST_COLUMN), min_width(img)) / box
        in_email = font * min(width, CONTENT_WIDTH) / box
        assert in_email < MIN_LABEL_PX
        (message,) = [w for w in warnings if f"docs/index.md:{fence_line(code)}:" in w]
        assert f"{phone[code]:.1f} px on a 375 px wide screen" in message
        assert f"{in_email:.1f} px in the 552 px email column" in message
        assert f"at least {MIN_LABEL_PX} px (min_label_px)" in message
    # the wide one reads well on a phone (it scrolls sideways); the tiny one nowhere
    assert phone[WIDE] >= MIN_LABEL_PX > phone[TINY]
    assert len(warnings) == 2, warnings  # the small diagram is fine


def test_min_label_px_sets_the_threshold(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    off = write_project(tmp_path / "off", extra="      min_label_px: 0\n")
    site = build_site(off)  # strict, and no warning
    page = figures((site / "index.html").read_text())
    assert all("style" not in img for img in page.values())  # nothing kept from shrinking
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    lower = write_project(tmp_path / "lower", extra="      min_label_px: 5\n")
    build_site(lower)  # the tiny diagram's 6 px labels, the email's 7-ish: both pass at 5


def test_a_wide_diagram_links_to_its_full_size_svg(project: Path) -> None:
    site = build_site(project, strict=False)
    page = figures((site / "index.html").read_text())
    wide = page["Twelve steps, one after the other"]
    assert int(wide["width"]) > NARROWEST_COLUMN
    assert f'href="{wide["src"]}"' in wide["link"]
    assert f'aria-label="{OPEN_FULL_SIZE}: Twelve steps, one after the other"' in wide["link"]
    assert (site / wide["src"]).read_bytes().lstrip().startswith(b"<?xml")
    # kept at the width where its 14 px labels are 9 px: never narrower
    font, box = label_sizes((site / wide["src"]).read_text())
    narrowest = min_width(wide)
    assert font * narrowest / box >= MIN_LABEL_PX > font * (narrowest - 1) / box
    small = page["a to b"]
    assert int(small["width"]) <= NARROWEST_COLUMN
    assert small["link"] == "" and min_width(small) <= int(small["width"])


READ = """
() => [...document.querySelectorAll('figure.mh-diagram')].map(figure => {
  const img = figure.querySelector('img'), frame = figure.querySelector('.mh-diagram__frame');
  const link = figure.querySelector('a.mh-diagram__full');
  return {alt: img.alt, shown: img.getBoundingClientRect().width,
          frame: frame.clientWidth, scrolls: frame.scrollWidth > frame.clientWidth,
          column: figure.parentElement.clientWidth, link: link ? link.href : null};
})
"""


@pytest.mark.browser
def test_on_a_phone_a_wide_diagram_scrolls_at_a_readable_size(project: Path, browser: Any) -> None:
    site = build_site(project, strict=False)
    with serve_directory(site) as base:
        page = browser.new_page(viewport={"width": 375, "height": 800})
        try:
            page.goto(base + "index.html")
            shown = {f["alt"]: f for f in page.evaluate(READ)}
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
            svgs = {
                alt: page.evaluate(f"fetch({f['link']!r}).then(r => r.text())")
                for alt, f in shown.items()
                if f["link"]
            }
            wide = shown["Twelve steps, one after the other"]
            # the column the build measures against is Material's real one
            assert wide["column"] == NARROWEST_COLUMN
            font, box = label_sizes(svgs[wide["alt"]])
            assert font * wide["shown"] / box >= MIN_LABEL_PX - 0.05
            assert wide["scrolls"] and wide["shown"] > wide["frame"]
            assert not shown["a to b"]["scrolls"] and shown["a to b"]["link"] is None
            # the full-size link, found by its accessible name, opens the SVG
            link = page.get_by_role(
                "link", name=f"{OPEN_FULL_SIZE}: Twelve steps, one after the other"
            )
            link.click()
            page.wait_for_url("**/*.svg")
            assert page.evaluate("document.documentElement.tagName") == "svg"
        finally:
            page.close()


# -- dark mode ------------------------------------------------------------------------

# The brightest pixel and the share of white ones in the screenshot of each diagram's
# frame, inside its rounded corners (where the page's own background shows).
BRIGHTNESS = """
async (shots) => {
  const out = [];
  for (const shot of shots) {
    const img = new Image();
    img.src = 'data:image/png;base64,' + shot;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const inset = 8;
    const px = ctx.getImageData(
      inset, inset, canvas.width - 2 * inset, canvas.height - 2 * inset).data;
    let brightest = 0, white = 0;
    for (let i = 0; i < px.length; i += 4) {
      const level = Math.max(px[i], px[i + 1], px[i + 2]);
      brightest = Math.max(brightest, level);
      if (px[i] > 245 && px[i + 1] > 245 && px[i + 2] > 245) white += 1;
    }
    out.push({brightest, white: white / (px.length / 4)});
  }
  return out;
}
"""


def frames_in(browser: Any, url: str, scheme: str) -> tuple[list[dict[str, Any]], list[str]]:
    """(brightness of each diagram frame, computed filter of each) with ``scheme`` set on
    the page as Material's palette toggle sets it."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(url)
        page.evaluate(f"document.body.setAttribute('data-md-color-scheme', {scheme!r})")
        frames = page.locator("figure.mh-diagram .mh-diagram__frame")
        shots = []
        for i in range(frames.count()):
            frame = frames.nth(i)
            frame.scroll_into_view_if_needed()
            frame.locator("img").evaluate("img => img.decode()")
            shots.append(base64.b64encode(frame.screenshot()).decode())
        filters = frames.evaluate_all("els => els.map(e => getComputedStyle(e).filter)")
        return page.evaluate(BRIGHTNESS, shots), filters
    finally:
        page.close()


def assert_dimmed_in_slate(browser: Any, url: str) -> None:
    light, light_filters = frames_in(browser, url, "default")
    dark, dark_filters = frames_in(browser, url, "slate")
    assert light and len(dark) == len(light)
    assert all(f == "none" for f in light_filters), light_filters
    assert all(re.fullmatch(r"brightness\(0?\.\d+\)", f) for f in dark_filters), dark_filters
    for shown_light, shown_dark in zip(light, dark, strict=True):
        assert shown_light["brightest"] == 255 and shown_light["white"] > 0.3  # white paper
        assert shown_dark["brightest"] <= 215 and shown_dark["white"] == 0  # no white panel


@pytest.mark.browser
def test_dark_mode_dims_the_diagram_card(project: Path, browser: Any) -> None:
    site = build_site(project, strict=False)
    with serve_directory(site) as base:
        assert_dimmed_in_slate(browser, base + "index.html")


@pytest.mark.browser
def test_a_new_publication_s_diagram_is_readable_and_dark_mode_ready(
    tmp_path: Path, browser: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    pub = tmp_path / "pub"
    assert main(["init", str(pub), "--date", "2025-06-14"]) == 0
    site = build_site(pub)  # strict: its diagram's labels are large enough
    post = next(site.glob("blog/**/how-this-site-is-made/index.html"))
    assert "assets/stylesheets/mh-diagrams.css" in post.read_text()
    assert (site / "assets" / "stylesheets" / "mh-diagrams.css").is_file()
    with serve_directory(site) as base:
        assert_dimmed_in_slate(browser, base + post.relative_to(site).as_posix())
