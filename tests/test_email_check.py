"""``masthead email check``: the clients checked (six by default, ``--clients`` picks
others), what fails (``n`` in any checked client), where each use is, and which uses a
client reads at all (``<style>``, ``@media``, Outlook's conditional comments and
``mso-hide``). Exact cases on a small data file of our own; the real caniemail data
when ../shared/data has it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from masthead.cli import main
from masthead.email.check import (
    CLIENT_SETS,
    DEFAULT_CLIENT_NAMES,
    DEFAULT_CLIENTS,
    IN_MEDIA,
    IN_STYLE,
    MSO_ONLY,
    NOT_MSO,
    Finding,
    check_html,
    feature_uses,
    load_data,
    report_markdown,
    resolve_clients,
    unsupported_lines,
)
from masthead.errors import MastheadError

from .support import SHARED_DATA, build_site, copy_project

CANIEMAIL = SHARED_DATA / "caniemail.json"
real_data = pytest.mark.skipif(not CANIEMAIL.is_file(), reason="shared caniemail data not present")

PLATFORMS = {
    "gmail": ("desktop-webmail", "ios", "android", "mobile-webmail"),
    "outlook": ("windows", "outlook-com", "macos"),
    "apple-mail": ("macos", "ios"),
    "yahoo": ("desktop-webmail", "ios", "android"),
    "aol": ("desktop-webmail", "ios"),
}


def feature(slug: str, title: str, **support: str) -> dict[str, Any]:
    """A caniemail feature: ``yes`` everywhere but for ``family__platform="code"`` given
    (``code`` may be ``"2016:y 2019:n #1"`` for several versions, the newest last)."""
    stats: dict[str, dict[str, dict[str, str]]] = {}
    for family, platforms in PLATFORMS.items():
        for platform in platforms:
            value = support.get(f"{family}__{platform}".replace("-", "_"), "y")
            versions = dict(v.split(":", 1) for v in value.split("|")) if ":" in value else None
            stats.setdefault(family, {})[platform] = versions or {"2024-01": value}
    return {
        "slug": slug,
        "title": title,
        "category": slug.split("-")[0],
        "stats": stats,
        "notes_by_num": {"1": f"Note one of {slug}.", "2": f"Note two of {slug}."},
    }


DATA_FEATURES = [
    feature("css-height", "height property", yahoo__desktop_webmail="2019-09:n #1"),
    feature(
        "css-border-radius",
        "border-radius",
        outlook__windows="2016:y|2019:n #2",
        gmail__desktop_webmail="2019:n|2024:y",
    ),
    feature("css-padding", "padding", outlook__windows="a #1"),
    feature("css-at-media", "@media", outlook__windows="n", gmail__mobile_webmail="n"),
    feature("html-style", "<style> element", gmail__mobile_webmail="n"),
    feature("css-max-height", "max-height property", outlook__windows="n"),
    feature("css-opacity", "opacity", outlook__windows="n", gmail__desktop_webmail="n"),
    feature("css-font-size", "font-size", yahoo__desktop_webmail="n"),
    feature("html-table", "<table> element", aol__desktop_webmail="n"),
    feature("html-doctype", "HTML5 doctype", outlook__windows="n #2"),
    feature("css-important", "!important", gmail__desktop_webmail="a #1"),
    feature("css-selector-class", "class selector", gmail__mobile_webmail="n"),
    feature("css-selector-grouping", "grouping selector"),
    feature("css-selector-child", "child combinator"),
    feature("css-selector-type", "type selector"),
    feature("css-comments", "CSS comments"),
    feature("css-at-font-face", "@font-face"),
    feature("html-div", "<div> element"),
    feature("html-img", "<img> element"),
]


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("caniemail") / "data.json"
    path.write_text(json.dumps({"api_version": "1.0.4", "data": DATA_FEATURES}))
    return path


@pytest.fixture(scope="module")
def data(data_file: Path) -> dict[str, dict[str, Any]]:
    return load_data(data_file)


def by_slug(findings: list[Finding]) -> dict[str, Finding]:
    return {f.slug: f for f in findings}


def clients_of(finding: Finding) -> dict[str, str]:
    return {s.client.name: s.code for s in finding.support}


# -- the clients ------------------------------------------------------------------------


def test_six_clients_by_default() -> None:
    assert DEFAULT_CLIENT_NAMES == (
        "gmail-desktop",
        "gmail-mobile",
        "outlook-windows",
        "outlook-com",
        "apple-mail",
        "yahoo",
    )
    assert [(c.family, c.platform) for c in DEFAULT_CLIENTS] == [
        ("gmail", "desktop-webmail"),
        ("gmail", "ios"),
        ("gmail", "android"),
        ("outlook", "windows"),
        ("outlook", "outlook-com"),
        ("apple-mail", "macos"),
        ("apple-mail", "ios"),
        ("yahoo", "desktop-webmail"),
    ]
    assert resolve_clients(None) == DEFAULT_CLIENTS
    assert resolve_clients("default") == DEFAULT_CLIENTS
    # Gmail in a phone's browser (not the apps) is there on demand.
    (webmail,) = resolve_clients("gmail-mobile-webmail")
    assert (webmail.family, webmail.platform) == ("gmail", "mobile-webmail")


def test_clients_by_name_and_by_caniemail_key(data: dict[str, dict[str, Any]]) -> None:
    picked = resolve_clients("yahoo, Apple-Mail,yahoo")
    assert [c.name for c in picked] == [
        "Yahoo Mail (desktop webmail)",
        "Apple Mail (macOS)",
        "Apple Mail (iOS)",
    ]
    assert [(c.family, c.platform) for c in resolve_clients("aol/*", data)] == [
        ("aol", "desktop-webmail"),
        ("aol", "ios"),
    ]
    both = resolve_clients("default,outlook/macos", data)
    assert both[:-1] == DEFAULT_CLIENTS and both[-1].name == "Outlook (macOS)"
    assert resolve_clients("aol/ios", data)[0].name == "aol (ios)"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("gmail-desktop,hotmail", "unknown mail client 'hotmail' for --clients"),
        (" , ", "expected mail client names for --clients"),
        ("aol/nope", "caniemail's 'aol' has the platforms desktop-webmail, ios"),
        ("nope/ios", "the caniemail data has no family 'nope'"),
    ],
)
def test_an_unknown_client_is_a_clear_error(
    spec: str, expected: str, data: dict[str, dict[str, Any]]
) -> None:
    with pytest.raises(MastheadError) as info:
        resolve_clients(spec, data)
    assert expected in str(info.value)
    if "unknown mail client 'hotmail'" in expected:
        assert all(name in str(info.value) for name in CLIENT_SETS)


# -- what fails, and where --------------------------------------------------------------


def test_unsupported_in_any_default_client_fails_and_says_where(
    data: dict[str, dict[str, Any]],
) -> None:
    html = '<div class="box"><img src="https://x.example/img/chart.png" style="height: auto"></div>'
    findings = by_slug(check_html(html, data))
    height = findings["css-height"]
    assert height.fails
    (support,) = height.support
    assert (support.client.name, support.code, support.version) == (
        "Yahoo Mail (desktop webmail)",
        "n",
        "2019-09",
    )
    assert support.notes == ("Note one of css-height.",)
    assert support.used_as == ('height: auto on <img src="…/chart.png"> in <div class="box">',)
    assert unsupported_lines([height]) == [
        "Yahoo Mail (desktop webmail) 2019-09 does not support height property (`css-height`), "
        'used as height: auto on <img src="…/chart.png"> in <div class="box">'
    ]
    # The same email checked for Apple Mail only passes.
    assert not any(f.fails for f in check_html(html, data, resolve_clients("apple-mail")))


def test_the_newest_version_counts_and_partial_does_not_fail(
    data: dict[str, dict[str, Any]],
) -> None:
    html = '<p class="intro" style="border-radius: 4px; padding: 2px">x</p>'
    findings = by_slug(check_html(html, data))
    # Outlook: y in 2016, n in 2019; Gmail: n in 2019, y in 2024.
    assert clients_of(findings["css-border-radius"]) == {"Outlook (Windows)": "n"}
    assert findings["css-border-radius"].support[0].version == "2019"
    padding = findings["css-padding"]
    assert clients_of(padding) == {"Outlook (Windows)": "a"} and not padding.fails
    assert padding.used_as == ('padding: 2px on <p class="intro">',)


def test_only_the_html5_doctype_is_the_html5_doctype(data: dict[str, dict[str, Any]]) -> None:
    assert "html-doctype" in by_slug(check_html("<!DOCTYPE html><p>x</p>", data))
    xhtml = (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd"><p>x</p>'
    )
    assert "html-doctype" not in by_slug(check_html(xhtml, data))


# -- which uses a client reads ------------------------------------------------------------


def test_style_and_media_rules_count_only_where_they_apply(
    data: dict[str, dict[str, Any]],
) -> None:
    html = (
        "<html><head><style>@media screen and (max-width: 620px) "
        "{ .wrap { max-height: 0 !important; } }</style></head><body><p>x</p></body></html>"
    )
    findings = by_slug(check_html(html, data, resolve_clients("default,gmail-mobile-webmail")))
    # Gmail mobile webmail drops <style>: the <style> is reported, not what is in it.
    assert clients_of(findings["html-style"]) == {"Gmail (mobile webmail)": "n"}
    assert findings["html-style"].support[0].used_as == ("<style> in <head>",)
    # Outlook has no @media: the @media is reported, not the rules inside it.
    assert clients_of(findings["css-at-media"]) == {"Outlook (Windows)": "n"}
    assert "css-max-height" not in findings
    assert "css-selector-class" not in findings  # only Gmail mobile webmail, which drops it
    important = findings["css-important"]
    assert clients_of(important) == {"Gmail (desktop webmail)": "a"}
    assert important.used_as == (
        "max-height: … !important on .wrap in <style> @media screen and (max-width: 620px)",
    )
    # The same property inline is read by Outlook.
    inline = by_slug(check_html('<div style="max-height: 0">x</div>', data))
    assert clients_of(inline["css-max-height"]) == {"Outlook (Windows)": "n"}


def test_outlook_conditional_comments_and_mso_hide(data: dict[str, dict[str, Any]]) -> None:
    only_outlook = (
        '<div class="a"><!--[if mso]><table role="presentation" style="opacity: 0">'
        "<tr><td>x</td></tr></table><![endif]--></div>"
    )
    opacity = by_slug(check_html(only_outlook, data))["css-opacity"]
    assert clients_of(opacity) == {"Outlook (Windows)": "n"}
    assert opacity.used_as == ('opacity: 0 on <table> in <div class="a">',)
    not_outlook = '<!--[if !mso]><!--><div style="opacity: 0">x</div><!--<![endif]--><p>y</p>'
    assert clients_of(by_slug(check_html(not_outlook, data))["css-opacity"]) == {
        "Gmail (desktop webmail)": "n"
    }
    # mso-hide: all hides the element from Outlook, but not a table inside it.
    hidden = '<div style="mso-hide: all; max-height: 0; overflow: hidden">preheader</div>'
    assert "css-max-height" not in by_slug(check_html(hidden, data))
    nested = (
        '<div style="mso-hide: all"><span style="max-height: 0">a</span>'
        '<table style="max-height: 0"><tr><td>b</td></tr></table></div>'
    )
    max_height = by_slug(check_html(nested, data))["css-max-height"]
    assert max_height.support[0].used_as == ("max-height: 0 on <table>",)
    # Markup after the conditional block is read by Outlook again.
    after = '<!--[if !mso]><!--><p>a</p><!--<![endif]--><div style="max-height: 0">b</div>'
    assert "css-max-height" in by_slug(check_html(after, data))


def test_the_scopes_of_a_style_sheet() -> None:
    known = {
        "css-comments",
        "css-selector-class",
        "css-selector-child",
        "css-selector-grouping",
        "css-selector-type",
        "css-at-media",
        "css-at-font-face",
        "css-important",
        "css-padding",
        "css-font-size",
        "html-style",
    }
    html = (
        "<style>/* a comment { } */ a.b > c, d { font-size: 2px } "
        "@media screen { .e { padding: 0 !important } } "
        "@font-face { font-family: x; src: url(y) } p { padding: 1px }</style>"
    )
    uses = feature_uses(html, known)
    assert set(uses) == known
    scopes = {slug: {frozenset(u.scope) for u in found} for slug, found in uses.items()}
    assert scopes["html-style"] == {frozenset()}
    assert scopes["css-at-media"] == {frozenset({IN_STYLE})}
    assert scopes["css-important"] == {frozenset({IN_STYLE, IN_MEDIA})}
    assert scopes["css-padding"] == {frozenset({IN_STYLE}), frozenset({IN_STYLE, IN_MEDIA})}
    assert {str(u) for u in uses["css-selector-child"]} == {"a.b > c on a.b > c, d in <style>"}
    assert {
        u.scope
        for u in feature_uses("<!--[if mso]><p style='padding:0'>x</p><![endif]-->", known)[
            "css-padding"
        ]
    } == {frozenset({MSO_ONLY})}
    assert {
        u.scope
        for u in feature_uses(
            "<!--[if !mso]><!--><p style='padding:0'>x</p><!--<![endif]-->", known
        )["css-padding"]
    } == {frozenset({NOT_MSO})}


def test_the_markdown_report(data: dict[str, dict[str, Any]]) -> None:
    findings = check_html('<p style="padding: 1px | 2px">x</p>', data)
    report = report_markdown(findings).splitlines()
    assert report[0] == "| feature | used as | client | support | notes |"
    assert report[2] == (
        "| padding (`css-padding`) | padding: 1px \\| 2px on <p> | Outlook (Windows) 2024-01 | "
        "partial | Note one of css-padding. |"
    )


# -- the command line -------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("email-check") / "project")
    build_site(project)
    return project


def test_cli_check_exits_1_naming_feature_client_and_place(
    built: Path,
    data_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(built)
    monkeypatch.delenv("MASTHEAD_CANIEMAIL", raising=False)
    args = ["email", "check", "2022-12", "--no-build", "--caniemail", str(data_file)]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "font-size" in captured.out  # the table
    assert "december-2022 uses what checked clients do not support" in captured.err
    lines = [line.strip() for line in captured.err.splitlines()]
    assert any(
        line.startswith("Yahoo Mail (desktop webmail) 2024-01 does not support font-size")
        and "used as font-size: " in line
        and " on <td" in line
        for line in lines
    ), captured.err
    # Apple Mail and Outlook.com support all of it (in this data).
    assert main([*args, "--clients", "apple-mail,outlook-com"]) == 0
    assert "does not support" not in capsys.readouterr().err
    # The environment variable names the data too.
    monkeypatch.setenv("MASTHEAD_CANIEMAIL", str(data_file))
    assert main(["email", "check", "2022-12", "--no-build", "--clients", "yahoo"]) == 1
    assert "Yahoo Mail" in capsys.readouterr().err


def test_cli_check_unknown_client(
    built: Path,
    data_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(built)
    rc = main(
        [
            "email",
            "check",
            "2022-12",
            "--no-build",
            "--caniemail",
            str(data_file),
            "--clients",
            "gmail-desktop,lotus-notes",
        ]
    )
    assert rc == 1
    err = capsys.readouterr().err
    assert "unknown mail client 'lotus-notes' for --clients" in err
    assert "gmail-mobile" in err and "outlook-com" in err and "yahoo" in err


def test_cli_help_lists_the_client_names(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["email", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--clients NAMES" in out
    for name in CLIENT_SETS:
        assert f"\n  {name} " in out
    assert "gmail-mobile          Gmail (iOS app), Gmail (Android app) (default)" in out


# -- the real caniemail data --------------------------------------------------------------


@real_data
def test_every_client_name_is_in_the_real_data() -> None:
    data = load_data(CANIEMAIL)
    for clients in CLIENT_SETS.values():
        for client in clients:
            assert resolve_clients(f"{client.family}/{client.platform}", data) == (client,)


@real_data
def test_the_real_data_yahoo_does_not_support_height() -> None:
    data = load_data(CANIEMAIL)
    html = '<img src="https://x.example/a.png" width="10" style="height: auto">'
    failing = unsupported_lines(check_html(html, data))
    assert any(
        line.startswith("Yahoo Mail (desktop webmail)") and "(`css-height`)" in line
        for line in failing
    ), failing
    assert not any(f.fails for f in check_html(html, data, resolve_clients("apple-mail")))


@real_data
def test_the_real_data_media_rules_are_not_outlook_uses() -> None:
    data = load_data(CANIEMAIL)
    html = (
        "<html><head><style>@media screen and (max-width: 620px) { .x { max-height: 0 } }"
        "</style></head><body><p>x</p></body></html>"
    )
    findings = by_slug(check_html(html, data, resolve_clients("outlook-windows")))
    assert findings["css-at-media"].fails
    assert "css-max-height" not in findings


@real_data
def test_the_real_data_each_example_issue_is_checked_with_every_default_client(
    built: Path,
) -> None:
    data = load_data(CANIEMAIL)
    issues = sorted((built / "build" / "email").glob("*/email.html"))
    assert len(issues) >= 6
    for path in issues:
        findings = check_html(path.read_text(), data)
        assert findings, path
        for line in unsupported_lines(findings):
            assert " used as " in line
        reported = {s.client for f in findings for s in f.support}
        assert reported <= set(DEFAULT_CLIENTS)
