"""Render diagrams (``diagrams`` Python code or Graphviz DOT) to SVG and 2x PNG.

Author code never runs in the calling process: each Python diagram runs in
a child interpreter (:mod:`masthead.diagrams.runner`) that hands back DOT;
Graphviz then renders the SVG and, in a pass of its own at 144 dpi, the PNG
at exactly twice the SVG's size. Every step of one diagram shares one
deadline (``timeout``), and :meth:`Renderer.render_many` runs diagrams in
parallel threads, each driving its own child processes, so one broken
diagram never stops the others.

The children run through :mod:`masthead.process`: each in a session
of its own with an allow-listed environment (plus the variables the user
names), at most 64 KiB kept of each of its stdout and stderr, and the deadline
enforced on every process it started. The author's code runs with the user's
own permissions: this is isolation from the build, not a sandbox.

Results are cached by a key over the code, the kind, whether the title is
drawn, the renderer's version and the versions of ``diagrams`` and Graphviz,
in memory and in a :class:`~masthead.diagrams.cache.DiagramCache`; an
unchanged diagram is never rendered twice. :attr:`Renderer.stats` counts
launches and hits.

The same source gives the same bytes on every clean build: nodes get names in
the order the code makes them (not random UUIDs), the code runs with a fixed
``PYTHONHASHSEED`` (a set it loops over comes in the same order every time),
and the SVG keeps no comment or file path, the PNG no text or time chunk.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .. import process
from .cache import DiagramCache, IconStamp, Rendered
from .graph_label import without_graph_label
from .png import png_size, without_metadata
from .runner import KILLED, NO_DIAGRAM, PAD_INCHES
from .svg import SvgError, finish_svg
from .toolchain import Toolchain, find_toolchain

RENDERER_VERSION = "3"
"""Bump when a change here alters the output, so cached renders are redone."""

PNG_DPI = 144
"""The SVG's 1 pt is 1 CSS px (72 dpi), so 144 dpi gives the PNG twice its pixels."""

DEFAULT_TIMEOUT = 30.0
TRACEBACK_LINES = 12
LINE_CHARS = 300
"""Characters shown of one line of a child's messages (a reason or a line of detail)."""
MAX_OUTPUT_BYTES = 32 * 1024 * 1024
"""The largest Graphviz source a diagram may produce, and the largest SVG or PNG."""
RUNNER = Path(__file__).with_name("runner.py")
CODE_ENV = {"PYTHONHASHSEED": "0"}
"""Set for the code besides :func:`masthead.process.child_environment`: the same
order of sets and dicts of strings on every run, so the same drawing."""

Kind = Literal["python", "dot"]


@dataclass(frozen=True)
class DiagramSource:
    """One diagram to render."""

    kind: Kind
    code: str
    label: str = "<diagram>"
    """The file name shown in tracebacks (the ``src=`` path, or ``<diagram>``)."""
    workdir: Path | None = None
    """Where the code runs and relative icon paths resolve (not part of the key)."""
    title: bool = True
    """Draw the graph's own label (the ``Diagram("...")`` name) in the image; False
    when a caption says it below the image."""


@dataclass(frozen=True)
class RenderFailure:
    """Why a diagram did not render."""

    key: str
    reason: str
    """One line: ``raised ValueError: ...``, ``timed out after 30 s``, ..."""
    detail: str = ""
    """The last lines of the traceback or of Graphviz's messages."""

    def describe(self) -> str:
        return f"{self.reason}\n{self.detail}".rstrip()


Result = Rendered | RenderFailure


@dataclass
class RenderStats:
    """What a :class:`Renderer` did: the proof that a warm build renders nothing."""

    launches: int = 0
    """Child processes started to render (author code and Graphviz)."""
    rendered: int = 0
    """Diagrams rendered (successfully or not)."""
    memory_hits: int = 0
    disk_hits: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)


def default_jobs() -> int:
    """One render per CPU, plus one.

    A render is a chain of short child processes; the extra one keeps the
    CPUs busy while another waits for a process to start or a pipe to drain
    (Ninja's default of CPUs + 2 follows the same reasoning).
    """
    return (os.cpu_count() or 1) + 1


_IMAGE_LITERAL = re.compile(r"""["']([^"'\n]+\.(?:png|jpe?g|gif|svg|webp))["']""", re.IGNORECASE)


def local_images(source: DiagramSource) -> list[list[str]]:
    """Image files the code names in string literals (``Custom("x", "icons/x.png")``,
    DOT's ``image="x.png"``), with a hash of their contents, for the cache key:
    replacing an icon file renders the diagram again."""
    found: dict[str, str] = {}
    for name in _IMAGE_LITERAL.findall(source.code):
        path = Path(name)
        if not path.is_absolute() and source.workdir is not None:
            path = source.workdir / path
        try:
            if not path.is_file():
                continue  # not a file (yet), or a FIFO or device: the render reports it
            with path.open("rb") as fh:
                found[name] = hashlib.file_digest(fh, "sha256").hexdigest()
        except OSError:
            continue
    return [[name, digest] for name, digest in sorted(found.items())]


def normalize_code(code: str) -> str:
    """The code as the cache sees it: no trailing blanks, no blank lines around it."""
    lines = [line.rstrip() for line in code.strip("\n").splitlines()]
    return "\n".join(lines).strip("\n") + "\n"


class _Timeout(Exception):
    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail


class Renderer:
    """Renders :class:`DiagramSource` objects, with a cache and a process per step."""

    def __init__(
        self,
        cache_dir: Path | None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        jobs: int | None = None,
        dot: str = "dot",
        python: str | None = None,
        env: Iterable[str] = (),
    ) -> None:
        self.cache = DiagramCache(cache_dir) if cache_dir is not None else None
        self.timeout = timeout
        self.jobs = max(1, jobs or default_jobs())
        self.env = tuple(env)
        """Names of environment variables passed to the children besides
        :data:`~masthead.process.PASSED_ENV` (not part of the key)."""
        self._dot = dot
        self._python = python
        self._cancel = threading.Event()
        self._toolchain: Toolchain | None = None
        self._memory: dict[str, Rendered] = {}
        self._lock = threading.Lock()
        self.stats = RenderStats()

    @property
    def toolchain(self) -> Toolchain:
        """Graphviz and ``diagrams`` versions (raises GraphvizMissing, once per call)."""
        if self._toolchain is None:
            self._toolchain = find_toolchain(self._dot, self._python)
        return self._toolchain

    def key(self, source: DiagramSource) -> str:
        tools = self.toolchain
        payload = {
            "renderer": [RENDERER_VERSION, PNG_DPI, PAD_INCHES],
            "kind": source.kind,
            "code": normalize_code(source.code),
            "title": source.title,
            "graphviz": tools.graphviz_version,
            "diagrams": tools.diagrams_version if source.kind == "python" else "",
            "images": local_images(source),
        }
        blob = json.dumps(payload, sort_keys=True).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()[:32]

    def cached(self, source: DiagramSource) -> Rendered | None:
        """The cached render of ``source``, from memory or disk, without rendering."""
        return self._lookup(self.key(source))

    def _lookup(self, key: str) -> Rendered | None:
        with self._lock:
            hit = self._memory.get(key)
        if hit is not None and all(icon.unchanged() for icon in hit.icons):
            self.stats.add(memory_hits=1)
            return hit
        if self.cache is not None:
            found = self.cache.get(key)
            if found is not None and all(icon.unchanged() for icon in found.icons):
                self.stats.add(disk_hits=1)
                with self._lock:
                    self._memory[key] = found
                return found
        return None

    def render(self, source: DiagramSource) -> Result:
        """The render of ``source``: from the cache, or made now (and cached)."""
        key = self.key(source)
        hit = self._lookup(key)
        if hit is not None:
            return hit
        result = self._render_now(key, source)
        if isinstance(result, Rendered):
            with self._lock:
                self._memory[key] = result
            if self.cache is not None:
                self.cache.put(result)
        return result

    def render_many(
        self,
        sources: Iterable[DiagramSource],
        *,
        progress: Callable[[DiagramSource, Result], None] | None = None,
    ) -> list[Result]:
        """Render ``sources`` in parallel (``jobs`` at a time); results in the same order."""
        items = list(sources)
        self.toolchain  # noqa: B018 -- fail once, early, when Graphviz is missing
        if not items:
            return []

        def one(source: DiagramSource) -> Result:
            result = self.render(source)
            if progress is not None:
                progress(source, result)
            return result

        if self.jobs == 1 or len(items) == 1:
            return [one(s) for s in items]
        try:
            with ThreadPoolExecutor(max_workers=min(self.jobs, len(items))) as pool:
                try:
                    return list(pool.map(one, items))
                except BaseException:
                    # An interrupt (or an error): stop the renders still running,
                    # so that leaving the pool does not wait for them to finish.
                    self._cancel.set()
                    raise
        finally:
            self._cancel.clear()

    # -- one render ---------------------------------------------------------

    def _render_now(self, key: str, source: DiagramSource) -> Result:
        tools = self.toolchain
        self.stats.add(rendered=1)
        deadline = time.monotonic() + self.timeout
        workdir = source.workdir if source.workdir is not None and source.workdir.is_dir() else None
        try:
            with tempfile.TemporaryDirectory(prefix="masthead-diagram-") as tmp:
                if source.kind == "python":
                    dot_source = self._run_python(key, source, tools, Path(tmp), workdir, deadline)
                    if isinstance(dot_source, RenderFailure):
                        return dot_source
                else:
                    dot_source = source.code
                if not source.title:
                    dot_source = without_graph_label(dot_source)
                svg = self._graphviz(key, tools, ["-Tsvg"], dot_source, workdir, deadline)
                if isinstance(svg, RenderFailure):
                    return svg
                png = self._graphviz(
                    key, tools, ["-Tpng", f"-Gdpi={PNG_DPI}"], dot_source, workdir, deadline
                )
                if isinstance(png, RenderFailure):
                    return png
        except _Timeout as exc:
            return RenderFailure(key, f"timed out after {self.timeout:g} s", exc.detail)
        try:
            finished = finish_svg(svg.decode("utf-8"), base_dir=workdir)
            png = without_metadata(png)
            png_width, png_height = png_size(png)
            icons = tuple(IconStamp.of(path) for path in finished.files)
        except (SvgError, UnicodeDecodeError) as exc:
            return RenderFailure(key, str(exc))
        except OSError as exc:
            return RenderFailure(key, f"cannot read an icon: {exc}")
        return Rendered(
            key=key,
            svg=finished.text.encode("utf-8"),
            png=png,
            width=finished.width,
            height=finished.height,
            png_width=png_width,
            png_height=png_height,
            icons=icons,
        )

    def _run_python(
        self,
        key: str,
        source: DiagramSource,
        tools: Toolchain,
        tmp: Path,
        workdir: Path | None,
        deadline: float,
    ) -> str | RenderFailure:
        out = tmp / "diagram.dot"
        scratch = tmp / "tmp"  # the code's TMPDIR, removed with the rest
        scratch.mkdir()
        cmd = [tools.python, "-P", str(RUNNER), str(out), source.label]
        env = {**process.child_environment(self.env, tmpdir=scratch), **CODE_ENV}
        done = self._run(
            cmd, source.code.encode("utf-8"), workdir or tmp, deadline, env, "the code"
        )
        if isinstance(done, str):
            return RenderFailure(key, done)
        code, text = done.returncode, done.stderr.text()
        detail = _detail(text, done, "the code")
        if code == NO_DIAGRAM:
            return RenderFailure(key, "drew no diagram", detail)
        if code == KILLED or code < 0:
            return RenderFailure(key, _killed_line(text, code), detail)
        if code != 0:
            return RenderFailure(key, _exception_line(text), detail)
        try:
            info = os.lstat(out)
        except OSError:
            info = None
        # Only a regular file is read: a FIFO or a device put there would block or never end.
        size = info.st_size if info is not None and stat.S_ISREG(info.st_mode) else 0
        if size > MAX_OUTPUT_BYTES:
            return RenderFailure(
                key,
                f"drew a diagram whose Graphviz source is larger than {_size(MAX_OUTPUT_BYTES)}",
            )
        dot_source = out.read_text(encoding="utf-8", errors="replace") if size else ""
        if not dot_source.strip():
            return RenderFailure(key, "produced no output", detail)
        return dot_source

    def _graphviz(
        self,
        key: str,
        tools: Toolchain,
        args: list[str],
        dot_source: str,
        workdir: Path | None,
        deadline: float,
    ) -> bytes | RenderFailure:
        cmd = [tools.dot, *args]
        env = process.child_environment(self.env, graphviz=True)
        done = self._run(
            cmd, dot_source.encode("utf-8"), workdir, deadline, env, "Graphviz", image=True
        )
        if isinstance(done, str):
            return RenderFailure(key, done)
        code, text = done.returncode, done.stderr.text()
        detail = _detail(text, done, "Graphviz")
        if code != 0:
            first = next((ln for ln in text.splitlines() if ln.strip()), f"exit status {code}")
            return RenderFailure(key, f"Graphviz failed: {_clip(first.strip())}", detail)
        stdout = done.stdout.data
        if not stdout.strip():
            return RenderFailure(key, "Graphviz produced no output", detail)
        return stdout

    def _run(
        self,
        cmd: list[str],
        stdin: bytes,
        cwd: Path | None,
        deadline: float,
        env: dict[str, str],
        who: str,
        *,
        image: bool = False,
    ) -> process.Finished | str:
        """Run one child; its result, or why it could not run (raises :class:`_Timeout`).

        ``image``: stdout is the product, kept whole up to :data:`MAX_OUTPUT_BYTES`
        (past that the run fails); otherwise at most 64 KiB of it is kept, as of stderr.
        """
        if deadline - time.monotonic() <= 0:
            raise _Timeout
        self.stats.add(launches=1)
        try:
            return process.run(
                cmd,
                stdin,
                deadline=deadline,
                cwd=cwd,
                env=env,
                stdout_limit=MAX_OUTPUT_BYTES if image else process.STREAM_LIMIT,
                strict_stdout=image,
                cancel=self._cancel,
            )
        except process.Timeout as exc:
            raise _Timeout(_detail(exc.stderr.text(), exc, who)) from None
        except process.OutputTooLarge:
            return f"Graphviz's output is larger than {_size(MAX_OUTPUT_BYTES)}"
        except OSError as exc:
            return f"cannot run {cmd[0]}: {exc}"


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.4g} MiB"
    if count >= 1024:
        return f"{count / 1024:.4g} KiB"
    return f"{count} bytes"


def _clip(line: str, chars: int = LINE_CHARS) -> str:
    return line if len(line) <= chars else line[: chars - 1] + "\u2026"


def _tail(text: str, lines: int = TRACEBACK_LINES) -> str:
    kept = [_clip(ln) for ln in text.rstrip().splitlines()]
    return "\n".join(kept[-lines:])


def _detail(text: str, done: process.Finished | process.Timeout, who: str) -> str:
    """The last lines of ``text``, then a note for each stream that was cut short."""
    notes = [
        f"({who} wrote {_size(stream.total)} to {name}; only the first and last "
        f"{_size(stream.limit // 2)} were kept, the rest was dropped)"
        for name, stream in (("stdout", done.stdout), ("stderr", done.stderr))
        if stream.dropped
    ]
    return "\n".join([_tail(text), *notes]).strip("\n")


def _killed_line(stderr: str, code: int) -> str:
    """``was killed by signal SIGKILL``: the code's process, or the runner itself."""
    if code < 0:
        try:
            return f"was killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    lines = [ln.strip() for ln in stderr.strip().splitlines() if ln.strip()]
    last = lines[-1] if lines else "killed by a signal"
    return f"was {_clip(last)}"


def _exception_line(stderr: str) -> str:
    """``raised NameError: name 'x' is not defined`` from a traceback."""
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    if not lines:
        return "failed without a message"
    last = _clip(lines[-1].strip())
    if last.startswith("SyntaxError") or last.startswith("IndentationError"):
        return f"has a syntax error: {last}"
    return f"raised {last}"
