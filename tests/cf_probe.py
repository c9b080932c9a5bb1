"""Which cells a workbook's conditional formats paint, as LibreOffice evaluates them.

Each rule's formula is written for the top-left cell of its range with relative references; for
every cell of the range the formula is translated to that cell (openpyxl's Translator, the same
shifting Excel does). A cell is painted when any of its rules is TRUE: one probe per cell,
`=IF(OR(rule, rule, …),1,0)`, is written into a spare cell of a scratch copy, the copy is
recalculated in LibreOffice headless, and the probes that came out 1 name the painted cells.
"""
from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter, range_boundaries
from python_calamine import CalamineWorkbook

from handmade import through_libreoffice


def probe_workbooks(paths: list[Path], workdir: Path) -> list[dict[str, set[str]]]:
    """For each workbook: {sheet: cells painted by some conditional format}. One LibreOffice run for all.
    `workdir/lo/probe_<i>.xlsx` is left behind: workbook i as LibreOffice recalculated it."""
    workdir.mkdir(parents=True, exist_ok=True)
    plans, scratch = [], []
    for i, path in enumerate(paths):
        wb = openpyxl.load_workbook(path)
        plan = []
        for ws in wb.worksheets:
            rules: dict[str, list[str]] = {}
            for cf in ws.conditional_formatting:
                for rule in cf.rules:
                    if not rule.formula:
                        continue
                    for rng in str(cf.sqref).split():
                        c1, r1, c2, r2 = range_boundaries(rng)
                        translator = Translator("=" + rule.formula[0], origin=f"{get_column_letter(c1)}{r1}")
                        for r in range(r1, r2 + 1):
                            for c in range(c1, c2 + 1):
                                target = f"{get_column_letter(c)}{r}"
                                rules.setdefault(target, []).append(translator.translate_formula(target)[1:])
            col = ws.max_column + 2
            for row, (target, formulas) in enumerate(sorted(rules.items()), start=1):
                ws.cell(row, col).value = f"=IF(OR({','.join(formulas)}),1,0)"
                plan.append((ws.title, target, row, col))
        plans.append(plan)
        out = workdir / f"probe_{i}.xlsx"
        wb.save(out)
        scratch.append(out)
    results = []
    for plan, saved in zip(plans, through_libreoffice(scratch, workdir / "lo")):
        book = CalamineWorkbook.from_path(str(saved))
        sheets = {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}
        painted: dict[str, set[str]] = {name: set() for name in book.sheet_names}
        for sheet, target, row, col in plan:
            rows = sheets[sheet]
            if row <= len(rows) and col <= len(rows[row - 1]) and rows[row - 1][col - 1] == 1:
                painted[sheet].add(target)
        results.append(painted)
    return results
