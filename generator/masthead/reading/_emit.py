"""A small YAML writer for the lock file's shape: a mapping of scalars and one
list of flat mappings. It is some 30 times faster than PyYAML's pure-Python
emitter (which a pull would otherwise spend most of its own time in), keeps
emoji readable (libyaml's emitter escapes them), writes comments as literal
blocks and never folds long lines. :func:`dump` checks that the text reads
back to the same data, and the caller falls back to PyYAML if it does not.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_RESOLVER = yaml.resolver.Resolver()
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
# Not printable for YAML, or a line break to it (NEL, LS, PS): escaped in quotes, never plain.
_UNPRINTABLE = re.compile(
    "[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|\ufeff"
)
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x00": "\\0"}


class NotRepresentable(ValueError):
    """A value this writer does not handle (the caller uses PyYAML instead)."""


def _plain_ok(text: str) -> bool:
    return (
        bool(text)
        and text == text.strip()
        and text[0] not in _INDICATORS
        and "\n" not in text
        and "\t" not in text
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and not _UNPRINTABLE.search(text)
        and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str"
    )


def _quoted(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _UNPRINTABLE.match(ch):
            code = ord(ch)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _literal(text: str, indent: str) -> str | None:
    """``text`` as a literal block (``|``), or None when one cannot hold it."""
    if _UNPRINTABLE.search(text) or "\r" in text or text.startswith((" ", "\n")):
        return None
    lines = text.split("\n")
    if any(line != line.rstrip(" \t") for line in lines):
        return None  # trailing blanks are invisible in a block: quote instead
    if text.endswith("\n\n"):
        return None
    chomp = "" if text.endswith("\n") else "-"
    body = text[:-1] if text.endswith("\n") else text
    rendered = "\n".join(f"{indent}{line}" if line else "" for line in body.split("\n"))
    return f"|{chomp}\n{rendered}"


def scalar(value: Any, indent: str) -> str:
    """One scalar value as YAML (after ``key: ``)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise NotRepresentable(f"cannot write {type(value).__name__} values")
    if "\n" in value:
        block = _literal(value, indent)
        if block is not None:
            return block
    return value if _plain_ok(value) else _quoted(value)


def _key(key: Any) -> str:
    if not isinstance(key, str) or not _plain_ok(key):
        raise NotRepresentable(f"cannot write the key {key!r}")
    return key


def dump(top: dict[str, Any], list_key: str) -> str:
    """``top`` (scalars, and ``list_key``: a list of flat mappings of scalars) as YAML."""
    lines: list[str] = []
    for key, value in top.items():
        if key != list_key:
            lines.append(f"{_key(key)}: {scalar(value, '  ')}")
            continue
        if not value:
            lines.append(f"{_key(key)}: []")
            continue
        lines.append(f"{_key(key)}:")
        for item in value:
            if not isinstance(item, dict) or not item:
                raise NotRepresentable("expected a list of mappings")
            prefix = "- "
            for k, v in item.items():
                lines.append(f"{prefix}{_key(k)}: {scalar(v, '    ')}")
                prefix = "  "
    text = "\n".join(lines) + "\n"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if yaml.load(text, Loader=loader) != top:
        raise NotRepresentable("the text does not read back to the same data")
    return text
