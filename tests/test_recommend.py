"""Cross-sell rules, recommendations and hit-rates on tiny basket sets computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.errors import DataError
from crmlib.overview.recommend import (
    CooccurrenceRecommender,
    EaseRecommender,
    PopularityRecommender,
    association_rules,
    expected_random_hits,
    hit_rate_at_n,
    random_hit_rate,
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


def test_random_baseline_is_the_hypergeometric_expectation_by_hand():
    # 8 unowned items, 2 of them bought later, 3 random picks: P(no hit) = C(6,3)/C(8,3) = 20/56
    assert expected_random_hits([8], [2], 3)[0] == pytest.approx(1 - 20 / 56)
    # fewer unowned items than picks: all are offered; nothing new in the catalogue: no hit possible
    assert expected_random_hits([2, 4, 0], [1, 0, 0], 3).tolist() == [1.0, 0.0, 0.0]
    # agrees with brute force over every 2-item suggestion list of 5 items, 2 relevant
    from itertools import combinations
    lists = list(combinations(range(5), 2))
    assert expected_random_hits([5], [2], 2)[0] == pytest.approx(sum(bool({0, 1} & set(c)) for c in lists) / len(lists))


HISTORY = pd.DataFrame({  # before 2024-01-31: a {x}, b {x, y}, c {z}; after: a y, b z and w (w unknown before), c x
    "customer_id": ["a", "b", "b", "c", "a", "b", "b", "c", "d"],
    "category": ["x", "x", "y", "z", "y", "z", "w", "x", "x"],
    "order_date": pd.to_datetime(["2024-01-01"] * 4 + ["2024-02-15"] * 5),
})


def test_hit_rates_of_every_recommender_by_hand():
    split = "2024-01-31"
    # catalogue {x, y, z}; x->y confidence 1/2, x->z 0, z->x 0; popularity x 2/3, y 1/3, z 1/3
    co = hit_rate_at_n(HISTORY, split, CooccurrenceRecommender("category", n=1))
    # a is told y (hit), b is told z (only item left: hit), c is told x (popularity tie-break: hit)
    assert (co["customers_evaluated"], co["hits"], co["hit_rate"]) == (3, 3, 1.0)  # d bought nothing before
    pop = hit_rate_at_n(HISTORY, split, PopularityRecommender("category", n=1))
    # a: y and z tie at 1/3, y first (sorted): hit; b: z hit; c: x hit
    assert pop["hit_rate"] == 1.0
    rnd = random_hit_rate(HISTORY, split, "category", n=1)
    # a: 2 unowned (y, z), 1 relevant -> 1/2; b: 1 unowned (z), relevant -> 1; c: 2 unowned (x, y), x relevant -> 1/2
    assert rnd["customers_evaluated"] == 3 and rnd["hit_rate"] == pytest.approx((0.5 + 1 + 0.5) / 3)


def test_ease_recovers_a_planted_co_purchase_structure():
    rng = np.random.default_rng(7)
    n = 3000
    # two pairs are bought together ({a, b}, {c, d}); e and f are bought by 90 % on their own
    pair = rng.integers(0, 2, n)
    wanted = {"a": pair == 0, "b": pair == 0, "c": pair == 1, "d": pair == 1}
    chance = {"a": 0.8, "b": 0.8, "c": 0.8, "d": 0.8, "e": 0.9, "f": 0.9}
    rows = [pd.DataFrame({"customer_id": np.flatnonzero(wanted.get(item, True) & (rng.random(n) < p)), "product": item})
            for item, p in chance.items()]
    tx = pd.concat(rows).astype({"customer_id": str})
    model = EaseRecommender("product", n=1).fit(tx)
    weights = pd.DataFrame(model.weights_, index=model.items_, columns=model.items_)
    assert weights.loc["a"].idxmax() == "b" and weights.loc["d"].idxmax() == "c"  # the planted partner first
    assert weights.loc["a", "c"] < 0 and weights.loc["b", "d"] < 0  # the other pair: never together
    one = pd.DataFrame({"customer_id": ["new1", "new2"], "product": ["a", "d"]})
    assert model.recommend(one).set_index("customer_id")["item"].to_dict() == {"new1": "b", "new2": "c"}
    # co-occurrence is pulled to the popular item instead (confidence a->f 0.9 > a->b 0.8)
    assert CooccurrenceRecommender("product", n=1).fit(tx).recommend(one)["item"].tolist() == ["f", "f"]
