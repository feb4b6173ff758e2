"""Message ids a module passes to the catalogue: string literals given to ``_``, ``gettext`` or a
``text``/``html`` helper (also inside f-strings), found with :mod:`ast`."""

from __future__ import annotations

import ast
from pathlib import Path

CALLS = {"_", "text", "html", "NotChecked"}


def message_ids(path: Path) -> list[str]:
    """Literal first arguments of ``_(…)``, ``x.text(…)``, ``x.html(…)``, ``x._(…)`` and
    ``NotChecked(…)`` (an alert's reason, translated where it is shown), in source order."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        first = node.args[0]
        if name in CALLS and isinstance(first, ast.Constant) and isinstance(first.value, str):
            if first.value not in found:
                found.append(first.value)
    return found
