"""A small YAML writer for the lock file's shape: a mapping of scalars and one
list of flat mappings. It is some 30 times faster than PyYAML's pure-Python
emitter (which a pull would otherwise spend most of its own time in), keeps
emoji readable (libyaml's emitter escapes them), writes comments as literal
blocks, never folds long lines and puts the author's ``# comments`` back where
they were (:mod:`._comments`). A value other than text, a whole number, true,
false or null (an author's list of notes, say) is written in flow style on
its line. :func:`dump` checks that the text reads back to the same data, and
the caller falls back to PyYAML if it does not.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ._comments import Notes

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
        return _flow(value)
    if "\n" in value:
        block = _literal(value, indent)
        if block is not None:
            return block
    return value if _plain_ok(value) else _quoted(value)


def _flow(value: Any) -> str:
    """Any other value (a number with a fraction, a date, a list, a mapping) in
    PyYAML's flow style, on one line."""
    try:
        text = yaml.safe_dump(
            _plain(value),
            default_flow_style=True,
            allow_unicode=True,
            width=1 << 30,
            sort_keys=False,
        )
    except yaml.YAMLError as exc:
        raise NotRepresentable(f"cannot write {type(value).__name__} values") from exc
    text = text.removesuffix("\n").removesuffix("\n...")
    if "\n" in text or not text:
        raise NotRepresentable(f"cannot write this {type(value).__name__} on one line")
    return text


def _plain(value: Any) -> Any:
    """``value`` with lists and mappings as the plain types PyYAML writes (the loader
    gives subclasses that remember line numbers)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _with_comment(rendered: str, suffix: str) -> str:
    """A value followed by an end-of-line comment (after the header of a block)."""
    if not suffix:
        return rendered
    first, newline, rest = rendered.partition("\n")
    return first + suffix + newline + rest


def _key(key: Any) -> str:
    if not isinstance(key, str) or not _plain_ok(key):
        raise NotRepresentable(f"cannot write the key {key!r}")
    return key


def dump(top: dict[str, Any], list_key: str, notes: Notes | None = None) -> str:
    """``top`` (scalars, and ``list_key``: a list of flat mappings) as YAML, with the
    comments of ``notes`` (see :mod:`._comments`) where they belong."""
    notes = (notes or Notes()).fit(top, list_key)
    lines: list[str] = list(notes.head)

    def above(anchor: tuple[Any, ...], indent: str) -> None:
        lines.extend(indent + text for text in notes.before.get(anchor, ()))

    for key, value in top.items():
        above(("top", key), "")
        suffix = notes.eol.get(("top", key), "")
        if key != list_key:
            lines.append(_with_comment(f"{_key(key)}: {scalar(value, '  ')}", suffix))
            continue
        if not value:
            lines.append(f"{_key(key)}: []{suffix}")
            continue
        lines.append(f"{_key(key)}:{suffix}")
        for index, item in enumerate(value):
            if not isinstance(item, dict) or not item:
                raise NotRepresentable("expected a list of mappings")
            above(("entry", index), "")
            prefix = "- "
            for k, v in item.items():
                above(("field", index, k), "" if prefix == "- " else "  ")
                suffix = notes.eol.get(("field", index, k), "")
                if prefix == "- ":
                    suffix = notes.eol.get(("entry", index), "") + suffix
                lines.append(_with_comment(f"{prefix}{_key(k)}: {scalar(v, '    ')}", suffix))
                prefix = "  "
    lines.extend(notes.end)
    text = "\n".join(lines) + "\n"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if yaml.load(text, Loader=loader) != top:
        raise NotRepresentable("the text does not read back to the same data")
    return text
