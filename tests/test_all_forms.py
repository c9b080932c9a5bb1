"""Every form is built, recalculated and validated from its spec alone."""
from __future__ import annotations

import pytest
from python_calamine import CalamineWorkbook

from conftest import DATA
from libreoffice import recalculate
from macros_py.cli import main
from macros_py.forms.formulas import row_expr
from macros_py.write.layout import Unit, make_layout
from macros_py.core.numbers import parse_number
from macros_py.forms.spec import forms, get_form
from macros_py.commands.validate import validate_file
from macros_py.write.xlsx_writer import write_new_workbook
from seed_tables import seed_workbook

SEEDS = {  # form → (seed table, decimal separator)
    "du-kien-giam-ngheo": None,
    "ke-hoach-giam-ngheo-xa": ("krong_no_2020_000.tsv", ","),
    "lo-trinh-giam-ngheo-tinh": ("dak_nong_2024.tsv", ","),
    "chi-tieu-giam-ngheo-btxh": ("cam_lo_2022.tsv", "."),
}


def seed_units(form_id: str) -> list[Unit]:
    """The seed's unit rows as inputs of the form (formula columns left to the workbook)."""
    form = get_form(form_id)
    tsv, _ = SEEDS[form_id]
    labels = len([c for c in form.columns if not c.is_number])
    numeric = [c for c in form.columns if c.is_number]
    units = []
    for line in (DATA / tsv).read_text(encoding="utf-8").splitlines()[2:-1]:
        parts = line.split("\t")
        name = parts[labels - 1]
        inputs = {}
        for c, text in zip(numeric, parts[labels:]):
            if row_expr(c) is None and text.strip():
                inputs[c.number] = parse_number(text, whole=True).value
        units.append(Unit(name, inputs))
    return units


def test_every_shipped_form_has_a_seed_here():
    assert set(forms()) == set(SEEDS)


@pytest.mark.parametrize("form_id", [f for f, s in SEEDS.items() if s])
def test_new_workbook_recalculates_in_libreoffice_and_is_recognised(tmp_path, form_id):
    path = tmp_path / "new.xlsx"
    write_new_workbook(make_layout(get_form(form_id), seed_units(form_id), year=2026), path)
    ours = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    lo = CalamineWorkbook.from_path(str(recalculate(path, tmp_path / "lo"))).get_sheet_by_index(0).to_python(
        skip_empty_area=False)
    assert len(ours) == len(lo)
    for r, (a, b) in enumerate(zip(ours, lo)):
        for c, (x, y) in enumerate(zip(a, b)):
            if isinstance(x, float):
                assert y == pytest.approx(x, abs=1e-9), (form_id, r + 1, c + 1)
    result = validate_file(path)
    assert result.sheets[0].table.form.id == form_id
    # generated formulas never disagree with their form; only the officers' inputs can be wrong
    rules = {f.rule for f in result.sheets[0].findings if f.severity == "error"}
    assert rules <= {"relation", "likely-culprit"}


def test_new_from_the_command_line_for_each_form(tmp_path):
    for form_id in SEEDS:
        out = tmp_path / f"{form_id}.xlsx"
        assert main(["new", "--form", form_id, "--units", "Xã A;Xã B", "-o", str(out)]) == 0
        assert validate_file(out).sheets[0].table.form.id == form_id


@pytest.mark.parametrize("form_id", [f for f, s in SEEDS.items() if s])
def test_recalc_on_a_published_table_puts_formulas_in(tmp_path, form_id):
    tsv, decimal = SEEDS[form_id]
    src = seed_workbook(tsv, tmp_path / "seed.xlsx", decimal=decimal)
    out = tmp_path / "fixed.xlsx"
    assert main(["recalc", str(src), "-o", str(out), "--convert-text-numbers"]) == 0
    after = validate_file(out)
    assert after.sheets[0].table.form.id == form_id
    rules = {f.rule for f in after.sheets[0].findings if f.severity == "error"}
    assert not rules & {"formula-mismatch", "total-rate", "total-not-sum", "typed-over-formula"}
