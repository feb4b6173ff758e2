"""The data-quality log: what loading read, dropped or changed, and why, per table.

Example
-------
>>> log = QualityLog()
>>> log.add("transactions", "orders.csv", "zero amount", rows=[5, 9], values=[0, 0], action="dropped")
>>> log.frame()[["table", "check", "rows", "action"]].to_dict("records")
[{'table': 'transactions', 'check': 'zero amount', 'rows': 2, 'action': 'dropped'}]
>>> log.add("transactions", "orders.csv", "missing customer id", rows=[12, 40, 41, 77], action="dropped")
>>> log.frame()["examples"].tolist()
['row 5: 0; row 9: 0', 'rows 12, 40, 41']
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

COLUMNS = ["table", "file", "check", "rows", "action", "examples"]


class QualityLog:
    """Collects one entry per check that touched rows; ``frame()`` shows them as a table."""

    def __init__(self) -> None:
        self._entries: list[dict] = []

    def add(
        self,
        table: str,
        file: str,
        check: str,
        *,
        rows: Sequence[int] | int,
        values: Sequence[object] = (),
        action: str,
    ) -> None:
        """Record ``check`` on ``rows`` (spreadsheet row numbers, or a count) with ``action``.

        ``examples`` quotes the first three rows with their ``values``, or lists the rows.
        """
        numbers = list(rows) if not isinstance(rows, int) else []
        count = rows if isinstance(rows, int) else len(numbers)
        if count == 0:
            return
        if len(values):
            examples = "; ".join(f"row {n}: {v!r}" for n, v in zip(numbers[:3], list(values)[:3], strict=False))
        else:  # nothing worth quoting (e.g. the id is the missing part): the rows to look at
            examples = ("rows " if len(numbers) > 1 else "row ") + ", ".join(map(str, numbers[:3])) if numbers else ""
        self._entries.append(
            {"table": table, "file": file, "check": check, "rows": int(count), "action": action,
             "examples": examples}
        )

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self._entries, columns=COLUMNS)

    def summary(self) -> dict:
        """Rows read / kept and dropped-by-reason per table, for ``exports/data_quality.json``."""
        out: dict[str, dict] = {}
        for entry in self._entries:
            table = out.setdefault(entry["table"], {"dropped": {}, "changed": {}, "flagged": {}})
            if entry["action"] == "read":
                table["rows_read"] = entry["rows"]
            elif entry["action"] == "kept":
                table["rows_kept"] = entry["rows"]
            else:
                bucket = {"dropped": "dropped", "changed": "changed"}.get(entry["action"].split()[0], "flagged")
                table[bucket][entry["check"]] = table[bucket].get(entry["check"], 0) + entry["rows"]
        return out
