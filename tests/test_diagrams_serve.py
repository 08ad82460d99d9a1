"""``masthead serve`` with diagrams: an error box, the server lives on, edits re-render."""

from __future__ import annotations

import html
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .support import fetch_text as fetch
from .support import masthead_serve, wait_until

FIXTURE = Path(__file__).parent / "fixtures" / "diagrams" / "site"
BROKEN = '# Broken\n\n```diagram src="diagrams/path.py"\n```\n'


def wait_for(check: Callable[[], bool], what: str, log: Path) -> None:
    wait_until(check, what, log=log)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str, subprocess.Popen[bytes], Path]]:
    site = Path(shutil.copytree(FIXTURE, tmp_path / "site"))
    source = site / "docs" / "diagrams" / "path.py"
    source.write_text(source.read_text() + "\nraise RuntimeError('half-written diagram')\n")
    (site / "docs" / "broken.md").write_text(BROKEN)
    log = tmp_path / "serve.log"
    with masthead_serve(site, log) as (base, proc):
        yield site, base, proc, log


@pytest.mark.slow
def test_serve_shows_the_error_then_the_fixed_diagram(
    served: tuple[Path, str, subprocess.Popen[bytes], Path],
) -> None:
    site, base, proc, log = served
    wait_for(lambda: "mh-error" in fetch(base + "broken/"), "the first build", log)
    page = html.unescape(fetch(base + "broken/"))
    assert "Diagram failed (docs/broken.md:3)" in page
    assert "raised RuntimeError: half-written diagram" in page
    assert 'File "docs/diagrams/path.py", line 8, in <module>' in page
    assert 'class="mh-diagram"' in fetch(base)  # the other diagrams render
    assert proc.poll() is None

    # fix the src= file: the watcher rebuilds, only that diagram renders again
    source = site / "docs" / "diagrams" / "path.py"
    source.write_text(source.read_text().replace("raise RuntimeError", "# raise RuntimeError"))
    wait_for(lambda: 'class="mh-diagram"' in fetch(base + "broken/"), "the rebuild", log)
    assert proc.poll() is None
    output = log.read_text()
    assert "4 diagrams: 4 rendered now, 0 from the cache, 1 failed" in output
    wait_for(
        lambda: "4 diagrams: 1 rendered now, 3 from the cache, 0 failed" in log.read_text(),
        "the log line of the rebuild",
        log,
    )
    # one rebuild for one edit: nothing masthead wrote set the watcher off
    assert log.read_text().count("Building documentation") == 2
    svg = fetch(base + "broken/" + page_svg(fetch(base + "broken/")))
    assert svg.startswith("<?xml") and "data:image/png;base64," in svg


def page_svg(text: str) -> str:
    start = text.index('<img src="', text.index('class="mh-diagram"')) + len('<img src="')
    return text[start : text.index('"', start)]
