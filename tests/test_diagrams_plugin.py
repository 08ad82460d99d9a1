"""The masthead/diagrams plugin in real MkDocs builds of a small site."""

from __future__ import annotations

import logging
import os
import re
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from masthead.plugins.diagrams.plugin import DiagramsPlugin

from .support import REPO

FIXTURE = Path(__file__).parent / "fixtures" / "diagrams" / "site"
FIGURE = re.compile(
    r'<figure class="mh-diagram" data-png="([^"]+)" data-png-width="(\d+)" '
    r'data-png-height="(\d+)"><div class="mh-diagram__frame">(?:<a [^>]*>)?'
    r'<img src="([^"]+)" width="(\d+)" height="(\d+)" alt="([^"]*)"'
)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "site"))


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO)
    yield caplog


def run_build(site: Path, *, serve: bool = False) -> DiagramsPlugin:
    """A real ``mkdocs build`` of ``site``; under ``serve``, as ``mkdocs serve`` runs it."""
    config = load_config(str(site / "mkdocs.yml"), site_dir=str(site / "build"), strict=True)
    plugin = config.plugins["masthead/diagrams"]
    assert isinstance(plugin, DiagramsPlugin)
    if serve:
        config.plugins.on_startup(command="serve", dirty=False)
    try:
        build(config)
    finally:
        if serve:
            config.plugins.on_shutdown()
    return plugin


def png_dimensions(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def set_option(site: Path, line: str) -> None:
    config = site / "mkdocs.yml"
    text = config.read_text().replace("      timeout: 20\n", f"      timeout: 20\n      {line}\n")
    config.write_text(text)


def test_build_writes_figures_and_assets(site: Path) -> None:
    run_build(site)
    out = site / "build"
    index = (out / "index.html").read_text()
    figures = FIGURE.findall(index)
    assert len(figures) == 3
    assert [f[6] for f in figures] == ["A pod behind a service", "kubectl to runc", "Pod phases"]
    assert "<figcaption>A service in front of a pod</figcaption>" in index
    for png, png_w, png_h, svg, svg_w, svg_h, _alt in figures:
        assert re.fullmatch(r"assets/masthead/diagrams/[0-9a-f]{20}\.png", png)
        assert (png_w, png_h) == (svg_w, svg_h)
        assert png_dimensions(out / png) == (2 * int(png_w), 2 * int(png_h))
        svg_file = out / svg  # relative to the page, which is at the site root
        assert svg_file.is_file() and svg_file.stem == Path(png).stem
        text = svg_file.read_text()
        assert f'width="{svg_w}"' in text and "site-packages" not in text
    # a page further down links the same folder relatively
    deeper = (out / "nested" / "deeper" / "page" / "index.html").read_text()
    ((*_, svg, _w, _h, _alt),) = FIGURE.findall(deeper)
    assert svg.startswith("../../../assets/masthead/diagrams/")
    assert (out / "nested" / "deeper" / "page" / svg).resolve().is_file()
    # the src= file is a diagram's source, not part of the site
    assert not (out / "diagrams" / "path.py").exists()
    # the cache is under the project, outside docs_dir
    cached = list((site / ".cache" / "masthead" / "diagrams").glob("*.svg"))
    assert len(cached) == 4
    assert not list((site / "docs").rglob("*.svg"))


def test_a_second_build_renders_nothing(site: Path) -> None:
    first = run_build(site)
    launches, rendered = first.renderer.stats.launches, first.renderer.stats.rendered  # type: ignore[union-attr]
    # 2 Python diagrams x 3 processes (code, SVG pass, PNG pass) + 2 DOT diagrams x 2
    assert rendered == 4 and launches == 10
    before = (site / "build" / "index.html").read_text()
    again = run_build(site)  # same process, as under mkdocs serve
    assert again.renderer.stats.launches == launches  # type: ignore[union-attr]
    assert again.renderer.stats.rendered == rendered  # type: ignore[union-attr]
    assert (site / "build" / "index.html").read_text() == before


def test_a_new_process_renders_nothing(site: Path) -> None:
    def masthead_build() -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "masthead.cli", "build", "--strict"],
            cwd=site,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stderr

    assert "4 diagrams: 4 rendered now, 0 from the cache, 0 failed" in masthead_build()
    assert "4 diagrams: 0 rendered now, 4 from the cache, 0 failed" in masthead_build()


def test_editing_a_src_file_renders_that_diagram_only(site: Path) -> None:
    plugin = run_build(site, serve=True)
    stats = plugin.renderer.stats  # type: ignore[union-attr]
    launches, rendered = stats.launches, stats.rendered
    source = site / "docs" / "diagrams" / "path.py"
    source.write_text(source.read_text().replace('"containerd"', '"containerd + shim"'))
    again = run_build(site, serve=True)
    assert again is plugin
    assert stats.rendered == rendered + 1
    assert stats.launches == launches + 3
    assert "containerd + shim" in next(
        p.read_text()
        for p in (site / "build" / "assets").rglob("*.svg")
        if "containerd + shim" in p.read_text()
    )


BROKEN = {
    "raises": (
        "from diagrams import Diagram\n\nraise KeyError('pods')\n",
        "raised KeyError: 'pods'",
        'File "<diagram>", line 3, in <module>',
    ),
    "syntax": ("with Diagram('x')\n    pass\n", "has a syntax error", "SyntaxError"),
    "nothing": ("x = 1\n", "drew no diagram", "drew 0 diagrams"),
    "timeout": ("import time\ntime.sleep(30)\n", "timed out after 2 s", ""),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_build_fails_with_page_line_and_traceback(
    site: Path, errors: pytest.LogCaptureFixture, case: str
) -> None:
    code, reason, detail = BROKEN[case]
    (site / "mkdocs.yml").write_text(
        (site / "mkdocs.yml").read_text().replace("timeout: 20", "timeout: 2")
    )
    # only the broken diagram, so the short timeout cannot catch a good one on a busy machine
    (site / "docs" / "index.md").write_text("# Home\n")
    shutil.rmtree(site / "docs" / "nested")
    page = "---\ntitle: Broken\n---\n\n# Broken\n\nText.\n\n```diagram\n" + code + "```\n"
    (site / "docs" / "broken.md").write_text(page)
    with pytest.raises(Abort):
        run_build(site)
    message = errors.text
    assert f"docs/broken.md:9: the ```diagram fence {reason}" in message
    assert detail in message
    assert "masthead/diagrams: 1 diagram failed" in message
    assert not (site / "build" / "broken" / "index.html").exists()  # nothing half-written
    assert not (site / "build" / "index.html").exists()


def test_bad_dot_and_bad_options_fail_the_build(
    site: Path, errors: pytest.LogCaptureFixture
) -> None:
    (site / "docs" / "bad.md").write_text(
        "# Bad\n\n```dot\ndigraph { a -> }\n```\n\n"
        '```diagram src="diagrams/missing.py"\n```\n\n'
        '```dot captoin="typo"\ndigraph { a }\n```\n'
    )
    with pytest.raises(Abort):
        run_build(site)
    message = errors.text
    assert "3 diagrams failed" in message
    assert (
        "docs/bad.md:3: the ```dot fence Graphviz failed: Error: <stdin>: syntax error" in message
    )
    assert 'docs/bad.md:7: the ```diagram fence is invalid: src="diagrams/missing.py"' in message
    assert "docs/bad.md:10: the ```dot fence is invalid: unknown option(s) captoin" in message


def test_serve_shows_an_error_box_and_keeps_the_rest(site: Path) -> None:
    (site / "docs" / "broken.md").write_text(
        "# Broken\n\n```diagram\nraise ValueError('bad label')\n```\n\n"
        "```dot\ndigraph { fine -> too }\n```\n"
    )
    run_build(site, serve=True)  # does not raise
    html = (site / "build" / "broken" / "index.html").read_text()
    assert 'class="admonition failure mh-error"' in html
    assert "Diagram failed (docs/broken.md:3)" in html
    assert "raised ValueError: bad label" in html
    assert len(FIGURE.findall(html)) == 1  # the other diagram on the page is there
    assert len(FIGURE.findall((site / "build" / "index.html").read_text())) == 3


def test_missing_graphviz_is_one_message(site: Path, errors: pytest.LogCaptureFixture) -> None:
    set_option(site, f"graphviz: {site / 'no-such-dot'}")
    with pytest.raises(Abort):
        run_build(site)
    assert errors.text.count("Graphviz is not installed") == 1
    assert "sudo apt-get install graphviz" in errors.text


def test_example_publication_has_diagrams() -> None:
    posts = (REPO / "content" / "blog" / "posts").glob("*.md")
    fences = sum(len(re.findall(r"^```(?:diagram|dot)\b", p.read_text(), re.M)) for p in posts)
    assert fences >= 4


def test_missing_graphviz_under_serve_is_an_error_box(site: Path) -> None:
    set_option(site, f"graphviz: {site / 'no-such-dot'}")
    run_build(site, serve=True)
    html = (site / "build" / "index.html").read_text()
    assert html.count('class="admonition failure mh-error"') == 3
    assert "Graphviz is not installed" in html
    assert not FIGURE.findall(html)


def test_cache_inside_docs_dir_is_refused(site: Path, errors: pytest.LogCaptureFixture) -> None:
    set_option(site, "cache_dir: docs/.cache")
    with pytest.raises(Abort):
        run_build(site)
    assert (
        "cache_dir 'docs/.cache' lies inside docs_dir; expected a folder outside it" in errors.text
    )
    assert not (site / "docs" / ".cache").exists()


def test_blog_excerpts_link_the_diagram_from_the_index_page(site: Path) -> None:
    config = site / "mkdocs.yml"
    config.write_text(config.read_text().replace("plugins:\n", "plugins:\n  - blog\n"))
    posts = site / "docs" / "blog" / "posts"
    posts.mkdir(parents=True)
    (site / "docs" / "blog" / "index.md").write_text("# Blog\n")
    (posts / "post.md").write_text(
        "---\ndate: 2022-12-01\n---\n\n# A post\n\n"
        '```dot alt="In the excerpt"\ndigraph { excerpt -> shown }\n```\n\n'
        "<!-- more -->\n\nThe rest.\n"
    )
    run_build(site)
    out = site / "build"
    pages = [
        out / "blog" / "index.html",
        out / "blog" / "2022" / "12" / "01" / "a-post" / "index.html",
    ]
    for page in pages:
        ((*_, svg, _w, _h, alt),) = FIGURE.findall(page.read_text())
        assert alt == "In the excerpt"
        assert (page.parent / svg).resolve().is_file(), (page, svg)


def test_cache_entries_unused_for_a_month_are_removed(
    site: Path, errors: pytest.LogCaptureFixture
) -> None:
    run_build(site)
    cache = site / ".cache" / "masthead" / "diagrams"
    used = sorted(cache.glob("*.json"))
    assert len(used) == 4
    old = time.time() - 40 * 86_400
    for path in cache.iterdir():  # every entry looks old, and one is not used any more
        os.utime(path, (old, old))
    for suffix in (".svg", ".png", ".json"):
        stale = cache / f"{'0' * 32}{suffix}"
        stale.write_bytes((cache / f"{used[0].stem}{suffix}").read_bytes())
        os.utime(stale, (old, old))
    run_build(site)
    assert sorted(cache.glob("*.json")) == used
    assert not list(cache.glob("0000*"))
    assert "removed 1 cached diagram(s) unused for 30 days" in errors.text


ENV_DIAGRAM = """\
import os
from diagrams import Diagram
from diagrams.generic.blank import Blank
with Diagram("env"):
    Blank("MY_VAR=" + os.environ.get("MY_VAR", "unset"))
    Blank("KEY=" + os.environ.get("BUTTONDOWN_API_KEY", "unset"))
"""


def test_env_passes_the_listed_variables_only(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_VAR", "listed")
    monkeypatch.setenv("BUTTONDOWN_API_KEY", "secret")
    set_option(site, "env: [MY_VAR]")
    (site / "docs" / "index.md").write_text(f"# Home\n\n```diagram\n{ENV_DIAGRAM}```\n")
    shutil.rmtree(site / "docs" / "nested")
    plugin = run_build(site)
    assert plugin.renderer is not None and plugin.renderer.env == ("MY_VAR",)
    (svg,) = [p.read_text() for p in (site / "build" / "assets").rglob("*.svg")]
    assert "MY_VAR=listed" in svg and "KEY=unset" in svg and "secret" not in svg
