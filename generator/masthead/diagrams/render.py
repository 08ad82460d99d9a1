"""Render diagrams (``diagrams`` Python code or Graphviz DOT) to SVG and 2x PNG.

Author code never runs in the calling process: each Python diagram runs in
a child interpreter (:mod:`masthead.diagrams.runner`) that hands back DOT;
Graphviz then renders the SVG and, in a pass of its own at 144 dpi, the PNG
at exactly twice the SVG's size. Every step of one diagram shares one
deadline (``timeout``), and :meth:`Renderer.render_many` runs diagrams in
parallel threads, each driving its own child processes, so one broken
diagram never stops the others.

Results are cached by a key over the code, the kind, the renderer's version
and the versions of ``diagrams`` and Graphviz, in memory and in a
:class:`~masthead.diagrams.cache.DiagramCache`; an unchanged diagram is never
rendered twice. :attr:`Renderer.stats` counts launches and hits.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .cache import DiagramCache, IconStamp, Rendered
from .runner import NO_DIAGRAM, PAD_INCHES
from .svg import SvgError, finish_svg, png_size
from .toolchain import Toolchain, find_toolchain

RENDERER_VERSION = "2"
"""Bump when a change here alters the output, so cached renders are redone."""

PNG_DPI = 144
"""The SVG's 1 pt is 1 CSS px (72 dpi), so 144 dpi gives the PNG twice its pixels."""

DEFAULT_TIMEOUT = 30.0
TRACEBACK_LINES = 12
RUNNER = Path(__file__).with_name("runner.py")

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
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue  # not a file (yet): the render reports a missing icon
    return [[name, digest] for name, digest in sorted(found.items())]


def normalize_code(code: str) -> str:
    """The code as the cache sees it: no trailing blanks, no blank lines around it."""
    lines = [line.rstrip() for line in code.strip("\n").splitlines()]
    return "\n".join(lines).strip("\n") + "\n"


class _Timeout(Exception):
    pass


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
    ) -> None:
        self.cache = DiagramCache(cache_dir) if cache_dir is not None else None
        self.timeout = timeout
        self.jobs = max(1, jobs or default_jobs())
        self._dot = dot
        self._python = python
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
        with ThreadPoolExecutor(max_workers=min(self.jobs, len(items))) as pool:
            return list(pool.map(one, items))

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
                svg = self._graphviz(key, tools, ["-Tsvg"], dot_source, workdir, deadline)
                if isinstance(svg, RenderFailure):
                    return svg
                png = self._graphviz(
                    key, tools, ["-Tpng", f"-Gdpi={PNG_DPI}"], dot_source, workdir, deadline
                )
                if isinstance(png, RenderFailure):
                    return png
        except _Timeout:
            return RenderFailure(key, f"timed out after {self.timeout:g} s")
        try:
            finished = finish_svg(svg.decode("utf-8"), base_dir=workdir)
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
        cmd = [tools.python, "-P", str(RUNNER), str(out), source.label]
        code, _stdout, stderr = self._run(
            cmd, source.code.encode("utf-8"), workdir or tmp, deadline
        )
        text = stderr.decode("utf-8", "replace")
        if code == NO_DIAGRAM:
            return RenderFailure(key, "drew no diagram", _tail(text))
        if code != 0:
            return RenderFailure(key, _exception_line(text), _tail(text))
        if not out.is_file() or not out.read_text(encoding="utf-8").strip():
            return RenderFailure(key, "produced no output", _tail(text))
        return out.read_text(encoding="utf-8")

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
        code, stdout, stderr = self._run(cmd, dot_source.encode("utf-8"), workdir, deadline)
        text = stderr.decode("utf-8", "replace")
        if code != 0:
            first = next((ln for ln in text.splitlines() if ln.strip()), f"exit status {code}")
            return RenderFailure(key, f"Graphviz failed: {first.strip()}", _tail(text))
        if not stdout.strip():
            return RenderFailure(key, "Graphviz produced no output", _tail(text))
        return stdout

    def _run(
        self, cmd: list[str], stdin: bytes, cwd: Path | None, deadline: float
    ) -> tuple[int, bytes, bytes]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Timeout
        self.stats.add(launches=1)
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8"}
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            start_new_session=True,  # a process group, so a timeout kills its children too
        )
        try:
            stdout, stderr = proc.communicate(stdin, timeout=remaining)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise _Timeout from None
        return proc.returncode, stdout, stderr


def _tail(text: str, lines: int = TRACEBACK_LINES) -> str:
    kept = [ln for ln in text.rstrip().splitlines()]
    return "\n".join(kept[-lines:])


def _exception_line(stderr: str) -> str:
    """``raised NameError: name 'x' is not defined`` from a traceback."""
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    if not lines:
        return "failed without a message"
    last = lines[-1].strip()
    if last.startswith("SyntaxError") or last.startswith("IndentationError"):
        return f"has a syntax error: {last}"
    return f"raised {last}"
