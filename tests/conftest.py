from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .support import ARTIFACTS, CHROMIUM_ARGS, chromium_path, copy_project

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the example project in a temporary folder."""
    return copy_project(tmp_path / "project")


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's), driven through Playwright.

    One per test: Playwright's sync API keeps an asyncio loop running in the
    main thread while it is open, which would break every later test that
    calls ``asyncio.run`` (the feed fetcher, the SMTP server).
    """
    exe = chromium_path()
    if exe is None:
        pytest.fail("Chromium is not installed: run 'make browser' (or 'make test')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """A folder for screenshots and other test artefacts (not committed)."""
    folder = ARTIFACTS / request.node.name.replace("/", "_").replace("[", "-").rstrip("]")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 made by openssl: (cert.pem, key.pem)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key
