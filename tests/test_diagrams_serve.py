"""``masthead serve`` with diagrams: an error box, the server lives on, edits re-render."""

from __future__ import annotations

import html
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .support import free_port

FIXTURE = Path(__file__).parent / "fixtures" / "diagrams" / "site"
BROKEN = '# Broken\n\n```diagram src="diagrams/path.py"\n```\n'


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode("utf-8"))


def wait_for(check: Callable[[], bool], what: str, log: Path, limit: float = 60) -> None:
    """Poll ``check`` until it holds (a guard against hanging, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(f"{what} did not happen; server output:\n{log.read_text()}")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str, subprocess.Popen[bytes], Path]]:
    site = Path(shutil.copytree(FIXTURE, tmp_path / "site"))
    source = site / "docs" / "diagrams" / "path.py"
    source.write_text(source.read_text() + "\nraise RuntimeError('half-written diagram')\n")
    (site / "docs" / "broken.md").write_text(BROKEN)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "masthead.cli", "serve", "-a", f"127.0.0.1:{port}"],
            cwd=site,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
            start_new_session=True,
        )
    try:
        yield site, f"http://127.0.0.1:{port}/", proc, log
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


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
