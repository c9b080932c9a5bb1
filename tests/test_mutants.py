"""Tests written to kill mutants that survived a mutation run (tests/MUTATION.md).

Each states a promise the surviving mutant broke unnoticed; expectations come from the spec files
read here with tomllib, from DOMAIN.md and from hand arithmetic, never from the code under test.
"""
from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from macros_py.forms import notation
from macros_py.forms.spec import SpecError, _build, forms

SPECS = {data["id"]: data for data in (
    tomllib.loads(entry.read_text(encoding="utf-8"))
    for entry in sorted(resources.files("macros_py.forms").iterdir(), key=lambda p: p.name)
    if entry.name.endswith(".toml"))}


# ------------------------------------------------------------- forms/spec.py: what the files say

@pytest.mark.parametrize("form_id", sorted(SPECS))
def test_each_spec_is_loaded_exactly_as_written(form_id):
    """Every field of every column, group, rule and agreement, with the documented defaults
    (decimals 0, width 10, no role, not optional, total auto, severity error / warning)."""
    raw, form = SPECS[form_id], forms()[form_id]
    assert list(forms()) == sorted(SPECS)                       # file-name order is id order here
    assert (form.id, form.name, form.title) == (raw["id"], raw["name"], raw["title"])
    assert form.subtitle == raw.get("subtitle", "") and form.total_label == raw.get("total_label", "Cộng")
    assert form.unit_match == tuple(raw.get("unit_match", ()))
    assert len(form.columns) == len(raw["columns"])
    for col, c in zip(form.columns, raw["columns"]):
        assert (col.number, col.header, col.name, col.kind) == (str(c["number"]), c["header"], c["name"], c["kind"])
        assert (col.decimals, col.width, col.role) == (c.get("decimals", 0), c.get("width", 10), c.get("role", ""))
        assert (col.match, col.optional, col.total) == (tuple(c.get("match", ())), c.get("optional", False),
                                                        c.get("total", "auto"))
        assert (col.formula.text if col.formula else None) == c.get("formula")
        if "formula" in c:
            assert col.formula.op == "=" and col.formula.target == col.number
        assert col.of == (notation.parse_expr(c["of"]) if "of" in c else None)
        assert col.is_number is (c["kind"] != "label")
        assert col.numbering_text == c.get("formula", str(c["number"]))
        assert col.number_format == ("0." + "0" * c["decimals"] if c.get("decimals") else "#,##0")
    assert [(g.label, g.level, g.first, g.last) for g in form.groups] == \
        [(g["label"], g["level"], str(g["from"]), str(g["to"])) for g in raw.get("groups", ())]
    assert [(r.statement.text, r.message, r.severity) for r in form.relations] == \
        [(r["check"], r["message"], r.get("severity", "error")) for r in raw.get("rules", ())]
    assert [(notation.to_text(a.first), notation.to_text(a.second), a.anchor, a.message, a.severity)
            for a in form.agreements] == \
        [(a["first"], a["second"], str(a["anchor"]), a["message"], a.get("severity", "warning"))
         for a in raw.get("agree", ())]
    assert form.unit_column.number == next(str(c["number"]) for c in raw["columns"] if c.get("role") == "unit")
    assert form.numbers == frozenset(str(c["number"]) for c in raw["columns"] if c["kind"] != "label")
    assert form.header_depth == max((g["level"] for g in raw.get("groups", ())), default=0) + 1
    for i, c in enumerate(raw["columns"]):
        assert form.position(str(c["number"])) == i and form.column(str(c["number"])).name == c["name"]


MINIMAL = {"id": "t", "name": "T", "title": "T",
           "columns": [{"number": "A", "header": "Đơn vị", "name": "Đơn vị", "kind": "label", "role": "unit"},
                       {"number": 1, "header": "Hộ", "name": "Hộ", "kind": "count"},
                       {"number": 2, "header": "Nghèo", "name": "Nghèo", "kind": "count"}]}


def spec(**changes) -> dict:
    data = {**MINIMAL, "columns": [dict(c) for c in MINIMAL["columns"]]}
    for key, value in changes.items():
        if key.startswith("col2_"):
            data["columns"][2][key[5:]] = value
        else:
            data[key] = value
    return data


def test_a_minimal_spec_takes_the_defaults():
    form = _build(spec())
    assert (form.subtitle, form.total_label, form.groups, form.relations, form.agreements, form.unit_match) == \
        ("", "Cộng", (), (), (), ())
    col = form.column("2")
    assert (col.decimals, col.width, col.role, col.formula, col.of, col.match, col.optional, col.total) == \
        (0, 10.0, "", None, None, (), False, "auto")
    assert _build(spec(rules=[{"check": "2<=1", "message": "m"}])).relations[0].severity == "error"
    agree = _build(spec(agree=[{"first": "2", "second": "1", "anchor": 1, "message": "m"}])).agreements[0]
    assert (agree.severity, agree.anchor) == ("warning", "1")


@pytest.mark.parametrize("changes, says", [
    ({"col2_kind": "số"}, "unknown kind 'số' in column 2"),
    ({"col2_kind": "formula"}, "column 2 needs a formula whose target is itself"),
    ({"col2_kind": "formula", "col2_formula": "1=2+2"}, "column 2 needs a formula whose target is itself"),
    ({"col2_total": "typed"}, "unknown total 'typed' in column 2"),
    ({"rules": [{"check": "2<=1", "message": "m", "severity": "fatal"}]}, "unknown severity 'fatal'"),
    ({"col2_formula": "2=1/"}, "form spec t:"),
    ({"rules": [{"check": "2<=1"}]}, "form spec t: 'message'"),
])
def test_malformed_specs_are_refused_with_the_reason(changes, says):
    with pytest.raises(SpecError) as err:
        _build(spec(**changes))
    assert says in str(err.value)


def test_a_spec_without_an_id_names_it_as_unknown():
    with pytest.raises(SpecError, match=r"form spec \?: 'id'"):
        _build({k: v for k, v in spec().items() if k != "id"})
