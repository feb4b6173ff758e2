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

        The entry's ``examples`` quotes the first three rows with their ``values``, or lists the
        rows. Nothing is recorded when no row is concerned.

        Parameters
        ----------
        table : str
            Canonical table name, e.g. ``"transactions"``.
        file : str
            The input file's name.
        check : str
            What was found, e.g. ``"zero amount"``.
        rows : sequence of int or int
            The rows' file line numbers (header = 1), or their count.
        values : sequence, optional
            The values to quote for the first rows, in the order of the rows.
        action : str
            ``"read"``, ``"kept"``, ``"dropped"``, ``"moved to returns"``, ``"changed to blank"``,
            ``"kept (flagged)"`` or ``"flagged"``.
        lines : sequence of int, optional
            With a count in ``rows``: the first few rows' line numbers.
        amount : float, optional
            The rows' total amount (transactions); None for other tables.
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
        """The log as a table, one row per entry in the order added.

        Returns
        -------
        frame
            RangeIndex; columns ``table``, ``file``, ``check``, ``rows``, ``action``, ``examples``.
        """
        return pd.DataFrame(self._entries, columns=COLUMNS)

    def entries(self, table: str, action: str | None = None) -> list[dict]:
        """The entries of one table, optionally of one action only.

        Parameters
        ----------
        table : str
            Canonical table name.
        action : str, optional
            Only entries with exactly this action; None gives every entry of ``table``.

        Returns
        -------
        list of dict
            The entries (keys as the columns of :meth:`frame`), in the order added.
        """
        return [e for e in self._entries if e["table"] == table and (action is None or e["action"] == action)]

    def summary(self) -> dict:
        """Rows read / kept and dropped-by-reason per table, for ``exports/data_quality.json``.

        Returns
        -------
        dict
            Per table: ``rows_read``, ``rows_kept`` and rows by check under ``dropped``, ``changed``
            and ``flagged`` (every other action, returns kept apart included).
        """
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

        Returns
        -------
        dict
            Per table: ``rows_read``, ``rows_kept``, ``rows_returns`` and rows by check under
            ``rows_dropped``, ``rows_flagged``, ``rows_changed``; with amounts also ``amount_read``,
            ``amount_kept``, ``amount_returns`` and ``amount_dropped`` (rounded to 6 decimals).
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

    Parameters
    ----------
    reconciliation : dict
        As :meth:`QualityLog.reconciliation` returns it.

    Raises
    ------
    ReconciliationError
        When rows, or amounts beyond a relative 1e-6, do not balance.

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
        """The notice of ``template`` filled with ``values``.

        Parameters
        ----------
        template : str
            English catalogue message with ``str.format`` fields.
        **values
            The fields' values.

        Returns
        -------
        Notice
            The English text, remembering ``template`` and ``values``.
        """
        note = cls(template.format(**values))
        note.template, note.values = template, values
        return note

    def text(self, lang: str = "en") -> str:
        """The notice in the reader's language (English when the catalogue lacks it).

        Parameters
        ----------
        lang : str, optional
            Language code of :func:`crmlib.lang.translator`; default ``"en"``.

        Returns
        -------
        str
            The translated template filled with the notice's values.
        """
        from crmlib.lang import translator

        return translator(lang)(self.template).format(**self.values)

    def dump(self) -> list:
        """The notice as JSON-ready data, read back by :meth:`load`.

        Returns
        -------
        list
            ``[template, values]``.
        """
        return [self.template, self.values]

    @classmethod
    def load(cls, saved: list | str) -> Notice:
        """A notice from :meth:`dump`'s data, or from a plain text.

        Parameters
        ----------
        saved : list or str
            ``[template, values]`` as :meth:`dump` gives, or a plain warning text.

        Returns
        -------
        Notice
            The notice (a plain text becomes a notice without a catalogue message of its own).
        """
        return cls.of(*saved[:1], **saved[1]) if isinstance(saved, list) else cls.of("{text}", text=saved)
