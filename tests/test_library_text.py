"""Words crmlib computes (churn drivers, features, exit reasons, model names, cluster descriptions,
feedback categories) come from the catalogue: English unchanged, Chinese without English words."""

import pandas as pd
from babel.messages.pofile import read_po
from page_text import english_words

from crmlib.churn import model_labels, reason_label
from crmlib.churn.drivers import describe_drivers, driver_text
from crmlib.churn.features import FEATURE_LABELS, feature_label
from crmlib.churn.reasons import REASON_LABELS
from crmlib.feedback.categories import UNCATEGORISED, category_labels
from crmlib.lang import catalogue_files
from crmlib.segment.clusters import RFMClusterer

IMPORTANCE = pd.DataFrame({"feature": ["days_since_last", "city"], "direction": ["higher", "=north"],
                           "importance": [0.1, 0.05]})


def test_english_texts_are_unchanged():
    assert driver_text("days_since_last", "higher") == "days since the last purchase is high"
    assert driver_text("city", "=north") == "city is north"
    assert describe_drivers(IMPORTANCE) == (
        "Customers are most likely to churn when days since the last purchase is high; when city is north "
        "(shuffling these lowers ROC-AUC by 0.100, 0.050 respectively).")
    assert model_labels("en")["p_alive"] == "BG/NBD 1 − P(alive)"
    assert reason_label("price") == "price too high" and reason_label("too_far") == "too far"
    assert feature_label("purchase_rate") == "purchases per 30 days"
    assert category_labels("en")[UNCATEGORISED] == "Uncategorised"


def test_chinese_texts_have_no_english_words():
    texts = [driver_text("days_since_last", "lower", "zh"), driver_text("city", "=north", "zh"),
             describe_drivers(IMPORTANCE, lang="zh"), describe_drivers(IMPORTANCE.iloc[:0], lang="zh"),
             *model_labels("zh").values(), *(reason_label(r, "zh") for r in REASON_LABELS),
             *(feature_label(f, "zh") for f in FEATURE_LABELS), category_labels("zh")[UNCATEGORISED]]
    assert describe_drivers(IMPORTANCE, lang="zh") == (
        "最容易流失的客户特征：距上次购买天数偏高；城市为north（打乱后ROC-AUC分别下降 0.100, 0.050）。")
    english = {text: english_words(text, {"north"}) for text in texts}
    assert {t: w for t, w in english.items() if w} == {}


def test_cluster_descriptions_follow_the_language():
    position = pd.Series({"recency": 0.9, "frequency": 0.1, "monetary": 0.5, "age": 0.95})
    assert RFMClusterer(attributes=("age",)).describe(position) == "lapsed, rare buyers, average spend, high age"
    assert RFMClusterer(attributes=("age",), lang="zh").describe(position) == "久未购买，低频，消费一般，age高"


def test_no_chinese_translation_keeps_p_alive_in_english():
    english_terms = []
    for path in catalogue_files("zh"):
        with open(path, "rb") as handle:
            for message in read_po(handle, locale="zh_CN"):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                english_terms += [f"{path.name}: {s}" for s in strings if s and "P(alive)" in s]
    assert english_terms == []
