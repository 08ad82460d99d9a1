"""Atomic writes: a reader (or `mkdocs serve`) never sees half a file or half a folder."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def atomic_write(path: str | Path, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    The parent folder is created when missing. On any failure the temporary
    file is removed and ``path`` is left as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode(encoding) if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target


def write_new(path: str | Path, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Create ``path`` atomically, refusing to overwrite an existing file.

    Raises :class:`FileExistsError` when ``path`` exists (checked again at the
    rename through a hard link, so a file created meanwhile is not replaced).
    """
    target = Path(path)
    if target.exists():
        raise FileExistsError(str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode(encoding) if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.link(tmp, target)  # fails with FileExistsError instead of replacing
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return target


_RENAME_EXCHANGE = 2
"""renameat2(2) flag: swap two paths in one step (Linux 3.15 and newer)."""


def _renameat2() -> Any:
    """libc's renameat2, or ``None`` where there is none (not Linux, old libc)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return function


def swap_in(staged: Path, target: Path) -> None:
    """Put the folder ``staged`` where ``target`` is, and remove what was there.

    Where the system can, both are exchanged in one step (renameat2), so that
    ``target`` is whole at every instant, even if the process is killed; else
    the old folder is first moved aside. ``staged`` must be on the same file
    system as ``target`` (make it beside it, with :func:`staging_dir`).
    """
    target = Path(target)
    if not target.exists():
        os.replace(staged, target)
        return
    exchange = _renameat2()
    at_cwd = -100  # AT_FDCWD
    if (
        exchange is not None
        and exchange(at_cwd, os.fsencode(staged), at_cwd, os.fsencode(target), _RENAME_EXCHANGE)
        == 0
    ):
        shutil.rmtree(staged, ignore_errors=True)  # now the old folder
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.replace(target, old / target.name)
    os.replace(staged, target)
    shutil.rmtree(old, ignore_errors=True)


def staging_dir(target: Path) -> Path:
    """A new empty folder beside ``target`` to build its next version in; folders that
    earlier builds killed part-way left there are removed first."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    leftovers = (f".{target.name}.new-", f".{target.name}.old-")
    for stale in target.parent.iterdir():
        if stale.name.startswith(leftovers) and stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))


STALE_TEMP = 3600.0
"""Seconds after which a temporary file no process renamed is taken as left by one that
was killed (a pull, even of hundreds of feeds, takes seconds)."""


def remove_stale_temps(folder: Path, prefix: str = ".") -> None:
    """Delete the temporary files (``<prefix>*.tmp``) that killed processes left in
    ``folder``: those not touched for :data:`STALE_TEMP` seconds."""
    limit = time.time() - STALE_TEMP
    with contextlib.suppress(OSError), os.scandir(folder) as found:
        for item in found:
            if item.name.startswith(prefix) and item.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    if item.is_file(follow_symlinks=False) and item.stat().st_mtime < limit:
                        os.unlink(item.path)
