"""Which cells a workbook's conditional formats paint, as LibreOffice evaluates them.

Each rule's formula is written for the top-left cell of its range with relative references; for
every cell of the range the formula is translated to that cell (openpyxl's Translator, the same
shifting Excel does), written into a spare cell of a scratch copy, the copy is recalculated in
LibreOffice headless, and the cells whose formula came out TRUE are the painted ones.
"""
from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter, range_boundaries

from handmade import through_libreoffice


def probe_workbooks(paths: list[Path], workdir: Path) -> list[dict[str, set[str]]]:
    """For each workbook: {sheet: cells painted by some conditional format}. One LibreOffice run for all."""
    workdir.mkdir(parents=True, exist_ok=True)
    plans, scratch = [], []
    for i, path in enumerate(paths):
        wb = openpyxl.load_workbook(path)
        plan = []
        for ws in wb.worksheets:
            ws.protection.sheet = False
            col = ws.max_column + 2
            row = 1
            for cf in ws.conditional_formatting:
                for rule in cf.rules:
                    if not rule.formula:
                        continue
                    for rng in str(cf.sqref).split():
                        c1, r1, c2, r2 = range_boundaries(rng)
                        origin = f"{get_column_letter(c1)}{r1}"
                        for r in range(r1, r2 + 1):
                            for c in range(c1, c2 + 1):
                                target = f"{get_column_letter(c)}{r}"
                                text = Translator("=" + rule.formula[0], origin=origin).translate_formula(target)
                                ws.cell(row, col).value = f"=IF({text[1:]},1,0)"
                                plan.append((ws.title, target, row, col))
                                row += 1
                                if row > 5000:
                                    row, col = 1, col + 1
        plans.append(plan)
        out = workdir / f"probe_{i}.xlsx"
        wb.save(out)
        scratch.append(out)
    results = []
    for plan, saved in zip(plans, through_libreoffice(scratch, workdir / "lo")):
        wb = openpyxl.load_workbook(saved, data_only=True)
        painted: dict[str, set[str]] = {}
        for sheet, target, row, col in plan:
            painted.setdefault(sheet, set())
            if wb[sheet].cell(row, col).value == 1:
                painted[sheet].add(target)
        results.append(painted)
    return results
