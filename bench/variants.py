"""The library versions of masthead's hand-written parts, by name.

``apply(name)`` puts one in place in this process (``"masthead"`` leaves
masthead's own); ``missing(name)`` says which package it needs and lacks.
The libraries are not masthead's dependencies: ``pip install aiohttp``. The email
step's parser is the other way round: the package parses with libxml2 (lxml), and the
variant puts back the standard library's html.parser it used before.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    name: str
    part: str
    """The hand-written part it replaces."""
    library: str
    """What it uses instead, as the report names it."""
    package: str
    """The module it needs (what pip installs)."""
    install: Callable[[], None]


def _aiohttp(kind: str) -> Callable[[], None]:
    def install() -> None:
        from . import aiohttp_fetch

        aiohttp_fetch.install(kind)

    return install


def _libyaml() -> None:
    from . import libyaml_lock

    libyaml_lock.install()


def _htmlparser() -> None:
    from . import htmlparser_dom

    htmlparser_dom.install()


VARIANTS = {
    v.name: v
    for v in (
        Variant(
            "aiohttp-transport",
            "HTTP/1.1 transport (reading/transport.py)",
            "aiohttp as the httpx transport",
            "aiohttp",
            _aiohttp("transport"),
        ),
        Variant(
            "aiohttp-client",
            "HTTP/1.1 transport (reading/transport.py)",
            "aiohttp as the whole client (no httpx objects)",
            "aiohttp",
            _aiohttp("client"),
        ),
        Variant(
            "libyaml",
            "lock writer (reading/_emit.py)",
            "PyYAML's CSafeDumper (libyaml)",
            "yaml",
            _libyaml,
        ),
        Variant(
            "html.parser",
            "HTML parser under the email tree (email/dom.py, libxml2 through lxml)",
            "the standard library's html.parser (masthead's parser before libxml2)",
            "html.parser",
            _htmlparser,
        ),
    )
}


def missing(name: str) -> str | None:
    """The package ``name`` needs and this environment lacks, or None."""
    variant = VARIANTS[name]
    if importlib.util.find_spec(variant.package) is None:
        return variant.package
    if name == "libyaml":
        import yaml

        if not getattr(yaml, "__with_libyaml__", False):
            return "PyYAML built with libyaml"
    return None


def apply(name: str) -> None:
    """Put the variant ``name`` in place in this process (``"masthead"``: nothing)."""
    if name != "masthead":
        VARIANTS[name].install()
