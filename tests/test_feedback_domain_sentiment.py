"""Domain sentiment (issue 18, item 1): a model of the dataset's own rated texts, measured on texts it never saw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.feedback.sentiment import english_scores
from crmlib.feedback.sentiment_domain import balanced_accuracy_of, domain_sentiment, rated_labels
from crmlib.feedback.sentiment_en import METHOD as ENGLISH_METHOD

# plain complaints and plain praise: few or no sentiment words, so a lexicon reads them as neutral
NEGATIVE = ["parcel still not arrived after {n} days", "charged twice for order {n}", "no reply from support since day {n}",
            "driver left the box at the wrong door on day {n}", "refund for order {n} never came back",
            "app logs me out after {n} seconds", "item {n} missing from the delivery", "waited {n} minutes on hold"]
POSITIVE = ["arrived the next morning, order {n}", "refund was back on my card within {n} hours",
            "courier called ahead and came at {n} o'clock", "support sorted order {n} in one call",
            "box {n} well packed and complete", "new card delivered in {n} days as promised",
            "exchange for size {n} done at the counter", "checkout took {n} seconds"]


def domain_feedback(n: int = 800, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    positive = rng.random(n) < 0.5
    templates = np.where(positive, rng.choice(POSITIVE, n), rng.choice(NEGATIVE, n))
    texts = [t.format(n=int(k)) for t, k in zip(templates, rng.integers(2, 60, n), strict=True)]
    rating = np.where(positive, rng.choice([4, 5], n), rng.choice([1, 2], n)).astype(float)
    rated = rng.random(n) < 0.5  # half the texts carry a rating
    return pd.DataFrame({"text": texts, "rating": np.where(rated, rating, np.nan), "truth": positive})


def test_rated_labels_from_ratings_and_nps():
    frame = pd.DataFrame({"rating": [5, 4, 3, 2, None, None, None], "nps": [0, None, 10, None, 9, 7, 3]})
    assert rated_labels(frame).tolist()[:4] == [1.0, 1.0, pytest.approx(np.nan, nan_ok=True), 0.0]
    assert rated_labels(frame).tolist()[4] == 1.0 and np.isnan(rated_labels(frame).tolist()[5])
    assert rated_labels(frame).tolist()[6] == 0.0


def test_the_domain_model_beats_the_generic_one_on_unrated_texts_it_never_saw():
    feedback = domain_feedback()
    labels = rated_labels(feedback)
    generic = pd.Series(english_scores(feedback["text"]), index=feedback.index)
    result = domain_sentiment(feedback["text"], labels, generic)
    unrated = labels.isna()
    truth = feedback.loc[unrated, "truth"].to_numpy()
    blended = result.score[unrated].to_numpy() > 0
    generic_accuracy = np.mean((generic[unrated].to_numpy() > 0) == truth)
    accuracy = np.mean(blended == truth)
    assert result.used and accuracy >= 0.9 and accuracy > generic_accuracy + 0.2, (accuracy, generic_accuracy)
    assert balanced_accuracy_of(truth, blended) >= 0.9
    cv = result.own_ratings_cv
    assert cv["n"] == int((~unrated).sum()) and cv["blend"]["accuracy"] >= 0.9
    assert cv["generic"]["accuracy"] < cv["blend"]["accuracy"]
    assert result.to_dict()["own_ratings_cv"]["folds"] == 5


def test_rated_texts_are_scored_out_of_fold():
    """A rated text whose rating contradicts its words keeps the score of a model that never saw its rating."""
    feedback = domain_feedback(400, seed=3)
    labels = rated_labels(feedback)
    first = labels.first_valid_index()
    flipped = labels.copy()
    flipped[first] = 1.0 - flipped[first]
    generic = pd.Series(0.0, index=feedback.index)
    honest = domain_sentiment(feedback["text"], labels, generic).score[first]
    lied = domain_sentiment(feedback["text"], flipped, generic).score[first]
    assert np.sign(honest) == np.sign(lied) == (1 if feedback.loc[first, "truth"] else -1)


def test_too_few_ratings_keep_the_generic_model():
    feedback = domain_feedback(60, seed=1)
    labels = rated_labels(feedback).where(lambda s: s.index < 20)
    generic = pd.Series(np.linspace(-1, 1, 60), index=feedback.index)
    result = domain_sentiment(feedback["text"], labels, generic)
    assert not result.used and result.score.equals(generic) and "too few" in result.own_ratings_cv["note"]


def test_score_feedback_uses_the_domain_blend_and_the_summary_reports_it():
    from crmlib.feedback.analysis import feedback_summary, score_feedback

    feedback = domain_feedback(400, seed=5).assign(customer_id="c1")
    result = score_feedback(feedback.drop(columns="truth"), topics=False)
    rated = feedback["rating"].notna()
    method = result.scored["sentiment_method"]
    assert (method[rated] == "domain-blend-out-of-fold").all() and (method[~rated] == "domain-blend-unrated").all()
    unrated_accuracy = np.mean((result.scored.loc[~rated, "sentiment_score"] > 0) == feedback.loc[~rated, "truth"])
    assert unrated_accuracy >= 0.9
    labels = result.scored["sentiment_label"].astype(str)
    assert labels.eq(np.where(result.scored["sentiment_score"] >= 0.05, "positive",
                              np.where(result.scored["sentiment_score"] <= -0.05, "negative", "neutral"))).all()
    summary = feedback_summary(result, accuracy={}, sla=None, analysis_date="2024-12-31")["accuracy"]
    assert summary["domain_model_used"] and summary["own_ratings_cv"]["n"] == int(rated.sum())
    assert summary["texts_by_model"] == {"domain_blend_out_of_fold": int(rated.sum()),
                                         "domain_blend_unrated": int((~rated).sum()), "generic": 0}
    generic = score_feedback(feedback.drop(columns="truth"), topics=False, domain=False)
    assert (generic.scored["sentiment_method"] == ENGLISH_METHOD).all()


def test_without_ratings_the_generic_model_scores_everything_and_says_so():
    from crmlib.feedback.analysis import score_feedback

    feedback = domain_feedback(100, seed=6).drop(columns=["truth", "rating"]).assign(customer_id="c1")
    result = score_feedback(feedback, topics=False)
    info = result.sentiment_models
    assert not info["domain_model_used"] and info["own_ratings_cv"]["n"] == 0
    assert info["texts_by_model"] == {"domain_blend_out_of_fold": 0, "domain_blend_unrated": 0, "generic": 100}
    assert (result.scored["sentiment_method"] == ENGLISH_METHOD).all()


def test_past_the_training_limit_a_stratified_sample_trains_and_the_other_rated_texts_are_held_out():
    """Scale (issue 13): the model learns from at most ``max_training_texts`` rated texts; every text is still scored."""
    feedback = domain_feedback(1200, seed=5)
    labels = rated_labels(feedback)
    generic = pd.Series(0.0, index=feedback.index)
    result = domain_sentiment(feedback["text"], labels, generic, max_training_texts=200)
    rated = labels.notna()
    cv = result.own_ratings_cv
    assert result.trained.sum() == cv["trained_on_texts"] == cv["n"] == 200 and cv["rated_texts"] == rated.sum()
    assert not (result.trained & ~rated).any()  # only rated texts train
    share = labels[result.trained].mean()
    assert abs(share - labels[rated].mean()) < 0.01  # stratified: the positive share is kept
    held_out = rated & ~result.trained
    truth = feedback.loc[held_out, "truth"].to_numpy()
    accuracy = np.mean((result.score[held_out].to_numpy() > 0) == truth)
    assert cv["held_out"]["n"] == held_out.sum() and cv["held_out"]["accuracy"] == pytest.approx(accuracy)
    assert accuracy >= 0.9 and result.score.notna().all()
    full = domain_sentiment(feedback["text"], labels, generic)  # below the default limit: every rated text trains
    assert full.trained.equals(rated) and "held_out" not in full.own_ratings_cv


def test_the_scored_rows_say_which_rated_texts_were_held_out_of_training():
    from functools import partial

    from crmlib.feedback.sentiment_domain import with_domain_sentiment

    feedback = domain_feedback(600, seed=6)
    scored = feedback.assign(language="en", is_exit_survey=False, sentiment_score=0.0)
    columns, info = with_domain_sentiment(scored, fit=partial(domain_sentiment, max_training_texts=100))
    counts = info["texts_by_model"]
    rated = int(feedback["rating"].notna().sum())
    assert counts == {"domain_blend_out_of_fold": 100, "domain_blend_unrated": 600 - rated,
                      "domain_blend_held_out": rated - 100, "generic": 0}
    assert columns["sentiment_method"].value_counts()["domain-blend-held-out"] == rated - 100
