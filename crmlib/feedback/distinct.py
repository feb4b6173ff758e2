"""Text work once per distinct text: feedback repeats itself (templates, "好评", copied answers).

:func:`per_distinct` runs a function on the distinct values (or value pairs) only and spreads the
results back, so tokenising, scoring and matching grow with the number of different texts, not
with the number of feedback rows. Results are identical to calling the function on every row.

Example
-------
>>> import numpy as np
>>> calls = []
>>> def shout(values):
...     calls.append(len(values))
...     return np.array([v.upper() for v in values], dtype=object)
>>> per_distinct(shout, np.array(["ok", "bad", "ok", "ok"], dtype=object)).tolist(), calls
(['OK', 'BAD', 'OK', 'OK'], [2])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def _as_array(results) -> np.ndarray:
    if isinstance(results, np.ndarray):
        return results
    out = np.empty(len(results), dtype=object)  # element by element: lists stay lists
    for i, value in enumerate(results):
        out[i] = value
    return out


def per_distinct(function: Callable[..., np.ndarray], *columns) -> np.ndarray:
    """``function(*distinct_columns)`` taken back to every row (one call on the distinct rows).

    Missing values are values like any other.

    Parameters
    ----------
    function : callable
        Called once with one array per column of the distinct rows; returns an array or a list
        with one result per distinct row.
    *columns : array-like
        The columns, all of the same length (a row is distinct by its values in all of them).

    Returns
    -------
    ndarray
        One result per row of ``columns`` (object dtype when ``function`` returns a list).
    """
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(pd.Series(column, dtype=object), use_na_sentinel=False)
        key = key * max(len(uniques), 1) + codes
    codes, _ = pd.factorize(key)
    first = np.full(codes.max() + 1 if len(codes) else 0, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]  # first row of each distinct key
    distinct = tuple(np.asarray(pd.Series(column, dtype=object).to_numpy())[first] for column in columns)
    return _as_array(function(*distinct))[codes]
