"""Sentiment that learns the customer's own domain from the dataset's rated texts.

Generic sentiment models are trained on other people's words (hotel and electronics reviews,
movie snippets, VADER's lexicon): "the parcel still has not arrived" has no sentiment word and
comes out neutral. When feedback texts carry a rating (4–5 positive, 1–2 negative, 3 left out) or
an NPS answer (9–10 / 0–6), those texts are labelled data from the customer's own domain:

- :func:`rated_labels` turns ratings/NPS into labels (rating first where both exist);
- :func:`domain_sentiment` fits character n-gram TF-IDF + logistic regression on them (works for
  Chinese and English without a tokenizer), blends its score with the generic one
  (weight chosen by cross-validation), and scores every text: **rated texts out of fold** (each
  by a model that did not see it), unrated texts by the model fitted on all rated texts;
- past :data:`MAX_TRAINING_TEXTS` rated texts the models learn from a stratified sample of that
  many (the cross-validated accuracy no longer moves; fitting on every rated text of a million
  customers took minutes); rated texts outside the sample are scored by the final model, which
  never saw them (``sentiment_method`` ``domain-blend-held-out``), and ``own_ratings_cv`` says
  ``trained_on_texts``. Scoring covers every text, once per distinct text;
- the cross-validated accuracy and balanced accuracy on the rated texts, of the blend and of the
  generic model alone, go to ``feedback_summary.json`` as ``accuracy.own_ratings_cv``.

Example
-------
>>> rated_labels(pd.DataFrame({"rating": [5, 3, 1, None], "nps": [None, 10, None, 2]})).tolist()
[1.0, nan, 0.0, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline

from crmlib.feedback.distinct import per_distinct
from crmlib.feedback.sentiment import label_of

FOLDS = 5
MIN_RATED = 40  # fewer rated texts (or fewer than 10 of either kind) and only the generic model is used
WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)  # weight of the domain model in the blend, chosen by cross-validation
MAX_TRAINING_TEXTS = 50_000  # rated texts the domain model learns from at most (a stratified sample)


def rated_labels(feedback: pd.DataFrame) -> pd.Series:
    """1.0 positive / 0.0 negative / NaN from ``rating`` (4–5 / 1–2) or else ``nps`` (9–10 / 0–6).

    Parameters
    ----------
    feedback : DataFrame
        Feedback rows with ``rating`` (1–5) and / or ``nps`` (0–10); either column may be missing.

    Returns
    -------
    Series
        Label (float) per row, on ``feedback``'s index.
    """
    label = pd.Series(np.nan, index=feedback.index)
    if "nps" in feedback.columns:
        nps = pd.to_numeric(feedback["nps"], errors="coerce")
        label = label.mask(nps >= 9, 1.0).mask(nps <= 6, 0.0)
    if "rating" in feedback.columns:
        rating = pd.to_numeric(feedback["rating"], errors="coerce")
        from_rating = pd.Series(np.nan, index=feedback.index).mask(rating >= 4, 1.0).mask(rating <= 2, 0.0)
        label = from_rating.where(rating.notna(), label)  # a rating wins over an NPS answer
    return label


class DistinctTfidfVectorizer(TfidfVectorizer):
    """scikit-learn's ``TfidfVectorizer`` that counts the n-grams of each distinct text once.

    Feedback repeats texts ("Great!", templated answers): a million rows may hold a few
    thousand distinct texts. The counts of every distinct text are computed once and copied to
    its rows, so the document-term matrix, the vocabulary, the document frequencies (``min_df``)
    and the TF-IDF weights are exactly those of ``TfidfVectorizer`` on the same rows.

    Parameters
    ----------
    **params
        ``TfidfVectorizer``'s parameters.

    >>> texts = ["late parcel", "great", "late parcel", "great", "ok"]
    >>> ours = DistinctTfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), min_df=2).fit_transform(texts)
    >>> theirs = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), min_df=2).fit_transform(texts)
    >>> bool((ours != theirs).nnz == 0), ours.shape == theirs.shape
    (True, True)
    """

    def _count_vocab(self, raw_documents, fixed_vocab):
        documents = np.asarray(list(raw_documents) if not isinstance(raw_documents, np.ndarray) else raw_documents,
                               dtype=object)
        codes, distinct = pd.factorize(documents, use_na_sentinel=False)  # first-seen order, like the rows
        vocabulary, counts = super()._count_vocab(distinct, fixed_vocab)
        counts = counts[codes]
        counts.sort_indices()
        return vocabulary, counts


def _pipeline():
    return make_pipeline(DistinctTfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True),
                         LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000))


def _scores(y, score) -> dict:
    predicted = score > 0
    return {"accuracy": float(np.mean(predicted == y)), "balanced_accuracy": float(balanced_accuracy_of(y, predicted))}


def balanced_accuracy_of(y, predicted) -> float:
    """Balanced accuracy (mean of the recall on positive and on negative texts).

    Parameters
    ----------
    y : array-like of bool
        True labels (True = positive).
    predicted : array-like of bool
        Predicted labels, one per label of ``y``.

    Returns
    -------
    float
        Balanced accuracy, 0–1.
    """
    return float(balanced_accuracy_score(np.asarray(y, dtype=bool), np.asarray(predicted, dtype=bool)))


@dataclass
class DomainSentiment:
    """Scores (−1 … +1) for every text, the blend weight and the honest accuracy on the rated texts."""

    score: pd.Series
    weight: float
    own_ratings_cv: dict
    used: bool
    trained: pd.Series | None = None  # True for the rated texts the models learned from (scored out of fold)

    def to_dict(self) -> dict:
        """The model fields of :func:`with_domain_sentiment`'s summary.

        Returns
        -------
        dict
            ``domain_model_used``, ``domain_weight`` and ``own_ratings_cv``.
        """
        return {"domain_model_used": self.used, "domain_weight": self.weight, "own_ratings_cv": self.own_ratings_cv}


def training_sample(y: np.ndarray, limit: int = MAX_TRAINING_TEXTS, random_state: int = 0) -> np.ndarray:
    """Positions of at most ``limit`` labels, stratified (each class keeps its share); all when fewer.

    Parameters
    ----------
    y : ndarray of bool
        The labels.
    limit : int, optional
        Most positions to return (default :data:`MAX_TRAINING_TEXTS`).
    random_state : int, optional
        Seed of the sample (default 0).

    Returns
    -------
    ndarray
        Sorted positions into ``y``.

    >>> y = np.array([True] * 30 + [False] * 10)
    >>> picked = training_sample(y, limit=20)
    >>> len(picked), int(y[picked].sum())
    (20, 15)
    """
    if len(y) <= limit:
        return np.arange(len(y))
    chosen, _ = train_test_split(np.arange(len(y)), train_size=limit, stratify=y, random_state=random_state)
    return np.sort(chosen)  # as crmlib.churn.study.training_sample does for customers


def _domain_scores(model, texts: np.ndarray) -> np.ndarray:
    return per_distinct(lambda distinct: 2 * model.predict_proba(distinct)[:, 1] - 1, texts).astype(float)


def domain_sentiment(texts: pd.Series, labels: pd.Series, generic: pd.Series, *, folds: int = FOLDS,
                     random_state: int = 0, max_training_texts: int = MAX_TRAINING_TEXTS) -> DomainSentiment:
    """Blend a model of the dataset's own rated texts with the ``generic`` scores.

    Rated texts get out-of-fold scores; unrated texts the model fitted on all rated texts. With
    fewer than ``MIN_RATED`` rated texts (or fewer than 10 of either label) the generic scores are
    returned, NaN as 0 (``used`` False).

    Parameters
    ----------
    texts : Series
        The texts (missing ones count as empty).
    labels : Series
        1.0 / 0.0 / NaN per text, aligned with ``texts`` (:func:`rated_labels`).
    generic : Series
        The generic scores, −1 … +1 (NaN allowed, counted as 0), aligned with ``texts``.
    folds : int, optional
        Cross-validation folds (default :data:`FOLDS`; fewer when a label has fewer texts).
    random_state : int, optional
        Seed of the folds and of the training sample (default 0).
    max_training_texts : int, optional
        Past this many rated texts the models learn from a stratified sample of that many
        (:func:`training_sample`); the other rated texts are scored as held out by the final model.

    Returns
    -------
    DomainSentiment
        The scores (on ``texts``' index, −1 … +1), the blend weight, the cross-validated
        figures and which texts trained the models.
    """
    texts = texts.fillna("").astype(str)
    generic = generic.astype(float).fillna(0.0)
    rated = labels.notna().to_numpy()
    y_all = labels[rated].to_numpy(dtype=float) == 1.0
    n_pos, n_neg = int(y_all.sum()), int((~y_all).sum())
    if rated.sum() < MIN_RATED or min(n_pos, n_neg) < 10:
        generic_only = _scores(y_all, generic[rated].to_numpy()) if rated.any() and min(n_pos, n_neg) else None
        return DomainSentiment(generic, 0.0, {"n": int(rated.sum()), "generic": generic_only, "blend": None,
                                              "note": "too few rated texts for a domain model"}, False)
    rated_at = np.flatnonzero(rated)
    sample = training_sample(y_all, max_training_texts, random_state)
    trained = np.zeros(len(texts), dtype=bool)
    trained[rated_at[sample]] = True
    y = y_all[sample]
    sample_texts = texts.to_numpy()[trained]
    out_of_fold = np.empty(len(y))
    splitter = StratifiedKFold(n_splits=min(folds, int(y.sum()), int((~y).sum())), shuffle=True,
                               random_state=random_state)
    for train, test in splitter.split(sample_texts, y):  # a loop over folds
        model = _pipeline().fit(sample_texts[train], y[train])
        out_of_fold[test] = _domain_scores(model, sample_texts[test])
    g = generic[trained].to_numpy()
    blends = {w: w * out_of_fold + (1 - w) * g for w in WEIGHTS}
    weight = max(WEIGHTS, key=lambda w: (balanced_accuracy_of(y, blends[w] > 0), w))
    # the weight is chosen on the same folds it is reported on: a slight optimism, stated in the note
    final = _pipeline().fit(sample_texts, y)
    score = generic.copy()
    others = ~trained  # unrated texts, and rated texts outside the training sample
    if others.any():
        domain = _domain_scores(final, texts[others].to_numpy())
        score[others] = weight * domain + (1 - weight) * generic[others].to_numpy()
    score[trained] = blends[weight]
    cv = {"n": len(y), "positive": int(y.sum()), "negative": int((~y).sum()), "folds": splitter.n_splits,
          "blend": _scores(y, blends[weight]), "domain_only": _scores(y, out_of_fold),
          "generic": _scores(y, g), "rated_texts": int(rated.sum()), "trained_on_texts": len(y),
          "note": "out-of-fold on the dataset's own rated texts (4-5 vs 1-2 stars, NPS 9-10 vs 0-6); "
                  "the blend weight is picked on the same folds"}
    if len(y) < rated.sum():
        held_out = rated & ~trained
        cv["held_out"] = {"n": int(held_out.sum()),
                          **_scores(labels[held_out].to_numpy(dtype=float) == 1.0, score[held_out].to_numpy())}
        cv["note"] += (f"; learned from a stratified sample of {len(y):,} of the {int(rated.sum()):,} rated texts, "
                       "the others scored as held out by the final model")
    return DomainSentiment(score.clip(-1, 1), float(weight), cv, True, pd.Series(trained, index=texts.index))


METHODS = {"oof": "domain-blend-out-of-fold", "unrated": "domain-blend-unrated", "held_out": "domain-blend-held-out"}


def with_domain_sentiment(scored: pd.DataFrame, fit=None) -> tuple[pd.DataFrame, dict]:
    """Rescore the texts of ``scored`` (from the generic model) with :func:`domain_sentiment`.

    Texts with letters are scored; exit-survey answers never train the domain model (they are
    scored as unrated).

    Parameters
    ----------
    scored : DataFrame
        ``text``, ``language``, ``is_exit_survey``, ``sentiment_score`` and optionally ``rating`` /
        ``nps``.
    fit : callable, optional
        Called as ``fit(texts, labels, generic)``; None is :func:`domain_sentiment` (a notebook
        passes ``cached_fit(wb.cached)`` so that 01 and 05 of a run fit it once).

    Returns
    -------
    tuple of (DataFrame, dict)
        The new ``sentiment_score``, ``sentiment_label`` and ``sentiment_method`` columns on
        ``scored``'s index (the method says which model scored a row); and a summary: the blend
        weight, ``own_ratings_cv`` and how many texts each model scored (``texts_by_model``).

    >>> fb = pd.DataFrame({"text": ["ok"], "language": ["en"], "is_exit_survey": [False],
    ...                    "sentiment_score": [0.3]})
    >>> columns, info = with_domain_sentiment(fb)
    >>> info["domain_model_used"], info["texts_by_model"]
    (False, {'domain_blend_out_of_fold': 0, 'domain_blend_unrated': 0, 'generic': 1})
    """
    columns = scored[["sentiment_score", "sentiment_label", "sentiment_method"]].copy() \
        if "sentiment_method" in scored else scored[["sentiment_score"]].assign(sentiment_method="")
    has_text = scored["language"].astype(str).ne("none")
    labels = rated_labels(scored).where(~scored["is_exit_survey"].astype(bool))[has_text]
    counts = {"domain_blend_out_of_fold": 0, "domain_blend_unrated": 0, "generic": int(has_text.sum())}
    if labels.notna().sum() == 0:
        info = {"domain_model_used": False, "domain_weight": 0.0,
                "own_ratings_cv": {"n": 0, "note": "no rated texts (rating or NPS): generic model only"}}
        return columns, {**info, "texts_by_model": counts}
    fit = fit if fit is not None else domain_sentiment
    result = fit(scored.loc[has_text, "text"], labels, scored.loc[has_text, "sentiment_score"])
    if result.used:
        rated = labels.notna()
        trained = result.trained if result.trained is not None else rated
        columns.loc[result.score.index, "sentiment_score"] = result.score
        method = np.where(trained, METHODS["oof"], np.where(rated, METHODS["held_out"], METHODS["unrated"]))
        columns.loc[rated.index, "sentiment_method"] = method
        counts = {"domain_blend_out_of_fold": int(trained.sum()), "domain_blend_unrated": int((~rated).sum()),
                  "generic": 0}
        if (rated & ~trained).any():  # only past MAX_TRAINING_TEXTS rated texts
            counts["domain_blend_held_out"] = int((rated & ~trained).sum())
    score = columns["sentiment_score"].to_numpy(dtype=float)
    columns["sentiment_label"] = label_of(score)
    return columns, {**result.to_dict(), "texts_by_model": counts}


def cached_fit(cached):
    """:func:`domain_sentiment` through a notebook's ``wb.cached``, so the notebooks of a run fit it once.

    Parameters
    ----------
    cached : callable
        The notebook's ``wb.cached``: called as ``cached(function, *args)``.

    Returns
    -------
    callable
        ``fit(texts, labels, generic)`` for :func:`with_domain_sentiment`'s ``fit``.

    >>> calls = []
    >>> fit = cached_fit(lambda function, *args: calls.append(function.__name__))
    >>> fit("texts", "labels", "generic"), calls
    (None, ['domain_sentiment'])
    """
    return partial(cached, domain_sentiment)


def cv_figures(info: dict) -> dict:
    """The figures of a domain-model summary (:func:`with_domain_sentiment`) as flat fields for a sentence.

    Parameters
    ----------
    info : dict
        :func:`with_domain_sentiment`'s summary after a domain model was fitted.

    Returns
    -------
    dict
        ``n``, ``positive``, ``negative``, ``folds``, ``weight`` and the accuracy (``blend``,
        ``domain``, ``generic``) and balanced accuracy (``blend_b`` …) of each model.

    >>> cv = {"n": 50, "positive": 30, "negative": 20, "folds": 5,
    ...       **{k: {"accuracy": 0.9, "balanced_accuracy": 0.8} for k in ("blend", "domain_only", "generic")}}
    >>> cv_figures({"own_ratings_cv": cv, "domain_weight": 0.5})["domain_b"]
    0.8
    """
    cv = info["own_ratings_cv"]
    fields = {"n": cv["n"], "positive": cv["positive"], "negative": cv["negative"], "folds": cv["folds"],
              "weight": info["domain_weight"]}
    for key, name in (("blend", "blend"), ("domain_only", "domain"), ("generic", "generic")):
        fields[name], fields[f"{name}_b"] = cv[key]["accuracy"], cv[key]["balanced_accuracy"]
    return fields


__all__ = ["DomainSentiment", "balanced_accuracy_of", "cached_fit", "cv_figures", "domain_sentiment", "rated_labels",
           "training_sample", "with_domain_sentiment"]
