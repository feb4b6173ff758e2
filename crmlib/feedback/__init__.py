"""Feedback mining for Chinese and English text: what customers tell us, and how it relates to value.

Small modules, one concern each:

- :mod:`~crmlib.feedback.language` — zh / en / mixed per text, normalisation
- :mod:`~crmlib.feedback.tokenize` — jieba (Chinese) and a plain English tokenizer, stopwords
- :mod:`~crmlib.feedback.sentiment` — offline sentiment with measured held-out accuracy
- :mod:`~crmlib.feedback.sentiment_en` — the English model (TF-IDF + VADER scores, trained on shipped corpora)
- :mod:`~crmlib.feedback.text_model` — predictions shared by the text classifiers
- :mod:`~crmlib.feedback.topics` — TF-IDF + NMF topics, number chosen by coherence
- :mod:`~crmlib.feedback.keywords` — words typical of negative (or any group of) texts
- :mod:`~crmlib.feedback.categories` — complaint categories from an editable YAML taxonomy
- :mod:`~crmlib.feedback.satisfaction` — CSAT and NPS by month, channel, segment
- :mod:`~crmlib.feedback.timeliness` — time to resolve, SLA share, open items by age
- :mod:`~crmlib.feedback.linking` — churned vs retained customers, value tiers
- :mod:`~crmlib.feedback.analysis` — one call that scores every text, and the exports

Example
-------
>>> import pandas as pd
>>> result = score_feedback(pd.DataFrame({"customer_id": ["A"], "text": ["质量很好"]}), topics=False)
>>> result.scored["sentiment_label"].tolist()
['positive']
"""

from crmlib.feedback.analysis import (
    FeedbackAnalysis,
    feedback_summary,
    is_exit_survey,
    score_feedback,
    scored_export,
    sentiment_shares,
    topic_table,
)
from crmlib.feedback.categories import (
    category_matrix,
    category_shares,
    load_taxonomy,
    primary_category,
)
from crmlib.feedback.keywords import distinctive_keywords
from crmlib.feedback.language import detect_language, languages, normalize_text
from crmlib.feedback.linking import category_share_gap, compare_groups, customer_groups
from crmlib.feedback.satisfaction import csat, monthly_satisfaction, nps, satisfaction_table
from crmlib.feedback.sentiment import (
    ChineseSentimentClassifier,
    chinese_accuracy_sentence,
    chinese_model,
    english_accuracy,
    english_accuracy_sentence,
    rating_agreement,
    score_sentiment,
    seen_in_training,
    sentiment_accuracy,
)
from crmlib.feedback.sentiment_en import EnglishSentimentClassifier, english_model
from crmlib.feedback.timeliness import handling_times, open_by_age, sla_by, sla_summary
from crmlib.feedback.tokenize import load_stopwords, tokenize, tokenize_series
from crmlib.feedback.topics import TopicModel, representative_by_label, representative_texts

__all__ = [
    "ChineseSentimentClassifier", "EnglishSentimentClassifier", "FeedbackAnalysis", "TopicModel", "category_matrix", "category_share_gap",
    "category_shares",
    "chinese_model", "compare_groups", "csat", "customer_groups", "detect_language", "distinctive_keywords", "english_accuracy",
    "chinese_accuracy_sentence", "english_accuracy_sentence", "english_model", "feedback_summary", "handling_times", "is_exit_survey", "languages", "load_stopwords", "load_taxonomy",
    "monthly_satisfaction", "normalize_text", "nps", "open_by_age", "primary_category",
    "rating_agreement", "representative_by_label", "representative_texts", "satisfaction_table", "score_feedback", "score_sentiment",
    "scored_export", "seen_in_training", "sentiment_accuracy", "sentiment_shares", "sla_by", "sla_summary", "tokenize",
    "tokenize_series", "topic_table",
]
