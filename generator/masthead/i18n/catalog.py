"""Catalogs of masthead's words: YAML files read into flat ``key -> entry`` maps.

A catalog groups its keys (``post.published`` is ``published`` under ``post:``;
a key may also be written dotted). An entry is text, or the CLDR plural forms
of words that depend on a number (``one``, ``other``, ...). Every entry
remembers its line, so that a mistake in a user's file is reported with the
file and the line.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import ConfigError

PLURAL_FORMS = frozenset({"zero", "one", "two", "few", "many", "other"})
"""CLDR plural categories."""

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")

Text = str | Mapping[str, str]
"""An entry: text, or plural forms (CLDR category -> text)."""


class StringsError(ConfigError):
    """A file of masthead's words is not what was expected."""


@dataclass(frozen=True)
class Entry:
    value: Text
    line: int


Catalog = dict[str, Entry]


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of ``text``; ``ValueError`` when its braces do not pair up."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _scalar(node: yaml.Node, path: Path, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        raise StringsError(f"expected {what} to be text", path=path, line=node.start_mark.line + 1)
    return str(node.value)


def _is_plural(node: yaml.MappingNode) -> bool:
    keys = {k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    return bool(keys) and keys <= PLURAL_FORMS


def _flatten(node: yaml.MappingNode, prefix: str, path: Path, out: Catalog) -> None:
    for key_node, value_node in node.value:
        name = _scalar(key_node, path, "a key")
        key = f"{prefix}.{name}" if prefix else name
        line = key_node.start_mark.line + 1
        if key in out:
            raise StringsError(f"the key {key!r} is given twice", path=path, line=line)
        if isinstance(value_node, yaml.MappingNode) and _is_plural(value_node):
            forms = {
                _scalar(k, path, "a plural form"): _scalar(v, path, f"{key}.{k.value}")
                for k, v in value_node.value
            }
            if "other" not in forms:
                raise StringsError(
                    f"{key}: plural forms need 'other' (the form for most numbers); got "
                    f"{', '.join(forms)}",
                    path=path,
                    line=line,
                )
            out[key] = Entry(forms, line)
        elif isinstance(value_node, yaml.MappingNode):
            _flatten(value_node, key, path, out)
        else:
            out[key] = Entry(_scalar(value_node, path, f"{key!r}"), line)


def _compose(text: str, path: Path) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise StringsError(
            f"invalid YAML: {exc.problem or exc}",
            path=path,
            line=mark.line + 1 if mark is not None else None,
        ) from exc
    except yaml.YAMLError as exc:
        raise StringsError(f"invalid YAML: {exc}", path=path) from exc


def read_catalog(path: Path) -> Catalog:
    """One language's words (one of masthead's own catalogs)."""
    node = _compose(path.read_text(encoding="utf-8"), path)
    if not isinstance(node, yaml.MappingNode):
        raise StringsError("expected 'key: text' lines", path=path, line=1)
    out: Catalog = {}
    _flatten(node, "", path, out)
    return out


def read_overrides(path: Path, english: Catalog) -> dict[str, Catalog]:
    """A user's file of words, checked against ``english``: language -> its entries.

    The file maps language codes (``de``, ``pt-BR``) to keys of masthead's catalog::

        de:
          subscribe:
            button: Jetzt abonnieren
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise StringsError(
            f"cannot read it ({exc.strerror or exc}); expected a YAML file of masthead's words",
            path=path,
        ) from exc
    node = _compose(text, path)
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise StringsError(
            "expected languages at the top (e.g. 'de:'), each with 'key: text' lines",
            path=path,
            line=node.start_mark.line + 1,
        )
    found: dict[str, Catalog] = {}
    for key_node, value_node in node.value:
        language = _scalar(key_node, path, "a language")
        line = key_node.start_mark.line + 1
        if not _LANGUAGE.match(language):
            raise StringsError(
                f"expected a language code such as de or pt-BR at the top, got {language!r}",
                path=path,
                line=line,
            )
        code = normalise(language)
        if code in found:
            raise StringsError(f"the language {language!r} is given twice", path=path, line=line)
        if not isinstance(value_node, yaml.MappingNode):
            raise StringsError(
                f"expected 'key: text' lines under {language}:", path=path, line=line
            )
        entries: Catalog = {}
        _flatten(value_node, "", path, entries)
        for key, entry in entries.items():
            check_entry(key, entry, english, path)
        found[code] = entries
    return found


def check_entry(key: str, entry: Entry, english: Catalog, path: Path) -> None:
    """``entry`` must be a key of ``english``, of its kind, with only its placeholders."""
    known = english.get(key)
    if known is None:
        close = difflib.get_close_matches(key, list(english), n=3)
        hint = f"did you mean {' or '.join(close)}?" if close else "see en.yml in masthead.i18n"
        raise StringsError(
            f"masthead has no words {key!r}; expected one of its keys ({hint})",
            path=path,
            line=entry.line,
        )
    if not isinstance(entry.value, str) and isinstance(known.value, str):
        raise StringsError(
            f"{key}: expected text (it does not depend on a number), got plural forms",
            path=path,
            line=entry.line,
        )
    allowed = set().union(*(placeholders(t) for t in texts(known.value)))
    for text in texts(entry.value):
        try:
            used = placeholders(text)
        except ValueError as exc:
            raise StringsError(
                f"{key}: {exc} in {text!r}; write {{{{ and }}}} for a literal brace",
                path=path,
                line=entry.line,
            ) from exc
        unknown = sorted(used - allowed)
        if unknown:
            expected = ", ".join(f"{{{n}}}" for n in sorted(allowed)) or "none"
            raise StringsError(
                f"{key}: unknown placeholder {{{unknown[0]}}} in {text!r}; expected: {expected}",
                path=path,
                line=entry.line,
            )


def texts(value: Text) -> list[str]:
    """Every text of an entry (its plural forms, or itself)."""
    return [value] if isinstance(value, str) else list(value.values())


def normalise(language: str) -> str:
    """``de_AT`` and ``DE-at`` -> ``de-at``: how languages are compared."""
    return language.strip().replace("_", "-").lower()
