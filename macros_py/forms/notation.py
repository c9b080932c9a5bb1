"""The officers' formula notation (`3=2/1x100`, `6=4-2`, `2+8<=1`) as one small grammar.

A statement is parsed once into a tree; the same tree is rendered as an Excel
formula for any row and evaluated in Python, so the workbook and the validator
can never disagree about what a formula means.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Mapping, Union

# Scans and retyping turn "1" into "I" or "l" and "0" into "O"; multiplication
# is written x, X, ×, * or ·; comparisons may use the Unicode signs.
CHAR_FIXES = str.maketrans({"I": "1", "l": "1", "|": "1", "O": "0", "o": "0",
                             "x": "*", "X": "*", "×": "*", "·": "*", ":": "/",
                             "≤": "<=", "≥": ">=", "−": "-", "–": "-", ",": "."})
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|(<=|>=|<|>|=|[-+*/()]))")
COMPARATORS = ("<=", ">=", "<", ">", "=")


class NotationError(ValueError):
    """The text is not a formula in the officers' notation."""


@dataclass(frozen=True)
class Col:
    number: str


@dataclass(frozen=True)
class Const:
    value: float


@dataclass(frozen=True)
class Neg:
    operand: "Expr"


@dataclass(frozen=True)
class BinOp:
    op: str
    left: "Expr"
    right: "Expr"


Expr = Union[Col, Const, Neg, BinOp]


@dataclass(frozen=True)
class Statement:
    """`left op right`; for a formula, left is the target column and op is '='."""
    left: Expr
    op: str
    right: Expr
    text: str

    @property
    def target(self) -> str | None:
        return self.left.number if isinstance(self.left, Col) else None


def _tokens(text: str) -> list[str]:
    text = text.strip().strip("$").translate(CHAR_FIXES)
    out, pos = [], 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise NotationError(f"Không hiểu ký tự '{text[pos]}' trong công thức '{text}'")
        out.append(m.group(1) or m.group(2))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, tokens: list[str], columns: frozenset[str] | None):
        self.tokens, self.pos, self.columns = tokens, 0, columns

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise NotationError("Công thức bị thiếu phần cuối")
        self.pos += 1
        return tok

    def expr(self) -> Expr:
        node = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            node = BinOp(op, node, self.term())
        return node

    def term(self) -> Expr:
        node = self.factor()
        while self.peek() in ("*", "/"):
            op = self.take()
            node = BinOp(op, node, self.factor())
        return node

    def factor(self) -> Expr:
        tok = self.take()
        if tok == "-":
            return Neg(self.factor())
        if tok == "+":
            return self.factor()
        if tok == "(":
            node = self.expr()
            if self.take() != ")":
                raise NotationError("Thiếu dấu đóng ngoặc")
            return node
        if tok[0].isdigit():
            # An integer naming a column of the form is that column; any other
            # number (the 100 of a percentage) is a constant.
            if "." not in tok and (self.columns is None or tok in self.columns) and tok != "100":
                return Col(str(int(tok)))
            return Const(float(tok))
        raise NotationError(f"Không hiểu '{tok}' trong công thức")


def parse_expr(text: str, columns: frozenset[str] | None = None) -> Expr:
    parser = _Parser(_tokens(text), columns)
    node = parser.expr()
    if parser.peek() is not None:
        raise NotationError(f"Thừa '{parser.peek()}' trong công thức '{text}'")
    return node


def parse(text: str, columns: frozenset[str] | None = None) -> Statement:
    """Parse `target=expr` or a comparison such as `2+8<=1`."""
    tokens = _tokens(text)
    ops = [i for i, t in enumerate(tokens) if t in COMPARATORS]
    if len(ops) != 1:
        raise NotationError(f"Công thức '{text}' phải có đúng một dấu so sánh hoặc dấu '='")
    i = ops[0]
    left, right = _Parser(tokens[:i], columns), _Parser(tokens[i + 1:], columns)
    lnode, rnode = left.expr(), right.expr()
    if left.peek() is not None or right.peek() is not None:
        raise NotationError(f"Công thức '{text}' không hợp lệ")
    return Statement(lnode, tokens[i], rnode, text.strip())


def columns_of(node: Expr) -> list[str]:
    """Columns an expression reads, in order of appearance."""
    if isinstance(node, Col):
        return [node.number]
    if isinstance(node, Neg):
        return columns_of(node.operand)
    if isinstance(node, BinOp):
        return list(dict.fromkeys(columns_of(node.left) + columns_of(node.right)))
    return []


def evaluate(node: Expr, values: Mapping[str, float | None]) -> float | None:
    """Compute like the Excel rendering does: None if an operand is missing, x/0 = 0."""
    if isinstance(node, Col):
        v = values.get(node.number)
        return None if v is None else float(v)
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Neg):
        v = evaluate(node.operand, values)
        return None if v is None else -v
    left, right = evaluate(node.left, values), evaluate(node.right, values)
    if left is None or right is None:
        return None
    if node.op == "+":
        return left + right if math.isfinite(left + right) else None
    if node.op == "-":
        return left - right if math.isfinite(left - right) else None
    if node.op == "*":
        result = left * right
    else:
        result = 0.0 if right == 0 else left / right
    return result if math.isfinite(result) else None


def excel_round(value: float, decimals: int) -> float:
    """Excel's ROUND: halves away from zero, on the decimal the user sees."""
    if not math.isfinite(value) or abs(value) >= 1e15:
        return value   # beyond Excel's 15 significant digits there is nothing to round
    scale = 10.0 ** decimals
    shifted = abs(value) * scale
    # repr-based nudge: 2.675 stored as 2.67499999 must still round up like Excel.
    shifted = float(f"{shifted:.9f}")
    return math.copysign(math.floor(shifted + 0.5) / scale, value)


def to_excel(node: Expr, ref: Callable[[str], str]) -> str:
    """Render as an Excel formula body; divisions are guarded against a zero divisor."""
    if isinstance(node, Col):
        return ref(node.number)
    if isinstance(node, Const):
        v = node.value
        return str(int(v)) if v == int(v) else repr(v)
    if isinstance(node, Neg):
        return f"-{_wrap(node.operand, ref, '*')}"
    if node.op == "/":
        num, den = _wrap(node.left, ref, "/"), _wrap(node.right, ref, "/", right=True)
        return f"IF({den}=0,0,{num}/{den})"
    return f"{_wrap(node.left, ref, node.op)}{node.op}{_wrap(node.right, ref, node.op, right=True)}"


def to_text(node: Expr | None) -> str:
    """Back to the officers' notation: '4/1x100'; brackets kept where the meaning needs them."""
    if node is None:
        return ""
    if isinstance(node, Col):
        return node.number
    if isinstance(node, Const):
        return f"{node.value:g}"
    if isinstance(node, Neg):
        return "-" + _bracketed(node.operand, "*")
    return f"{_bracketed(node.left, node.op)}{'x' if node.op == '*' else node.op}" \
           f"{_bracketed(node.right, node.op, right=True)}"


def _needs_brackets(node: Expr, parent_op: str, right: bool) -> bool:
    """a-(b-c), (a+b)/c, a/(b*c): a sum under a product or on the right of '-', a product on the right of '/'."""
    if not isinstance(node, BinOp):
        return False
    if node.op in "+-":
        return parent_op in "*/" or (right and parent_op == "-")
    return right and parent_op == "/"


def _bracketed(node: Expr, parent_op: str, right: bool = False) -> str:
    text = to_text(node)
    return f"({text})" if _needs_brackets(node, parent_op, right) else text


def _wrap(node: Expr, ref: Callable[[str], str], parent_op: str, right: bool = False) -> str:
    text = to_excel(node, ref)
    return f"({text})" if _needs_brackets(node, parent_op, right) else text


def has_division(node: Expr) -> bool:
    return bool(divisions(node))


def divisions(node: Expr) -> list[BinOp]:
    """Every `a/b` in the expression, outermost first."""
    if isinstance(node, BinOp):
        here = [node] if node.op == "/" else []
        return here + divisions(node.left) + divisions(node.right)
    return divisions(node.operand) if isinstance(node, Neg) else []


def ratio_parts(node: Expr) -> tuple[str, str, float] | None:
    """For `a/b x k` (a rate) return (a, b, k); None for any other shape."""
    if isinstance(node, BinOp) and node.op == "*" and isinstance(node.right, Const):
        inner, scale = node.left, node.right.value
    else:
        inner, scale = node, 1.0
    if (isinstance(inner, BinOp) and inner.op == "/" and isinstance(inner.left, Col)
            and isinstance(inner.right, Col)):
        return inner.left.number, inner.right.number, scale
    return None


def compare(op: str, left: float, right: float, slack: float = 1e-9) -> bool:
    if op == "<=":
        return left <= right + slack
    if op == ">=":
        return left >= right - slack
    if op == "<":                 # strict: equal within noise is not less
        return left < right - slack
    if op == ">":
        return left > right + slack
    return abs(left - right) <= slack


def _safe_div(a: float, b: float) -> float:
    return 0.0 if b == 0 else a / b


@lru_cache(maxsize=None)
def compile_expr(node: Expr) -> tuple[list[str], Callable[[list], float | None]]:
    """(operand columns, f(values in that order)) — the expression as Python code, for hot loops.

    Same semantics as `evaluate`: None if an operand is None, x/0 = 0, non-finite → None.
    """
    order = columns_of(node)
    index = {n: i for i, n in enumerate(order)}

    def code(n: Expr) -> str:
        if isinstance(n, Col):
            return f"v[{index[n.number]}]"
        if isinstance(n, Const):
            return repr(n.value)
        if isinstance(n, Neg):
            return f"(-{code(n.operand)})"
        if n.op == "/":
            return f"_div({code(n.left)}, {code(n.right)})"
        return f"({code(n.left)} {n.op} {code(n.right)})"

    body = code(node)
    namespace = {"_div": _safe_div, "isfinite": math.isfinite}
    exec(f"def f(v):\n    if None in v: return None\n    r = {body}\n    return r if isfinite(r) else None",
         namespace)
    return order, namespace["f"]
