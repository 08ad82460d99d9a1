"""Cost of the masthead/newsletter plugin in a site build.

Two sites, each built with ``mkdocs build`` in a fresh process, with the plugin
and without it (baseline: the same mkdocs.yml minus ``masthead/newsletter``;
its fences then render as code blocks and issue pages lose their extras):

* the example publication (14 posts, 6 issues in two newsletters);
* the example plus 300 generated posts and 60 generated issues, to show how the
  per-page extras (read more, previous/next, series) and feeds scale.

Figures: the time spent inside the plugin's hooks and fences as a share of the
whole build (timed in the build process, so steady on a busy machine); and, as a
cross-check, the CPU time (user + system) of builds with and without the plugin,
interleaved. Target: under 10% of the larger site's build inside the plugin.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3


def _copy(dest: Path) -> Path:
    dest.mkdir(parents=True)
    shutil.copy2(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(ROOT / "content", dest / "content")
    shutil.copytree(ROOT / "theme", dest / "theme")
    return dest


def _without_plugin(project: Path) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"\n  - masthead/newsletter:\n(?:(?:    .*|\s*)\n)*", "\n", text)
    config.write_text(text, encoding="utf-8")


def _without_emails(project: Path) -> None:
    """Both builds leave the email step out: it needs masthead/newsletter's issues."""
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "\n  - masthead/email\n" in text
    text = text.replace("\n  - masthead/email\n", "\n  - masthead/email:\n      enabled: false\n")
    config.write_text(text, encoding="utf-8")


def _grow(project: Path, posts: int, issues: int) -> None:
    categories = ["Kubernetes", "Containers", "Linux", "Networking"]
    folder = project / "content" / "blog" / "posts" / "generated"
    folder.mkdir(parents=True)
    start = date(2019, 1, 1)
    for n in range(posts):
        day = start + timedelta(days=3 * n)
        series = f"series: Generated {n // 5}\nseries_order: {n % 5 + 1}\n" if n % 3 == 0 else ""
        (folder / f"post-{n:03d}.md").write_text(
            f"---\ndate: {day}\nauthors: [mira]\ncategories: [{categories[n % 4]}]\n{series}---\n\n"
            f"# Generated post {n}\n\nAn opening paragraph about item {n}, long enough to be an "
            "excerpt.\n\n<!-- more -->\n\n" + "Body text with `code` and a list.\n\n" * 30,
            encoding="utf-8",
        )
    folder = project / "content" / "newsletter" / "posts" / "generated"
    folder.mkdir(parents=True)
    for n in range(issues):
        month = date(2018, 1, 1) + timedelta(days=31 * n)
        (folder / f"issue-{n:03d}.md").write_text(
            f"---\ndate: {month.replace(day=2)}\nauthors: [mira]\ncategories: [Monthly]\n"
            f"slug: generated-{n}\nkind: monthly\nperiod: {month:%Y-%m}\n"
            f'subject: "Generated issue {n}"\npreheader: "Preview of {n}"\n---\n\n'
            f"# Generated issue {n}\n\nHello.\n\n<!-- more -->\n\n```posts\nperiod: {month:%Y-%m}\n"
            "```\n\n" + "Paragraph.\n\n" * 20,
            encoding="utf-8",
        )


def _build(project: Path) -> float:
    """CPU seconds (user + system) of one ``mkdocs build`` in a child process: less
    sensitive than wall time to other work on a shared machine."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    site = project / "build" / "site"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "-q",
            "-f",
            str(project / "mkdocs.yml"),
            "-d",
            str(site),
        ],
        check=True,
        env=env,
        cwd=project,
        capture_output=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _pair(baseline: Path, candidate: Path) -> tuple[float, float]:
    """Median CPU time of each, the builds interleaved so drift hits both alike."""
    base, cand = [], []
    for _ in range(RUNS):
        base.append(_build(baseline))
        cand.append(_build(candidate))
    return statistics.median(base), statistics.median(cand)


_SHARE_SCRIPT = """
import json, os, sys, time, functools
sys.path.insert(0, sys.argv[2])
os.environ["NO_MKDOCS_2_WARNING"] = "1"
from masthead.plugins.newsletter import plugin as mod
spent = [0.0]
depth = [0]
def timed(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        depth[0] += 1
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                spent[0] += time.perf_counter() - started
    return wrapper
for name in ("on_config", "on_files", "on_page_markdown", "on_page_content", "on_env",
             "on_page_context", "on_post_build", "_posts_fence", "_tweet_fence", "_video_fence"):
    setattr(mod.NewsletterPlugin, name, timed(getattr(mod.NewsletterPlugin, name)))
project = sys.argv[1]
os.chdir(project)
from mkdocs.commands.build import build
from mkdocs.config import load_config
started = time.perf_counter()
config = load_config(os.path.join(project, "mkdocs.yml"), site_dir=os.path.join(project, "out"))
build(config)
total = time.perf_counter() - started
print(json.dumps({"total": total, "plugin": spent[0]}))
"""


def _share(project: Path) -> tuple[float, float]:
    """(whole build, time inside the plugin's hooks and fences) of one in-process build
    (in a child process), in seconds."""
    import json

    out = subprocess.run(
        [sys.executable, "-c", _SHARE_SCRIPT, str(project), str(ROOT / "generator")],
        check=True,
        capture_output=True,
        text=True,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
        cwd=project,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return float(data["total"]), float(data["plugin"])


def run() -> str:
    rows = []
    shares = []
    with tempfile.TemporaryDirectory(prefix="bench-newsletter-") as tmp:
        for label, grow in (
            ("example (14 posts, 6 issues)", False),
            ("example + 300 posts + 60 issues", True),
        ):
            slug = "big" if grow else "small"
            with_plugin = _copy(Path(tmp) / f"{slug}-with")
            without = _copy(Path(tmp) / f"{slug}-without")
            if grow:
                _grow(with_plugin, 300, 60)
                _grow(without, 300, 60)
            _without_emails(with_plugin)
            _without_emails(without)
            _without_plugin(without)
            base, cand = _pair(without, with_plugin)
            rows.append((label, base, cand, cand / base))
            runs = [_share(with_plugin) for _ in range(RUNS)]
            total = statistics.median(t for t, _ in runs)
            inside = statistics.median(p for _, p in runs)
            shares.append((label, total, inside, inside / total))
    lines = [
        "## Newsletter plugin: issue pages, cards, lists and feeds",
        "",
        "Share of a full `mkdocs build` spent inside `masthead/newsletter` (its hooks and "
        "its fences, timed in the build process; median of "
        f"{RUNS} builds). The baseline is the whole build in the same run.",
        "",
        "| site | whole build | inside the plugin | share |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [f"| {label} | {t:.2f} s | {p:.2f} s | {r:.1%} |" for label, t, p, r in shares]
    lines += [
        "",
        "The same sites built without the plugin (its fences then render as code blocks, "
        "issue pages lose their extras, no feeds): CPU time (user + system) of the build "
        f"process, median of {RUNS} builds each, interleaved. On a shared machine these "
        "differ by more than the plugin's share from run to run: read them as a cross-check.",
        "",
        "| site | without plugin | with plugin | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [f"| {label} | {b:.2f} s | {c:.2f} s | {r:.2f}x |" for label, b, c, r in rows]
    verdict = "met" if shares[-1][3] < 0.10 else "NOT met"
    lines += [
        "",
        f"Target (under 10% of the build inside the plugin on the larger site): {verdict}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
