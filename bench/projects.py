"""Copies of the example publication for the benchmarks to build."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def copy_example(dest: Path, *, strict: bool = True) -> Path:
    """The example (mkdocs.yml, content/, theme/) copied to ``dest``; with ``strict``
    off, a warning (of a page under work, say) is reported but does not fail a build."""
    dest.mkdir(parents=True)
    shutil.copy2(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(ROOT / "content", dest / "content")
    shutil.copytree(ROOT / "theme", dest / "theme")
    if not strict:
        config = dest / "mkdocs.yml"
        text = config.read_text(encoding="utf-8")
        config.write_text(re.sub(r"(?m)^strict: true$", "strict: false", text), encoding="utf-8")
    return dest
