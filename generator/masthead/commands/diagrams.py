"""``masthead diagrams render FILE...``: render diagram files outside MkDocs.

The same renderer as the ``masthead/diagrams`` plugin (child processes,
timeout, cache), for a ``.py`` file using ``diagrams`` or a ``.dot``/``.gv``
Graphviz file. Writes ``<name>.svg`` (icons embedded) and ``<name>@2x.png``
for each into ``--out``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .._io import atomic_write
from ..diagrams.cache import Rendered
from ..diagrams.render import DEFAULT_TIMEOUT, DiagramSource, Renderer, RenderFailure, Result
from ..errors import MastheadError, display_path
from . import SubParsers

KINDS = {".py": "python", ".dot": "dot", ".gv": "dot"}
CACHE_DIR = Path(".cache/masthead/diagrams")


def register(sub: SubParsers) -> None:
    group = sub.add_parser(
        "diagrams",
        help="render diagrams from code (diagrams package or Graphviz DOT)",
        description="Render diagrams from code, as the site build does.",
    )
    group.set_defaults(group_parser=group)
    verbs = group.add_subparsers(dest="verb", metavar="VERB")
    render = verbs.add_parser(
        "render",
        help="render .py (diagrams) or .dot files to SVG and 2x PNG",
        description=(
            "Render each FILE (.py using the diagrams package, or .dot/.gv Graphviz) in a "
            "child process to NAME.svg (icons embedded, for the web) and NAME@2x.png (for "
            "email). One failing file does not stop the others; the exit status is 1 if any "
            "failed."
        ),
    )
    render.add_argument("files", nargs="+", metavar="FILE", type=Path, help="diagram sources")
    render.add_argument(
        "-o",
        "--out",
        type=Path,
        default=Path("build/diagrams"),
        metavar="DIR",
        help="folder for the SVG and PNG files (default: %(default)s)",
    )
    render.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="time one diagram may take (default: %(default)g)",
    )
    render.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=0,
        metavar="N",
        help="diagrams rendered at once (default: one per CPU, plus one)",
    )
    render.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME",
        help=(
            "also pass the environment variable NAME to the diagram's processes, which "
            "otherwise see only PATH, HOME, the locale, TMPDIR and the Python path "
            "(repeatable)"
        ),
    )
    render.add_argument(
        "--no-cache",
        action="store_true",
        help=f"render everything again instead of reusing {CACHE_DIR}/",
    )
    render.set_defaults(handler=run_render)


def _source(path: Path) -> DiagramSource:
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise MastheadError(
            f"unknown kind of diagram {path.suffix or '(no suffix)'}; expected .py (diagrams), "
            ".dot or .gv (Graphviz)",
            path=path,
        )
    try:
        code = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MastheadError("no such file; expected a diagram source", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MastheadError(f"cannot read: {exc}", path=path) from exc
    return DiagramSource(
        kind=kind,  # type: ignore[arg-type]
        code=code,
        label=display_path(path),
        workdir=path.resolve().parent,
    )


def run_render(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    sources = [_source(path) for path in args.files]
    stems = [path.stem for path in args.files]
    if len(set(stems)) != len(stems):
        dupes = sorted({s for s in stems if stems.count(s) > 1})
        raise MastheadError(f"several files would write {', '.join(dupes)}.svg; rename one")
    renderer = Renderer(
        None if args.no_cache else CACHE_DIR,
        timeout=args.timeout,
        jobs=args.jobs or None,
        env=args.env,
    )
    with Progress(
        TextColumn("rendering"),
        BarColumn(),
        MofNCompleteColumn(),
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("diagrams", total=len(sources))

        def advance(_source: DiagramSource, _result: Result) -> None:
            progress.advance(task)

        results = renderer.render_many(sources, progress=advance)
    failed = 0
    for path, result in zip(args.files, results, strict=True):
        if isinstance(result, RenderFailure):
            failed += 1
            print(f"masthead: error: {display_path(path)}: {result.reason}", file=sys.stderr)
            for line in result.detail.splitlines():
                print(f"    {line}", file=sys.stderr)
            continue
        _write(result, args.out, path.stem)
        print(
            f"{display_path(path)} -> {display_path(args.out / (path.stem + '.svg'))} "
            f"({result.width}x{result.height}), {path.stem}@2x.png "
            f"({result.png_width}x{result.png_height})"
        )
    stats = renderer.stats
    print(
        f"{len(sources) - failed} rendered, {failed} failed "
        f"({stats.rendered} needed rendering, {stats.disk_hits} came from the cache)",
        file=sys.stderr,
    )
    return 1 if failed else 0


def _write(rendered: Rendered, out: Path, stem: str) -> None:
    atomic_write(out / f"{stem}.svg", rendered.svg)
    atomic_write(out / f"{stem}@2x.png", rendered.png)
