"""Unusual but valid data (tests/unusual.py): each analysis that cannot run raises NotEnoughData with
one sentence saying why and one saying what data would enable it, in English and in Chinese; where
the data suffices the same analysis runs."""

from __future__ import annotations

import pickle
import re

import pandas as pd
import pytest
from page_text import english_words
from unusual import BUILDERS

from crmlib.churn import churn_rate_by_month, churn_study, suggest_window
from crmlib.clv import fit_clv
from crmlib.clv.simple_cltv import simple_cltv_summary
from crmlib.clv.validation import holdout_validation
from crmlib.data.load import load_dataset
from crmlib.errors import DataError
from crmlib.feedback.analysis import score_feedback
from crmlib.feedback.topics import TopicModel
from crmlib.overview import kpi
from crmlib.readiness import NotEnoughData
from crmlib.scans.summary import customer_summary, purchase_days
from crmlib.segment import RFMClusterer, segment_table

CHECKS = {
    "holdout": lambda ds, s: holdout_validation(ds.transactions, None, ds.analysis_date, models="bgnbd"),
    "clv_fit": lambda ds, s: fit_clv(customer_summary(ds.transactions, ds.analysis_date, "W"), time_unit="W"),
    "simple_cltv": lambda ds, s: simple_cltv_summary(s),
    "clusters": lambda ds, s: RFMClusterer().fit(segment_table(s)),
    "window": lambda ds, s: suggest_window(purchase_days(ds.transactions, ds.analysis_date)),
    "churn_model": lambda ds, s: churn_study(ds, window_days=90, model="logistic"),
    "churn_rates": lambda ds, s: churn_rate_by_month(purchase_days(ds.transactions, ds.analysis_date), 90,
                                                     ds.analysis_date),
    "kpis": lambda ds, s: kpi.monthly_kpis(ds, purchase_days(ds.transactions, ds.analysis_date), 90),
}
FIRES = [  # (dataset, check, the English sentences' beginning)
    ("one_customer", "holdout", "Only 1 of 1 customers bought on two different days before the calibration end "
                                "2024-07-21, too few to check purchase models on a holdout. A longer history, with "
                                "at least 10 customers who bought again"),
    ("one_customer", "simple_cltv", "No customer's first purchase is 365 days or more before the analysis date"),
    ("one_customer", "clusters", "Only 1 customers differ in recency, frequency or spend, too few to form 3 "
                                 "clusters. Data with at least 4 customers"),
    ("one_customer", "churn_model", "All 1 customers at the test cutoff 2024-10-07 bought again within 90 days, so "
                                    "a churn model cannot be tested."),
    ("one_time_buyers", "holdout", "Only 0 of 30 customers bought on two different days before the calibration"),
    ("one_time_buyers", "clv_fit", "None of the 60 customers bought on two different days, so there is no repeat "
                                   "buying to learn from."),
    ("one_time_buyers", "window", "None of the 60 customers bought on two different days, so there are no gaps"),
    ("one_time_buyers", "churn_model", "All 45 customers at the test cutoff 2024-09-21 stayed away for the next 90"),
    ("one_day", "holdout", "All purchases fall between 2024-06-01 and 2024-06-01, which leaves no holdout period"),
    ("one_day", "window", "None of the 25 customers bought on two different days"),
    ("one_day", "churn_model", "The purchases span 0 days, too short to train and test a churn model with a "
                               "90-day window"),
    ("one_day", "churn_rates", "No calendar month that starts 90 days or more after the first purchase is "
                               "complete by the analysis date 2024-06-01"),
    ("two_months_ratings_only", "churn_rates", "No calendar month that starts 90 days or more after the first"),
    ("one_day", "kpis", "No calendar month with purchases is complete by the analysis date 2024-06-01"),
    ("two_months_ratings_only", "churn_model", "The purchases span 59 days"),
    ("two_months_ratings_only", "simple_cltv", "No customer's first purchase is 365 days or more"),
]
RUNS = [("one_time_buyers", "clusters"), ("one_customer", "window"), ("two_months_ratings_only", "holdout"),
        ("two_months_ratings_only", "clusters"), ("two_months_ratings_only", "kpis")]


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    root = tmp_path_factory.mktemp("unusual")
    names = {name for name, _, _ in FIRES} | {name for name, _ in RUNS}
    out = {}
    for name in sorted(names):
        ds = load_dataset(BUILDERS[name](root / name))
        out[name] = ds, customer_summary(ds.transactions, ds.analysis_date)
    return out


def chinese_without_english(reason: NotEnoughData) -> list[str]:
    """English words of the Chinese sentences, leaving out `code` (parameter names stay as they are)."""
    return english_words(re.sub(r"`[^`]*`", "", reason.text("zh")), set())


@pytest.mark.parametrize("name, check, expected", FIRES, ids=[f"{n}-{c}" for n, c, _ in FIRES])
def test_the_check_fires_with_its_sentences(datasets, name, check, expected):
    ds, summary = datasets[name]
    with pytest.raises(NotEnoughData) as raised:
        CHECKS[check](ds, summary)
    reason = raised.value
    assert reason.text("en").startswith(expected)
    because, enables = reason.sentences("en")
    assert because.endswith(".") and enables.endswith("would enable this.") or "enable this;" in enables
    assert isinstance(reason, DataError) and str(reason).startswith("input: " + because)
    zh = reason.text("zh")
    assert len(re.findall(r"[\u4e00-\u9fff]", zh)) > 15 and chinese_without_english(reason) == []


@pytest.mark.parametrize("name, check", RUNS, ids=[f"{n}-{c}" for n, c in RUNS])
def test_the_same_analysis_runs_where_the_data_suffices(datasets, name, check):
    ds, summary = datasets[name]
    assert CHECKS[check](ds, summary) is not None


def test_repetitive_texts_get_no_topics_and_say_why():
    tokens = pd.Series([["good"]] * 60)
    with pytest.raises(NotEnoughData) as raised:
        TopicModel().fit(tokens)
    assert raised.value.text("en") == (
        "The 60 texts share too few distinct words (each in at least 3 texts and not in most of them) to find "
        "topics. A few dozen texts that use varied words would enable this.")
    assert "min_df" not in raised.value.text("en") and chinese_without_english(raised.value) == []
    feedback = pd.DataFrame({"customer_id": [f"C{i}" for i in range(60)], "text": ["good"] * 60,
                             "rating": [5, 4] * 30})
    result = score_feedback(feedback)  # English only: VADER, no model to train
    assert result.topic_models == {} and list(result.topics_skipped) == ["en"]
    assert result.topics_skipped["en"].reason == raised.value.reason
    assert pickle.loads(pickle.dumps(result)).topics_skipped["en"].text("zh") == raised.value.text("zh")
    assert result.scored["sentiment_label"].astype(str).eq("positive").all()  # the rest still ran
