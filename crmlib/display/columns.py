"""What a table column means to a reader: its label and how its values are formatted.

:data:`COLUMNS` names the columns crmlib's tables carry (``customer_share`` → "Share of
customers", a percentage). A column not listed gets a label made from its name and a format
inferred from its values (:func:`column_spec`). Labels are English message ids, translated
where the table is drawn; notebooks can override both per table (``wb.show(df, columns=...)``).

Kinds: ``text`` (left-aligned, shown as is), ``code`` (a fixed vocabulary such as value tiers:
each value translated in the column's context; values without a translation are shown as they
are), ``identifier`` (column or file names, shown as code), ``count``, ``number`` (fixed ``decimals``),
``money`` (the dataset's currency), ``percent`` (a share or rate 0–1), ``points`` (a difference
of rates), ``date``, ``month``, ``days``, ``bool``.

Example
-------
>>> column_spec("customer_share").label, column_spec("customer_share").kind
('Share of customers', 'percent')
>>> import pandas as pd
>>> column_spec("basket_gap", pd.Series([28.0, 33.2])).decimals, column_spec("n_things", pd.Series([1, 2])).kind
(1, 'count')
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from crmlib.lang import N_


@dataclass(frozen=True)
class Column:
    """A column's label (English message id), kind and decimals (for numbers, money, percent).

    ``percent`` shows a share (0.154 → 15.4%); ``percent100`` a value already in % (CSAT 57.2 → 57.2%).
    """

    label: str
    kind: str = "text"
    decimals: int | None = None
    context: str | None = None  # msgctxt of a ``code`` column's values (default: the label)

    def with_decimals(self, decimals: int) -> Column:
        """This column with another number of decimals.

        Parameters
        ----------
        decimals : int
            Decimals to show.

        Returns
        -------
        Column
            A copy with ``decimals`` set (the column itself is frozen).
        """
        return replace(self, decimals=decimals)


def _c(label: str, kind: str = "text", decimals: int | None = None, context: str | None = None) -> Column:
    return Column(label, kind, decimals, context)


COLUMNS: dict[str, Column] = {
    # customers and segments
    "customer_id": _c(N_("Customer"), "text"),
    "segment": _c(N_("Segment"), "text"),
    "segment_label": _c(N_("Segment"), "text"),
    "rfm_segment": _c(N_("RFM segment"), "text"),
    "rfm_code": _c(N_("RFM code"), "text"),
    "key": _c(N_("Key"), "identifier"),
    "label": _c(N_("Name"), "text"),
    "description": _c(N_("Description"), "text"),
    "scheme": _c(N_("Scheme"), "text"),
    "order": _c(N_("Order"), "count"),
    "value_tier": _c(N_("Value tier"), "code"),
    "tier": _c(N_("Value tier"), "code"),
    "lifecycle_stage": _c(N_("Lifecycle stage"), "code"),
    "crm_stage": _c(N_("CRM stage"), "code"),
    "stage": _c(N_("Stage"), "code"),
    "cluster": _c(N_("Cluster"), "count"),
    "cluster_description": _c(N_("Cluster profile"), "text"),
    "acquisition_channel": _c(N_("Acquisition channel"), "text"),
    "channel": _c(N_("Channel"), "code", context="channel"),
    "city": _c(N_("City"), "text"),
    "region": _c(N_("Region"), "text"),
    "gender": _c(N_("Gender"), "text"),
    "age_band": _c(N_("Age band"), "text"),
    "group": _c(N_("Group"), "text"),
    "action": _c(N_("Action"), "code", context="quality action"),
    "segment_action": _c(N_("Segment action"), "text"),
    "tier_action": _c(N_("Tier action"), "text"),
    "next_action": _c(N_("Next action"), "text"),
    "customers": _c(N_("Customers"), "count"),
    "n_customers": _c(N_("Customers"), "count"),
    "new_customers": _c(N_("New customers"), "count"),
    "customer_share": _c(N_("Share of customers"), "percent", 1),
    "share": _c(N_("Share"), "percent", 1),
    "revenue": _c(N_("Revenue"), "money", 0),
    "revenue_share": _c(N_("Share of revenue"), "percent", 1),
    "value_share": _c(N_("Share of value"), "percent", 1),
    "high_value_share": _c(N_("High-value share"), "percent", 1),
    "repeat_rate": _c(N_("Repeat rate"), "percent", 1),
    "average_value": _c(N_("Average value"), "money", 2),
    "value_index": _c(N_("Value index"), "number", 2),
    "value": _c(N_("Value"), "number", 2),
    "r_score": _c(N_("R score"), "count"),
    "f_score": _c(N_("F score"), "count"),
    "m_score": _c(N_("M score"), "count"),
    "fm_score": _c(N_("F/M score"), "count"),
    "recency": _c(N_("Recency (days)"), "number", 0),
    "frequency": _c(N_("Repeat purchases"), "number", 0),
    "monetary": _c(N_("Average spend"), "money", 2),
    "total_spend": _c(N_("Total spend"), "money", 2),
    "avg_order_value": _c(N_("Average order value"), "money", 2),
    "T": _c(N_("Age (T)"), "number", 0),
    # CLV
    "clv": _c(N_("CLV"), "money", 2),
    "clv_decile": _c(N_("CLV decile"), "count"),
    "profit_clv": _c(N_("CLV on profit"), "money", 2),
    "loss_reason": _c(N_("Main loss reason"), "text"),
    "loss": _c(N_("Loss"), "money", 0),
    "share_of_loss": _c(N_("Share of the loss"), "percent", 1),
    "revenue_clv": _c(N_("CLV on revenue"), "money", 2),
    "p_alive": _c(N_("P(alive)"), "percent", 1),
    "expected_purchases": _c(N_("Expected purchases"), "number", 2),
    "expected_avg_spend": _c(N_("Expected spend per purchase"), "money", 2),
    "actual_holdout_total": _c(N_("Actual (holdout)"), "number", 0),
    "predicted_holdout_total": _c(N_("Predicted (holdout)"), "number", 0),
    "cumulative_error_pct": _c(N_("Cumulative error"), "percent", 1),
    "holdout_error": _c(N_("Holdout total error"), "percent", 1),
    "standard_error": _c(N_("Standard error"), "number", 4),
    "ci95_low": _c(N_("95 % interval, low"), "number", 4),
    "ci95_high": _c(N_("95 % interval, high"), "number", 4),
    "clv_low": _c(N_("CLV, 95 % low"), "money", 2),
    "clv_high": _c(N_("CLV, 95 % high"), "money", 2),
    "spearman": _c(N_("Spearman"), "number", 3),
    "rmse_vs_best_difference": _c(N_("RMSE − best"), "number", 3),
    "rmse_vs_best_low": _c(N_("95 % low"), "number", 3),
    "rmse_vs_best_high": _c(N_("95 % high"), "number", 3),
    "naive_spearman": _c(N_("Naive Spearman"), "number", 3),
    "predicted": _c(N_("Predicted"), "number", 2),
    "actual": _c(N_("Actual"), "number", 2),
    "decile": _c(N_("Decile"), "count"),
    "model": _c(N_("Model"), "text"),
    "parameter": _c(N_("Parameter"), "code", context="parameter"),
    "estimate": _c(N_("Estimate"), "number", 3),
    "log_likelihood": _c(N_("Log-likelihood"), "number", 1),
    "fallback": _c(N_("Fallback"), "text"),
    "mae": _c(N_("MAE"), "number", 3),
    "rmse": _c(N_("RMSE"), "number", 3),
    "naive_mae": _c(N_("Naive MAE"), "number", 3),
    "naive_rmse": _c(N_("Naive RMSE"), "number", 3),
    "margin": _c(N_("Margin"), "percent", 0),
    "simple_cltv": _c(N_("Simple CLTV"), "money", 2),
    "purchase_frequency_per_year": _c(N_("Orders per year"), "number", 2),
    "expected_lifespan_years": _c(N_("Expected lifespan (years)"), "number", 1),
    "annual_churn_rate": _c(N_("Annual churn rate"), "percent", 1),
    "churn_window_days": _c(N_("Churn window (days)"), "count"),
    "r": _c("r", "number", 3), "alpha": _c("alpha", "number", 3), "a": _c("a", "number", 3),
    "b": _c("b", "number", 3), "s": _c("s", "number", 3), "beta": _c("beta", "number", 3),
    # churn
    "churned": _c(N_("Churned"), "count"),
    "churn_rate": _c(N_("Churn rate"), "percent", 1),
    "churn_probability": _c(N_("Churn probability"), "percent", 1),
    "value_at_risk": _c(N_("Value at risk"), "money", 2),
    "value_if_retained": _c(N_("Value if retained"), "money", 2),
    "priority": _c(N_("Priority"), "count"),
    "likely_reason": _c(N_("Likely reason"), "text"),
    "top_driver_text": _c(N_("Main driver"), "text"),
    "mean_monthly_churn_rate": _c(N_("Mean monthly churn rate"), "percent", 1),
    "pooled_churn_rate": _c(N_("Pooled churn rate"), "percent", 1),
    "median_lifetime_days": _c(N_("Median lifetime (days)"), "number", 0),
    "months": _c(N_("Months"), "count"),
    "gap_days": _c(N_("Gap (days)"), "number", 0),
    "roc_auc": _c(N_("ROC AUC"), "number", 3),
    "pr_auc": _c(N_("PR AUC"), "number", 3),
    "brier": _c(N_("Brier score"), "number", 3),
    "top_decile_lift": _c(N_("Top-decile lift"), "number", 2),
    # overview
    "kpi": _c(N_("KPI"), "text"),
    "definition": _c(N_("Definition"), "text"),
    "period": _c(N_("Month"), "month"),
    "unit": _c(N_("Unit"), "text"),
    "note": _c(N_("Note"), "code", context="note"),
    "cac": _c(N_("CAC"), "money", 2),
    "spend": _c(N_("Spend"), "money", 0),
    "antecedent": _c(N_("If bought"), "text"),
    "consequent": _c(N_("Then buys"), "text"),
    "support": _c(N_("Support"), "percent", 1),
    "confidence": _c(N_("Confidence"), "percent", 1),
    "lift": _c(N_("Lift"), "number", 2),
    "attract": _c(N_("First purchase"), "percent", 1),
    "retain": _c(N_("Repeat purchase"), "percent", 1),
    "raise_value": _c(N_("High value"), "percent", 1),
    "advocate": _c(N_("Advocate"), "percent", 1),
    # data quality
    "table": _c(N_("Table"), "code", context="table"),
    "file": _c(N_("File"), "text"),
    "check": _c(N_("Check"), "code", context="quality check"),
    "rows": _c(N_("Rows"), "count"),
    "rows_read": _c(N_("Rows read"), "count"),
    "rows_kept": _c(N_("Rows kept"), "count"),
    "columns": _c(N_("Columns"), "identifier"),
    "examples": _c(N_("Examples"), "examples"),
    "first_date": _c(N_("First date"), "date"),
    "last_date": _c(N_("Last date"), "date"),
    # feedback
    "text": _c(N_("Text"), "text"),
    "feedback": _c(N_("Feedback items"), "count"),
    "texts": _c(N_("Texts"), "count"),
    "target_texts": _c(N_("Texts in the group"), "count"),
    "other_texts": _c(N_("Other texts"), "count"),
    "category": _c(N_("Category"), "text"),
    "topic": _c(N_("Topic"), "identifier"),
    "topic_label": _c(N_("Topic"), "text"),
    "keywords": _c(N_("Keywords"), "text"),
    "word": _c(N_("Word"), "text"),
    "z": _c(N_("z-score"), "number", 1),
    "language": _c(N_("Language"), "code", context="language"),
    "band": _c(N_("Band"), "text"),
    "sentiment_label": _c(N_("Sentiment"), "code"),
    "churn_status": _c(N_("Customer status"), "code", context="churn status"),
    "mean_sentiment": _c(N_("Mean sentiment"), "number", 2),
    "negative_share": _c(N_("Negative share"), "percent", 1),
    "share_of_negative": _c(N_("Share of negative"), "percent", 1),
    "nps": _c(N_("NPS"), "number", 1),
    "nps_answers": _c(N_("NPS answers"), "count"),
    "promoters": _c(N_("Promoters"), "percent100", 1),
    "passives": _c(N_("Passives"), "percent100", 1),
    "detractors": _c(N_("Detractors"), "percent100", 1),
    "csat": _c(N_("CSAT"), "percent100", 1),
    "ratings": _c(N_("Ratings"), "count"),
    "items": _c(N_("Items"), "count"),
    "resolved": _c(N_("Resolved"), "count"),
    "open": _c(N_("Open"), "count"),
    "open_items": _c(N_("Open items"), "count"),
    "open_past_sla": _c(N_("Open past SLA"), "count"),
    "within_sla": _c(N_("Within SLA"), "count"),
    "share_within_sla": _c(N_("Share within SLA"), "percent", 1),
    "sla_hours": _c(N_("SLA (hours)"), "count"),
    "median_hours_to_resolve": _c(N_("Median hours to resolve"), "number", 1),
    "p90_hours_to_resolve": _c(N_("90th percentile hours"), "number", 1),
    # profitability and referrals (07_profitability)
    "returns": _c(N_("Returns"), "money", 0),
    "gross_margin": _c(N_("Gross margin"), "money", 0),
    "discounts": _c(N_("Discounts"), "money", 0),
    "cost_to_serve": _c(N_("Cost to serve"), "money", 0),
    "profit": _c(N_("Profit"), "money", 0),
    "profit_decile": _c(N_("Profit decile"), "count"),
    "profit_per_customer": _c(N_("Profit per customer"), "money", 2),
    "margin_pct": _c(N_("Gross margin %"), "percent", 1),
    "unprofitable_share": _c(N_("Share unprofitable"), "percent", 1),
    "unprofitable": _c(N_("Unprofitable"), "number", 2),
    "unprofitable_customers": _c(N_("Unprofitable customers"), "count"),
    "profitable": _c(N_("Profitable"), "number", 2),
    "ratio": _c(N_("Ratio"), "number", 2),
    "share_of_unprofitable": _c(N_("Share of the unprofitable"), "percent", 1),
    "share_of_all": _c(N_("Share of all"), "percent", 1),
    "referrals": _c(N_("Referrals"), "count"),
    "referees_who_bought": _c(N_("Referees who bought"), "count"),
    "referees_revenue": _c(N_("Referees' revenue"), "money", 0),
    "referral_value": _c(N_("Referral value"), "money", 0),
    "referrers": _c(N_("Referrers"), "count"),
    "share_referring": _c(N_("Share who refer"), "percent", 1),
    "depth": _c(N_("Depth"), "count"),
    "nps_group": _c(N_("NPS group"), "code", context="NPS group"),
    "measure": _c(N_("Measure"), "text"),
    "return_rate": _c(N_("Share returned"), "percent", 1),
    # journeys (06_journey)
    "path": _c(N_("Path"), "text"),
    "journeys": _c(N_("Journeys"), "count"),
    "conversions": _c(N_("Conversions"), "count"),
    "conversion_rate": _c(N_("Conversion rate"), "percent", 1),
    "rate_without": _c(N_("Rate without it"), "percent", 1),
    "contacts": _c(N_("Contacts"), "count"),
    "n_touches": _c(N_("Contacts"), "count"),
    "median_days_to_conversion": _c(N_("Median days to purchase"), "number", 1),
    "share_of_first": _c(N_("Share of first contacts"), "percent", 1),
    "share_of_last": _c(N_("Share of last contacts"), "percent", 1),
    "touchpoint_type": _c(N_("Touchpoint type"), "text"),
    "first_channel": _c(N_("First channel"), "text"),
    "first_channel_share": _c(N_("First channel share"), "percent", 1),
    "last_channel": _c(N_("Last channel"), "text"),
    "last_channel_share": _c(N_("Last channel share"), "percent", 1),
    "audience": _c(N_("Audience"), "code", context="audience"),
    "status": _c(N_("Status"), "text"),
    "attributed_cac": _c(N_("Attributed CAC"), "money", 2),
    "attributed_cltv_cac": _c(N_("Attributed CLTV/CAC"), "number", 2),
    "attributed_conversions": _c(N_("Attributed conversions"), "number", 1),
    "attributed_revenue": _c(N_("Attributed revenue"), "money", 0),
    "mean_clv": _c(N_("Mean CLV"), "money", 2),
    "mean_contacts": _c(N_("Mean contacts"), "number", 1),
    "mean_service_contacts": _c(N_("Mean service contacts"), "number", 2),
    "mean_visits": _c(N_("Mean visits"), "number", 1),
    "share_with_unresolved_complaint": _c(N_("Share with an unresolved complaint"), "percent", 1),
    "share_without_contact": _c(N_("Share without contact"), "percent", 1),
    "with_contacts": _c(N_("With contacts"), "count"),
    # attributed CAC by attribution model (01_overview)
    "single_channel_cac": _c(N_("Single-channel CAC"), "money", 2),
    "first_touch": _c(N_("First touch"), "money", 2),
    "last_touch": _c(N_("Last touch"), "money", 2),
    "linear": _c(N_("Linear"), "money", 2),
    "time_decay": _c(N_("Time decay"), "money", 2),
    "markov": _c(N_("Markov removal effect"), "money", 2),
}

_PERCENT_NAME = re.compile(r"(^|_)(share|rate|pct|percent|probability)(_|$)|^p_|^share_|^conversion")
_DURATION_NAME = re.compile(r"(^|_)(days|hours|minutes|weeks|months|time)(_|$)")
_MONEY_NAME = re.compile(r"(^|_)(revenue|spend|clv|cltv|amount|aov|cac|monetary|price|cost|value_at_risk)(_|$)")


def humanise(name: str) -> str:
    """A column name in words: ``share_of_identified`` -> ``Share of identified``.

    Parameters
    ----------
    name : str
        The column name (any value, read as text).

    Returns
    -------
    str
        Underscores as spaces, the first letter upper-cased.
    """
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else text


def fixed_decimals(values: pd.Series, significant: int = 3, most: int = 4) -> int:
    """One number of decimals for a whole column: enough for ``significant`` digits of its median size.

    Parameters
    ----------
    values : Series
        The column's values; non-numeric and infinite ones are ignored.
    significant : int, optional
        Significant digits wanted for the median absolute value; default 3.
    most : int, optional
        Largest number of decimals returned; default 4.

    Returns
    -------
    int
        Decimals from 0 to ``most``; 0 when the values are whole numbers or there are none.

    >>> fixed_decimals(pd.Series([28.0, 33.2])), fixed_decimals(pd.Series([0.853, 0.12])), fixed_decimals(pd.Series([1234.5, 99.0]))
    (1, 3, 0)
    """
    numbers = pd.to_numeric(values, errors="coerce").replace([np.inf, -np.inf], np.nan).dropna()
    if numbers.empty or bool((numbers == numbers.round()).all()):
        return 0
    size = float(numbers.abs().median()) or float(numbers.abs().max())
    if size == 0:
        return 2
    return int(min(most, max(0, significant - 1 - math.floor(math.log10(size)))))


def column_spec(name, values: pd.Series | None = None, overrides: dict | None = None) -> Column:
    """The :class:`Column` for ``name``: from ``overrides``, else :data:`COLUMNS`, else inferred.

    Parameters
    ----------
    name : str
        The column name.
    values : Series, optional
        The column's values, to infer kind and decimals; default None (unlisted names are text).
    overrides : dict, optional
        Name -> :class:`Column`, or a kind name that replaces the kind; default None.

    Returns
    -------
    Column
        Label, kind and decimals (always set for numbers, money, percentages and points).
    """
    given = (overrides or {}).get(name)
    if isinstance(given, Column):
        spec = given
    elif isinstance(given, str) and given in {"text", "code", "identifier", "examples", "count", "number", "money",
                                              "percent", "percent100", "points", "date", "month", "days",
                                              "bool"}:
        spec = replace(COLUMNS.get(name, _infer(name, values)), kind=given, decimals=None)
    else:
        spec = COLUMNS.get(name) or _infer(name, values)
    if spec.kind in {"number", "money", "percent", "percent100", "points"} and spec.decimals is None:
        if spec.kind == "money":
            return spec.with_decimals(2)
        if spec.kind in {"percent", "percent100", "points"}:
            return spec.with_decimals(1)
        return spec.with_decimals(fixed_decimals(values) if values is not None else 2)
    return spec


def _infer(name, values: pd.Series | None) -> Column:
    label = humanise(name)
    if values is None:
        return Column(label)
    if pd.api.types.is_bool_dtype(values):
        return Column(label, "bool")
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = values.dropna()
        monthly = not stamps.empty and bool((stamps.dt.day == 1).all() and (stamps == stamps.dt.normalize()).all())
        return Column(label, "month" if monthly and len(stamps) > 1 else "date")
    if isinstance(values.dtype, pd.PeriodDtype):
        return Column(label, "month")
    if pd.api.types.is_numeric_dtype(values):
        text = str(name)
        if _PERCENT_NAME.search(text) and not _DURATION_NAME.search(text):
            return Column(label, "percent")
        if _MONEY_NAME.search(text):
            return Column(label, "money")
        if pd.api.types.is_integer_dtype(values):
            return Column(label, "count")
        return Column(label, "number")
    return Column(label, "text")
