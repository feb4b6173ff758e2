"""What a run's dataset looked like, recorded in its manifest so later runs can compare with it.

The profile holds, per table, the rows kept, the columns after mapping and the date range, plus
the dataset's currency, cleaning policies and column mapping (``dataset.yaml``). The runner
stores it as ``manifest["dataset"]["profile"]`` right after loading the dataset; the data drift
part of the comparison and the comparability check read it from there.

Example
-------
>>> import pandas as pd
>>> from types import SimpleNamespace
>>> orders = pd.DataFrame({"customer_id": ["a", "b"], "amount": [10.0, 5.0],
...                        "order_date": pd.to_datetime(["2024-01-03", "2024-02-09"])})
>>> ds = SimpleNamespace(transactions=orders, customers=None, feedback=None, marketing_spend=None,
...                      currency="CNY")
>>> dataset_profile(ds)["tables"]["transactions"]
{'rows': 2, 'columns': ['amount', 'customer_id', 'order_date'], 'date_min': '2024-01-03', 'date_max': '2024-02-09'}
"""

from __future__ import annotations

import pandas as pd

from crmlib.data.schema import TABLES


def date_column(table: str) -> str | None:
    """The field whose range is recorded for ``table``: its required date field, else its first.

    Parameters
    ----------
    table : str
        A canonical table name, e.g. ``"transactions"``.

    Returns
    -------
    str or None
        The date field; None for an unknown table or one without a date field.

    >>> date_column("transactions"), date_column("customers")
    ('order_date', 'signup_date')
    """
    schema = TABLES.get(table)
    if schema is None:
        return None
    dates = [f for f, kind in schema.kinds.items() if kind == "date"]
    return next((f for f in schema.required if f in dates), dates[0] if dates else None)


def dataset_profile(dataset, config=None) -> dict:
    """The profile of a loaded :class:`~crmlib.data.load.Dataset` (and its ``DatasetConfig``).

    Plain JSON-ready values: ``currency``, ``returns``, ``zero_amounts``, ``columns_mapped``
    (table -> field -> source column, as ``dataset.yaml`` maps them) and ``tables`` (table ->
    ``rows``, sorted ``columns``, ``date_min``/``date_max`` as ``YYYY-MM-DD`` or None).

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset (any object with the tables as attributes and ``currency``).
    config : DatasetConfig, optional
        The dataset's configuration; None (default) leaves out the policies and mapping.

    Returns
    -------
    dict
        The profile described above.
    """
    tables = {}
    for name in TABLES:
        frame = getattr(dataset, name, None)
        if not isinstance(frame, pd.DataFrame):
            continue
        column = date_column(name)
        dates = (pd.to_datetime(frame[column], errors="coerce") if column in frame
                 else pd.Series(dtype="datetime64[ns]"))
        tables[name] = {"rows": int(len(frame)), "columns": sorted(map(str, frame.columns)),
                        "date_min": _day(dates.min()), "date_max": _day(dates.max())}
    profile = {"currency": getattr(dataset, "currency", None), "tables": tables}
    if config is not None:
        profile["returns"] = config.returns
        profile["zero_amounts"] = config.zero_amounts
        profile["columns_mapped"] = {name: dict(table.columns) for name, table in config.tables.items()}
    return profile


def _day(value) -> str | None:
    return None if pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"
