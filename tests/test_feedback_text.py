"""Feedback text handling: language, normalisation, tokenisation, complaint categories, topics."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest

from crmlib.errors import ConfigError, DataError
from crmlib.feedback import (
    TopicModel,
    category_matrix,
    category_shares,
    detect_language,
    distinctive_keywords,
    load_stopwords,
    load_taxonomy,
    normalize_text,
    primary_category,
    tokenize,
)
from crmlib.feedback.topics import umass_coherence

MODULES = ["language", "tokenize", "categories", "satisfaction", "timeliness", "linking", "topics", "keywords",
           "analysis"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"crmlib.feedback.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(("text", "language"), [
    ("物流很快，包装完好，好评！", "zh"),
    ("The parcel arrived late and the box was crushed.", "en"),
    ("iPhone 屏幕很好", "mixed"),            # 4 Han characters vs 6 Latin letters
    ("质量不错 OK", "mixed"),               # 4 Han vs 2 Latin letters: 0.67 is below the 0.7 threshold
    ("质量很不错 OK", "zh"),                 # 5 Han vs 2 Latin letters: 0.71
    ("", "none"), ("12345 !!!", "none"), (None, "none"), (float("nan"), "none"),
])
def test_language_by_share_of_han_characters(text, language):
    assert detect_language(text) == language


def test_normalisation_folds_full_width_case_and_spaces():
    assert normalize_text("  ＡＰＰ\t闪退！\n Ｔｏｏ  SLOW ") == "app 闪退! too slow"


def test_chinese_tokenisation_uses_jieba_and_drops_stopwords():
    tokens = tokenize("这个手机的电池非常耐用，但是屏幕有划痕")
    assert tokens == ["手机", "电池", "耐用", "屏幕", "划痕"]
    assert not {"这个", "的", "非常", "但是"} & set(tokens)


def test_english_tokenisation_lowercases_keeps_contractions_and_drops_stopwords():
    assert tokenize("The Delivery wasn't FAST, and I'm not happy with 2 items!") == \
        ["delivery", "wasn't", "fast", "happy", "items"]


def test_mixed_text_keeps_both_languages_words():
    assert tokenize("app老是闪退，refund please") == ["老是", "闪退", "app", "refund"]


def test_stopword_lists_are_shipped_data():
    zh, en = load_stopwords("zh"), load_stopwords("en")
    assert {"的", "了", "我们"} <= zh and {"the", "and", "was"} <= en
    assert not any(w.startswith("#") for w in zh | en)
    with pytest.raises(ValueError):
        load_stopwords("fr")


def test_category_rules_chinese_substrings_and_english_word_starts():
    texts = pd.Series([
        "快递三天才到，包装也破了",          # delivery
        "客服态度很差，一直不回复",          # service
        "I want a REFUND, it arrived broken",  # returns first (taxonomy order), also delivery and quality
        "Great price for the quality",        # quality (listed before price) and price
        "The reprice was odd",                # 'price' only inside a word: no match
        "很喜欢，下次还来",                    # nothing
        "小程序下单时闪退",                    # app
    ])
    matrix = category_matrix(texts)
    assert primary_category(matrix).tolist() == [
        "delivery", "service_attitude", "returns_refunds", "product_quality", "uncategorised",
        "uncategorised", "app_website"]
    assert matrix.loc[2, ["returns_refunds", "delivery", "product_quality"]].all()
    assert matrix.loc[3, ["product_quality", "price"]].all()
    assert not matrix.loc[4].any()


def test_category_shares_count_every_match_and_the_uncategorised_rest():
    matrix = category_matrix(pd.Series(["太贵了", "价格高，快递慢", "好", "slow delivery"]))
    shares = category_shares(matrix).set_index("category")
    assert shares.loc["price", "texts"] == 2 and shares.loc["delivery", "texts"] == 2
    assert shares.loc["uncategorised", "texts"] == 1
    assert shares.loc["price", "share"] == pytest.approx(0.5)
    assert shares.index[-1] == "uncategorised"


def test_taxonomy_is_editable_and_checked(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    path.write_text("categories:\n  size:\n    label_en: Size\n    label_zh: 尺码\n"
                    "    keywords: {zh: [尺码, 偏小], en: [too small, size]}\n", encoding="utf-8")
    taxonomy = load_taxonomy(path)
    matrix = category_matrix(pd.Series(["鞋子偏小", "Way too small", "快递慢"]), taxonomy)
    assert primary_category(matrix).tolist() == ["size", "size", "uncategorised"]
    path.write_text("categories:\n  empty:\n    keywords: {zh: []}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no keywords"):
        load_taxonomy(path)
    with pytest.raises(ConfigError, match="not found"):
        load_taxonomy(tmp_path / "missing.yaml")


def test_bundled_taxonomy_has_the_six_categories_in_both_languages():
    taxonomy = load_taxonomy()
    assert set(taxonomy) == {"price", "delivery", "product_quality", "service_attitude", "returns_refunds",
                             "app_website"}
    for entry in taxonomy.values():
        assert entry["keywords"]["zh"] and entry["keywords"]["en"] and entry["label_zh"]


def _planted(n_topics: int, n_docs: int = 300, seed: int = 0):
    """Texts drawn from disjoint word pools plus shared filler words: the topics are known."""
    rng = np.random.default_rng(seed)
    pools = [[f"t{t}w{i}" for i in range(6)] for t in range(n_topics)]
    filler = [f"common{i}" for i in range(6)]
    truth = np.arange(n_docs) % n_topics
    docs = [list(rng.choice(pools[t], 4, replace=False)) + list(rng.choice(filler, 2, replace=False))
            for t in truth]
    return pd.Series(docs), truth


@pytest.mark.parametrize("planted", [3, 5])
def test_auto_topic_count_recovers_planted_topics(planted):
    docs, truth = _planted(planted)
    model = TopicModel(n_topics="auto", candidates=range(2, 9)).fit(docs)
    assert model.n_topics_ == planted
    assigned = model.assign(docs)["topic"].to_numpy()
    # each found topic holds exactly one planted topic's texts
    table = pd.crosstab(assigned, truth)
    assert (table.gt(0).sum(axis=1) == 1).all() and (table.gt(0).sum(axis=0) == 1).all()
    for keywords in model.keywords_:
        pool = {w.split("w")[0] for w in keywords[:4]}
        assert len(pool) == 1 and not pool & {"common"}


def test_umass_coherence_by_hand():
    # three texts; words a, b co-occur in 2 texts, a in 3, b in 2
    binary = np.array([[1, 1], [1, 1], [1, 0]])
    assert umass_coherence(binary, [0, 1]) == pytest.approx(np.log((2 + 1) / 3))


def test_topics_on_too_little_text_raise_a_clear_error():
    with pytest.raises(DataError, match="too few distinct words"):
        TopicModel(min_df=3).fit(pd.Series([["a"], ["b"]]))


def test_distinctive_keywords_rank_words_of_the_target_texts_first():
    rng = np.random.default_rng(1)
    filler = ["商品", "收到", "东西", "店家"]
    negative = [["退款", *rng.choice(filler, 2, replace=False)] for _ in range(30)]    # only in negative texts
    positive = [["喜欢", *rng.choice(filler, 2, replace=False)] for _ in range(60)]   # only in the others
    mixed = [["快递", *rng.choice(filler, 2, replace=False)] for _ in range(30)]     # in both, evenly
    tokens = pd.Series(negative + positive + mixed[:15] + mixed[15:])
    target = pd.Series([True] * 30 + [False] * 60 + [True] * 15 + [False] * 15)
    words = distinctive_keywords(tokens, target, n=20, min_texts=5).set_index("word")
    assert words.index[0] == "退款" and words.loc["退款", "target_texts"] == 30
    assert words.loc["退款", "other_texts"] == 0
    assert words.loc["喜欢", "z"] < 0 < words.loc["退款", "z"]
    assert abs(words.loc["快递", "z"]) < words.loc["退款", "z"] / 2
    # a word repeated in one text counts once
    assert distinctive_keywords(pd.Series([["a", "a", "a"], ["b"]] * 5), pd.Series([True, False] * 5),
                                min_texts=1).set_index("word").loc["a", "target_texts"] == 5
