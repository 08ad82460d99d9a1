"""Two clean builds of the same sources write the same bytes: the site and the emails,
wherever the project lies and whatever is cached, so a deploy uploads only what changed."""

from __future__ import annotations

from pathlib import Path

from .support import build_site, copy_project


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_two_clean_builds_in_different_folders_are_byte_identical(tmp_path: Path) -> None:
    first = copy_project(tmp_path / "one")
    second = copy_project(tmp_path / "elsewhere" / "two")
    build_site(first)
    build_site(second)
    for part in ("site", "email"):
        a, b = tree(first / "build" / part), tree(second / "build" / part)
        assert sorted(a) == sorted(b), part
        differ = [name for name in a if a[name] != b[name]]
        assert differ == [], (part, differ[:10])
    assert any(name.endswith(".svg") for name in tree(first / "build" / "site"))
    assert len(tree(first / "build" / "email")) >= 24
