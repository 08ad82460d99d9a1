"""A failed or killed build leaves the last good site and emails whole (real processes, kill -9)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from masthead.cli import main

from .support import copy_project

BROKEN_DIAGRAM = '\n\n```diagram alt="Broken"\nraise SystemExit("this diagram fails")\n```\n'


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _whole_site(site: Path, expected: list[set[str]]) -> None:
    """The site is one of the builds that succeeded, every page complete."""
    files = _files(site)
    assert files in expected, sorted(files ^ expected[-1])[:10]
    for name in files:
        if name.endswith(".html"):
            assert (site / name).read_text(encoding="utf-8").rstrip().endswith("</html>"), name


def _whole_emails(emails: Path) -> None:
    folders = [p for p in emails.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert folders
    for folder in folders:
        assert sorted(p.name for p in folder.iterdir()) == [
            "email.html",
            "email.txt",
            "manifest.json",
            "message.eml",
        ], folder
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["sizes"]["html"] == len((folder / "email.html").read_bytes())


def _leftovers(project: Path) -> list[str]:
    build = project / "build"
    return sorted(p.name for p in build.rglob(".*") if p.name.startswith((".site.", ".email.")))


def test_a_failed_build_leaves_the_last_good_site_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_project(tmp_path / "p")
    config = str(project / "mkdocs.yml")
    assert main(["build", "-q", "-f", config]) == 0
    site = project / "build" / "site"
    before = _files(site)
    index = (site / "index.html").read_bytes()
    # A diagram that fails, on a page built late (the last post of the year).
    post = sorted((project / "content" / "blog" / "posts").glob("*.md"))[-1]
    post.write_text(post.read_text(encoding="utf-8") + BROKEN_DIAGRAM, encoding="utf-8")
    assert main(["build", "-q", "-f", config]) == 1
    err = capsys.readouterr().err
    assert "this diagram fails" in err and "was left as it was" in err
    assert _files(site) == before
    assert (site / "index.html").read_bytes() == index
    assert _leftovers(project) == []


@pytest.mark.slow
def test_kill_9_of_a_build_at_any_point_leaves_a_whole_site(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "masthead.cli", "build", "-q"]
    subprocess.run(command, cwd=project, env=env, check=True, capture_output=True)
    site, emails = project / "build" / "site", project / "build" / "email"
    good = [_files(site)]
    started = time.monotonic()
    subprocess.run(command, cwd=project, env=env, check=True, capture_output=True)
    duration = time.monotonic() - started
    good.append(_files(site))
    chance = random.Random(20221230)
    for _ in range(4):
        delay = chance.uniform(0.05, duration)
        proc = subprocess.Popen(
            command,
            cwd=project,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        _whole_site(site, good)
        _whole_emails(emails)
    # The next build succeeds and clears what the killed ones left beside the site.
    subprocess.run(command, cwd=project, env=env, check=True, capture_output=True)
    _whole_site(site, good)
    _whole_emails(emails)
    assert _leftovers(project) == []
