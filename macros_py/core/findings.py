"""Findings and the rule catalogue: every rule is a named object, not a branch in code.

Like frictionless' error catalogue, a Rule has an id, a severity and a
Vietnamese message template; checks only supply the template's fields.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..forms.notation import excel_round
from .coords import column_letter
from .numbers import format_vi


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str      # error | warning | info
    template: str      # str.format template; {cell} is always available
    title: str         # one line for the catalogue and the report sheet
    supersedes: tuple[str, ...] = ()   # rules whose finding on the same cell this one says in full

    def finding(self, sheet: str, row: int, col: int, *, expected: float | None = None,
                actual: Any = None, severity: str | None = None, decimals: int | None = None,
                sign: str = "", **fields: Any) -> "Finding":
        """A finding at (row, col). The message shows numbers the Vietnamese way (1.198; 8,65)
        with `decimals`, followed by `sign` ('%' for a cell with a percent format); the JSON keeps
        them raw. `severity` overrides the rule's (spec relations)."""
        cell = f"{column_letter(col)}{row}"
        def show(v: Any, places: int | None, sign: str = "") -> Any:
            return format_vi(v, places) + sign if isinstance(v, (int, float)) and not isinstance(v, bool) else v

        shown = {k: show(v, None) for k, v in fields.items()}
        shown.update(actual=show(actual, decimals, sign), expected=show(expected, decimals, sign))
        return Finding(sheet, row, col, self.id, severity or self.severity,
                       self.template.format(cell=cell, **ACTION_PHRASES["cli"], **shown), expected, actual,
                       decimals=decimals)


def distinct_places(actual: float | None, expected: float | None, places: int, most: int) -> int:
    """The fewest decimals, from `places` up to `most`, at which two figures read differently: a
    message never says a cell holds 9,71 where it should hold 9,71."""
    if actual is None or expected is None:
        return places
    for p in range(places, max(places, most) + 1):
        if format_vi(actual, p) != format_vi(excel_round(expected, p), p):
            return p
    return max(places, most)


@dataclass
class Finding:
    sheet: str
    row: int
    col: int
    rule: str
    severity: str
    message: str
    expected: float | None = None
    actual: Any = None
    follows: list[str] = field(default_factory=list)   # cells whose findings follow from this one
    decimals: int | None = None                        # places the message shows the numbers at
    cells: list[str] = field(default_factory=list)     # further cells the finding is about (a column's)

    @property
    def column(self) -> str:
        return column_letter(self.col)

    @property
    def cell(self) -> str:
        return f"{self.column}{self.row}"

    def to_json(self) -> dict:
        out = {"cell": self.cell, "row": self.row, "column": self.column, "rule": self.rule,
               "severity": self.severity, "message": self.message, "expected": self.expected,
               "actual": self.actual}
        if self.follows:
            out["follows"] = list(self.follows)
        if self.cells:
            out["cells"] = list(self.cells)
        return out


# What the officer should do next, named as each face offers it: the command on the command
# line, the button in Excel, and in a file someone else opens (an annotated copy sent by mail:
# its reader is in Excel, with or without the add-in). Templates say {recalc}; messages are
# made with the command's words and `for_face` turns them into the others'.
ACTION_PHRASES = {"cli": {"recalc": "chạy lệnh 'giamngheo recalc'"},
                  "excel": {"recalc": "bấm nút Tính lại (tab Giảm nghèo)"},
                  "file": {"recalc": "bấm nút Tính lại (tab Giảm nghèo) hoặc tự gõ lại công thức của cột"}}


def for_face(message: str, face: str) -> str:
    """A message with its next-step words as `face` ('cli', 'excel' or 'file') offers them."""
    for key, phrase in ACTION_PHRASES["cli"].items():
        message = message.replace(phrase, ACTION_PHRASES[face][key])
    return message


def drop_superseded(findings: list[Finding]) -> list[Finding]:
    """Each cell named once: a finding whose rule another finding on the same cell supersedes
    (a formula typed over with a wrong figure is one finding, not 'wrong' and 'typed over') goes."""
    said: dict[tuple[str, str], set[str]] = {}
    for f in findings:
        said.setdefault((f.sheet, f.cell), set()).update(CATALOGUE[f.rule].supersedes)
    return [f for f in findings if f.rule not in said[(f.sheet, f.cell)]]


SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SEVERITY_VI = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Lưu ý"}

R = Rule
CATALOGUE: dict[str, Rule] = {r.id: r for r in (
    R("formula-mismatch", "error",
      "Ô {cell} (cột {number}: {formula}) ghi {actual}, nhưng theo công thức phải là {expected}.",
      "Cột công thức không đúng với công thức của biểu"),
    R("rate-count-mismatch", "error",
      "Ô {cell} (cột {number}): tỷ lệ {actual}% của {households} hộ là {implied} hộ, lệch {gap} hộ so với "
      "{count} hộ ở ô {count_cell} (cột {count_number}), quá nửa hộ làm tròn. Một trong hai ô ghi sai: nếu tỷ lệ "
      "đúng thì số hộ là khoảng {implied_count}; nếu số hộ đúng thì tỷ lệ là khoảng {expected}%.",
      "Tỷ lệ chỉ tiêu không khớp với số hộ"),
    R("rate-without-households", "error",
      "Ô {cell} (cột {number}): ô {count_cell} (cột {count_number}) ghi {count} hộ nhưng ô {households_cell} "
      "(cột {households_number}) ghi 0 hộ dân cư, nên không tính được tỷ lệ. Một trong hai ô ghi sai: xem lại số "
      "hộ dân cư hoặc số hộ ở ô {count_cell}.",
      "Có số hộ nhưng tổng số hộ dân cư là 0"),
    R("total-not-sum", "error",
      "Ô {cell} (dòng {label}, cột {number}) ghi {actual}, nhưng cộng các đơn vị được {expected}.",
      "Dòng tổng không bằng tổng các đơn vị"),
    R("total-rate", "error",
      "Ô {cell} (dòng {label}, cột {number}: {formula}) ghi {actual}, nhưng tính từ số tổng phải là {expected} "
      "(tỷ lệ dòng tổng tính từ tổng số hộ, không cộng hay lấy trung bình tỷ lệ các đơn vị).",
      "Tỷ lệ, chênh lệch ở dòng tổng không tính từ số tổng"),
    R("relation", "error", "Ô {cell}: {message} ({left} so với {right}).",
      "Quan hệ giữa các cột của biểu bị vi phạm"),
    R("agree", "warning",
      "Ô {cell}: {message} ({first} so với {second}, đã tính sai số làm tròn của các số đã ghi).",
      "Hai cách suy ra cùng một số không khớp"),
    R("negative-count", "error", "Ô {cell} (cột {number}): số hộ không thể âm ({actual}).", "Số hộ âm"),
    R("not-whole", "error", "Ô {cell} (cột {number}): số hộ phải là số nguyên, đang ghi {actual}.",
      "Số hộ không nguyên"),
    R("rate-out-of-range", "error", "Ô {cell} (cột {number}): tỷ lệ {actual}% nằm ngoài khoảng 0–100%.",
      "Tỷ lệ ngoài 0–100%"),
    R("blank-input", "error",
      "Ô {cell} (cột {number}: {name}) để trống. Ô trống không phải số 0: nếu không có hộ nào, hãy ghi 0.",
      "Ô nhập bắt buộc để trống"),
    R("unit-no-figures", "warning", "Dòng {line} ({name}): chưa có số liệu của đơn vị.",
      "Đơn vị chưa có số liệu"),
    R("cell-error", "error", "Ô {cell} (cột {number}) báo lỗi {actual} thay vì một số: kiểm tra công thức hoặc số "
      "liệu mà ô dùng.", "Ô báo lỗi công thức"),
    R("not-a-number", "error", "Ô {cell} (cột {number}): '{actual}' không phải là số.", "Ô số chứa chữ"),
    R("text-number", "warning",
      "Ô {cell} (cột {number}): số '{actual}' được lưu dạng văn bản; đã đọc là {expected} ({how}). "
      "Hãy gõ lại thành số để công thức dùng được.", "Số lưu dạng văn bản"),
    R("text-number-spoils", "error",
      "Ô {cell} (cột {number}): số '{actual}' được lưu dạng văn bản nên {count} ô tính từ nó đang in sai hoặc "
      "báo lỗi: {spoiled}. Hãy gõ lại ô này thành số {expected} (số, không phải văn bản) để các ô đó tính đúng.",
      "Số lưu dạng văn bản làm sai các ô tính từ nó"),
    R("text-number-column", "warning",
      "Cột {number} ({span}) có {count} ô số ghi dạng văn bản (ví dụ '{example}' ở ô {example_cell}); đã đọc "
      "theo nghĩa của số. Hãy gõ lại các ô này thành số (hoặc chọn cả vùng, bấm dấu chấm than vàng, chọn "
      "Convert to Number) để công thức dùng được.", "Cả cột số lưu dạng văn bản"),
    R("text-number-column-spoils", "error",
      "Cột {number} ({span}) có {count} ô số ghi dạng văn bản (ví dụ '{example}' ở ô {example_cell}) nên "
      "{spoiled_count} ô tính từ chúng đang in sai hoặc báo lỗi: {spoiled}. Hãy gõ lại các ô này thành số (hoặc "
      "chọn cả vùng, bấm dấu chấm than vàng, chọn Convert to Number) để các ô đó tính đúng.",
      "Cả cột số lưu dạng văn bản làm sai các ô tính từ nó"),
    R("typed-over-formula", "warning",
      "Ô {cell} (cột {number}: {formula}) là số gõ tay ({actual}) trong khi các ô khác của cột là công thức; "
      "{recalc} để khôi phục công thức.", "Công thức bị gõ đè bằng số"),
    R("typed-over-wrong", "error",
      "Ô {cell} (cột {number}: {formula}) là số gõ tay {actual} đè lên công thức, và sai: theo công thức phải là "
      "{expected}; {recalc} để khôi phục công thức.", "Công thức bị gõ đè bằng số sai",
      supersedes=("typed-over-formula",)),
    R("column-typed", "info",
      "Cột {number} ({formula}) được gõ tay toàn bộ, không có công thức (thường do dán từ Word); "
      "{recalc} để đưa công thức vào.", "Cả cột công thức được gõ tay"),
    R("duplicate-unit", "error", "Ô {cell}: đơn vị '{name}' trùng với ô {other} ('{other_name}').",
      "Đơn vị bị trùng"),
    R("no-units", "error", "{message}", "Không có dòng đơn vị nào dưới dòng đánh số cột"),
    R("reconcile-mismatch", "error",
      "Ô {cell} ({unit}, cột {number}) ghi {actual}, nhưng biểu của đơn vị (tệp '{file}', trang '{sheet_name}', "
      "dòng {source_row}) ghi {expected}.", "Biểu cấp trên khác biểu của đơn vị"),
    R("reconcile-missing", "info", "Ô {cell}: chưa có biểu của đơn vị '{unit}' để đối chiếu.",
      "Chưa có biểu của đơn vị để đối chiếu"),
    R("likely-culprit", "error",
      "Ô {cell} ({where}) có lẽ ghi sai: đang ghi {actual}; nếu là {expected} thì {consequence}.",
      "Ô gây ra nhiều lỗi kéo theo",
      supersedes=("text-number", "text-number-spoils")),     # its message says the text too
    R("follows-culprit", "warning", "Ô {cell} ({where}) {state} vì ô {culprit} {cause}; {remedy}.",
      "Ô sai theo một ô khác",
      supersedes=("cell-error",)),     # "báo lỗi #DIV/0! vì ô C12 …": the error value and its cause
)}
