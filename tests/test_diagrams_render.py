"""The diagram renderer, with real child processes and real Graphviz."""

from __future__ import annotations

import base64
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from masthead.diagrams.cache import Rendered
from masthead.diagrams.fence import (
    FenceOptions,
    figure_html,
    options_from,
    scan_fences,
    source_for,
)
from masthead.diagrams.render import DiagramSource, Renderer, RenderFailure, Result
from masthead.diagrams.svg import share_repeated_images
from masthead.diagrams.toolchain import GraphvizMissing
from masthead.errors import MastheadError

K8S = """\
from diagrams import Cluster, Diagram
from diagrams.k8s.compute import Pod
from diagrams.k8s.controlplane import API
from diagrams.k8s.network import SVC

with Diagram("Service"):
    with Cluster("node"):
        pods = [Pod("a"), Pod("b")]
    API("api") >> SVC("svc") >> pods
"""
ICON_NODES = 4


def png_dimensions(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def ok(result: Result) -> Rendered:
    assert isinstance(result, Rendered), result.describe()  # type: ignore[union-attr]
    return result


def failed(result: Result) -> RenderFailure:
    assert isinstance(result, RenderFailure), f"expected a failure, got {result!r}"
    return result


@pytest.fixture
def renderer(tmp_path: Path) -> Renderer:
    return Renderer(tmp_path / "cache", timeout=20)


def site_packages_dirs() -> list[str]:
    import diagrams

    return [str(Path(diagrams.__file__).resolve().parents[1]), sys.prefix, str(Path.home())]


def test_svg_is_self_contained(renderer: Renderer, tmp_path: Path) -> None:
    rendered = ok(renderer.render(DiagramSource("python", K8S, workdir=tmp_path)))
    svg = rendered.svg.decode()
    for folder in [*site_packages_dirs(), str(tmp_path)]:
        assert folder not in svg
    hrefs = re.findall(r'<image\b[^>]*?(?:xlink:)?href="([^"]*)"', svg)
    assert len(hrefs) == ICON_NODES - 1  # the two pods share one embedded icon
    for href in hrefs:
        assert href.startswith("data:image/png;base64,")
        png_dimensions(base64.b64decode(href.split(",", 1)[1]))  # a real PNG
    uses = re.findall(r'<use xlink:href="#(mh-icon-\d+)" x="[-\d.]+" y="[-\d.]+"/>', svg)
    assert len(uses) == 2 and len(set(uses)) == 1
    assert f'<image id="{uses[0]}" ' in svg
    # no reference to any file at all: every href/src is a data: URI or an in-document id
    for ref in re.findall(r'(?:href|src)="([^"]*)"', svg):
        assert ref.startswith(("data:", "#")), ref
    assert "<!--" not in svg and "DOCTYPE" not in svg


def test_png_is_twice_the_svg(renderer: Renderer) -> None:
    rendered = ok(renderer.render(DiagramSource("python", K8S)))
    match = re.search(r'<svg\b[^>]*\bwidth="(\d+)"[^>]*\bheight="(\d+)"', rendered.svg.decode())
    assert match is not None
    svg_w, svg_h = int(match.group(1)), int(match.group(2))
    assert (svg_w, svg_h) == (rendered.width, rendered.height)
    assert png_dimensions(rendered.png) == (2 * svg_w, 2 * svg_h)
    assert (rendered.png_width, rendered.png_height) == (2 * svg_w, 2 * svg_h)


def test_graphviz_padding_is_trimmed(renderer: Renderer) -> None:
    # diagrams pads 2 inches (144 pt) on every side; one node is about 100 pt wide.
    one = "from diagrams import Diagram\nfrom diagrams.k8s.compute import Pod\n"
    one += 'with Diagram("", direction="LR"):\n    Pod("p")\n'
    rendered = ok(renderer.render(DiagramSource("python", one)))
    assert rendered.width < 200, rendered.width


def test_dot_source(renderer: Renderer) -> None:
    rendered = ok(renderer.render(DiagramSource("dot", "digraph { a -> b -> c }")))
    assert b"<svg" in rendered.svg
    assert png_dimensions(rendered.png) == (2 * rendered.width, 2 * rendered.height)


def test_custom_icon_relative_to_the_code(renderer: Renderer, tmp_path: Path) -> None:
    icon = subprocess.run(
        ["dot", "-Tpng"], input=b"digraph { x }", capture_output=True, check=True
    ).stdout
    (tmp_path / "icons").mkdir()
    (tmp_path / "icons" / "mine.png").write_bytes(icon)
    code = (
        "from diagrams import Diagram\nfrom diagrams.custom import Custom\n"
        'with Diagram("c"):\n    Custom("mine", "icons/mine.png")\n'
    )
    rendered = ok(renderer.render(DiagramSource("python", code, workdir=tmp_path)))
    svg = rendered.svg.decode()
    assert base64.b64encode(icon).decode() in svg
    assert "icons/mine.png" not in svg

    # a new icon file is a new diagram, though the code did not change
    other = subprocess.run(
        ["dot", "-Tpng"], input=b"digraph { y -> z }", capture_output=True, check=True
    ).stdout
    (tmp_path / "icons" / "mine.png").write_bytes(other)
    again = ok(renderer.render(DiagramSource("python", code, workdir=tmp_path)))
    assert again.key != rendered.key and renderer.stats.rendered == 2
    assert base64.b64encode(other).decode() in again.svg.decode()


def test_an_icon_path_computed_at_run_time_is_checked_too(tmp_path: Path) -> None:
    def icon(graph: bytes) -> bytes:
        return subprocess.run(["dot", "-Tpng"], input=graph, capture_output=True, check=True).stdout

    (tmp_path / "icons").mkdir()
    (tmp_path / "icons" / "mine.png").write_bytes(icon(b"digraph { x }"))
    code = (
        "from pathlib import Path\nfrom diagrams import Diagram\n"
        "from diagrams.custom import Custom\n"
        'name = "".join(["mi", "ne"])  # no literal path for the cache key to see\n'
        'with Diagram("c"):\n    Custom("mine", str(Path("icons") / (name + ".png")))\n'
    )
    source = DiagramSource("python", code, workdir=tmp_path)
    first = Renderer(tmp_path / "cache")
    made = ok(first.render(source))
    assert ok(first.render(source)) is made and first.stats.rendered == 1  # unchanged: cached

    # A new icon under the same computed path: drawn again, whether the cached
    # diagram comes from memory or from disk.
    for renderer, graph in (
        (first, b"digraph { y -> z }"),
        (Renderer(tmp_path / "cache"), b"digraph { q }"),
    ):
        other = icon(graph)
        (tmp_path / "icons" / "mine.png").write_bytes(other)
        before = renderer.stats.rendered
        again = ok(renderer.render(source))
        assert renderer.stats.rendered == before + 1
        assert base64.b64encode(other).decode() in again.svg.decode()
    # The same bytes written again (a new mtime) need no new render.
    (tmp_path / "icons" / "mine.png").write_bytes(other)
    later = Renderer(tmp_path / "cache")
    ok(later.render(source))
    assert later.stats.rendered == 0 and later.stats.disk_hits == 1


def test_second_render_comes_from_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = Renderer(cache)
    made = ok(first.render(DiagramSource("python", K8S)))
    assert first.stats.launches == 3  # the code, then one Graphviz pass per format
    assert first.stats.rendered == 1
    assert ok(first.render(DiagramSource("python", K8S))) is made
    assert first.stats.launches == 3 and first.stats.memory_hits == 1

    again = Renderer(cache)  # another build, another process
    hit = ok(again.render(DiagramSource("python", K8S + "\n\n")))
    assert again.stats.launches == 0 and again.stats.rendered == 0
    assert again.stats.disk_hits == 1
    assert (hit.svg, hit.png, hit.name) == (made.svg, made.png, made.name)


def test_cache_key_covers_code_kind_and_versions(renderer: Renderer) -> None:
    base = renderer.key(DiagramSource("python", K8S))
    assert renderer.key(DiagramSource("python", K8S.replace('"b"', '"c"'))) != base
    assert renderer.key(DiagramSource("dot", K8S)) != base
    assert renderer.key(DiagramSource("python", K8S, label="elsewhere.py")) == base
    tools = renderer.toolchain
    assert tools.graphviz_version.startswith("dot - graphviz version")
    assert tools.diagrams_version[0].isdigit()


def test_cache_lives_where_it_is_told(tmp_path: Path) -> None:
    renderer = Renderer(tmp_path / "cache")
    made = ok(renderer.render(DiagramSource("dot", "digraph { a }")))
    names = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert names == [f"{made.key}.json", f"{made.key}.png", f"{made.key}.svg"]


@pytest.mark.parametrize(
    ("code", "reason", "detail"),
    [
        (
            "x = 1\nraise ValueError('no such node')\n",
            "raised ValueError: no such node",
            'File "<diagram>", line 2',
        ),
        ("with Diagram(:\n    pass\n", "has a syntax error", "SyntaxError"),
        ("from diagrams.k8s.compute import Nope\n", "raised ImportError", "Nope"),
        ("print('hello')\n", "drew no diagram", "drew 0 diagrams"),
        (
            "from diagrams import Diagram\nwith Diagram('a'):\n    pass\n"
            "with Diagram('b'):\n    pass\n",
            "drew no diagram",
            "drew 2 diagrams",
        ),
    ],
)
def test_python_errors(renderer: Renderer, code: str, reason: str, detail: str) -> None:
    failure = failed(renderer.render(DiagramSource("python", code)))
    assert failure.reason.startswith(reason), failure.reason
    assert detail in failure.detail
    assert renderer.stats.rendered == 1 and not list(renderer.cache.folder.glob("*.json"))  # type: ignore[union-attr]


def test_bad_dot(renderer: Renderer) -> None:
    failure = failed(renderer.render(DiagramSource("dot", "digraph { a -> }")))
    assert failure.reason.startswith("Graphviz failed: Error: <stdin>: syntax error in line 1")


def test_timeout_kills_the_render(tmp_path: Path) -> None:
    marker = tmp_path / "still-running"
    grandchild = f"import time; time.sleep(3); open({str(marker)!r}, 'w').close()"
    code = (
        "import subprocess, sys, time\n"
        # a grandchild too: the whole process group goes on timeout
        f"subprocess.Popen([sys.executable, '-c', {grandchild!r}])\n"
        "time.sleep(60)\n"
    )
    renderer = Renderer(tmp_path / "cache", timeout=1)
    failure = failed(renderer.render(DiagramSource("python", code)))
    assert failure.reason == "timed out after 1 s"
    subprocess.run([sys.executable, "-c", "import time; time.sleep(3.5)"], check=True)
    assert not marker.exists()


def test_one_broken_diagram_does_not_stop_the_others(renderer: Renderer) -> None:
    sources = [
        DiagramSource("dot", "digraph { a -> b }"),
        DiagramSource("python", "raise RuntimeError('broken')"),
        DiagramSource("python", K8S),
        DiagramSource("dot", "graph { c -- d }"),
    ]
    results = renderer.render_many(sources)
    assert [type(r).__name__ for r in results] == [
        "Rendered",
        "RenderFailure",
        "Rendered",
        "Rendered",
    ]


def test_missing_graphviz(tmp_path: Path) -> None:
    renderer = Renderer(tmp_path / "cache", dot=str(tmp_path / "no-such-dot"))
    with pytest.raises(GraphvizMissing) as caught:
        renderer.render_many([DiagramSource("dot", "digraph { a }")])
    message = str(caught.value)
    assert "Graphviz is not installed" in message
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    assert renderer.stats.launches == 0


# -- fences ----------------------------------------------------------------


PAGE = """\
---
title: A page
---

# Title

```diagram alt="Alt text" caption="A caption"
from diagrams import Diagram
```

!!! note
    ```dot
    digraph { a }
    ```

~~~~diagram src="diagrams/x.py"
~~~~

```python
print("not a diagram")
```
"""


def test_scan_fences_finds_lines_options_and_code() -> None:
    found = scan_fences(PAGE)
    assert [(f.language, f.line) for f in found] == [("diagram", 7), ("dot", 12), ("diagram", 16)]
    assert found[0].options == FenceOptions(alt="Alt text", caption="A caption")
    assert found[0].code == "from diagrams import Diagram"
    assert found[1].code == "digraph { a }"
    assert found[2].options.src == "diagrams/x.py" and found[2].code == ""


def test_fence_options_are_checked(tmp_path: Path) -> None:
    docs = tmp_path / "content"
    (docs / "diagrams").mkdir(parents=True)
    (docs / "diagrams" / "x.py").write_text("print(1)\n")
    (tmp_path / "outside.py").write_text("print(1)\n")

    def make(code: str, **options: str) -> DiagramSource:
        return source_for("diagram", code, options_from(options), docs_dir=docs, page_dir=docs)

    assert make("", src="diagrams/x.py").code == "print(1)\n"
    assert make("", src="diagrams/x.py").label == "content/diagrams/x.py"
    cases = {
        "unknown option(s) captoin": lambda: make("x", unknown=("captoin",)),  # type: ignore[arg-type]
        "no such file content/diagrams/y.py": lambda: make("", src="diagrams/y.py"),
        "points outside the docs folder": lambda: make("", src="../outside.py"),
        "has both src=": lambda: make("x = 1", src="diagrams/x.py"),
        "fence is empty": lambda: make("\n\n"),
    }
    for expected, call in cases.items():
        with pytest.raises(MastheadError) as caught:
            call()
        assert expected in str(caught.value)


def test_figure_markup_follows_the_contract() -> None:
    rendered = Rendered(
        key="k", svg=b"<svg/>", png=b"png", width=120, height=80, png_width=240, png_height=160
    )
    markup = figure_html(
        rendered, FenceOptions(alt='A "quoted" alt', caption="Cap <b>"), svg_url="../x.svg"
    )
    assert markup.startswith(
        f'<figure class="mh-diagram" data-png="assets/masthead/diagrams/{rendered.name}.png" '
        'data-png-width="120" data-png-height="80">'
    )
    assert '<img src="../x.svg" width="120" height="80" alt="A &quot;quoted&quot; alt"' in markup
    assert "<figcaption>Cap &lt;b&gt;</figcaption></figure>" in markup
    plain = figure_html(rendered, FenceOptions(), svg_url="x.svg")
    assert "<figcaption>" not in plain and 'alt="Diagram"' in plain


def test_alt_falls_back_to_the_diagram_title(renderer: Renderer) -> None:
    titled = ok(renderer.render(DiagramSource("python", K8S)))
    assert 'alt="Service"' in figure_html(titled, FenceOptions(), svg_url="x.svg")
    named = ok(renderer.render(DiagramSource("dot", "digraph phases { a -> b }")))
    assert 'alt="phases"' in figure_html(named, FenceOptions(), svg_url="x.svg")
    anonymous = ok(renderer.render(DiagramSource("dot", "digraph { a -> b }")))
    assert 'alt="Diagram"' in figure_html(anonymous, FenceOptions(), svg_url="x.svg")
    with_caption = figure_html(titled, FenceOptions(caption="Cap"), svg_url="x.svg")
    assert 'alt="Cap"' in with_caption


def test_repeated_icons_are_embedded_once() -> None:
    icon = 'xlink:href="data:image/png;base64,AAAA" width="10px" height="10px"'
    svg = (
        '<svg width="50pt" height="20pt" viewBox="0 0 50 20">'
        f'<image {icon} x="0" y="1"/><image {icon} x="20" y="2"/>'
        '<image xlink:href="data:image/png;base64,BBBB" width="10px" height="10px" x="30" y="3"/>'
        f'<image {icon} transform="rotate(90)" x="40" y="4"/></svg>'
    )
    out = share_repeated_images(svg)
    assert out.count("base64,AAAA") == 2  # once in <defs>, once where a transform is kept
    assert '<defs><image id="mh-icon-1" height="10px" width="10px" ' in out
    assert (
        '<use xlink:href="#mh-icon-1" x="0" y="1"/><use xlink:href="#mh-icon-1" x="20" y="2"/>'
        in out
    )
    assert out.count("base64,BBBB") == 1 and 'x="30" y="3"/>' in out
    assert 'transform="rotate(90)" x="40" y="4"/>' in out


def test_default_jobs_is_one_per_cpu_plus_one() -> None:
    assert Renderer(None).jobs == (os.cpu_count() or 1) + 1
    assert Renderer(None, jobs=1).jobs == 1
