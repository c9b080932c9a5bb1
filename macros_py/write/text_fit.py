"""How tall a wrapped cell must be: text width in Times New Roman and the lines it wraps to.

Excel never grows a merged cell to fit its text, and header cells are merged, so their
rows get heights computed here. Widths are the advance widths of Liberation Serif (metric-
compatible with Times New Roman, the font of every cell we write), kept in this module
rather than read from a font file so a workbook comes out the same on every machine;
tests/test_text_fit.py checks the table against the font. Tone marks never change a
letter's width, so letters are looked up without them. Estimates lean wide: a row a
little too tall prints fine, a row too short strikes the border through the text.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

# Advance widths in 1/2048 em (the font's own units), one per character of CHARS.
CHARS = "".join(chr(c) for c in range(32, 127)) + "ăâêôơưĂÂÊÔƠƯđĐ–—…“”‘’×≤≥°·"
_WIDTHS = {
    "regular": "512 682 836 1024 1024 1706 1593 369 682 682 1024 1155 512 682 512 569 1024 1024 1024 1024 1024 "
               "1024 1024 1024 1024 1024 569 569 1155 1155 1155 909 1886 1479 1366 1366 1479 1251 1139 1479 1479 "
               "682 797 1479 1251 1821 1479 1479 1139 1479 1366 1139 1251 1479 1479 1933 1479 1479 1251 682 569 "
               "682 961 1024 682 909 1024 909 1024 909 682 1024 1024 569 569 1024 569 1593 1024 1024 1024 1024 682 "
               "797 569 1024 1024 1479 1024 1024 909 983 410 983 1108 909 909 909 1024 1083 1110 1479 1479 1251 "
               "1479 1479 1589 1024 1479 1024 2048 2048 909 909 682 682 1155 1124 1124 819 682",
    "bold": "512 682 1137 1024 1024 2048 1706 569 682 682 1024 1167 512 682 512 569 1024 1024 1024 1024 1024 1024 "
            "1024 1024 1024 1024 682 682 1167 1167 1167 1024 1905 1479 1366 1479 1479 1366 1251 1593 1593 797 1024 "
            "1593 1366 1933 1479 1593 1251 1593 1479 1139 1366 1479 1479 2048 1479 1479 1366 682 569 682 1190 1024 "
            "682 1024 1139 909 1139 909 682 1024 1139 569 682 1139 569 1706 1139 1024 1139 1139 909 797 682 1139 "
            "1024 1479 1024 1024 909 807 451 807 1065 1024 1024 909 1024 1134 1229 1479 1479 1366 1593 1593 1630 "
            "1139 1479 1024 2048 2048 1024 1024 682 682 1167 1124 1124 819 683",
    "italic": "512 682 860 1024 1024 1706 1593 438 682 682 1024 1382 512 682 512 569 1024 1024 1024 1024 1024 1024 "
              "1024 1024 1024 1024 682 682 1382 1382 1382 1024 1884 1251 1251 1366 1479 1251 1251 1479 1479 682 909 "
              "1366 1139 1706 1366 1479 1251 1479 1251 1024 1139 1479 1251 1706 1251 1139 1139 797 569 797 864 1024 "
              "682 1024 1024 909 1024 909 569 1024 1024 569 569 909 569 1479 1024 1024 1024 1024 797 797 569 1024 "
              "909 1366 909 909 797 819 563 819 1108 1024 1024 909 1024 1093 1117 1251 1251 1251 1479 1479 1544 "
              "1024 1479 1024 1821 1821 1139 1139 682 682 1382 1124 1124 819 512",
}
WIDTHS = {face: dict(zip(CHARS, map(int, text.split()))) for face, text in _WIDTHS.items()}
UNITS_PER_EM = 2048
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}   # huyền, sắc, ngã, hỏi, nặng

FONT_NAME = "Times New Roman"
DIGIT_PX = 7          # the default font's widest digit at 96 dpi: the unit of Excel's column widths
CELL_PADDING_PX = 5   # Excel adds it to every column (margins and the grid line); text never uses it
SAFETY = 1.05         # Excel's hinted glyphs run a little wider than the font's own advances
LINE = 1.2            # line pitch per point of font size (the font's ascent and descent are 1.107 em)
ROW_PADDING_PT = 3.0
DEFAULT_ROW_PT = 15.0
INDENT_PX = 12        # one indent level (Excel: about three spaces of the font), as report cells use it


@dataclass(frozen=True)
class Style:
    size: float = 11
    bold: bool = False
    italic: bool = False

    @property
    def face(self) -> str:
        return "bold" if self.bold else "italic" if self.italic else "regular"


@dataclass(frozen=True)
class TextBox:
    """Text in a cell or merged block: rows and columns 1-based, inclusive."""
    first_row: int
    last_row: int
    first_col: int
    last_col: int
    text: str
    style: Style
    indent_px: float = 0      # an indented cell keeps this much room off its border


def _advance(ch: str, table: dict[str, int]) -> int:
    if ch in table:
        return table[ch]
    plain = unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", ch) if c not in _TONES))
    return table.get(plain, UNITS_PER_EM)          # anything unknown counts as a full em


_KNOWN: dict[str, dict[str, int]] = {}     # per face: every character met so far → its advance


def text_px(text: str, style: Style) -> float:
    """Width of `text` in pixels at 96 dpi, as Excel draws it (rounded wide)."""
    em_px = round(style.size * 96 / 72)
    known = _KNOWN.get(style.face)
    if known is None:
        known = _KNOWN[style.face] = dict(WIDTHS[style.face])
    try:
        units = sum(map(known.__getitem__, text))
    except KeyError:       # a character not met before (a toned vowel): its advance looked up once
        table = WIDTHS[style.face]
        for ch in set(text).difference(known):
            known[ch] = _advance(ch, table)
        units = sum(map(known.__getitem__, text))
    return units * em_px / UNITS_PER_EM * SAFETY


def column_px(width: float) -> int:
    """Excel's pixel width of a column `width` characters wide (as xlsxwriter writes it)."""
    return int(width * 12 + 0.5) if width < 1 else int(width * DIGIT_PX + 0.5) + CELL_PADDING_PX


def wrap(text: str, width_px: float, style: Style) -> list[str]:
    """The lines Excel wraps `text` into: at spaces, and inside a word longer than a line."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if not paragraph.startswith(" ") and text_px(paragraph, style) <= width_px:
            lines.append(paragraph)     # what the word loop builds when the whole paragraph fits
            continue
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if text_px(candidate, style) <= width_px:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            for ch in word:     # a word wider than the cell breaks where it must
                if line and text_px(line + ch, style) > width_px:
                    lines.append(line)
                    line = ""
                line += ch
        lines.append(line)
    return lines


def balance(text: str, width_px: float, style: Style) -> str:
    """`text` with line breaks that share it evenly over the lines it wraps to anyway, when wrapping
    would leave a short last line (a title ending in '2026' alone); else `text` unchanged."""
    lines = wrap(text, width_px, style)
    if len(lines) < 2 or "\n" in text or text_px(lines[-1], style) >= 0.4 * width_px:
        return text
    lo, hi = 0.0, width_px              # the narrowest width that still needs no more lines
    for _ in range(24):
        mid = (lo + hi) / 2
        if len(wrap(text, mid, style)) <= len(lines):
            hi = mid
        else:
            lo = mid
    return "\n".join(wrap(text, hi, style))


def text_height(text: str, width_px: float, style: Style) -> float:
    """Points a cell needs to show `text` wrapped in `width_px`."""
    return len(wrap(text, width_px, style)) * style.size * LINE + ROW_PADDING_PT


PAGE_WIDTH = 150      # characters across A4 landscape at full size within narrow margins


def content_width(texts, style: Style, *, least: float = 4, indent_px: float = 0) -> float:
    """A column width (in characters) that shows the longest text on one line."""
    widest = max((text_px(line, style) for t in texts for line in str(t).split("\n")), default=0)
    return max(least, math.ceil((widest + indent_px + CELL_PADDING_PX) / DIGIT_PX * 2) / 2)


def fit_widths(columns: list[list], header: list[str], style: Style = Style(), *,
               page: float = PAGE_WIDTH, indent: bool = False, caps: tuple[float, ...] = ()) -> list[float]:
    """Column widths by content that fill at most a page: the widest columns give way first
    (their text wraps), so short columns keep one line and nothing shrinks below its header's words.
    `indent`: body cells are indented one level (a little room off the borders); `caps`: the most
    each column needs (its longer texts wrap), before the page is shared out."""
    bold = Style(style.size, bold=True)
    pad = INDENT_PX if indent else 0
    natural = [max(content_width(col, style, indent_px=pad), content_width([h], bold))
               for col, h in zip(columns, header)]
    natural = [min(n, cap) for n, cap in zip(natural, caps)] + natural[len(caps):]
    floor = [max(8.0, *(content_width([w], bold) for w in h.split())) for h in header]
    if sum(natural) <= page:
        return natural
    lo, hi = 0.0, max(natural)          # the cap at which the page is just filled
    for _ in range(40):
        cap = (lo + hi) / 2
        if sum(min(n, max(cap, f)) for n, f in zip(natural, floor)) > page:
            hi = cap
        else:
            lo = cap
    return [min(n, max(math.floor(lo * 2) / 2, f)) for n, f in zip(natural, floor)]


def fit_row_heights(boxes: list[TextBox], widths: list[float]) -> dict[int, float]:
    """Row heights (points) at which every box's wrapped text fits its rows.

    A box over several rows (a merged header) that needs more than its rows already
    give gets the difference added to its last row.
    """
    need: dict[int, float] = {}
    for box in sorted(boxes, key=lambda b: b.last_row - b.first_row):
        span = sum(column_px(widths[c - 1]) for c in range(box.first_col, box.last_col + 1)) - CELL_PADDING_PX \
            - box.indent_px
        height = text_height(box.text, span, box.style)
        rows = range(box.first_row, box.last_row + 1)
        have = sum(need.get(r, DEFAULT_ROW_PT) for r in rows)
        for r in rows:
            need.setdefault(r, DEFAULT_ROW_PT)
        if have < height:
            need[box.last_row] += height - have
    return {r: math.ceil(h / 0.75) * 0.75 for r, h in need.items()}   # whole pixels


def sheet_heights(title: list[str], title_style: Style, header: list[str], rows: list[list[str]],
                  widths: list[float], *, indent: bool = False) -> dict[int, float]:
    """Row heights (1-based rows) of a report sheet: title lines merged across it (the first in
    `title_style`), a blank row, the bold header row, then the rows (indented one level with
    `indent`). Written out rather than left to the reader's program: LibreOffice does not grow an
    xlsx row to its wrapped text."""
    boxes = [TextBox(r, r, 1, len(widths), line, title_style if r == 1 else Style())
             for r, line in enumerate(title, start=1)]
    head = len(title) + (2 if title else 1)
    boxes += [TextBox(head, head, c, c, text, Style(bold=True)) for c, text in enumerate(header, start=1)]
    pad = INDENT_PX if indent else 0
    boxes += [TextBox(r, r, c, c, text, Style(), pad) for r, row in enumerate(rows, start=head + 1)
              for c, text in enumerate(row, start=1) if text]
    return fit_row_heights(boxes, widths)
