"""Words of a feedback text: jieba for Chinese (and mixed) text, a plain tokenizer for English.

Texts are normalised first (:func:`crmlib.feedback.language.normalize_text`). Tokens that are
stopwords (``crmlib/resources/stopwords_zh.txt`` and ``stopwords_en.txt``, editable), single
Chinese characters, single Latin letters, numbers and punctuation are dropped. Used for topics and keywords; sentiment
works on the raw characters and does not drop stopwords.

Example
-------
>>> tokenize("物流很快，包装也很好！")
['物流', '很快', '包装']
>>> tokenize("The delivery was FAST, but the box didn't close.")
['delivery', 'fast', 'box', 'close']
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib.resources import files

import jieba
import pandas as pd

from crmlib.feedback.distinct import per_distinct
from crmlib.feedback.language import HAN, detect_language, normalize_text

ENGLISH_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
LATIN_RUN = re.compile(r"[a-z']+")
KEEP = re.compile(r"^(?:[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}|[a-z][a-z']+)$")

jieba.setLogLevel(logging.WARNING)  # jieba logs "Building prefix dict" at INFO on first use


@lru_cache(maxsize=4)
def load_stopwords(lang: str) -> frozenset[str]:
    """The bundled stopword list for ``"zh"`` or ``"en"``.

    Parameters
    ----------
    lang : {"zh", "en"}
        Which list.

    Returns
    -------
    frozenset of str
        The stopwords (blank lines and ``#`` comments skipped).

    Raises
    ------
    ValueError
        For a language other than ``"zh"`` or ``"en"``.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"stopword lists exist for 'zh' and 'en', not {lang!r}")
    text = (files("crmlib") / "resources" / f"stopwords_{lang}.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def _stopwords() -> frozenset[str]:
    return load_stopwords("zh") | load_stopwords("en")


def tokenize(text, language: str | None = None) -> list[str]:
    """Content words of ``text`` (normalised, stopwords dropped): Chinese words, then English words.

    Parameters
    ----------
    text : str or None
        The text (missing gives no tokens).
    language : str, optional
        Its language (:data:`~crmlib.feedback.language.LANGUAGES`); None detects it. ``"en"``
        texts skip jieba.

    Returns
    -------
    list of str
        The content words, Chinese words first.
    """
    text = normalize_text(text)
    language = language or detect_language(text)
    stop = _stopwords()
    words = []
    if language != "en" and HAN.search(text):
        words = [w for w in jieba.lcut(LATIN_RUN.sub(" ", text)) if HAN.search(w)]
    words += ENGLISH_WORD.findall(text)
    return [w for w in words if KEEP.match(w) and w not in stop]


def tokenize_series(texts: pd.Series, languages: pd.Series | None = None) -> pd.Series:
    """:func:`tokenize` for every text (once per distinct text and language); a Series of token lists.

    Parameters
    ----------
    texts : Series
        The texts.
    languages : Series, optional
        Language per text, aligned with ``texts``; None detects each.

    Returns
    -------
    Series
        ``tokens``: a list of str per text, on ``texts``' index.
    """
    if languages is None:
        tokens = per_distinct(lambda values: [tokenize(t) for t in values], texts.to_numpy(dtype=object))
    else:
        tokens = per_distinct(lambda values, langs: [tokenize(t, lang) for t, lang in zip(values, langs, strict=True)],
                              texts.to_numpy(dtype=object), languages.to_numpy(dtype=object))
    return pd.Series(tokens, index=texts.index, name="tokens", dtype=object)
