"""How a list of records fits the screen: which columns to show at a given width, how wide
each is, and the plain table written when stdout is not a terminal.

Values are never cut except free text. A column is one of these kinds:

* ``id``, ``number``, ``date``, ``time``, ``enum``: shown whole or not at all (dropped, by
  priority, when the terminal is too narrow for every column);
* ``text`` (names, descriptions, messages): shortened with "…" (or wrapped, ``wrap=True``)
  to the width left over;
* ``spark`` (a trend drawn as block characters, ``report.sparkline``): a picture of numbers
  the record also holds, so it is the first column hidden when the terminal is narrow, and
  it is left out of the plain table written to a pipe (and of ``--csv``): scripts reading
  a pipe keep the columns they had, and ``--json`` carries the numbers themselves.

A column without a kind is ``text`` when any of its values has a space in it, else it is a
single token (an id, a number, a date, an enum value) and is never cut. Pure functions: no
rich, no terminal; ``output.Out`` renders what they decide.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["ESSENTIAL", "Column", "Kind", "Layout", "fit", "plain_table"]

Kind = Literal["id", "number", "date", "time", "enum", "text", "spark"]
ESSENTIAL = 0
"""The priority of a column that is shown at any width (e.g. the id)."""
TEXT_MIN = 8
"""Free text is not squeezed below this many cells (short names fit whole)."""
GAP = 2
"""Cells between two columns."""
READABLE = 24
"""Free text this wide reads well; less important columns are hidden to give it that."""


@dataclass(frozen=True)
class Column:
    """One column of a list: the record key, its header, how it may be cut, and how much
    it matters when the terminal is narrow."""

    key: str
    header: str | None = None
    justify: Literal["left", "right"] | None = None
    """Default: right for numbers, left otherwise."""
    no_wrap: bool = False
    """Kept for compatibility: same as giving a kind other than text."""
    kind: Kind | None = None
    """None: inferred from the values (see the module doc)."""
    priority: int = 5
    """0 (ESSENTIAL) is always shown; higher numbers are hidden first when space runs out."""
    wrap: bool = False
    """Free text wraps onto more lines instead of being shortened (advice, errors)."""
    shown: Callable[[Any], str] | None = None
    """How a value reads in a table (whole: a reformatting, never a cut); --csv and --json
    keep the value as it is."""

    @property
    def title(self) -> str:
        return self.header or self.key

    @property
    def is_spark(self) -> bool:
        return self.kind == "spark"

    def is_text(self, values: Sequence[str]) -> bool:
        if self.kind is not None:
            return self.kind == "text"
        if self.no_wrap:
            return False
        return any(any(ch.isspace() for ch in value) for value in values)

    def align(self, values: Sequence[str]) -> Literal["left", "right"]:
        if self.justify is not None:
            return self.justify
        if self.kind == "number":
            return "right"
        if self.kind is None and any(values) and all(_is_number(v) for v in values if v):
            return "right"
        return "left"


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def cell_width(text: str) -> int:
    """Terminal cells ``text`` takes (wide East Asian characters take two)."""
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in {"W", "F"} else 1 for ch in text)


def one_line(text: str) -> str:
    """A value on one line: newlines and tabs become spaces (one record a line)."""
    return " ".join(text.split()) if any(ch in text for ch in "\n\r\t") else text


@dataclass(frozen=True)
class Layout:
    shown: list[tuple[int, int]]
    """(index into the columns, content width), in the columns' order."""
    hidden: list[int]
    """Columns left out for lack of width (by index); empty columns are not listed."""
    text: frozenset[int]
    """Columns of free text (may be shortened)."""


def _header_min(title: str) -> int:
    return max((cell_width(word) for word in title.split()), default=1)


def fit(columns: Sequence[Column], cells: Sequence[Sequence[str]], width: int) -> Layout:
    """The columns to show, and their widths, for a terminal ``width`` cells wide.

    ``cells[r][c]`` is row r's text for column c. Columns with no value at all are dropped;
    then, while the narrowest possible table is wider than ``width``, the column of the
    highest priority number is hidden (a sparkline before a value of the same priority, then
    the rightmost among equals).
    ESSENTIAL columns stay even if the table must then be wider than the terminal (a value
    is never cut); a sparkline column is never ESSENTIAL.
    """
    count = len(columns)
    values = [[row[c] for row in cells] for c in range(count)]
    present = [c for c in range(count) if any(v != "" for v in values[c])] or list(
        range(min(count, 1)))
    text = frozenset(c for c in range(count) if columns[c].is_text(values[c]))
    natural: dict[int, int] = {}
    minimum: dict[int, int] = {}
    for c in present:
        longest = max((cell_width(v) for v in values[c]), default=0)
        head = columns[c].title
        natural[c] = max(longest, cell_width(head))
        if c in text:
            minimum[c] = min(natural[c], max(TEXT_MIN, _header_min(head)))
        else:
            minimum[c] = max(longest, _header_min(head))

    def total(chosen: Sequence[int], widths: dict[int, int]) -> int:
        return sum(widths[c] for c in chosen) + GAP * max(len(chosen) - 1, 0)

    def dropped_first(c: int) -> tuple[int, bool, int]:
        # Priority decides: a trend the command ranks above its minor columns stays at 80
        # columns. Among equals the picture goes first: the numbers it draws are in the record.
        return (columns[c].priority, columns[c].is_spark, c)

    shown = list(present)
    hidden: list[int] = []
    while total(shown, minimum) > width:
        droppable = [c for c in shown
                     if columns[c].priority != ESSENTIAL or columns[c].is_spark]
        if not droppable:
            break
        victim = max(droppable, key=dropped_first)
        shown.remove(victim)
        hidden.append(victim)

    def allocate(chosen: Sequence[int]) -> dict[int, int]:
        widths = {c: minimum[c] for c in chosen}
        spare = width - total(chosen, widths)

        def grow(candidates: Sequence[int], cap: dict[int, int]) -> None:
            nonlocal spare
            # Round-robin one cell at a time: space is shared fairly between the columns.
            while spare > 0:
                growing = [c for c in candidates if widths[c] < cap[c]]
                if not growing:
                    return
                for c in growing:
                    if spare <= 0:
                        return
                    widths[c] += 1
                    spare -= 1

        texts = [c for c in chosen if c in text]
        # Names first get room to be read (up to READABLE cells), then headers go on one
        # line, then free text takes whatever is left.
        grow(texts, {c: min(natural[c], max(minimum[c], READABLE)) for c in texts})
        for c in chosen:  # a header on one line, or left as it is (no half-widened column)
            room = cell_width(columns[c].title) - widths[c]
            if c not in text and 0 < room <= spare:
                widths[c] += room
                spare -= room
        grow(texts, natural)
        return widths

    widths = allocate(shown)
    while True:
        # A name cut short matters more than a column of lower priority: hide that column.
        short = [c for c in shown if c in text
                 and widths[c] < min(natural[c], READABLE)]
        if not short:
            break
        most = min(columns[c].priority for c in short)
        candidates = [c for c in shown
                      if columns[c].priority > most and columns[c].priority != ESSENTIAL]
        if not candidates:
            break
        victim = max(candidates, key=dropped_first)
        shown.remove(victim)
        hidden.append(victim)
        widths = allocate(shown)
    return Layout([(c, widths[c]) for c in shown], sorted(hidden), text)


def _pad(text: str, width: int, align: str) -> str:
    room = width - cell_width(text)
    return (" " * room + text) if align == "right" else (text + " " * room)


def plain_table(columns: Sequence[Column], cells: Sequence[Sequence[str]]) -> str:
    """Every column and every value in full, one record a line, aligned with spaces; the
    header is the column keys (as in --csv). For pipes, files and ``grep``. Sparkline
    columns are left out (see the module doc)."""
    kept = [c for c, col in enumerate(columns) if not col.is_spark]
    if len(kept) < len(columns):
        columns = [columns[c] for c in kept]
        cells = [[row[c] for c in kept] for row in cells]
    values = [[one_line(row[c]) for row in cells] for c in range(len(columns))]
    heads = [col.key for col in columns]
    widths = [max([cell_width(heads[c]), *(cell_width(v) for v in values[c])])
              for c in range(len(columns))]
    aligns = [col.align(values[c]) for c, col in enumerate(columns)]
    lines = [(" " * GAP).join(_pad(heads[c], widths[c], aligns[c])
                              for c in range(len(columns))).rstrip()]
    for r in range(len(cells)):
        lines.append((" " * GAP).join(_pad(values[c][r], widths[c], aligns[c])
                                      for c in range(len(columns))).rstrip())
    return "\n".join(lines) + "\n"
