"""Segment migration: how customers moved between segments from one date to a later one.

Segments are computed independently at both dates with the same settings (scores are
relative to the customers of each date). Customers who had not bought yet at the earlier
date appear in the row ``not_yet_customer``.

Example
-------
>>> before = pd.Series({"a": "lost", "b": "champions"})
>>> after = pd.Series({"a": "champions", "b": "champions", "c": "new_customers"})
>>> transition_matrix(before, after).loc["not_yet_customer", "new_customers"]
np.int64(1)
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from crmlib.errors import DataError
from crmlib.scans.summary import customer_summary
from crmlib.segment.table import segment_table
from crmlib.settings import DEFAULTS

NOT_YET = "not_yet_customer"
COMPARISON_MONTHS = DEFAULTS.comparison_months  # the overview's segment shift and the segmentation's migration look back this far


def comparison_date(analysis_date, months: int = COMPARISON_MONTHS) -> pd.Timestamp:
    """The date segments are compared with: ``months`` calendar months before the analysis date.

    One definition for the overview and segmentation notebooks, so their shifts agree.

    Parameters
    ----------
    analysis_date : str or Timestamp
        The later date.
    months : int, default ``DEFAULTS.comparison_months``
        Calendar months to go back.

    Returns
    -------
    Timestamp
        ``analysis_date`` minus ``months`` months (the day clipped to the month's last).

    >>> comparison_date("2024-12-31")
    Timestamp('2024-09-30 00:00:00')
    """
    return pd.Timestamp(analysis_date) - pd.DateOffset(months=months)


def transition_matrix(before: pd.Series, after: pd.Series, order: Sequence[str] | None = None,
                      normalize: bool = False) -> pd.DataFrame:
    """Counts (or row shares) of customers by segment before (rows) and after (columns).

    Customers only in ``after`` count in the row ``not_yet_customer``; customers only in
    ``before`` are left out (every customer who bought stays a customer).

    Parameters
    ----------
    before : Series
        Segment key per customer at the earlier date.
    after : Series
        Segment key per customer at the later date.
    order : sequence of str, optional
        Segment keys in display order for rows and columns (others follow, sorted).
    normalize : bool, default False
        Divide each row by its total (share of the row's customers) instead of counts.

    Returns
    -------
    DataFrame
        Index ``before`` (segment or ``not_yet_customer``), columns ``after`` (segments).
    """
    rows = before.reindex(after.index).fillna(NOT_YET).astype(str)
    matrix = pd.crosstab(rows.rename("before"), after.astype(str).rename("after"))
    if order is not None:
        index = [k for k in [*order, NOT_YET] if k in matrix.index]
        index += [k for k in matrix.index if k not in index]
        columns = [k for k in order if k in matrix.columns]
        columns += [k for k in matrix.columns if k not in columns]
        matrix = matrix.reindex(index=index, columns=columns, fill_value=0)
    if normalize:
        matrix = matrix.div(matrix.sum(axis=1), axis=0)
    return matrix


def segment_migration(transactions: pd.DataFrame, comparison_date, analysis_date, *,
                      summary: pd.DataFrame | None = None, **segment_options) -> tuple[pd.Series, pd.Series]:
    """Segment keys per customer at ``comparison_date`` and at ``analysis_date``.

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions (``customer_id``, ``order_date``, ``amount``).
    comparison_date : str or Timestamp
        The earlier date; must be after the first purchase and before ``analysis_date``.
    analysis_date : str or Timestamp
        The later date.
    summary : DataFrame, optional
        :func:`crmlib.scans.summary.customer_summary` of ``transactions`` as of ``analysis_date``
        (e.g. ``wb.summary()``), to save scanning the transactions for it; computed if None.
    **segment_options
        Go to :func:`crmlib.segment.segment_table` (scheme, reference …); ``lang`` is ignored.

    Returns
    -------
    (Series, Series)
        ``(before, after)``: segment keys indexed by customer_id at each date.
    """
    comparison_date = pd.Timestamp(comparison_date).normalize()
    analysis_date = pd.Timestamp(analysis_date).normalize()
    if comparison_date >= analysis_date:
        raise DataError(f"comparison date {comparison_date:%Y-%m-%d} is not before the analysis "
                        f"date {analysis_date:%Y-%m-%d}", hint="Choose an earlier comparison date.")
    first = transactions["order_date"].min()
    if comparison_date < first:
        raise DataError(f"comparison date {comparison_date:%Y-%m-%d} is before the first purchase "
                        f"({first:%Y-%m-%d}): nobody had a segment then",
                        hint="Choose a comparison date inside the data's date range.")
    options = {k: v for k, v in segment_options.items() if k != "lang"}
    before = segment_table(customer_summary(transactions, comparison_date), **options)["segment"]
    now = summary if summary is not None else customer_summary(transactions, analysis_date)
    after = segment_table(now, **options)["segment"]
    return before, after


def migration_summary(before: pd.Series, after: pd.Series, order: Sequence[str] | None = None) -> dict:
    """Customers who stayed in, or moved between, segments, and those new since the earlier date.

    With ``order`` (segment keys, best first, e.g. :func:`crmlib.segment.segment_order`) the
    movers are split into ``improved`` (to a better segment) and ``declined``.

    Parameters
    ----------
    before : Series
        Segment key per customer at the earlier date.
    after : Series
        Segment key per customer at the later date.
    order : sequence of str, optional
        Segment keys, best first; adds ``improved`` and ``declined``.

    Returns
    -------
    dict of str to int
        ``customers_then``, ``customers_now``, ``stayed``, ``moved``, ``new_since`` and, with
        ``order``, ``improved`` and ``declined``.

    >>> before = pd.Series({"a": "lost", "b": "champions", "c": "lost"})
    >>> after = pd.Series({"a": "champions", "b": "lost", "c": "lost", "d": "lost"})
    >>> migration_summary(before, after, ["champions", "lost"])["improved"]
    1
    """
    common = after.index.intersection(before.index)
    stayed = int((before[common] == after[common]).sum())
    result = {"customers_then": int(len(before)), "customers_now": int(len(after)),
              "stayed": stayed, "moved": int(len(common) - stayed),
              "new_since": int(len(after.index.difference(before.index)))}
    if order is not None:
        rank = pd.Series(range(len(order)), index=list(order))
        then = before[common].map(rank)
        now = after[common].map(rank)
        result["improved"] = int((now < then).sum())
        result["declined"] = int((now > then).sum())
    return result
