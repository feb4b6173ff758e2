"""Baskets for cross-sell: which items (products or categories) each customer has bought.

One engine scan returns the distinct (customer, item) pairs — far fewer than order lines — in
the order they first appear (as pandas' ``drop_duplicates`` keeps them), optionally only up to
or only after a date. The co-occurrence counts and recommendations are built from these pairs as
a sparse matrix (:mod:`crmlib.overview.recommend`).

Example
-------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "a"], "category": ["shoes", "socks", "shoes", "shoes"],
...                    "order_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05", "2024-03-01"])})
>>> customer_items(tx, "category").values.tolist()
[['a', 'shoes'], ['a', 'socks'], ['b', 'shoes']]
>>> customer_items(tx, "category", until="2024-01-31")["item"].tolist()
['shoes', 'shoes']
"""

from __future__ import annotations

import pandas as pd

from crmlib.engine import ROW_COLUMN
from crmlib.scans.source import Rows, has_row_order, rows_of, run


def customer_items(rows: Rows, item_col: str, *, until=None, after=None, date_col: str = "order_date") -> pd.DataFrame:
    """Distinct (``customer_id``, ``item``) pairs with a non-missing item, in first-seen order.

    Parameters
    ----------
    rows : frame or engine table
        Purchases with ``customer_id`` and ``item_col`` (and ``date_col`` when dated).
    item_col : str
        The item column, e.g. ``"category"`` or ``"product"``.
    until : str or Timestamp, optional
        Keep purchases at or before this time (compared as timestamps); default None.
    after : str or Timestamp, optional
        Keep purchases strictly after this time; default None.
    date_col : str, optional
        The purchase date column; default ``"order_date"``.

    Returns
    -------
    frame
        Columns ``customer_id`` and ``item``, one row per distinct pair.
    """
    dated = until is not None or after is not None
    table = rows_of(rows, ["customer_id", item_col, *([date_col] if dated else [])])
    table = table.filter(table[item_col].notnull() & table.customer_id.notnull())
    if until is not None:
        table = table.filter(table[date_col] <= pd.Timestamp(until).to_pydatetime())
    if after is not None:
        table = table.filter(table[date_col] > pd.Timestamp(after).to_pydatetime())
    keys = {"customer_id": table.customer_id, "item": table[item_col]}
    if has_row_order(table):
        pairs = table.group_by(**keys).aggregate(first_row=table[ROW_COLUMN].min())
    else:
        pairs = table.select(**keys).distinct()
    raw = run(pairs, "customer items", rows)
    if "first_row" in raw:
        raw = raw.sort_values("first_row", kind="stable")
    return pd.DataFrame({"customer_id": raw["customer_id"].to_numpy(dtype=object),
                         "item": raw["item"].to_numpy(dtype=object)})
