"""The scorecard joins per-customer results without changing them."""

from __future__ import annotations

import pandas as pd

from crmlib.overview.scorecard import (
    SCORECARD_COLUMNS,
    build_scorecard,
    latest_feedback,
    product_lists,
)


def _index(ids):
    return pd.Index(ids, name="customer_id")


def test_scorecard_joins_sources_and_ranks_by_value_at_risk():
    segments = pd.DataFrame({"segment": ["champions", "lost", "at_risk"], "segment_label": ["C", "L", "R"],
                             "value_tier": ["high", "low", "medium"]}, index=_index(["a", "b", "c"]))
    clv = pd.DataFrame({"clv": [500.0, 5.0, 80.0], "p_alive": [0.9, 0.1, 0.6]}, index=_index(["a", "b", "c"]))
    churn = pd.DataFrame({"churn_probability": [0.1, 0.9, 0.5], "value_at_risk": [50.0, 4.5, 40.0]},
                         index=_index(["a", "b", "c"]))
    feedback = pd.DataFrame({"customer_id": ["a", "a", "c"], "date": pd.to_datetime(["2024-01-02", "2024-01-01", "2024-01-05"]),
                             "nps": [9.0, 3.0, None]})
    latest = latest_feedback(feedback, pd.Series([0.8, 0.1, 0.3]))
    products = product_lists(pd.DataFrame({"customer_id": ["a", "a", "c"], "rank": [2, 1, 1], "item": ["y", "x", "z"]}))
    card = build_scorecard(segments, clv=clv, churn=churn, feedback=latest,
                           actions=pd.Series({"a": "reward", "b": "ignore", "c": "call"}), products=products)
    assert list(card.columns) == SCORECARD_COLUMNS
    assert card["customer_id"].tolist() == ["a", "c", "b"]  # by value at risk
    a = card.set_index("customer_id").loc["a"]
    assert (a["clv"], a["latest_nps"], a["latest_sentiment"]) == (500.0, 9.0, 0.8)  # latest by date
    assert a["recommended_products"] == "x; y" and a["next_action"] == "reward"
    assert pd.isna(card.set_index("customer_id").loc["b", "latest_nps"])
    assert card["lifecycle_stage"].isna().all()  # no lifecycle given: empty, not invented


def test_without_feedback():
    assert latest_feedback(None).empty


def test_product_lists_equal_a_join_per_customer():
    import numpy as np

    from crmlib.overview.scorecard import product_lists

    rng = np.random.default_rng(4)
    recs = pd.DataFrame({"customer_id": rng.choice([f"c{i}" for i in range(300)], 900),
                         "rank": rng.integers(1, 4, 900), "item": rng.choice(["鞋", "socks", "hat"], 900)})
    recs = recs.drop_duplicates(["customer_id", "rank"]).sample(frac=1, random_state=2)
    expected = recs.sort_values(["customer_id", "rank"]).groupby("customer_id")["item"].agg("; ".join)
    pd.testing.assert_series_equal(product_lists(recs), expected.rename("recommended_products"), check_index_type=False)
