"""docs/configuration.md documents every option of every masthead plugin.

Each typed Config class of the plugins has a section of the reference, found by
its heading; its table must have a row for every option (first cell: the name
in backticks) with the code's default. Every option in the source carries a
docstring, every provider's ``subscribe:`` fields are in its section, and the
environment variables and overridable templates are listed.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from mkdocs.config import base
from mkdocs.config import config_options as c

from masthead import providers
from masthead.email import check, send
from masthead.plugins._theme import THEME_DIR
from masthead.plugins.diagrams.config import DiagramsConfig
from masthead.plugins.email.config import EmailConfig, SmtpConfig
from masthead.plugins.newsletter.config import (
    NewsletterConfig,
    NewsletterEmailConfig,
    NewsletterPluginConfig,
)
from masthead.plugins.reading.config import ReadingConfig
from masthead.providers._base import COMMON_KEYS

from .support import REPO

DOC = REPO / "docs" / "configuration.md"
EMAIL_TEMPLATES = Path(send.__file__).resolve().parent / "templates"

SECTIONS: dict[type[base.Config], str] = {
    NewsletterPluginConfig: "## masthead/newsletter",
    NewsletterConfig: "### newsletters[]",
    NewsletterEmailConfig: "### newsletters[].email",
    EmailConfig: "## masthead/email",
    SmtpConfig: "### smtp",
    ReadingConfig: "## masthead/reading",
    DiagramsConfig: "## masthead/diagrams",
}
"""Each Config class and the heading of its section in docs/configuration.md."""

PROVIDERS_HEADING = "### subscribe fields by provider"
THEME_HEADING = "## Theme and templates"
ENVIRONMENT_HEADING = "## Environment variables"

CLASSES = pytest.mark.parametrize("cls", list(SECTIONS), ids=lambda cls: cls.__name__)

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_NAME = re.compile(r"^`([^`]+)`$")


# -- reading the Markdown -------------------------------------------------------------


def _outside_fences(text: str) -> list[tuple[str, bool]]:
    """Each line of ``text`` with whether it lies outside fenced code blocks."""
    out: list[tuple[str, bool]] = []
    fence: str | None = None
    for line in text.splitlines():
        match = _FENCE.match(line)
        if fence is None:
            # A backtick fence's info string has no backtick (```` ```tweet ```` is inline).
            if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                fence = match.group(1)
                out.append((line, False))
                continue
            out.append((line, True))
        else:
            out.append((line, False))
            if (
                match
                and match.group(1)[0] == fence[0]
                and len(match.group(1)) >= len(fence)
                and not match.group(2).strip()
            ):
                fence = None
    return out


def _level(line: str) -> int | None:
    match = _HEADING.match(line)
    return len(match.group(1)) if match else None


def section(text: str, heading: str, *, own: bool = False) -> str:
    """The text under ``heading`` up to the next heading of the same or a higher level
    (``own``: up to the next heading of any level, so without its subsections)."""
    lines = _outside_fences(text)
    level = _level(heading)
    assert level is not None, heading
    starts = [i for i, (line, prose) in enumerate(lines) if prose and line.strip() == heading]
    assert starts, f"{DOC.name} has no heading {heading!r}"
    assert len(starts) == 1, f"{DOC.name} has the heading {heading!r} {len(starts)} times"
    body: list[str] = []
    for line, prose in lines[starts[0] + 1 :]:
        found = _level(line) if prose else None
        if found is not None and (own or found <= level):
            break
        body.append(line)
    return "\n".join(body)


def rows(text: str) -> dict[str, list[str]]:
    """The table rows of ``text`` whose first cell is a name in backticks: name -> cells."""
    out: dict[str, list[str]] = {}
    for line, prose in _outside_fences(text):
        stripped = line.strip()
        if not prose or not stripped.startswith("|"):
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", stripped.strip("|"))]
        match = _NAME.match(cells[0]) if cells else None
        if match:
            out[match.group(1)] = cells
    return out


def options(cls: type[base.Config]) -> list[tuple[str, Any]]:
    """(name, option) of every option of ``cls``, as MkDocs validates them."""
    return list(cls._schema)


def missing_options(text: str, cls: type[base.Config]) -> list[str]:
    """The options of ``cls`` without a row in their section of ``text``."""
    documented = rows(section(text, SECTIONS[cls]))
    return [name for name, _ in options(cls) if name not in documented]


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


# -- every option documented ----------------------------------------------------------


@CLASSES
def test_every_option_has_a_row_in_its_section(doc: str, cls: type[base.Config]) -> None:
    missing = missing_options(doc, cls)
    assert not missing, (
        f"{DOC.relative_to(REPO)}: the section {SECTIONS[cls]!r} has no table row "
        f"(| `name` | ...) for the option(s) {', '.join(missing)} of "
        f"{cls.__module__}.{cls.__qualname__}"
    )


@CLASSES
def test_no_row_documents_an_option_that_does_not_exist(doc: str, cls: type[base.Config]) -> None:
    known = {name for name, _ in options(cls)}
    stale = [name for name in rows(section(doc, SECTIONS[cls], own=True)) if name not in known]
    assert not stale, (
        f"{DOC.relative_to(REPO)}: the section {SECTIONS[cls]!r} documents "
        f"{', '.join(stale)}, which {cls.__qualname__} does not have"
    )


def _yaml(value: Any) -> str:
    """``value`` as a user writes it in mkdocs.yml."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value or '""'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _expected_default(option: Any) -> str:
    """What the default cell of ``option`` must contain."""
    if isinstance(option, c.Deprecated):
        return "removed"
    if isinstance(option, c.Optional):
        return "none"
    if option.default is None:
        return "required"
    return f"`{_yaml(option.default)}`"


@CLASSES
def test_each_row_gives_the_default_of_the_code(doc: str, cls: type[base.Config]) -> None:
    documented = rows(section(doc, SECTIONS[cls]))
    wrong = []
    for name, option in options(cls):
        cells = documented.get(name)
        if cells is None:
            continue  # reported by test_every_option_has_a_row_in_its_section
        expected = _expected_default(option)
        default = cells[2] if len(cells) > 2 else ""
        if expected.lower() not in default.lower():
            wrong.append(f"{name}: expected {expected} in the default cell, got {default!r}")
    assert not wrong, f"{DOC.relative_to(REPO)}, {SECTIONS[cls]!r}:\n" + "\n".join(wrong)


def test_a_missing_row_is_reported(doc: str) -> None:
    without = "\n".join(line for line in doc.splitlines() if not line.startswith("| `budget_kb`"))
    assert missing_options(doc, EmailConfig) == []
    assert missing_options(without, EmailConfig) == ["budget_kb"]
    # a subsection's rows do not hide a missing option from a later section
    without = "\n".join(line for line in doc.splitlines() if not line.startswith("| `host`"))
    assert missing_options(without, SmtpConfig) == ["host"]


# -- every option has a docstring in the source ---------------------------------------


def _config_aliases(tree: ast.Module) -> set[str]:
    """The names ``mkdocs.config.config_options`` goes by in a module."""
    names = {"config_options"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "mkdocs.config":
            names |= {a.asname or a.name for a in node.names if a.name == "config_options"}
        elif isinstance(node, ast.Import):
            names |= {
                a.asname
                for a in node.names
                if a.name == "mkdocs.config.config_options" and a.asname
            }
    return names


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _option_name(target: ast.expr) -> str | None:
    """``name = ...`` or ``locals()["name"] = ...`` (an option named like a keyword)."""
    if isinstance(target, ast.Name):
        return target.id
    if (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Call)
        and isinstance(target.value.func, ast.Name)
        and target.value.func.id == "locals"
        and isinstance(target.slice, ast.Constant)
        and isinstance(target.slice.value, str)
    ):
        return target.slice.value
    return None


def source_options(path: Path, class_name: str) -> dict[str, str | None]:
    """Each option assigned in the body of the class ``class_name`` of the module at ``path``:
    name -> the string literal right after it (``None`` when there is none)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = _config_aliases(tree)
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name]
    assert len(classes) == 1, f"{path}: expected one class {class_name}"
    body = classes[0].body
    found: dict[str, str | None] = {}
    for index, stmt in enumerate(body):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        else:
            continue
        if not (isinstance(value, ast.Call) and _root_name(value.func) in aliases):
            continue
        name = _option_name(target)
        assert name is not None, f"{path}:{stmt.lineno}: an option assigned to {target!r}"
        following = body[index + 1] if index + 1 < len(body) else None
        docstring = (
            following.value.value
            if isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
            else None
        )
        found[name] = docstring
    return found


@CLASSES
def test_every_option_has_a_docstring(cls: type[base.Config]) -> None:
    path = Path(inspect.getsourcefile(cls) or "")
    found = source_options(path, cls.__name__)
    shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    where = f"{shown}: {cls.__qualname__}"
    assert sorted(found) == sorted(name for name, _ in options(cls)), (
        f"{where}: the options found in the source, {sorted(found)}, are not the options "
        f"MkDocs sees, {sorted(name for name, _ in options(cls))}"
    )
    undocumented = [name for name, text in found.items() if not (text and text.strip())]
    assert not undocumented, (
        f"{where}: no docstring (a string literal right after the assignment) for "
        f"{', '.join(undocumented)}"
    )


def test_the_docstring_check_sees_a_missing_docstring(tmp_path: Path) -> None:
    source = textwrap.dedent(
        '''
        from mkdocs.config import config_options as c
        from mkdocs.config.base import Config

        class Sample(Config):
            documented = c.Type(int, default=1)
            """Has one."""
            locals()["from"] = c.Type(str, default="")
            bare = c.Type(str, default="")
        '''
    )
    module = tmp_path / "sample_config.py"
    module.write_text(source, encoding="utf-8")
    assert source_options(module, "Sample") == {
        "documented": "Has one.",
        "from": None,
        "bare": None,
    }


# -- providers, environment, templates ------------------------------------------------


@pytest.mark.parametrize("name", providers.NAMES)
def test_each_provider_s_subscribe_fields_are_documented(doc: str, name: str) -> None:
    provider = providers.get(name)
    documented = rows(section(section(doc, PROVIDERS_HEADING), f"#### {name}"))
    missing = [key for key in provider.form_keys if key not in documented]
    assert not missing, (
        f"{DOC.relative_to(REPO)}: the section '#### {name}' (under {PROVIDERS_HEADING!r}) "
        f"has no table row for the subscribe field(s) {', '.join(missing)} of {name}"
    )


def test_the_fields_every_provider_accepts_are_documented(doc: str) -> None:
    documented = rows(section(doc, PROVIDERS_HEADING, own=True))
    missing = [key for key in COMMON_KEYS if key not in documented]
    assert not missing, f"{PROVIDERS_HEADING!r} has no row for {', '.join(missing)}"


def test_every_environment_variable_is_documented(doc: str) -> None:
    expected = [send.USER_ENV, send.PASSWORD_ENV, check.ENV_VAR]
    for name in providers.PUSH_NAMES:
        push = providers.get(name).push
        assert push is not None
        expected += [*push.env_keys, *push.env_options]
    documented = rows(section(doc, ENVIRONMENT_HEADING))
    missing = [variable for variable in expected if variable not in documented]
    assert not missing, f"{ENVIRONMENT_HEADING!r} has no row for {', '.join(missing)}"


def test_every_overridable_template_is_listed(doc: str) -> None:
    files = [
        p.relative_to(folder).as_posix()
        for folder in (THEME_DIR, EMAIL_TEMPLATES)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in {".html", ".css"}
    ]
    assert "main.html" in files and "email/base.html" in files
    documented = rows(section(doc, THEME_HEADING))
    missing = [path for path in files if path not in documented]
    assert not missing, f"{THEME_HEADING!r} does not list {', '.join(missing)}"
