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
    """An amount as an exact decimal (nine decimal places), for sums that do not depend on row order."""
    return amount.cast(MONEY)


def as_float(value: ibis.Value) -> ibis.Value:
    """An exact sum back as a float (correctly rounded)."""
    return value.cast("float64")


def columns_of(rows: Rows) -> list[str]:
    return list(rows.columns)


def rows_of(rows: Rows, columns: list[str], what: str = "transactions", optional: tuple[str, ...] = ()) -> ibis.Table:
    """``rows`` as an engine table holding at least ``columns`` (and :data:`ROW_COLUMN` when known),
    plus those of the ``optional`` columns that ``rows`` has.

    Raises DataError naming the missing columns, or the missing table (``rows`` None: a customer
    snapshot has no transactions).
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
    """Whether ``table`` knows its rows' source order (:data:`ROW_COLUMN`)."""
    return ROW_COLUMN in table.columns


def day_number(timestamp: ibis.Value) -> ibis.Value:
    """Days since 1970-01-01 of a timestamp or date (its calendar day)."""
    return timestamp.date().epoch_days() if timestamp.type().is_timestamp() else timestamp.epoch_days()


def day_of(date) -> int:
    """Days since 1970-01-01 of a pandas-readable date (its calendar day)."""
    return int((pd.Timestamp(date).normalize() - pd.Timestamp("1970-01-01")).days)


def to_dates(days, resolution: str = "s") -> pd.DatetimeIndex:
    """Epoch day numbers back to midnight timestamps (``datetime64[s]``, or ``[ns]``)."""
    dates = np.datetime64("1970-01-01", "D") + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")
    return pd.DatetimeIndex(dates.astype(f"datetime64[{resolution}]"))


def engine_of(expr: ibis.Expr) -> Engine:
    """The engine an expression runs on (the default engine when it is the default's backend)."""
    backend = expr._find_backend()
    engine = default_engine()
    return engine if backend is engine.backend else Engine(backend.name, backend)


def run(expr: ibis.Expr, label: str, source: Rows | None = None, table: str = "transactions") -> pd.DataFrame:
    """Execute ``expr`` where its tables live; progress lines name ``label`` and ``source``'s size."""
    rows = len(source) if isinstance(source, pd.DataFrame) else None
    return engine_of(expr).to_pandas(expr, label=label, rows=rows, table=table)
