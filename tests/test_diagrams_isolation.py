"""A diagram's code runs with care: bounded output, a deadline for everything it
starts, an allow-listed environment, no temporary folder left behind.

Real child processes throughout: floods of output, grandchildren that detach
into sessions of their own and keep the pipes open, a real SIGINT.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from masthead import process
from masthead.cli import main
from masthead.diagrams import render
from masthead.diagrams import svg as svg_module
from masthead.diagrams.cache import Rendered
from masthead.diagrams.render import CODE_ENV, DiagramSource, Renderer, RenderFailure, Result
from masthead.process import PASSED_ENV, Output

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="walks the process tree in /proc"
)

DRAW = """
from diagrams import Diagram
from diagrams.generic.blank import Blank
with Diagram("d"):
    Blank("drawn")
"""

MB = 1024 * 1024
MEMORY_BOUND = 50 * MB
"""How much more the parent's resident memory may peak at while a diagram floods it."""
PROMPT = 30.0
"""A bound against hanging: well below the 120 s the detached grandchildren sleep."""


def ok(result: Result) -> Rendered:
    assert isinstance(result, Rendered), result.describe()  # type: ignore[union-attr]
    return result


def failed(result: Result) -> RenderFailure:
    assert isinstance(result, RenderFailure), f"expected a failure, got {result!r}"
    return result


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The folder the renderer makes its temporary folders in; empty afterwards."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder


def left_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie is dead: it only waits to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def gone(pid: int, within: float = 5.0) -> bool:
    end = time.monotonic() + within
    while alive(pid):
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


def peak_growth(call: Callable[[], Result]) -> tuple[Result, int]:
    """``call()`` and how far above its starting point the process's resident memory
    peaked meanwhile, in bytes (the kernel's high-water mark, reset first)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")  # reset VmHWM to the current VmRSS
    except OSError:
        pytest.skip("cannot reset the peak resident memory (/proc/self/clear_refs)")
    before = _status_kb("VmRSS")
    result = call()
    return result, (_status_kb("VmHWM") - before) * 1024


# -- output ---------------------------------------------------------------------------


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_a_flood_of_output_is_capped(scratch: Path, stream: str) -> None:
    code = (
        "import sys\n"
        "chunk = 'x' * (1024 * 1024 - 1) + '\\n'\n"
        f"for _ in range(200):\n    sys.{stream}.write(chunk)\n"
        "raise ValueError('after the flood')\n"
    )
    renderer = Renderer(None, timeout=60)
    result, growth = peak_growth(lambda: renderer.render(DiagramSource("python", code)))
    failure = failed(result)
    assert failure.reason == "raised ValueError: after the flood"
    note = (
        f"(the code wrote 200 MiB to {stream}; only the first and last 32 KiB were kept, "
        "the rest was dropped)"
    )
    assert failure.detail.endswith(note), failure.detail
    assert len(failure.describe()) < 5000  # short: no 32 KiB line of x's
    assert growth < MEMORY_BOUND, f"peak resident memory grew by {growth / MB:.0f} MiB"
    assert left_in(scratch) == []


def test_endless_output_ends_at_the_deadline(scratch: Path) -> None:
    code = "import sys\nwhile True:\n    sys.stdout.write('y' * 65536)\n"
    renderer = Renderer(None, timeout=2)
    started = time.monotonic()
    result, growth = peak_growth(lambda: renderer.render(DiagramSource("python", code)))
    failure = failed(result)
    assert time.monotonic() - started < PROMPT
    assert failure.reason == "timed out after 2 s"
    assert re.search(
        r"\(the code wrote [\d.]+ [KM]iB to stdout; only the first and last 32 KiB were kept, "
        r"the rest was dropped\)$",
        failure.detail,
    ), failure.detail
    assert len(failure.describe()) < 1000
    assert growth < MEMORY_BOUND, f"peak resident memory grew by {growth / MB:.0f} MiB"
    assert left_in(scratch) == []


def test_graphviz_output_past_the_limit_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "MAX_OUTPUT_BYTES", 1000)
    failure = failed(Renderer(None).render(DiagramSource("dot", "digraph { a -> b -> c }")))
    assert failure.reason == "Graphviz's output is larger than 1000 bytes"


def test_output_keeps_its_first_and_last_half() -> None:
    kept = Output(10)
    for piece in (b"abc", b"defgh", b"ijklmnop", b"qrst"):
        kept.add(piece)
    assert (kept.total, kept.dropped, kept.data) == (20, 10, b"abcdepqrst")
    assert kept.text() == "abcde\n[... 10 bytes dropped ...]\npqrst"
    whole = Output(10)
    whole.add(b"0123456789")
    assert (whole.dropped, whole.data, whole.text()) == (0, b"0123456789", "0123456789")
    strict = Output(10, strict=True)
    strict.add(b"0123456789")
    with pytest.raises(process.OutputTooLarge):
        strict.add(b"!")


def test_the_code_s_temporary_files_go_with_the_render(scratch: Path) -> None:
    code = (
        "import os, tempfile\n"
        "fd, path = tempfile.mkstemp()\nos.write(fd, b'data')\n"
        "os.makedirs(os.path.join(tempfile.gettempdir(), 'locked', 'inner'))\n"
        "os.chmod(os.path.join(tempfile.gettempdir(), 'locked'), 0o500)\n" + DRAW
    )
    ok(Renderer(None, timeout=20).render(DiagramSource("python", code)))
    assert left_in(scratch) == []


# -- the deadline holds for everything the diagram started ------------------------------


def detach(pidfile: Path, *, keep_pipes: bool = True) -> str:
    """Code that starts a grandchild the classic daemon way (fork, setsid, fork),
    which writes its pid to ``pidfile`` and sleeps 120 s, holding the diagram's
    stdout and stderr unless ``keep_pipes`` is false."""
    close = (
        "        null = os.open(os.devnull, os.O_RDWR)\n"
        "        for fd in (0, 1, 2):\n"
        "            os.dup2(null, fd)\n"
    )
    return (
        "import os, time\n"
        f"pidfile = {str(pidfile)!r}\n"
        "first = os.fork()\n"
        "if first == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        + ("" if keep_pipes else close)
        + "        with open(pidfile + '.part', 'w') as fh:\n"
        "            fh.write(str(os.getpid()))\n"
        "        os.replace(pidfile + '.part', pidfile)\n"
        "        time.sleep(120)\n"
        "    os._exit(0)\n"
        "os.waitpid(first, 0)\n"
        "while not os.path.exists(pidfile):\n"
        "    time.sleep(0.01)\n"
    )


ENDINGS = {
    # the code draws and exits; the grandchild keeps the pipes open
    "draws": (DRAW, True, None),
    # a detached grandchild with its pipes closed still does not outlive the render
    "draws, grandchild without pipes": (DRAW, False, None),
    # the code never ends: the deadline
    "sleeps": ("time.sleep(60)\n", True, "timed out after 2 s"),
    # the code kills the process that watches it; the grandchild holds the pipes
    "kills its runner": (
        "import signal\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(60)\n",
        True,
        "was killed by signal SIGKILL",
    ),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_detached_grandchild_neither_holds_the_render_nor_outlives_it(
    tmp_path: Path, scratch: Path, ending: str
) -> None:
    rest, keep_pipes, reason = ENDINGS[ending]
    pidfile = tmp_path / "grandchild.pid"
    code = detach(pidfile, keep_pipes=keep_pipes) + rest
    renderer = Renderer(None, timeout=2 if reason else 20)
    started = time.monotonic()
    result = renderer.render(DiagramSource("python", code))
    elapsed = time.monotonic() - started
    assert elapsed < PROMPT, f"the render took {elapsed:.0f} s"
    if reason is None:
        ok(result)
    else:
        assert failed(result).reason == reason
    grandchild = int(pidfile.read_text())
    assert gone(grandchild), f"the grandchild {grandchild} still runs"
    assert left_in(scratch) == []


def test_a_graphviz_that_leaves_a_process_behind_is_bounded_too(
    tmp_path: Path, scratch: Path
) -> None:
    real = shutil.which("dot")
    assert real is not None
    pidfile = tmp_path / "grandchild.pid"
    fake = tmp_path / "dot"
    fake.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = -V ]; then exec {real} -V; fi\n'
        # a detached process holding stdout, then the real Graphviz
        f"setsid sh -c 'echo $$ > {pidfile}; exec sleep 120' &\n"
        f"while [ ! -s {pidfile} ]; do sleep 0.01; done\n"
        f'exec {real} "$@"\n'
    )
    fake.chmod(0o755)
    renderer = Renderer(None, timeout=20, dot=str(fake))
    started = time.monotonic()
    ok(renderer.render(DiagramSource("dot", "digraph { a -> b }")))
    assert time.monotonic() - started < PROMPT
    assert gone(int(pidfile.read_text()))
    assert left_in(scratch) == []


@pytest.mark.parametrize("jobs", [1, 3])
def test_an_interrupt_kills_the_renders_and_removes_their_folders(
    tmp_path: Path, scratch: Path, jobs: int
) -> None:
    pidfiles = [tmp_path / f"{n}.pid" for n in range(jobs)]
    sources = [
        DiagramSource(
            "python",
            f"import os, time\nopen({str(p)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n",
        )
        for p in pidfiles
    ]
    renderer = Renderer(None, timeout=60, jobs=jobs)

    def interrupt() -> None:
        end = time.monotonic() + 20
        while not all(p.exists() and p.read_text() for p in pidfiles):
            if time.monotonic() > end:
                break
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        renderer.render_many(sources)
    assert time.monotonic() - started < PROMPT
    for p in pidfiles:
        assert gone(int(p.read_text()))
    assert left_in(scratch) == []
    # the renderer still works afterwards
    ok(renderer.render(DiagramSource("dot", "digraph { after }")))


def test_a_signal_that_kills_the_code_is_named() -> None:
    code = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"
    failure = failed(Renderer(None, timeout=20).render(DiagramSource("python", code)))
    assert failure.reason == "was killed by signal SIGKILL"


# -- the environment --------------------------------------------------------------------

SECRETS = {"BUTTONDOWN_API_KEY": "bd-secret-1234", "MASTHEAD_SMTP_PASSWORD": "smtp-secret-5678"}

SHOW_ENV = """
import os
from diagrams import Diagram
from diagrams.generic.blank import Blank
shown = " ".join(f"{k}={v}" if k == "MY_VAR" else k for k, v in sorted(os.environ.items()))
with Diagram("env"):
    Blank("ENV: " + shown)
"""


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MY_VAR", "passed-on")
    monkeypatch.setenv("OTHER_VAR", "not-passed")


def env_names(svg: str) -> dict[str, str]:
    """The variables (and MY_VAR's value) that SHOW_ENV drew into ``svg``."""
    match = re.search(r">ENV: ([^<]*)<", html.unescape(svg))
    assert match is not None, svg[:500]
    seen: dict[str, str] = {}
    for word in match.group(1).split():
        name, _, value = word.partition("=")
        seen[name] = value
    return seen


@pytest.mark.usefixtures("secrets")
def test_the_code_sees_only_the_allow_listed_environment() -> None:
    svg = ok(Renderer(None, timeout=20, env=["MY_VAR"]).render(DiagramSource("python", SHOW_ENV)))
    text = html.unescape(svg.svg.decode())
    seen = env_names(text)
    for name, value in SECRETS.items():
        assert name not in seen and value not in text
    assert "OTHER_VAR" not in seen
    assert seen["MY_VAR"] == "passed-on"
    assert "PATH" in seen and "HOME" in seen and "TMPDIR" in seen
    allowed = {*PASSED_ENV, *process.FIXED_ENV, *CODE_ENV, "MY_VAR"}
    assert set(seen) <= allowed, set(seen) - allowed

    without = Renderer(None, timeout=20).render(DiagramSource("python", SHOW_ENV + "# again\n"))
    assert "MY_VAR" not in env_names(ok(without).svg.decode())


@pytest.mark.usefixtures("secrets")
def test_graphviz_sees_only_the_allow_listed_environment(tmp_path: Path) -> None:
    real = shutil.which("dot")
    assert real is not None
    logs = tmp_path / "env"
    logs.mkdir()
    fake = tmp_path / "dot"
    fake.write_text(f'#!/bin/sh\nenv > {logs}/$$.env\nexec {real} "$@"\n')
    fake.chmod(0o755)
    renderer = Renderer(None, timeout=20, dot=str(fake), env=["MY_VAR"])
    ok(renderer.render(DiagramSource("dot", "digraph { a -> b }")))
    runs = [p.read_text() for p in logs.iterdir()]
    assert len(runs) == 3  # dot -V, the SVG pass, the PNG pass
    for env in runs:
        for name, value in SECRETS.items():
            assert name not in env and value not in env
        assert "OTHER_VAR" not in env
    assert sum("MY_VAR=passed-on" in env for env in runs) == 2  # both passes


def test_the_environment_is_not_part_of_the_cache_key(monkeypatch: pytest.MonkeyPatch) -> None:
    source = DiagramSource("python", DRAW)
    key = Renderer(None).key(source)
    assert Renderer(None, env=["MY_VAR", "HOME"]).key(source) == key
    monkeypatch.setenv("MY_VAR", "something else")
    monkeypatch.setenv("BUTTONDOWN_API_KEY", "another")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert Renderer(None, env=["MY_VAR"]).key(source) == key


@pytest.mark.usefixtures("secrets")
def test_the_command_passes_the_variables_it_is_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "env.py").write_text(SHOW_ENV)
    args = ["diagrams", "render", "env.py", "--out", "out", "--no-cache"]
    assert main([*args, "--env", "MY_VAR"]) == 0
    seen = env_names((tmp_path / "out" / "env.svg").read_text())
    assert seen["MY_VAR"] == "passed-on" and "BUTTONDOWN_API_KEY" not in seen
    assert main(args) == 0
    assert "MY_VAR" not in env_names((tmp_path / "out" / "env.svg").read_text())


# -- the files a diagram names ----------------------------------------------------------

ICON = (
    "from diagrams import Diagram\nfrom diagrams.custom import Custom\n"
    'with Diagram("c"):\n    Custom("mine", "{name}")\n'
)


def test_an_icon_past_the_limit_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    icon = subprocess.run(
        ["dot", "-Tpng"], input=b"digraph { x }", capture_output=True, check=True
    ).stdout
    (tmp_path / "big.png").write_bytes(icon)
    monkeypatch.setattr(svg_module, "MAX_ICON_BYTES", 100)
    assert len(icon) > 100
    source = DiagramSource("python", ICON.format(name="big.png"), workdir=tmp_path)
    failure = failed(Renderer(None, timeout=20).render(source))
    assert failure.reason == "icon file 'big.png' is larger than 100 bytes"


def test_a_fifo_named_as_an_icon_hangs_nothing(tmp_path: Path, scratch: Path) -> None:
    os.mkfifo(tmp_path / "pipe.png")  # no writer: reading it would block for ever
    source = DiagramSource("python", ICON.format(name="pipe.png"), workdir=tmp_path)
    renderer = Renderer(None, timeout=2)
    started = time.monotonic()
    renderer.key(source)  # the key hashes icon files: not this one
    failed(renderer.render(source))
    assert time.monotonic() - started < PROMPT
    assert left_in(scratch) == []
