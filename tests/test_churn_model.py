"""Churn prediction: leakage guard, labels, metrics, drivers, reasons, priority, sample and labelled mode."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from crmlib import churn
from crmlib.data.load import load_dataset
from crmlib.errors import DataError

CUTOFF = pd.Timestamp("2024-06-30")


@pytest.fixture(scope="module")
def sample():
    return load_dataset("data/sample")


def _tx(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    frame["order_date"] = pd.to_datetime(frame["order_date"], format="mixed")
    return frame


def _features(ds, transactions=None, returns=None, feedback=None):
    return churn.churn_features(ds.transactions if transactions is None else transactions, CUTOFF,
                                customers=ds.customers, returns=ds.returns if returns is None else returns,
                                feedback=ds.feedback if feedback is None else feedback)


# --- leakage guard -----------------------------------------------------------------------------

def test_features_ignore_everything_after_the_cutoff(sample):
    rng = np.random.default_rng(1)
    before = _features(sample)
    assert {"recent_purchases", "n_returns", "mean_rating", "acquisition_channel", "age"} <= set(before.columns)
    assert not {"churned", "churn_date"} & set(before.columns)

    tx, rt, fb = sample.transactions.copy(), sample.returns.copy(), sample.feedback.copy()
    late = tx["order_date"] > CUTOFF + pd.Timedelta(days=1)
    tx.loc[late, "amount"] *= 7.0                                            # change what they spent
    tx.loc[late, "order_date"] += pd.to_timedelta(rng.integers(0, 30, int(late.sum())), unit="D")  # and when
    extra = tx.loc[late].sample(500, random_state=1).assign(order_date=CUTOFF + pd.Timedelta(hours=30))
    newcomers = extra.assign(customer_id="NEW" + extra["customer_id"])           # customers who appear later
    tx = pd.concat([tx, extra, newcomers], ignore_index=True)
    rt.loc[rt["order_date"] > CUTOFF + pd.Timedelta(days=1), "amount"] *= 3.0
    rt = pd.concat([rt, rt.head(50).assign(order_date=CUTOFF + pd.Timedelta(days=2))], ignore_index=True)
    late_fb = fb["date"] > CUTOFF + pd.Timedelta(days=1)
    fb.loc[late_fb, "rating"] = 1.0
    fb.loc[late_fb, "nps"] = 0.0
    fb = pd.concat([fb, fb.head(100).assign(date=CUTOFF + pd.Timedelta(days=3), rating=1.0)], ignore_index=True)

    pd.testing.assert_frame_equal(_features(sample, tx, rt, fb), before)

    # the guard can fail: a change on or before the cutoff does show up
    tx_early = sample.transactions.copy()
    first = tx_early.index[tx_early["order_date"] <= CUTOFF][0]
    tx_early.loc[first, "amount"] += 100.0
    assert not _features(sample, tx_early).equals(before)


def test_features_do_not_read_undated_feedback():
    tx = _tx([("a", "2024-01-01", 10.0), ("a", "2024-02-01", 10.0)])
    undated = pd.DataFrame({"customer_id": ["a"], "rating": [1.0]})
    X = churn.churn_features(tx, "2024-03-01", feedback=undated)
    assert "mean_rating" not in X.columns


def test_complaints_follow_the_complaint_rating_setting():
    from crmlib.churn.study import ChurnTables

    tx = _tx([("a", "2024-01-01", 10.0), ("b", "2024-01-01", 10.0)])
    fb = pd.DataFrame({"customer_id": ["a", "a", "b"], "rating": [3.0, 1.0, 4.0],
                       "date": pd.to_datetime(["2024-01-05", "2024-01-06", "2024-01-07"])})
    by_default = churn.churn_features(tx, "2024-03-01", feedback=fb)  # DEFAULTS.complaint_rating = 2
    assert by_default["n_complaints"].to_dict() == {"a": 1.0, "b": 0.0}
    strict = churn.churn_features(tx, "2024-03-01", feedback=fb, complaint_rating=3)
    assert strict["n_complaints"].to_dict() == {"a": 2.0, "b": 0.0}
    tables = ChurnTables(tx, feedback=fb, complaint_rating=4)  # the churn model's features take it too
    assert tables.features("2024-03-01")["n_complaints"].to_dict() == {"a": 2.0, "b": 1.0}


def test_recent_activity_and_ratios_hand_computed():
    tx = _tx([("a", "2024-01-01", 10.0), ("a", "2024-02-15", 20.0), ("a", "2024-03-20", 30.0), ("a", "2024-05-01", 5.0)])
    X = churn.churn_features(tx, "2024-03-31", recent_days=30)
    row = X.loc["a"]
    assert row["recent_purchases"] == 1.0 and row["recent_spend"] == 30.0   # only 03-20 is within 30 days
    assert row["days_since_last"] == 11.0 and row["frequency"] == 2.0
    assert row["overdue_ratio"] == pytest.approx(11.0 / (79.0 / 2))          # usual gap = recency / frequency
    assert row["purchase_rate"] == pytest.approx(30.0 * 2 / 90.0)


def test_purchase_labels_use_only_the_window_after_the_cutoff():
    tx = _tx([("a", "2024-01-01", 1.0), ("a", "2024-01-31", 1.0),      # bought on the cutoff day: no help
              ("b", "2024-01-10", 1.0), ("b", "2024-03-01", 1.0),      # exactly cutoff + 30 days: stayed
              ("c", "2024-01-05", 1.0), ("c", "2024-03-02", 1.0),      # one day too late: churned
              ("d", "2024-02-10", 1.0)])                               # first purchase after the cutoff
    labels = churn.purchase_labels(tx, "2024-01-31", 30, "2024-06-30")
    assert labels.to_dict() == {"a": True, "b": False, "c": True}
    later = pd.concat([tx, _tx([("a", "2024-03-05", 1.0), ("e", "2024-02-01", 1.0)])], ignore_index=True)
    assert churn.purchase_labels(later, "2024-01-31", 30, "2024-06-30").to_dict() == labels.to_dict()
    with pytest.raises(DataError, match="not known yet"):
        churn.purchase_labels(tx, "2024-06-15", 30, "2024-06-30")


def test_contract_labels_hand_computed():
    customers = pd.DataFrame({
        "customer_id": ["gone", "soon", "later", "stays", "new"],
        "signup_date": pd.to_datetime(["2023-01-01", "2023-01-01", "2023-01-01", "2023-01-01", "2024-03-01"]),
        "churned": [True, True, True, False, False],
        "churn_date": pd.to_datetime(["2024-01-15", "2024-02-20", "2024-05-01", None, None]),
    })
    labels = churn.contract_labels(customers, "2024-01-31", 30, "2024-06-30")
    assert labels.to_dict() == {"soon": True, "later": False, "stays": False}  # gone: before; new: signed up later
    with pytest.raises(DataError, match="no churn_date"):
        churn.contract_labels(customers.assign(churn_date=pd.NaT), "2024-01-31", 30, "2024-06-30")


def test_default_cutoffs_need_enough_history():
    assert churn.default_cutoffs("2024-12-31", 90, "2023-01-01") == (pd.Timestamp("2024-07-04"), pd.Timestamp("2024-10-02"))
    with pytest.raises(DataError, match=r"span 213 days, too short(.|\n)*At least 270 days"):
        churn.default_cutoffs("2024-12-31", 90, "2024-06-01")


# --- metrics, drivers, reasons, priority ----------------------------------------------------------

def test_metrics_hand_computed():
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0], dtype=bool)
    score = np.array([.9, .8, .7, .6, .5, .4, .3, .2, .1, 0.])
    metrics = churn.score_metrics(y, score, is_probability=True)
    assert metrics["roc_auc"] == pytest.approx(19 / 21)           # 19 of 21 (churner, stayer) pairs ordered
    assert metrics["pr_auc"] == pytest.approx((1 + 1 + 3 / 5) / 3)  # precision at each churner's rank
    assert metrics["brier"] == pytest.approx(np.mean((score - y) ** 2))
    lift = churn.lift_by_decile(y, score, n_bins=5)
    assert lift["churners"].tolist() == [2, 0, 1, 0, 0]
    assert lift["lift"].iloc[0] == pytest.approx(1.0 / 0.3)
    assert lift["cumulative_capture"].tolist() == pytest.approx([2 / 3, 2 / 3, 1, 1, 1])
    calib = churn.calibration_table(np.r_[np.zeros(50), np.ones(50)].astype(bool), np.r_[np.full(50, .1), np.full(50, .9)], 2)
    assert calib.to_numpy().ravel().tolist() == pytest.approx([0.1, 0.0, 0.9, 1.0])


def _signal_data(n=800, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"days_since_last": rng.uniform(0, 200, n), "mean_rating": rng.uniform(1, 5, n),
                      "noise": rng.normal(size=n), "acquisition_channel": rng.choice(["a", "b"], n)})
    logit = 0.04 * (X["days_since_last"] - 100) - 1.2 * (X["mean_rating"] - 3)
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    return X, pd.Series(y, index=X.index)


@pytest.mark.parametrize("kind", churn.MODELS)
def test_models_learn_a_known_signal_and_drivers_name_it(kind):
    X, y = _signal_data()
    model = churn.ChurnClassifier(kind).fit(X, y)
    X_test, y_test = _signal_data(seed=1)
    assert churn.score_metrics(y_test, model.churn_probability(X_test))["roc_auc"] > 0.85
    importance = churn.driver_importance(model, X_test, y_test, n_repeats=3)
    top = importance.set_index("feature")
    assert set(importance["feature"].head(2)) == {"days_since_last", "mean_rating"}
    assert top.loc["days_since_last", "direction"] == "higher" and top.loc["mean_rating", "direction"] == "lower"
    assert top.loc["noise", "importance"] < 0.02
    sentence = churn.describe_drivers(importance)
    assert "days since the last purchase is high" in sentence and "average rating given is low" in sentence
    assert clone(model).get_params() == {"model": kind, "random_state": 0, "n_threads": 1}


def test_top_driver_is_the_feature_that_raises_this_customers_risk():
    X, y = _signal_data()
    model = churn.ChurnClassifier("logistic").fit(X, y)
    who = pd.DataFrame({"days_since_last": [190.0, 100.0, 10.0], "mean_rating": [3.0, 1.0, 5.0],
                        "noise": 0.0, "acquisition_channel": "a"}, index=["late", "unhappy", "fine"])
    drivers = churn.top_drivers(model, pd.concat([who, X]), ["days_since_last", "mean_rating"]).loc[who.index]
    assert drivers["top_driver"].tolist() == ["days_since_last", "mean_rating", ""]
    importance = pd.DataFrame({"feature": ["days_since_last", "mean_rating"], "direction": ["higher", "lower"]})
    assert churn.driver_texts(drivers, importance)["unhappy"] == "average rating given is low"
    # with the data, the text follows the customer's own value, not the population direction
    everyone = pd.concat([who, X])
    texts = churn.driver_texts(drivers, importance.assign(direction=["lower", "higher"]), X=everyone)
    assert texts.tolist() == ["days since the last purchase is high", "average rating given is low", ""]
    frequent = pd.DataFrame({"top_driver": ["days_since_last"]}, index=["fine"])
    assert churn.driver_texts(frequent, importance, X=everyone)["fine"] == "days since the last purchase is low"


def test_a_single_label_cannot_be_learned():
    X, _ = _signal_data(50)
    with pytest.raises(DataError, match="same churn label"):
        churn.ChurnClassifier().fit(X, np.zeros(50, dtype=bool))


def test_exit_reasons_shares_trend_and_likely_reason():
    fb = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d", "e", "f"],
        "date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-02-11", "2024-04-01", "2024-04-02", "2024-05-01"]),
        "churn_reason": ["price", " Price", "competitor", "competitor", None, "competitor"],
        "rating": [1.0, 2.0, 3.0, 4.0, 5.0, 1.0]})
    groups = pd.Series({"a": "web", "b": "web", "c": "web", "d": "store", "f": "store", "z": "store", "y": "tv"})
    reasons = churn.exit_reasons(fb, groups)
    assert len(reasons) == 5 and churn.has_reasons(fb) and not churn.has_reasons(fb.drop(columns="churn_reason"))
    shares = churn.reason_shares(reasons)
    assert shares[["reason", "answers"]].values.tolist() == [["competitor", 3], ["price", 2]]
    by = churn.reason_shares(reasons, by="group")
    assert by.loc[by["group"] == "web", "share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    trend = churn.reason_trend(reasons, "Q", min_answers=2)
    assert trend.loc["2024Q1"].to_dict() == pytest.approx({"competitor": 1 / 3, "price": 2 / 3})
    assert trend.loc["2024Q2"].to_dict() == pytest.approx({"competitor": 1.0, "price": 0.0})
    assert churn.reason_trend(reasons, "Q", min_answers=3).index.tolist() == ["2024Q1"]
    likely = churn.likely_reasons(reasons, groups)
    assert likely[["a", "z", "y"]].tolist() == ["price", "competitor", "competitor"]  # tv: no answers -> overall


def test_retention_priority_ranks_by_value_at_risk():
    p = pd.Series({"a": 0.9, "b": 0.2, "c": 0.5, "d": 0.99})
    clv = pd.Series({"a": 10.0, "b": 500.0, "c": 100.0})       # d has no CLV: nothing at risk
    drivers = pd.DataFrame({"top_driver": ["x", "y", "", "z"]}, index=["a", "b", "c", "d"])
    out = churn.retention_priority(p, clv, segment=pd.Series({"a": "s1", "b": "s2"}), drivers=drivers)
    assert out["customer_id"].tolist() == ["b", "c", "a", "d"]
    assert out["value_at_risk"].tolist() == pytest.approx([100.0, 50.0, 9.0, 0.0])
    assert out["priority"].tolist() == [1, 2, 3, 4]
    assert list(out.columns[:8]) == [*churn.RISK_COLUMNS, "priority"]  # the export contract's columns first
    assert out.set_index("customer_id").loc["a", "top_driver"] == "x"
    # with P(alive): CLV already discounts leaving, so the value at risk uses CLV / P(alive)
    p_alive = pd.Series({"a": 0.1, "b": 1.0, "c": 0.5, "d": 0.2})
    out = churn.retention_priority(p, clv, p_alive=p_alive).set_index("customer_id")
    assert out["value_if_retained"].to_dict() == pytest.approx({"a": 100.0, "b": 500.0, "c": 200.0, "d": 0.0})
    assert out["value_at_risk"].to_dict() == pytest.approx({"a": 90.0, "b": 100.0, "c": 100.0, "d": 0.0})
    assert out.index.tolist() == ["b", "c", "a", "d"]  # ties broken by id


# --- the synthetic sample: the model beats the P(alive) baseline at the later cutoff ---------------

@pytest.fixture(scope="module")
def evaluation(sample):
    return churn.evaluate_models(churn.ChurnTables.from_dataset(sample), window_days=90,
                                 analysis_date=sample.analysis_date)


def test_models_beat_p_alive_on_the_later_cutoff(evaluation):
    auc = evaluation.metrics.set_index("model")["roc_auc"]
    assert evaluation.train_cutoff == pd.Timestamp("2024-07-04") and evaluation.test_cutoff == pd.Timestamp("2024-10-02")
    assert auc["gradient_boosting"] > auc["p_alive"] + 0.05
    assert auc["logistic"] > auc["p_alive"] + 0.05
    assert auc["gradient_boosting"] > 0.8
    summary = evaluation.to_dict()
    assert set(summary["metrics_on_test_cutoff"]) == {"gradient_boosting", "logistic", "p_alive", "bgnbd_expected"}


def test_score_churn_is_the_notebook_workflow_and_is_cached(sample, evaluation, tmp_path, monkeypatch):
    from crmlib.churn import scoring
    from crmlib.notebook import Workbook

    monkeypatch.setenv("CRM_WORKBOOK_CACHE", str(tmp_path))
    clv = pd.Series(100.0, index=sample.transactions["customer_id"].unique())
    study = Workbook(dataset=sample, export_dir=tmp_path).cached(churn.churn_study, sample)
    scores = churn.score_churn(study, clv=clv)
    chosen = evaluation.best_model()
    final, X_now = churn.score_customers_now(churn.ChurnTables.from_dataset(sample), evaluation,
                                             sample.analysis_date, chosen)
    pd.testing.assert_series_equal(scores["churn_probability"], final.churn_probability(X_now))
    assert scores["value_at_risk"].tolist() == pytest.approx((100.0 * scores["churn_probability"]).tolist())
    half_alive = pd.Series(0.5, index=clv.index)
    with_p_alive = churn.score_churn(study, clv=clv, p_alive=half_alive)
    assert with_p_alive["value_at_risk"].tolist() == pytest.approx((200.0 * scores["churn_probability"]).tolist())
    assert scores.attrs["churn_model"]["model_for_scores"] == chosen
    monkeypatch.setattr(scoring, "evaluate_models", lambda *args, **kwargs: pytest.fail("not taken from the cache"))
    # another notebook's Workbook, the window passed by name: the same entry
    again = churn.score_churn(Workbook(dataset=sample, export_dir=tmp_path).cached(churn.churn_study, sample,
                                                                                    window_days=90))
    pd.testing.assert_series_equal(again["churn_probability"], scores["churn_probability"])


def test_predicted_risk_agrees_with_the_true_dropouts(evaluation):
    truth = pd.read_csv("data/sample/ground_truth_customers.csv", dtype={"customer_id": str},
                        parse_dates=["dropout_at"]).set_index("customer_id")
    risk = evaluation.scores["gradient_boosting"]
    gone = (truth["dropout_at"].reindex(risk.index) <= evaluation.test_cutoff).fillna(False)
    # customers who had truly dropped out by the test cutoff are ranked as riskier
    assert churn.score_metrics(gone, risk)["roc_auc"] > 0.8
    assert risk[gone].mean() > risk[~gone].mean() + 0.2


# --- labelled (contractual) mode on a small subscription dataset ---------------------------------------

def _subscriptions(n=2000, seed=3, end="2024-12-31"):
    """Monthly payments from signup until churn; churn hazard higher for channel b and the expensive plan."""
    rng = np.random.default_rng(seed)
    signup = pd.Timestamp("2022-06-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    channel = rng.choice(["a", "b"], n)
    price = rng.choice([30.0, 80.0], n)
    hazard = 0.01 + 0.10 * (channel == "b") + 0.05 * (price == 80.0)
    months = rng.geometric(hazard)
    churn_date = signup + pd.to_timedelta(months * 30, unit="D")
    end = pd.Timestamp(end)
    ids = [f"S{i:04d}" for i in range(n)]
    payments = np.concatenate([np.arange(m) for m in months])
    owner = np.repeat(np.arange(n), months)
    tx = pd.DataFrame({"customer_id": np.array(ids)[owner],
                       "order_date": signup[owner] + pd.to_timedelta(payments * 30, unit="D"),
                       "amount": price[owner]})
    tx = tx.loc[tx["order_date"] <= end].reset_index(drop=True)
    churned = churn_date <= end
    customers = pd.DataFrame({"customer_id": ids, "signup_date": signup, "acquisition_channel": channel,
                              "churned": churned, "churn_date": pd.Series(churn_date).where(churned).to_numpy()})
    return tx, customers


def test_labelled_mode_models_and_survival():
    tx, customers = _subscriptions()
    assert churn.label_mode("auto", customers) == "contract"
    assert churn.label_mode("purchases", customers) == "purchases"
    with pytest.raises(DataError, match="labelled mode"):
        churn.label_mode("labelled", customers.drop(columns="churn_date"))
    tables = churn.ChurnTables(tx, customers)
    ev = churn.evaluate_models(tables, window_days=90, analysis_date="2024-12-31", label_source="contract")
    auc = ev.metrics.set_index("model")["roc_auc"]
    assert auc["gradient_boosting"] > 0.68 and auc["logistic"] > 0.72  # 0.712 and 0.794 when written
    assert min(auc["gradient_boosting"], auc["logistic"]) > auc["p_alive"] + 0.1
    assert not {"churned", "churn_date"} & set(ev.X_test.columns)
    assert ev.importance.set_index("feature").loc["acquisition_channel", "direction"] == "=b"  # the riskier channel
    # the test population excludes customers who had churned by the test cutoff
    gone = customers.set_index("customer_id")["churn_date"] <= ev.test_cutoff
    assert not gone.reindex(ev.y_test.index).fillna(False).any()
    final, X_now = churn.score_customers_now(tables, ev, "2024-12-31", "logistic")
    assert not customers.set_index("customer_id").loc[X_now.index, "churned"].any()
    assert final.churn_probability(X_now).between(0, 1).all()
    # survival from signup to churn date: channel b churns faster, and the log-rank test sees it
    groups = churn.column_groups(customers, "acquisition_channel")
    result = churn.survival_by_group(churn.contract_lifetimes(customers, "2024-12-31", groups=groups))
    medians = result.medians.set_index("group")["median_lifetime_days"]
    assert medians["b"] < medians["a"] and result.logrank_p_value < 1e-6


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_driver_texts_equal_the_per_customer_loop(lang):
    """The vectorised texts are those of the loop they replaced, for numeric, categorical, tied and
    missing values, with and without the feature frame."""
    import reference_scans

    rng = np.random.default_rng(3)
    n = 500
    X = pd.DataFrame({"days_since_last": rng.integers(0, 5, n).astype(float),
                      "mean_rating": np.where(rng.random(n) < 0.2, np.nan, rng.integers(1, 6, n)),
                      "acquisition_channel": rng.choice(["web", "app", "store"], n)},
                     index=[f"c{i}" for i in range(n)])
    drivers = pd.DataFrame({"top_driver": rng.choice(["", *X.columns], n)}, index=X.index).sample(frac=1, random_state=1)
    importance = pd.DataFrame({"feature": list(X.columns), "direction": ["higher", "lower", "=app"]})
    for frame in (None, X):
        expected = reference_scans.driver_texts(drivers, importance, lang, frame)
        pd.testing.assert_series_equal(churn.driver_texts(drivers, importance, lang, frame), expected)


@pytest.mark.parametrize("kind", churn.MODELS)
def test_top_drivers_equal_the_per_feature_pipeline_runs(kind):
    """Transforming once and patching a feature's columns gives the what-if of re-running the
    pipeline with that feature at its typical value (numeric with missing values, categorical)."""
    import reference_scans

    X, y = _signal_data()
    X = X.assign(mean_rating=X["mean_rating"].mask(np.arange(len(X)) % 7 == 0))
    model = churn.ChurnClassifier(kind).fit(X, y)
    features = ["days_since_last", "mean_rating", "acquisition_channel", "noise"]
    pd.testing.assert_frame_equal(churn.top_drivers(model, X, features),
                                  reference_scans.top_drivers(model, X, features), check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("model", ["gradient_boosting", "logistic"])
def test_a_feature_without_any_value_is_left_out_and_named(model):
    """On histories where nobody has bought twice by the cutoff the overdue ratio is empty for every
    customer; gradient boosting failed on it ("window shape cannot be larger than input array shape")."""
    from crmlib.churn import ChurnClassifier

    rng = np.random.default_rng(3)
    signal = rng.normal(size=600)
    X = pd.DataFrame({"signal": signal, "overdue_ratio": np.nan, "channel": rng.choice(["web", "store"], 600)})
    y = signal + rng.normal(scale=0.5, size=600) > 0
    fitted = ChurnClassifier(model).fit(X, y)
    assert fitted.empty_features_ == ["overdue_ratio"] and "overdue_ratio" not in fitted.numeric_features_
    p = fitted.predict_proba(X.assign(overdue_ratio=1.0))[:, 1]  # later values are not read
    assert np.allclose(p, fitted.predict_proba(X)[:, 1])
    assert np.corrcoef(p, signal)[0, 1] > 0.8
