"""Cross-sell rules and recommendations on a tiny basket set computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlib.errors import DataError
from crmlib.overview.recommend import (
    CooccurrenceRecommender,
    PopularityRecommender,
    association_rules,
    hit_rate_at_n,
)

# customers' items: a {bread, milk}, b {bread, milk, eggs}, c {bread}, d {eggs, jam}
BASKETS = {"a": ["bread", "milk"], "b": ["bread", "milk", "eggs"], "c": ["bread"], "d": ["eggs", "jam"]}


@pytest.fixture
def tx():
    rows = [(c, item) for c, items in BASKETS.items() for item in items]
    return pd.DataFrame(rows, columns=["customer_id", "product"])


def test_rules_by_hand(tx):
    rules = association_rules(tx, "product").set_index(["antecedent", "consequent"])
    # bread: a, b, c (3 of 4); milk: a, b (2); both: a, b (2)
    assert rules.loc[("milk", "bread"), "support"] == pytest.approx(2 / 4)
    assert rules.loc[("milk", "bread"), "confidence"] == pytest.approx(2 / 2)
    assert rules.loc[("bread", "milk"), "confidence"] == pytest.approx(2 / 3)
    assert rules.loc[("bread", "milk"), "lift"] == pytest.approx((2 / 3) / (2 / 4))
    # eggs: b, d; jam: d; both: d
    assert rules.loc[("jam", "eggs"), "confidence"] == 1.0
    assert rules.loc[("eggs", "jam"), "lift"] == pytest.approx(0.5 / 0.25)
    assert ("jam", "bread") not in rules.index  # never bought together
    assert len(association_rules(tx, "product", min_support=0.5)) == 2  # bread<->milk only


def test_recommendations_exclude_owned_items_and_follow_rules(tx):
    recs = CooccurrenceRecommender("product", n=2).fit(tx).recommend(tx)
    owned = tx.groupby("customer_id")["product"].apply(set)
    for customer, group in recs.groupby("customer_id"):
        assert not set(group["item"]) & owned[customer]
    # c has bread: milk scores conf(bread->milk)=2/3, eggs 1/3, jam 0 (+ popularity tie-break)
    c = recs.loc[recs["customer_id"] == "c"].sort_values("rank")
    assert c["item"].tolist() == ["milk", "eggs"]
    assert c["score"].iloc[0] == pytest.approx(2 / 3, abs=1e-5)
    # d has eggs, jam: bread conf(eggs->bread)=1/2, milk 1/2 -> popularity breaks the tie (bread 3 > milk 2)
    assert recs.loc[recs["customer_id"] == "d", "item"].tolist() == ["bread", "milk"]


def test_popularity_baseline(tx):
    recs = PopularityRecommender("product", n=1).fit(tx).recommend(tx)
    assert recs.set_index("customer_id")["item"].to_dict() == {"a": "eggs", "b": "jam", "c": "eggs", "d": "bread"}


def test_hit_rate_uses_only_history_before_the_split():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "b", "b", "c", "c", "c"],
        "category": ["x", "y", "x", "y", "x", "z", "y"],
        "order_date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-03",
                                      "2024-01-01", "2024-02-10", "2024-02-11"]),
    })
    result = hit_rate_at_n(tx, "2024-01-31", CooccurrenceRecommender("category", n=1))
    # before the split c has {x}; x->y has confidence 1, so c is told y, and buys y (and z) later
    assert result["customers_evaluated"] == 1 and result["hit_rate"] == 1.0
    # the evaluation period's purchases never enter the history the recommendations come from
    later_changed = tx.assign(category=tx["category"].where(tx["order_date"] <= "2024-01-31", "w"))
    recommender = CooccurrenceRecommender("category", n=1)
    hit_rate_at_n(later_changed, "2024-01-31", recommender)
    assert "w" not in set(recommender.items_)


def test_missing_item_column_is_a_clear_error(tx):
    with pytest.raises(DataError, match="no 'category' column"):
        association_rules(tx, "category")


def test_on_the_sample_cooccurrence_beats_popularity():
    from crmlib.data.load import load_dataset_cached

    tx = load_dataset_cached("data/sample").transactions
    ours = hit_rate_at_n(tx, "2024-06-30", CooccurrenceRecommender("category", n=3))
    baseline = hit_rate_at_n(tx, "2024-06-30", PopularityRecommender("category", n=3))
    assert ours["customers_evaluated"] == baseline["customers_evaluated"] > 500
    assert ours["hit_rate"] > baseline["hit_rate"] + 0.03
