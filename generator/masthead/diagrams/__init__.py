"""Diagrams from code: ``diagrams`` Python or Graphviz DOT to a self-contained SVG
for the web and a 2x PNG for email, rendered in child processes and cached.

- :mod:`.render`: :class:`~.render.Renderer` (timeout, parallel batches, cache, counters)
- :mod:`.runner`: the child process that runs an author's ``diagrams`` code
- :mod:`.svg`: embed icons as ``data:`` URIs, strip paths and comments, size in CSS px
- :mod:`.cache`: the on-disk cache under ``.cache/masthead/diagrams/``
- :mod:`.fence`: the ```diagram and ```dot fences (options, scan, figure markup)
- :mod:`.toolchain`: Graphviz and ``diagrams`` versions, the install message
"""
