"""Cost of the email step (the masthead/email plugin).

* Site build: the example publication (6 issues in two newsletters) built in a
  fresh process; the time spent in the email step (rendering and writing every
  issue's email) against the rest of the build (baseline), measured inside
  the same build, since whole builds on a shared machine vary more than the
  step costs. Median of 3 builds; ratio = email step / rest of the build.
  Target: under 0.25.
* One large issue: ``render_email`` (transform, template, css-inline, class
  stripping, text part, .eml) on an issue body of 40 sections with code,
  cards, a diagram and a reading list (about 80 KB of HTML), against the
  baseline of css-inline alone inlining the finished document. Median of 5.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import projects

if TYPE_CHECKING:
    from masthead.email.render import EmailIssue

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3


_PROBE = """
import json, sys, time
sys.path.insert(0, sys.argv[3])
from bench import variants
variants.apply(sys.argv[2])
import masthead.plugins.email.plugin as plugin
from mkdocs.commands.build import build
from mkdocs.config import load_config

spent = [0.0, 0.0]


def timed(function):
    def wrapper(*args, **kwargs):
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started
            spent[1] += time.thread_time() - cpu
    return wrapper


plugin.render_email = timed(plugin.render_email)
plugin.write_issue = timed(plugin.write_issue)
config = load_config(sys.argv[1])
started = time.perf_counter()
build(config)
print(json.dumps({"total": time.perf_counter() - started, "email": spent[0], "cpu": spent[1]}))
"""


def build(project: Path, variant: str = "masthead") -> tuple[float, float, float]:
    """One build in a fresh process, with masthead's own parts or a library's in their
    place (bench/variants.py): (whole build, time inside the email step, CPU time
    inside it)."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(project / "mkdocs.yml"), variant, str(ROOT)],
        check=True,
        env=env,
        cwd=project,
        capture_output=True,
        text=True,
    ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    return float(figures["total"]), float(figures["email"]), float(figures["cpu"])


def _site_build() -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        project = projects.copy_example(Path(tmp) / "site", strict=False)
        build(project)  # warm the diagram cache
        runs = [build(project) for _ in range(RUNS)]
        issues = len(list((project / "build" / "email").glob("*/email.html")))
    total = statistics.median(r[0] for r in runs)
    email = statistics.median(r[1] for r in runs)
    return total, email, issues


def large_issue() -> Callable[[], EmailIssue]:
    """``render_email`` of one large issue: 40 sections of the test suite's issue (code,
    cards, a diagram, a reading list)."""
    sys.path.insert(0, str(ROOT / "generator"))
    from masthead.email.render import EmailSettings, IssueInfo, render_email

    fixture = (ROOT / "tests" / "fixtures" / "email" / "issue.html").read_text(encoding="utf-8")
    body = "\n".join(fixture.replace('id="', f'id="s{n}-') for n in range(40))
    info = IssueInfo(
        slug="large",
        title="A large issue",
        subject="A large issue",
        preheader="Forty sections",
        web_url="https://example.org/newsletter/large/",
        site_url="https://example.org/",
        site_name="Bench",
        date=datetime(2023, 1, 1, tzinfo=UTC),
    )
    settings = EmailSettings(sender="Bench <bench@example.org>", budget=10**9)
    site_dir = ROOT / "tests" / "fixtures" / "email" / "site"
    return lambda: render_email(
        body, info, settings, template_dir=ROOT / "theme", site_dir=site_dir
    )


def _large_issue() -> tuple[float, float, int]:
    import css_inline

    render = large_issue()

    def full() -> float:
        started = time.perf_counter()
        render()
        return time.perf_counter() - started

    result = render()
    inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)

    def baseline() -> float:
        started = time.perf_counter()
        inliner.inline(result.html)
        return time.perf_counter() - started

    a = statistics.median(full() for _ in range(5))
    b = statistics.median(baseline() for _ in range(5))
    return a, b, len(result.html.encode())


def run() -> str:
    total, email, issues = _site_build()
    large, inline_only, size = _large_issue()
    rest = total - email
    return f"""## Email issues (masthead/email)

| measure | masthead | baseline | ratio |
|---|---|---|---|
| example site build ({issues} email issues), median of {RUNS} | {email:.2f} s in the \
email step | {rest:.2f} s for the rest of the build | {email / rest:.2f} |
| one large issue ({size / 1024:.0f} KB of email HTML), median of 5 | {large * 1000:.0f} ms \
for the whole email | {inline_only * 1000:.0f} ms for css-inline alone | \
{large / inline_only:.1f} |

Target for the build: the email step costs under a quarter of the rest of the
build (ratio under 0.25). The large issue shows where the time goes: the ratio
is the whole email (transform, template, inlining, class stripping, text part,
.eml; pure Python on html.parser) over css-inline (Rust) alone.
"""
