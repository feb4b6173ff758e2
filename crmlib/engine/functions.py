"""Backend functions Ibis does not name portably, each behind one Python function.

Every function here returns an Ibis expression; the DuckDB variant is the only one today, and a
Spark variant goes beside it (``to_timestamp(value, pattern)`` returns NULL on failure there).

Example
-------
>>> import ibis, pyarrow as pa
>>> from crmlib.engine import Engine
>>> engine = Engine.duckdb()
>>> t = engine.table(pa.table({"d": ["2024/3/5", "31/02/2024"]}))
>>> engine.to_pandas(t.select(p=try_parse_timestamp(t.d, ["%Y/%m/%d", "%d/%m/%Y"])))["p"].tolist()
[Timestamp('2024-03-05 00:00:00'), NaT]
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.datatypes as dt


@ibis.udf.scalar.builtin(name="try_strptime")
def _duckdb_try_strptime(value: str, formats: dt.Array(dt.string)) -> dt.timestamp:
    """DuckDB's ``try_strptime``: the first of ``formats`` that parses ``value``, else NULL."""


def try_parse_timestamp(value: ibis.Value, formats: Sequence[str]) -> ibis.Value:
    """``value`` (a string column) parsed with the first matching strftime format, NULL when none fits."""
    return _duckdb_try_strptime(value, ibis.literal(list(formats), type="array<string>"))


@ibis.udf.scalar.builtin(name="trim")
def _duckdb_trim(value: str) -> str:
    """DuckDB's one-argument ``trim``: strips spaces (five times faster than trimming a set of characters)."""


def trim_spaces(value: ibis.Value) -> ibis.Value:
    """``value`` without leading and trailing spaces."""
    return _duckdb_trim(value)
