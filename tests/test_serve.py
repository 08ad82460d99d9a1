"""`masthead serve` end to end: start it, read pages, edit a post, see the change."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from masthead.content import BlogLayout, load_posts

from .support import free_port

pytestmark = pytest.mark.slow


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def _wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen[bytes]) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            pytest.fail(f"serve exited with {proc.returncode} before {what}:\n{out}")
        try:
            if predicate():
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}")


def test_serve_rebuilds_an_edited_post(project: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    post = load_posts(project / "content", BlogLayout(blog_dir="blog"))[0]
    source = project / "content" / post.path
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "masthead.cli", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: _get(base)[0] == 200, 120, "the home page", proc)
        status, home = _get(base)
        assert status == 200 and "<html" in home
        status, page = _get(base + post.url)
        assert status == 200
        assert post.title.split()[0] in page

        marker = "Freshly edited sentence about seccomp profiles."
        text = source.read_text(encoding="utf-8")
        source.write_text(text.rstrip() + f"\n\n{marker}\n", encoding="utf-8")
        _wait_for(lambda: marker in _get(base + post.url)[1], 60, "the edited text", proc)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        if proc.stdout:
            proc.stdout.close()
    assert proc.returncode is not None
