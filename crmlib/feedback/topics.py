"""Topics of feedback texts: TF-IDF + NMF, with the number of topics chosen by coherence.

Each text's tokens (:mod:`crmlib.feedback.tokenize`) form a TF-IDF vector; non-negative matrix
factorisation (scikit-learn's ``NMF``) splits the texts into ``k`` topics, each a weighted set of
words. With ``n_topics="auto"`` the model is fitted for every ``k`` in ``candidates`` and the ``k``
whose topics have the highest mean **UMass coherence** (Mimno et al. 2011) is kept: for the top
words of a topic, the average over word pairs of ``log((D(wi, wj) + 1) / D(wj))``, where ``D``
counts texts containing the words and ``wj`` ranks above ``wi``. Higher (closer to 0) means the
top words occur together in the same texts more often. Ties go to the smaller ``k``.

A topic's label is its three top keywords; each text is assigned the topic with the largest
weight (``-1`` when none of its words is in the vocabulary).

Example
-------
>>> docs = pd.Series([["delivery", "slow"], ["delivery", "late"], ["price", "high"],
...                   ["price", "expensive"]] * 5)
>>> model = TopicModel(n_topics=2, min_df=1).fit(docs)
>>> sorted(model.keywords_[0][:1] + model.keywords_[1][:1])
['delivery', 'price']
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

from crmlib.lang import N_
from crmlib.readiness import NotEnoughData


def _identity(tokens):
    return tokens


def umass_coherence(binary, top_indices: list[int]) -> float:
    """Mean UMass coherence over the word pairs of one topic.

    For each pair (higher-ranked ``l``, lower-ranked ``m``) the score is
    ``log((D(l, m) + 1) / D(l))``.

    Parameters
    ----------
    binary : sparse matrix or ndarray
        Texts × words, 0/1 (word in text).
    top_indices : list of int
        Column indices of the topic's words, best first.

    Returns
    -------
    float
        The mean over the pairs (NaN when no pair counts: every higher word is in no text).
    """
    columns = binary[:, top_indices]
    together = columns.T @ columns
    together = together.toarray() if hasattr(together, "toarray") else np.asarray(together)
    scores = [np.log((together[high, low] + 1) / together[high, high])
              for high, low in combinations(range(len(top_indices)), 2) if together[high, high] > 0]
    return float(np.mean(scores)) if scores else np.nan


class TopicModel(BaseEstimator):
    """TF-IDF + NMF topics over token lists.

    Parameters
    ----------
    n_topics : int or "auto"
        Number of topics, or ``"auto"`` to choose among ``candidates`` by UMass coherence.
    candidates : sequence of int
        Topic counts tried when ``n_topics="auto"``.
    n_top_words : int
        Keywords kept per topic (also the words scored for coherence).
    min_df, max_df : int, float
        Vocabulary limits: words in fewer than ``min_df`` texts or in more than ``max_df`` of
        them are ignored.
    random_state : int
        Seed of the NMF initialisation (``nndsvda`` is deterministic; kept for clarity).

    Attributes
    ----------
    n_topics_ : int
    coherence_ : DataFrame  (``n_topics``, ``coherence``) for every candidate tried
    keywords_ : list of list of str
    labels_ : list of str
    vectorizer_, nmf_ : the fitted scikit-learn objects
    """

    def __init__(self, n_topics: int | str = "auto", candidates=(3, 4, 5, 6, 7, 8), n_top_words: int = 8,
                 min_df: int = 3, max_df: float = 0.5, random_state: int = 0):
        self.n_topics = n_topics
        self.candidates = candidates
        self.n_top_words = n_top_words
        self.min_df = min_df
        self.max_df = max_df
        self.random_state = random_state

    def _nmf(self, k: int, matrix):
        return NMF(n_components=k, init="nndsvda", max_iter=500, random_state=self.random_state).fit(matrix)

    def _top(self, nmf) -> list[np.ndarray]:
        return [np.argsort(row)[::-1][: self.n_top_words] for row in nmf.components_]

    def fit(self, tokens: pd.Series) -> TopicModel:
        """Fit TF-IDF and NMF on the token lists (every candidate ``k`` with ``"auto"``).

        Parameters
        ----------
        tokens : Series
            Token list per text (empty lists are skipped).

        Returns
        -------
        TopicModel
            ``self``, with ``n_topics_``, ``coherence_``, ``keywords_``, ``labels_``,
            ``vectorizer_`` and ``nmf_`` set.

        Raises
        ------
        NotEnoughData
            When the texts have too few shared words, or are too few for the topic counts asked.
        """
        docs = [list(t) for t in tokens if len(t)]
        self.vectorizer_ = TfidfVectorizer(analyzer=_identity, min_df=self.min_df, max_df=self.max_df,
                                           sublinear_tf=True)
        try:
            matrix = self.vectorizer_.fit_transform(docs)
        except ValueError as error:  # empty vocabulary
            raise NotEnoughData(
                N_("The {n:,} texts share too few distinct words (each in at least {min_df} texts and not in most of "
                   "them) to find topics."),
                N_("A few dozen texts that use varied words would enable this."),
                n=len(docs), min_df=self.min_df) from error
        if self.n_topics == "auto":
            candidates = [k for k in self.candidates if 1 < k < min(matrix.shape)]
        else:
            candidates = [int(self.n_topics)]
        if not candidates or candidates[0] >= min(matrix.shape) + 1:
            raise NotEnoughData(
                N_("{n:,} texts with {words:,} distinct words are too few to separate topics."),
                N_("A few dozen texts that use varied words (or a smaller `n_topics`) would enable this."),
                n=int(matrix.shape[0]), words=int(matrix.shape[1]))
        binary = (matrix > 0).astype(np.int32).tocsc()
        fitted, rows = {}, []
        for k in candidates:
            nmf = self._nmf(k, matrix)
            coherence = np.nanmean([umass_coherence(binary, list(top)) for top in self._top(nmf)])
            fitted[k] = nmf
            rows.append((k, coherence))
        self.coherence_ = pd.DataFrame(rows, columns=["n_topics", "coherence"])
        best = self.coherence_.sort_values(["coherence", "n_topics"], ascending=[False, True]).iloc[0]
        self.n_topics_ = int(best["n_topics"])
        self.nmf_ = fitted[self.n_topics_]
        words = self.vectorizer_.get_feature_names_out()
        self.keywords_ = [[str(words[i]) for i in top] for top in self._top(self.nmf_)]
        self.labels_ = [" · ".join(k[:3]) for k in self.keywords_]
        return self

    def transform(self, tokens: pd.Series) -> np.ndarray:
        """Topic weights per text (texts × topics).

        Parameters
        ----------
        tokens : Series
            Token list per text.

        Returns
        -------
        ndarray
            Weights, shape (texts, ``n_topics_``).
        """
        return self.nmf_.transform(self.vectorizer_.transform([list(t) for t in tokens]))

    def assign(self, tokens: pd.Series) -> pd.DataFrame:
        """``topic`` (index, -1 for none), ``topic_label`` and ``topic_weight`` per text.

        Parameters
        ----------
        tokens : Series
            Token list per text.

        Returns
        -------
        DataFrame
            ``tokens``' index: ``topic`` (int), ``topic_label`` (``""`` for none), ``topic_weight``.
        """
        weights = self.transform(tokens)
        best = weights.argmax(axis=1) if weights.size else np.array([], dtype=int)
        strength = weights.max(axis=1) if weights.size else np.array([])
        topic = np.where(strength > 0, best, -1)
        labels = np.array(self.labels_ + [""], dtype=object)[topic]
        return pd.DataFrame({"topic": topic, "topic_label": labels, "topic_weight": strength},
                            index=tokens.index)

    def topic_table(self, assigned: pd.DataFrame) -> pd.DataFrame:
        """One row per topic: ``topic``, ``label``, ``keywords``, ``texts`` and ``share`` of texts.

        Parameters
        ----------
        assigned : DataFrame
            :meth:`assign`'s table (its ``topic`` column).

        Returns
        -------
        DataFrame
            ``n_topics_`` rows (plain 0… index); ``share`` is 0–1 of the assigned texts.
        """
        counts = assigned["topic"].value_counts()
        n = len(assigned)
        return pd.DataFrame({
            "topic": range(self.n_topics_),
            "label": self.labels_,
            "keywords": [", ".join(k) for k in self.keywords_],
            "texts": [int(counts.get(t, 0)) for t in range(self.n_topics_)],
            "share": [counts.get(t, 0) / n if n else np.nan for t in range(self.n_topics_)],
        })


def representative_texts(frame: pd.DataFrame, assigned: pd.DataFrame, n: int = 3,
                         columns=("text",)) -> pd.DataFrame:
    """The ``n`` texts with the largest weight on each topic (``topic``, ``topic_label``, columns).

    Parameters
    ----------
    frame : DataFrame
        The texts, with ``columns``.
    assigned : DataFrame
        :meth:`TopicModel.assign` of (some of) ``frame``'s rows, on the same index.
    n : int, optional
        Texts per topic (default 3); duplicates of the first of ``columns`` are shown once.
    columns : sequence of str, optional
        Columns of ``frame`` to show (default ``("text",)``).

    Returns
    -------
    DataFrame
        Plain 0… index: ``topic``, ``topic_label`` and ``columns``, by topic then weight.
    """
    joined = frame[list(columns)].join(assigned)
    joined = joined.loc[joined["topic"].notna() & (joined["topic"] >= 0)].drop_duplicates(subset=list(columns)[:1])
    top = joined.sort_values(["topic", "topic_weight"], ascending=[True, False]).groupby("topic").head(n)
    return top[["topic", "topic_label", *columns]].reset_index(drop=True)


def representative_by_label(scored: pd.DataFrame, n: int = 3, columns=("text",)) -> pd.DataFrame:
    """Like :func:`representative_texts` for a scored frame with ``topic`` ids, ``topic_label``, ``topic_weight``.

    Parameters
    ----------
    scored : DataFrame
        :func:`crmlib.feedback.score_feedback`'s ``scored`` (with ``columns``).
    n : int, optional
        Texts per topic (default 3); duplicates of the first of ``columns`` are shown once.
    columns : sequence of str, optional
        Columns of ``scored`` to show (default ``("text",)``).

    Returns
    -------
    DataFrame
        Plain 0… index: ``topic``, ``topic_label`` and ``columns``, by topic then weight.
    """
    rows = scored.loc[scored["topic"].astype(str).ne("")].drop_duplicates(subset=list(columns)[:1])
    top = rows.sort_values(["topic", "topic_weight"], ascending=[True, False]).groupby("topic").head(n)
    return top[["topic", "topic_label", *columns]].reset_index(drop=True)
