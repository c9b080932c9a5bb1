"""Run VBA procedures' own text in Python, for the few statements the add-in's callback and
xlwings' config readers use (no VBA engine runs on Linux; the text under test is the one
read back from giamngheo.xlam, so an edit to the VBA is what gets replayed).

Supported: Function/Sub with typed and Optional parameters, Dim, assignment and Set,
block and one-line If/ElseIf/Else, For…To/Next, Do While/Loop, Exit, call statements,
Open … For Input / Input # / Line Input # / Close, #If Mac (taken as False), and the string
functions used. Differences from VBA kept in mind: And/Or short-circuit here.
Host objects (ActiveWorkbook, CreateObject, RunPython, …) come from the caller as `host`.
"""
from __future__ import annotations

import re

TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"]|"")*")|(?P<hex>&H[0-9A-Fa-f]+)|(?P<num>\d+)'
                   r'|(?P<name>[A-Za-z_][A-Za-z0-9_]*\$?)|(?P<op><>|<=|>=|[=<>&+\-*/(),.#]))')
KEYWORDS = {"and": "and", "or": "or", "not": "not", "is": "is", "nothing": "None", "true": "True",
            "false": "False", "mod": "%"}
DEFAULTS = {"string": '""', "boolean": "False", "long": "0", "integer": "0", "double": "0.0"}


class VBArray(list):
    """VBA indexes arrays with (), like a call."""

    def __call__(self, i):
        return self[i]


def _split(s, delimiter=" "):
    return VBArray([] if s == "" else s.split(delimiter))


def _left(s, n):
    if n < 0:
        raise ValueError("VBA error 5: Left with a negative length")
    return s[:n]


BUILTINS = {
    "_split": _split, "_replace": lambda s, a, b: s.replace(a, b), "_trim": lambda s: s.strip(" "),
    "_lcase": lambda s: s.lower(), "_ucase": lambda s: s.upper(), "_left": _left,
    "_right": lambda s, n: s[len(s) - n:] if n else "", "_len": len, "_ubound": lambda a: len(a) - 1,
    "_mid": lambda s, start, n=None: s[start - 1:] if n is None else s[start - 1:start - 1 + n],
    "_chrw": lambda n: chr(n & 0xFFFF), "_instr": lambda a, b: a.find(b) + 1,
    "_vbcr": "\r", "_vblf": "\n", "_vbcrlf": "\r\n", "_freefile": 1,
}


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise SyntaxError(f"cannot read VBA at {text[pos:]!r}")
        out.append((m.lastgroup, m.group(m.lastgroup)))
        pos = m.end()
    return out


def _expr(tokens: list[tuple[str, str]]) -> str:
    parts, after_dot = [], False
    for kind, value in tokens:
        if kind == "str":
            parts.append(repr(value[1:-1].replace('""', '"')))
        elif kind == "hex":
            parts.append(str(int(value[2:], 16)))
        elif kind == "num":
            parts.append(value)
        elif kind == "name":
            low = value.lower().rstrip("$")
            parts.append(low if after_dot else KEYWORDS.get(low, "_" + low))
        else:
            parts.append({"=": "==", "<>": "!=", "&": "+"}.get(value, value))
        after_dot = value == "."
    return " ".join(parts)


def _postfix(tokens) -> int:
    """Length of the leading name(…).name… chain of a statement."""
    i = 1
    while i < len(tokens):
        if tokens[i][1] == "(":
            depth = 0
            while True:
                depth += {"(": 1, ")": -1}.get(tokens[i][1], 0)
                i += 1
                if depth == 0:
                    break
        elif tokens[i][1] == "." and i + 1 < len(tokens) and tokens[i + 1][0] == "name":
            i += 2
        else:
            break
    return i


def _strip_comment(line: str) -> str:
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "'" and not quoted:
            return line[:i]
    return line


def _preprocess(lines: list[str]) -> list[str]:
    """Keep the Windows side of #If Mac blocks (other #If conditions are taken as true)."""
    out, stack = [], []
    for line in lines:
        s = line.strip()
        low = s.lower()
        if low.startswith("#if"):
            stack.append([not re.match(r"#if\s+mac\b", low), False])
            stack[-1][1] = stack[-1][0]
        elif low.startswith("#elseif"):
            stack[-1][0] = not stack[-1][1]
            stack[-1][1] = True
        elif low.startswith("#else"):
            stack[-1][0] = not stack[-1][1]
        elif low.startswith("#end if"):
            stack.pop()
        elif all(active for active, _ in stack):
            out.append(line)
    return out


def _params(text: str) -> tuple[list[str], list[str]]:
    names, code = [], []
    for part in filter(None, (p.strip() for p in text.split(","))):
        words = part.split()
        optional = words[0].lower() == "optional"
        words = [w for w in words if w.lower() not in ("optional", "byval", "byref")]
        name = "_" + words[0].lower().rstrip("$")
        kind = words[2].lower() if len(words) > 2 else ""
        names.append(name)
        code.append(f"{name}={DEFAULTS.get(kind, 'None')}" if optional else name)
    return names, code


def translate(source: str) -> str:
    """Python source defining one function per VBA procedure in `source`."""
    out: list[str] = []
    indent = 0
    proc = None

    def emit(line: str) -> None:
        out.append("    " * indent + line)

    def statement(text: str) -> None:
        nonlocal indent, proc
        tokens = _tokens(text)
        low = [v.lower() for _, v in tokens]
        head = low[0]
        if head in ("public", "private", "friend") and low[1] in ("function", "sub"):
            tokens, low = tokens[1:], low[1:]
            head = low[0]
        if head in ("function", "sub"):
            m = re.match(r"\s*(?:(?:Public|Private|Friend)\s+)?(?:Function|Sub)\s+(\w+)\((.*)\)\s*(?:As\s+(\w+))?",
                         text, re.I)
            proc = "_" + m.group(1).lower()
            _, params = _params(m.group(2))
            emit(f"def {proc}({', '.join(params)}):")
            indent += 1
            emit(f"{proc} = {DEFAULTS.get((m.group(3) or '').lower(), 'None')}")
        elif head == "end" and low[1] in ("function", "sub"):
            emit(f"return _exit(locals(), {proc!r})")
            indent -= 1
        elif head == "end" and low[1] == "if" or head in ("next", "loop"):
            indent -= 1
        elif head in ("dim", "const"):
            for m in re.finditer(r"(\w+)\s+As\s+(\w+)", text[len(tokens[0][1]):], re.I):
                emit(f"_{m.group(1).lower()} = {DEFAULTS.get(m.group(2).lower(), 'None')}")
        elif head in ("if", "elseif"):
            then = low.index("then")
            keyword = "if" if head == "if" else "elif"
            if head == "elseif":
                indent -= 1
            emit(f"{keyword} {_expr(tokens[1:then])}:")
            indent += 1
            emit("pass")
            if then + 1 < len(tokens):          # one-line If
                statement(text[text.lower().rindex(" then ") + 6:])
                indent -= 1
        elif head == "else":
            indent -= 1
            emit("else:")
            indent += 1
            emit("pass")
        elif head == "for":
            to = low.index("to")
            emit(f"for _{low[1]} in range(int({_expr(tokens[3:to])}), int({_expr(tokens[to + 1:])}) + 1):")
            indent += 1
            emit("pass")
        elif head == "do" and low[1] == "while":
            emit(f"while {_expr(tokens[2:])}:")
            indent += 1
            emit("pass")
        elif head == "exit":
            emit(f"return _exit(locals(), {proc!r})" if low[1] in ("function", "sub") else "break")
        elif head == "open":
            for_, as_ = low.index("for"), low.index("as")
            emit(f"_files[{_expr([t for t in tokens[as_ + 1:] if t[1] != '#'])}] = _open({_expr(tokens[1:for_])})")
        elif head == "input" or head == "line" and low[1] == "input":
            rest = tokens[low.index("#") + 1:]
            comma = [t[1] for t in rest].index(",")
            targets = ", ".join(_expr([t]) for t in rest[comma + 1:] if t[1] != ",")
            method = "line_input" if head == "line" else "input"
            count = len([t for t in rest[comma + 1:] if t[1] != ","])
            emit(f"{targets}, = _files[{_expr(rest[:comma])}].{method}({count})")
        elif head in ("close", "option", "attribute", "on"):
            pass
        else:
            if head == "set":
                tokens = tokens[1:]
            n = _postfix(tokens)
            target, rest = tokens[:n], tokens[n:]
            if rest and rest[0][1] == "=":
                emit(f"{_expr(target)} = {_expr(rest[1:])}")
            elif not rest and target[-1][1] == ")":
                emit(_expr(target))
            else:
                emit(f"{_expr(target)}({_expr(rest)})")

    for raw in _preprocess(source.replace("\r\n", "\n").split("\n")):
        line = _strip_comment(raw).strip()
        if line:
            statement(line)
    return "\n".join(out) + "\n"


class _Exit:
    last: dict = {}


def _exit(scope: dict, name: str):
    _Exit.last = dict(scope)
    return scope.get(name)


def load(source: str, host: dict) -> dict:
    """The procedures of `source`, callable as namespace['_name'](…); host names are VBA names."""
    files: dict = {}
    namespace = {"_exit": _exit, "_files": files, "_eof": lambda n: files[n].eof(), **BUILTINS,
                 **{"_" + k.lower(): v for k, v in host.items()}}
    exec(translate(source), namespace)
    return namespace


def last_locals() -> dict:
    """The locals of the procedure that returned last (for ByRef outputs such as sValue)."""
    return _Exit.last


def procedure(module: str, name: str) -> str:
    """The text of one procedure of a module."""
    m = re.search(rf"^(?:(?:Public|Private|Friend)\s+)?(Function|Sub)\s+{name}\(.*?^End \1\b", module,
                  re.M | re.S | re.I)
    if not m:
        raise LookupError(name)
    return m.group(0)


class AnsiFile:
    """A file opened with Open … For Input: bytes decoded in the ANSI code page; Input # fields."""

    def __init__(self, data: bytes, codepage: str):
        self.text, self.pos = data.decode(codepage, errors="replace"), 0

    def eof(self) -> bool:
        return self.pos >= len(self.text)

    def _field(self) -> str:
        t = self.text
        while self.pos < len(t) and t[self.pos] in " \t":
            self.pos += 1
        if self.pos < len(t) and t[self.pos] == '"':
            end = t.find('"', self.pos + 1)
            end = len(t) if end < 0 else end
            value, self.pos = t[self.pos + 1:end], end + 1
            while self.pos < len(t) and t[self.pos] not in ",\r\n":
                self.pos += 1
        else:
            start = self.pos
            while self.pos < len(t) and t[self.pos] not in ",\r\n":
                self.pos += 1
            value = t[start:self.pos].strip()
        if t[self.pos:self.pos + 2] == "\r\n":
            self.pos += 2
        elif self.pos < len(t):
            self.pos += 1
        return value

    def input(self, count: int) -> list[str]:
        return [self._field() for _ in range(count)]

    def line_input(self, count: int = 1) -> list[str]:
        end = self.text.find("\n", self.pos)
        end = len(self.text) if end < 0 else end
        line, self.pos = self.text[self.pos:end].rstrip("\r"), end + 1
        return [line]
