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
    _views: set = field(default_factory=set, repr=False)  # from_frame tables that are views over Parquet

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
            name = f"crm_f{next(_names)}"
            table = self.parquet_view(frame, wanted, name)
            if table is None:
                data = pa.Table.from_pandas(frame[list(wanted)], preserve_index=False)
                data = data.append_column(ROW_COLUMN, pa.array(np.arange(len(frame), dtype=np.int64)))
                table = self.table(data, name)
            self._frames[key] = (weakref.ref(frame), table)
            weakref.finalize(frame, self._forget, key, name)
            return table

    def parquet_view(self, frame: pd.DataFrame, columns: list[str] | tuple[str, ...],
                     name: str | None = None) -> ibis.Table | None:
        """``columns`` of ``frame`` as a DuckDB view over the Parquet file the frame was read from
        (:func:`read_from_parquet`), so its rows are not copied; None for any other frame or engine.

        Parameters
        ----------
        frame : frame
            A frame recorded by :func:`read_from_parquet` (for other frames the answer is None).
        columns : list of str
            The columns, with the frame's types (a microsecond timestamp as the frame's ``[ns]``).
        name : str, optional
            The view's name (None: a fresh ``crm_v<n>``).

        Returns
        -------
        ibis.Table or None
            The columns plus :data:`ROW_COLUMN` (the row's position in the file, as in the frame);
            None when ``frame`` holds no Parquet file, lacks one of the file's columns, or the
            engine is not DuckDB.
        """
        name = name or f"crm_v{next(_names)}"
        path = parquet_source(frame)
        if path is None or self.name != "duckdb":
            return None
        import pyarrow.parquet as pq

        stored = pq.read_schema(path)
        if not set(columns) <= set(stored.names) or "file_row_number" in columns:
            return None  # a column added to the frame after reading: copy the frame as it is
        # the types from_pandas would give (a null type: an object column, whose values Arrow gave it)
        types = pa.Schema.from_pandas(frame[list(columns)].iloc[:0], preserve_index=False)
        scan = self.backend.read_parquet(str(path), table_name=f"{name}_file", file_row_number=True)
        values = {c: scan[c] if pa.types.is_null(types.field(c).type)
                  else scan[c].cast(ibis.dtype(types.field(c).type)) for c in columns}
        self._views.add(name)
        return self.backend.create_view(name, scan.select(**values, **{ROW_COLUMN: scan.file_row_number}),
                                        overwrite=True)

    def _forget(self, key, name: str) -> None:
        with self._lock:
            self._frames.pop(key, None)
        try:
            if name in self._views:
                self._views.discard(name)
                self.backend.drop_view(name, force=True)
                self.backend.drop_view(f"{name}_file", force=True)
            else:
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


_parquet_sources: dict[int, tuple[weakref.ref, Path]] = {}  # id(frame) -> (frame, the Parquet file it holds)


def read_from_parquet(frame: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """Record that ``frame`` holds the rows of the Parquet file ``path``, in the file's order.

    :meth:`Engine.from_frame` then scans the file in place (DuckDB) instead of copying the frame
    into the engine: a loaded table of millions of rows is not held twice. Like every frame crmlib
    scans, ``frame`` must not be changed afterwards; the record goes with the frame.

    Parameters
    ----------
    frame : frame
        The frame read from ``path`` (same rows and order; columns may have other dtypes, e.g.
        ``datetime64[ns]`` for a microsecond timestamp, or be fewer).
    path : str or Path
        The Parquet file.

    Returns
    -------
    frame
        ``frame`` itself.

    >>> import pyarrow.parquet as pq, tempfile
    >>> path = Path(tempfile.mkdtemp()) / "t.parquet"
    >>> pq.write_table(pa.table({"customer_id": ["b", "a", "b"], "amount": [1.0, 2.0, 3.0]}), path)
    >>> tx = read_from_parquet(pq.read_table(path).to_pandas(), path)
    >>> engine = Engine.duckdb()
    >>> engine.to_pandas(engine.from_frame(tx, ["customer_id"]).order_by(ROW_COLUMN)).to_dict("list")
    {'customer_id': ['b', 'a', 'b'], '_row': [0, 1, 2]}
    """
    key = id(frame)
    _parquet_sources[key] = (weakref.ref(frame), Path(path))
    weakref.finalize(frame, _parquet_sources.pop, key, None)
    return frame


def parquet_source(frame: pd.DataFrame) -> Path | None:
    """The Parquet file ``frame`` was read from (:func:`read_from_parquet`), or None.

    Parameters
    ----------
    frame : frame
        Any frame.

    Returns
    -------
    Path or None
        The file, while it exists; None for any other frame.
    """
    entry = _parquet_sources.get(id(frame))
    if entry is None or entry[0]() is not frame or not entry[1].is_file():
        return None
    return entry[1]


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
