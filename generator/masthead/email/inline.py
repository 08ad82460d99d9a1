"""CSS inlining with css-inline: plain rules into style attributes, the
``@media`` rules (mobile, dark mode) kept in one ``<style>`` in ``<head>``."""

from __future__ import annotations

import re

import css_inline

from . import dom

STYLE_LIMIT = 16 * 1024
"""Gmail drops a <style> block larger than this."""

_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>", re.DOTALL | re.IGNORECASE)
_CLASS_SELECTOR = re.compile(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)")


def inline_css(document: str, *, merge_tags: frozenset[str] = frozenset()) -> str:
    """Inline the document's ``<style>`` rules; keep at-rules in one head ``<style>``.

    Afterwards every class that the remaining ``<style>`` does not select is
    dropped (the inlined styles no longer need them, and they cost bytes), and
    template marks in text (``{{``, ``{%``, ``*|``: code often holds them) are
    written as character references, so that the provider's template engine
    leaves them alone; attribute values in ``merge_tags`` stay as they are.
    """
    inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)
    inlined = inliner.inline(document)
    root = dom.parse(inlined)
    styles = [e for e in root.iter() if e.tag == "style"]
    css = "\n".join(dom.inner_html(s).strip() for s in styles).strip()
    for extra in styles[1:]:
        dom.remove(extra)
    if styles:
        styles[0].children = [dom.Text(_minify(css))]
        styles[0].children[0].parent = styles[0]
    wanted = set(_CLASS_SELECTOR.findall(css))
    for node in root.iter():
        if "class" in node.attrs:
            kept = [c for c in node.classes if c in wanted]
            if kept:
                node.attrs["class"] = " ".join(kept)
            else:
                del node.attrs["class"]
        if node.get("style"):
            node.attrs["style"] = _compact_declarations(node.get("style"))
    return _hidden_from_outlook(dom.serialize(root, protect_templates=True, exempt=merge_tags))


_NOT_MSO, _END = "<!--[if !mso]><!-->", "<!--<![endif]-->"


def _hidden_from_outlook(document: str) -> str:
    """The doctype and the head ``<style>`` (its ``@media`` rules) behind conditional
    comments that Outlook for Windows skips: it supports neither, and every other client
    reads them as plain markup (a comment before the doctype keeps standards mode)."""
    document = re.sub(
        r"\A\s*(<!DOCTYPE html>)",
        lambda m: f"{_NOT_MSO}{m.group(1)}{_END}",
        document,
        count=1,
        flags=re.IGNORECASE,
    )
    return _STYLE_ELEMENT.sub(lambda m: f"{_NOT_MSO}{m.group(0)}{_END}", document, count=1)


def head_style(document: str) -> str:
    """The text of the ``<style>`` elements left in the document."""
    return "\n".join(_STYLE.findall(document))


def _minify(css: str) -> str:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"\s+", " ", css)
    css = re.sub(r"\s*([{};,])\s*", r"\1", css)
    return css.replace(";}", "}").strip()


def _compact_declarations(style: str) -> str:
    parts = [p.strip() for p in style.split(";") if p.strip()]
    out = []
    for part in parts:
        name, _, value = part.partition(":")
        out.append(f"{name.strip()}:{value.strip()}")
    return ";".join(out)
