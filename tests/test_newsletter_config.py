"""The publication model read from mkdocs.yml: several newsletters, providers, bad values."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from masthead.cli import main
from masthead.errors import ConfigError

from .support import build_site, publication


def test_the_example_as_one_model(project: Path) -> None:
    site = publication(project / "mkdocs.yml")
    assert site.posts_blog == "blog"
    assert [n.blog_dir for n in site.newsletters] == ["newsletter", "tips"]
    tips = site.newsletter("tips")
    assert (tips.title, tips.label, tips.provider) == ("Kernel Tips", "Tip", "kit")
    assert tips.subscribe is not None and tips.subscribe.button == "Get the tips"
    assert tips.email is not None
    assert tips.email.sender == "Mira from Kernel Tips <tips@kernelnotes.example.org>"
    letter = site.newsletter()
    assert letter.provider == "buttondown" and letter.email is not None
    assert letter.email.reply_to == "mira@kernelnotes.example.org"
    assert site.blog("newsletter").layout.post_url_date_format == "yyyy/MM"
    assert site.docs_dir == (project / "content").resolve()
    assert site.lock_dir == (project / "content" / "reading").resolve()
    assert site.email_dir == (project / "build" / "email").resolve()
    assert site.strict is True
    with pytest.raises(ConfigError, match="no newsletter 'weekly'; expected one of"):
        site.newsletter("weekly")


def test_environment_tags_and_bad_settings_name_the_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "mkdocs.yml"
    (tmp_path / "docs").mkdir()
    config.write_text(
        "site_name: !ENV [SITE_NAME, 'T']\ntheme: material\nplugins:\n  - blog\n"
        "  - blog:\n      blog_dir: news\n"
        "  - masthead/newsletter:\n      newsletters:\n        - blog_dir: news\n"
        "          provider: kit\n          subscribe: {button: Join}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as exc:
        publication(config)
    assert str(exc.value).startswith(f"{config}:11: masthead/newsletter: newsletters[0].subscribe")
    assert "form" in str(exc.value)
    config.write_text(config.read_text().replace("{button: Join}", "{form: 9}"))
    site = publication(config)
    assert [n.blog_dir for n in site.newsletters] == ["news"]
    assert site.site_name == "T"


def test_provider_is_declared_once(tmp_path: Path) -> None:
    config = tmp_path / "mkdocs.yml"
    (tmp_path / "docs").mkdir()
    config.write_text(
        "site_name: T\ntheme: material\nplugins:\n  - blog\n  - blog:\n      blog_dir: news\n"
        "  - masthead/newsletter:\n      newsletters:\n        - blog_dir: news\n"
        "          subscribe: {provider: kit, form: 9}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="provider"):
        publication(config)


def test_the_old_email_settings_say_where_they_moved(project: Path) -> None:
    _set_plugin_options(
        project,
        "  - masthead/email\n",
        "  - masthead/email:\n      newsletters:\n        newsletter: {from: a@b.org}\n",
    )
    with pytest.raises(ConfigError, match="masthead/newsletter: newsletters"):
        publication(project / "mkdocs.yml")


def _set_plugin_options(project: Path, old: str, new: str) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("provider: buttondown", "provider: mailgun", "'mailgun'"),
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
