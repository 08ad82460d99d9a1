"""Hand-written parts, measured: each against the library that does the same job.

masthead carries three parts of its own: the reading pull's HTTP/1.1 transport
(reading/transport.py) and its lock writer (reading/_emit.py); the parser under the
email step's HTML tree (email/dom.py) was its own too, until this comparison showed
libxml2 (lxml) faster: it is measured now against the html.parser it replaced. Each
version (bench/variants.py: aiohttp, PyYAML's libyaml emitter, html.parser) runs the
same pipeline end to end, in the
set-ups of the existing benchmarks, in the same run as masthead's own, the
variants taking turns:

* the pull of bench_reading (200 real feeds from loopback with 50 ms latency):
  first pull (empty cache), re-pull (every feed 304; the lock is not touched) and
  a re-pull after the author edited the lock (read, checked and written again in
  memory); each pull in a fresh process; the lock files are compared;
* the email step of bench_email: the example site's build (the time inside the
  email step) and one large issue; the email HTML and text parts are compared.

Rule: masthead keeps its own part only where the library is more than 20 % slower
end to end, or wrong on a tested case. So a library within 20 % also runs the
test files of its part with it in place (bench/pytest_variant.py); a test that
fails with it, and passes with masthead's own part, is a tested case it gets wrong.
The libraries are not masthead's dependencies: a variant whose package is missing
is skipped with a message (``pip install aiohttp``).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import bench_email, bench_reading, projects, variants

ROOT = Path(__file__).resolve().parents[1]
FIRST_ROUNDS = 3
REPULL_ROUNDS = 5
EDIT_ROUNDS = 3
EMAIL_ROUNDS = 3
LARGE_ROUNDS = 9
SLOWER = 1.20
"""A library slower than this, end to end, is kept out."""
TRANSPORT = ("aiohttp-transport", "aiohttp-client")
WRITER = ("libyaml",)
PARSER = ("html.parser",)
"""Parts where the package uses the library and the variant is masthead's former own."""
TESTS = {
    "aiohttp-transport": ("tests/test_reading_fetch.py", "tests/test_reading_hostile.py"),
    "aiohttp-client": ("tests/test_reading_fetch.py", "tests/test_reading_hostile.py"),
    "libyaml": ("tests/test_reading_lock.py", "tests/test_reading_comments.py"),
    "html.parser": (
        "tests/test_email_render.py",
        "tests/test_email_constructs.py",
        "tests/test_email_check.py",
    ),
}
"""The test files of each part (those that run it in the test's own process)."""


def _progress(message: str) -> None:
    print(f"libraries: {message}", flush=True)


@dataclass
class Phase:
    """One measured phase: the times of each variant taking part, in the same run."""

    name: str
    how: str
    """"best of N" (fresh processes: the fastest run) or "median of N"."""
    takes: tuple[str, ...]
    """The variants whose part this phase runs (besides masthead's own)."""
    judged: str = "wall"
    """What the verdict compares: "wall" time (a pull, which waits on the network as
    much as it computes) or "cpu" time (work in one thread, which another
    process on a shared machine slows down but does not change)."""
    alone: bool = False
    """The part alone, not the pipeline end to end: shown, not judged."""
    wall: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)

    def add(self, variant: str, seconds: float, cpu: float) -> None:
        self.wall.setdefault(variant, []).append(seconds)
        self.cpu.setdefault(variant, []).append(cpu)

    def value(self, variant: str, kind: str = "wall") -> float:
        runs = (self.wall if kind == "wall" else self.cpu)[variant]
        return min(runs) if self.how.startswith("best") else statistics.median(runs)

    def ratio(self, variant: str, kind: str | None = None) -> float:
        kind = kind or self.judged
        return self.value(variant, kind) / self.value("masthead", kind)


@dataclass
class Comparison:
    """How a variant's output compares with masthead's, in one phase."""

    what: str
    variant: str
    same: bool
    note: str


def _order(names: list[str], round_: int) -> list[str]:
    """The variants in turn, starting one further each round (drift hits all alike)."""
    shift = round_ % len(names)
    return names[shift:] + names[:shift]


# --- the pull -----------------------------------------------------------------------


def _lock(project: Path) -> Path:
    return project / "content" / "reading" / f"{bench_reading.ISSUE}.yml"


def _pick_one(lock: Path, nth: int) -> None:
    """The author picks the ``nth`` unpicked entry: a lock the last pull did not leave."""
    text = lock.read_text(encoding="utf-8")
    spots = [m.start() for m in re.finditer(r"(?m)^  pick: false$", text)]
    if not spots:
        raise RuntimeError(f"{lock}: no unpicked entry left")
    at = spots[min(nth, len(spots) - 1)]
    lock.write_text(text[:at] + "  pick: true" + text[at + len("  pick: false") :], "utf-8")


def _lock_note(own: bytes, other: bytes) -> str:
    """What differs between two lock files (both valid YAML)."""
    import yaml

    a, b = own.decode("utf-8"), other.decode("utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = (
        "reads back to the same data"
        if yaml.load(a, Loader=loader) == yaml.load(b, Loader=loader)
        else "**reads back to other data**"
    )
    own_lines, lines = a.splitlines(), b.splitlines()
    changed = len(set(lines) - set(own_lines))
    escapes = len(re.findall(r"\\[uU][0-9a-fA-F]{4}", b)) - len(
        re.findall(r"\\[uU][0-9a-fA-F]{4}", a)
    )
    folded = sum(1 for line in lines if line.startswith("    ") and not line.startswith("    -"))
    own_folded = sum(
        1 for line in own_lines if line.startswith("    ") and not line.startswith("    -")
    )
    return (
        f"{data}; {changed:,} of its {len(lines):,} lines are not in masthead's "
        f"({len(own_lines):,}): quoting, and long values folded over "
        f"{folded - own_folded:,} more lines (longest line {max(map(len, lines))} characters, "
        f"masthead's {max(map(len, own_lines))}); {escapes} characters written as "
        "`\\U` escapes (emoji), where masthead writes them as they are"
    )


def _compare_locks(what: str, locks: dict[str, bytes]) -> list[Comparison]:
    own = locks["masthead"]
    found = []
    for name, data in locks.items():
        if name == "masthead":
            continue
        if data == own:
            found.append(Comparison(what, name, True, f"the same bytes ({len(own):,})"))
        else:
            found.append(Comparison(what, name, False, _lock_note(own, data)))
    return found


def _writing_alone(path: Path) -> Phase:
    """``dump_lock`` of the pulled lock's entries in this process, masthead's writer and
    libyaml's in turn."""
    from masthead.reading import lock

    entries = [dict(e) for e in lock.read_lock(path, bench_reading.ISSUE).entries]
    own = lock.dump_lock
    variants.apply("libyaml")
    writers = {"masthead": own, "libyaml": lock.dump_lock}
    lock.dump_lock = own
    phase = Phase(
        f"writing the pulled lock alone ({len(entries)} entries)",
        f"best of {LARGE_ROUNDS}",
        ("libyaml",),
        "cpu",
        True,
    )
    for round_ in range(LARGE_ROUNDS):
        for name in _order(list(writers), round_):
            started, cpu = time.perf_counter(), time.process_time()
            writers[name](bench_reading.ISSUE, entries)
            phase.add(name, time.perf_counter() - started, time.process_time() - cpu)
    return phase


def _reading(names: list[str], compared: list[Comparison]) -> list[Phase]:
    takes = tuple(n for n in names if n != "masthead")
    first = Phase("first pull, empty cache", f"best of {FIRST_ROUNDS}", takes)
    again = Phase(
        "re-pull, every feed 304",
        f"best of {REPULL_ROUNDS}",
        tuple(n for n in takes if n in TRANSPORT),
    )
    edited = Phase("re-pull after an edit of the lock", f"best of {EDIT_ROUNDS}", takes)
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.feed_host", str(bench_reading.FEEDS), "0.05"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )

    def pull(phase: Phase, rounds: int, project_of: Callable[[str, int], Path]) -> None:
        for round_ in range(rounds):
            for name in _order(["masthead", *phase.takes], round_):
                project = project_of(name, round_)
                _progress(f"{phase.name}, {name} ({round_ + 1}/{rounds})")
                result = bench_reading.run_phase("pull", base, str(project), name)
                phase.add(name, result["wall"], result["cpu"])
                failures.setdefault((phase.name, name), result["failures"])

    failures: dict[tuple[str, str], list[str]] = {}
    try:
        assert server.stdout is not None
        base = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory(prefix="bench-libraries-") as scratch:

            def fresh(name: str, round_: int) -> Path:
                return Path(scratch) / f"{name}-{round_}"

            def kept(name: str, round_: int) -> Path:
                return fresh(name, 0)

            def edited_once(name: str, round_: int) -> Path:
                _pick_one(_lock(kept(name, round_)), round_)
                return kept(name, round_)

            pull(first, FIRST_ROUNDS, fresh)
            locks = {n: _lock(fresh(n, 0)).read_bytes() for n in ["masthead", *takes]}
            compared += _compare_locks("lock written by the first pull", locks)
            for name in takes:
                if failures[(first.name, name)] != failures[(first.name, "masthead")]:
                    compared.append(
                        Comparison(
                            "feeds that failed",
                            name,
                            False,
                            "; ".join(failures[(first.name, name)]) or "none",
                        )
                    )
            writes = [_writing_alone(_lock(fresh("masthead", 0)))] if "libyaml" in takes else []
            pull(again, REPULL_ROUNDS, kept)
            pull(edited, EDIT_ROUNDS, edited_once)
            locks = {n: _lock(kept(n, 0)).read_bytes() for n in ["masthead", *takes]}
            compared += _compare_locks("lock after the edits and re-pulls", locks)
    finally:
        server.terminate()
        server.wait(10)
    return [first, again, edited, *writes]


# --- the email step -------------------------------------------------------------------


def _email_files(project: Path) -> bytes:
    folder = project / "build" / "email"
    parts = [
        p.relative_to(folder).as_posix().encode() + b"\n" + p.read_bytes()
        for p in sorted(folder.glob("*/email.*"))
        if p.suffix in (".html", ".txt")
    ]
    return b"\n".join(parts)


def _first_difference(a: bytes, b: bytes) -> str:
    at = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))

    def around(data: bytes) -> str:
        return data[max(0, at - 40) : at + 40].decode("utf-8", "replace").replace("\n", "\\n")

    return f"{len(b):,} bytes against {len(a):,}, first difference `{around(a)}` / `{around(b)}`"


def _compare_bytes(what: str, outputs: dict[str, bytes]) -> list[Comparison]:
    own = outputs["masthead"]
    return [
        Comparison(
            what,
            name,
            data == own,
            f"the same bytes ({len(own):,})" if data == own else _first_difference(own, data),
        )
        for name, data in outputs.items()
        if name != "masthead"
    ]


def _email(names: list[str], compared: list[Comparison]) -> list[Phase]:
    takes = tuple(n for n in names if n != "masthead")
    site = Phase(
        "example site build: inside the email step",
        f"best of {EMAIL_ROUNDS}",
        takes,
        judged="cpu",
    )
    large = Phase(
        "one large issue: the whole email", f"best of {LARGE_ROUNDS}", takes, judged="cpu"
    )
    alone = Phase("the large issue's parses alone", f"best of {LARGE_ROUNDS}", takes, "cpu", True)
    built: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="bench-libraries-") as scratch:
        project = projects.copy_example(Path(scratch) / "site", strict=False)
        _progress("email: a first build (diagram cache)")
        bench_email.build(project)
        for round_ in range(EMAIL_ROUNDS):
            for name in _order(names, round_):
                _progress(f"email: site build, {name} ({round_ + 1}/{EMAIL_ROUNDS})")
                _, inside, cpu = bench_email.build(project, name)
                site.add(name, inside, cpu)
                built.setdefault(name, _email_files(project))
    compared += _compare_bytes("the example site's emails (HTML and text)", built)
    # The large issue in this process, masthead's parser and the library's in turn.
    from masthead.email import dom

    own_parse = dom.parse
    render = bench_email.large_issue()
    parsers: dict[str, Callable[[str], Any]] = {}
    for name in names:
        variants.apply(name)
        parsers[name] = dom.parse
        dom.parse = own_parse
    results: dict[str, bytes] = {}
    inputs: list[str] = []

    def recording(markup: str) -> dom.Element:
        inputs.append(markup)
        return own_parse(markup)

    try:
        dom.parse = recording
        render()
        _progress(f"email: large issue, {len(inputs)} parses of {sum(map(len, inputs)):,} chars")
        for round_ in range(LARGE_ROUNDS):
            for name in _order(names, round_):
                dom.parse = parsers[name]
                started, cpu = time.perf_counter(), time.process_time()
                email = render()
                large.add(name, time.perf_counter() - started, time.process_time() - cpu)
                results.setdefault(name, email.html.encode() + b"\n" + email.text.encode())
                parse = parsers[name]
                started, cpu = time.perf_counter(), time.process_time()
                for markup in inputs:
                    parse(markup)
                alone.add(name, time.perf_counter() - started, time.process_time() - cpu)
    finally:
        dom.parse = own_parse
    compared += _compare_bytes("the large issue's email (HTML and text)", results)
    return [site, large, alone]


# --- tested cases ---------------------------------------------------------------------


def _pytest(variant: str, targets: list[str]) -> tuple[str, list[str]]:
    """Run ``targets`` with ``variant`` in place: pytest's summary line, the failed tests."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "--tb=no",
            "-p",
            "no:cacheprovider",
            "-p",
            "bench.pytest_variant",
            *targets,
        ],
        cwd=ROOT,
        env=dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            MASTHEAD_BENCH_VARIANT=variant,
            NO_MKDOCS_2_WARNING="1",
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.splitlines()
    failed = [line.split()[1] for line in lines if line.startswith(("FAILED ", "ERROR "))]
    summary = next((line.strip("= ") for line in reversed(lines) if " in " in line), "no summary")
    return summary, failed


def _tested(variant: str) -> tuple[str, list[str]]:
    """The test files of the variant's part with it in place: pytest's summary, and the
    tests that fail with it but pass with masthead's own part."""
    _progress(f"tests with {variant} in place: {' '.join(TESTS[variant])}")
    summary, failed = _pytest(variant, list(TESTS[variant]))
    if failed:
        _, also = _pytest("masthead", failed)  # failing anyway: not the library's doing
        failed = [test for test in failed if test not in also]
    return summary, failed


# --- the report -------------------------------------------------------------------------


def _time(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _rows(phases: list[Phase]) -> list[str]:
    rows = []
    for phase in phases:
        for name in phase.takes:
            variant = variants.VARIANTS[name]
            wall, cpu = phase.ratio(name, "wall"), phase.ratio(name, "cpu")
            shown = {"wall": f"{wall:.2f}", "cpu": f"{cpu:.2f}"}
            shown[phase.judged] = f"**{shown[phase.judged]}**"
            what = f"{phase.name} ({phase.how})" + (", the part alone" if phase.alone else "")
            rows.append(
                f"| {variant.part} | {variant.library} | {what} "
                f"| {_time(phase.value('masthead'))} | {_time(phase.value(name))} "
                f"| {shown['wall']} | {_time(phase.value('masthead', 'cpu'))} "
                f"| {_time(phase.value(name, 'cpu'))} | {shown['cpu']} |"
            )
    return rows


def _verdict(name: str, phases: list[Phase], compared: list[Comparison]) -> str:
    variant = variants.VARIANTS[name]
    ratios = {p.name: p.ratio(name) for p in phases if name in p.takes and not p.alone}
    worst = max(ratios, key=lambda k: ratios[k])
    head = f"- {variant.part} against {variant.library}:"
    if name in PARSER:
        # The package has the library here; the variant is masthead's former own part.
        fastest = min(ratios, key=lambda k: ratios[k])
        if ratios[fastest] * SLOWER < 1:
            return (
                f"{head} **back to masthead's own**: the library takes "
                f"{1 / ratios[fastest] - 1:.0%} more time in the {fastest} (more than 20 %)."
            )
        return (
            f"{head} **the library stays**: masthead's former parser takes "
            f"{min(ratios.values()):.2f}x to {ratios[worst]:.2f}x the library's time."
        )
    if ratios[worst] > SLOWER:
        return (
            f"{head} **keep masthead's own**: the library is {ratios[worst] - 1:.0%} slower "
            f"in the {worst} (more than 20 %)."
        )
    summary, failed = _tested(name)
    spread = f"{min(ratios.values()):.2f}x to {ratios[worst]:.2f}x masthead's time"
    if failed:
        shown = ", ".join(f"`{t.split('::')[-1]}`" for t in failed)
        return (
            f"{head} within 20 % ({spread}), but **wrong on tested cases**, so masthead keeps "
            f"its own: with the library in place {len(failed)} test(s) fail that pass with "
            f"masthead's own ({summary}): {shown}."
        )
    differs = [c for c in compared if c.variant == name and not c.same]
    if differs:
        return (
            f"{head} within 20 % ({spread}) and its part's tests pass ({summary}), but its "
            f"output differs ({', '.join(c.what for c in differs)}): judge the differences above."
        )
    return (
        f"{head} **the library wins**: within 20 % ({spread}), the same output, and its "
        f"part's tests pass with it ({summary})."
    )


def run() -> str:
    import yaml

    skipped = []
    reading = ["masthead"]
    email = ["masthead"]
    for name in (*TRANSPORT, *WRITER, *PARSER):
        lack = variants.missing(name)
        if lack:
            skipped.append(f"{name} (needs {lack})")
        else:
            (email if name in PARSER else reading).append(name)
    compared: list[Comparison] = []
    notes = []
    phases: list[Phase] = []
    if not bench_reading.FEEDS.is_dir():
        notes.append("The pull was not measured: the shared real-feeds folder is absent.")
    elif len(reading) > 1:
        phases += _reading(reading, compared)
    if len(email) > 1:
        phases += _email(email, compared)
    if skipped:
        notes.append(
            f"Skipped, their packages missing: {', '.join(skipped)} "
            "(`.venv/bin/pip install aiohttp` to compare them)."
        )
    if not phases:
        _progress("nothing to compare: " + " ".join(notes))
        return "\n".join(["## Hand-written parts, measured", "", "Not measured.", "", *notes])
    measured = [n for n in (*TRANSPORT, *WRITER, *PARSER) if any(n in p.takes for p in phases)]
    verdicts = [_verdict(name, phases, compared) for name in measured]
    outputs = [f"- {c.what}, {variants.VARIANTS[c.variant].library}: {c.note}" for c in compared]
    return "\n".join(
        [
            "## Hand-written parts, measured",
            "",
            "Each of masthead's own parts against the library that does the same job, end to "
            "end in the set-ups of the reading and email benchmarks (200 real feeds from "
            "loopback with 50 ms latency; the example site and one large issue), in the same "
            "run, the variants taking turns (each pull in a fresh process). Ratio: the "
            "library's wall time over masthead's (under 1: the library is faster); CPU ratio: "
            "the same for CPU time (of all the pull's processes; of the thread doing the "
            "email step), which a busy machine disturbs far less. The verdicts compare the "
            "ratio in bold: wall time for a pull, which waits on the network as much as it "
            "computes; CPU time for the email step, work in one thread. Rows marked 'the "
            "part alone' time only the part, for context. "
            f"{os.cpu_count()} CPUs, shared (load average "
            f"{os.getloadavg()[0]:.1f} at the end). PyYAML's libyaml: `yaml.__with_libyaml__` "
            f"is {getattr(yaml, '__with_libyaml__', False)}.",
            "",
            "| part | library | phase | masthead | library | ratio | masthead CPU "
            "| library CPU | CPU ratio |",
            "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
            *_rows(phases),
            "",
            "Outputs compared with masthead's own:",
            "",
            *outputs,
            "",
            "The adapters (bench/aiohttp_fetch.py, bench/libyaml_lock.py, bench/htmlparser_dom.py) "
            "are the least that runs the pipeline on each library. aiohttp opens one "
            "connection per request with the same bounds on a response head, and leaves the "
            "content codings to masthead's size-capped decoder. The libyaml writer takes the "
            "options of masthead's own PyYAML fallback; a dumper writes no comments, so a lock "
            "with the author's `# comments` cannot be merged. The email step parses with "
            "libxml2 into masthead's own tree, which its twenty modules walk and edit (lxml's "
            "own tree would mean rewriting them), leaving out the `html`/`body` libxml2 "
            "implies around a fragment and keeping the HTML5 void elements it does not know "
            "(`wbr`) empty; the html.parser variant is the parser it used before. The lock "
            "reader is libyaml's `CSafeLoader` already; masthead adds only the line numbers "
            "its errors name.",
            "",
            "Verdicts (masthead keeps its own part only where the library is more than 20 % "
            "slower end to end, or wrong on a tested case; a library within 20 % runs its "
            "part's test files with it in place, those whose tests run the part in the "
            "test's own process):",
            "",
            *verdicts,
            *(["", *notes] if notes else []),
        ]
    )


if __name__ == "__main__":
    print(run())
