"""Newsletter settings in mkdocs.yml: subscribe providers, several newsletters, bad values."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from masthead.cli import main
from masthead.errors import ConfigError
from masthead.newsletter.site import read_site
from masthead.newsletter.subscribe import parse_subscribe

from .support import build_site


def test_providers() -> None:
    kit = parse_subscribe({"provider": "kit", "form": 4827361})
    assert kit is not None
    assert (kit.action, kit.email_field) == (
        "https://app.kit.com/forms/4827361/subscriptions",
        "email_address",
    )
    bd = parse_subscribe({"provider": "Buttondown", "account": "kernelnotes", "button": "Join"})
    assert bd is not None
    assert bd.action == "https://buttondown.com/api/emails/embed-subscribe/kernelnotes"
    assert (bd.email_field, bd.button) == ("email", "Join")
    custom = parse_subscribe(
        {"provider": "custom", "action": "https://lists.example.org/s", "email_field": "addr"}
    )
    assert custom is not None and (custom.action, custom.email_field) == (
        "https://lists.example.org/s",
        "addr",
    )
    assert parse_subscribe(None) is None


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"provider": "mailchimp"}, "one of kit, buttondown, custom"),
        ({"provider": "kit"}, "provider kit needs 'form:'"),
        ({"provider": "buttondown", "account": "a b"}, "needs 'account:'"),
        ({"provider": "custom", "action": "/subscribe"}, "absolute URL"),
        ("buttondown", "expected a mapping"),
    ],
)
def test_provider_errors(raw: object, words: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_subscribe(raw)
    assert words in str(exc.value)


def test_read_site_of_the_example(project: Path) -> None:
    site = read_site(project / "mkdocs.yml")
    assert site.posts_blog == "blog"
    assert [n.blog_dir for n in site.newsletters] == ["newsletter", "tips"]
    assert site.newsletter("tips").title == "Kernel Tips"
    assert site.newsletter().subscribe is not None
    assert site.blog("newsletter").layout.post_url_date_format == "yyyy/MM"
    assert site.docs_dir == project / "content"
    with pytest.raises(ConfigError, match="no newsletter 'weekly'; expected one of"):
        site.newsletter("weekly")


def test_read_site_tolerates_tags_and_names_bad_settings(tmp_path: Path) -> None:
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: !ENV [SITE_NAME, 'T']\nplugins:\n  - blog\n  - blog:\n      blog_dir: news\n"
        "  - masthead/newsletter:\n      newsletters:\n        - blog_dir: news\n"
        "          subscribe: {provider: kit}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as exc:
        read_site(config)
    assert str(exc.value).startswith(f"{config}: masthead/newsletter: newsletters[0].subscribe")
    config.write_text(config.read_text().replace("{provider: kit}", "{provider: kit, form: 9}"))
    site = read_site(config)
    assert [n.blog_dir for n in site.newsletters] == ["news"]


def _set_plugin_options(project: Path, old: str, new: str) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("provider: buttondown", "provider: mailchimp", "one of kit, buttondown, custom"),
        ("        - blog_dir: tips", "        - blog_dir: tricks", "'tricks' is not the blog_dir"),
        ("      blog: blog\n", "      blog: posts\n", "blog: 'posts' is not the blog_dir"),
    ],
)
def test_bad_plugin_settings_fail_the_build(
    project: Path, caplog: pytest.LogCaptureFixture, old: str, new: str, words: str
) -> None:
    _set_plugin_options(project, old, new)
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        build_site(project)
    assert words in caplog.text


def test_scaffold_for_the_second_newsletter(project: Path) -> None:
    out = project / "content" / "tips" / "posts" / "2022-12.md"
    assert (
        main(
            ["new", "monthly", "2022-12", "--newsletter", "tips", "-f", str(project / "mkdocs.yml")]
        )
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert "newsletter: tips\n" in text and 'subject: "Kernel Tips: December 2022"' in text
    assert "categories:" not in text  # Monthly is not a category of the tips blog
    assert re.search(r"^date: 2023-01-01$", text, re.MULTILINE)
