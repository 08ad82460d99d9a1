"""Options of the ``masthead/diagrams`` plugin (``plugins: - masthead/diagrams:`` in mkdocs.yml)."""

from __future__ import annotations

from mkdocs.config import config_options as c
from mkdocs.config.base import Config


class DiagramsConfig(Config):
    timeout = c.Type((int, float), default=30.0)
    """Seconds one diagram may take (its code and both Graphviz passes) before it fails."""

    jobs = c.Type(int, default=0)
    """Diagrams rendered at the same time; 0 means one per CPU, plus one."""

    cache_dir = c.Type(str, default=".cache/masthead/diagrams")
    """Rendered diagrams, relative to the folder holding mkdocs.yml (never inside docs_dir)."""

    cache_max_age = c.Type((int, float), default=30)
    """Days a cached diagram no build has used is kept; 0 keeps everything."""

    graphviz = c.Type(str, default="dot")
    """Graphviz's ``dot`` program: a name looked up on PATH, or an absolute path."""

    env = c.ListOfItems(c.Type(str), default=[])
    """Names of environment variables a diagram's processes also get (its code and
    Graphviz); they see only PATH, HOME, the locale, TMPDIR and the Python path otherwise."""

    diagram_fence = c.Type(str, default="diagram")
    """Name of the fence holding Python code that uses the diagrams package (rename it when
    your pages use ```diagram for something else, e.g. Mermaid)."""

    dot_fence = c.Type(str, default="dot")
    """Name of the fence holding a Graphviz DOT graph."""

    min_label_px = c.Type((int, float), default=9)
    """The smallest legible label, in CSS px. A diagram whose smallest label would be
    smaller on a 375 px wide screen or in the 552 px email column is a warning (naming
    the page, the line and both sizes); on the site a diagram is never shown narrower
    than the width that keeps its labels this large (it scrolls sideways instead).
    0 turns both off."""
