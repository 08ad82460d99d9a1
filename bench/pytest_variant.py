"""A pytest plugin that runs the test suite with a library in place of one of
masthead's own parts (bench/variants.py), to see which tested cases it gets wrong:

    MASTHEAD_BENCH_VARIANT=html.parser PYTHONPATH=. \
        .venv/bin/pytest -p bench.pytest_variant tests/test_email_render.py
"""

from __future__ import annotations

import os

from bench import variants

variants.apply(os.environ.get("MASTHEAD_BENCH_VARIANT", "masthead"))
