"""Everything the overview page reports, computed in one call from the dataset and the shared fits.

The overview notebook (``01_overview``) gathers the headline KPIs, the lifecycle funnel, the return
on acquisition, the customers most worth keeping and the top complaint. Each number comes from the
crmlib analysis that owns it — the same functions the detailed notebooks call — and
:func:`overview_facts` runs them in order. The expensive results that other notebooks share (the
CLV fit, the churn study, the Chinese sentiment model) are arguments, so the notebook can take them
from the Workbook's cache (``wb.cached``) and the analysis stays pure.

Example
-------
>>> from crmlib.data.load import load_dataset                                    # doctest: +SKIP
>>> ds = load_dataset("data/sample")                                              # doctest: +SKIP
>>> facts = overview_facts(ds, clv_fit=fit, study=study)                          # doctest: +SKIP
>>> facts.headline[["kpi", "value", "change"]]                                    # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from crmlib.churn.definition import suggest_window
from crmlib.churn.scoring import ChurnStudy, score_churn
from crmlib.clv.simple_cltv import simple_cltv_summary
from crmlib.clv.value import CLVFit
from crmlib.feedback.analysis import FeedbackAnalysis, score_feedback
from crmlib.feedback.categories import UNCATEGORISED
from crmlib.overview import kpi
from crmlib.profit import (
    advocates,
    customer_profit,
    customer_value,
    has_costs,
    has_referrals,
    last_nps,
    profit_headline,
    referral_value,
    value_basis,
)
from crmlib.readiness import NotEnoughData
from crmlib.scans.summary import customer_summary, purchase_days
from crmlib.segment import (
    comparison_date,
    crm_stages,
    lifecycle_stages,
    segment_migration,
    segment_table,
)
from crmlib.settings import DEFAULTS, AnalysisSettings


@dataclass
class OverviewFacts:
    """The overview's results; per-customer frames are indexed by ``customer_id``."""

    window: int
    """Churn window in days (the setting, or the suggested window when it is 0)."""
    monthly: pd.DataFrame
    """Every KPI per calendar month (:func:`crmlib.overview.kpi.monthly_kpis`)."""
    headline: pd.DataFrame
    """The latest complete month against the one before (:func:`crmlib.overview.kpi.headline`)."""
    segments: pd.DataFrame
    """Segment table of the buyers (:func:`crmlib.segment.segment_table`)."""
    lifecycle: pd.DataFrame
    """``lifecycle_stage`` and ``crm_stage`` of every known customer."""
    clv: pd.DataFrame | None
    """CLV scores (:func:`crmlib.profit.customer_value`: on profit with product costs, ``revenue_clv`` beside);
    None without a CLV fit (too few repeat buyers)."""
    churn: pd.DataFrame | None
    """Churn probability, top driver and value at risk (:func:`crmlib.churn.score_churn`); None without a
    churn study or a CLV fit."""
    simple: dict | None
    """The simple-formula CLTV (:func:`crmlib.clv.simple_cltv.simple_cltv_summary`; on revenue when ``clv``
    is on profit, to compare with its ``revenue_clv``); None when no customer is older than its lapse days."""
    cac: pd.DataFrame | None
    """CAC per acquisition channel; None without marketing spend."""
    cltv_cac: pd.DataFrame | None
    """Mean CLV, CAC and their ratio per channel; None without spend or customers."""
    comparison: pd.Timestamp
    """The date segment shifts are measured against."""
    segments_before: pd.Series | None
    """Segment key per customer at ``comparison``; None when it is before the first purchase."""
    segments_after: pd.Series | None
    """Segment key per customer at the analysis date; None when ``segments_before`` is."""
    feedback: FeedbackAnalysis | None
    """Scored feedback (no topics); None without a feedback table."""
    complaints: pd.Series | None
    """Share of negative texts mentioning each named complaint category (label -> share)."""
    value_basis: str = "revenue"
    """What ``clv``, value at risk and CLTV/CAC are on: ``profit``, ``margin`` or ``revenue``
    (:func:`crmlib.profit.value_basis`)."""
    profit: dict | None = None
    """The profit headline (:func:`crmlib.profit.profit_headline`); None without product costs."""
    advocates: pd.Index | None = None
    """Advocates (:func:`crmlib.profit.advocates`); None without ``referred_by`` in the customers table."""
    referrals: pd.DataFrame | None = None
    """Referrals per referrer (:func:`crmlib.profit.referral_value`); None without ``referred_by``."""
    not_enough: dict = field(default_factory=dict)
    """Section -> :class:`crmlib.readiness.NotEnoughData`: what the data could not support (monthly KPIs
    without a complete month, the simple formula without a customer older than its lapse days)."""


def complaint_shares(feedback: FeedbackAnalysis | None, lang: str = "en") -> pd.Series | None:
    """Share of the negative texts that mention each named complaint category (label -> share).

    Parameters
    ----------
    feedback : FeedbackAnalysis or None
        Scored feedback (:func:`crmlib.feedback.analysis.score_feedback`).
    lang : str
        Language of the category labels.

    Returns
    -------
    Series or None
        Indexed by category label, uncategorised texts left out; None without feedback.

    Example
    -------
    >>> fb = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...                    "text": ["Terrible delivery, very late!", "Awful, the delivery was late.", "Great!"]})
    >>> shares = complaint_shares(score_feedback(fb, topics=False))
    >>> shares.idxmax(), float(shares.max()), float(shares.drop("Delivery / logistics").max())
    ('Delivery / logistics', 1.0, 0.0)
    """
    if feedback is None:
        return None
    shares = feedback.category_shares(lang, negative_only=True)
    return shares.loc[shares["category"] != UNCATEGORISED].set_index("label")["share"]


def overview_facts(dataset, *, clv_fit: CLVFit | None, study: ChurnStudy | None, settings: AnalysisSettings = DEFAULTS,
                   sentiment_model=None, english_model=None, summary: pd.DataFrame | None = None,
                   weekly_summary: pd.DataFrame | None = None, days: pd.DataFrame | None = None,
                   profit_table: pd.DataFrame | None = None, domain_fit=None) -> OverviewFacts:
    """Run the overview's analyses on ``dataset`` with the shared fits.

    Parameters
    ----------
    dataset : Dataset
        A :class:`crmlib.data.load.Dataset`.
    clv_fit : CLVFit or None
        The CLV fit on the weekly summary (:func:`crmlib.clv.fit_clv`, as ``03_clv`` chooses it).
    study : ChurnStudy or None
        The churn study with the settings' window (:func:`crmlib.churn.churn_study`). Either may be None
        when the data cannot support it (:class:`crmlib.readiness.NotEnoughData`): no CLV, churn scores,
        value at risk or CLTV/CAC then.
    settings : AnalysisSettings
        Uses ``churn_window_days``, ``scheme``, ``lang``, ``horizon_months``, ``annual_discount_rate``,
        ``margin``, ``simple_cltv_lapse_days`` and ``comparison_months``.
    sentiment_model : ChineseSentimentClassifier, optional
        For Chinese feedback (:func:`crmlib.feedback.sentiment.chinese_model`); trained when needed if None.
    english_model : EnglishSentimentClassifier, optional
        For English feedback (:func:`crmlib.feedback.sentiment_en.english_model`); trained when needed if None.
    domain_fit : callable, optional
        Fits the domain sentiment blend (:func:`crmlib.feedback.sentiment_domain.with_domain_sentiment`);
        the notebook passes ``sentiment_domain.cached_fit(wb.cached)`` to share it with 05.
    summary, weekly_summary : DataFrame, optional
        The per-customer summaries in days and weeks (``wb.summary()``, ``wb.summary("W")``); computed if None.
    days : DataFrame, optional
        One row per customer and purchase day (:func:`crmlib.scans.summary.purchase_days`); computed if None.
    profit_table : DataFrame, optional
        Profit per buyer (:func:`crmlib.profit.customer_profit`); computed if None and the dataset has
        product costs or referrals. With product costs CLV, value at risk and CLTV/CAC are on profit
        (:func:`crmlib.profit.customer_value`).

    Returns
    -------
    OverviewFacts
        Every table and figure of the overview page.
    """
    summary = summary if summary is not None else customer_summary(dataset.transactions, dataset.analysis_date)
    weekly = (weekly_summary if weekly_summary is not None
              else customer_summary(dataset.transactions, dataset.analysis_date, "W"))
    days = days if days is not None else purchase_days(dataset.transactions, dataset.analysis_date)
    window = settings.churn_window_days or suggest_window(days)
    not_enough = {}
    new_customers = (kpi.new_customers_by_channel(dataset.transactions, dataset.customers)
                     if dataset.has("marketing_spend") else None)  # one scan for the monthly and the channel CAC
    try:
        monthly = kpi.monthly_kpis(dataset, days, window, new_customers=new_customers)
    except NotEnoughData as reason:  # no complete month: no KPI trends or cards
        monthly, not_enough["kpis"] = pd.DataFrame(index=pd.Index([], name="month")), reason
    segments = segment_table(summary, scheme=settings.scheme, lang=settings.lang)
    known_ids = dataset.customers["customer_id"] if dataset.has("customers") else None
    stages = lifecycle_stages(dataset.transactions, dataset.analysis_date, customer_ids=known_ids, summary=summary)
    referrals = has_referrals(dataset)
    if profit_table is None and (referrals or has_costs(dataset)):
        profit_table = customer_profit(dataset)
    clv = (customer_value(dataset, clv_fit, weekly, horizon_months=settings.horizon_months,
                          annual_discount_rate=settings.annual_discount_rate, margin=settings.margin,
                          table=profit_table) if clv_fit is not None else None)
    basis = clv.attrs["value_basis"] if clv is not None else value_basis(dataset, settings.margin)
    cac = (kpi.cac_table(dataset.transactions, dataset.customers, dataset.marketing_spend,
                         new_customers=new_customers) if dataset.has("marketing_spend") else None)
    comparison = comparison_date(dataset.analysis_date, settings.comparison_months)
    first_purchase = dataset.transactions["order_date"].min().normalize()
    before, after = (segment_migration(dataset.transactions, comparison, dataset.analysis_date, scheme=settings.scheme,
                                       summary=summary)
                     if first_purchase <= comparison < dataset.analysis_date else (None, None))  # else: no shift
    feedback = (score_feedback(dataset.feedback, topics=False, tokens=False, sentiment_model=sentiment_model,
                               english_model=english_model, domain_fit=domain_fit)
                if dataset.has("feedback") else None)
    champions = refs = None
    if referrals:
        value = clv["clv"] if basis == "profit" and clv is not None else profit_table["revenue"]
        refs = referral_value(dataset.customers, profit_table["revenue"], value)
        champions = advocates(refs, last_nps(dataset.feedback), segments["value_tier"].eq("high"))
    cltv_cac = (kpi.cltv_cac_by_channel(clv["clv"], dataset.customers, cac)
                if cac is not None and clv is not None and dataset.has("customers") else None)
    try:
        simple = simple_cltv_summary(summary, churn_window_days=settings.simple_cltv_lapse_days,
                                     margin=1.0 if basis == "profit" else settings.margin)
    except NotEnoughData as reason:
        simple, not_enough["simple-cltv"] = None, reason
    return OverviewFacts(
        window=window, monthly=monthly, headline=kpi.headline(monthly), segments=segments,
        lifecycle=pd.DataFrame({"lifecycle_stage": stages, "crm_stage": crm_stages(stages)}), clv=clv,
        churn=(score_churn(study, clv=clv["clv"], p_alive=clv["p_alive"])
               if study is not None and clv is not None else None), simple=simple,
        cac=cac, cltv_cac=cltv_cac,
        comparison=comparison, segments_before=before, segments_after=after, feedback=feedback,
        complaints=complaint_shares(feedback, settings.lang), value_basis=basis,
        profit=profit_headline(profit_table, clv["clv"], cac) if basis == "profit" and clv is not None else None,
        advocates=champions, referrals=refs, not_enough=not_enough)
