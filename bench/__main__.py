"""Run the benchmarks and write their figures to docs/performance.md.

Every ``bench/bench_<name>.py`` has ``run() -> str`` that measures its
candidate against a baseline in the same run and returns a Markdown section
(figures as ratios to that baseline, since the machines are noisy).
``python -m bench NAME...`` runs only those; the other sections of
docs/performance.md are kept as they were.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "generator"))

from masthead._io import atomic_write

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "performance.md"
HEADER = """# Performance

Figures written by `make bench` (`python -m bench`). Each benchmark measures
masthead against a baseline in the same run and reports ratios, since the
machines it runs on are noisy; absolute times are shown for context only.
`python -m bench NAME...` runs some of them; `MASTHEAD_BENCH_SCALE=100,500`
picks the scale benchmark's sizes; the comparison with libraries needs them
installed (`.venv/bin/pip install aiohttp`) and is skipped otherwise.
"""


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))


def _sections(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in re.finditer(r"<!-- bench:(\w+) -->\n(.*?)<!-- /bench:\1 -->", text, re.DOTALL):
        found[match.group(1)] = match.group(2)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", help=f"benchmarks to run (default: all of {available()})"
    )
    args = parser.parse_args(argv)
    names = args.names or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; expected some of {available()}")
    sections = _sections(DOC.read_text(encoding="utf-8")) if DOC.exists() else {}
    for name in names:
        print(f"bench: {name} ...", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.bench_{name}")
        body = module.run().strip() + "\n"
        stamp = (
            f"\n_Measured {time.strftime('%Y-%m-%d', time.gmtime())} on {platform.machine()}, "
            f"Python {platform.python_version()}, in {time.perf_counter() - started:.0f} s._\n"
        )
        sections[name] = body + stamp
        print(body)
    text = HEADER + "".join(
        f"\n<!-- bench:{name} -->\n{sections[name]}<!-- /bench:{name} -->\n"
        for name in sorted(sections)
    )
    atomic_write(DOC, text)
    print(f"bench: wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
