"""Forms as data: load the TOML spec files under `forms/` into typed objects.

Adding a form means adding a spec file; nothing here knows any form by name.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..errors import OfficerError
from . import notation
from .notation import Expr, Statement

KINDS = ("label", "count", "rate", "formula")
SEVERITIES = ("error", "warning", "info")


class UnknownFormError(OfficerError, LookupError):
    """No shipped form has that id; the message is for officers."""


class SpecError(ValueError):
    """A form spec file is malformed (a developer's error, not an officer's)."""


@dataclass(frozen=True)
class Column:
    number: str            # as printed in the numbering row: "A", "B", "1" … "13"
    header: str            # leaf header text
    name: str              # full Vietnamese meaning
    kind: str              # label | count | rate | formula
    decimals: int = 0
    width: float = 10.0
    role: str = ""         # "unit" for the unit-name column
    formula: Statement | None = None   # for kind == "formula"
    of: Expr | None = None             # for kind == "rate": what the target approximates
    match: tuple[str, ...] = ()        # header phrases that find the column where no numbering row exists
    optional: bool = False             # may be left blank (e.g. ethnic-minority figures)
    total: str = "auto"                # total row: auto (sum counts, recompute rates) | input (typed)

    @property
    def is_number(self) -> bool:
        return self.kind != "label"

    @property
    def number_format(self) -> str:
        if self.decimals:
            return "0." + "0" * self.decimals
        return "#,##0"

    @property
    def numbering_text(self) -> str:
        """What the numbering row shows for this column, e.g. '3=2/1x100'."""
        return self.formula.text if self.formula else self.number


@dataclass(frozen=True)
class Group:
    label: str
    level: int
    first: str
    last: str


@dataclass(frozen=True)
class Relation:
    """A comparison every data row must satisfy, e.g. `2+8<=1`."""
    statement: Statement
    message: str
    severity: str = "error"


@dataclass(frozen=True)
class Agreement:
    """Two expressions that must agree within the rounding of the figures shown, e.g. the
    households implied by 4/2x100 and by 3/6x100 where the form has no household column."""
    first: Expr
    second: Expr
    anchor: str
    message: str
    severity: str = "warning"


@dataclass(frozen=True)
class ChartSeries:
    name: str          # legend text (Vietnamese)
    value: Expr        # a column or an expression in the notation, e.g. "3" or "2-4"


@dataclass(frozen=True)
class Chart:
    """A bar chart by unit on the sheet "Biểu đồ", sorted by its first series (largest first)."""
    title: str
    axis: str                          # the value axis title
    series: tuple[ChartSeries, ...]
    category_axis: str = "Đơn vị"


@dataclass(frozen=True)
class Form:
    id: str
    name: str
    title: str
    subtitle: str
    total_label: str
    columns: tuple[Column, ...]
    groups: tuple[Group, ...] = ()
    relations: tuple[Relation, ...] = ()
    agreements: tuple[Agreement, ...] = ()
    unit_match: tuple[str, ...] = ()   # header phrases of the unit column, for header recognition
    charts: tuple[Chart, ...] = ()     # what the sheet "Biểu đồ" shows; a form without charts gets none
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def column(self, number: str) -> Column:
        if "columns" not in self._index:
            self._index["columns"] = {c.number: c for c in self.columns}
        return self._index["columns"][number]

    def position(self, number: str) -> int:
        """0-based position of a column in the form's own layout."""
        return [c.number for c in self.columns].index(number)

    @property
    def numbers(self) -> frozenset[str]:
        if "numbers" not in self._index:
            self._index["numbers"] = frozenset(c.number for c in self.columns if c.is_number)
        return self._index["numbers"]

    @property
    def unit_column(self) -> Column:
        return next(c for c in self.columns if c.role == "unit")

    @property
    def header_depth(self) -> int:
        return max((g.level for g in self.groups), default=0) + 1


def _build(data: dict) -> Form:
    try:
        numbers = frozenset(str(c["number"]) for c in data["columns"])
        columns = []
        for c in data["columns"]:
            kind = c["kind"]
            if kind not in KINDS:
                raise SpecError(f"unknown kind {kind!r} in column {c['number']}")
            formula = notation.parse(c["formula"], numbers) if "formula" in c else None
            if kind == "formula" and (formula is None or formula.target != str(c["number"])):
                raise SpecError(f"column {c['number']} needs a formula whose target is itself")
            of = notation.parse_expr(c["of"], numbers) if "of" in c else None
            total = c.get("total", "auto")
            if total not in ("auto", "input"):
                raise SpecError(f"unknown total {total!r} in column {c['number']}")
            columns.append(Column(
                number=str(c["number"]), header=c["header"], name=c["name"], kind=kind,
                decimals=int(c.get("decimals", 0)), width=float(c.get("width", 10)),
                role=c.get("role", ""), formula=formula, of=of, match=tuple(c.get("match", ())),
                optional=bool(c.get("optional", False)), total=total))
        groups = tuple(Group(g["label"], int(g["level"]), str(g["from"]), str(g["to"]))
                       for g in data.get("groups", ()))
        relations = []
        for r in data.get("rules", ()):
            severity = r.get("severity", "error")
            if severity not in SEVERITIES:
                raise SpecError(f"unknown severity {severity!r}")
            relations.append(Relation(notation.parse(r["check"], numbers), r["message"], severity))
        agreements = tuple(
            Agreement(notation.parse_expr(a["first"], numbers), notation.parse_expr(a["second"], numbers),
                      str(a["anchor"]), a["message"], a.get("severity", "warning"))
            for a in data.get("agree", ()))
        charts = tuple(
            Chart(ch["title"], ch["axis"], tuple(ChartSeries(s["name"], notation.parse_expr(str(s["value"]), numbers))
                                                 for s in ch["series"]),
                  ch.get("category_axis", "Đơn vị"))
            for ch in data.get("charts", ()))
        if any(not ch.series for ch in charts):
            raise SpecError("a chart needs at least one series")
        return Form(id=data["id"], name=data["name"], title=data["title"],
                    subtitle=data.get("subtitle", ""), total_label=data.get("total_label", "Cộng"), columns=tuple(columns),
                    groups=groups, relations=tuple(relations), agreements=agreements,
                    unit_match=tuple(data.get("unit_match", ())), charts=charts)
    except (KeyError, notation.NotationError) as exc:
        raise SpecError(f"form spec {data.get('id', '?')}: {exc}") from exc


@cache
def forms() -> dict[str, Form]:
    """All shipped forms by id, in file-name order."""
    out = {}
    for data in _spec_data():
        form = _build(data)
        out[form.id] = form
    return out


def _spec_data() -> list[dict]:
    """The TOML specs as parsed data, in file-name order. Parsing TOML takes ~15 ms of every
    button click; the parsed data is kept beside the bytecode (`__pycache__/forms.json`, like a
    .pyc: keyed by each file's name, size and time, rewritten when any changes; where the folder is
    read-only the TOML is simply parsed each time)."""
    folder = Path(__file__).parent
    if not folder.is_dir():        # a zipped install: importlib.resources reads inside the archive
        from importlib import resources

        folder = resources.files("macros_py.forms")
    entries = sorted((e for e in folder.iterdir() if e.name.endswith(".toml")), key=lambda e: e.name)
    try:
        key = [[e.name, *_size_time(e)] for e in entries]
    except (OSError, TypeError):     # not plain files (a zipped install): no cache
        return [_parse(e) for e in entries]
    cache_file = os.path.join(os.fspath(folder), "__pycache__", "forms.json")
    try:
        with open(cache_file, encoding="utf-8") as f:
            cached = json.load(f)
        if cached["key"] == key:
            return cached["specs"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    specs = [_parse(e) for e in entries]
    tmp = f"{cache_file}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(cache_file), exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"key": key, "specs": specs}, f, ensure_ascii=False)
        os.replace(tmp, cache_file)      # whole or not at all: another click may be reading it
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    return specs


def _parse(entry) -> dict:
    import tomllib      # only when the cache is missing or stale

    return tomllib.loads(entry.read_text(encoding="utf-8"))


def _size_time(entry) -> tuple[int, int]:
    st = os.stat(os.fspath(entry))
    return st.st_size, st.st_mtime_ns


DEFAULT_FORM = "du-kien-giam-ngheo"


def get_form(form_id: str = DEFAULT_FORM) -> Form:
    try:
        return forms()[form_id]
    except KeyError:
        known = ", ".join(forms())
        raise UnknownFormError(f"Không có biểu '{form_id}'. Các biểu đã biết: {known}") from None
