"""Clusters, profiles, lifecycle stages, migration, the export and the charts of crmlib.segment."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from crmlib import PROJECT_ROOT
from crmlib.data.load import load_dataset
from crmlib.errors import DataError
from crmlib.plots import segment as segment_plots
from crmlib.plots import setup
from crmlib.scans.summary import customer_summary
from crmlib.segment import (
    EXPORT_COLUMNS,
    RFMClusterer,
    age_bands,
    attach_attributes,
    attribute_profile,
    crm_funnel,
    crm_stages,
    lifecycle_stages,
    migration_summary,
    mix,
    numeric_attributes,
    segment_migration,
    segment_order,
    segment_overview,
    segment_table,
    segments_export,
    transition_matrix,
)


def _tx(rows):
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"]).assign(
        order_date=lambda t: pd.to_datetime(t["order_date"]))


# --- clusters -------------------------------------------------------------------------------

def _three_groups(seed=0, n=60):
    rng = np.random.default_rng(seed)
    groups = [  # (recency days, purchase days, total spend): recent big spenders, middling, lapsed one-timers
        (rng.integers(1, 15, n), rng.integers(8, 14, n), rng.normal(3000, 200, n)),
        (rng.integers(60, 120, n), rng.integers(3, 5, n), rng.normal(400, 40, n)),
        (rng.integers(300, 500, n), np.ones(n), rng.normal(30, 4, n)),
    ]
    rfm = pd.DataFrame({
        "recency": np.concatenate([g[0] for g in groups]).astype(float),
        "frequency": np.concatenate([g[1] for g in groups]).astype(float),
        "monetary": np.concatenate([g[2] for g in groups]),
    }, index=pd.Index([f"c{i}" for i in range(3 * n)], name="customer_id"))
    truth = np.repeat([0, 1, 2], n)
    return rfm, truth


def test_clusters_recover_known_groups_and_pick_k_by_silhouette():
    rfm, truth = _three_groups()
    model = RFMClusterer(k_range=(2, 6)).fit(rfm)
    assert model.k_ == 3
    assert model.scores_["k"].tolist() == [2, 3, 4, 5, 6]
    assert model.scores_.set_index("k")["silhouette"].idxmax() == 3
    assert adjusted_rand_score(truth, model.labels_) == pytest.approx(1.0)
    # numbered by spend: cluster 0 = the big spenders, 2 = the lapsed one-timers
    assert (model.labels_.to_numpy() == truth).all()
    assert model.descriptions_[0] == "recent, frequent, high spend"
    assert model.descriptions_[2] == "lapsed, rare buyers, low spend"
    assert model.profile_["customers"].tolist() == [60, 60, 60]
    zh = RFMClusterer(k_range=(3, 3), lang="zh").fit(rfm)
    assert zh.descriptions_[0] == "近期购买，高频，高消费"


def test_clusters_use_optional_attributes_and_reject_too_little_data():
    rfm, _ = _three_groups(n=20)
    rfm["age"] = np.r_[np.full(20, 25.0), np.full(20, 45.0), np.full(20, 65.0)]
    model = RFMClusterer(k_range=(3, 3), attributes=["age"]).fit(rfm)
    assert "age" in model.centers_.columns
    assert "low age" in model.descriptions_[0] and "high age" in model.descriptions_[2]
    with pytest.raises(DataError, match="Only 2 customers differ in recency, frequency or spend, too few to form 3 clusters"):
        RFMClusterer(k_range=(3, 5)).fit(rfm.iloc[[0, 0, 0, 20]])


# --- profiles -------------------------------------------------------------------------------

def test_attribute_profile_by_hand():
    segments = pd.DataFrame({
        "frequency": [1, 3, 2, 1, 5],
        "total_spend": [10.0, 60.0, 20.0, 5.0, 105.0],
        "value_tier": ["low", "high", "medium", "low", "high"],
    }, index=pd.Index(list("abcde"), name="customer_id"))
    customers = pd.DataFrame({"customer_id": list("abcdp"), "acquisition_channel": ["ads", "ref", "ref", "ads", "ads"],
                              "gender": ["F", "M", None, "F", "M"], "birth_year": [2000, 1980, 1990, 1960, 1999]})
    profile = attribute_profile(segments, customers, "acquisition_channel", "2024-06-30").set_index("acquisition_channel")
    # e is not in the customers table: unknown; p is a prospect: not a buyer
    assert profile.loc["ref", "customers"] == 2
    assert profile.loc["ref", "revenue_share"] == pytest.approx(80 / 200)
    assert profile.loc["ref", "repeat_rate"] == 1.0
    assert profile.loc["ref", "average_value"] == 40
    assert profile.loc["ref", "high_value_share"] == 0.5
    assert profile.loc["ref", "value_index"] == pytest.approx((80 / 200) / (2 / 5))
    assert profile.loc["ads", "repeat_rate"] == 0.0
    assert profile.loc["unknown", "revenue"] == 105
    assert profile.index[0] == "unknown"  # sorted by revenue share
    attached = attach_attributes(segments, customers, "2024-06-30")
    assert attached.loc["c", "gender"] == "unknown"
    assert attached.loc["a", "age_band"] == "<25" and attached.loc["b", "age_band"] == "35-44"
    tier_mix = mix(attached, "acquisition_channel")
    assert tier_mix.loc["ref"].to_dict() == {"high": 0.5, "low": 0.0, "medium": 0.5}
    np.testing.assert_allclose(tier_mix.sum(axis=1), 1.0)
    assert list(mix(attached, "acquisition_channel", order=["high", "medium", "low"]).columns) == ["high", "medium", "low"]


def test_age_bands_from_age_or_birth_year():
    customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "age": [17, 34, 70, np.nan]})
    assert age_bands(customers, "2024-01-01").tolist()[:3] == ["<25", "25-34", "65+"]
    assert pd.isna(age_bands(customers, "2024-01-01").iloc[3])
    with pytest.raises(DataError, match="birth_year"):
        age_bands(pd.DataFrame({"customer_id": ["a"]}), "2024-01-01")


def test_numeric_attributes_for_clustering():
    customers = pd.DataFrame({"customer_id": ["a", "b"], "birth_year": [1990, None], "score": ["7", "x"],
                              "signup_date": pd.to_datetime(["2024-06-01", "2024-06-20"])})
    got = numeric_attributes(customers, ["age", "tenure_days", "score"], "2024-06-30")
    assert got.loc["a"].tolist() == [34.0, 29.0, 7.0]
    assert np.isnan(got.loc["b", "age"]) and np.isnan(got.loc["b", "score"])
    with pytest.raises(DataError, match="income"):
        numeric_attributes(customers, ["income"], "2024-06-30")


# --- lifecycle ------------------------------------------------------------------------------

def test_lifecycle_stages_by_hand():
    tx = _tx([
        ("new", "2024-12-01", 5),
        ("won_back", "2023-01-01", 5), ("won_back", "2024-12-15", 5),  # 640 days without a purchase at 2024-10-02
        ("active", "2024-06-01", 5), ("active", "2024-10-03", 5),  # d = 89: active
        ("at_risk", "2024-01-01", 5), ("at_risk", "2024-10-02", 5),  # d = 90: churned by the churn rule, at risk
        ("late", "2024-01-01", 5), ("late", "2024-07-05", 5),  # d = 179: still at risk
        ("lapsed", "2024-01-01", 5), ("lapsed", "2024-07-04", 5),  # d = 180
        ("steady", "2024-05-01", 5), ("steady", "2024-09-01", 5), ("steady", "2024-12-01", 5),
    ])
    stages = lifecycle_stages(tx, "2024-12-31", active_days=90, lapsed_days=180, customer_ids=["lapsed", "prospect"])
    expected = {"new": "new", "won_back": "won_back", "active": "active", "at_risk": "at_risk", "late": "at_risk",
                "lapsed": "lapsed", "steady": "active", "prospect": "prospect"}
    assert stages.to_dict() == expected
    assert crm_stages(stages).to_dict() == {
        "new": "attract", "won_back": "retain", "active": "raise_value", "at_risk": "retain", "late": "retain",
        "lapsed": "attract", "steady": "raise_value", "prospect": "identify"}
    with pytest.raises(DataError, match="active_days"):
        lifecycle_stages(tx, "2024-12-31", active_days=200, lapsed_days=100)


def test_active_stages_are_exactly_the_customers_the_churn_rule_keeps():
    from crmlib.churn import churn_status

    dataset = load_dataset(PROJECT_ROOT / "data" / "sample")
    stages = lifecycle_stages(dataset.transactions, dataset.analysis_date, active_days=90, lapsed_days=180)
    churned = churn_status(customer_summary(dataset.transactions, dataset.analysis_date), 90)
    kept = stages.isin(["new", "won_back", "active"])
    assert (kept == ~churned.reindex(stages.index)).all()
    assert (customer_summary(dataset.transactions, dataset.analysis_date)["days_since_last"] == 90).any()  # the boundary occurs


def test_crm_funnel_by_hand():
    frequency = pd.Series({"a": 3, "b": 1, "c": 2, "d": 1})
    tiers = pd.Series({"a": "high", "b": "high", "c": "medium", "d": "low"})
    funnel = crm_funnel(frequency, tiers, n_identified=8).set_index("stage")
    assert funnel["customers"].tolist() == [8, 4, 2, 1]  # b is high but bought once: not in the last stage
    assert funnel.loc["retain", "conversion_from_previous"] == 0.5
    assert funnel.loc["attract", "share_of_identified"] == 0.5
    with pytest.raises(DataError, match="identified"):
        crm_funnel(frequency, tiers, n_identified=3)


# --- migration ------------------------------------------------------------------------------

def test_transition_matrix_by_hand():
    before = pd.Series({"a": "lost", "b": "champions", "c": "lost", "gone": "lost"})
    after = pd.Series({"a": "champions", "b": "lost", "c": "lost", "new": "new_customers"})
    matrix = transition_matrix(before, after, segment_order("rfm11"))
    assert matrix.loc["lost", "champions"] == 1 and matrix.loc["lost", "lost"] == 1
    assert matrix.loc["champions", "lost"] == 1
    assert matrix.loc["not_yet_customer", "new_customers"] == 1
    assert matrix.to_numpy().sum() == 4  # everyone who is a customer at the later date
    assert matrix.index[-1] == "not_yet_customer" and matrix.columns[0] == "champions"
    shares = transition_matrix(before, after, normalize=True)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    summary = migration_summary(before, after, segment_order("rfm11"))
    assert summary == {"customers_then": 4, "customers_now": 4, "stayed": 1, "moved": 2, "new_since": 1,
                       "improved": 1, "declined": 1}


def test_segment_migration_recomputes_both_dates():
    tx = _tx([("a", "2024-01-05", 50), ("a", "2024-06-20", 50), ("b", "2024-01-10", 5), ("c", "2024-06-25", 9)])
    before, after = segment_migration(tx, "2024-03-31", "2024-06-30")
    assert sorted(before.index) == ["a", "b"] and sorted(after.index) == ["a", "b", "c"]
    expected = segment_table(customer_summary(tx, "2024-06-30"))["segment"]
    pd.testing.assert_series_equal(after, expected)
    with pytest.raises(DataError, match="not before"):
        segment_migration(tx, "2024-06-30", "2024-06-30")
    with pytest.raises(DataError, match="first purchase"):
        segment_migration(tx, "2023-01-01", "2024-06-30")


# --- export ---------------------------------------------------------------------------------

def test_segments_export_has_the_contract_columns():
    tx = _tx([("a", "2024-01-05", 50), ("a", "2024-06-20", 50), ("b", "2024-01-10", 5), ("c", "2024-06-25", 9)])
    table = segment_table(customer_summary(tx, "2024-06-30"), lang="zh")
    clusters = pd.Series({"a": 0, "b": 1, "c": 1})
    stages = lifecycle_stages(tx, "2024-06-30", customer_ids=["a", "b", "c", "p"])
    export = segments_export(table, "rfm11", clusters, clusters.map({0: "x", 1: "y"}), stages, "zh")
    required = ["customer_id", "recency", "frequency", "monetary", "r_score", "f_score", "m_score", "segment",
                "value_tier", "cluster", "lifecycle_stage"]
    assert set(required) <= set(export.columns) and list(export.columns) == EXPORT_COLUMNS
    assert sorted(export["customer_id"]) == ["a", "b", "c"]  # buyers only, the prospect p is not scored
    row = export.set_index("customer_id").loc["a"]
    assert row["recency"] == 10 and row["frequency"] == 2 and row["monetary"] == 100
    assert row["value_tier"] == "high" and row["tier_action"].startswith("VIP")
    assert export["segment_action"].str.len().gt(0).all()


# --- the synthetic sample's known truth -----------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    ds = load_dataset(PROJECT_ROOT / "data" / "sample")
    table = segment_table(customer_summary(ds.transactions, ds.analysis_date))
    truth = pd.read_csv(PROJECT_ROOT / "data" / "sample" / "ground_truth_customers.csv",
                        dtype={"customer_id": str}).set_index("customer_id").loc[table.index]
    return ds, table, truth


def test_known_high_value_customers_land_in_the_high_tier(sample):
    ds, table, truth = sample
    high = table["value_tier"] == "high"
    base = high.mean()
    # true purchase rate x true mean spend
    rate_value = truth["lambda"] * truth["mean_spend"]
    top = rate_value >= rate_value.quantile(0.8)
    bottom = rate_value <= rate_value.quantile(0.2)
    assert high[top].mean() > 1.6 * base
    assert high[bottom].mean() < 0.3 * base
    # expected spend over the observed window: mean spend x (1 + expected repeat purchases, capped by dropout)
    age = (ds.analysis_date - pd.to_datetime(truth["acquired_at"])).dt.days
    window_value = truth["mean_spend"] * (1 + np.minimum(truth["lambda"] * age, 1 / truth["p_dropout"]))
    top = window_value >= window_value.quantile(0.8)
    assert high[top].mean() > 2.0 * base
    # champions are truly more valuable than lost customers
    assert rate_value[table["segment"] == "champions"].median() > 3 * rate_value[table["segment"] == "lost"].median()


def test_sample_channels_bring_value_as_generated(sample):
    ds, table, _ = sample
    profile = attribute_profile(table, ds.customers, "acquisition_channel").set_index("acquisition_channel")
    # the generator makes referral customers worth more and social ones less (CHANNEL_QUALITY_SLOPE)
    assert profile.loc["referral", "value_index"] > 1.2 > 0.8 > profile.loc["social", "value_index"]
    assert profile["customers"].sum() == len(table)


# --- charts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_charts_have_titles_axis_labels_and_render_chinese(lang):
    setup()
    rfm, _ = _three_groups(n=20)
    summary = pd.DataFrame({"days_since_last": rfm["recency"], "n_purchase_periods": rfm["frequency"],
                            "n_orders": rfm["frequency"], "total_spend": rfm["monetary"]})
    table = segment_table(summary, lang=lang)
    model = RFMClusterer(k_range=(2, 4), lang=lang).fit(table)
    overview = segment_overview(table, segment_order("rfm11"))
    profile = pd.DataFrame({"city": ["上海", "北京"], "customer_share": [0.6, 0.4], "revenue_share": [0.3, 0.7]})
    matrix = transition_matrix(table["segment"].iloc[:30], table["segment"], segment_order("rfm11"))
    funnel = crm_funnel(table["frequency"], table["value_tier"], 80).assign(label=["识别", "吸引", "保持", "提升"])
    figures = [
        segment_plots.plot_segment_sizes(overview, lang),
        segment_plots.plot_rfm_heatmap(table, lang),
        segment_plots.plot_cluster_profiles(model.positions_, model.descriptions_, lang),
        segment_plots.plot_silhouette_by_k(model.scores_, model.k_, lang),
        segment_plots.plot_profile_shares(profile, "city", "城市", lang),
        segment_plots.plot_tier_mix(pd.DataFrame({"high": [0.5], "low": [0.5]}, index=["上海"]), "城市", lang),
        segment_plots.plot_migration_matrix(matrix, "2024-01-01", "2024-06-30", lang),
        segment_plots.plot_crm_funnel(funnel, lang),
        segment_plots.plot_lifecycle_counts(pd.Series([3, 4], index=["新客户", "活跃客户"]), lang),
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for fig in figures:
            fig.canvas.draw()
    assert not [w for w in caught if "missing from" in str(w.message)], "a glyph is missing"
    for fig in figures:
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        if lang == "zh":
            assert any("\u4e00" <= ch <= "\u9fff" for ch in ax.get_title())
        plt.close(fig)


@pytest.mark.parametrize("value, lang, title, bar", [
    ("monetary", "en", "Mean spend by recency and frequency score", "spend (CN¥)"),
    ("frequency", "en", "Mean frequency by recency and frequency score", "frequency"),
    ("recency", "zh", "按 R 与 F 评分的平均距上次购买天数", "距上次购买天数"),
    ("total_spend", "zh", "按 R 与 F 评分的平均累计消费金额", "累计消费金额 (¥)"),
])
def test_the_rfm_heatmap_names_the_value_it_averages(value, lang, title, bar):
    rfm, _ = _three_groups(n=20)
    summary = pd.DataFrame({"days_since_last": rfm["recency"], "n_purchase_periods": rfm["frequency"],
                            "n_orders": rfm["frequency"], "total_spend": rfm["monetary"]})
    fig = segment_plots.plot_rfm_heatmap(segment_table(summary, lang=lang), lang, value=value, currency="CNY")
    assert fig.axes[0].get_title() == title
    assert fig.axes[1].get_ylabel() == bar  # the colour bar
    plt.close(fig)


def test_the_rfm_heatmap_of_an_unnamed_or_absent_value_says_what_to_pass():
    table = pd.DataFrame({"r_score": [1, 2], "f_score": [1, 2], "clv": [10.0, 20.0]})
    with pytest.raises(ValueError, match="value_label"):
        segment_plots.plot_rfm_heatmap(table, value="clv")
    with pytest.raises(ValueError, match="'churn' is not a column"):
        segment_plots.plot_rfm_heatmap(table, value="churn")
    fig = segment_plots.plot_rfm_heatmap(table, "en", value="clv", currency="USD", value_label="CLV")
    assert fig.axes[0].get_title() == "Mean CLV by recency and frequency score" and fig.axes[1].get_ylabel() == "CLV ($)"
    plt.close(fig)
