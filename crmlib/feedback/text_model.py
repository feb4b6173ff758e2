"""The prediction side shared by crmlib's fitted text classifiers (a ``pipeline_`` over raw texts).

:class:`TextClassifier` gives :meth:`~TextClassifier.predict`, :meth:`~TextClassifier.probability_positive`
and :meth:`~TextClassifier.score` to :class:`crmlib.feedback.sentiment.ChineseSentimentClassifier` and
:class:`crmlib.feedback.sentiment_en.EnglishSentimentClassifier`; each subclass builds and fits its
own ``pipeline_`` in ``fit``.

Example
-------
>>> from sklearn.feature_extraction.text import CountVectorizer
>>> from sklearn.linear_model import LogisticRegression
>>> from sklearn.pipeline import make_pipeline
>>> model = TextClassifier()
>>> model.pipeline_ = make_pipeline(CountVectorizer(), LogisticRegression()).fit(["good", "bad"], ["pos", "neg"])
>>> model.classes_ = model.pipeline_.classes_
>>> model.predict(["good"]).tolist(), model.score(["good", "bad"], ["pos", "neg"])
(['pos'], 1.0)
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class TextClassifier(ClassifierMixin, BaseEstimator):
    """Predictions of a fitted ``pipeline_`` that reads raw texts (subclasses define ``fit``)."""

    def predict(self, texts) -> np.ndarray:
        """The predicted label per text.

        Parameters
        ----------
        texts : iterable of str
            The texts to score.

        Returns
        -------
        ndarray
            One label of ``classes_`` per text.
        """
        return self.pipeline_.predict(_as_texts(texts))

    def probability_positive(self, texts, positive: str = "pos") -> np.ndarray:
        """P(``positive`` label) per text.

        Parameters
        ----------
        texts : iterable of str
            The texts to score.
        positive : str, optional
            The label counted as positive (default ``"pos"``; must be one of ``classes_``).

        Returns
        -------
        ndarray
            Probability 0–1 per text.
        """
        column = list(self.classes_).index(positive)
        return self.pipeline_.predict_proba(_as_texts(texts))[:, column]

    def score(self, texts, labels) -> float:
        """Accuracy on ``texts`` with true ``labels``.

        Parameters
        ----------
        texts : iterable of str
            The test texts.
        labels : iterable of str
            Their true labels, one per text.

        Returns
        -------
        float
            Share 0–1 of the texts whose predicted label is the true one.
        """
        return float(np.mean(self.predict(texts) == np.asarray(list(labels))))


def _as_texts(texts) -> np.ndarray:
    return np.asarray(list(texts), dtype=object)


__all__ = ["TextClassifier"]
