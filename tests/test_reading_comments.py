"""The author's ``# comments`` in a lock file survive every pull that rewrites it, or the
pull refuses, naming the comment's line; and, for random locks and candidates, the
merge keeps every entry, every author field and every comment, idempotently."""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from masthead.errors import ConfigError
from masthead.reading.lock import AUTHOR_FIELDS, Candidate, update_lock

from .test_reading_lock import A, B, C, Project, project, rss  # noqa: F401

ISSUE = "2022-12"
WHEN = datetime(2022, 12, 5, 10, tzinfo=UTC)


def candidate(url: str, title: str, **kw: Any) -> Candidate:
    return Candidate(url=url, title=title, source="S", published=WHEN, feed_url="f", **kw)


def load(text: str) -> Any:
    return yaml.load(text, Loader=yaml.CSafeLoader)


def comment_lines(text: str) -> list[str]:
    """The comments of ``text`` as PyYAML's scanner leaves them out: every ``#`` that is
    not inside a token (checked against the tokens' spans)."""
    spans = []
    for token in yaml.scan(text, Loader=yaml.CSafeLoader):
        start, end = token.start_mark.index, token.end_mark.index
        if isinstance(token, yaml.ScalarToken) and token.style in ("|", ">"):
            start = text.index("\n", start)  # a block's header line may end with a comment
        spans.append((start, end))
    out = []
    position = text.find("#")
    while position >= 0:
        if not any(start <= position < end for start, end in spans):
            line_end = text.find("\n", position)
            out.append(text[position : line_end if line_end >= 0 else len(text)].rstrip())
            position = line_end
            if position < 0:
                break
        position = text.find("#", position + 1)
    return out


LOCK = """\
# Mine: the shortlist for the December issue.
issue: 2022-12  # the month
# the entries, oldest first
entries:  # all of them
# first the kernel post
- url: https://x.example/a/
  # the feed's title; mine is below
  title: Post A  # as the feed says
  pick: true  # yes!
  comment: |  # the blurb
    Read **this** # twice.
  notes: private  # only for me
-  # no url line of its own
  url: https://x.example/b/
  title: Post B
# nothing after this
"""


def test_every_kind_of_comment_survives_a_pull_that_updates_its_entry(tmp_path: Path) -> None:
    path = tmp_path / f"{ISSUE}.yml"
    path.write_text(LOCK, encoding="utf-8")
    result = update_lock(
        path,
        ISSUE,
        [
            candidate("https://x.example/a/", "Post A, revised", summary="Two\nlines\n"),
            candidate("https://x.example/b/", "Post B, revised"),
            candidate("https://x.example/c/", "Post C"),
        ],
    )
    assert sum(result.updated.values()) == 2 and sum(result.new.values()) == 1
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    # Each comment where it was: above the same entry or field, at the end of the same line.
    assert lines.index("# Mine: the shortlist for the December issue.") < lines.index(
        "issue: 2022-12  # the month"
    )
    assert lines[lines.index("entries:  # all of them") - 1] == "# the entries, oldest first"
    first = lines.index("- url: https://x.example/a/")
    assert lines[first - 1] == "# first the kernel post"
    assert lines[first + 1 : first + 3] == [
        "  # the feed's title; mine is below",
        "  title: Post A, revised  # as the feed says",
    ]
    assert "  pick: true  # yes!" in lines
    assert "  comment: |  # the blurb" in lines and "    Read **this** # twice." in lines
    assert "  notes: private  # only for me" in lines
    assert "- url: https://x.example/b/  # no url line of its own" in lines
    assert lines[-1] == "# nothing after this"
    assert comment_lines(text)[4:] == [  # after the header's 4 lines, the author's, in order
        "# Mine: the shortlist for the December issue.",
        "# the month",
        "# the entries, oldest first",
        "# all of them",
        "# first the kernel post",
        "# the feed's title; mine is below",
        "# as the feed says",
        "# yes!",
        "# the blurb",
        "# only for me",
        "# no url line of its own",
        "# nothing after this",
    ]
    data = yaml.safe_load(text)
    assert data["entries"][0]["comment"] == "Read **this** # twice.\n"  # a value, not a comment
    assert [e["title"] for e in data["entries"]] == ["Post A, revised", "Post B, revised", "Post C"]
    # A second pull with the same candidates changes nothing, not a byte.
    update_lock(
        path,
        ISSUE,
        [
            candidate("https://x.example/a/", "Post A, revised", summary="Two\nlines\n"),
            candidate("https://x.example/b/", "Post B, revised"),
            candidate("https://x.example/c/", "Post C"),
        ],
    )
    assert path.read_text(encoding="utf-8") == text


def test_comments_survive_a_real_pull(project: Project) -> None:  # noqa: F811
    project.pull()
    text = project.lock.read_text(encoding="utf-8")
    text = text.replace(f"- url: {A[1]}\n", f"# my favourite\n- url: {A[1]}  # see notes\n", 1)
    text = text.replace("  pick: false\n", "  pick: false  # maybe later\n", 1)
    project.lock.write_text(text + "# end of my list\n", encoding="utf-8")
    project.route.body = rss(("Post A, revised", A[1], A[2]), B, C)
    assert project.pull() == {"new": 1, "updated": 1}
    after = project.lock.read_text(encoding="utf-8")
    lines = after.splitlines()
    at = lines.index(f"- url: {A[1]}  # see notes")
    assert lines[at - 1] == "# my favourite"
    assert "  title: Post A, revised" in lines[at:]
    assert "  pick: false  # maybe later" in lines
    assert lines[-1] == "# end of my list"
    assert project.pull() == {"new": 0, "updated": 0}
    assert project.lock.read_text(encoding="utf-8") == after


def test_a_comment_that_cannot_be_kept_refuses_the_merge(tmp_path: Path) -> None:
    path = tmp_path / f"{ISSUE}.yml"
    # An author's note holding binary data: only PyYAML can write it again, and it drops
    # comments.
    original = (
        "issue: 2022-12\nentries:\n- url: https://x.example/a/\n  title: A\n"
        "  # keep me\n  notes: !!binary aGVsbG8=\n"
    )
    path.write_text(original, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        update_lock(path, ISSUE, [candidate("https://x.example/a/", "A, revised")])
    assert info.value.line == 5 and "# keep me" in info.value.message
    assert "drops comments" in info.value.message
    assert str(info.value).startswith(f"{path}:5: ")
    assert path.read_text(encoding="utf-8") == original  # left as it was
    # Without the comment, the same merge goes through.
    path.write_text(original.replace("  # keep me\n", ""), encoding="utf-8")
    update_lock(path, ISSUE, [candidate("https://x.example/a/", "A, revised")])
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["entries"][0]["notes"] == b"hello"


def test_a_hash_inside_a_value_is_not_a_comment(tmp_path: Path) -> None:
    path = tmp_path / f"{ISSUE}.yml"
    path.write_text(
        "issue: 2022-12\nentries:\n- url: https://x.example/a/#part-2\n"
        "  title: 'Issue #5 # fixed'\n  comment: \"C# and F#\"\n",
        encoding="utf-8",
    )
    update_lock(path, ISSUE, [candidate("https://x.example/a/#part-2", "Issue #5 # fixed!")])
    text = path.read_text(encoding="utf-8")
    assert comment_lines(text) == comment_lines(text)[:4]  # the header only
    entry = yaml.safe_load(text)["entries"][0]
    assert (entry["title"], entry["comment"]) == ("Issue #5 # fixed!", "C# and F#")


# --- properties ----------------------------------------------------------------------------

_WORDS = (
    st.text(
        alphabet=st.characters(
            categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x85\u2028\u2029"
        ),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)
_LINES = st.lists(_WORDS, min_size=1, max_size=3)


@st.composite
def _value(draw: st.DrawFn, key: str) -> Any:
    if key == "pick":
        return draw(st.booleans())
    if key == "order":
        return draw(st.integers(-3, 50))
    if key == "notes":
        return draw(st.one_of(_WORDS, st.lists(_WORDS, max_size=3)))
    if key == "comment":
        return draw(st.one_of(_WORDS, _LINES.map(lambda ls: "\n".join(ls) + "\n")))
    return draw(_WORDS)


@st.composite
def _lock(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]], list[tuple[str, Any]]]:
    """A lock file as an author may have edited it: its text, its entries, and each
    comment with where it was written (``("before", i)``, ``("eol", i, key)``, ...)."""
    counter = iter(range(10_000))

    def note() -> str:
        words = draw(st.one_of(st.just(""), _WORDS.map(lambda w: " " + w.replace("\n", " "))))
        return f"# note-{next(counter)}{words}"

    comments: list[tuple[str, Any]] = []
    base = draw(st.sampled_from(["", "  "]))  # the list at the margin, or indented
    lines = []
    if draw(st.booleans()):
        lines.append(c := note())
        comments.append((c, ("head",)))
    issue_eol = note() if draw(st.booleans()) else None
    lines.append("issue: 2022-12" + (f"  {issue_eol}" if issue_eol else ""))
    if issue_eol:
        comments.append((issue_eol, ("eol-top", "issue")))
    entries: list[dict[str, Any]] = []
    count = draw(st.integers(0, 5))
    lines.append("entries:" if count else "entries: []")
    for i in range(count):
        entry: dict[str, Any] = {"url": f"https://x.example/p{i}/", "title": draw(_WORDS)}
        for key in ("source", "guid", "summary"):
            if draw(st.booleans()):
                entry[key] = draw(_WORDS)
        for key in AUTHOR_FIELDS:
            if draw(st.booleans()):
                entry[key] = draw(_value(key))
        keys = list(entry)
        keys = draw(st.permutations(keys))
        if draw(st.booleans()):
            lines.append(base + (c := note()))
            comments.append((c, ("before", i)))
        bare = draw(st.booleans())
        if bare:
            dash_note = note() if draw(st.booleans()) else None
            lines.append(base + "-" + (f"  {dash_note}" if dash_note else ""))
            if dash_note:
                comments.append((dash_note, ("eol-entry", i)))
        for position, key in enumerate(keys):
            value = entry[key]
            lead = base + ("- " if position == 0 and not bare else "  ")
            if (position or bare) and draw(st.booleans()):
                lines.append(base + "  " + (c := note()))
                comments.append((c, ("before-field", i, key)))
            eol = note() if draw(st.booleans()) else None
            tail = f"  {eol}" if eol else ""
            if eol:
                comments.append((eol, ("eol", i, key)))
            if isinstance(value, str) and "\n" in value:
                lines.append(f"{lead}{key}: |{tail}")
                lines.extend(f"{base}    {line}" for line in value.splitlines())
            else:
                rendered = json.dumps(value, ensure_ascii=False)
                lines.append(f"{lead}{key}: {rendered}{tail}")
        entries.append(entry)
    if draw(st.booleans()):
        lines.append(c := note())
        comments.append((c, ("end",)))
    return "\n".join(lines) + "\n", entries, comments


@st.composite
def _candidates(draw: st.DrawFn) -> list[Candidate]:
    out = []
    if draw(st.booleans()):  # something new: the file is written again
        out.append(candidate("https://x.example/new/", "New"))
    for _ in range(draw(st.integers(0, 6))):
        url = f"https://x.example/p{draw(st.integers(0, 7))}/"
        if draw(st.booleans()):
            url = url.replace("https://", "http://").rstrip("/")  # the same, normalised
        out.append(
            Candidate(
                url=url,
                title=draw(_WORDS),
                source=draw(_WORDS),
                published=WHEN + timedelta(hours=draw(st.integers(0, 500))),
                summary=draw(st.one_of(st.just(""), _WORDS, _LINES.map("\n".join))),
                guid=draw(st.one_of(st.none(), _WORDS)),
                dated=draw(st.booleans()),
                feed_url="f",
            )
        )
    return out


@settings(
    max_examples=int(os.environ.get("MASTHEAD_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(lock=_lock(), candidates=_candidates())
def test_merging_keeps_every_entry_author_field_and_comment(
    lock: tuple[str, list[dict[str, Any]], list[tuple[str, Any]]], candidates: list[Candidate]
) -> None:
    text, entries, comments = lock
    assert load(text)["entries"] in (entries, None)  # the file says what we think
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{ISSUE}.yml"
        path.write_text(text, encoding="utf-8")
        try:
            update_lock(path, ISSUE, candidates)
        except ConfigError as exc:
            # Refused: the file is untouched and the error names a comment's line.
            assert path.read_text(encoding="utf-8") == text
            assert exc.path == path and exc.line is not None
            assert "# note-" in text.splitlines()[exc.line - 1]
            return
        first = path.read_bytes()
        update_lock(path, ISSUE, candidates)
        assert path.read_bytes() == first  # idempotent, to the byte
    written = first.decode("utf-8")
    if written == text:
        return  # nothing new or changed: the file is left exactly as the author wrote it
    after = load(written)["entries"]
    # No entry dropped, none reordered; every author field kept, unchanged.
    assert len(after) >= len(entries)
    for old, new in zip(entries, after, strict=False):
        for key in AUTHOR_FIELDS:
            assert (key in old) == (key in new), key
            if key in old:
                assert new[key] == old[key], key
        assert new["title"]  # and the entry is still whole
    # Every comment is still a comment of the file, in its place.
    found = comment_lines(written)
    lines = written.splitlines()
    starts = [n for n, line in enumerate(lines) if line.startswith("- ")]
    for note, where in comments:
        alone = re.compile(re.escape(note) + r"(?=$|\s+#)")
        assert any(alone.search(c) for c in found), (note, where)
        (at,) = [n for n, line in enumerate(lines) if alone.search(line)]
        kind = where[0]
        if kind in ("before", "eol-entry", "before-field", "eol"):
            index = where[1]
            start = starts[index]
            stop = starts[index + 1] if index + 1 < len(starts) else len(lines)
            if kind == "before":
                assert at < start and (index == 0 or at > starts[index - 1]), (note, where)
            elif kind == "eol-entry":
                assert at == start, (note, where)
            elif kind == "eol":
                assert start <= at < stop and lines[at].lstrip("- ").startswith(f"{where[2]}:")
            else:  # above the field, inside the entry (or above the entry, if it comes first)
                field = next(
                    n
                    for n in range(start, stop)
                    if lines[n].lstrip("- ").startswith(f"{where[2]}:")
                )
                assert at < field and (at > start or at == field - 1), (note, where)
        elif kind == "head":
            assert at < lines.index(next(line for line in lines if line.startswith("issue:")))
        elif kind == "eol-top":
            assert lines[at].startswith(f"{where[1]}:")
        elif kind == "end":
            assert at > (starts[-1] if starts else 0)


def test_a_lock_whose_comments_cannot_be_kept_is_refused_before_fetching(
    project: Project,  # noqa: F811
) -> None:
    project.pull()
    text = project.lock.read_text(encoding="utf-8")
    text = text.replace(
        "  pick: false\n", "  pick: false\n  # mine\n  notes: !!binary aGVsbG8=\n", 1
    )
    project.lock.write_text(text, encoding="utf-8")
    requests = len(project.server.log)
    with pytest.raises(ConfigError) as info:
        project.pull()
    assert "'# mine'" in info.value.message and info.value.path == project.lock
    assert text.splitlines()[info.value.line - 1] == "  # mine"  # type: ignore[operator]
    assert len(project.server.log) == requests  # reported before any feed was fetched
    assert project.lock.read_text(encoding="utf-8") == text
