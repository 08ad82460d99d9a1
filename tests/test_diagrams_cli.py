"""``masthead diagrams render FILE... [--out DIR]``."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

from masthead.cli import main

PY = """\
from diagrams import Diagram
from diagrams.k8s.compute import Pod
from diagrams.k8s.network import SVC

with Diagram("svc"):
    SVC("svc") >> Pod("pod")
"""


def png_dimensions(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "svc.py").write_text(PY)
    (tmp_path / "phases.dot").write_text("digraph { Pending -> Running }\n")
    return tmp_path


def test_renders_python_and_dot(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagrams", "render", "svc.py", "phases.dot", "--out", "out"]) == 0
    out, err = capsys.readouterr()
    for source in ("svc.py", "phases.dot"):
        stem = Path(source).stem
        svg = (work / "out" / f"{stem}.svg").read_text()
        width = int(svg.split('width="', 1)[1].split('"', 1)[0])
        height = int(svg.split('height="', 1)[1].split('"', 1)[0])
        assert png_dimensions(work / "out" / f"{stem}@2x.png") == (2 * width, 2 * height)
        line = f"{source} -> out/{stem}.svg ({width}x{height}), {stem}@2x.png "
        assert line + f"({2 * width}x{2 * height})" in out
    assert "data:image/png;base64," in (work / "out" / "svc.svg").read_text()
    assert "2 rendered, 0 failed (2 needed rendering, 0 came from the cache)" in err
    # the cache is the project's, in the current folder
    assert main(["diagrams", "render", "svc.py", "phases.dot", "--out", "out"]) == 0
    assert "(0 needed rendering, 2 came from the cache)" in capsys.readouterr().err
    assert (work / ".cache" / "masthead" / "diagrams").is_dir()


def test_one_failure_does_not_stop_the_others(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (work / "broken.py").write_text("import diagrams\n\n1 / 0\n")
    code = main(["diagrams", "render", "broken.py", "svc.py", "-o", "out", "--no-cache"])
    assert code == 1
    err = capsys.readouterr().err
    assert "masthead: error: broken.py: raised ZeroDivisionError: division by zero" in err
    assert 'File "broken.py", line 3, in <module>' in err
    assert (work / "out" / "svc.svg").is_file()
    assert not (work / "out" / "broken.svg").exists()
    assert not (work / ".cache").exists()


def test_timeout_option(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "slow.py").write_text("import time\ntime.sleep(30)\n")
    assert main(["diagrams", "render", "slow.py", "--timeout", "1"]) == 1
    assert "slow.py: timed out after 1 s" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("notes.txt", "notes.txt: unknown kind of diagram .txt; expected .py (diagrams), .dot"),
        ("missing.py", "missing.py: no such file; expected a diagram source"),
    ],
)
def test_bad_files(
    work: Path, capsys: pytest.CaptureFixture[str], name: str, expected: str
) -> None:
    if name.endswith(".txt"):
        (work / name).write_text("hello")
    assert main(["diagrams", "render", name]) == 1
    assert expected in capsys.readouterr().err
    assert not (work / "build").exists()


def test_command_line_entry_point(work: Path) -> None:
    help_text = subprocess.run(
        [sys.executable, "-m", "masthead.cli", "diagrams", "render", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--out DIR" in help_text and "--timeout SECONDS" in help_text
    proc = subprocess.run(
        [sys.executable, "-m", "masthead.cli", "diagrams", "render", "phases.dot"],
        capture_output=True,
        text=True,
        check=False,
        cwd=work,
    )
    assert proc.returncode == 0, proc.stderr
    assert (work / "build" / "diagrams" / "phases.svg").is_file()
    assert (work / "build" / "diagrams" / "phases@2x.png").is_file()
