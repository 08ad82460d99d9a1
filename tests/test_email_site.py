"""The email issues of the example publication, from a real ``mkdocs build``: files,
rules, size budget, client support (caniemail), components, and the CLI."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from masthead.cli import main
from masthead.email import dom
from masthead.email.budget import KB
from masthead.email.check import check_html, load_data

from .support import REPO, SHARED_DATA, build_site, copy_project, is_code_block

CANIEMAIL = SHARED_DATA / "caniemail.json"
SITE_URL = "https://kernelnotes.example.org/"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example project, built once; returns the project folder."""
    project = copy_project(tmp_path_factory.mktemp("email-site") / "project")
    build_site(project)
    return project


def issue_sources(project: Path) -> list[Path]:
    found = []
    for md in sorted((project / "content").rglob("posts/*.md")):
        text = md.read_text(encoding="utf-8")
        meta = yaml.safe_load(text.split("---", 2)[1]) if text.startswith("---") else {}
        if isinstance(meta, dict) and "kind" in meta and not meta.get("draft"):
            found.append(md)
    return found


def folders(project: Path) -> list[Path]:
    return sorted(p.parent for p in (project / "build" / "email").glob("*/manifest.json"))


def manifest(folder: Path) -> dict[str, object]:
    return json.loads((folder / "manifest.json").read_text())


def test_every_issue_has_its_four_files(built: Path) -> None:
    out = folders(built)
    sources = issue_sources(built)
    assert len(sources) >= 4
    assert len(out) == len(sources)
    by_source = {manifest(f)["source"] for f in out}
    assert by_source == {str(s.relative_to(built / "content")) for s in sources}
    newsletters = {manifest(f)["newsletter"] for f in out}
    assert newsletters == {"newsletter", "tips"}
    for folder in out:
        for name in ("email.html", "email.txt", "message.eml", "manifest.json"):
            assert (folder / name).stat().st_size > 0, folder / name
        m = manifest(folder)
        assert m["subject"] and m["preheader"]
        assert isinstance(m["sizes"], dict)
        assert m["sizes"]["html"] == (folder / "email.html").stat().st_size
        # The web URL is a page of the built site.
        path = urlsplit(str(m["web_url"])).path.lstrip("/")
        assert (built / "build" / "site" / path / "index.html").is_file(), m["web_url"]


def test_size_budget_of_every_issue_including_the_yearly_recap(built: Path) -> None:
    kinds = set()
    for folder in folders(built):
        size = (folder / "email.html").stat().st_size
        assert size < 90 * KB, (folder.name, size)
        kinds.add(manifest(folder)["kind"])
        style = re.search(r"<style>(.*?)</style>", (folder / "email.html").read_text(), re.S)
        assert style is not None and len(style.group(1).encode()) <= 16 * KB
    assert "annual" in kinds


def test_html_rules_hold_for_every_issue(built: Path) -> None:
    for folder in folders(built):
        html = (folder / "email.html").read_text()
        root = dom.parse(html)
        tags = {e.tag for e in root.iter()}
        assert not tags & {"svg", "script", "iframe", "video", "form", "input"}, folder
        assert "data:" not in html
        for img in (e for e in root.iter() if e.tag == "img"):
            assert img.get("src").startswith(SITE_URL), img.attrs
            assert img.get("width").isdigit() and "alt" in img.attrs, img.attrs
            assert not urlsplit(img.get("src")).path.endswith(".svg")
        m = manifest(folder)
        view = next(a for a in root.iter() if a.tag == "a" and a.text() == "View in browser")
        assert view.get("href") == m["web_url"]
        provider = m["provider"]
        tag = {"buttondown": "{{ unsubscribe_url }}", "kit": "{{ unsubscribe_url }}"}[str(provider)]
        assert f'href="{tag}"' in html


def test_components_of_the_web_page_are_swapped_in_the_email(built: Path) -> None:
    site = built / "build" / "site"
    seen: set[str] = set()
    for folder in folders(built):
        m = manifest(folder)
        page = (site / urlsplit(str(m["web_url"])).path.lstrip("/") / "index.html").read_text()
        html = (folder / "email.html").read_text()
        web = dom.parse(page)
        for fig in (e for e in web.iter() if e.has_class("mh-diagram")):
            seen.add("diagram")
            png = SITE_URL + fig.get("data-png")
            assert f'src="{png}"' in html
            assert (site / fig.get("data-png")).is_file()
        for card in (e for e in web.iter() if e.has_class("mh-tweet")):
            seen.add("tweet")
            assert card.get("data-href") in html and "View the post" in html
        for card in (e for e in web.iter() if e.has_class("mh-video")):
            seen.add("video")
            assert card.get("data-href") in html and "▶ Watch:" in html
            if card.get("data-thumbnail"):
                assert SITE_URL + card.get("data-thumbnail") in html
        for item in (e for e in web.iter() if e.has_class("mh-reading__comment")):
            seen.add("reading")
            words = re.sub(r"\s+", " ", item.text()).strip()[:60]
            assert words in re.sub(r"\s+", " ", dom.parse(html).text())
        email_tree = dom.parse(html)
        if "highlight" in page and "<pre" in page and any(map(is_code_block, email_tree.iter())):
            seen.add("code")
            assert re.search(r'<span style="color:#[0-9a-f]{6}', html)
    assert {"tweet", "video", "diagram", "code", "reading"} <= seen, seen


def test_eml_and_text_of_a_real_issue(built: Path) -> None:
    folder = next(f for f in folders(built) if manifest(f)["kind"] == "annual")
    msg = email.message_from_bytes(
        (folder / "message.eml").read_bytes(), policy=email.policy.default
    )
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["Subject"] == manifest(folder)["subject"]
    assert msg["From"].addresses[0].domain == "kernelnotes.example.org"
    for line in (folder / "email.txt").read_text().splitlines():
        assert len(line) <= 78 or re.fullmatch(r"https?://\S+", line), line


@pytest.mark.skipif(not CANIEMAIL.is_file(), reason="shared caniemail data not present")
def test_examples_use_nothing_gmail_or_apple_mail_do_not_support(built: Path) -> None:
    data = load_data(CANIEMAIL)
    for folder in folders(built):
        findings = check_html((folder / "email.html").read_text(), data)
        assert [f.slug for f in findings if f.fails] == [], folder.name


@pytest.mark.skipif(not CANIEMAIL.is_file(), reason="shared caniemail data not present")
def test_readme_lists_every_partial_and_outlook_entry(built: Path) -> None:
    data = load_data(CANIEMAIL)
    slugs: set[str] = set()
    for folder in folders(built):
        slugs |= {f.slug for f in check_html((folder / "email.html").read_text(), data)}
    readme = (REPO / "README.md").read_text()
    section = readme.split("### What the email check reports", 1)
    assert len(section) == 2, "README has no section on the email check"
    missing = sorted(s for s in slugs if f"`{s}`" not in section[1])
    assert missing == []


# -- the CLI ----------------------------------------------------------------------------


def test_cli_email_builds_and_finds_the_issue_by_period(
    built: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(built)
    assert main(["email", "2022-12"]) == 0
    out = capsys.readouterr().out
    assert "email.html" in out and "Kernel Notes" in out
    assert main(["email", "1999-01"]) == 1
    err = capsys.readouterr().err
    assert "no newsletter issue '1999-01'" in err and "december-2022" in err


@pytest.mark.skipif(not CANIEMAIL.is_file(), reason="shared caniemail data not present")
def test_cli_email_check(
    built: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(built)
    monkeypatch.setenv("MASTHEAD_CANIEMAIL", str(CANIEMAIL))
    source = next(s for s in issue_sources(built) if "kind: annual" in s.read_text())
    rc = main(["email", "check", str(source.relative_to(built)), "--no-build", "--markdown"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "| feature | used as | client | support | notes |" in out
    assert "Outlook (Windows)" in out and "`css-border-radius`" in out
    # A copy of the data that is not caniemail's is a clear error naming the file.
    bad = built / "bad.json"
    bad.write_text('{\n  "nope": 1,\n')
    assert main(["email", "check", "2022-12", "--no-build", "--caniemail", str(bad)]) == 1
    assert "bad.json:3: invalid JSON" in capsys.readouterr().err


def test_cli_email_strict_fails_over_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(tmp_path / "p")
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text().replace(
            "  - masthead/email\n", "  - masthead/email:\n      budget_kb: 4\n"
        )
    )
    monkeypatch.chdir(project)
    # strict: true in mkdocs.yml holds for the CLI too: over budget is then an error.
    assert main(["email", "2022-12"]) == 1
    assert "strict mode" in capsys.readouterr().err
    config.write_text(config.read_text().replace("strict: true\n", ""))
    assert main(["email", "2022-12"]) == 0
    assert "over the budget of 4 KB" in capsys.readouterr().out
    assert main(["email", "2022-12", "--strict"]) == 1


def test_a_newsletter_without_a_sender_gets_no_email_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from mkdocs.exceptions import Abort

    project = copy_project(tmp_path / "p")
    config = project / "mkdocs.yml"
    text = config.read_text()
    text = re.sub(r"\n            from: Mira <mira@kernelnotes\.example\.org>", "", text)
    config.write_text(text)
    with caplog.at_level(logging.WARNING), pytest.raises(Abort):
        build_site(project)  # strict: the warning fails it
    assert "the newsletter 'newsletter' has no sender" in caplog.text
    assert "email: {from: Name <address>}" in caplog.text
    caplog.clear()
    build_site(project, strict=False)
    assert caplog.text.count("has no sender") == 1  # once per build, not once per issue
    manifests = [
        json.loads(p.read_text()) for p in (project / "build" / "email").glob("*/manifest.json")
    ]
    assert manifests and {m["newsletter"] for m in manifests} == {"tips"}


def test_an_image_missing_from_the_built_site_is_a_warning(tmp_path: Path) -> None:
    from mkdocs.exceptions import Abort

    project = copy_project(tmp_path / "p")
    issue = project / "content" / "newsletter" / "posts" / "2022-12.md"
    issue.write_text(
        issue.read_text()
        + '\n<figure class="mh-diagram" data-png="assets/masthead/diagrams/gone.png" '
        'data-png-width="300" data-png-height="100"><figcaption>Gone</figcaption></figure>\n'
    )
    build_site(project, strict=False)
    m = manifest(project / "build" / "email" / "december-2022")
    assert any("diagrams/gone.png is not in the built site" in str(w) for w in m["warnings"])
    with pytest.raises(Abort):
        build_site(project, strict=True)


def test_an_unusable_sender_address_fails_the_build(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from mkdocs.exceptions import Abort

    project = copy_project(tmp_path / "p")
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text().replace(
            "from: Mira <mira@kernelnotes.example.org>", "from: Mira at kernelnotes", 1
        )
    )
    with pytest.raises(Abort):
        build_site(project)
    assert "newsletters[0].email.from: expected an email address" in caplog.text


def test_cli_without_the_plugin_says_what_to_add(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(tmp_path / "p")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("\n  - masthead/email\n", "\n"))
    monkeypatch.chdir(project)
    assert main(["email", "2022-12"]) == 1
    err = capsys.readouterr().err
    assert "mkdocs.yml: the masthead/email plugin is not enabled" in err
    assert main(["email", "2022-12", "-f", "nope.yml"]) == 1
    assert "nope.yml: no such file" in capsys.readouterr().err
