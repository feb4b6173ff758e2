"""RFM, scores, named segments, value tiers and the editable tables, on hand-computed cases."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from crmlib.errors import ConfigError, DataError
from crmlib.scans.summary import customer_summary
from crmlib.segment import (
    action_table,
    assign_cn8,
    assign_rfm11,
    load_rules,
    quantile_scores,
    recommended_actions,
    rfm_scores,
    rfm_table,
    rules_table,
    segment_labels,
    segment_order,
    segment_overview,
    segment_table,
    tier_summary,
    uncovered_cells,
    value_tiers,
)
from crmlib.segment.actions import KINDS, actions_path
from crmlib.segment.schemes import rules_path

ANALYSIS = "2024-03-31"


@pytest.fixture
def tiny_summary():
    """Five customers; RFM worked out by hand in the tests below."""
    tx = pd.DataFrame(
        [
            ("a", "2024-01-01", 10.0), ("a", "2024-01-01", 5.0), ("a", "2024-03-30", 20.0),
            ("b", "2024-02-15", 100.0),
            ("c", "2024-01-10", 5.0), ("c", "2024-02-10", 5.0), ("c", "2024-03-10", 5.0),
            ("d", "2023-12-01", 40.0),
            ("e", "2024-03-31", 1.0),
            ("f", "2024-04-02", 999.0),  # after the analysis date: ignored
        ],
        columns=["customer_id", "order_date", "amount"],
    ).assign(order_date=lambda t: pd.to_datetime(t["order_date"]))
    return customer_summary(tx, ANALYSIS)


def test_rfm_values_by_hand(tiny_summary):
    rfm = rfm_table(tiny_summary).loc[list("abcde")]
    assert rfm["recency"].tolist() == [1, 45, 21, 121, 0]
    assert rfm["frequency"].tolist() == [2, 1, 3, 1, 1]  # purchase days: a's two orders on 1 Jan count once
    assert rfm["monetary"].tolist() == [35, 100, 15, 40, 1]
    orders = rfm_table(tiny_summary, frequency="orders", monetary="average").loc[list("abcde")]
    assert orders["frequency"].tolist() == [3, 1, 3, 1, 1]
    assert orders["monetary"].tolist() == pytest.approx([35 / 3, 100, 5, 40, 1])


def test_rfm_scores_by_hand(tiny_summary):
    scores = rfm_scores(rfm_table(tiny_summary)).loc[list("abcde")]
    # recency 1,45,21,121,0 -> ranks from worst: d,b,c,a,e
    assert scores["r_score"].tolist() == [4, 2, 3, 1, 5]
    # purchase days 2,1,3,1,1: the three one-day buyers tie at the bottom
    assert scores["f_score"].tolist() == [4, 1, 5, 1, 1]
    assert scores["m_score"].tolist() == [3, 5, 2, 4, 1]
    assert scores["fm_score"].tolist() == [4, 3, 4, 3, 1]  # (f + m) / 2 rounded half up
    assert scores.loc["a", "rfm_code"] == "443"
    with_orders = rfm_scores(rfm_table(tiny_summary, frequency="orders")).loc[list("abcde")]
    assert with_orders["f_score"].tolist() == [4, 1, 4, 1, 1]  # a and c tie on 3 orders


def test_segments_by_hand(tiny_summary):
    table = segment_table(tiny_summary).loc[list("abcde")]
    assert table["segment"].tolist() == ["loyal_customers", "at_risk", "loyal_customers", "at_risk",
                                         "new_customers"]
    mean = segment_table(tiny_summary, scheme="cn8").loc[list("abcde"), "segment"]
    # means: recency 37.6, purchase days 1.6, spend 38.2
    assert mean.tolist() == ["general_value", "important_winback", "general_value", "important_winback",
                             "general_development"]
    median = segment_table(tiny_summary, scheme="cn8", reference="median").loc[list("abcde"), "segment"]
    # medians: recency 21 (c ties: low), purchase days 1, spend 35 (a ties: low)
    assert median.tolist() == ["general_value", "important_winback", "general_retention",
                               "important_winback", "general_development"]


def test_segment_table_does_not_change_its_input(tiny_summary):
    before = tiny_summary.copy()
    segment_table(tiny_summary, scheme="cn8", lang="zh")
    pd.testing.assert_frame_equal(tiny_summary, before)


def test_quantile_scores_make_exact_quintiles_for_distinct_values():
    scores = quantile_scores(pd.Series(np.arange(10.0)))
    assert scores.tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    reverse = quantile_scores(pd.Series(np.arange(10.0)), higher_is_better=False)
    assert reverse.tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_heavy_ties_share_the_lowest_score_and_scores_stay_monotone():
    rng = np.random.default_rng(3)
    values = pd.Series(np.r_[np.ones(700), rng.integers(2, 30, 300)])
    scores = quantile_scores(values)
    assert (scores[values == 1] == 1).all()
    assert scores[values > 1].min() >= 4  # 70 % below them
    for value in values.unique():  # identical values, identical scores
        assert scores[values == value].nunique() == 1
    order = np.argsort(values.to_numpy(), kind="stable")
    assert (np.diff(scores.to_numpy()[order]) >= 0).all()
    assert scores.max() == 5


def test_single_customer_and_no_spread_get_the_neutral_score():
    tx = pd.DataFrame({"customer_id": ["solo"], "order_date": pd.to_datetime(["2024-01-01"]), "amount": [9.0]})
    table = segment_table(customer_summary(tx, "2024-02-01"))
    row = table.loc["solo"]
    assert (row["r_score"], row["f_score"], row["m_score"], row["fm_score"]) == (3, 3, 3, 3)
    assert row["segment"] == "need_attention"
    assert row["value_tier"] == "high"  # one customer brings all the revenue
    cn8 = segment_table(customer_summary(tx, "2024-02-01"), scheme="cn8")
    assert cn8.loc["solo", "segment"] == "general_winback"  # equal to the mean counts as low
    assert quantile_scores(pd.Series([7.0, 7.0, 7.0])).tolist() == [3, 3, 3]


def test_missing_values_and_missing_columns_are_clear_errors():
    with pytest.raises(DataError, match="missing"):
        quantile_scores(pd.Series([1.0, np.nan]))
    with pytest.raises(DataError, match="days_since_last"):
        rfm_table(pd.DataFrame({"total_spend": [1.0]}))
    with pytest.raises(DataError, match="frequency basis"):
        rfm_table(pd.DataFrame(), frequency="visits")


# --- the 11-segment rule table -------------------------------------------------------------

RULE_CASES = {  # (R, FM) -> expected segment: every rule, including where rules overlap
    "lost": [(1, 1)],  # also inside hibernating: first match wins
    "hibernating": [(1, 2), (2, 1), (2, 2)],
    "at_risk": [(1, 3), (2, 4)],
    "cant_lose_them": [(1, 5), (2, 5)],
    "about_to_sleep": [(3, 1), (3, 2)],
    "need_attention": [(3, 3)],
    "champions": [(5, 4), (5, 5)],  # also inside loyal customers
    "loyal_customers": [(3, 4), (4, 5), (3, 5)],
    "new_customers": [(5, 1)],  # also inside promising
    "promising": [(4, 1)],
    "potential_loyalists": [(4, 2), (5, 3), (4, 3)],
}


def test_every_rfm11_rule_is_exercised():
    cells = [(r, fm, key) for key, pairs in RULE_CASES.items() for r, fm in pairs]
    scores = pd.DataFrame(cells, columns=["r_score", "fm_score", "expected"])
    got = assign_rfm11(scores)["segment"]
    assert got.tolist() == scores["expected"].tolist()
    assert set(RULE_CASES) == {rule["key"] for rule in load_rules()["rfm11"]}


def test_rfm11_covers_every_score_cell_and_every_rule_is_reachable():
    assert uncovered_cells() == []
    grid = pd.DataFrame([(r, fm) for r in range(1, 6) for fm in range(1, 6)], columns=["r_score", "fm_score"])
    assert set(assign_rfm11(grid)["segment"]) == {rule["key"] for rule in load_rules()["rfm11"]}


def test_cn8_all_eight_classes():
    combos = [(r, f, m) for r in (1, 100) for f in (1, 10) for m in (1, 100)]
    rfm = pd.DataFrame(combos, columns=["recency", "frequency", "monetary"], dtype=float)
    got = assign_cn8(rfm)
    expected = {
        (1, 10, 100): "important_value", (1, 1, 100): "important_development",
        (100, 10, 100): "important_retention", (100, 1, 100): "important_winback",
        (1, 10, 1): "general_value", (1, 1, 1): "general_development",
        (100, 10, 1): "general_retention", (100, 1, 1): "general_winback",
    }
    assert got["segment"].tolist() == [expected[c] for c in combos]
    zh = segment_labels(got["segment"], "cn8", "zh")
    assert set(zh) == {"重要价值客户", "重要发展客户", "重要保持客户", "重要挽留客户",
                       "一般价值客户", "一般发展客户", "一般保持客户", "一般挽留客户"}


@pytest.mark.parametrize("scheme", ["rfm11", "cn8"])
def test_labels_and_actions_in_both_languages(scheme):
    keys = pd.Series([rule["key"] for rule in load_rules()[scheme]])
    en, zh = segment_labels(keys, scheme, "en"), segment_labels(keys, scheme, "zh")
    assert en.notna().all() and zh.notna().all()
    assert en.is_unique and zh.is_unique
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in zh)
    assert not any(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in en)
    for lang in ("en", "zh"):
        actions = recommended_actions(keys, scheme, lang)
        assert actions.str.len().gt(10).all(), f"{scheme}/{lang} lacks an action"
    table = rules_table(scheme, "zh")
    assert table["order"].tolist() == list(range(1, len(keys) + 1))
    assert set(segment_order(scheme)) == set(keys) | {"unclassified"}


@pytest.mark.parametrize("kind", KINDS)
def test_action_table_is_complete(kind):
    for lang in ("en", "zh"):
        table = action_table(kind, lang)
        assert table["action"].str.len().gt(5).all()
        assert table["label"].str.len().gt(0).all()
    if kind == "lifecycle":
        assert set(action_table(kind)["crm_stage"]) <= {"identify", "attract", "retain", "raise_value"}


def test_edited_tables_are_used_and_bad_ones_rejected(tmp_path):
    actions = yaml.safe_load(actions_path().read_text(encoding="utf-8"))
    actions["tiers"]["high"]["action_en"] = "Call them every week."
    edited = tmp_path / "actions.yaml"
    edited.write_text(yaml.safe_dump(actions, allow_unicode=True), encoding="utf-8")
    assert recommended_actions(pd.Series(["high"]), "tiers", "en", edited).item() == "Call them every week."

    del actions["lifecycle"]
    edited.write_text(yaml.safe_dump(actions, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="lifecycle"):
        action_table("tiers", path=edited)

    rules = yaml.safe_load(rules_path().read_text(encoding="utf-8"))
    rules["rfm11"] = [r for r in rules["rfm11"] if r["key"] != "need_attention"]
    incomplete = tmp_path / "rules.yaml"
    incomplete.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    assert uncovered_cells(incomplete) == [(3, 3)]
    scores = pd.DataFrame({"r_score": [3], "fm_score": [3]})
    assert assign_rfm11(scores, incomplete)["segment"].item() == "unclassified"

    rules["rfm11"][0]["r"] = [3, 1]
    incomplete.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="range"):
        assign_rfm11(scores, incomplete)


def test_bundled_tables_are_unchanged_by_use(tmp_path):
    copy = tmp_path / "segment_rules.yaml"
    shutil.copy(rules_path(), copy)
    rules_table("rfm11")
    assert copy.read_bytes() == rules_path().read_bytes()


# --- value tiers -----------------------------------------------------------------------------

def test_value_tiers_by_hand():
    value = pd.Series([50.0, 30.0, 15.0, 4.0, 1.0], index=list("abcde"))
    # revenue share of customers above: 0, .50, .80, .95, .99
    assert value_tiers(value).tolist() == ["high", "high", "medium", "low", "low"]
    assert value_tiers(value, cuts=(0.5, 0.9)).tolist() == ["high", "medium", "medium", "low", "low"]
    summary = tier_summary(value, value_tiers(value)).set_index("tier")
    assert summary.loc["high", "value_share"] == pytest.approx(0.8)
    assert summary.loc["medium", "customers"] == 1


def test_tied_customers_share_a_tier():
    value = pd.Series([10.0] * 10 + [1.0] * 5)
    tiers = value_tiers(value)
    assert tiers[:10].nunique() == 1 and tiers[:10].iloc[0] == "high"
    assert (tiers[10:] == "low").all()  # 10 x 10 = 95.2 % of revenue above them


@pytest.mark.parametrize("cuts", [(0.9, 0.8), (0.0, 0.5), (0.8, 1.2), (0.8,)])
def test_bad_tier_cuts_are_clear_errors(cuts):
    with pytest.raises(DataError, match="cut points"):
        value_tiers(pd.Series([1.0, 2.0]), cuts)


def test_segment_overview_shares_sum_to_one(tiny_summary):
    table = segment_table(tiny_summary)
    overview = segment_overview(table, segment_order("rfm11"))
    assert overview["customer_share"].sum() == pytest.approx(1)
    assert overview["revenue_share"].sum() == pytest.approx(1)
    at_risk = overview.set_index("segment").loc["at_risk"]
    assert at_risk["customers"] == 2 and at_risk["revenue"] == 140
    assert overview["segment"].tolist() == ["loyal_customers", "new_customers", "at_risk"]
