"""DistinctTfidfVectorizer (issue 13): the domain sentiment counts each distinct text once, and
nothing it computes moves by a bit — not the matrix, the vocabulary, the IDF or the scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from crmlib.feedback.sentiment_domain import DistinctTfidfVectorizer, domain_sentiment

TEXTS = ["The parcel is late again", "great!", "", "物流太慢了，差评", "great!", "The parcel is late again",
         "ok", "质量很好", "great!", "refund took weeks", "ok", ""]


def test_distinct_tfidf_is_tfidf_on_repeated_texts():
    rng = np.random.default_rng(0)
    texts = np.array(TEXTS, dtype=object)[rng.integers(0, len(TEXTS), 400)]
    params = dict(analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    ours, theirs = DistinctTfidfVectorizer(**params), TfidfVectorizer(**params)
    a, b = ours.fit_transform(texts), theirs.fit_transform(texts)
    assert ours.vocabulary_ == theirs.vocabulary_
    assert np.array_equal(ours.idf_, theirs.idf_)
    assert a.shape == b.shape and (a != b).nnz == 0
    assert np.array_equal(a.indices, b.indices) and np.array_equal(a.indptr, b.indptr)
    unseen = np.array(["late parcel", "great!", "全新的词"], dtype=object)
    assert (ours.transform(unseen) != theirs.transform(unseen)).nnz == 0


def test_domain_sentiment_unchanged_by_the_distinct_counting(monkeypatch):
    rng = np.random.default_rng(1)
    positive, negative = ["great quality, love it", "fast delivery", "很好"], ["late parcel", "broken", "差评"]
    picks = rng.integers(0, 3, 300)
    good = rng.random(300) < 0.5
    texts = pd.Series(np.where(good, np.array(positive, dtype=object)[picks], np.array(negative, dtype=object)[picks]))
    labels = pd.Series(np.where(rng.random(300) < 0.7, good.astype(float), np.nan))
    generic = pd.Series(rng.uniform(-1, 1, 300))
    fast = domain_sentiment(texts, labels, generic)
    monkeypatch.setattr(DistinctTfidfVectorizer, "_count_vocab", TfidfVectorizer._count_vocab)
    slow = domain_sentiment(texts, labels, generic)
    assert fast.used and fast.score.equals(slow.score)
    assert fast.weight == slow.weight and fast.own_ratings_cv == slow.own_ratings_cv
