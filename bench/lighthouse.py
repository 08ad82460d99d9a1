"""Lighthouse scores of the built site (``make lighthouse``), not part of ``make test``.

Serves a built site on 127.0.0.1, compressed with gzip as static hosts
serve it, runs Lighthouse in headless Chromium (kept off the network) on
five pages, and prints the four category scores of each page as a Markdown
table. The pages: the home page, the largest post, the largest newsletter
issue, the largest category page and the newsletter's index. Each page is
measured ``--runs`` times and the run with the median performance score is
kept, as Lighthouse's own documentation advises: the performance score
varies from run to run on a busy machine.

Run: ``python -m bench.lighthouse --lighthouse PATH [--runs N] SITE``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
COMPRESSED = (".html", ".css", ".js", ".json", ".xml", ".svg", ".txt")


class _GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, text ones gzip-compressed when the client accepts it."""

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?", 1)[0].endswith("/"):
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.suffix in COMPRESSED and path.is_file()):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return _Body(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Body:
    """What ``send_head`` returns: a readable body that ``copyfile`` copies."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        data, self.data = (self.data, b"") if size < 0 else (self.data[:size], self.data[size:])
        return data

    def close(self) -> None:
        self.data = b""


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` on a free port of 127.0.0.1; yield the base URL."""
    handler = functools.partial(_GzipHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _largest(pages: list[Path]) -> Path:
    if not pages:
        raise SystemExit("the site has no page of this kind; build it first (make build)")
    return max(pages, key=lambda p: (p.stat().st_size, str(p)))


def pages(site: Path) -> list[tuple[str, str]]:
    """The five measured pages: (label, URL path relative to the site's root)."""
    posts = [p for p in site.glob("blog/2*/**/index.html")]
    issues = [p for p in site.glob("newsletter/2*/**/index.html")]
    categories = [p for p in site.glob("blog/category/*/index.html")]
    chosen = [
        ("home page", site / "index.html"),
        ("largest post", _largest(posts)),
        ("largest issue", _largest(issues)),
        ("largest category page", _largest(categories)),
        ("newsletter index", site / "newsletter" / "index.html"),
    ]
    found = []
    for label, path in chosen:
        folder = path.parent.relative_to(site).as_posix()
        found.append((label, "" if folder == "." else folder + "/"))
    return found


def measure(lighthouse: Path, url: str, report: Path) -> dict[str, float]:
    """One Lighthouse run on ``url``; the score (0-1) of each category."""
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    args = [
        str(lighthouse),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"lighthouse failed on {url}:\n{done.stderr[-2000:]}")
    result = json.loads(report.read_text(encoding="utf-8"))
    return {name: float(result["categories"][name]["score"]) for name in CATEGORIES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lighthouse", description=__doc__)
    parser.add_argument("site", type=Path, help="the built site (build/site)")
    parser.add_argument("--lighthouse", type=Path, required=True, help="the lighthouse command")
    parser.add_argument("--runs", type=int, default=5, help="runs per page (default: 5)")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        parser.error(f"{args.site}/index.html not found; expected a built site (make build)")
    rows = []
    with serve(args.site) as base, tempfile.TemporaryDirectory() as tmp:
        for label, path in pages(args.site):
            runs = [
                measure(args.lighthouse, base + path, Path(tmp, "report.json"))
                for _ in range(args.runs)
            ]
            runs.sort(key=lambda scores: scores["performance"])
            scores = runs[len(runs) // 2]
            rows.append((label, path, scores))
            print(f"lighthouse: {label} done", file=sys.stderr, flush=True)
    print("| page | " + " | ".join(CATEGORIES) + " |")
    print("|---|" + "---|" * len(CATEGORIES))
    for label, path, scores in rows:
        cells = " | ".join(f"{round(scores[name] * 100)}" for name in CATEGORIES)
        print(f"| {label} (`/{path}`) | {cells} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
