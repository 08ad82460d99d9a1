"""Helpers the tests share: a copy of the example project, a real MkDocs
build, a static HTTP server on loopback, and headless Chromium."""

from __future__ import annotations

import contextlib
import functools
import http.server
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MASTHEAD_SHARED_DATA", REPO.parent / "shared" / "data"))
"""The read-only shared data (real feeds, caniemail); tests skip what is absent."""
ARTIFACTS = REPO / "tests" / "artifacts"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def copy_project(dest: Path) -> Path:
    """Copy the example project (mkdocs.yml, content/, theme/) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(REPO / "content", dest / "content")
    shutil.copytree(REPO / "theme", dest / "theme")
    return dest


def build_site(project: Path, *, strict: bool = True, **overrides: Any) -> Path:
    """Run a real ``mkdocs build`` of ``project``; return the site folder.

    Warnings fail the build in strict mode (MkDocs raises ``Abort``).
    """
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    site_dir = overrides.pop("site_dir", project / "build" / "site")
    cwd = os.getcwd()
    os.chdir(project)
    try:
        config = load_config(
            str(project / "mkdocs.yml"), site_dir=str(site_dir), strict=strict, **overrides
        )
        build(config)
    finally:
        os.chdir(cwd)
    return Path(site_dir)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        logging.getLogger("tests.http").debug(format, *args)


@contextlib.contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1; yield the base URL (ending in /)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def fetch_text(url: str, timeout: float = 10) -> str:
    """GET ``url`` (loopback) and return the body as text; HTTP errors raise."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return str(response.read().decode("utf-8", "replace"))


def wait_until(check: Callable[[], bool], what: str, *, log: Path, limit: float = 60) -> None:
    """Poll ``check`` until it holds: a guard against hanging, not a timing assertion.

    Connection errors count as "not yet"; on time-out the test fails with the
    server's output from ``log``.
    """
    import pytest

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.25)
    pytest.fail(f"{what} did not happen; server output:\n{log.read_text(errors='replace')}")


@contextlib.contextmanager
def masthead_serve(
    project: Path, log: Path, command: tuple[str, ...] = ("masthead.cli", "serve")
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``masthead serve`` (or ``python -m <command>``) in ``project`` on a free
    loopback port, output to ``log``.

    Yields the base URL and the process; stops the server (SIGINT, then SIGKILL)
    on the way out.
    """
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", *command, "-a", f"127.0.0.1:{port}"],
            cwd=project,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
            start_new_session=True,
        )
    try:
        yield f"http://127.0.0.1:{port}/", proc
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def publication(config_file: Path, **overrides: Any) -> Any:
    """The :class:`~masthead.publication.Publication` of ``config_file``, loaded by MkDocs."""
    from masthead.plugins.model import load

    return load(config_file, **overrides)[1]


def is_code_block(element: Any) -> bool:
    """A code block of an email (a ``div`` of lines holding the ``code``: see
    :func:`masthead.email.constructs.wrapping_lines`), before or after css-inline."""
    first = next((c for c in element.children if hasattr(c, "tag")), None)
    return element.tag == "div" and first is not None and first.tag == "code"
