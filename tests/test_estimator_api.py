"""One model API: every model in crmlib is a scikit-learn estimator (get_params / set_params /
clone), and a clone fitted on the same data gives the same answer as the original."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from crmlib.churn import ChurnClassifier
from crmlib.clv import PurchaseModel, SpendModel
from crmlib.feedback.sentiment import ChineseSentimentClassifier
from crmlib.feedback.topics import TopicModel
from crmlib.overview.recommend import (
    CooccurrenceRecommender,
    EaseRecommender,
    PopularityRecommender,
)
from crmlib.segment.clusters import RFMClusterer

ESTIMATORS = {
    "RFMClusterer": (RFMClusterer(k_range=(2, 4), random_state=3), {"k_range": (2, 4), "random_state": 3}),
    "TopicModel": (TopicModel(n_topics=3, min_df=2), {"n_topics": 3, "min_df": 2}),
    "ChineseSentimentClassifier": (ChineseSentimentClassifier(C=2.0), {"C": 2.0}),
    "PopularityRecommender": (PopularityRecommender("product", n=2), {"item_col": "product", "n": 2}),
    "CooccurrenceRecommender": (CooccurrenceRecommender("product", n=1), {"item_col": "product", "n": 1}),
    "EaseRecommender": (EaseRecommender("product", n=1, l2=5.0), {"item_col": "product", "n": 1, "l2": 5.0}),
    "ChurnClassifier": (ChurnClassifier("logistic", random_state=5), {"model": "logistic", "random_state": 5}),
    "PurchaseModel": (PurchaseModel("pareto", penalizer=0.01, time_unit="W"),
                      {"model": "pareto", "penalizer": 0.01, "time_unit": "W"}),
    "SpendModel": (SpendModel(penalizer=0.1), {"penalizer": 0.1}),
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_parameters_round_trip_through_get_set_and_clone(name):
    model, given = ESTIMATORS[name]
    params = model.get_params()
    assert {k: params[k] for k in given} == given
    copy = clone(model)
    assert copy is not model and copy.get_params() == params
    changed = clone(model).set_params(**{next(iter(given)): params[next(iter(given))]})
    assert changed.get_params() == params
    with pytest.raises(ValueError):
        clone(model).set_params(no_such_parameter=1)


def test_a_clone_of_each_model_fits_to_the_same_answer():
    rng = np.random.default_rng(0)
    rfm = pd.DataFrame({"recency": np.r_[rng.normal(10, 2, 40), rng.normal(200, 20, 40)],
                        "frequency": np.r_[rng.normal(12, 2, 40), rng.normal(1.5, 0.3, 40)].clip(1),
                        "monetary": np.r_[rng.normal(900, 60, 40), rng.normal(40, 5, 40)]},
                       index=pd.Index([f"c{i}" for i in range(80)], name="customer_id"))
    first = RFMClusterer(k_range=(2, 3)).fit(rfm)
    assert first.k_ == 2
    assert (clone(first).fit(rfm).labels_ == first.labels_).all()

    tx = pd.DataFrame({"customer_id": list("aabbbccdd"),
                       "product": ["bread", "milk", "bread", "milk", "eggs", "bread", "jam", "eggs", "jam"]})
    recommender = CooccurrenceRecommender("product", n=2).fit(tx)
    pd.testing.assert_frame_equal(clone(recommender).fit(tx).recommend(tx), recommender.recommend(tx))

    texts = ["很好很满意", "非常好用", "质量很好", "太差了", "很差劲", "非常失望"] * 3
    labels = ["pos", "pos", "pos", "neg", "neg", "neg"] * 3
    sentiment = ChineseSentimentClassifier(min_df=1).fit(texts, labels)
    assert sentiment.score(texts, labels) == 1.0
    np.testing.assert_allclose(clone(sentiment).fit(texts, labels).probability_positive(texts),
                               sentiment.probability_positive(texts))
