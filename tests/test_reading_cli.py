"""feeds.yml, OPML import and the ``masthead reading`` commands, end to end on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from masthead.cli import main
from masthead.errors import ConfigError
from masthead.reading.opml import import_opml
from masthead.reading.sources import load_sources, parse_sources

from .test_reading_helpers import Route, feed_server

FIXTURES = Path(__file__).parent / "fixtures" / "reading"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("feeds:\n  - name: x\n", 2, "expected 'url:'"),
        ("feeds:\n  - url: ftp://x.example/feed\n", 2, "absolute http(s) URL"),
        ("feeds:\n  - url: https://a.example/f\n    max_entries: 0\n", 3, "max_entries"),
        ("feeds:\n  - url: https://a.example/f\n    enabled: sometimes\n", 3, "true or false"),
        ("feeds:\n  - url: https://a.example/f\n    colour: red\n", 3, "unknown key 'colour'"),
        ("feeds:\n  - url: https://a.example/f\n  - url: http://A.example/f/\n", 3, "listed twice"),
        ("settings:\n  timeout: -1\nfeeds: []\n", 2, "'timeout' to be a number > 0"),
        ("feeds:\n  - url: https://a.example/f\n    source: site\n", 3, "'source'"),
        ("feeds: [\n", 2, "invalid YAML"),
        ("feeds: {url: x}\n", 1, "list of feeds"),
    ],
)
def test_feeds_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_sources(text, "content/reading/feeds.yml")
    assert info.value.line == line, info.value
    assert message in info.value.message
    assert str(info.value).startswith(f"content/reading/feeds.yml:{line}: ")


def test_feeds_file_parses() -> None:
    sources = parse_sources(
        "settings:\n  timeout: 5\n  concurrency: 3\nfeeds:\n"
        "  - url: https://a.example/f\n    name: A\n    tags: [k8s, linux]\n    max_entries: 3\n"
        "  - url: https://b.example/f\n    enabled: false\n    source: host\n",
        "feeds.yml",
    )
    assert sources.settings.timeout == 5.0 and sources.settings.concurrency == 3
    a, b = sources.feeds
    assert (a.name, a.tags, a.max_entries, a.line) == ("A", ("k8s", "linux"), 3, 5)
    assert b.name == "b.example" and not b.enabled and b.source == "host"
    assert sources.enabled == (a,)


def test_opml_import_dedupes_and_keeps_comments(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.yml"
    original = (
        "# My feeds. This comment must survive an import.\n"
        "feeds:\n"
        "- url: https://lwn.net/headlines/rss  # already here (the OPML has http://)\n"
        "  name: LWN\n"
    )
    feeds.write_text(original, encoding="utf-8")
    result = import_opml(FIXTURES / "subscriptions.opml", feeds)
    assert [f.name for f in result.added] == ["Kubernetes Blog", "CNCF", "Julia Evans"]
    assert result.duplicates == ("http://lwn.net/headlines/rss", "https://jvns.ca/atom.xml#again")
    text = feeds.read_text(encoding="utf-8")
    assert text.startswith(original)
    assert [f.url for f in load_sources(feeds).feeds] == [
        "https://lwn.net/headlines/rss",
        "https://kubernetes.io/feed.xml",
        "https://www.cncf.io/feed/",
        "https://jvns.ca/atom.xml",
    ]
    again = import_opml(FIXTURES / "subscriptions.opml", feeds)
    assert again.added == () and feeds.read_text(encoding="utf-8") == text


def test_opml_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body>\n<outline xmlUrl='x'>\n</body></opml>\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        import_opml(bad, tmp_path / "feeds.yml")
    assert info.value.line == 3 and "not well-formed" in info.value.message
    bomb = tmp_path / "bomb.opml"
    bomb.write_bytes((FIXTURES / "bomb.xml").read_bytes())
    with pytest.raises(ConfigError, match="entities"):
        import_opml(bomb, tmp_path / "feeds.yml")
    assert not (tmp_path / "feeds.yml").exists()


def _project(tmp_path: Path, feeds: str) -> Path:
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\ndocs_dir: content\nmarkdown_extensions:\n"
        "  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n",
        encoding="utf-8",
    )
    (tmp_path / "content" / "reading").mkdir(parents=True)
    (tmp_path / "content" / "reading" / "feeds.yml").write_text(feeds, encoding="utf-8")
    return tmp_path


def test_cli_pull_and_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    routes = {
        "/rss": Route(body=(FIXTURES / "rss2.xml").read_bytes(), validators=True),
        "/gone": Route(status=410),
        "/moved": Route(status=301, location="/rss"),
    }
    with feed_server(routes) as (base, _):
        project = _project(
            tmp_path,
            f"feeds:\n  - url: {base}/rss\n    name: Cluster Notes\n"
            f"  - url: {base}/gone\n    name: Old blog\n",
        )
        monkeypatch.chdir(project)
        monkeypatch.setenv("COLUMNS", "250")  # one table row per line, nothing wrapped
        code = main(["reading", "pull", "2022-12", "--no-progress"])
        out = capsys.readouterr().out
        assert code == 1  # one feed failed
        assert "Old blog" in out and "HTTP 410 Gone" in out and "failed" in out
        assert "1 of 2 feeds failed" in out
        lock = yaml.safe_load((project / "content/reading/2022-12.yml").read_text(encoding="utf-8"))
        assert {e["title"] for e in lock["entries"]} >= {"Why the kubelet evicts your pods"}
        # Fix feeds.yml (the moved feed is reported); pull again: 304, exit code 0.
        (project / "content/reading/feeds.yml").write_text(
            f"feeds:\n  - url: {base}/rss\n    name: Cluster Notes\n"
            f"  - url: {base}/moved\n    name: Mirror\n",
            encoding="utf-8",
        )
        code = main(["reading", "pull", "2022-12", "--since", "2022-12-10", "--no-progress"])
        out = capsys.readouterr().out
        assert code == 0
        assert "unchanged (304)" in out
        assert f"moved permanently to {base}/rss" in out
        assert (project / ".cache/masthead/reading").is_dir()
    # Import from OPML through the CLI.
    assert main(["reading", "import", str(FIXTURES / "subscriptions.opml")]) == 0
    out = capsys.readouterr().out
    assert "4 feed(s) added" in out and "1 duplicate(s) skipped" in out
    # Bad input: non-zero exit, one line naming the file and line.
    (project / "content/reading/feeds.yml").write_text("feeds:\n  - url: nope\n", encoding="utf-8")
    assert main(["reading", "pull", "2022-12", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "content/reading/feeds.yml:2:" in err and "absolute http(s) URL" in err
    assert main(["reading", "pull", "2022-13"]) == 1
    assert "between 01 and 12" in capsys.readouterr().err


def test_window_options() -> None:
    import argparse
    from datetime import UTC, datetime

    from masthead.commands.reading import _date, _window
    from masthead.content import Period

    december = Period.parse("2022-12")
    plain = argparse.Namespace(since=None, until=None)
    assert _window(plain, december) == (
        datetime(2022, 12, 1, tzinfo=UTC),
        datetime(2023, 1, 1, tzinfo=UTC),
    )
    both = argparse.Namespace(since=_date("2022-11-25"), until=_date("2022-12-10"))
    # --until is a whole day, inclusive.
    assert _window(both, december) == (
        datetime(2022, 11, 25, tzinfo=UTC),
        datetime(2022, 12, 11, tzinfo=UTC),
    )
    exact = argparse.Namespace(since=None, until=_date("2022-12-10T12:00:00+02:00"))
    assert _window(exact, december)[1] == datetime(2022, 12, 10, 10, tzinfo=UTC)
    backwards = argparse.Namespace(since=_date("2022-12-20"), until=_date("2022-12-01"))
    with pytest.raises(ConfigError, match="must come after"):
        _window(backwards, december)
    with pytest.raises(argparse.ArgumentTypeError, match="expected a date like"):
        _date("next tuesday")
