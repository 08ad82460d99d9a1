"""What an email was made from, so that a send never ships a stale one.

When an issue's email is written, its manifest records the SHA-256 of every
file it was made from (:func:`digests`): the issue's source, mkdocs.yml, the
authors file, the reading locks and diagram sources the issue uses, the email
templates, and the images it shows. ``masthead send`` and ``masthead push``
compare them with the files as they are now (:func:`changed`) and rebuild
when any differs, is gone, or when the manifest records none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

_CHUNK = 1 << 16


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _key(path: Path, root: Path) -> str:
    resolved = path.resolve()
    try:
        return resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


ABSENT = ""
"""Recorded for a file that did not exist (an override template not written yet)."""


def digests(
    paths: Iterable[Path], root: Path, *, may_appear: Iterable[Path] = ()
) -> dict[str, str]:
    """``{path relative to root: sha256}`` of the files of ``paths`` that exist, and
    :data:`ABSENT` for each file of ``may_appear`` that does not (yet) exist."""
    out: dict[str, str] = {}
    for path in may_appear:
        if not path.is_file():
            out[_key(path, root)] = ABSENT
    for path in paths:
        value = _sha256(path) if path.is_file() else None
        if value is not None:
            out[_key(path, root)] = value
    return dict(sorted(out.items()))


def changed(recorded: Mapping[str, str], root: Path) -> list[str]:
    """The recorded inputs whose file is gone, has appeared, or whose bytes differ now."""
    out = []
    for name, value in recorded.items():
        path = Path(name) if Path(name).is_absolute() else root / name
        now = _sha256(path) if path.is_file() else None
        if now != (value or None):
            out.append(name)
    return out
