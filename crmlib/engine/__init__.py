"""The engine that runs scans of raw rows: DuckDB in-process (the default), through Ibis.

Scans (:mod:`crmlib.scans`) and the loader's parsing and cleaning (:mod:`crmlib.data`) are
written once as Ibis expressions over tables of an :class:`Engine`, so another Ibis backend
(Apache Spark, for data past one machine) can run the same definitions. Only results of one row
per customer or smaller come back, as pandas or Arrow.

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

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa

ENGINES = ("duckdb",)
_names = itertools.count(1)


@dataclass
class Engine:
    """An Ibis backend plus the few operations crmlib needs from it."""

    name: str
    backend: ibis.BaseBackend = field(repr=False)

    @classmethod
    def duckdb(cls, *, threads: int | None = None, memory_limit: str | None = None,
               temp_directory: str | Path | None = None) -> Engine:
        """An in-process DuckDB engine (spills to ``temp_directory`` when data exceed memory)."""
        config = {}
        if threads:
            config["threads"] = int(threads)
        if memory_limit:
            config["memory_limit"] = str(memory_limit)
        if temp_directory:
            config["temp_directory"] = str(temp_directory)
        return cls("duckdb", ibis.duckdb.connect(**config))

    def table(self, data: pd.DataFrame | pa.Table, name: str | None = None) -> ibis.Table:
        """Make a pandas frame or Arrow table a table of this engine (DuckDB reads it in place)."""
        return self.backend.create_table(name or f"crm_t{next(_names)}", data, temp=True, overwrite=True)

    def materialize(self, expr: ibis.Table, name: str | None = None) -> ibis.Table:
        """Compute ``expr`` once into a temporary table of the engine (later queries read it, not ``expr``)."""
        return self.backend.create_table(name or f"crm_m{next(_names)}", expr, temp=True)

    def read_parquet(self, path: str | Path, name: str | None = None) -> ibis.Table:
        """A Parquet file, folder or glob as a table (read lazily by the engine)."""
        return self.backend.read_parquet(str(path), table_name=name or f"crm_p{next(_names)}")

    def to_pandas(self, expr: ibis.Expr) -> pd.DataFrame:
        """Run ``expr`` and return its (small) result as pandas."""
        return self.backend.to_pandas(expr)

    def to_arrow(self, expr: ibis.Expr) -> pa.Table:
        """Run ``expr`` and return its result as an Arrow table."""
        return self.backend.to_pyarrow(expr)


_default: Engine | None = None


def default_engine() -> Engine:
    """The process's shared DuckDB engine, created on first use."""
    global _default
    if _default is None:
        _default = Engine.duckdb()
    return _default
