"""Profiles of customers by attribute: acquisition channel, region/city, gender, age band.

For each group: buyers, share of buyers, revenue share, repeat rate (share with two or more
purchase days), average value (mean total spend) and the share of the group in the high
value tier; the groups that bring valuable customers are the ones whose revenue share
exceeds their share of buyers.

Example
-------
>>> import pandas as pd
>>> seg = pd.DataFrame({"frequency": [1, 3, 2], "total_spend": [10.0, 70.0, 20.0],
...                     "value_tier": ["low", "high", "medium"]},
...                    index=pd.Index(["a", "b", "c"], name="customer_id"))
>>> cust = pd.DataFrame({"customer_id": ["a", "b", "c"], "acquisition_channel": ["ads", "ref", "ref"]})
>>> attribute_profile(seg, cust, "acquisition_channel")["revenue_share"].tolist()
[0.9, 0.1]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlib.errors import DataError

PROFILE_ATTRIBUTES = ("acquisition_channel", "region", "city", "gender", "age_band")
AGE_EDGES = (0, 25, 35, 45, 55, 65, 200)
UNKNOWN = {"en": "unknown", "zh": "未知"}


def age_bands(customers: pd.DataFrame, analysis_date, edges: Sequence[int] = AGE_EDGES) -> pd.Series:
    """Age band per customer (``"25-34"`` …) from ``age`` or ``birth_year``; NaN when unknown.

    Parameters
    ----------
    customers : DataFrame
        Customers table with ``customer_id`` and ``age`` or ``birth_year``.
    analysis_date : str or Timestamp
        Ages from ``birth_year`` are counted at this date's year.
    edges : sequence of int, default ``AGE_EDGES``
        Band edges in years (left-closed); ages outside them are unknown.

    Returns
    -------
    Series
        ``age_band`` labels (str, NaN when unknown) indexed by customer_id, one per row of
        ``customers``.

    >>> c = pd.DataFrame({"customer_id": ["a", "b"], "birth_year": [2000, 1970]})
    >>> age_bands(c, "2024-06-30").tolist()
    ['<25', '45-54']
    """
    if "age" in customers.columns:
        age = pd.to_numeric(customers["age"], errors="coerce")
    elif "birth_year" in customers.columns:
        birth = pd.to_numeric(customers["birth_year"], errors="coerce").astype(float)
        age = pd.Timestamp(analysis_date).year - birth
    else:
        raise DataError("the customers table has neither 'age' nor 'birth_year'",
                        hint="Map an age or birth-year column in dataset.yaml to get age bands.")
    age = age.where((age >= 0) & (age < edges[-1]))
    labels = [f"{lo}-{hi - 1}" if hi < edges[-1] else f"{lo}+" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    labels[0] = f"<{edges[1]}"
    bands = pd.cut(age, bins=list(edges), right=False, labels=labels)
    return pd.Series(bands.to_numpy(), index=customers["customer_id"].astype(str).to_numpy(), name="age_band")


def numeric_attributes(customers: pd.DataFrame, names: Sequence[str], analysis_date=None) -> pd.DataFrame:
    """Numeric customer attributes to cluster on, indexed by customer_id.

    Parameters
    ----------
    customers : DataFrame
        Customers table with ``customer_id`` (duplicates: the first row is kept).
    names : sequence of str
        Numeric columns of ``customers``, or ``age`` (from ``birth_year`` when there is no age
        column) and ``tenure_days`` (days since ``signup_date``).
    analysis_date : str or Timestamp, optional
        Date ``age`` and ``tenure_days`` are computed at; needed for them.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``, one float column per name.

    >>> c = pd.DataFrame({"customer_id": ["a"], "birth_year": [1990]})
    >>> numeric_attributes(c, ["age"], "2024-06-30").loc["a", "age"]
    np.float64(34.0)
    """
    table = customers.drop_duplicates("customer_id")
    out = pd.DataFrame(index=pd.Index(table["customer_id"].astype(str), name="customer_id"))
    for name in names:
        if name in table.columns:
            values = pd.to_numeric(table[name], errors="coerce")
        elif name == "age" and "birth_year" in table.columns and analysis_date is not None:
            values = pd.Timestamp(analysis_date).year - pd.to_numeric(table["birth_year"], errors="coerce")
        elif name == "tenure_days" and "signup_date" in table.columns and analysis_date is not None:
            values = (pd.Timestamp(analysis_date) - pd.to_datetime(table["signup_date"])).dt.days
        else:
            raise DataError(f"the customers table has no numeric attribute {name!r}",
                            hint="Use a numeric column of the customers table, 'age' (from birth_year) "
                                 "or 'tenure_days' (from signup_date).")
        if values.notna().sum() == 0:
            raise DataError(f"attribute {name!r} has no numeric values", column=name,
                            hint="Choose a column with numbers.")
        out[name] = values.astype(float).to_numpy()
    return out


def available_attributes(customers: pd.DataFrame | None) -> list[str]:
    """The profile attributes the customers table supports (age band from age or birth year).

    Parameters
    ----------
    customers : DataFrame or None
        Customers table; ``None`` or empty gives no attributes.

    Returns
    -------
    list of str
        Those of ``PROFILE_ATTRIBUTES`` with at least one value, ``age_band`` last if derived.
    """
    if customers is None or customers.empty:
        return []
    present = [a for a in PROFILE_ATTRIBUTES if a in customers.columns and customers[a].notna().any()]
    if "age_band" not in present and ({"age", "birth_year"} & set(customers.columns)):
        present.append("age_band")
    return present


def attach_attributes(segments: pd.DataFrame, customers: pd.DataFrame, analysis_date=None,
                      lang: str = "en", attributes: Sequence[str] | None = None) -> pd.DataFrame:
    """``segments`` (indexed by customer_id) plus the customers table's profile attributes.

    Buyers missing from the customers table, or with a blank attribute, get "unknown".

    Parameters
    ----------
    segments : DataFrame
        Indexed by customer_id (e.g. :func:`crmlib.segment.segment_table`).
    customers : DataFrame
        Customers table with ``customer_id``.
    analysis_date : str or Timestamp, optional
        Needed for ``age_band``.
    lang : {"en", "zh"}, default "en"
        Language of the "unknown" value.
    attributes : sequence of str, optional
        Attributes to attach (default: all of :func:`available_attributes`).

    Returns
    -------
    DataFrame
        A new frame: ``segments`` with one column per attribute added.
    """
    wanted = available_attributes(customers) if attributes is None else list(attributes)
    if "customer_id" not in customers.columns:
        raise DataError("the customers table lacks 'customer_id'", hint="Map it in dataset.yaml.")
    table = customers.drop_duplicates("customer_id").assign(
        customer_id=lambda c: c["customer_id"].astype(str)).set_index("customer_id")
    columns = [a for a in wanted if a != "age_band" and a in table.columns]
    frame = table[columns].astype(object) if columns else pd.DataFrame(index=table.index)
    if "age_band" in wanted:
        if analysis_date is None:
            raise ValueError("analysis_date is needed to compute age bands")
        frame["age_band"] = age_bands(customers.drop_duplicates("customer_id"), analysis_date).astype(object)
    frame = frame.reindex(segments.index)
    frame = frame.where(frame.notna(), UNKNOWN[lang] if lang in UNKNOWN else "unknown")
    return segments.join(frame)


def attribute_profile(segments: pd.DataFrame, customers: pd.DataFrame | None, by: str,
                      analysis_date=None, lang: str = "en", value: str = "total_spend") -> pd.DataFrame:
    """Buyers, revenue share, repeat rate, average value and high-tier share per group of ``by``.

    ``value_index`` = revenue share / buyer share (above 1: the group brings more than its
    share of value).

    Parameters
    ----------
    segments : DataFrame
        Indexed by customer_id with ``frequency`` (purchase days), ``value`` and optionally
        ``value_tier``.
    customers : DataFrame or None
        Customers table, used when ``by`` is not a column of ``segments``.
    by : str
        Column of ``segments`` or of ``customers`` to group by (e.g. ``"region"``).
    analysis_date : str or Timestamp, optional
        Needed when ``by`` is ``age_band``.
    lang : {"en", "zh"}, default "en"
        Language of the "unknown" group.
    value : str, default "total_spend"
        Column of ``segments`` holding total spend per customer.

    Returns
    -------
    DataFrame
        One row per group, sorted by revenue share (largest first): ``by``, ``customers``,
        ``customer_share``, ``revenue``, ``revenue_share``, ``repeat_rate``, ``average_value``,
        ``high_value_share``, ``value_index``.
    """
    frame = segments
    if by not in frame.columns:
        if customers is None:
            raise DataError(f"no {by!r} column and no customers table", hint="Add a customers table.")
        frame = attach_attributes(segments, customers, analysis_date, lang, attributes=[by])
        if by not in frame.columns:
            raise DataError(f"the customers table has no {by!r} column",
                            hint=f"Map it in dataset.yaml; available: {available_attributes(customers)}.")
    missing = [c for c in ("frequency", value) if c not in frame.columns]
    if missing:
        raise DataError(f"the segment table lacks {missing}", hint="Use crmlib.segment.segment_table.")
    grouped = frame.assign(repeat=frame["frequency"] >= 2,
                           high=(frame["value_tier"] == "high") if "value_tier" in frame else np.nan
                           ).groupby(by, observed=True)
    table = grouped.agg(customers=(value, "size"), revenue=(value, "sum"),
                        repeat_rate=("repeat", "mean"), average_value=(value, "mean"),
                        high_value_share=("high", "mean"))
    table["customer_share"] = table["customers"] / table["customers"].sum()
    table["revenue_share"] = table["revenue"] / table["revenue"].sum()
    table["value_index"] = table["revenue_share"] / table["customer_share"]
    table = table[["customers", "customer_share", "revenue", "revenue_share", "repeat_rate",
                   "average_value", "high_value_share", "value_index"]]
    return table.sort_values("revenue_share", ascending=False).reset_index()


def mix(segments: pd.DataFrame, by: str, of: str = "value_tier",
        order: Sequence[str] | None = None) -> pd.DataFrame:
    """Share of each ``of`` category (e.g. tier or segment) within each group of ``by``.

    Parameters
    ----------
    segments : DataFrame
        One row per customer with the columns ``by`` and ``of``.
    by : str
        Column defining the groups (rows).
    of : str, default "value_tier"
        Column whose categories are counted (columns).
    order : sequence of str, optional
        Column order; categories absent from the data are left out, unlisted ones follow.

    Returns
    -------
    DataFrame
        Index: groups of ``by``; columns: categories of ``of`` (as str); each row sums to 1.
    """
    for column in (by, of):
        if column not in segments.columns:
            raise DataError(f"no {column!r} column to build the mix from",
                            hint="Attach attributes with crmlib.segment.attach_attributes first.")
    table = pd.crosstab(segments[by], segments[of], normalize="index")
    table.columns = table.columns.astype(str)
    if order is not None:
        columns = [c for c in order if c in table.columns]
        table = table[columns + [c for c in table.columns if c not in columns]]
    return table


def best_and_worst(profile: pd.DataFrame, column: str = "value_index") -> tuple[pd.Series, pd.Series]:
    """The rows of ``profile`` with the highest and the lowest ``column``.

    Parameters
    ----------
    profile : DataFrame
        One row per group, e.g. :func:`attribute_profile`.
    column : str
        The column to rank by.

    Returns
    -------
    tuple of Series
        The best row and the worst row.

    Example
    -------
    >>> profile = pd.DataFrame({"city": ["A", "B", "C"], "value_index": [0.8, 1.6, 1.1]})
    >>> best, worst = best_and_worst(profile)
    >>> best["city"], worst["city"]
    ('B', 'A')
    """
    return (profile.sort_values(column, ascending=False).iloc[0], profile.sort_values(column).iloc[0])
