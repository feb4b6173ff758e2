"""Errors that tell an analyst what is wrong with their input and how to fix it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class DataError(ValueError):
    """An input problem that makes analysis impossible.

    The message names the file, the column, a few offending rows (spreadsheet numbering:
    the header is row 1) and says how to fix it.

    Parameters
    ----------
    problem : str
        What is wrong, in one sentence.
    file : str or Path, optional
        The input file (None: the message says ``input``).
    column : str, optional
        The offending column.
    rows : iterable of tuple of (int, object), optional
        ``(row number, value)`` of offending rows; the first 5 are shown.
    hint : str, optional
        How to fix it, shown after ``How to fix:``.

    Example
    -------
    >>> err = DataError("3 of 4 amounts cannot be read as numbers", file="orders.csv",
    ...                 column="amount", rows=[(2, "abc")], hint="Remove the text.")
    >>> print(err)  # doctest: +NORMALIZE_WHITESPACE
    orders.csv, column 'amount': 3 of 4 amounts cannot be read as numbers
      row 2: 'abc'
    How to fix: Remove the text.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        column: str | None = None,
        rows: Iterable[tuple[int, object]] = (),
        hint: str | None = None,
    ):
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.column = column
        self.rows = list(rows)[:5]
        self.hint = hint
        super().__init__(self._render())

    def __reduce__(self):  # picklable with its message and fields (raised in a child process, re-raised here)
        return _restore, (type(self), self.args, self.__dict__.copy())

    def _render(self) -> str:
        where = self.file or "input"
        if self.column:
            where += f", column {self.column!r}"
        lines = [f"{where}: {self.problem}"]
        lines += [f"  row {number}: {value!r}" for number, value in self.rows]
        if self.hint:
            lines.append(f"How to fix: {self.hint}")
        return "\n".join(lines)


def _restore(cls, args, state):
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class ConfigError(DataError):
    """A problem in dataset.yaml or in run options (same message shape as DataError)."""
