"""A larger publication for the scale benchmark: the example plus generated posts.

:func:`grow` adds ``posts`` posts (about 800 words each, with headings, lists,
code blocks and an admonition; categories from the blog's
``categories_allowed``, authors from ``content/.authors.yml``) and one
newsletter issue for every 20 posts (each listing its month's posts with a
```` ```posts ```` fence), the same for the same arguments: the words come
from the example's own posts, picked by a seeded random generator.
:func:`strip_fences` removes masthead's fences from a project's Markdown,
for the stock Material build of the same content.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from pathlib import Path

import yaml

FENCES = ("diagram", "dot", "reading", "posts", "tweet", "video")
"""The info strings of masthead's fences."""
_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<ticks>`{3,})(?:" + "|".join(FENCES) + r")\b[^\n]*\n"
    r".*?^(?P=indent)(?P=ticks)[ \t]*\n",
    re.MULTILINE | re.DOTALL,
)
_WORD = re.compile(r"[a-z]{3,12}")
_CODE = [
    (
        "bash",
        "for pid in $(pgrep -f {w}); do\n  cat /proc/$pid/status | grep -E '^(Vm|Threads)'\n"
        "done\nsudo nsenter -t $pid -n ip -brief addr show\n",
    ),
    (
        "python",
        "def {w}(items: list[str]) -> dict[str, int]:\n    counts: dict[str, int] = {{}}\n"
        "    for item in items:\n        counts[item] = counts.get(item, 0) + 1\n"
        "    return counts\n",
    ),
    (
        "yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {w}\nspec:\n  containers:\n"
        "    - name: app\n      image: registry.example/{w}:1.2\n      resources:\n"
        "        limits: {{memory: 256Mi}}\n",
    ),
    (
        "go",
        'package main\n\nimport "fmt"\n\nfunc {w}(n int) int {{\n\tif n < 2 {{\n\t\treturn n\n'
        "\t}}\n\treturn {w}(n-1) + {w}(n-2)\n}}\n\nfunc main() {{ fmt.Println({w}(20)) }}\n",
    ),
]
_ADMONITIONS = ("note", "tip", "warning", "info")


def _vocabulary(project: Path) -> list[str]:
    words: set[str] = set()
    for path in sorted((project / "content" / "blog" / "posts").glob("*.md")):
        words.update(_WORD.findall(path.read_text(encoding="utf-8").lower()))
    return sorted(words)


def _categories(project: Path, blog_dir: str) -> list[str]:
    config = yaml.load((project / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.Loader)
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "blog" in plugin:
            options = plugin["blog"]
            if options.get("blog_dir") == blog_dir:
                return list(options["categories_allowed"])
    raise ValueError(f"no blog instance with blog_dir {blog_dir!r} in {project / 'mkdocs.yml'}")


def _authors(project: Path) -> list[str]:
    data = yaml.safe_load((project / "content" / ".authors.yml").read_text(encoding="utf-8"))
    return sorted(data["authors"])


class _Writer:
    def __init__(self, rng: random.Random, words: list[str]) -> None:
        self.rng = rng
        self.words = words

    def sentence(self, low: int = 8, high: int = 18) -> str:
        picked = self.rng.choices(self.words, k=self.rng.randint(low, high))
        if self.rng.random() < 0.3:
            picked[self.rng.randrange(len(picked))] = f"`{self.rng.choice(self.words)}`"
        return " ".join(picked).capitalize() + "."

    def paragraph(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def title(self) -> str:
        return " ".join(self.rng.choices(self.words, k=self.rng.randint(3, 6))).capitalize()


def _post_body(writer: _Writer, title: str) -> str:
    rng = writer.rng
    parts = [f"# {title}", writer.paragraph(3), "<!-- more -->"]
    for section in range(4):
        parts.append(f"## {writer.title()}")
        parts.append(writer.paragraph(5))
        if section == 1:
            parts.append("\n".join(f"- {writer.sentence(4, 9)}" for _ in range(rng.randint(3, 6))))
        if section in (0, 2):
            lang, code = _CODE[rng.randrange(len(_CODE))]
            parts.append(f"```{lang}\n{code.format(w=rng.choice(writer.words))}```")
        if section == 2:
            kind = rng.choice(_ADMONITIONS)
            parts.append(f'!!! {kind} "{writer.title()}"\n\n    {writer.paragraph(2)}')
        if section == 3:
            parts.append("\n".join(f"{n}. {writer.sentence(4, 9)}" for n in range(1, 5)))
        parts.append(writer.paragraph(4))
    return "\n\n".join(parts) + "\n"


def grow(project: Path, posts: int, *, seed: int = 0) -> list[Path]:
    """Add ``posts`` generated posts and ``posts // 20`` issues to the project; the
    posts' paths, oldest first."""
    rng = random.Random(f"{seed}:{posts}")
    writer = _Writer(rng, _vocabulary(project))
    categories = _categories(project, "blog")
    issue_categories = _categories(project, "newsletter")
    authors = _authors(project)
    folder = project / "content" / "blog" / "posts" / "generated"
    folder.mkdir(parents=True)
    issues = posts // 20
    first_month = date(2023, 1, 1)
    # the posts fill the issues' months, a few a week, after the example's own
    days = max(1, issues) * 30
    written = []
    for n in range(posts):
        day = first_month + timedelta(days=n * days // max(1, posts))
        title = f"{writer.title()} {n}"
        chosen = sorted(rng.sample(categories, rng.randint(1, 2)))
        meta = (
            f"---\ndate: {day}\nauthors: [{rng.choice(authors)}]\n"
            f"categories: [{', '.join(chosen)}]\nslug: generated-{n:04d}\n---\n\n"
        )
        path = folder / f"post-{n:04d}.md"
        path.write_text(meta + _post_body(writer, title), encoding="utf-8")
        written.append(path)
    folder = project / "content" / "newsletter" / "posts" / "generated"
    folder.mkdir(parents=True)
    month = first_month
    for n in range(issues):
        published = (month.replace(day=28) + timedelta(days=5)).replace(day=2)
        (folder / f"issue-{n:03d}.md").write_text(
            f"---\ndate: {published}\nauthors: [{authors[0]}]\n"
            f"categories: [{issue_categories[0]}]\nslug: generated-issue-{n:03d}\n"
            f"kind: monthly\nperiod: {month:%Y-%m}\n"
            f'subject: "Generated issue {n}"\npreheader: "What {month:%B %Y} brought"\n---\n\n'
            f"# Generated issue {n}\n\n{writer.paragraph(2)}\n\n<!-- more -->\n\n"
            f"## This month\n\n```posts\nperiod: {month:%Y-%m}\n```\n\n"
            f"{writer.paragraph(5)}\n\n{writer.paragraph(4)}\n",
            encoding="utf-8",
        )
        month = published
    return written


def strip_fences(project: Path) -> int:
    """Remove masthead's fences from every Markdown file of the project; how many."""
    removed = 0
    for path in sorted((project / "content").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        stripped, count = _FENCE.subn("", text)
        if count:
            path.write_text(stripped, encoding="utf-8")
            removed += count
    return removed
