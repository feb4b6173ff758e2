"""The one customer value every notebook uses: CLV on profit when the dataset has product costs,
otherwise the revenue CLV × the ``margin`` setting (issue 20, item 4).

:func:`customer_value` is the single place that decides it: ``03_clv`` shows it beside the revenue
CLV, the overview's CLTV/CAC and scorecard, the churn value at risk and the journey's ROI use it.
:func:`value_basis` names the basis (``"profit"``, ``"margin"`` or ``"revenue"``) and
:func:`basis_note` is the sentence every page prints to say which one its money values are.

Example
-------
>>> import pandas as pd
>>> from crmlib.data.load import Dataset
>>> value_basis(Dataset("toy", None, "CNY", pd.Timestamp("2024-01-01")), margin=0.3)
'margin'
"""

from __future__ import annotations

import pandas as pd

from crmlib.clv.value import CLVFit, predict_customers, value_deciles
from crmlib.data.load import Dataset
from crmlib.lang import translator
from crmlib.profit.clv import profit_clv
from crmlib.profit.customers import customer_profit, has_costs
from crmlib.settings import DEFAULTS

BASES = ("profit", "margin", "revenue")


def value_basis(dataset: Dataset, margin: float = DEFAULTS.margin) -> str:
    """``"profit"`` when product costs price the goods (:func:`crmlib.profit.has_costs`), else ``"margin"``
    for a flat ``margin`` below 1, else ``"revenue"``.

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset.
    margin : float, optional
        The flat margin setting (share 0–1 of revenue; default from ``crmlib.settings.DEFAULTS``).

    Returns
    -------
    str
        ``"profit"``, ``"margin"`` or ``"revenue"``.
    """
    if has_costs(dataset):
        return "profit"
    return "margin" if margin < 1.0 else "revenue"


def customer_value(dataset: Dataset, fit: CLVFit, summary: pd.DataFrame, *,
                   horizon_months: int = DEFAULTS.horizon_months,
                   annual_discount_rate: float = DEFAULTS.annual_discount_rate, margin: float = DEFAULTS.margin,
                   table: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`crmlib.clv.predict_customers` scores whose ``clv`` is the value the workbook uses.

    With product costs ``clv`` is :func:`crmlib.profit.profit_clv` (each customer's margin rate,
    less their cost to serve per order; ``margin`` is then not used), ``clv_decile`` ranks it, and
    ``revenue_clv`` keeps the revenue CLV. Without costs the scores are exactly
    ``predict_customers(..., margin=margin)``. ``attrs["value_basis"]`` is :func:`value_basis`.

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset (decides the basis: :func:`value_basis`).
    fit : CLVFit
        The fitted CLV models (:func:`crmlib.clv.fit_clv`).
    summary : DataFrame
        :func:`crmlib.scans.summary.customer_summary` the models were fitted on.
    horizon_months : int, optional
        CLV horizon in months (default from ``crmlib.settings.DEFAULTS``).
    annual_discount_rate : float, optional
        Yearly discount rate, e.g. 0.1 for 10 % (default from ``crmlib.settings.DEFAULTS``).
    margin : float, optional
        Flat margin (0–1 of revenue) used without product costs (default from the settings).
    table : DataFrame, optional
        :func:`crmlib.profit.customer_profit`; None computes it if needed (on profit only).

    Returns
    -------
    DataFrame
        :func:`crmlib.clv.predict_customers` scores (index ``customer_id``) with ``clv``,
        ``clv_decile`` and, on profit, ``revenue_clv``.

    Example
    -------
    >>> from crmlib.data.sample import SampleParameters, generate_sample
    >>> from crmlib.data.load import Dataset
    >>> from crmlib.clv import fit_clv
    >>> from crmlib.scans.summary import customer_summary
    >>> tables, _ = generate_sample(SampleParameters(n_customers=200, seed=3))
    >>> tx = tables["transactions"].query("amount > 0 and customer_id != ''")
    >>> summary = customer_summary(tx, "2024-12-31", "W")
    >>> fit = fit_clv(summary, "bgnbd", time_unit="W")
    >>> ds = Dataset("toy", None, "CNY", pd.Timestamp("2024-12-31"), costs={"margin_rates": {"default": 0.25}})
    >>> ds = ds.with_tables(transactions=tx, returns=tx.iloc[:0])
    >>> scores = customer_value(ds, fit, summary)
    >>> scores.attrs["value_basis"], bool((scores["clv"] - 0.25 * scores["revenue_clv"]).abs().max() < 1e-6)
    ('profit', True)
    """
    basis = value_basis(dataset, margin)
    if basis != "profit":
        scores = predict_customers(fit, summary, horizon_months=horizon_months,
                                   annual_discount_rate=annual_discount_rate, margin=margin)
        scores.attrs["value_basis"] = basis
        return scores
    scores = predict_customers(fit, summary, horizon_months=horizon_months, annual_discount_rate=annual_discount_rate)
    table = table if table is not None else customer_profit(dataset)
    scores["revenue_clv"] = scores["clv"]
    scores["clv"] = profit_clv(scores, table).to_numpy()
    scores["clv_decile"] = value_deciles(scores["clv"])
    scores.attrs["value_basis"] = basis
    return scores


def basis_note(basis: str, lang: str = "en", margin: float = DEFAULTS.margin) -> str:
    """The sentence a page prints to say whether its money values are revenue or profit.

    Parameters
    ----------
    basis : {"profit", "margin", "revenue"}
        The value basis (:func:`value_basis`).
    lang : str, optional
        Language of the sentence, ``"en"`` (default) or ``"zh"``.
    margin : float, optional
        The flat margin (0–1) quoted for the ``"margin"`` basis (default from the settings).

    Returns
    -------
    str
        The sentence, in Markdown.

    Raises
    ------
    ValueError
        When ``basis`` is not one of :data:`BASES`.

    >>> basis_note("revenue").startswith("Money values on this page are **revenue**")
    True
    """
    if basis not in BASES:
        raise ValueError(f"value basis {basis!r}: use one of {', '.join(BASES)}")
    _ = translator(lang)
    if basis == "profit":
        return _("Money values on this page are **profit**: CLV, value at risk and CLTV/CAC use each customer's "
                 "own gross margin less their cost to serve (product costs and `costs:` in dataset.yaml; the "
                 "`margin` setting is not used). Revenue figures are labelled as revenue.")
    if basis == "margin":
        return _("Money values on this page are **profit at a flat margin of {margin:.0%}** of revenue (the "
                 "`margin` setting); product costs would give each customer's own margin (see "
                 "07_profitability).").format(margin=margin)
    return _("Money values on this page are **revenue**: CLV, value at risk and CLTV/CAC count what customers "
             "spend, not what they earn. Product costs (see 07_profitability) or the `margin` setting put "
             "them on profit.")


def profit_against_revenue(value: pd.DataFrame, deciles: pd.Series) -> tuple[dict, pd.DataFrame]:
    """How the CLV on profit (``value["clv"]``) compares with the revenue CLV (``value["revenue_clv"]``):
    the two totals, the profit share, the customers expected to lose money and the rank correlation,
    and both totals per revenue-CLV decile.

    Parameters
    ----------
    value : DataFrame
        :func:`customer_value` on profit: ``clv`` and ``revenue_clv`` per customer.
    deciles : Series
        Revenue-CLV decile per customer, aligned with ``value`` (its name names the decile column).

    Returns
    -------
    tuple of (dict, DataFrame)
        Facts ``value``, ``revenue``, ``share``, ``losing``, ``rank``; and per decile
        ``revenue_clv`` and ``profit_clv`` totals.

    >>> v = pd.DataFrame({"clv": [30.0, -2.0, 10.0], "revenue_clv": [100.0, 20.0, 40.0]}, index=["a", "b", "c"])
    >>> facts, table = profit_against_revenue(v, pd.Series([1, 3, 2], index=["a", "b", "c"], name="clv_decile"))
    >>> float(facts["share"]), facts["losing"], table["profit_clv"].tolist()
    (0.2375, 1, [30.0, 10.0, -2.0])
    """
    facts = {"value": value["clv"].sum(), "revenue": value["revenue_clv"].sum(), "losing": int((value["clv"] < 0).sum()),
             "rank": value["clv"].corr(value["revenue_clv"], method="spearman")}
    facts["share"] = facts["value"] / facts["revenue"]
    table = value.rename(columns={"clv": "profit_clv"}).groupby(deciles)[["revenue_clv", "profit_clv"]].sum()
    return facts, table.reset_index()


__all__ = ["BASES", "value_basis", "customer_value", "basis_note", "profit_against_revenue"]
