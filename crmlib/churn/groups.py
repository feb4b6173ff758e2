"""Who belongs to which group (acquisition channel, RFM segment), and which churn label to use.

Segments come from :mod:`crmlib.segment` (RFM scores and the 11-segment scheme); this module
only looks them up, it does not define segments.

Example
-------
>>> import pandas as pd
>>> customers = pd.DataFrame({"customer_id": ["a", "b"], "acquisition_channel": ["web", None]})
>>> column_groups(customers, "acquisition_channel").tolist()
['web', 'unknown']
>>> label_mode("auto", customers)
'purchases'
"""

from __future__ import annotations

import pandas as pd

from crmlib.errors import DataError

MODES = ("auto", "purchases", "labelled")


def column_groups(customers: pd.DataFrame | None, column: str) -> pd.Series | None:
    """customer_id -> value of ``column`` (missing values as "unknown"); None when unavailable.

    Parameters
    ----------
    customers : DataFrame or None
        The customers table with ``customer_id`` (first row per id is used).
    column : str
        The attribute to group by, e.g. ``"acquisition_channel"``.

    Returns
    -------
    Series or None
        Labels (str) named ``column``, indexed by ``customer_id``; None without table or column.
    """
    if customers is None or column not in customers:
        return None
    table = customers.drop_duplicates("customer_id").set_index("customer_id")[column]
    return table.astype(object).where(table.notna(), "unknown").astype(str).rename(column)


def first_purchase_cohorts(summary: pd.DataFrame) -> pd.Series:
    """customer_id -> first-purchase quarter ("1997Q1"); by month when all fall in one quarter.

    The fallback grouping when there is no acquisition channel: unlike RFM segments, it is fixed
    at acquisition, so comparing churn between cohorts is not circular.

    Parameters
    ----------
    summary : DataFrame
        Per customer ``first_purchase`` (:func:`crmlib.scans.summary.customer_summary`).

    Returns
    -------
    Series
        ``first_purchase_cohort`` labels ("1997Q1" or "1997-01"), indexed like ``summary``.
    """
    first = summary["first_purchase"]
    cohorts = first.dt.to_period("Q").astype(str)
    if cohorts.nunique() < 2:
        cohorts = first.dt.to_period("M").astype(str)
    return cohorts.rename("first_purchase_cohort")


def rfm_segments(summary: pd.DataFrame, lang: str = "en") -> pd.Series:
    """The RFM 11-segment label of each customer in ``summary`` (via :mod:`crmlib.segment`).

    Segments use recency at the summary's date, so churn compared *between segments* is partly
    churn by construction ("Lost" customers are those who stopped buying); prefer acquisition
    channel or first-purchase cohort for churn rates and survival curves.

    Parameters
    ----------
    summary : DataFrame
        :func:`crmlib.scans.summary.customer_summary`, one row per customer.
    lang : str, optional
        Language of the segment labels, ``"en"`` (default) or ``"zh"``.

    Returns
    -------
    Series
        ``segment`` labels per customer.
    """
    from crmlib.segment import segment_table

    return segment_table(summary, scheme="rfm11", lang=lang)["segment_label"].rename("segment")


def label_mode(mode: str, customers: pd.DataFrame | None) -> str:
    """Resolve the notebook's ``mode`` parameter to a label source: "purchases" or "contract".

    Parameters
    ----------
    mode : {"auto", "purchases", "labelled"}
        "auto" uses the customers table's ``churned``/``churn_date`` when both are present;
        "labelled" requires them.
    customers : DataFrame or None
        The customers table.

    Returns
    -------
    str
        ``"purchases"`` or ``"contract"``.
    """
    if mode not in MODES:
        raise DataError(f"unknown churn mode {mode!r}", hint=f"Use one of {list(MODES)}.")
    labelled = customers is not None and {"churned", "churn_date"} <= set(customers.columns)
    if mode == "labelled" and not labelled:
        raise DataError("labelled mode needs 'churned' and 'churn_date' in the customers table",
                        column="churned", hint="Map them in dataset.yaml, or use mode='purchases'.")
    if mode == "purchases":
        return "purchases"
    return "contract" if labelled else "purchases"
