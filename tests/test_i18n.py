"""masthead's own words follow ``theme.language``: the catalogs and their fallbacks, a
user's file of words, and real builds in German (the example publication) and French
(a publication made by ``masthead init``), with Spanish checked on the email itself."""

from __future__ import annotations

import html as html_lib
import logging
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from masthead.cli import main
from masthead.email.budget import Cut, ending_html
from masthead.email.render import EmailSettings, render_email
from masthead.email.text import TextRenderer
from masthead.errors import MastheadError
from masthead.i18n import LANGUAGES, StringsError, catalog, load_overrides, strings
from masthead.i18n.catalog import placeholders, texts
from masthead.i18n.site import site_strings
from masthead.newsletter import cards, posts_fence

from .support import REPO, build_site, copy_project
from .test_email_render import FIXTURES, SENDER, issue_info

OTHERS = [lang for lang in LANGUAGES if lang != "en"]
DIAGRAM_CACHE = REPO / ".cache" / "masthead" / "diagrams"


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _set_language(project: Path, language: str, strings_file: str = "") -> None:
    """Set ``theme.language`` (and ``masthead/newsletter: strings``) in ``project``'s
    mkdocs.yml, as a user edits it."""
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    if re.search(r"^  language: \w+$", text, re.MULTILINE):
        text = re.sub(r"^  language: \w+$", f"  language: {language}", text, flags=re.MULTILINE)
    else:
        text = text.replace("  name: material", f"  name: material\n  language: {language}", 1)
    if strings_file:
        text, count = re.subn(
            r"^(\s*)- masthead/newsletter:\n",
            lambda m: f"{m.group(0)}{m.group(1)}    strings: {strings_file}\n",
            text,
            count=1,
            flags=re.MULTILINE,
        )
        assert count == 1, "no masthead/newsletter plugin in mkdocs.yml"
    config.write_text(text, encoding="utf-8")


def _with_diagram_cache(project: Path) -> Path:
    """Diagrams already rendered for the example (by make build) are reused: their cache is
    keyed by the diagram's code, so a copy only saves rendering them again."""
    if DIAGRAM_CACHE.is_dir():
        shutil.copytree(DIAGRAM_CACHE, project / ".cache" / "masthead" / "diagrams")
    return project


# -- the catalogs ---------------------------------------------------------------------


@pytest.mark.parametrize("language", OTHERS)
def test_every_language_has_every_english_key(language: str) -> None:
    english, other = catalog("en"), catalog(language)
    missing = sorted(set(english) - set(other))
    assert not missing, f"{language}.yml lacks {', '.join(missing)}"
    unknown = sorted(set(other) - set(english))
    assert not unknown, f"{language}.yml has keys English does not: {', '.join(unknown)}"
    for key, entry in other.items():
        known = english[key].value
        allowed = set().union(*(placeholders(t) for t in texts(known)))
        for text in texts(entry.value):
            assert text.strip(), f"{language}.yml:{entry.line}: {key} is empty"
            assert placeholders(text) <= allowed, f"{language}.yml:{entry.line}: {key}: {text!r}"
        if isinstance(known, str):
            assert isinstance(entry.value, str), f"{language}.yml:{entry.line}: {key}: plural"


@pytest.mark.parametrize("language", OTHERS)
def test_every_language_says_its_sentences_in_its_own_words(language: str) -> None:
    """A sentence a translation left as the English one was forgotten."""
    english, other = catalog("en"), catalog(language)
    same = [
        key
        for key, entry in english.items()
        if isinstance(entry.value, str)
        and entry.value.count(" ") >= 2
        and other[key].value == entry.value
    ]
    assert not same, f"{language}.yml: still English: {', '.join(same)}"


def test_plural_forms_and_numbers_follow_the_language() -> None:
    es, en = strings("es"), strings("en")
    assert es.text("post.readtime", n=1) == "1 minuto de lectura"
    assert es.text("post.readtime", n=5) == "5 minutos de lectura"
    assert en.text("post.readtime", n=1) == "1 min read"
    assert en.text("card.replies", n=1) == "Reply"
    assert en.text("card.replies", n=12) == "Replies"
    assert strings("de").number(1380) == "1.380"
    assert en.number(1380) == "1,380"


def test_html_escapes_the_words_and_the_values() -> None:
    fr = strings("fr")
    title = fr.html("subscribe.title", newsletter="Ops & <Dev>")
    assert "Ops &amp; &lt;Dev&gt;" in title
    assert fr.text("subscribe.title", newsletter="Ops & <Dev>").endswith("Ops & <Dev>")


def test_region_forms_fall_back_to_the_base_language_then_english() -> None:
    assert strings("de-AT").text("email.unsubscribe") == strings("de").text("email.unsubscribe")
    assert strings("fr_CA").text("email.view_in_browser") == "Voir dans le navigateur"
    # dates keep the region's own form (Austrian German says Jänner)
    assert strings("de-AT").date(date(2023, 1, 2)) == "2. Jänner 2023"
    assert strings("de").date(date(2023, 1, 2)) == "2. Januar 2023"
    unknown = strings("pt-BR")
    assert not unknown.covered and strings("de").covered
    assert unknown.text("email.unsubscribe") == "Unsubscribe"
    assert unknown.date(date(2023, 1, 2)) == "2 de janeiro de 2023"
    assert strings("xx").date(date(2023, 1, 2)) == "January 2, 2023"


def test_an_unknown_language_stays_english_with_a_note_not_a_warning(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _set_language(project, "ja")
    config = load_config(str(project / "mkdocs.yml"))
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.masthead"):
        words = site_strings(config)
    assert words.text("share.title_post") == "Share this post"
    notes = [r for r in caplog.records if "no words in 'ja'" in r.getMessage()]
    assert notes and all(r.levelno == logging.INFO for r in notes)
    assert site_strings(config) is words  # made once per configuration


# -- a user's file of words -----------------------------------------------------------

USER_WORDS = """\
de:
  subscribe:
    button: Jetzt abonnieren
pt:
  post.published: Publicado em
  post:
    readtime:
      one: "{n} minuto de leitura"
      other: "{n} minutos de leitura"
pt-BR:
  post.published: Publicado no dia
"""


def test_a_user_file_changes_a_word_and_adds_a_language(tmp_path: Path) -> None:
    path = tmp_path / "strings.yml"
    path.write_text(USER_WORDS, encoding="utf-8")
    words = load_overrides(path)
    german = strings("de", words)
    assert german.text("subscribe.button") == "Jetzt abonnieren"
    assert german.text("email.unsubscribe") == strings("de").text("email.unsubscribe")
    portuguese = strings("pt", words)
    assert portuguese.covered
    assert portuguese.text("post.published") == "Publicado em"
    assert portuguese.text("post.readtime", n=3) == "3 minutos de leitura"
    assert portuguese.text("email.unsubscribe") == "Unsubscribe"  # not given: English
    brazilian = strings("pt-BR", words)
    assert brazilian.text("post.published") == "Publicado no dia"  # pt-BR over pt
    assert brazilian.text("post.readtime", n=1) == "1 minuto de leitura"  # from pt
    assert strings("de").text("subscribe.button") == "Abonnieren"  # the catalog is untouched


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("de:\n  email:\n    unsubscribe: Abmelden: jetzt\n", 3, "invalid YAML"),
        ("de:\n  email:\n    unsubscrib: Abmelden\n", 3, "did you mean email.unsubscribe"),
        ('fr:\n  read_more:\n    title: "Plus de {auteur}"\n', 3, "{auteur}"),
        ('de:\n  email:\n    subscribed: "Weil {newsletter"\n', 3, "literal brace"),
        ("es:\n  email:\n    unsubscribe:\n      one: a\n      other: b\n", 3, "expected text"),
        ("de:\n  post:\n    readtime:\n      one: eine\n", 3, "need 'other'"),
        ("de:\n  email:\n    unsubscribe:\n", 3, "to be text"),
        ("de:\n  email:\n    unsubscribe: a\n  email.unsubscribe: b\n", 4, "given twice"),
        ("email:\n  unsubscribe: Abmelden\n", 1, "a language code"),
    ],
    ids=[
        "yaml",
        "unknown-key",
        "placeholder",
        "brace",
        "plural-for-text",
        "no-other",
        "empty",
        "twice",
        "no-language",
    ],
)
def test_a_broken_user_file_names_the_file_and_line(
    tmp_path: Path, text: str, line: int, expected: str
) -> None:
    path = tmp_path / "strings.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StringsError) as caught:
        load_overrides(path)
    error = caught.value
    assert isinstance(error, MastheadError)
    assert error.path == path and error.line == line
    assert expected in error.message
    assert error.location.endswith(f"strings.yml:{line}") and error.location in str(error)


def test_a_missing_user_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(StringsError) as caught:
        load_overrides(tmp_path / "strings.yml")
    assert caught.value.path == tmp_path / "strings.yml"
    assert "cannot read it" in caught.value.message


def test_a_broken_user_file_stops_the_build(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (project / "words.yml").write_text("de:\n  share:\n    tittle_post: Teilen\n")
    _set_language(project, "de", "words.yml")
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        build_site(project)
    assert "words.yml:3: masthead has no words 'share.tittle_post'" in caplog.text
    assert not (project / "build" / "site" / "index.html").exists()


# -- the German example -----------------------------------------------------------------

GERMAN_WORDS = 'de:\n  read_more:\n    title: "Weitere Ausgaben von {author}"\n'


@pytest.fixture(scope="module")
def german(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example publication built with ``theme.language: de`` and one word of its own."""
    project = _with_diagram_cache(copy_project(tmp_path_factory.mktemp("de") / "project"))
    (project / "strings.yml").write_text(GERMAN_WORDS, encoding="utf-8")
    _set_language(project, "de", "strings.yml")
    build_site(project)
    return project


def _page(project: Path, pattern: str) -> str:
    (path,) = (project / "build" / "site").glob(pattern)
    return path.read_text(encoding="utf-8")


def _section(page: str, css_class: str) -> str:
    """The words of the first element of class ``css_class`` (its tags balanced)."""
    start = re.search(rf'<(\w+) class="{css_class}"[^>]*>', page)
    assert start is not None, f"no .{css_class}"
    tag, depth, pos = start.group(1), 1, start.end()
    pattern = re.compile(rf"<(/?){tag}\b[^>]*>")
    while depth:
        found = pattern.search(page, pos)
        assert found is not None, f"unclosed .{css_class}"
        depth += -1 if found.group(1) else 1
        pos = found.end()
    return _text(page[start.end() : found.start()])


def test_a_german_post_page(german: Path) -> None:
    page = _page(german, "blog/2022/12/cpu-throttling/index.html")
    meta = _section(page, "mh-post-meta__line")
    assert re.fullmatch(r"Veröffentlicht am \d{1,2}\. \w+ 2022 • \d+ Min\. Lesezeit", meta), meta
    assert _section(page, "mh-share__title") == "Diesen Beitrag teilen"
    assert '<aside class="mh-author-card" aria-label="Über den Autor">' in page
    assert "Link kopieren" in page and '"Link kopiert"' in page
    for english in ("Published", "min read", "Share this", "Copy link", "About the author"):
        assert english not in page, english


def test_a_german_issue_page_with_a_word_of_the_user(german: Path) -> None:
    page = _page(german, "newsletter/2023/01/december-2022/index.html")
    assert _section(page, "mh-share__title") == "Diese Ausgabe teilen"
    assert _section(page, "mh-read-more__title") == "Weitere Ausgaben von Mira Castellanos"
    pager = re.search(r'<nav class="mh-pager" aria-label="([^"]+)"', page)
    assert pager is not None and pager.group(1) == "Vorherige und nächste Ausgabe"
    assert "Vorherige Ausgabe" in page or "Nächste Ausgabe" in page
    months = "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
    dates = re.findall(r'<p class="mh-read-more__meta">\s*<time[^>]*>([^<]+)</time>', page)
    assert dates and all(re.fullmatch(rf"\d{{1,2}}\. ({months}) \d{{4}}", d) for d in dates)
    assert _section(page, "mh-subscribe__title") == "Kernel Notes abonnieren"
    assert _section(page, "mh-subscribe__label") == "E-Mail-Adresse"
    button = re.search(r'mh-subscribe__button" type="submit">([^<]*)</button>', page)
    assert button is not None and button.group(1) == "Abonnieren"  # no button: of its own
    for english in ("Read more from", "Previous issue", "Next issue", "Share this"):
        assert english not in page, english
    for english in ("Subscribe to", "Email address", ">Subscribe<"):
        assert english not in page, english


def test_the_german_home_page_and_a_wide_diagram(german: Path) -> None:
    home = _page(german, "index.html")
    assert _section(home, "mh-latest-issue__label") == "Neueste Ausgabe"
    post = _page(german, "blog/2022/11/veth-pairs-and-bridges/index.html")
    links = re.findall(
        r'<a class="mh-diagram__full"[^>]* aria-label="([^"]+)" title="([^"]+)"', post
    )
    assert links, "no link to a wide diagram at full size"
    for label, title in links:
        assert title == "In voller Größe öffnen" and label.startswith("In voller Größe öffnen: ")


def test_german_cards_and_post_lists(german: Path) -> None:
    home = _page(german, "index.html")
    days = re.findall(r'<span class="mh-posts__meta"><time[^>]*>([^<]+)</time>', home)
    assert days and all(re.fullmatch(r"\d{1,2}\. \w+ \d{4}", d) for d in days), days
    recap = _page(german, "newsletter/*/*/2022-in-review/index.html")
    assert "Antworten" in recap or "Likes" in recap
    assert 'aria-label="Ansehen: ' in recap
    assert "Watch:" not in recap and "Replies" not in recap


def test_the_german_email(german: Path) -> None:
    folder = german / "build" / "email" / "december-2022"
    email = (folder / "email.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in email
    assert ">Im Browser ansehen</a>" in email
    assert ">Abbestellen</a>" in email
    assert "Du erhältst diese E-Mail, weil du Kernel Notes abonniert hast." in email
    assert ">Im Web lesen</a>" in email
    assert "2. Januar 2023" in email and "Min. Lesezeit" in email
    for english in ("View in browser", "Unsubscribe", "min read", "You get this email"):
        assert english not in email, english
    text = (folder / "email.txt").read_text(encoding="utf-8")
    assert "Kernel Notes · 2. Januar 2023" in text
    assert "\nIm Browser ansehen:\nhttps://kernelnotes.example.org/" in text
    assert "\nAbbestellen:\n" in text
    assert "View in browser" not in text and "Unsubscribe:" not in text
    recap = (german / "build" / "email" / "2022-in-review" / "email.html").read_text()
    assert "Zum Beitrag →" in recap and "View the post" not in recap


# -- French in a new publication ---------------------------------------------------------


def test_french_in_a_publication_made_by_init(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pub = tmp_path / "pub"
    assert main(["init", str(pub), "--date", "2025-06-14", "--author", "Ada Lovelace"]) == 0
    capsys.readouterr()
    (pub / "words.yml").write_text("fr:\n  email:\n    unsubscribe: Me désinscrire\n")
    _set_language(pub, "fr", "words.yml")
    build_site(pub)
    post = next((pub / "build" / "site").glob("blog/**/how-this-site-is-made/index.html"))
    page = post.read_text(encoding="utf-8")
    assert _section(page, "mh-post-meta__line").startswith("Publié le ")
    assert _section(page, "mh-share__title") == "Partager cet article"
    issue = next((pub / "build" / "email").glob("*/email.html"))
    email = issue.read_text(encoding="utf-8")
    assert '<html lang="fr">' in email
    assert ">Voir dans le navigateur</a>" in email
    assert ">Me désinscrire</a>" in email and "Se désabonner" not in email
    assert "14 juin 2025" in email
    text = (issue.parent / "email.txt").read_text(encoding="utf-8")
    assert "\nVoir dans le navigateur\u00a0:\n" in text
    assert "\nMe désinscrire\u00a0:\n" in text and "Se désabonner" not in text
    assert "Unsubscribe" not in text


# -- Spanish, and the words made in Python ----------------------------------------------


def test_a_spanish_email() -> None:
    content = (FIXTURES / "issue.html").read_text(encoding="utf-8")
    email = render_email(content, issue_info(lang="es", read_time=1), EmailSettings(SENDER))
    assert '<html lang="es">' in email.html
    assert ">Ver en el navegador</a>" in email.html
    assert ">Darse de baja</a>" in email.html
    assert "2 de enero de 2023 · 1 minuto de lectura" in email.html
    assert "Recibes este correo porque te suscribiste a" in email.html
    assert "\nVer en el navegador:\n" in email.text and "\nDarse de baja:\n" in email.text
    assert "View in browser" not in email.html + email.text


def test_a_cut_email_ends_in_the_language_of_the_site() -> None:
    ending = ending_html(Cut("Teil 2", 1, 0, 0), "https://example.org/i/", strings("de"))
    assert "Im Web geht es weiter mit „Teil 2“." in ending
    assert "<strong>Weiterlesen im Web</strong>" in ending
    untitled = ending_html(Cut("", 1, 0, 0), "https://example.org/i/", strings("fr"))
    assert "«\u00a0la section suivante\u00a0»" in untitled


def test_the_text_part_names_admonitions_in_the_language() -> None:
    box = (
        '<table class="mh-e-admonition mh-e-admonition--warning"><tr>'
        '<td class="mh-e-admonition__cell"><p class="mh-e-admonition__title">Warning</p>'
        "<p>Mind the page cache.</p></td></tr></table>"
    )
    assert TextRenderer(strings=strings("de")).render(box) == "| Warnung:\n| Mind the page cache."
    titled = box.replace(">Warning<", ">Page cache<")
    assert (
        TextRenderer(strings=strings("fr"))
        .render(titled)
        .startswith("| Attention\u00a0: Page cache\n")
    )


def test_spanish_cards_and_an_empty_list() -> None:
    tweet = cards.Tweet(
        author="Dana Okafor",
        handle="danaops",
        date=date(2022, 12, 12),
        text="Removed CPU limits.",
        url="https://twitter.com/danaops/status/1",
        replies=1,
        likes=1380,
    )
    es = strings("es")
    web = cards.tweet_html(tweet, lambda path: path, es)
    assert "<strong>1</strong> respuesta</span>" in web
    assert f"<strong>{es.number(1380)}</strong> me gusta</span>" in web
    assert ">12 de diciembre de 2022</time>" in web
    email = cards.email_html(tweet, lambda image: image.path, es)
    assert "Ver la publicación →" in email and "1 respuesta" in email
    empty = posts_fence.render([], url_for=lambda post: post.url, strings=es)
    assert "Aún no se ha publicado nada aquí." in empty
