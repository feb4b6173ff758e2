"""Features of Chinese texts for the sentiment model: character n-gram TF-IDF plus sentiment-lexicon counts.

:class:`ChineseTextFeatures` reads every text once into character 1–4-gram counts and derives two
blocks from them: the TF-IDF of the n-grams seen in at least ``min_df`` training texts (what the
model learns per domain) and five standardised lexicon scores (what carries over to domains the
model never saw): how many positive and negative words of a general-purpose lexicon
(:func:`crmlib.data.corpora.chinese_lexicon`) the text holds, a word right after a negation
(不/没/无/未/别/非) counting for the other side, their log difference, their difference per
√length and their balance. ``lexicon_weight`` scales the lexicon block against the n-grams.

Example
-------
>>> lexicon = pd.DataFrame({"word": ["满意", "好", "失望"], "polarity": [1, 1, -1]})
>>> features = ChineseTextFeatures(lexicon=lexicon, min_df=1).fit(["很满意", "不好，失望", "好"])
>>> features.lexicon_counts(["不满意", "很好"]).tolist()
[[0.0, 1.0], [1.0, 0.0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from crmlib.feedback.language import normalize_text

NEGATIONS = ("不", "没", "无", "未", "别", "非")


class ChineseTextFeatures(TransformerMixin, BaseEstimator):
    """Character n-gram TF-IDF and (when a lexicon is given) lexicon scores, from one pass over the texts.

    Parameters
    ----------
    ngram_range : (int, int)
        Character n-gram lengths (the upper one also bounds a negated lexicon word: negation + word).
    min_df : int
        N-grams seen in fewer training texts get no TF-IDF column (lexicon words always count).
    lexicon : DataFrame, optional
        ``word`` and ``polarity`` (+1/−1) columns; None gives the TF-IDF block alone.
    lexicon_weight : float
        Factor on the standardised lexicon scores.

    Attributes
    ----------
    vectorizer_ : CountVectorizer
        Counts of the kept n-grams followed by the lexicon's words and negated words.
    n_ngrams_ : int
        How many of the leading columns are TF-IDF n-grams.
    tfidf_ : TfidfTransformer
        Fitted on the training texts' n-gram counts.
    polarity_ : ndarray
        Per vectorizer column: +1 a positive word, −1 a negative one (a negated word has the other
        sign), 0 for the rest.
    negated_ : ndarray
        Per vectorizer column: True for a negated lexicon word.
    mean_, scale_ : ndarray
        The lexicon scores' training mean and standard deviation.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 4), min_df: int = 2, lexicon: pd.DataFrame | None = None,
                 lexicon_weight: float = 1.0):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.lexicon = lexicon
        self.lexicon_weight = lexicon_weight

    def _lexicon_polarity(self) -> tuple[dict[str, int], set[str]]:
        """Polarity per lexicon word and per negated word (negation + word, the other sign); the negated forms."""
        if self.lexicon is None:
            return {}, set()
        top = self.ngram_range[1]
        words = dict(zip(self.lexicon["word"].astype(str), self.lexicon["polarity"].astype(int), strict=True))
        polarity = {w: s for w, s in words.items() if len(w) <= top}
        negated = {n + w: -s for n in NEGATIONS for w, s in words.items() if len(n + w) <= top and n + w not in words}
        return {**polarity, **negated}, set(negated)

    def fit(self, texts, y=None) -> ChineseTextFeatures:
        """Learn the n-gram vocabulary, its IDF and the lexicon scores' scale from training texts.

        Parameters
        ----------
        texts : iterable of str
            The training texts.
        y : ignored
            Present for scikit-learn's API.

        Returns
        -------
        ChineseTextFeatures
            ``self``, fitted.
        """
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts, y=None) -> sparse.csr_matrix:
        """:meth:`fit`, returning the training texts' features (one pass over them).

        Parameters
        ----------
        texts : iterable of str
            The training texts.
        y : ignored
            Present for scikit-learn's API.

        Returns
        -------
        sparse matrix
            TF-IDF columns, then the five weighted lexicon scores when there is a lexicon.
        """
        texts = list(texts)
        counter = CountVectorizer(analyzer="char", ngram_range=tuple(self.ngram_range), preprocessor=normalize_text,
                                  lowercase=False, dtype=np.float64)
        counts = counter.fit_transform(texts).tocsc()
        names = np.empty(len(counter.vocabulary_), dtype=object)  # faster than get_feature_names_out
        names[np.fromiter(counter.vocabulary_.values(), dtype=int, count=len(names))] = list(counter.vocabulary_)
        kept = np.flatnonzero(np.diff(counts.indptr) >= self.min_df)  # columns of CSC: texts per n-gram
        polarity, negated = self._lexicon_polarity()
        kept_names = names[kept]
        extra = sorted(set(polarity) - set(kept_names))
        vocabulary = {name: i for i, name in enumerate([*kept_names, *extra])}
        self.vectorizer_ = CountVectorizer(analyzer="char", ngram_range=tuple(self.ngram_range),
                                           preprocessor=normalize_text, lowercase=False, vocabulary=vocabulary,
                                           dtype=np.float64)
        self.n_ngrams_ = len(kept)
        self.polarity_ = np.array([polarity.get(name, 0) for name in vocabulary], dtype=float)
        self.negated_ = np.array([name in negated for name in vocabulary], dtype=bool)
        ngrams = counts[:, kept].tocsr()
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(ngrams)
        if self.lexicon is None:
            return self.tfidf_.transform(ngrams)
        seen = [word for word in polarity if word in counter.vocabulary_]  # dict look-ups (np.isin on strings is slow)
        on_lexicon = np.array([counter.vocabulary_[word] for word in seen], dtype=int)
        signs = np.array([polarity[word] for word in seen], dtype=float)
        flips = np.array([word in negated for word in seen], dtype=bool)
        scores = self._scores(counts[:, on_lexicon].tocsr(), signs, flips, _lengths(texts, counts))
        self.mean_, self.scale_ = scores.mean(axis=0), scores.std(axis=0) + 1e-9
        return self._stack(ngrams, scores)

    def transform(self, texts) -> sparse.csr_matrix:
        """The features of new texts.

        Parameters
        ----------
        texts : iterable of str
            The texts.

        Returns
        -------
        sparse matrix
            As :meth:`fit_transform`'s.
        """
        texts = list(texts)
        counts = self.vectorizer_.transform(texts)
        ngrams = counts[:, : self.n_ngrams_]
        if self.lexicon is None:
            return self.tfidf_.transform(ngrams)
        return self._stack(ngrams, self._scores(counts, self.polarity_, self.negated_, _lengths(texts, counts)))

    def lexicon_counts(self, texts) -> np.ndarray:
        """Positive and negative lexicon words per text (a negated word counts for the other side).

        Parameters
        ----------
        texts : iterable of str
            The texts.

        Returns
        -------
        ndarray
            ``(n, 2)``: positive, negative.
        """
        return _counts(self.vectorizer_.transform(list(texts)), self.polarity_, self.negated_)

    def _scores(self, counts, signs: np.ndarray, negated: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        both = _counts(counts, signs, negated)
        positive, negative = both[:, 0], both[:, 1]
        return np.c_[np.log1p(positive), np.log1p(negative), np.log1p(positive) - np.log1p(negative),
                     (positive - negative) / np.sqrt(lengths), (positive - negative) / (positive + negative + 1)]

    def _stack(self, ngrams, scores: np.ndarray) -> sparse.csr_matrix:
        weighted = (scores - self.mean_) / self.scale_ * self.lexicon_weight
        return sparse.hstack([self.tfidf_.transform(ngrams), sparse.csr_matrix(weighted)]).tocsr()


def _counts(counts, signs: np.ndarray, negated: np.ndarray) -> np.ndarray:
    """Positive and negative words per text; "不满意" matches 满意 (+1) and 不满意 (−1), so each negated
    form takes its inner word's count back."""
    def total(columns: np.ndarray) -> np.ndarray:
        return np.asarray(counts @ columns.astype(float), dtype=float).ravel()

    positive = total(signs > 0) - total(negated & (signs < 0))
    negative = total(signs < 0) - total(negated & (signs > 0))
    return np.c_[np.clip(positive, 0, None), np.clip(negative, 0, None)]


def _lengths(texts, counts) -> np.ndarray:
    return np.maximum(np.fromiter((len(str(t)) for t in texts), dtype=float, count=counts.shape[0]), 1.0)


__all__ = ["NEGATIONS", "ChineseTextFeatures"]
