"""tests/mutation_run.py splits the mutants into parts that each fit inside CI's time: every function
in exactly one part, the parts of about equal size, the same split on every machine."""
from __future__ import annotations

import random

from mutation_run import module_name, scope, split


def _functions(seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    return {f"m.x_f{i}": [f"m.x_f{i}__mutmut_{j}" for j in range(1, rng.randint(1, 150))] for i in range(300)}


def test_every_function_is_in_exactly_one_part_and_the_parts_are_balanced():
    functions = _functions(1)
    parts = split(functions, 6)
    seen = [f for part in parts for f in part]
    assert sorted(seen) == sorted(functions) and len(seen) == len(set(seen))
    sizes = [sum(len(functions[f]) for f in part) for part in parts]
    # greedy largest-first: no part exceeds another by more than one function's mutants
    assert max(sizes) - min(sizes) <= max(len(m) for m in functions.values())
    assert max(sizes) - min(sizes) <= 0.02 * sum(sizes) / 6


def test_the_split_does_not_depend_on_the_order_functions_were_found():
    functions = _functions(2)
    shuffled = dict(sorted(functions.items(), key=lambda kv: random.Random(3).random()))
    assert split(functions, 5) == split(shuffled, 5)
    assert split(functions, 1) == [sorted(functions)]


def test_the_scope_is_pyprojects_modules():
    files = {str(p) for p in scope()}
    assert {"macros_py/core/table.py", "macros_py/forms/notation.py", "macros_py/engines/file.py",
            "macros_py/commands/inbox.py", "macros_py/write/safe_io.py"} <= files
    assert not files & {"macros_py/cli.py", "macros_py/engines/live.py", "macros_py/commands/send.py",
                        "macros_py/write/xlsx_writer.py"}
    assert module_name(next(p for p in scope() if p.name == "culprits.py")) == "macros_py.core.culprits"


def test_only_some_modules_narrows_the_scope_to_them():
    only = {str(p) for p in scope(["macros_py.forms", "macros_py.core.table"])}
    assert "macros_py/core/table.py" in only and "macros_py/forms/spec.py" in only
    assert "macros_py/core/grid.py" not in only and "macros_py/commands/annotate.py" not in only
    assert only < {str(p) for p in scope()}
