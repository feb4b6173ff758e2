"""Which public functions of crmlib lack their numpydoc ``Parameters`` / ``Returns`` sections.

The rule (checked on the source by ``tests/test_docstrings.py``): every public function, public
method of a public class, and public class with its own ``__init__`` that takes a parameter
(``self`` and ``cls`` do not count) has a ``Parameters`` section naming each parameter, in the
signature's order, as ``name : type``; one that returns a value (a return annotation other than
``None``, or a ``return value`` in its body) has a ``Returns`` section (``Yields`` for a generator
or context manager). Private names (leading ``_``) and dunders are exempt.

    .venv/bin/python tests/docstring_sections.py crmlib/clv/models.py   # what is missing, per function
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

SECTION = re.compile(r"^(?P<indent>[ \t]*)(?P<name>[A-Z][A-Za-z ]+)\n(?P=indent)-{3,}[ \t]*$", re.M)
ENTRY = re.compile(r"^(?P<names>\*{0,2}[A-Za-z_][\w, *]*?)\s*(?::.*)?$")


def sections(doc: str) -> dict[str, str]:
    """The docstring's numpydoc sections by title (``"Parameters"`` -> its text)."""
    found = list(SECTION.finditer(doc))
    out = {}
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(doc)
        out[match["name"].strip()] = doc[match.end():end]
    return out


def documented_names(text: str) -> list[str]:
    """Names a Parameters section documents: its unindented ``name : type`` lines (``a, b : int`` gives two)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    base = min(len(line) - len(line.lstrip()) for line in lines)
    names = []
    for line in lines:
        if len(line) - len(line.lstrip()) != base:
            continue
        match = ENTRY.match(line.strip())
        if match:
            names += [n.strip().lstrip("*") for n in match["names"].split(",") if n.strip()]
    return names


def parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = node.args
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if args.vararg:
        names.append(args.vararg.arg)
    names += [a.arg for a in args.kwonlyargs]
    if args.kwarg:
        names.append(args.kwarg.arg)
    return [n for n in names if n not in ("self", "cls")]


def _own_nodes(node):
    """The nodes of a function's body, not of the functions and classes defined in it."""
    stack = list(node.body)
    while stack:
        child = stack.pop()
        yield child
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(child))


def yields(node) -> bool:
    decorators = {ast.unparse(d) for d in node.decorator_list}
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in _own_nodes(node)) or bool(
        decorators & {"contextlib.contextmanager", "contextmanager"})


def returns_value(node) -> bool:
    if node.returns is not None:
        return ast.unparse(node.returns) not in ("None", "NoReturn", "Never")
    return any(isinstance(n, ast.Return) and n.value is not None and not (
        isinstance(n.value, ast.Constant) and n.value.value is None) for n in _own_nodes(node))


def _is_property(node) -> bool:
    return any(ast.unparse(d).endswith(("property", ".setter", "cached_property")) for d in node.decorator_list)


def check_function(node, qualname: str, doc_node=None) -> list[str]:
    """What ``node``'s docstring (or ``doc_node``'s, for a class documenting its ``__init__``) lacks."""
    doc = ast.get_docstring(doc_node or node) or ""
    parts = sections(doc)
    problems = []
    wanted = parameters(node)
    if wanted:
        if "Parameters" not in parts:
            problems.append(f"{qualname}: no Parameters section (for {', '.join(wanted)})")
        else:
            missing = [n for n in wanted if n not in documented_names(parts["Parameters"])]
            if missing:
                problems.append(f"{qualname}: Parameters lacks {', '.join(missing)}")
    if doc_node is None and not _is_property(node):
        if yields(node):
            if "Yields" not in parts and "Returns" not in parts:
                problems.append(f"{qualname}: no Yields section")
        elif returns_value(node) and "Returns" not in parts:
            problems.append(f"{qualname}: no Returns section")
    return problems


def missing_sections(path: str | Path) -> list[str]:
    """Every public function, method and class of the module at ``path`` whose docstring lacks a section."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    problems = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            problems += check_function(node, node.name)
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for member in node.body:
                if not isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                if member.name == "__init__":
                    problems += check_function(member, node.name, doc_node=node)
                elif not member.name.startswith("_") and not _is_property(member):
                    problems += check_function(member, f"{node.name}.{member.name}")
    return problems


if __name__ == "__main__":
    for name in sys.argv[1:]:
        for problem in missing_sections(name):
            print(f"{name}: {problem}")
