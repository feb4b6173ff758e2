"""The data-quality log and the reconciliation: what loading read, dropped, changed or flagged, and why.

Every input row is counted once: each row that is not kept is dropped for exactly one reason
(the first check it fails), so per table ``rows_read = rows_kept + Σ rows_dropped`` and, for
transactions, ``amount_read = amount_kept + amount_returns + Σ amount_dropped``.
:meth:`QualityLog.reconciliation` computes both and :func:`check_reconciliation` asserts them.

Example
-------
>>> log = QualityLog()
>>> log.add("transactions", "orders.csv", "rows read", rows=4, action="read", amount=20.0)
>>> log.add("transactions", "orders.csv", "zero amount", rows=[5, 9], values=[0, 0], action="dropped", amount=0.0)
>>> log.add("transactions", "orders.csv", "rows kept", rows=2, action="kept", amount=20.0)
>>> log.frame()[["table", "check", "rows", "action"]].to_dict("records")[1]
{'table': 'transactions', 'check': 'zero amount', 'rows': 2, 'action': 'dropped'}
>>> log.add("transactions", "orders.csv", "missing customer id", rows=[12, 40, 41, 77], action="dropped")
>>> log.frame()["examples"].tolist()[1:]
['row 5: 0; row 9: 0', '', 'rows 12, 40, 41']
>>> log.reconciliation()["transactions"]["rows_dropped"]
{'zero amount': 2, 'missing customer id': 4}
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

COLUMNS = ["table", "file", "check", "rows", "action", "examples"]
KEPT_APART = "moved to returns"


class QualityLog:
    """Collects one entry per check that touched rows; ``frame()`` shows them as a table."""

    def __init__(self) -> None:
        self._entries: list[dict] = []
        self._amounts: list[float | None] = []

    def add(
        self,
        table: str,
        file: str,
        check: str,
        *,
        rows: Sequence[int] | int,
        values: Sequence[object] = (),
        action: str,
        lines: Sequence[int] = (),
        amount: float | None = None,
    ) -> None:
        """Record ``check`` on ``rows`` (file line numbers, header = 1, or a count) with ``action``.

        With a count, ``lines`` may name the first few rows. ``examples`` quotes the first three rows
        with their ``values``, or lists the rows. ``amount`` is the rows' total amount (transactions).
        """
        numbers = list(rows) if not isinstance(rows, int) else list(lines)
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
        self._amounts.append(None if amount is None else float(amount))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self._entries, columns=COLUMNS)

    def entries(self, table: str, action: str | None = None) -> list[dict]:
        return [e for e in self._entries if e["table"] == table and (action is None or e["action"] == action)]

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

    def reconciliation(self) -> dict:
        """Per table: rows read, kept, dropped by reason and flagged by reason; amounts for transactions.

        ``rows_kept`` counts every row that is analysed, including refunds kept apart
        (``rows_returns``); ``amount_returns`` is the refunds' total.
        """
        out: dict[str, dict] = {}
        for entry, amount in zip(self._entries, self._amounts, strict=True):
            table = out.setdefault(entry["table"], {"rows_read": 0, "rows_kept": 0, "rows_returns": 0,
                                                    "rows_dropped": {}, "rows_flagged": {}, "rows_changed": {}})
            money = {"amount_read": 0.0, "amount_kept": 0.0, "amount_returns": 0.0, "amount_dropped": {}}
            if amount is not None and "amount_read" not in table:
                table.update(money)
            action, check, rows = entry["action"], entry["check"], entry["rows"]
            if action == "read":
                table["rows_read"] += rows
                _add(table, "amount_read", amount)
            elif action == "kept":
                table["rows_kept"] += rows
                _add(table, "amount_kept", amount)
            elif action == KEPT_APART:
                table["rows_kept"] += rows
                table["rows_returns"] += rows
                _add(table, "amount_returns", amount)
            elif action == "dropped":
                table["rows_dropped"][check] = table["rows_dropped"].get(check, 0) + rows
                if amount is not None and "amount_dropped" in table:
                    table["amount_dropped"][check] = table["amount_dropped"].get(check, 0.0) + amount
            elif action.startswith("changed"):
                table["rows_changed"][check] = table["rows_changed"].get(check, 0) + rows
            else:
                table["rows_flagged"][check] = table["rows_flagged"].get(check, 0) + rows
        for table in out.values():
            if "amount_read" in table:
                for key in ("amount_read", "amount_kept", "amount_returns"):
                    table[key] = round(table[key], 6)
                table["amount_dropped"] = {k: round(v, 6) for k, v in table["amount_dropped"].items()}
        return out


def _add(table: dict, key: str, amount: float | None) -> None:
    if amount is not None and key in table:
        table[key] += amount


class ReconciliationError(AssertionError):
    """The loader lost or invented rows or money: a bug in crmlib, never an input problem."""


def check_reconciliation(reconciliation: dict) -> None:
    """Assert ``rows_read = rows_kept + Σ rows_dropped`` (and the amount identity) for every table.

    >>> check_reconciliation({"t": {"rows_read": 3, "rows_kept": 2, "rows_dropped": {"x": 1}}})
    >>> check_reconciliation({"t": {"rows_read": 3, "rows_kept": 1, "rows_dropped": {"x": 1}}})
    ... # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    crmlib.data.quality.ReconciliationError: t: 3 rows read but 1 kept + 1 dropped
    """
    for name, table in reconciliation.items():
        dropped = sum(table["rows_dropped"].values())
        if table["rows_read"] != table["rows_kept"] + dropped:
            raise ReconciliationError(f"{name}: {table['rows_read']} rows read but {table['rows_kept']} kept + "
                                      f"{dropped} dropped")
        if "amount_read" in table:
            accounted = table["amount_kept"] + table["amount_returns"] + sum(table["amount_dropped"].values())
            if not abs(table["amount_read"] - accounted) <= 1e-6 * max(1.0, abs(table["amount_read"])):
                raise ReconciliationError(f"{name}: amount read {table['amount_read']} but {accounted} accounted for")


class Notice(str):
    """A warning for the reader: English text that remembers its catalogue message and values.

    >>> note = Notice.of("{n:,} customers hold more than {share} of revenue", n=2, share="20%")
    >>> note, note.text("en")
    ('2 customers hold more than 20% of revenue', '2 customers hold more than 20% of revenue')
    >>> Notice.load(note.dump()) == note
    True
    """

    template: str
    values: dict

    @classmethod
    def of(cls, template: str, **values) -> Notice:
        note = cls(template.format(**values))
        note.template, note.values = template, values
        return note

    def text(self, lang: str = "en") -> str:
        """The notice in the reader's language (English when the catalogue lacks it)."""
        from crmlib.lang import translator

        return translator(lang)(self.template).format(**self.values)

    def dump(self) -> list:
        return [self.template, self.values]

    @classmethod
    def load(cls, saved: list | str) -> Notice:
        return cls.of(*saved[:1], **saved[1]) if isinstance(saved, list) else cls.of("{text}", text=saved)
