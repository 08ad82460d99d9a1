"""Edits of mkdocs.yml as text: each addition is inserted where it belongs, in the style
the file is written in, and every other byte stays as it was.

:func:`read_project` reads the file and its YAML nodes; :func:`add_top_level`,
:func:`add_option` and :func:`add_plugins` plan insertions and note what the file must
load as once they are made; :func:`verify` checks the edited text against that.
"""

from __future__ import annotations

import copy
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from .files import read_text


def flow(value: Any) -> str:
    """``value`` as YAML on one line: a scalar quoted only when YAML needs it, a collection
    in flow style (``[...]``, ``{...}``)."""
    text = yaml.safe_dump(
        value, allow_unicode=True, width=1_000_000, default_flow_style=True, sort_keys=False
    )
    if text.endswith("\n...\n"):
        text = text[: -len("\n...\n")]
    return text.strip()


class _TolerantLoader(yaml.SafeLoader):
    """SafeLoader that reads unknown tags (``!ENV``, ``!!python/name:``) as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    return None  # pragma: no cover


_TolerantLoader.add_multi_constructor("!", _any_tag)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _any_tag)


def _load(text: str, path: Path) -> tuple[yaml.Node | None, Any]:
    try:
        node = yaml.compose(text, Loader=_TolerantLoader)
        data = yaml.load(text, Loader=_TolerantLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(
            f"invalid YAML: {getattr(exc, 'problem', None) or exc}",
            path=path,
            line=mark.line + 1 if mark is not None else None,
        ) from exc
    return node, data


@dataclass
class Plugin:
    """One entry of ``plugins:``, with the YAML nodes that hold it."""

    name: str
    options: dict[str, Any]
    index: int | str
    """Position in the plugins list, or the key in a ``plugins:`` mapping."""
    key: yaml.Node
    """The node of the plugin's name."""
    value: yaml.Node | None
    """The node of its options (``None`` for a bare ``- name``)."""

    @property
    def enabled(self) -> bool:
        """False when its options say ``enabled: false``."""
        return self.options.get("enabled", True) is not False


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def line_of(node: yaml.Node) -> int:
    """The 1-based line ``node`` starts on, for an error that names it."""
    return int(node.start_mark.line) + 1


class Editor:
    """Text edits of mkdocs.yml at positions taken from its YAML nodes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.edits: list[tuple[int, int, int, str]] = []
        self.ended = False

    def insert(self, index: int, text: str) -> None:
        self.replace(index, index, text)

    def replace(self, start: int, end: int, text: str) -> None:
        self.edits.append((start, end, len(self.edits), text))

    def lines(self, text: str) -> str:
        return text.replace("\n", self.newline)

    def after(self, node: yaml.Node) -> int:
        """Where a new line goes after ``node``: the start of the line after its content."""
        mark = _content_end(node)
        index = int(mark.index)
        text = self.text
        if mark.column == 0 and index > 0:
            # A block scalar ends after its line break (and trailing blank lines): come
            # back above the blank lines, unless they belong to the value (``|+``).
            header_end = text.find("\n", node.start_mark.index)
            keep = (
                isinstance(node, yaml.ScalarNode)
                and "+" in text[node.start_mark.index : header_end if header_end >= 0 else None]
            )
            while not keep and index > 0:
                start = text.rfind("\n", 0, index - 1) + 1
                if text[start:index].strip():
                    break
                index = start
            return index
        end = text.find("\n", index)
        if end < 0:  # the last line has no line break: give it one, once
            if not self.ended:
                self.insert(len(text), self.newline)
                self.ended = True
            return len(text)
        return end + 1

    def result(self) -> str:
        out: list[str] = []
        position = 0
        for start, end, _, text in sorted(self.edits):
            out.append(self.text[position:start])
            out.append(text)
            position = end
        out.append(self.text[position:])
        return "".join(out)


def _content_end(node: yaml.Node) -> Any:
    """The mark after the last character of ``node``'s content (comments after it excluded)."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        key, value = node.value[-1]
        return key.end_mark if _is_null(value) and value.value == "" else _content_end(value)
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _content_end(node.value[-1])
    return node.end_mark


def _indented(block: str, column: int) -> str:
    return textwrap.indent(block, " " * column, lambda line: bool(line.strip()))


@dataclass
class Project:
    """What an existing mkdocs.yml holds, and how to add to it."""

    path: Path
    text: str
    root: yaml.MappingNode
    data: dict[str, Any]
    plugins_node: yaml.Node | None
    plugins: list[Plugin]
    editor: Editor
    expected: dict[str, Any]
    """``data`` with every planned addition: what the edited file must load as."""
    notes: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        """Whether ``plugins:`` lists ``name`` (enabled or not)."""
        return any(p.name == name for p in self.plugins)

    def top(self, key: str) -> tuple[yaml.Node, yaml.Node] | None:
        """The key and value nodes of the top-level setting ``key``; None when absent."""
        for k, v in self.root.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k, v
        return None


def read_project(path: Path) -> Project:
    """The settings of the mkdocs.yml at ``path``, its YAML nodes and its plugins.

    Unknown tags (``!ENV``, ``!!python/name:``) load as plain values; a file that is not
    a block mapping of settings, or whose ``plugins:`` is not a list or a mapping, is an
    error.
    """
    text = read_text(path)
    node, data = _load(text, path)
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        raise ConfigError("expected a mapping of MkDocs settings (site_name: ...)", path=path)
    if node.flow_style:
        raise ConfigError(
            "expected the settings as a block mapping, one 'key: value' a line", path=path, line=1
        )
    project = Project(path, text, node, data, None, [], Editor(text), copy.deepcopy(data))
    found = project.top("plugins")
    if found is not None:
        project.plugins_node = found[1]
        project.plugins = _plugins_of(found[1], data.get("plugins"), path)
    return project


def _plugin(
    name: Any, options: Any, index: int | str, key: yaml.Node, value: yaml.Node | None
) -> Plugin:
    """A plugin with options, which count as none unless they are a mapping."""
    return Plugin(str(name), options if isinstance(options, dict) else {}, index, key, value)


def _plugins_of(node: yaml.Node, raw: Any, path: Path) -> list[Plugin]:
    out: list[Plugin] = []
    if isinstance(node, yaml.SequenceNode) and isinstance(raw, list):
        for index, (item, value) in enumerate(zip(node.value, raw, strict=True)):
            if isinstance(item, yaml.ScalarNode) and isinstance(value, str):
                out.append(Plugin(value, {}, index, item, None))
            elif isinstance(item, yaml.MappingNode) and isinstance(value, dict) and len(value) == 1:
                (name, options), (key, opts_node) = next(iter(value.items())), item.value[0]
                out.append(_plugin(name, options, index, key, opts_node))
        return out
    if isinstance(node, yaml.MappingNode) and isinstance(raw, dict):
        for (key, opts_node), (name, options) in zip(node.value, raw.items(), strict=True):
            out.append(_plugin(name, options, str(name), key, opts_node))
        return out
    if _is_null(node) or (isinstance(node, yaml.SequenceNode) and not node.value):
        return out
    raise ConfigError(
        "expected 'plugins:' to be a list of plugins (- search, - blog: ...)",
        path=path,
        line=line_of(node),
    )


def add_top_level(project: Project, key: str, value: str) -> None:
    """A new top-level ``key: value`` line, after site_name (or before the first setting)."""
    line = f"{key}: {flow(value)}\n"
    column = int(project.root.start_mark.column)
    after = project.top("site_name")
    editor = project.editor
    if after is not None:
        editor.insert(editor.after(after[1]), editor.lines(_indented(line, column)))
    else:
        start = project.text.rfind("\n", 0, project.root.start_mark.index) + 1
        editor.insert(start, editor.lines(_indented(line, column)))
    project.expected[key] = value


def _expected_options(project: Project, plugin: Plugin) -> dict[str, Any]:
    """The options of ``plugin`` in ``project.expected``, turned into a mapping if needed."""
    plugins = project.expected["plugins"]
    if isinstance(plugin.index, str):
        if not isinstance(plugins[plugin.index], dict):
            plugins[plugin.index] = {}
        result: dict[str, Any] = plugins[plugin.index]
        return result
    item = plugins[plugin.index]
    if isinstance(item, str):
        plugins[plugin.index] = {item: {}}
    entry = plugins[plugin.index]
    if not isinstance(entry[plugin.name], dict):
        entry[plugin.name] = {}
    result = entry[plugin.name]
    return result


def add_option(
    project: Project, plugin: Plugin, key: str, value: Any, block: str | None = None
) -> None:
    """Add ``key: value`` to the options of ``plugin``, in the style they are written in.

    ``block`` is the option as block YAML at column 0 (default: ``key: value`` on a line).
    """
    editor, text = project.editor, project.text
    lines = block or f"{key}: {flow(value)}\n"
    flow_option = f"{flow(key)}: {flow(value)}"
    column = int(plugin.key.start_mark.column) + 2
    node = plugin.value
    flow_list = isinstance(project.plugins_node, yaml.SequenceNode) and bool(
        project.plugins_node.flow_style
    )
    if node is None and flow_list:
        # `[search, blog]` -> `[search, {blog: {authors_file: ...}}]`
        editor.replace(
            plugin.key.start_mark.index,
            plugin.key.end_mark.index,
            flow({plugin.name: {key: value}}),
        )
    elif node is None:
        # `- blog` -> `- blog:` and the option on the next lines
        editor.insert(plugin.key.end_mark.index, ":")
        editor.insert(editor.after(plugin.key), editor.lines(_indented(lines, column)))
    elif _is_null(node) and node.value == "":
        editor.insert(editor.after(plugin.key), editor.lines(_indented(lines, column)))
    elif _is_null(node):
        editor.replace(node.start_mark.index, node.end_mark.index, "{" + flow_option + "}")
    elif isinstance(node, yaml.MappingNode) and node.flow_style:
        close = text.rfind("}", node.start_mark.index, node.end_mark.index)
        editor.insert(close, (", " if node.value else "") + flow_option)
    elif isinstance(node, yaml.MappingNode):
        editor.insert(
            editor.after(node), editor.lines(_indented(lines, int(node.start_mark.column)))
        )
    else:
        raise ConfigError(
            f"expected the options of the {plugin.name!r} plugin to be a mapping "
            f"({key}: ...), got {text[node.start_mark.index : node.end_mark.index]!r}",
            path=project.path,
            line=line_of(node),
        )
    _expected_options(project, plugin)[key] = value


def add_plugins(project: Project, items: list[tuple[str, Any]]) -> None:
    """Append ``items`` (block text of a list item at column 0, and its data) to plugins."""
    editor, text = project.editor, project.text
    node = project.plugins_node
    datas = [data for _, data in items]
    if node is None:
        # No plugins yet: MkDocs' implicit search plugin goes once plugins is set.
        block = "\n# Plugins added by 'masthead init' (search is MkDocs' default).\nplugins:\n"
        block += _indented("- search\n" + "".join(b for b, _ in items), 2)
        lead = "" if not text or text.endswith("\n") else "\n"
        editor.insert(len(text), editor.lines(lead + block))
        project.expected["plugins"] = ["search", *datas]
        return
    if isinstance(node, yaml.SequenceNode) and node.flow_style:
        close = text.rfind("]", node.start_mark.index, node.end_mark.index)
        joined = ", ".join(flow(d) for d in datas)
        editor.insert(close, (", " if node.value else "") + joined)
        project.expected["plugins"] = [*project.expected.get("plugins", []), *datas]
        return
    if isinstance(node, yaml.SequenceNode):
        column = int(node.start_mark.column)
        block = "".join(b for b, _ in items)
        editor.insert(editor.after(node), editor.lines(_indented(block, column)))
        project.expected["plugins"] = [*project.expected["plugins"], *datas]
        return
    if _is_null(node):
        found = project.top("plugins")
        assert found is not None
        column = int(found[0].start_mark.column) + 2
        block = "- search\n" + "".join(b for b, _ in items)
        editor.insert(editor.after(found[0]), editor.lines(_indented(block, column)))
        project.expected["plugins"] = ["search", *datas]
        return
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, Any] = dict(project.expected.get("plugins") or {})
        entries: list[str] = []
        for data in datas:
            name, options = (data, {}) if isinstance(data, str) else next(iter(data.items()))
            mapping[name] = options
            if node.flow_style:
                entries.append(f"{flow(name)}: {flow(options)}")
            elif options:
                body = yaml.safe_dump(options, sort_keys=False, allow_unicode=True, width=100)
                entries.append(f"{name}:\n" + _indented(body, 2))
            else:
                entries.append(f"{name}: {{}}\n")
        if node.flow_style:
            close = text.rfind("}", node.start_mark.index, node.end_mark.index)
            editor.insert(close, (", " if node.value else "") + ", ".join(entries))
        else:
            column = int(node.start_mark.column)
            editor.insert(editor.after(node), editor.lines(_indented("".join(entries), column)))
        project.expected["plugins"] = mapping
        return
    raise ConfigError(  # pragma: no cover - _plugins_of refused it already
        "expected 'plugins:' to be a list", path=project.path, line=line_of(node)
    )


def verify(project: Project, new_text: str) -> None:
    """The edited text must load as the original settings plus the additions, and nothing else."""
    try:
        loaded = yaml.load(new_text, Loader=_TolerantLoader)
    except yaml.YAMLError:
        loaded = None
    if loaded != project.expected:
        raise ConfigError(
            "this file is laid out in a way masthead init cannot add to safely, so it was left "
            "as it is; add the masthead plugins by hand (see 'masthead init --help' and the "
            "README), or run init in an empty folder to see a complete mkdocs.yml",
            path=project.path,
        )
