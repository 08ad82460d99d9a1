"""Authoring at scale: builds and ``mkdocs serve`` with hundreds or thousands of posts.

For each size N (100, 500 and 2000 posts; ``MASTHEAD_BENCH_SCALE=100,500`` picks
others, for a quick run) the example publication plus N generated posts and N/20
newsletter issues (bench/synthetic.py, seeded) is built two ways, in the same run:

* stock Material (baseline): the same mkdocs.yml without the ``masthead/*``
  plugins, the same content without masthead's fences, built with ``mkdocs build``;
* masthead: ``masthead build`` cold (no cache), warm (again, nothing changed) and
  warm after one post's body was edited.

Each build runs in a child process: wall time, CPU time (user + system) and peak
resident set (``ru_maxrss`` from ``wait4``: the largest process of the build's
tree), one build at a time. Then ``mkdocs serve`` of each on a loopback port (the
two first builds at once: they are not measured), and saves, one at a time with
the other server idle, each timed from the write to the first response of the
page with the new text (a post's body, a post's title, also on the blog's index,
an issue's body, a reading lock entry's comment); the next save waits until the
rebuild has ended. Stock MkDocs rebuilds the whole site for any save, so its
serve is timed for a post's body only, the baseline of every save. Progress goes
to stdout; no assertion is made on any time.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import projects, synthetic

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SIZES = (100, 500, 2000)
ENV_SIZES = "MASTHEAD_BENCH_SCALE"
POLL = 0.1
"""Seconds between two requests for a page being rebuilt."""
SERVE_LIMIT = 1800.0
"""Seconds a serve build may take before the benchmark gives up."""
LOCK = Path("content") / "reading" / "2022-12.yml"
LOCK_ISSUE = "newsletter/2023/01/december-2022/"
"""The issue page that shows the picks of the lock above."""


def sizes() -> list[int]:
    raw = os.environ.get(ENV_SIZES, "").strip()
    if not raw:
        return list(SIZES)
    try:
        picked = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise SystemExit(f"{ENV_SIZES}={raw!r}: expected sizes like 100,500") from None
    if not picked or min(picked) < 20:
        raise SystemExit(f"{ENV_SIZES}={raw!r}: expected sizes of at least 20 posts")
    return picked


def _progress(message: str) -> None:
    print(f"scale: {message}", flush=True)


# --- the two projects ---------------------------------------------------------------


def _without_masthead(project: Path) -> None:
    """Drop every ``masthead/*`` plugin (and its options) from mkdocs.yml."""
    config = project / "mkdocs.yml"
    kept: list[str] = []
    skipping = False
    for line in config.read_text(encoding="utf-8").splitlines(keepends=True):
        if re.match(r"  - masthead/", line):
            skipping = True
            continue
        if skipping and (line.startswith("    ") or not line.strip()):
            continue
        skipping = False
        kept.append(line)
    text = "".join(kept)
    if "masthead/" in re.sub(r"(?m)^\s*#.*$", "", text):
        raise RuntimeError(f"{config}: a masthead plugin is left")
    config.write_text(text, encoding="utf-8")


@dataclass
class Site:
    project: Path
    posts: list[Path]
    issues: list[Path]


def _make(dest: Path, posts: int, *, stock: bool) -> Site:
    project = projects.copy_example(dest, strict=False)
    written = synthetic.grow(project, posts)
    if stock:
        _without_masthead(project)
        synthetic.strip_fences(project)
    issues = sorted((project / "content" / "newsletter" / "posts" / "generated").glob("*.md"))
    return Site(project, written, issues)


# --- builds ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    rss_kib: int
    warnings: list[str]


def _env() -> dict[str, str]:
    return dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONDONTWRITEBYTECODE="1")


def _build(site: Site, *, stock: bool) -> Run:
    """One build in a child process, measured by ``wait4``."""
    command = [str(BIN / "mkdocs"), "build"] if stock else [str(BIN / "masthead"), "build"]
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        child = subprocess.Popen(
            command, cwd=site.project, env=_env(), stdout=log, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read().decode("utf-8", "replace")
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} in {site.project} failed:\n{output[-3000:]}")
    warnings = [line.strip() for line in output.splitlines() if "WARNING" in line]
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, warnings)


def _edit_body(path: Path, marker: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + f"\n\n{marker}\n", encoding="utf-8")


def _edit_title(path: Path, title: str) -> None:
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(r"(?m)^# .*$", f"# {title}", text, count=1)
    if not count:
        raise RuntimeError(f"{path}: no '# title' line")
    path.write_text(new, encoding="utf-8")


def _edit_lock(path: Path, marker: str) -> None:
    """Put ``marker`` at the start of the first picked entry's comment."""
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(r"(?m)^(  comment: \|\n)(    )", rf"\1\2{marker}\n\2", text, count=1)
    if not count:
        raise RuntimeError(f"{path}: no 'comment: |' block")
    path.write_text(new, encoding="utf-8")


# --- serve ----------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User and system time of a process and of its children that have ended."""
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _free_ports(count: int) -> list[int]:
    """Loopback ports free now, all different."""
    with contextlib.ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return str(response.read().decode("utf-8", "replace"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return ""


@dataclass
class _Server:
    base: str
    process: subprocess.Popen[bytes]
    builds: list[float] = field(default_factory=list)
    """When each "Documentation built" line came, in perf_counter seconds."""
    log: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace")
            with self.changed:
                self.log.append(line)
                if "Documentation built in" in line:
                    self.builds.append(time.perf_counter())
                self.changed.notify_all()

    def wait_built(self, count: int) -> None:
        """Until the ``count``-th build has ended."""
        deadline = time.perf_counter() + SERVE_LIMIT
        with self.changed:
            while len(self.builds) < count:
                if self.process.poll() is not None or time.perf_counter() > deadline:
                    raise RuntimeError("mkdocs serve stopped or hung:\n" + "".join(self.log[-30:]))
                self.changed.wait(1.0)

    def until(self, path: str, needle: str, since: float) -> float:
        """Seconds from ``since`` to the first response of ``path`` holding ``needle``."""
        deadline = since + SERVE_LIMIT
        while True:
            if needle in _get(self.base + path):
                return time.perf_counter() - since
            if self.process.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"{path} never showed {needle!r}:\n" + "".join(self.log[-30:]))
            time.sleep(POLL)


@contextlib.contextmanager
def _serving(site: Site, port: int) -> Iterator[_Server]:
    """``mkdocs serve`` of the site on a loopback port, started (not yet built)."""
    process = subprocess.Popen(
        [str(BIN / "mkdocs"), "serve", "-a", f"127.0.0.1:{port}"],
        cwd=site.project,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    server = _Server(f"http://127.0.0.1:{port}/", process)
    reader = threading.Thread(target=server.read, daemon=True)
    reader.start()
    try:
        yield server
    finally:
        # Ctrl-C, as an author stops it: mkdocs serve then removes its temporary site.
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(10)


def _url_of(site: Site, post: Path, folder: str) -> str:
    """The site path of a generated post or issue (from its slug, in the built site)."""
    slug = re.search(r"(?m)^slug: (.+)$", post.read_text(encoding="utf-8"))
    assert slug is not None, post
    found = sorted((site.project / "build" / "site" / folder).glob(f"**/{slug[1]}/index.html"))
    if len(found) != 1:
        raise RuntimeError(f"expected one page for {post.name} in build/site/{folder}, got {found}")
    return found[0].parent.relative_to(site.project / "build" / "site").as_posix() + "/"


Edit = Callable[[], None]


@dataclass(frozen=True)
class Save:
    name: str
    edit: Edit
    path: str
    needle: str
    also: tuple[str, str] | None = None
    """Another page and what it must show after the same save (the blog index)."""


def _saves(site: Site, *, stock: bool, tag: str) -> list[Save]:
    middle = site.posts[len(site.posts) // 2]
    newest = site.posts[-1]
    issue = site.issues[len(site.issues) // 2]
    body = f"Serve body marker {tag} for the benchmark."
    title = f"Serve title marker {tag}"
    saves = [
        Save("post body", lambda: _edit_body(middle, body), _url_of(site, middle, "blog"), body)
    ]
    if stock:
        return saves
    issue_text = f"Serve issue marker {tag} for the benchmark."
    comment = f"Serve lock marker {tag} for the benchmark."
    saves += [
        Save(
            "post title",
            lambda: _edit_title(newest, title),
            _url_of(site, newest, "blog"),
            title,
            ("blog/", title),
        ),
        Save(
            "issue body",
            lambda: _edit_body(issue, issue_text),
            _url_of(site, issue, "newsletter"),
            issue_text,
        ),
        Save(
            "reading lock comment",
            lambda: _edit_lock(site.project / LOCK, comment),
            LOCK_ISSUE,
            comment,
        ),
    ]
    return saves


@dataclass(frozen=True)
class SaveTime:
    page: float
    """Seconds from the write to the page with the new text."""
    cpu: float
    """CPU seconds of the serve process (and its children) from the write to the end of
    the rebuild ("Documentation built")."""
    also: float | None = None


def _save_times(server: _Server, saves: list[Save]) -> dict[str, SaveTime]:
    """Each save in turn on a server whose first build has ended; the next save waits
    until the rebuild of the last one has ended."""
    times: dict[str, SaveTime] = {}
    done = len(server.builds)
    for save in saves:
        time.sleep(0.5)  # past the watcher's settling of the last build
        cpu = _cpu_seconds(server.process.pid)
        written = time.perf_counter()
        save.edit()
        page = server.until(save.path, save.needle, written)
        also = server.until(*save.also, written) if save.also else None
        done += 1
        server.wait_built(done)
        times[save.name] = SaveTime(page, _cpu_seconds(server.process.pid) - cpu, also)
    return times


def _serve_times(
    stock: Site, site: Site, posts: int
) -> tuple[dict[str, SaveTime], dict[str, SaveTime]]:
    """The saves on stock's server, then on masthead's. Both servers make their first
    build at once (it is not measured); each save is then timed with the other server
    idle."""
    stock_saves = _saves(stock, stock=True, tag=f"stock-{posts}")
    saves = _saves(site, stock=False, tag=f"masthead-{posts}")
    ports = _free_ports(2)
    with _serving(stock, ports[0]) as stock_server, _serving(site, ports[1]) as server:
        for running in (stock_server, server):
            running.wait_built(1)
            running.until("", "<html", time.perf_counter())
        _progress(f"{posts} posts: serve: both servers up; saves on stock's ...")
        stock_times = _save_times(stock_server, stock_saves)
        _progress(f"{posts} posts: serve: saves on masthead's ...")
        times = _save_times(server, saves)
    return stock_times, times


# --- the benchmark ------------------------------------------------------------------


@dataclass
class Figures:
    posts: int
    stock: Run
    cold: Run
    warm: Run
    edited: Run
    stock_serve: dict[str, SaveTime]
    serve: dict[str, SaveTime]


def _measure(tmp: Path, posts: int) -> Figures:
    _progress(f"{posts} posts: writing the two projects")
    stock = _make(tmp / f"stock-{posts}", posts, stock=True)
    site = _make(tmp / f"masthead-{posts}", posts, stock=False)

    def timed(label: str, build: Callable[[], Run]) -> Run:
        _progress(f"{posts} posts: {label} ...")
        run = build()
        _progress(
            f"{posts} posts: {label}: {run.wall:.1f} s, {run.cpu:.1f} s CPU, "
            f"{run.rss_kib / 1024:.0f} MiB, {len(run.warnings)} warnings"
        )
        for line in run.warnings[:3]:
            _progress(f"  {line[:200]}")
        return run

    base = timed("stock Material build", lambda: _build(stock, stock=True))
    cold = timed("masthead cold build", lambda: _build(site, stock=False))
    warm = timed("masthead warm build", lambda: _build(site, stock=False))
    _edit_body(site.posts[len(site.posts) // 3], "An edited paragraph for the warm build.")
    edited = timed("masthead build after a post edit", lambda: _build(site, stock=False))
    _progress(f"{posts} posts: starting mkdocs serve of both ...")
    stock_serve, serve = _serve_times(stock, site, posts)
    for name, figure in serve.items():
        _progress(f"{posts} posts: serve, {name}: page after {figure.page:.1f} s")
    shutil.rmtree(stock.project)
    shutil.rmtree(site.project)
    return Figures(posts, base, cold, warm, edited, stock_serve, serve)


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base > 0 else "n/a"


def _table(all_figures: list[Figures]) -> str:
    rows = [
        "| posts (+ issues) | build | wall time | vs stock | CPU time | vs stock | peak memory "
        "| vs stock |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for f in all_figures:
        label = f"{f.posts} (+ {f.posts // 20})"
        for name, run in (
            ("stock Material (baseline)", f.stock),
            ("masthead, cold", f.cold),
            ("masthead, warm (nothing changed)", f.warm),
            ("masthead, warm (one post edited)", f.edited),
        ):
            rows.append(
                f"| {label} | {name} | {run.wall:.1f} s | {_ratio(run.wall, f.stock.wall)} "
                f"| {run.cpu:.1f} s | {_ratio(run.cpu, f.stock.cpu)} "
                f"| {run.rss_kib / 1024:.0f} MiB | {_ratio(run.rss_kib, f.stock.rss_kib)} |"
            )
    return "\n".join(rows)


def _serve_table(all_figures: list[Figures]) -> str:
    rows = [
        "| posts | save | page shows it | vs stock | rebuild CPU time | vs stock "
        "| blog index shows it |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for f in all_figures:
        base = f.stock_serve["post body"]
        rows.append(
            f"| {f.posts} | stock Material, post body (baseline) | {base.page:.1f} s | 1.00x "
            f"| {base.cpu:.1f} s | 1.00x | |"
        )
        for name, t in f.serve.items():
            also = f"{t.also:.1f} s" if t.also is not None else ""
            rows.append(
                f"| {f.posts} | masthead, {name} | {t.page:.1f} s | {_ratio(t.page, base.page)} "
                f"| {t.cpu:.1f} s | {_ratio(t.cpu, base.cpu)} | {also} |"
            )
    return "\n".join(rows)


def run() -> str:
    picked = sizes()
    figures = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
        for posts in picked:
            figures.append(_measure(Path(scratch), posts))
    load = os.getloadavg()[0]
    largest = figures[-1]
    cold_ratio = _ratio(largest.cold.cpu, largest.stock.cpu)
    warm_ratio = _ratio(largest.warm.cpu, largest.stock.cpu)
    body_seconds = largest.serve["post body"].page
    body_ratio = _ratio(largest.serve["post body"].page, largest.stock_serve["post body"].page)
    return f"""## Authoring at scale: builds and serve

The example publication plus N generated posts (about 800 words, headings,
lists, code blocks, an admonition; seeded, bench/synthetic.py) and N/20
newsletter issues, for N = {", ".join(str(n) for n in picked)}. Baseline: stock Material, the same
mkdocs.yml without the masthead plugins and the same content without masthead's
fences (`mkdocs build`); masthead: `masthead build` in a fresh project (cold),
again with nothing changed (warm), and after one post's body was edited. Each
build in a child process: wall and CPU time, peak resident set of its largest
process. {os.cpu_count()} CPUs, shared (load average {load:.1f} at the end).

{_table(figures)}

`mkdocs serve` on loopback: seconds from saving a file to the first response of
the page with the new text (polled every {POLL:g} s), the CPU time of the whole
rebuild, and, for a title, when the blog index shows it, one save at a time.
Stock MkDocs answers once the whole site is rebuilt; masthead renders the pages
the save touches first, serves them, then rebuilds the site behind them (see
docs/configuration.md, "Serving: the saved page first"). The stock site is timed
for one save (a post's body), the baseline of every row.

{_serve_table(figures)}

At {largest.posts} posts a masthead build costs {cold_ratio} the CPU time of the
stock build cold and {warm_ratio} warm; a post's save shows in `mkdocs serve`
after {body_seconds:.1f} s, {body_ratio} stock's.
Set `{ENV_SIZES}=100,500` (sizes of your choice) for a quicker run.
"""


if __name__ == "__main__":
    print(run())
