"""The installed `masthead` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import masthead


def _masthead() -> str:
    exe = Path(sys.executable).parent / "masthead"
    assert exe.is_file(), "the console script is not installed next to the interpreter"
    return str(exe)


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run(
        [_masthead(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_help_lists_the_verbs() -> None:
    result = _run("--help")
    assert result.returncode == 0
    assert "usage: masthead" in result.stdout
    for verb in ("build", "serve"):
        assert verb in result.stdout


def test_version() -> None:
    result = _run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"masthead {masthead.__version__}"


def test_build_writes_the_site(project: Path) -> None:
    result = _run("build", "--strict", "--quiet", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "build" / "site" / "index.html").is_file()
    assert (project / "build" / "site" / "blog" / "index.html").is_file()
    assert not (project / "content" / ".cache").exists()


def test_build_without_config_names_the_file(tmp_path: Path) -> None:
    result = _run("build", cwd=tmp_path)
    assert result.returncode == 1
    assert "mkdocs.yml" in result.stderr
    assert "expected an MkDocs configuration" in result.stderr


def test_build_with_broken_config_fails_cleanly(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text() + "\ntheme: [unclosed\n")
    result = _run("build", cwd=project)
    assert result.returncode != 0
    assert "mkdocs.yml" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_verb_is_rejected() -> None:
    result = _run("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
