"""masthead as a user installs it: from a wheel, into a fresh virtual environment.

The wheel must carry everything a publication needs (the plugins' templates and
CSS, the email templates, the scaffold of ``masthead init``): the project made
by ``masthead init`` has no theme folder of its own, and must build with every
feature from the installed package alone.

The new environment sees the dependencies of the development environment
through a ``.pth`` file that lists its site-packages folder: a folder listed in a
``.pth`` file joins ``sys.path``, but the ``.pth`` files inside it (the editable
install of masthead among them) are not run, so ``import masthead`` can only
find the wheel's copy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from html.parser import HTMLParser
from pathlib import Path

import pytest

from masthead.errors import display_path

from .support import REPO

DAY = "2025-06-14"
PERIOD = "2025-06"
ISSUE_SLUG = "june-2025"
POST_SLUG = "how-this-site-is-made"
STYLESHEETS = ("masthead.css", "mh-newsletter.css", "mh-reading.css")

SECOND_ISSUE = """\
---
date: 2025-06-28
authors: [ada]
categories: [Special]
slug: a-special-issue
kind: special
subject: "A special issue"
preheader: One more email this month, to test "Read more".
---

# A special issue

A second issue, so that each issue has another one to recommend.

<!-- more -->

More text.
"""


class Page(HTMLParser):
    """The elements of a built page: (tag, attributes, inside <head>)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], bool]] = []
        self._head = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "head":
            self._head = True
        self.elements.append((tag, {k: v or "" for k, v in attrs}, self._head))

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._head = False

    def with_class(self, name: str, tag: str | None = None) -> list[dict[str, str]]:
        return [
            attrs
            for t, attrs, _ in self.elements
            if (tag is None or t == tag) and name in attrs.get("class", "").split()
        ]

    def head_links(self, rel: str) -> list[dict[str, str]]:
        return [
            a
            for t, a, head in self.elements
            if t == "link" and head and rel in (a.get("rel") or "").split()
        ]


def _run(args: list[str], *, cwd: Path | None = None, timeout: int = 600) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.mark.slow
def test_the_installed_wheel_builds_a_new_publication(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    # Built offline with this environment's setuptools (the dev extra pins one recent
    # enough for pyproject.toml), as `pip wheel` would build it for a user.
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels)]
    _run([*pip_wheel, "--no-build-isolation", "--no-index", str(REPO)])
    (wheel,) = wheels.glob("masthead-*.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    purelib = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).strip()
    )
    dependencies = sysconfig.get_paths()["purelib"]
    (purelib / "dev-dependencies.pth").write_text(dependencies + "\n", encoding="utf-8")
    _run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)])

    where = Path(_run([str(python), "-c", "import masthead; print(masthead.__file__)"]).strip())
    assert where.is_relative_to(venv), where
    assert not where.is_relative_to(REPO / "generator")

    masthead = venv / "bin" / "masthead"
    pub = tmp_path / "pub"
    out = _run([str(masthead), "init", str(pub), "--date", DAY, "--author", "Ada Lovelace"])
    assert f"created {display_path(pub / 'mkdocs.yml')}" in out.splitlines()
    assert not (pub / "theme").exists()
    assert "custom_dir" not in (pub / "mkdocs.yml").read_text(encoding="utf-8")
    second = pub / "content" / "newsletter" / "posts" / "a-special-issue.md"
    second.write_text(SECOND_ISSUE, encoding="utf-8")

    _run([str(masthead), "build", "--strict"], cwd=pub)

    site = pub / "build" / "site"
    (issue_file,) = site.glob(f"newsletter/**/{ISSUE_SLUG}/index.html")
    (post_file,) = site.glob(f"blog/**/{POST_SLUG}/index.html")
    issue = Page(issue_file.read_text(encoding="utf-8"))
    post = Page(post_file.read_text(encoding="utf-8"))

    for page in (issue, post):
        assert page.with_class("mh-share")
        assert page.with_class("mh-subscribe")
        (form,) = page.with_class("mh-subscribe__form", "form")
        assert form["action"].startswith("https://buttondown.com/")
        assert page.with_class("mh-author-card")
        feeds = page.head_links("alternate")
        types = {link.get("type") for link in feeds}
        assert {"application/rss+xml", "application/atom+xml"} <= types
        sheets = [link["href"] for link in page.head_links("stylesheet")]
        for name in STYLESHEETS:
            assert any(href.endswith(f"assets/stylesheets/{name}") for href in sheets), sheets
    read_more = issue.with_class("mh-read-more__link", "a")
    assert any("a-special-issue" in link["href"] for link in read_more)
    assert issue.with_class("mh-reading", "section")
    assert issue.with_class("mh-reading__item", "article")
    assert post.with_class("mh-diagram", "figure")
    for name in STYLESHEETS:
        assert (site / "assets" / "stylesheets" / name).stat().st_size > 0

    emails = pub / "build" / "email"
    for slug in (ISSUE_SLUG, "a-special-issue"):
        folder = emails / slug
        for name in ("email.html", "email.txt", "message.eml", "manifest.json"):
            assert (folder / name).stat().st_size > 0, folder / name
    manifest = json.loads((emails / ISSUE_SLUG / "manifest.json").read_text(encoding="utf-8"))
    assert "June 2025" in json.dumps(manifest)
