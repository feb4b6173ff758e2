"""The overview's shortcuts (issue 13) give exactly what the long way gives.

Each shortcut skips repeated work — scanning the transactions again for a summary or for new
customers the caller already has, one history scan per recommender, tokenising texts nobody reads,
patching a what-if's columns instead of re-running the pipeline — so its result must be the same
bits as the long way's, not merely close.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.churn.drivers import _typical, _what_if_effects, top_drivers
from crmlib.churn.models import ChurnClassifier
from crmlib.feedback.analysis import score_feedback
from crmlib.overview.kpi import cac_table, monthly_cac, new_customers_by_channel
from crmlib.overview.recommend import RECOMMENDERS, cross_sell_check, hit_rate_at_n, random_hit_rate
from crmlib.scans.summary import customer_summary
from crmlib.segment import lifecycle_stages, segment_migration

TEXTS = ["The parcel is late again", "great!", "", "物流太慢了，差评", "great!", "The parcel is late again",
         "ok", "质量很好", "great!", "refund took weeks", "ok", ""]


def _churn_frame(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"days_since_last": rng.uniform(0, 300, n).round(),
                      "n_complaints": rng.choice([0.0, 0.0, 0.0, 1.0, 2.0], n),
                      "recent_visits": np.where(rng.random(n) < 0.2, np.nan, rng.poisson(2, n).astype(float)),
                      "channel": rng.choice(["web", "app", "shop"], n)},
                     index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"))
    y = (X["days_since_last"] + 40 * X["n_complaints"] + rng.normal(0, 40, n)) > 150
    return X, y


def test_what_if_effects_of_gradient_boosting_are_those_of_a_full_rescoring():
    X, y = _churn_frame()
    model = ChurnClassifier("gradient_boosting").fit(X, y)
    features = ["days_since_last", "n_complaints", "recent_visits", "channel"]
    base, effects = _what_if_effects(model, X, features)
    assert np.array_equal(base, model.predict_proba(X)[:, 1])
    for name in features:
        what_if = X.assign(**{name: _typical(X[name])})
        assert np.array_equal(effects[name], base - model.predict_proba(what_if)[:, 1]), name
    drivers = top_drivers(model, X, features)
    table = pd.DataFrame({n: base - model.predict_proba(X.assign(**{n: _typical(X[n])}))[:, 1] for n in features},
                         index=X.index)
    assert drivers["driver_effect"].equals(table.max(axis=1).clip(lower=0))


def _transactions():
    rng = np.random.default_rng(2)
    n = 600
    return pd.DataFrame({"customer_id": [f"c{i}" for i in rng.integers(0, 120, n)],
                         "order_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D"),
                         "amount": rng.uniform(5, 200, n).round(2)})


def test_lifecycle_and_migration_with_the_callers_summary_are_unchanged():
    tx, date = _transactions(), pd.Timestamp("2024-12-31")
    summary = customer_summary(tx, date)
    ids = [f"c{i}" for i in range(130)]
    assert lifecycle_stages(tx, date, customer_ids=ids, summary=summary).equals(
        lifecycle_stages(tx, date, customer_ids=ids))
    before, after = segment_migration(tx, "2024-09-30", date, scheme="rfm11", summary=summary)
    before_2, after_2 = segment_migration(tx, "2024-09-30", date, scheme="rfm11")
    assert before.equals(before_2) and after.equals(after_2)


def test_cac_from_the_callers_new_customers_is_unchanged():
    tx = _transactions()
    customers = pd.DataFrame({"customer_id": [f"c{i}" for i in range(130)],
                              "acquisition_channel": np.array(["search", "social", "tv"])[np.arange(130) % 3]})
    spend = pd.DataFrame({"month": pd.to_datetime(["2023-01-01", "2023-02-01", "2024-03-01"]),
                          "acquisition_channel": ["search", "social", "tv"], "spend": [100.0, 60.0, 80.0]})
    new = new_customers_by_channel(tx, customers)
    assert cac_table(tx, customers, spend, new_customers=new).equals(cac_table(tx, customers, spend))
    assert monthly_cac(tx, customers, spend, new_customers=new).equals(monthly_cac(tx, customers, spend))


def test_cross_sell_check_from_one_scan_equals_each_check_on_its_own():
    rng = np.random.default_rng(3)
    n = 3000
    tx = pd.DataFrame({"customer_id": [f"c{i}" for i in rng.integers(0, 400, n)],
                       "category": np.array(list("abcdefgh"))[np.minimum(rng.geometric(0.3, n) - 1, 7)],
                       "order_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 720, n), "D")})
    check = cross_sell_check(tx, "2024-12-31", "category", n=2)
    for name, model in RECOMMENDERS.items():
        alone = hit_rate_at_n(tx, check["split"], model("category", 2))
        assert check[name] == alone, name
        assert 0 < alone["hits"] < alone["customers_evaluated"]
    assert check["random"] == random_hit_rate(tx, check["split"], "category", 2)


def test_feedback_scored_without_tokens_is_the_same_but_for_the_tokens():
    rng = np.random.default_rng(4)
    english = [t for t in TEXTS if t.isascii()]  # VADER: no Chinese model to train
    feedback = pd.DataFrame({"customer_id": [f"c{i}" for i in range(200)],
                             "text": np.array(english, dtype=object)[rng.integers(0, len(english), 200)],
                             "rating": rng.integers(1, 6, 200).astype(float)})
    full = score_feedback(feedback, topics=False, english_model="vader")
    lean = score_feedback(feedback, topics=False, english_model="vader", tokens=False)
    assert "tokens" in full.scored and "tokens" not in lean.scored
    assert lean.scored.equals(full.scored.drop(columns="tokens"))
    assert lean.categories.equals(full.categories)
