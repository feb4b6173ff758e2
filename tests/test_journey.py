"""Journeys and attribution against known truth: a five-journey example computed by hand for
every model, the planted Markov chain of the sample, the touchpoints loader, leakage-free
engagement features."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from crmlib import PROJECT_ROOT, journey
from crmlib.data.load import load_dataset
from crmlib.data.sample import SampleParameters, generate_sample, write_sample
from crmlib.data.sample_journeys import JOURNEY_CHANNELS, TRANSITIONS, chain_truth
from crmlib.engine import Engine
from crmlib.errors import DataError
from crmlib.scans.journeys import engagement_features

DAY = pd.Timedelta(days=1)
T0 = pd.Timestamp("2024-03-01 12:00")


def five_journeys():
    """j1 A>B>C bought 100, j2 A>C bought 60, j3 B, j4 A>B, j5 C bought 40 (contacts 15/8/1 days
    before the purchase, so time-decay weights with a 7-day half-life are 1/4 : 1/2 : 1)."""
    rows = [("j1", "A", 15), ("j1", "B", 8), ("j1", "C", 1), ("j2", "A", 8), ("j2", "C", 1),
            ("j3", "B", 3), ("j4", "A", 5), ("j4", "B", 2), ("j5", "C", 1)]
    contacts = pd.DataFrame({"customer_id": [r[0] for r in rows], "channel": [r[1] for r in rows],
                             "timestamp": [T0 - r[2] * DAY for r in rows]})
    orders = pd.DataFrame({"customer_id": ["j1", "j2", "j5"], "order_date": [T0] * 3, "amount": [100.0, 60.0, 40.0]})
    return journey.collect_journeys(contacts, orders, lookback_days=30, engine=Engine.duckdb())


HAND = {  # conversions credited to A, B, C
    "first_touch": (2, 0, 1),
    "last_touch": (0, 0, 3),
    "linear": (1 / 3 + 1 / 2, 1 / 3, 1 / 3 + 1 / 2 + 1),
    "time_decay": (1 / 7 + 1 / 3, 2 / 7, 4 / 7 + 2 / 3 + 1),
    # removal effects 5/9, 1/3, 1 (P(conversion) 3/5 falls to 4/15, 2/5, 0): shares 5/17, 3/17, 9/17 of 3
    "markov": (15 / 17, 9 / 17, 27 / 17),
}
HAND_REVENUE = {"first_touch": (160, 0, 40), "last_touch": (0, 0, 200), "linear": (100 / 3 + 30, 100 / 3, 100 / 3 + 70)}


@pytest.fixture(scope="module")
def five():
    data = five_journeys()
    return data, journey.attribute(data, half_life_days=7.0)


@pytest.mark.parametrize("model", list(HAND))
def test_every_model_matches_the_hand_computed_five_journeys(five, model):
    _, table = five
    got = table.loc[table["model"] == model].set_index("channel")["attributed_conversions"]
    np.testing.assert_allclose(got.loc[["A", "B", "C"]].to_numpy(), HAND[model], atol=1e-9)
    if model in HAND_REVENUE:
        revenue = table.loc[table["model"] == model].set_index("channel")["attributed_revenue"]
        np.testing.assert_allclose(revenue.loc[["A", "B", "C"]].to_numpy(), HAND_REVENUE[model], atol=1e-9)


def test_five_journeys_removal_effects_and_paths(five):
    data, table = five
    effects = table.attrs["removal_effects"]
    np.testing.assert_allclose([effects[c] for c in "ABC"], [5 / 9, 1 / 3, 1.0], atol=1e-12)
    paths = data.paths.set_index("path")
    assert paths.loc["A > B > C", "conversions"] == 1 and paths.loc["A > B", "non_conversions"] == 1
    assert data.journeys.set_index("customer_id").loc["j1", "days_to_conversion"] == pytest.approx(15.0)


def test_shares_sum_to_one_per_model(five, sample_attribution):
    for table in (five[1], sample_attribution[1]):
        sums = table.groupby("model")["share"].sum()
        assert set(sums.index) == set(journey.MODELS)
        np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-9)


def test_rules_agree_with_a_count_over_the_distinct_paths(sample_attribution):
    """The engine's first/last/linear credit per contact vs plain Python over the distinct paths."""
    data, table = sample_attribution
    expected = {"first_touch": {}, "last_touch": {}, "linear": {}}
    for path, conversions in zip(data.paths["path"], data.paths["conversions"], strict=True):
        steps = path.split(" > ")
        for model, credit in (("first_touch", {steps[0]: 1.0}), ("last_touch", {steps[-1]: 1.0}),
                              ("linear", {})):
            if model == "linear":
                for step in steps:
                    credit[step] = credit.get(step, 0.0) + 1 / len(steps)
            for channel, share in credit.items():
                expected[model][channel] = expected[model].get(channel, 0.0) + share * conversions
    for model, by_channel in expected.items():
        ours = table.loc[table["model"] == model].set_index("channel")["attributed_conversions"]
        truth = pd.Series(by_channel)
        np.testing.assert_allclose(ours.reindex(truth.index).to_numpy(), truth.to_numpy(), atol=1e-6)


def test_markov_removal_effects_match_a_simulation_of_the_chain(sample_attribution):
    """Exact removal effects vs random walks through the chain counted from the paths by hand."""
    data, table = sample_attribution
    moves: dict[str, dict[str, float]] = {}
    for path, won, lost in zip(data.paths["path"], data.paths["conversions"], data.paths["non_conversions"], strict=True):
        states = ["(start)", *path.split(" > ")]
        for here, there in zip(states, [*states[1:], None], strict=True):
            out = moves.setdefault(here, {})
            if there is None:
                out["(conversion)"] = out.get("(conversion)", 0.0) + won
                out["(null)"] = out.get("(null)", 0.0) + lost
            else:
                out[there] = out.get(there, 0.0) + won + lost
    rng = np.random.default_rng(7)
    names = {state: list(out) for state, out in moves.items()}
    probs = {state: np.array(list(out.values())) / sum(out.values()) for state, out in moves.items()}
    walks, converted, visited = 40_000, np.zeros(40_000, bool), []
    for k in range(walks):
        state, seen = "(start)", set()
        while state not in ("(conversion)", "(null)"):
            state = names[state][rng.choice(len(probs[state]), p=probs[state])]
            seen.add(state)
        converted[k] = state == "(conversion)"
        visited.append(seen)
    for channel, effect in table.attrs["removal_effects"].items():
        lost = np.mean([won and channel in seen for won, seen in zip(converted, visited, strict=True)]) / converted.mean()
        assert effect == pytest.approx(lost, abs=0.015), channel


def test_the_analyses_read_the_journeys_contacts_computed_once():
    """collect_journeys computes the contacts of the journeys once, into the engine: with every other
    table of the engine dropped (the raw contacts and orders), the later analyses still run on them and
    give the same numbers; the engine's copy goes when the journeys do."""
    import gc

    data = five_journeys()
    engine, kept = data.engine, data.touches.op().name
    before = (journey.attribute(data, half_life_days=7.0), journey.conversion_by_touch(data, "channel"))
    for (name,) in engine.backend.con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall():
        if name != kept:
            engine.backend.drop_table(name, force=True)
    pd.testing.assert_frame_equal(journey.attribute(data, half_life_days=7.0), before[0])
    pd.testing.assert_frame_equal(journey.conversion_by_touch(data, "channel"), before[1])
    del data
    gc.collect()
    assert engine.backend.con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone() == (0,)


def test_credited_clv_by_hand_on_the_five_journeys(five):
    """j1 (A > B > C, CLV 10), j2 (A > C, CLV 20), j5 (C, CLV 40) converted; j3 and j4 did not."""
    data, table = five
    clv = pd.Series({"j1": 10.0, "j2": 20.0, "j5": 40.0, "j3": 99.0})
    got = journey.credited_clv(data, clv, table.attrs["removal_effects"]).set_index(["model", "channel"])
    linear, first = got.loc["linear"], got.loc["first_touch"]
    np.testing.assert_allclose(linear.loc[["A", "B", "C"], "mean_clv"], [16.0, 10.0, 320 / 11], rtol=1e-15)
    np.testing.assert_allclose(linear.loc[["A", "B", "C"], "credited_customers"], [5 / 6, 1 / 3, 11 / 6], rtol=1e-15)
    assert first.at["A", "mean_clv"] == 15.0 and first.at["C", "mean_clv"] == 40.0 and np.isnan(first.at["B", "mean_clv"])
    assert set(got.index.get_level_values("model")) == {"first_touch", "last_touch", "linear", "time_decay", "markov"}
    without_j2 = journey.credited_clv(data, clv.drop("j2")).set_index(["model", "channel"]).loc["linear"]
    assert without_j2.at["A", "mean_clv"] == pytest.approx(10.0) and without_j2.at["A", "credited_customers"] == pytest.approx(1 / 3)
    with pytest.raises(DataError, match=r"more than one value for customer ids \['j1'\]"):
        journey.credited_clv(data, pd.concat([clv, pd.Series({"j1": 5.0})]))
    with pytest.raises(DataError, match="no credited customer has a CLV"):
        journey.credited_clv(data, pd.Series({"j3": 1.0}))


def test_journeys_by_group_by_hand_on_the_five_journeys(five):
    """Groups of buyers: j1, j2 in "gold", j5 in "new"; j3, j4 never bought (the other label)."""
    data, _ = five
    table = journey.journeys_by_group(data.journeys, pd.Series({"j1": "gold", "j2": "gold", "j5": "new"}),
                                      "tier", other="none").set_index("tier")
    assert table["journeys"].to_dict() == {"gold": 2, "none": 2, "new": 1}
    assert table["conversions"].to_dict() == {"gold": 2, "none": 0, "new": 1}
    assert table.at["gold", "mean_contacts"] == 2.5 and table.at["none", "mean_contacts"] == 1.5
    assert table.at["gold", "median_days_to_conversion"] == pytest.approx(11.5)  # 15 and 8 days
    assert table.at["gold", "first_channel"] == "A" and table.at["gold", "first_channel_share"] == 1.0
    assert table.at["gold", "last_channel"] == "C" and table.at["new", "last_channel"] == "C"
    assert table.at["none", "first_channel_share"] == 0.5  # j3 starts with B, j4 with A


@pytest.fixture(scope="module")
def sample_dataset():
    return load_dataset(PROJECT_ROOT / "data" / "sample")


@pytest.fixture(scope="module")
def sample_attribution(sample_dataset):
    ds = sample_dataset
    data = journey.collect_journeys(ds.touchpoints, ds.transactions, customers=ds.customers,
                                    analysis_date=ds.analysis_date, engine=Engine.duckdb())
    return data, journey.attribute(data)


def test_the_planted_channel_roles_are_recovered(sample_attribution):
    truth = json.loads((PROJECT_ROOT / "data" / "sample" / "ground_truth.json").read_text(encoding="utf-8"))["journeys"]
    shares = journey.share_matrix(sample_attribution[1])
    closer, opener = truth["closing_channel"], truth["introducing_channel"]
    assert shares.at[closer, "last_touch"] > shares.at[closer, "first_touch"] + 0.1
    assert shares.at[opener, "first_touch"] > shares.at[opener, "last_touch"] + 0.1
    planted = pd.Series(truth["markov_share"])
    rho = spearmanr(shares["markov"].reindex(planted.index), planted).statistic
    assert rho == pytest.approx(1.0)  # the channels rank as planted
    np.testing.assert_allclose(shares["markov"].reindex(planted.index), planted, atol=0.03)
    for kind in ("first_touch", "last_touch"):  # the rules recover the chain's expected shares
        np.testing.assert_allclose(shares[kind].reindex(planted.index), pd.Series(truth[f"{kind}_share"]), atol=0.03)


def test_the_planted_service_lift_shows_in_conversion_by_touch(sample_attribution):
    by_channel = journey.conversion_by_touch(sample_attribution[0], "channel").set_index("channel")
    assert by_channel.at["customer_service", "lift"] > 1.2
    assert by_channel.at["social", "lift"] < 1.0
    assert by_channel["journeys"].sum() >= len(sample_attribution[0].converted_with_path)


def test_chain_truth_of_a_two_step_chain_by_hand():
    # start in search only: conversion from search 0.25 direct plus onward paths; removal of search loses all
    start = np.zeros(len(JOURNEY_CHANNELS))
    start[0] = 1.0
    truth = chain_truth(start)
    assert truth["removal_effect"]["search"] == pytest.approx(1.0)
    assert truth["first_touch_share"]["search"] == pytest.approx(1.0)
    assert sum(truth["last_touch_share"].values()) == pytest.approx(1.0)
    assert TRANSITIONS.sum(axis=1) == pytest.approx(np.ones(len(JOURNEY_CHANNELS)))


def test_lookback_and_purchase_bound_the_journey():
    contacts = pd.DataFrame({"customer_id": ["a"] * 4, "channel": ["old", "social", "email", "after"],
                             "timestamp": [T0 - 40 * DAY, T0 - 10 * DAY, T0 - DAY, T0 + DAY]})
    orders = pd.DataFrame({"customer_id": ["a"], "order_date": [T0], "amount": [10.0]})
    data = journey.collect_journeys(contacts, orders, lookback_days=30, engine=Engine.duckdb())
    assert data.journeys["path"].tolist() == ["social > email"]
    wider = journey.collect_journeys(contacts, orders, lookback_days=60, engine=Engine.duckdb())
    assert wider.journeys["path"].tolist() == ["old > social > email"]


def test_engagement_features_read_nothing_after_the_cutoff():
    contacts = pd.DataFrame({"customer_id": ["a", "a", "a", "b"], "channel": ["app", "customer_service", "app", "app"],
                             "touchpoint_type": ["app_visit", "service_contact", "app_visit", "app_visit"],
                             "timestamp": pd.to_datetime(["2024-05-01", "2024-06-10", "2024-07-05", "2024-01-01"])})
    features = engagement_features(Engine.duckdb(), contacts, "2024-06-30", pd.Index(["a", "b", "c"]), recent_days=90)
    assert features.loc["a", ["recent_visits", "recent_service_contacts", "recent_contacts"]].tolist() == [1, 1, 2]
    assert features.loc["b", "recent_contacts"] == 0 and features.loc["b", "days_since_last_contact"] == pytest.approx(182)
    assert features.loc["c", "recent_contacts"] == 0 and np.isnan(features.loc["c", "days_since_last_contact"])


def test_sample_touchpoints_leave_the_other_tables_unchanged():
    with_, _ = generate_sample(SampleParameters(n_customers=300, seed=3))
    without, _ = generate_sample(SampleParameters(n_customers=300, seed=3, touchpoints=False))
    assert "touchpoints" in with_ and "touchpoints" not in without
    for name, table in without.items():
        pd.testing.assert_frame_equal(with_[name], table)


def test_loader_cleans_touchpoints_and_accounts_for_every_row(tmp_path):
    folder = write_sample(tmp_path / "s", SampleParameters(n_customers=300, seed=3))
    raw = pd.read_csv(folder / "touchpoints.csv")
    ds = load_dataset(folder)
    log = ds.quality_log.loc[ds.quality_log["table"] == "touchpoints"].set_index("check")["rows"]
    dropped = log.get("missing customer or visitor id", 0) + log.get("duplicate line (identical row)", 0)
    assert dropped > 0 and len(ds.touchpoints) == len(raw) - dropped == log["rows kept"]
    assert ds.touchpoints["timestamp"].dtype == "datetime64[ns]" and ds.touchpoints["cost"].notna().any()
    anonymous = ~ds.touchpoints["customer_id"].isin(set(ds.customers["customer_id"]))
    assert anonymous.sum() == log["ids that are neither buyers nor customers (anonymous visitors, kept)"]


def test_attributed_cac_divides_the_channels_spend(sample_attribution):
    ds = load_dataset(PROJECT_ROOT / "data" / "sample")
    spend = journey.channel_spend(ds.marketing_spend, ds.touchpoints)
    table = journey.with_cac(sample_attribution[1], spend)
    search = table.loc[(table["channel"] == "search") & (table["model"] == "last_touch")].iloc[0]
    assert search["attributed_cac"] == pytest.approx(
        ds.marketing_spend.loc[ds.marketing_spend["acquisition_channel"] == "search", "spend"].sum()
        / search["attributed_conversions"])
    assert spend.set_index("channel").at["wechat", "spend_source"] == "touchpoint cost"


def test_engagement_gain_finds_churn_that_only_the_contacts_foretell():
    # Everyone buys the same amounts on the same days; at each cutoff a random half visited the app ten
    # days before and buys again within the window, the others do not. Purchases cannot tell them apart
    # (the train cutoff's buyers are drawn independently of the test cutoff's), the visits can.
    from crmlib.churn.study import ChurnTables

    rng = np.random.default_rng(7)
    ids = [f"c{i:04d}" for i in range(800)]
    common = pd.date_range("2023-01-15", "2024-05-15", freq="60D")
    orders = [(c, d) for c in ids for d in common]
    visits = []
    for visit, purchase in (("2024-05-22", "2024-07-01"), ("2024-09-20", "2024-11-01")):  # cutoffs 06-01, 09-30
        engaged = np.asarray(ids)[rng.random(len(ids)) < 0.5]
        visits += [(c, pd.Timestamp(visit)) for c in engaged]
        orders += [(c, pd.Timestamp(purchase)) for c in engaged]
    transactions = pd.DataFrame(orders, columns=["customer_id", "order_date"]).assign(amount=50.0)
    transactions["order_id"] = [f"o{i}" for i in range(len(transactions))]
    contacts = pd.DataFrame(visits, columns=["customer_id", "timestamp"]).assign(
        channel="app", touchpoint_type="app_visit")
    gain = journey.engagement_gain(ChurnTables(transactions, touchpoints=contacts), window_days=90,
                                   analysis_date="2024-12-31", train_cutoff="2024-06-01", test_cutoff="2024-09-30")
    assert (gain["train_cutoff"], gain["test_cutoff"]) == ("2024-06-01", "2024-09-30")
    assert "recent_visits" in gain["features"]
    assert gain["roc_auc_with"] > 0.95
    assert abs(gain["roc_auc_without"] - 0.5) < 0.1
    assert gain["gain"] == pytest.approx(gain["roc_auc_with"] - gain["roc_auc_without"])


def test_engagement_gain_uses_given_cutoffs_on_a_history_too_short_for_the_defaults():
    # Purchases start 2024-05-01: less than the three 90-day windows before 2024-12-31 that the default
    # cutoffs need, but the caller's cutoffs (06-01 and 09-30) have all they need.
    from crmlib.churn.study import ChurnTables
    from crmlib.readiness import NotEnoughData

    rng = np.random.default_rng(7)
    ids = [f"c{i:04d}" for i in range(200)]
    orders = [(c, pd.Timestamp(d)) for c in ids for d in ("2024-05-01", "2024-05-15")]
    visits = []
    for visit, purchase in (("2024-05-22", "2024-07-01"), ("2024-09-20", "2024-11-01")):
        engaged = np.asarray(ids)[rng.random(len(ids)) < 0.5]
        visits += [(c, pd.Timestamp(visit)) for c in engaged]
        orders += [(c, pd.Timestamp(purchase)) for c in engaged]
    transactions = pd.DataFrame(orders, columns=["customer_id", "order_date"]).assign(amount=50.0)
    transactions["order_id"] = [f"o{i}" for i in range(len(transactions))]
    contacts = pd.DataFrame(visits, columns=["customer_id", "timestamp"]).assign(
        channel="app", touchpoint_type="app_visit")
    tables = ChurnTables(transactions, touchpoints=contacts)
    gain = journey.engagement_gain(tables, window_days=90, analysis_date="2024-12-31",
                                   train_cutoff="2024-06-01", test_cutoff="2024-09-30")
    assert (gain["train_cutoff"], gain["test_cutoff"]) == ("2024-06-01", "2024-09-30")
    assert gain["roc_auc_with"] > 0.95
    with pytest.raises(NotEnoughData):  # a missing cutoff still takes the default, which needs the history
        journey.engagement_gain(tables, window_days=90, analysis_date="2024-12-31", train_cutoff="2024-06-01")


def test_a_purchase_after_the_analysis_date_converts_no_journey():
    contacts = pd.DataFrame({"customer_id": ["a", "b"], "channel": ["search", "email"],
                             "timestamp": pd.to_datetime(["2024-06-25 10:00", "2024-06-20 09:00"])})
    orders = pd.DataFrame({"customer_id": ["a", "c"], "order_date": pd.to_datetime(["2024-07-05", "2024-07-10"]),
                           "amount": [10.0, 5.0]})
    early = journey.collect_journeys(contacts, orders, analysis_date="2024-06-30").journeys.set_index("customer_id")
    assert list(early.index) == ["a", "b"]  # c only bought later: no journey yet
    assert not early["converted"].any() and (early["revenue"] == 0).all()
    assert early.at["a", "end_at"] == pd.Timestamp("2024-06-25 10:00")  # the last contact, not the later order
    later = journey.collect_journeys(contacts, orders, analysis_date="2024-07-05").journeys.set_index("customer_id")
    assert later.at["a", "converted"] and later.at["a", "revenue"] == 10.0  # on the analysis day it counts


def _journey_numbers(ds, threads: int) -> str:
    """Every float the journey exports and the CAC tables hold, computed on a fresh engine with
    ``threads`` DuckDB threads, written as JSON (``repr`` of each float: every digit counts)."""
    engine = Engine.duckdb(threads=threads)
    data = journey.collect_journeys(ds.touchpoints, ds.transactions, customers=ds.customers,
                                    analysis_date=ds.analysis_date, engine=engine)
    table = journey.attribute(data)
    effects = table.attrs["removal_effects"]
    table = journey.with_cac(table, journey.channel_spend(ds.marketing_spend, ds.touchpoints, engine=engine))
    clv = pd.Series(np.linspace(10.0, 500.0, len(data.journeys)) / 3, index=data.journeys["customer_id"])
    credited = journey.credited_clv(data, clv, effects)
    parts = {"attribution": table, "credited_clv": credited, "paths": data.paths, "journeys": data.journeys,
             "cac": journey.cac_by_model(table), "roi": journey.roi_by_channel(table, clv=credited),
             "by_channel": journey.conversion_by_touch(data, "channel")}
    return json.dumps({name: frame.astype(object).where(frame.notna(), None).to_dict("list")
                       for name, frame in parts.items()} | {"removal_effects": effects}, default=str)


def test_journey_numbers_are_the_same_bytes_with_any_number_of_threads(sample_dataset):
    """DuckDB's threads add a float sum's parts in any order (the last digits changed from run to
    run); the journey scans sum exactly, so repeated runs give the same bytes."""
    runs = [_journey_numbers(sample_dataset, threads) for threads in (1, 4, 8, 8)]
    assert all(run == runs[0] for run in runs[1:])


def test_credit_sums_are_the_correctly_rounded_sums_of_the_contacts_credits(sample_dataset):
    """Each channel's credited conversions and revenue are the exact sum of its contacts' credits
    (math.fsum over the contacts, rounded once), to within one unit in the last place."""
    import math

    from crmlib.scans.journeys import rule_credits, touch_credits

    ds = sample_dataset
    engine = Engine.duckdb(threads=4)
    data = journey.collect_journeys(ds.touchpoints, ds.transactions, analysis_date=ds.analysis_date, engine=engine)
    contacts = engine.to_pandas(touch_credits(data.touches, 7.0))
    ours = engine.to_pandas(rule_credits(data.touches, 7.0)).set_index("channel").sort_index()
    for model in ("linear", "time_decay"):
        credited = contacts.assign(credited_revenue=contacts[model] * contacts["revenue"]).groupby("channel")
        conversions, revenue = credited[model].apply(math.fsum), credited["credited_revenue"].apply(math.fsum)
        np.testing.assert_array_max_ulp(ours[f"{model}_conversions"].to_numpy(), conversions.sort_index().to_numpy(), 1)
        np.testing.assert_array_max_ulp(ours[f"{model}_revenue"].to_numpy(), revenue.sort_index().to_numpy(), 1)
    per_journey = contacts.groupby("customer_id")["time_decay"].sum()
    np.testing.assert_allclose(per_journey.to_numpy(), 1.0, rtol=1e-15)
