"""The key templates of a Python file, computed with Python's own `ast`: the oracle the code links'
parser (@lezer/python) is checked against. Prints one JSON object per key use, sorted by position.

usage: py_keys.py FILE METHODS_JSON
"""
import ast
import json
import re
import sys

TTL_KEYWORDS = {"ttl": 1000, "ex": 1000, "timeout": 1000, "expire": 1000, "time": 1000, "px": 1}
TTL_POSITION = {"cache_data": (2, 1000), "setex": (1, 1000), "psetex": (1, 1), "expire": (1, 1000), "pexpire": (1, 1)}
PERCENT = re.compile(rb"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])")


def percent_template(b):
    parts, last = [], 0
    for m in PERCENT.finditer(b):
        parts.append(b[last:m.start()])
        parts.append(b"%" if m.group(1) == b"%" else None)
        last = m.end()
    parts.append(b[last:])
    return parts


def format_template(b):
    parts, literal, i = [], b"", 0
    while i < len(b):
        c = b[i:i + 1]
        if c in (b"{", b"}") and b[i + 1:i + 2] == c:
            literal += c
            i += 2
            continue
        if c == b"{":
            end = b.find(b"}", i)
            parts += [literal, None]
            literal = b""
            i = len(b) if end < 0 else end + 1
            continue
        literal += c
        i += 1
    parts.append(literal)
    return parts


class Scope:
    def __init__(self, tree):
        self.bindings = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                self.bindings[name] = None if name in self.bindings else node.value
        self.resolving = set()

    def evaluate(self, node):
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, str):
                return ("parts", [v.encode("utf-8")])
            if isinstance(v, bytes):
                return ("parts", [v])
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return ("number", v)
            return None
        if isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                if isinstance(v, ast.Constant):
                    parts.append(v.value.encode("utf-8"))
                    continue
                # {NAME} with no conversion or format spec, NAME bound to text: that text.
                inner = self.evaluate(v.value) if isinstance(v.value, ast.Name) and v.conversion == -1 and v.format_spec is None else None
                parts.extend(inner[1] if inner and inner[0] == "parts" else [None])
            return ("parts", parts)
        if isinstance(node, ast.Name):
            bound = self.bindings.get(node.id)
            if bound is None or node.id in self.resolving:
                return None
            self.resolving.add(node.id)
            try:
                return self.evaluate(bound)
            finally:
                self.resolving.discard(node.id)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                a, b = self.evaluate(node.left), self.evaluate(node.right)
                if a and b and a[0] == "number" and b[0] == "number":
                    return ("number", a[1] + b[1])
                if (a and a[0] == "number") or (b and b[0] == "number"):
                    return None
                if a is None and b is None:
                    return None
                return ("parts", (a[1] if a else [None]) + (b[1] if b else [None]))
            if isinstance(node.op, ast.Mult):
                a, b = self.evaluate(node.left), self.evaluate(node.right)
                return ("number", a[1] * b[1]) if a and b and a[0] == b[0] == "number" else None
            if isinstance(node.op, ast.Mod):
                a = self.evaluate(node.left)
                if a and a[0] == "parts" and len(a[1]) == 1 and a[1][0] is not None:
                    return ("parts", percent_template(a[1][0]))
            return None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            base = self.evaluate(node.func.value)
            if base and base[0] == "parts" and len(base[1]) == 1 and base[1][0] is not None:
                return ("parts", format_template(base[1][0]))
        return None


def normalize(parts):
    out = []
    for p in parts:
        if p is None:
            if not out or out[-1] is not None:
                out.append(None)
        elif p:
            if out and out[-1] is not None:
                out[-1] += p
            else:
                out.append(p)
    return out


def glob(parts):
    return b"".join(b"*" if p is None else re.sub(rb"([*?\[\]\\])", rb"\\\1", p) for p in parts)


def main():
    source = open(sys.argv[1], encoding="utf-8").read()
    methods = set(json.loads(sys.argv[2]))
    tree = ast.parse(source)
    scope = Scope(tree)
    uses = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in methods):
            continue
        positional = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                break
            positional.append(a)
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        key = positional[0] if positional else keywords.get("key", keywords.get("name"))
        if key is None:
            continue
        value = scope.evaluate(key)
        if not value or value[0] != "parts":
            continue
        parts = normalize(value[1])
        if not parts or all(p is None for p in parts):
            continue
        ttl = None
        for name, scale in TTL_KEYWORDS.items():
            if name in keywords:
                v = scope.evaluate(keywords[name])
                ttl = round(v[1] * scale) if v and v[0] == "number" else None
                break
        else:
            at = TTL_POSITION.get(node.func.attr)
            if at and len(positional) > at[0]:
                v = scope.evaluate(positional[at[0]])
                ttl = round(v[1] * at[1]) if v and v[0] == "number" else None
        uses.append((node.lineno, node.col_offset, {
            "method": node.func.attr,
            "line": node.lineno - 1,
            "glob": glob(parts).hex(),
            "exact": all(p is not None for p in parts),
            "ttl_ms": ttl,
        }))
    uses.sort(key=lambda u: (u[0], u[1]))
    print(json.dumps([u[2] for u in uses]))


main()
