"""One call that scores every feedback text: language, tokens, sentiment, topic and category.

:func:`score_feedback` runs the steps of this package in order and returns a
:class:`FeedbackAnalysis`; :func:`scored_export` and :func:`feedback_summary` give the public
exports ``feedback_scored.csv`` and ``feedback_summary.json``. Exit-survey answers (rows with a
``churn_reason``) are scored but kept out of topics, CSAT/NPS and the churn comparison, because
their wording is a fixed list of reasons and they come after the customer left.

Topics are found per language group — Chinese (with mixed) and English — because the two
vocabularies share no words: one model over both would split by language, not by subject.
Topic ids are ``"zh-0"``, ``"en-2"`` …; ``""`` for texts without a topic.

Example
-------
>>> fb = pd.DataFrame({"feedback_id": ["F1", "F2"], "customer_id": ["A", "B"],
...                    "text": ["物流太慢了，差评", "Great quality, love it"]})
>>> result = score_feedback(fb, topics=False)
>>> result.scored[["language", "sentiment_label", "category"]].values.tolist()
[['zh', 'negative', 'delivery'], ['en', 'positive', 'product_quality']]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmlib.feedback.categories import (
    category_matrix,
    category_shares,
    load_taxonomy,
    primary_category,
)
from crmlib.feedback.language import languages
from crmlib.feedback.satisfaction import satisfaction_table
from crmlib.feedback.sentiment import score_sentiment
from crmlib.feedback.sentiment_domain import with_domain_sentiment
from crmlib.feedback.tokenize import tokenize_series
from crmlib.feedback.topics import TopicModel
from crmlib.lang import N_
from crmlib.readiness import NotEnoughData

TOPIC_GROUPS = {"zh": ("zh", "mixed"), "en": ("en",)}
MIN_TOPIC_TEXTS = 30  # fewer texts in a language group: no topics for it
EXPORT_COLUMNS = ("feedback_id", "customer_id", "date", "channel", "language", "sentiment_score",
                  "sentiment_label", "topic", "topic_label", "category", "rating", "nps",
                  "is_exit_survey")


@dataclass
class FeedbackAnalysis:
    """Scored feedback and the fitted pieces behind it."""

    scored: pd.DataFrame
    categories: pd.DataFrame
    topic_models: dict = field(default_factory=dict)  # "zh" / "en" -> fitted TopicModel
    taxonomy: dict = field(default_factory=dict)
    sentiment_models: dict = field(default_factory=dict)  # with_domain_sentiment's summary: weight, CV, counts
    topics_skipped: dict = field(default_factory=dict)  # "zh" / "en" -> NotEnoughData: why it has no topics

    @property
    def ongoing(self) -> pd.DataFrame:
        """Scored rows that are not exit-survey answers."""
        return self.scored.loc[~self.scored["is_exit_survey"]]

    def category_shares(self, lang: str = "en", *, negative_only: bool = False) -> pd.DataFrame:
        """:func:`category_shares` of the ongoing texts (only those read as negative with
        ``negative_only``: the complaint view), labelled with this analysis's taxonomy.

        Parameters
        ----------
        lang : str, optional
            Language of the category labels, ``"en"`` (default) or ``"zh"``.
        negative_only : bool, optional
            True keeps only the texts whose ``sentiment_label`` is ``negative`` (default False).

        Returns
        -------
        DataFrame
            One row per category: ``category``, ``label``, ``texts``, ``share`` (0–1 of the texts).
        """
        ongoing = self.ongoing
        if negative_only:
            ongoing = ongoing.loc[ongoing["sentiment_label"].astype(str).eq("negative")]
        return category_shares(self.categories.loc[ongoing.index], lang, self.taxonomy)


def is_exit_survey(feedback: pd.DataFrame) -> pd.Series:
    """True for rows with a non-empty ``churn_reason`` (exit-survey answers).

    Parameters
    ----------
    feedback : DataFrame
        The feedback table (a ``churn_reason`` column is optional).

    Returns
    -------
    Series
        Boolean, on ``feedback``'s index (all False without ``churn_reason``).
    """
    if "churn_reason" not in feedback:
        return pd.Series(False, index=feedback.index)
    reason = feedback["churn_reason"].astype("string").str.strip()
    return reason.notna() & reason.ne("")


def score_feedback(feedback: pd.DataFrame, *, n_topics: int | str = "auto", taxonomy: dict | None = None,
                   sentiment_model=None, english_model=None, topics: bool = True, domain: bool = True,
                   domain_fit=None, tokens: bool = True) -> FeedbackAnalysis:
    """Language, tokens, sentiment, category and topic of every feedback row (input unchanged).

    Without a ``text`` column every row gets an empty text: language ``none``, no sentiment. Topics are fitted on
    the texts that are not exit-survey answers.
    A language whose texts are too few or too repetitive for topics gets none, and the reason is in
    ``topics_skipped``.

    Parameters
    ----------
    feedback : DataFrame
        The feedback table: ``text`` and optionally ``rating``, ``nps``, ``churn_reason`` ….
    n_topics : int or "auto", optional
        Topics per language group, or ``"auto"`` (default) to choose by coherence
        (:class:`TopicModel`).
    taxonomy : dict, optional
        Complaint categories (:func:`load_taxonomy`); None loads the bundled taxonomy.
    sentiment_model : ChineseSentimentClassifier, optional
        A fitted Chinese model; None uses :func:`chinese_model`'s (trained on first use).
    english_model : EnglishSentimentClassifier or "vader", optional
        A fitted English model; None uses :func:`~crmlib.feedback.sentiment_en.english_model`'s
        (trained on first use; VADER alone without its corpus); ``"vader"`` for VADER alone.
    topics : bool, optional
        False skips the topics (default True).
    domain : bool, optional
        True (default): texts with a rating or NPS answer train a model of the dataset's own words
        blended with the generic (:mod:`~crmlib.feedback.sentiment_domain`); False: generic only.
    domain_fit : callable, optional
        Fits the domain model as ``domain_fit(texts, labels, generic)``; None is
        :func:`~crmlib.feedback.sentiment_domain.domain_sentiment`.
    tokens : bool, optional
        True (default) adds the ``tokens`` column; False leaves it out when ``topics`` is False too
        (only the topics and the keyword tables read the tokens, and tokenising every distinct text
        with jieba is the slowest step after the sentiment: the overview skips it).

    Returns
    -------
    FeedbackAnalysis
        ``scored`` (the input plus ``is_exit_survey``, ``language``, ``tokens``, the sentiment,
        ``category`` and topic columns), the category matrix and the fitted models.
    """
    scored = feedback.copy()
    if "text" not in scored:  # ratings / NPS only: an empty text keeps every later step uniform
        scored["text"] = ""
    texts = scored["text"].astype("string").fillna("").astype(object)
    scored["is_exit_survey"] = is_exit_survey(scored)
    scored["language"] = languages(texts)
    if tokens or topics:
        scored["tokens"] = tokenize_series(texts, scored["language"])
    scored = scored.join(score_sentiment(texts, scored["language"], model=sentiment_model, english=english_model))
    sentiment_models = {}
    if domain:
        columns, sentiment_models = with_domain_sentiment(scored, fit=domain_fit)
        scored[columns.columns] = columns
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    matrix = category_matrix(texts, taxonomy)
    scored["category"] = primary_category(matrix)
    scored["topic"], scored["topic_label"], scored["topic_weight"] = "", "", np.nan
    models, skipped = {}, {}
    usable = (~scored["is_exit_survey"] & scored["tokens"].map(len).gt(0) if topics
              else pd.Series(False, index=scored.index))
    for group, members in TOPIC_GROUPS.items():
        rows = usable & scored["language"].astype(str).isin(members)
        if not rows.any():
            continue
        if rows.sum() < MIN_TOPIC_TEXTS:
            skipped[group] = NotEnoughData(
                N_("Only {n:,} texts in one language group, too few to find topics (at least {minimum:,} are needed)."),
                N_("More texts in that language would enable this."), n=int(rows.sum()), minimum=MIN_TOPIC_TEXTS)
            continue
        try:
            model = TopicModel(n_topics=n_topics).fit(scored.loc[rows, "tokens"])
        except NotEnoughData as reason:
            skipped[group] = reason
            continue
        assigned = model.assign(scored.loc[rows, "tokens"])
        found = assigned["topic"] >= 0
        scored.loc[assigned.index[found], "topic"] = group + "-" + assigned.loc[found, "topic"].astype(str)
        scored.loc[assigned.index, "topic_label"] = assigned["topic_label"]
        scored.loc[assigned.index, "topic_weight"] = assigned["topic_weight"]
        models[group] = model
    return FeedbackAnalysis(scored=scored, categories=matrix, topic_models=models, taxonomy=taxonomy,
                            sentiment_models=sentiment_models, topics_skipped=skipped)


def topic_table(result: FeedbackAnalysis) -> pd.DataFrame:
    """All topics: ``topic`` id, ``language``, ``label``, ``keywords``, ``texts``, ``share`` of the group's texts.

    Parameters
    ----------
    result : FeedbackAnalysis
        :func:`score_feedback`'s result.

    Returns
    -------
    DataFrame
        Plain 0… index, one row per topic of every language group (empty without topic models).
    """
    parts = []
    for group, model in result.topic_models.items():
        rows = result.scored.loc[result.scored["topic"].str.startswith(group + "-") |
                                 (result.scored["language"].astype(str).isin(TOPIC_GROUPS[group])
                                  & ~result.scored["is_exit_survey"])]
        numbers = rows["topic"].str.rsplit("-", n=1).str[-1].replace("", "-1").astype(int)
        table = model.topic_table(pd.DataFrame({"topic": numbers}))
        table.insert(0, "language", group)
        table["topic"] = group + "-" + table["topic"].astype(str)
        parts.append(table)
    columns = ["language", "topic", "label", "keywords", "texts", "share"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def scored_export(result: FeedbackAnalysis) -> pd.DataFrame:
    """The rows of ``feedback_scored.csv``: one per feedback, columns :data:`EXPORT_COLUMNS`.

    Parameters
    ----------
    result : FeedbackAnalysis
        :func:`score_feedback`'s result.

    Returns
    -------
    DataFrame
        ``result.scored``'s index; those :data:`EXPORT_COLUMNS` it has (score to 4 decimals).
    """
    frame = result.scored
    columns = [c for c in EXPORT_COLUMNS if c in frame]
    out = frame[columns].copy()
    out["language"] = out["language"].astype(str)
    out["sentiment_label"] = out["sentiment_label"].astype(str)
    out["sentiment_score"] = out["sentiment_score"].round(4)
    return out


def sentiment_shares(scored: pd.DataFrame, by: str | None = None, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Share of positive / neutral / negative / unknown texts, overall or per ``by`` group.

    Groups are named ``"<name> (n=<texts>)"``, so a full-height bar from two texts is not mistaken
    for a finding.

    Parameters
    ----------
    scored : DataFrame
        Scored feedback with ``sentiment_label`` (and the ``by`` column).
    by : str, optional
        Column to group by; None gives one row, ``all``.
    names : dict of str to str, optional
        Group value -> readable name (values not in it keep their own).

    Returns
    -------
    DataFrame
        One row per group, largest first; one column per label present, shares 0–1.

    >>> scored = pd.DataFrame({"sentiment_label": ["positive", "negative", "positive"], "language": ["zh", "zh", "en"]})
    >>> sentiment_shares(scored, "language", {"zh": "Chinese"}).round(2).to_dict("index")
    {'Chinese (n=2)': {'negative': 0.5, 'positive': 0.5}, 'en (n=1)': {'negative': 0.0, 'positive': 1.0}}
    """
    labels = scored["sentiment_label"].astype(str)
    if by is None:
        return labels.value_counts(normalize=True).rename("share").to_frame().T.rename(index={"share": "all"})
    groups = scored[by].astype(str)
    counts = groups.value_counts()
    names = names or {}
    table = pd.crosstab(groups, labels, normalize="index")
    table.index = [f"{names.get(g, g)} (n={counts[g]:,})" for g in table.index]
    return table.loc[[f"{names.get(g, g)} (n={counts[g]:,})" for g in counts.index]]  # largest group first


def feedback_summary(result: FeedbackAnalysis, *, accuracy: dict, sla: dict | None,
                     analysis_date, lang: str = "en") -> dict:
    """The content of ``feedback_summary.json`` (percentages in %, shares 0–1, hours in hours).

    Parameters
    ----------
    result : FeedbackAnalysis
        :func:`score_feedback`'s result.
    accuracy : dict
        :func:`crmlib.feedback.sentiment.sentiment_accuracy`'s measured accuracies.
    sla : dict or None
        :func:`crmlib.feedback.timeliness.sla_summary`, or None without handling times.
    analysis_date : str or Timestamp
        The analysis date (written as an ISO date).
    lang : str, optional
        Language of the category labels, ``"en"`` (default) or ``"zh"``.

    Returns
    -------
    dict
        JSON-ready keys: ``analysis_date``, ``units``, ``csat``, ``nps``, ``languages``,
        ``sentiment_shares``, ``topics``, ``categories``, ``sla``, ``accuracy`` ….
    """
    ongoing = result.ongoing
    overall = satisfaction_table(ongoing).iloc[0]
    shares = result.category_shares(lang)
    negative_shares = result.category_shares(lang, negative_only=True)
    labels = ongoing["sentiment_label"].astype(str)
    return {
        "analysis_date": pd.Timestamp(analysis_date).date().isoformat(),
        "units": {"csat": "% of 1-5 ratings that are 4 or 5", "nps": "% promoters (9-10) minus % detractors (0-6)",
                  "shares": "fraction 0-1", "hours": "hours"},
        "feedback_rows": int(len(result.scored)),
        "exit_survey_rows": int(result.scored["is_exit_survey"].sum()),
        "csat": {"value": overall["csat"], "ratings": int(overall["ratings"])},
        "nps": {"value": overall["nps"], "answers": int(overall["nps_answers"]),
                "promoters_pct": overall["promoters"], "detractors_pct": overall["detractors"]},
        "languages": ongoing["language"].astype(str).value_counts(normalize=True).to_dict(),
        "sentiment_shares": {k: float((labels == k).mean()) for k in ("positive", "neutral", "negative", "unknown")},
        "topics": {"criterion": "per language, the number of topics with the highest mean UMass "
                                "coherence of the top 8 words (ties: fewer topics)",
                   "n_topics": {g: m.n_topics_ for g, m in result.topic_models.items()},
                   "coherence_by_n_topics": {g: m.coherence_.to_dict(orient="records")
                                             for g, m in result.topic_models.items()},
                   "topics": topic_table(result).to_dict(orient="records")},
        "categories": {"all_texts": shares[["category", "texts", "share"]].to_dict(orient="records"),
                       "negative_texts": negative_shares[["category", "texts", "share"]].to_dict(orient="records")},
        "sla": sla,
        "sentiment_accuracy": accuracy,
        "accuracy": {"own_ratings_cv": result.sentiment_models.get("own_ratings_cv"),
                     "domain_model_used": result.sentiment_models.get("domain_model_used", False),
                     "domain_weight": result.sentiment_models.get("domain_weight", 0.0),
                     "texts_by_model": result.sentiment_models.get("texts_by_model")},
    }


def summary_number(value, digits: int = 1) -> str:
    """A number for a sentence: rounded, or "n/a" when missing.

    Parameters
    ----------
    value : float or None
        The number; None or NaN is missing.
    digits : int, optional
        Decimals to show (default 1).

    Returns
    -------
    str
        ``value`` with ``digits`` decimals, or ``"n/a"``.
    """
    return "n/a" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.{digits}f}"
