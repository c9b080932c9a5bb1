"""A1-style cell addresses, without importing a spreadsheet library (click start-up matters)."""
from __future__ import annotations


def column_letter(index: int) -> str:
    """1 → 'A', 27 → 'AA'."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """'A' → 1, 'AA' → 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def cell_ref(row: int, col: int) -> str:
    return f"{column_letter(col)}{row}"

