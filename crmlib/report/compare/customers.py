"""Customers per segment and per value tier then vs now, and who moved where (ids matched).

Both runs' assignments come from their ``segments.csv`` (02_segmentation). The migration
matrix counts, customer by customer, the segment (or tier) in the earlier run against the one
in the later run, for the customers present in both; customers only in the later run are
``entered`` (new buyers), those only in the earlier one ``left``.

Example
-------
>>> import pandas as pd
>>> then = pd.DataFrame({"customer_id": ["a", "b", "c"], "segment": ["x", "x", "y"]})
>>> now = pd.DataFrame({"customer_id": ["a", "b", "d"], "segment": ["x", "y", "y"]})
>>> m = migration(then, now, "segment", order=["x", "y"])
>>> m["matrix"], m["customers_in_both"], m["entered"], m["left"], m["moved"]
([[1, 1], [0, 0]], 2, 1, 1, 1)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.report.compare.runs import RunFolder

SEGMENT_COLUMNS = ["customer_id", "scheme", "segment", "segment_label", "value_tier"]
TIERS = ("high", "medium", "low")


def assignments(run: RunFolder) -> pd.DataFrame | None:
    """``customer_id``, ``scheme``, ``segment``, ``segment_label``, ``value_tier`` of every
    customer in the run's ``segments.csv`` (None when 02_segmentation did not export it).

    Parameters
    ----------
    run : RunFolder
        The run whose ``exports/segments.csv`` is read.

    Returns
    -------
    frame or None
        One row per customer with the columns above; None when the export is missing.
    """
    return run.csv("segments.csv", SEGMENT_COLUMNS)


def segment_order(then: pd.DataFrame, now: pd.DataFrame) -> list[str]:
    """The scheme's segment keys, best first, then any other key either run used.

    Parameters
    ----------
    then : frame
        The earlier run's :func:`assignments`.
    now : frame
        The later run's :func:`assignments` (its ``scheme`` gives the preferred order).

    Returns
    -------
    list of str
        Segment keys used by either run.
    """
    scheme = str(now["scheme"].iloc[0]) if len(now) else ""
    try:
        from crmlib.segment.schemes import segment_order as scheme_order

        preferred = scheme_order(scheme)
    except (KeyError, OSError, ValueError):
        preferred = []
    used = set(then["segment"]).union(now["segment"])
    rest = sorted(used - set(preferred))
    return [key for key in preferred if key in used] + rest


def tier_order(then: pd.DataFrame, now: pd.DataFrame) -> list[str]:
    """The value tiers either run used: high, medium, low first, then any other, sorted.

    Parameters
    ----------
    then : frame
        The earlier run's :func:`assignments`.
    now : frame
        The later run's :func:`assignments`.

    Returns
    -------
    list of str
        Value tier keys (missing tiers left out).
    """
    used = set(then["value_tier"].dropna()).union(now["value_tier"].dropna())
    return [t for t in TIERS if t in used] + sorted(used - set(TIERS))


def labels(then: pd.DataFrame, now: pd.DataFrame) -> dict[str, str]:
    """Segment key -> the label the later run shows (the earlier run's for segments now empty).

    Parameters
    ----------
    then : frame
        The earlier run's :func:`assignments`.
    now : frame
        The later run's :func:`assignments`.

    Returns
    -------
    dict of str to str
        Segment key -> label.
    """
    out = dict(zip(then["segment"], then["segment_label"], strict=True))
    out.update(zip(now["segment"], now["segment_label"], strict=True))
    return out


def counts(then: pd.DataFrame, now: pd.DataFrame, column: str, order: list[str]) -> list[dict]:
    """Customers per ``column`` value in each run: ``key``, ``then``, ``now``, ``change`` (now − then).

    Parameters
    ----------
    then : frame
        The earlier run's :func:`assignments`.
    now : frame
        The later run's :func:`assignments`.
    column : str
        The grouping column, ``"segment"`` or ``"value_tier"``.
    order : list of str
        The group keys, in the order of the result (other values are not counted).

    Returns
    -------
    list of dict
        One dict per key of ``order``, with the keys above.
    """
    before = pd.Categorical(then[column], categories=order).value_counts()
    after = pd.Categorical(now[column], categories=order).value_counts()
    return [{"key": key, "then": int(before[key]), "now": int(after[key]),
             "change": int(after[key] - before[key])} for key in order]


def migration(then: pd.DataFrame, now: pd.DataFrame, column: str, order: list[str]) -> dict:
    """Customers by ``column`` in the earlier run (rows) and in the later run (columns).

    The result holds ``keys`` (the order of rows and columns), ``matrix`` (list of rows of counts),
    ``customers_in_both`` (= the sum of the matrix), ``moved`` (off the diagonal), ``stayed``,
    ``entered`` and ``left``. Customer ids must be unique within each run.

    Parameters
    ----------
    then : frame
        The earlier run's :func:`assignments` (``customer_id`` and ``column``).
    now : frame
        The later run's :func:`assignments`.
    column : str
        The grouping column, ``"segment"`` or ``"value_tier"``.
    order : list of str
        The group keys, in the order of the matrix's rows and columns.

    Returns
    -------
    dict
        The keys above; counts are ints.
    """
    position = pd.Index(then["customer_id"]).get_indexer(now["customer_id"])  # -1: not in the earlier run
    present = position >= 0
    before = pd.Categorical(then[column], categories=order).codes[position[present]]
    after = pd.Categorical(now[column], categories=order).codes[present]
    known = (before >= 0) & (after >= 0)
    k = len(order)
    matrix = np.bincount(before[known] * k + after[known], minlength=k * k).reshape(k, k)
    both = int(present.sum())
    stayed = int(matrix.trace())
    return {"keys": list(order), "matrix": matrix.tolist(), "customers_in_both": both,
            "stayed": stayed, "moved": both - stayed, "entered": int((~present).sum()),
            "left": int(len(then) - both)}


def largest_flows(result: dict, n: int = 3) -> list[dict]:
    """The ``n`` largest moves between two different groups: ``from``, ``to``, ``customers``.

    Parameters
    ----------
    result : dict
        The result of :func:`migration`.
    n : int, optional
        How many moves to return; default 3.

    Returns
    -------
    list of dict
        The moves with at least one customer, largest first.
    """
    keys, matrix = result["keys"], result["matrix"]
    flows = [{"from": keys[i], "to": keys[j], "customers": matrix[i][j]}
             for i in range(len(keys)) for j in range(len(keys)) if i != j and matrix[i][j] > 0]
    return sorted(flows, key=lambda f: -f["customers"])[:n]
