"""Progress bars (``pymdownx.progressbar``) in an email: a table with a cell of the
bar's colour and width."""

from __future__ import annotations

import re

from . import dom
from .dom import Element, Text

PROGRESS_COLOURS = {
    0: "#f63a0f",
    20: "#f27011",
    40: "#f2b01e",
    60: "#f2d31b",
    80: "#86e01e",
    100: "#1ee038",
}
"""The colours pymdownx's documentation gives the ``progress-<N>plus`` classes."""


PROGRESS_REST = "#e3e6eb"


def progress_bars(nodes: list[Element]) -> None:
    """``pymdownx.progressbar`` -> a label and a two-cell table: the bar's colour over
    its percentage of the width, grey over the rest."""
    for node in nodes:
        if node.parent is None:
            continue
        bar = node.find(lambda e: e.has_class("progress-bar"))
        match = re.search(r"width\s*:\s*([0-9.]+)%", bar.get("style") if bar else "")
        percent = max(0.0, min(100.0, float(match.group(1)))) if match else 0.0
        bucket = next(
            (
                int(c[len("progress-") : -len("plus")])
                for c in node.classes
                if re.fullmatch(r"progress-\d+plus", c)
            ),
            int(percent // 20 * 20),
        )
        colour = PROGRESS_COLOURS.get(bucket, PROGRESS_COLOURS[min(100, bucket // 20 * 20)])
        shown = f"{percent:.0f}%" if abs(percent - round(percent)) < 0.05 else f"{percent:.1f}%"
        label_node = node.find(lambda e: e.has_class("progress-label"))
        label = dom.el("td", {"class": "mh-e-progress__label"})
        if label_node is not None and label_node.text().strip():
            label.extend(list(label_node.children))
            if "%" not in label_node.text():
                label.append(Text(f" ({shown})"))
        else:
            label.append(Text(shown))
        thin = node.has_class("thin")
        size = "font-size:4px;line-height:4px" if thin else "font-size:10px;line-height:10px"
        cells: list[Element | Text | dom.Comment] = []
        if percent > 0:
            cells.append(
                dom.el(
                    "td",
                    {
                        "class": "mh-e-progress__bar",
                        "width": shown,
                        "bgcolor": colour,
                        "style": f"background-color:{colour};{size}",
                    },
                    "\u00a0",
                )
            )
        if percent < 100:
            cells.append(
                dom.el(
                    "td",
                    {
                        "class": "mh-e-progress__rest",
                        "bgcolor": PROGRESS_REST,
                        "style": f"background-color:{PROGRESS_REST};{size}",
                    },
                    "\u00a0",
                )
            )
        if len(cells) > 1:
            label.attrs["colspan"] = str(len(cells))
        table = dom.presentation_table("mh-e-progress")
        table.append(dom.el("tr", {}, label))
        row = dom.el("tr")
        row.extend(cells)
        table.append(row)
        dom.replace(node, [table])
