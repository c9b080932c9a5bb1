import pytest

from macros_py.forms import notation
from macros_py.forms.notation import BinOp, Col, Const, NotationError


@pytest.mark.parametrize("text", ["3=2/1x100", "3=2/1X100", "3 = 2 / 1 × 100", "3=2/1*100",
                                  "$3=2/1x100$", "3=2/Ix100", "3=2/lx100"])
def test_variants_of_the_rate_formula_parse_to_the_same_tree(text):
    st = notation.parse(text, frozenset(str(i) for i in range(1, 14)))
    assert st.target == "3" and st.op == "="
    assert st.right == BinOp("*", BinOp("/", Col("2"), Col("1")), Const(100.0))


def test_difference_and_comparison():
    assert notation.parse("6=4-2").right == BinOp("-", Col("4"), Col("2"))
    st = notation.parse("2+8<=1")
    assert (st.op, st.left, st.right) == ("<=", BinOp("+", Col("2"), Col("8")), Col("1"))
    assert notation.parse("4≤2").op == "<="


def test_excel_rendering_guards_division_and_keeps_precedence():
    ref = lambda n: {"1": "C9", "2": "D9", "4": "F9", "5": "G9", "3": "E9"}[n]
    assert notation.to_excel(notation.parse_expr("2/1x100"), ref) == "IF(C9=0,0,D9/C9)*100"
    assert notation.to_excel(notation.parse_expr("5-(3-4)"), ref) == "G9-(E9-F9)"
    assert notation.to_excel(notation.parse_expr("(2+4)/1"), ref) == "IF(C9=0,0,(D9+F9)/C9)"


def test_evaluate_matches_excel_semantics():
    expr = notation.parse_expr("2/1x100")
    assert notation.evaluate(expr, {"1": 1188, "2": 98}) == pytest.approx(8.2491582)
    assert notation.evaluate(expr, {"1": 0, "2": 5}) == 0.0
    assert notation.evaluate(expr, {"1": None, "2": 5}) is None


def test_excel_round_half_away_from_zero():
    assert notation.excel_round(2.675, 2) == 2.68
    assert notation.excel_round(-2.5, 0) == -3.0
    assert notation.excel_round(0.125, 2) == 0.13


def test_ratio_parts():
    assert notation.ratio_parts(notation.parse_expr("4/1x100")) == ("4", "1", 100.0)
    assert notation.ratio_parts(notation.parse_expr("4-1")) is None


@pytest.mark.parametrize("bad", ["3=2/", "3=2/1x100)", "3=2#1", "3", "1<2<3"])
def test_malformed_notation_is_refused(bad):
    with pytest.raises(NotationError):
        notation.parse(bad)
