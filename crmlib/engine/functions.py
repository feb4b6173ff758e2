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
    """``value`` (a string column) parsed with the first matching strftime format, NULL when none fits.

    Parameters
    ----------
    value : ibis.Value
        A string column.
    formats : sequence of str
        strftime patterns, tried in order.

    Returns
    -------
    ibis.Value
        A timestamp column.
    """
    return _duckdb_try_strptime(value, ibis.literal(list(formats), type="array<string>"))


@ibis.udf.scalar.builtin(name="trim")
def _duckdb_trim(value: str) -> str:
    """DuckDB's one-argument ``trim``: strips spaces (five times faster than trimming a set of characters)."""


def trim_spaces(value: ibis.Value) -> ibis.Value:
    """``value`` without leading and trailing spaces.

    Parameters
    ----------
    value : ibis.Value
        A string column.

    Returns
    -------
    ibis.Value
        The trimmed string column.
    """
    return _duckdb_trim(value)


def _backend_name(table: ibis.Table) -> str:
    try:
        return table._find_backend().name
    except Exception:  # an unbound table (memtables only): DuckDB runs it
        return "duckdb"


def ordered_join(value: ibis.Value, order: ibis.Value, separator: str, table: ibis.Table) -> ibis.Value:
    """An aggregate: ``value`` of the group's rows joined by ``separator``, ordered by ``order`` (unique
    in a group). DuckDB's ordered ``string_agg``; on Spark, sorted collected (order, value) pairs
    (an ordered ``group_concat`` does not compile there, and DuckDB rejects the lambda this needs).

    Parameters
    ----------
    value : ibis.Value
        The string column to join.
    order : ibis.Value
        The column ordering the rows in a group.
    separator : str
        Put between the values.
    table : ibis.Table
        The table aggregated, whose backend decides the variant.

    Returns
    -------
    ibis.Value
        A string aggregate, to use in ``aggregate``.
    """
    if _backend_name(table) != "pyspark":
        return value.group_concat(separator, order_by=order)
    pairs = ibis.struct({"order": order, "value": value}).collect()
    return pairs.sort().map(lambda pair: pair["value"]).join(separator)
