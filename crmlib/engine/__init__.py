"""The engine that runs scans of raw rows: DuckDB in-process (the default), through Ibis.

Scans (:mod:`crmlib.scans`) and the loader's parsing and cleaning (:mod:`crmlib.data`) are
written once as Ibis expressions over tables of an :class:`Engine`, so another Ibis backend
(Apache Spark, for data past one machine) can run the same definitions. Only results of one row
per customer or smaller come back, as pandas or Arrow.

Tables made from pandas frames carry :data:`ROW_COLUMN`, the row's position in the frame, so a
scan can return customers in the order they first appear (as pandas' ``factorize`` and
``groupby(sort=False)`` do) on any engine, whose own output order is arbitrary.

This package is the lowest layer above the cross-cutting modules: it imports no other part of
crmlib.

Example
-------
>>> import pandas as pd
>>> engine = Engine.duckdb()
>>> orders = engine.table(pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [1.0, 2.0, 5.0]}))
>>> engine.to_pandas(orders.group_by("customer_id").aggregate(total=orders.amount.sum())
...                  .order_by("customer_id")).to_dict("list")
{'customer_id': ['a', 'b'], 'total': [3.0, 5.0]}
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from crmlib.engine.progress import Progress

ENGINES = ("duckdb", "spark")  # spark: crmlib.engine.spark (the optional [spark] extra)
ROW_COLUMN = "_row"  # position of the row in its source frame (int64)
_names = itertools.count(1)


@dataclass(eq=False)
class Engine:
    """An Ibis backend plus the few operations crmlib needs from it."""

    name: str
    backend: ibis.BaseBackend = field(repr=False)
    _frames: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def duckdb(cls, *, threads: int | None = None, memory_limit: str | None = None,
               temp_directory: str | Path | None = None) -> Engine:
        """An in-process DuckDB engine (spills to ``temp_directory`` when data exceed memory).

        Parameters
        ----------
        threads : int, optional
            DuckDB's worker threads (None: DuckDB's default, one per core).
        memory_limit : str, optional
            DuckDB's memory limit, e.g. ``"4GB"`` (None: DuckDB's default).
        temp_directory : str or Path, optional
            Where DuckDB spills (None: DuckDB's default).

        Returns
        -------
        Engine
            An engine named ``"duckdb"`` on a new connection.
        """
        config = {}
        if threads:
            config["threads"] = int(threads)
        if memory_limit:
            config["memory_limit"] = str(memory_limit)
        if temp_directory:
            config["temp_directory"] = str(temp_directory)
        return cls("duckdb", ibis.duckdb.connect(**config))

    def table(self, data: pd.DataFrame | pa.Table, name: str | None = None) -> ibis.Table:
        """Make a pandas frame or Arrow table a table of this engine (DuckDB reads it in place).

        Parameters
        ----------
        data : frame or pyarrow.Table
            The rows.
        name : str, optional
            The temporary table's name (None: a fresh ``crm_t<n>``); an existing one is replaced.

        Returns
        -------
        ibis.Table
            The temporary table.
        """
        return self.backend.create_table(name or f"crm_t{next(_names)}", data, temp=True, overwrite=True)

    def materialize(self, expr: ibis.Table, name: str | None = None) -> ibis.Table:
        """Compute ``expr`` once into a temporary table of the engine (later queries read it, not ``expr``).

        Parameters
        ----------
        expr : ibis.Table
            The expression to compute.
        name : str, optional
            The temporary table's name (None: a fresh ``crm_m<n>``).

        Returns
        -------
        ibis.Table
            The temporary table holding the result.
        """
        return self.backend.create_table(name or f"crm_m{next(_names)}", expr, temp=True)

    def from_frame(self, frame: pd.DataFrame, columns: list[str] | None = None) -> ibis.Table:
        """``frame`` (or its ``columns``) as a table with :data:`ROW_COLUMN`, registered once.

        The same frame object asked for the same columns gets the same table back, so the many
        scans of one dataset copy it into the engine once; the table is dropped when the frame is
        garbage-collected. Frames are treated as immutable, as everywhere in crmlib.

        Parameters
        ----------
        frame : frame
            The rows (its index is not copied).
        columns : list of str, optional
            The columns to copy, in this order (None: all).

        Returns
        -------
        ibis.Table
            The columns plus :data:`ROW_COLUMN` (int64 position in ``frame``).
        """
        wanted = tuple(frame.columns if columns is None else columns)
        key = (id(frame), wanted)
        with self._lock:
            entry = self._frames.get(key)
            if entry is not None and entry[0]() is frame:
                return entry[1]
            data = pa.Table.from_pandas(frame[list(wanted)], preserve_index=False)
            data = data.append_column(ROW_COLUMN, pa.array(np.arange(len(frame), dtype=np.int64)))
            name = f"crm_f{next(_names)}"
            table = self.table(data, name)
            self._frames[key] = (weakref.ref(frame), table)
            weakref.finalize(frame, self._forget, key, name)
            return table

    def _forget(self, key, name: str) -> None:
        with self._lock:
            self._frames.pop(key, None)
        try:
            self.backend.drop_table(name, force=True)
        except Exception:  # the connection may already be closed at interpreter exit
            pass

    def release(self, *tables: ibis.Table) -> None:
        """Free steps nothing reads any more: materialised tables, and Arrow data given as memtables.

        A long chain of materialised steps (loading: raw cells, clean text, values) otherwise keeps
        every step of every table in the engine's memory until the connection closes.

        Parameters
        ----------
        *tables : ibis.Table
            Materialised tables to drop, or memtables to unregister.

        >>> engine = Engine.duckdb()
        >>> step = engine.materialize(ibis.memtable({"x": [1, 2]}).mutate(y=ibis._.x * 2))
        >>> name = step.op().name
        >>> engine.release(step)
        >>> engine.backend.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()
        (0,)
        """
        for table in tables:
            op = table.op()
            if isinstance(op, ibis.expr.operations.InMemoryTable):
                with contextlib.suppress(Exception):  # never registered: never executed
                    self.backend.con.unregister(op.name)
            else:  # by its own name: get_name() is qualified ("temp.main.crm_m1"), which drop_table misses
                self.backend.drop_table(op.name, force=True)

    @contextlib.contextmanager
    def scope(self):
        """Drop, on leaving the block, every temporary table created in it (DuckDB; a no-op elsewhere).

        Yields
        ------
        None
            Control to the block; the tables are dropped even when it raises.

        >>> engine = Engine.duckdb()
        >>> with engine.scope():
        ...     step = engine.materialize(ibis.memtable({"x": [1]}))
        >>> engine.backend.con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()
        (0,)
        """
        before = self._temporary_tables()
        try:
            yield
        finally:
            for name in self._temporary_tables() - before:
                self.backend.drop_table(name, force=True)

    def _temporary_tables(self) -> set[str]:
        if self.name != "duckdb":
            return set()
        return {row[0] for row in self.backend.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}

    def read_parquet(self, path: str | Path, name: str | None = None) -> ibis.Table:
        """A Parquet file, folder or glob as a table (read lazily by the engine).

        Parameters
        ----------
        path : str or Path
            The file, folder or glob.
        name : str, optional
            The table's name (None: a fresh ``crm_p<n>``).

        Returns
        -------
        ibis.Table
            The Parquet data as a table of this engine.
        """
        return self.backend.read_parquet(str(path), table_name=name or f"crm_p{next(_names)}")

    def _fraction(self) -> float:
        try:
            return float(self.backend.con.query_progress()) / 100.0
        except Exception:
            return -1.0

    def to_pandas(self, expr: ibis.Expr, *, label: str | None = None, rows: int | None = None,
                  table: str = "transactions") -> pd.DataFrame:
        """Run ``expr`` and return its (small) result as pandas.

        Parameters
        ----------
        expr : ibis.Expr
            The expression to run.
        label : str, optional
            The scan's name: with it, a scan that takes long prints progress lines
            (:mod:`crmlib.engine.progress`); None (default) prints nothing.
        rows : int, optional
            Size of the scanned table, for "rows so far" (None: not shown).
        table : str, optional
            Name of the scanned table in the progress lines (default ``"transactions"``).

        Returns
        -------
        frame
            The result, with a default index.
        """
        if label is None:
            return self.backend.to_pandas(expr)
        with Progress(label, rows=rows, table=table, fraction=self._fraction):
            return self.backend.to_pandas(expr)

    def to_arrow(self, expr: ibis.Expr) -> pa.Table:
        """Run ``expr`` and return its result as an Arrow table.

        Parameters
        ----------
        expr : ibis.Expr
            The expression to run.

        Returns
        -------
        pyarrow.Table
            The result.
        """
        return self.backend.to_pyarrow(expr)

    def count(self, table: ibis.Table) -> int:
        """Number of rows of ``table``.

        Parameters
        ----------
        table : ibis.Table
            The table to count.

        Returns
        -------
        int
            Its row count.
        """
        return int(self.backend.execute(table.count()))


_default: Engine | None = None


def default_engine() -> Engine:
    """The process's shared engine: DuckDB, created on first use, unless :func:`use_engine` chose another.

    Returns
    -------
    Engine
        The default engine.
    """
    global _default
    if _default is None:
        _default = Engine.duckdb()
    return _default


def use_engine(engine: Engine | None) -> Engine | None:
    """Make ``engine`` the process's default (scans of pandas frames run there); returns the previous one.

    ``None`` goes back to a fresh DuckDB engine on next use (:func:`crmlib.engine.select.activate`
    picks the engine a dataset or ``--engine`` names).

    Parameters
    ----------
    engine : Engine or None
        The new default engine.

    Returns
    -------
    Engine or None
        The previous default (None when none was created yet).
    """
    global _default
    previous, _default = _default, engine
    return previous
