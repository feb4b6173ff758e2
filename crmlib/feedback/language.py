"""Which language a feedback text is in, and a normalised form of it for matching.

A text is ``"zh"`` when Chinese characters make up at least ``ZH_SHARE`` of its letters
(Han characters + Latin letters), ``"en"`` when they make up at most ``EN_SHARE``, ``"mixed"``
in between and ``"none"`` when it has neither (empty, digits or emoji only). Letters are counted,
not words: "iPhone很好用" (3 Han, 6 Latin) is mixed.

Example
-------
>>> [detect_language(t) for t in ["物流很快，好评", "Fast delivery!", "iPhone 很好用", "123", None]]
['zh', 'en', 'mixed', 'none', 'none']
>>> normalize_text("  Ｆａｓｔ\\n delivery！ ")
'fast delivery!'
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

LANGUAGES = ("zh", "en", "mixed", "none")
LANGUAGE_NAMES = {"en": {"zh": "Chinese", "en": "English", "mixed": "mixed", "none": "no letters"},
                  "zh": {"zh": "中文", "en": "英文", "mixed": "中英混合", "none": "无文字"}}
ZH_SHARE = 0.7  # Han share of letters at or above which a text is Chinese
EN_SHARE = 0.1  # Han share of letters at or below which a text is English
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")
SPACES = re.compile(r"\s+")


def normalize_text(text) -> str:
    """NFKC (full-width to half-width), lower case, whitespace collapsed; missing -> ``""``.

    Parameters
    ----------
    text : str or None
        The text; None or NaN counts as missing, other values are turned into ``str``.

    Returns
    -------
    str
        The normalised text.
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    return SPACES.sub(" ", unicodedata.normalize("NFKC", str(text))).strip().lower()


def detect_language(text) -> str:
    """``"zh"``, ``"en"``, ``"mixed"`` or ``"none"`` from the share of Han characters among letters.

    Parameters
    ----------
    text : str or None
        The text (normalised first: :func:`normalize_text`).

    Returns
    -------
    str
        One of :data:`LANGUAGES`.
    """
    text = normalize_text(text)
    han, latin = len(HAN.findall(text)), len(LATIN.findall(text))
    if han + latin == 0:
        return "none"
    share = han / (han + latin)
    if share >= ZH_SHARE:
        return "zh"
    if share <= EN_SHARE:
        return "en"
    return "mixed"


def languages(texts: pd.Series) -> pd.Series:
    """:func:`detect_language` for every text (once per distinct text), as a categorical Series named ``language``.

    Parameters
    ----------
    texts : Series
        The texts (missing values are ``"none"``).

    Returns
    -------
    Series
        Categorical over :data:`LANGUAGES`, on ``texts``' index.
    """
    from crmlib.feedback.distinct import per_distinct

    values = per_distinct(lambda distinct: [detect_language(t) for t in distinct], texts.to_numpy(dtype=object))
    return pd.Series(pd.Categorical(values, categories=list(LANGUAGES)), index=texts.index,
                     name="language")
