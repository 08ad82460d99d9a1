"""Data tables too wide for a phone in an email: each row as label/value pairs, or
squeezed to the column (with a warning)."""

from __future__ import annotations

from . import dom
from .construct_common import Warn, ancestors, element_children, where
from .dom import Element

NARROW = 375 - 2 * 16
"""The content column at 375 px (the mobile rule's 16 px padding each side)."""


CHAR_PX = 8.0
"""Width of one character in a table cell (14 px text, 13 px code), rounded up."""


CELL_PX = 17
"""A table cell's padding and border."""


def _rows(table: Element) -> list[Element]:
    rows = []
    for e in table.iter():
        if e.tag == "tr" and next((a for a in ancestors(e) if a.tag == "table"), None) is table:
            rows.append(e)
    return rows


def _cells(tr: Element) -> list[Element]:
    return [c for c in element_children(tr) if c.tag in ("td", "th")]


def _longest_word(cell: Element) -> int:
    words = cell.text().split()
    return max((len(w) for w in words), default=0)


def _room(node: Element) -> int:
    """The column's width at 375 px where ``node`` is (less in boxes, lists, quotes)."""
    room = NARROW
    for a in ancestors(node):
        if a.tag in ("li", "blockquote", "dd") or a.has_class("mh-e-admonition__cell"):
            room -= 28
    return max(room, 120)


def narrowest(table: Element) -> int:
    """Roughly the narrowest a table can be without breaking words, in CSS px."""
    widths: dict[int, int] = {}
    for tr in _rows(table):
        for i, cell in enumerate(_cells(tr)):
            widths[i] = max(widths.get(i, 0), _longest_word(cell))
    return round(sum(w * CHAR_PX + CELL_PX for w in widths.values()))


def wide_tables(tables: list[Element], warn: Warn, lose: Warn) -> None:
    """A data table wider than a phone -> its rows as label/value pairs (a stack), with
    a note (``warn``); one that cannot be stacked (merged cells, one column) is fixed to
    the column's width, its words broken, with a warning that it does not fit (``lose``)."""
    for table in tables:
        if table.parent is None or table.has_class("highlighttable"):
            continue
        rows = _rows(table)
        if not rows:
            continue
        needed, room = narrowest(table), _room(table)
        if needed <= room:
            continue
        columns = max(len(_cells(tr)) for tr in rows)
        merged = any(
            c.get("rowspan") not in ("", "1") or c.get("colspan") not in ("", "1")
            for tr in rows
            for c in _cells(tr)
        )
        if columns < 2 or merged:
            table.attrs["width"] = "100%"
            table.attrs["class"] = (table.get("class") + " mh-e-table--fixed").strip()
            what = "with merged cells" if merged else "of one column"
            lose(
                f"a table {what} {where(table)} is wider than a phone screen (about {needed} "
                f"px at its narrowest, {room} px there); the email squeezes it to the "
                "column and breaks its words"
            )
            continue
        place = where(table)
        _stack(table, rows)
        warn(
            f"the {columns}-column table {place} is wider than a phone screen "
            f"(about {needed} px at its narrowest, {room} px there); the email shows each "
            "row as label/value pairs"
        )


def _stack(table: Element, rows: list[Element]) -> None:
    head = rows[0] if all(c.tag == "th" for c in _cells(rows[0])) else None
    labels = [c for c in _cells(head)] if head is not None else []
    stack = dom.presentation_table("mh-e-stack")
    for tr in rows:
        if tr is head:
            continue
        for i, cell in enumerate(_cells(tr)):
            first = " mh-e-stack__first" if i == 0 else ""
            row = dom.el("tr")
            value = dom.el("td", {"class": "mh-e-stack__value" + first, "valign": "top"})
            value.extend(list(cell.children))
            if labels:
                label = dom.el(
                    "th",
                    {
                        "class": "mh-e-stack__label" + first,
                        "width": "35%",
                        "valign": "top",
                        "align": "left",
                    },
                )
                if i < len(labels):
                    label.extend([dom.clone(c) for c in labels[i].children])
                row.append(label)
            else:
                value.attrs["colspan"] = "2"
            row.append(value)
            stack.append(row)
    dom.replace(table, [stack])
