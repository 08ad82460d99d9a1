"""PyYAML's libyaml emitter (``CSafeDumper``) in place of masthead's lock writer,
for the comparison bench.

:func:`dump_lock` writes what :func:`masthead.reading.lock.dump_lock` writes (the
header, then ``issue`` and the entries, fields in the lock's order) with
``yaml.dump(Dumper=CSafeDumper)``, the same options as masthead's own PyYAML
fallback (text with line breaks as literal blocks, unicode allowed, width 100).
A dumper writes no comments: the author's ``# comments`` are dropped, so a
pull refuses the merge of a lock that has any (the lock module's check that
every comment is kept).
"""

from __future__ import annotations

from typing import Any

import yaml

from masthead.reading import lock

Dumper: Any = getattr(yaml, "CSafeDumper", None)


class _Dumper(Dumper or yaml.SafeDumper):  # type: ignore[misc]
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _plain(value: Any) -> Any:
    """The loader's line-remembering mappings and lists as plain ones (the dumper
    represents exact types only)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _ordered(entry: dict[str, Any]) -> dict[str, Any]:
    keys = [k for k in lock.PULLED_FIELDS + lock.AUTHOR_FIELDS if k in entry]
    keys += [k for k in entry if k not in keys]
    return {k: _plain(entry[k]) for k in keys}


def dump_lock(issue: str, entries: list[dict[str, Any]], notes: object = None) -> str:
    data = {"issue": issue, "entries": [_ordered(e) for e in entries]}
    body = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return lock.header(issue) + body


def install() -> None:
    """Make every lock write go through libyaml's emitter."""
    if Dumper is None:
        raise RuntimeError("PyYAML was built without libyaml: no CSafeDumper")
    lock.dump_lock = dump_lock
