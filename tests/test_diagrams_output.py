"""What a diagram's files hold: the same bytes from one clean build to the next (site
and email), no metadata, and the title drawn once (in the caption when there is one)."""

from __future__ import annotations

import html
import re
import shutil
import struct
import tempfile
import zlib
from pathlib import Path

import pytest

from masthead.cli import main
from masthead.diagrams.cache import Rendered
from masthead.diagrams.fence import options_from, source_for
from masthead.diagrams.graph_label import without_graph_label
from masthead.diagrams.png import METADATA_CHUNKS, png_size, without_metadata
from masthead.diagrams.render import DiagramSource, Renderer, Result

from .support import build_site

# Nodes made in the order of a set of strings: a different order (and layout) on every
# run, unless the hash seed is fixed. Without fixed node names, different ids too.
SET_ORDER = """\
from diagrams import Cluster, Diagram
from diagrams.k8s.compute import Pod
from diagrams.k8s.network import SVC

with Diagram("Set order", direction="LR"):
    with Cluster("pods"):
        pods = [Pod(name) for name in {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"}]
    SVC("svc") >> pods
"""

ISSUE_DIAGRAMS = f"""

## Two diagrams

```diagram alt="A service in front of six pods" caption="One service, six pods"
{SET_ORDER}```

```dot alt="Pod phases"
digraph phases {{ label="Pod phases"; rankdir=LR; Pending -> Running -> Succeeded }}
```
"""


def ok(result: Result) -> Rendered:
    assert isinstance(result, Rendered), result.describe()
    return result


def chunks(png: bytes) -> list[bytes]:
    """The chunk types of ``png``, in order."""
    types, position = [], 8
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        types.append(png[position + 4 : position + 8])
        position += 12 + length
    return types


def without_icons(svg: bytes) -> str:
    """The SVG's text, entities decoded, with each embedded icon cut to ``data:``."""
    text = re.sub(r"data:image/[\w+.-]+;base64,[A-Za-z0-9+/=]+", "data:", svg.decode())
    return html.unescape(text)


def test_the_same_code_renders_to_the_same_bytes() -> None:
    first = ok(Renderer(None, timeout=20).render(DiagramSource("python", SET_ORDER)))
    second = ok(Renderer(None, timeout=20).render(DiagramSource("python", SET_ORDER)))
    assert first.svg == second.svg and first.png == second.png and first.name == second.name
    svg = without_icons(first.svg)
    assert "<!--" not in svg and not re.search(r"[0-9a-f]{32}", svg)  # no comment, no UUID
    assert re.findall(r"<title>(mh-node-\d+)</title>", svg) == [f"mh-node-{n}" for n in range(1, 8)]
    assert not METADATA_CHUNKS & set(chunks(first.png))


def text_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_png_text_and_time_chunks_are_dropped() -> None:
    png = ok(Renderer(None, timeout=20).render(DiagramSource("dot", "digraph { a -> b }"))).png
    stamped = (
        png[:33]  # the signature and IHDR
        + text_chunk(b"tEXt", b"Software\x00graphviz version 2.43.0")
        + text_chunk(b"tIME", struct.pack(">HBBBBB", 2024, 5, 17, 12, 30, 1))
        + png[33:]
    )
    assert {b"tEXt", b"tIME"} <= set(chunks(stamped))
    assert without_metadata(stamped) == png
    assert png_size(without_metadata(stamped)) == png_size(png)


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def new_publication(folder: Path) -> Path:
    """A publication made by ``masthead init``, with :data:`ISSUE_DIAGRAMS` in its issue."""
    assert main(["init", str(folder), "--date", "2025-06-14", "--author", "Ada Lovelace"]) == 0
    issue = folder / "content" / "newsletter" / "posts" / "2025-06.md"
    issue.write_text(issue.read_text(encoding="utf-8") + ISSUE_DIAGRAMS, encoding="utf-8")
    return folder


def clean_build(project: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """A build of ``project`` with no cache, its renders in the temporary folder ``scratch``:
    the diagrams' files, every page and the email folder, by path."""
    shutil.rmtree(project / ".cache", ignore_errors=True)
    shutil.rmtree(project / "build", ignore_errors=True)
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    site = build_site(project)
    out = {
        f"site/{path}": data
        for path, data in files_of(site).items()
        if path.startswith("assets/masthead/diagrams/") or path.endswith(".html")
    }
    out.update(
        {f"email/{path}": data for path, data in files_of(project / "build" / "email").items()}
    )
    assert any(path.endswith(".png") for path in out) and any("message.eml" in p for p in out)
    return out


def test_two_clean_builds_are_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = clean_build(new_publication(tmp_path / "one"), tmp_path / "tmp-one", monkeypatch)
    again = new_publication(tmp_path / "two")
    second = clean_build(again, tmp_path / "tmp-two", monkeypatch)
    assert sorted(first) == sorted(second)  # the same file names
    assert [path for path in first if first[path] != second[path]] == []
    third = clean_build(again, tmp_path / "tmp-three", monkeypatch)  # cache deleted, same folder
    assert third == second
    # the issue's diagrams are in it, and its email shows their PNGs
    assets = sorted(p for p in first if p.startswith("site/assets/masthead/diagrams/"))
    assert len(assets) == 2 * 3  # the post's diagram and the issue's two, SVG and PNG each
    email = next(data for path, data in first.items() if path.endswith("/email.html")).decode()
    shown = [p for p in assets if p.endswith(".png") and f"/{Path(p).name}" in email]
    assert len(shown) == 2, shown  # the issue's two


# -- the title, once ---------------------------------------------------------------------


def texts(svg: bytes) -> list[str]:
    return [t.strip() for t in re.findall(r"<text\b[^>]*>([^<]*)</text>", svg.decode())]


def test_a_caption_replaces_the_title_drawn_in_the_image(tmp_path: Path) -> None:
    renderer = Renderer(None, timeout=20)

    def render(fence: str, code: str, caption: str) -> Rendered:
        options = options_from({"caption": caption} if caption else {})
        source = source_for(fence, code, options, docs_dir=tmp_path, page_dir=tmp_path)
        return ok(renderer.render(source))

    for fence, code, title in (
        ("diagram", SET_ORDER, "Set order"),
        ("dot", 'digraph g { label="Pod phases"; Pending -> Running }', "Pod phases"),
    ):
        titled = render(fence, code, "")
        captioned = render(fence, code, "A caption")
        assert title in texts(titled.svg)
        assert title not in texts(captioned.svg)
        assert captioned.height < titled.height  # the room of the title went too
        # the email's PNG is drawn from the same source: no title there either
        assert png_size(captioned.png) == (2 * captioned.width, 2 * captioned.height)
        assert texts(captioned.svg) == [t for t in texts(titled.svg) if t != title]


def test_only_the_graph_s_own_label_is_cleared() -> None:
    dot = (
        'digraph "g{" {\n  label="T}"; // a } in a comment\n  /* and } here */\n'
        '  subgraph cluster_a { label="inner"; a [label=<<b>x}</b>>] }\n'
        "# a } on a preprocessor line\n  a -> b\n}\n"
    )
    cleared = without_graph_label(dot)
    assert cleared.startswith(dot[: dot.rindex("}")]) and cleared.rstrip().endswith("}")
    rendered = ok(Renderer(None, timeout=20).render(DiagramSource("dot", cleared)))
    shown = texts(rendered.svg)
    assert "T}" not in shown and "inner" in shown and "x}" in shown and "b" in shown
    assert without_graph_label("not a graph {") == "not a graph {"
