"""Where a scan's rows come from: a pandas frame (registered with the engine once) or an engine table.

Every scan takes its raw rows as either a pandas frame — copied into the process's
:func:`crmlib.engine.default_engine` on first use and reused by later scans of the same frame —
or an Ibis table of any :class:`crmlib.engine.Engine` (DuckDB, Spark), and hands its expression to
:func:`run`, which executes it where the table lives and prints progress for long scans.

Example
-------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "b"], "amount": [1.0, 2.0]})
>>> t = rows_of(tx, ["customer_id", "amount"], "transactions")
>>> run(t.aggregate(total=t.amount.sum()), "total", tx)["total"].tolist()
[3.0]
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from crmlib.engine import ROW_COLUMN, Engine, default_engine
from crmlib.errors import DataError

Rows = pd.DataFrame | ibis.Table
MONEY = ibis.dtype("decimal(38, 9)")  # amounts are summed exactly, so every engine and thread count agrees


def money(amount: ibis.Value) -> ibis.Value:
    """An amount as an exact decimal (nine decimal places), for sums that do not depend on row order.

    Parameters
    ----------
    amount : ibis Value
        A numeric column or expression.

    Returns
    -------
    ibis Value
        ``amount`` cast to ``decimal(38, 9)``.
    """
    return amount.cast(MONEY)


def as_float(value: ibis.Value) -> ibis.Value:
    """An exact sum back as a float (correctly rounded).

    Parameters
    ----------
    value : ibis Value
        A decimal expression, e.g. a sum of :func:`money`.

    Returns
    -------
    ibis Value
        ``value`` cast to ``float64``.
    """
    return value.cast("float64")


def columns_of(rows: Rows) -> list[str]:
    """The column names of ``rows``.

    Parameters
    ----------
    rows : frame or engine table
        A pandas frame or an Ibis table.

    Returns
    -------
    list of str
        Its columns, in order.
    """
    return list(rows.columns)


def rows_of(rows: Rows, columns: list[str], what: str = "transactions", optional: tuple[str, ...] = ()) -> ibis.Table:
    """``rows`` as an engine table holding at least ``columns`` (and :data:`ROW_COLUMN` when known),
    plus those of the ``optional`` columns that ``rows`` has.

    Parameters
    ----------
    rows : frame or engine table or None
        The raw rows; None raises DataError (e.g. a customer snapshot has no transactions).
    columns : list of str
        Columns ``rows`` must have; a missing one raises DataError naming it.
    what : str, optional
        The table's name in messages; default ``"transactions"``.
    optional : tuple of str, optional
        Columns copied from a frame as well when it has them; default none.

    Returns
    -------
    ibis Table
        ``rows`` itself when an engine table, else the frame registered with the default engine.

    Raises
    ------
    DataError
        When ``rows`` is None or lacks some of ``columns``.
    """
    if rows is None:
        raise DataError(f"the dataset has no {what} table, which this analysis needs",
                        hint=f"Add a `{what}` entry (its file and columns) to the dataset's dataset.yaml.")
    missing = [c for c in columns if c not in columns_of(rows)]
    if missing:
        kind = "table" if isinstance(rows, ibis.Table) else "frame"
        raise DataError(f"the {what} {kind} lacks {missing}",
                        hint=f"Pass the canonical {what} table from crmlib.data.load.load_dataset.")
    if isinstance(rows, ibis.Table):
        return rows
    return default_engine().from_frame(rows, [*columns, *(c for c in optional if c in rows.columns)])


def has_row_order(table: ibis.Table) -> bool:
    """Whether ``table`` knows its rows' source order (:data:`ROW_COLUMN`).

    Parameters
    ----------
    table : ibis Table
        An engine table.

    Returns
    -------
    bool
        True when ``table`` has the :data:`ROW_COLUMN` column.
    """
    return ROW_COLUMN in table.columns


def day_number(timestamp: ibis.Value) -> ibis.Value:
    """Days since 1970-01-01 of a timestamp or date (its calendar day).

    Parameters
    ----------
    timestamp : ibis Value
        A timestamp or date column or expression.

    Returns
    -------
    ibis Value
        Integer days since 1970-01-01.
    """
    return timestamp.date().epoch_days() if timestamp.type().is_timestamp() else timestamp.epoch_days()


def day_of(date) -> int:
    """Days since 1970-01-01 of a pandas-readable date (its calendar day).

    Parameters
    ----------
    date : str or Timestamp or date
        Anything :class:`pandas.Timestamp` reads; the time of day is dropped.

    Returns
    -------
    int
        Days since 1970-01-01.
    """
    return int((pd.Timestamp(date).normalize() - pd.Timestamp("1970-01-01")).days)


def to_dates(days, resolution: str = "s") -> pd.DatetimeIndex:
    """Epoch day numbers back to midnight timestamps (``datetime64[s]``, or ``[ns]``).

    Parameters
    ----------
    days : array-like of int
        Days since 1970-01-01.
    resolution : str, optional
        numpy time unit of the result: ``"s"`` (default) or ``"ns"``.

    Returns
    -------
    DatetimeIndex
        Midnight of each day.
    """
    dates = np.datetime64("1970-01-01", "D") + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")
    return pd.DatetimeIndex(dates.astype(f"datetime64[{resolution}]"))


def engine_of(expr: ibis.Expr) -> Engine:
    """The engine an expression runs on (the default engine when it is the default's backend).

    Parameters
    ----------
    expr : ibis Expr
        An expression over engine tables.

    Returns
    -------
    Engine
        The default engine, or an :class:`crmlib.engine.Engine` wrapping the expression's backend.
    """
    backend = expr._find_backend()
    engine = default_engine()
    return engine if backend is engine.backend else Engine(backend.name, backend)


def run(expr: ibis.Expr, label: str, source: Rows | None = None, table: str = "transactions") -> pd.DataFrame:
    """Execute ``expr`` where its tables live; progress lines name ``label`` and ``source``'s size.

    Parameters
    ----------
    expr : ibis Expr
        The expression to execute.
    label : str
        What the scan computes, shown in progress lines.
    source : frame or engine table, optional
        The scanned rows; a frame's length is shown as the table's size. Default None.
    table : str, optional
        Name of the scanned table in progress lines; default ``"transactions"``.

    Returns
    -------
    frame
        The expression's result as pandas.
    """
    rows = len(source) if isinstance(source, pd.DataFrame) else None
    return engine_of(expr).to_pandas(expr, label=label, rows=rows, table=table)
