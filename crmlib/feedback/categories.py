"""Complaint categories from an editable keyword taxonomy (Chinese and English keywords).

The taxonomy lives in ``crmlib/resources/complaint_taxonomy.yaml`` (price, delivery, product
quality, service attitude, returns/refunds, app/website); a team edits keywords there, or
passes its own file. A text belongs to every category one of whose keywords it contains
(:func:`category_matrix`); its primary category is the first match in file order, or
``uncategorised`` (:func:`primary_category`). Chinese keywords match anywhere in the text,
English keywords at the start of a word. Keywords do not understand negation or context.

Example
-------
>>> texts = pd.Series(["快递太慢了，还要退货", "Too expensive!", "很喜欢"])
>>> primary_category(category_matrix(texts)).tolist()
['returns_refunds', 'price', 'uncategorised']
>>> category_matrix(texts).loc[0, ["delivery", "returns_refunds"]].tolist()
[True, True]
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from crmlib.data.editable import bundled_path, load_editable_yaml
from crmlib.errors import ConfigError
from crmlib.feedback.language import normalize_text
from crmlib.lang import gettext

UNCATEGORISED = "uncategorised"


def taxonomy_path() -> Path:
    """Where the bundled taxonomy is.

    Returns
    -------
    Path
        ``crmlib/resources/complaint_taxonomy.yaml`` inside the installed package.
    """
    return bundled_path("complaint_taxonomy.yaml")


def _validate(data: dict, path: str) -> dict:
    categories = data.get("categories")
    if not isinstance(categories, dict) or not categories:
        raise ConfigError("the taxonomy has no 'categories' section", file=path,
                          hint="Start from a copy of crmlib/resources/complaint_taxonomy.yaml.")
    for key, entry in categories.items():
        keywords = (entry or {}).get("keywords") or {}
        words = [w for lang in ("zh", "en") for w in (keywords.get(lang) or [])]
        if not words or not all(isinstance(w, str) and w.strip() for w in words):
            raise ConfigError(f"category {key!r} has no keywords, or an empty one", file=path,
                              hint="Give every category keywords: {zh: [...], en: [...]} of plain text.")
        if key == UNCATEGORISED:
            raise ConfigError(f"{UNCATEGORISED!r} is reserved for texts no category catches", file=path,
                              hint="Rename the category.")
    return data


def load_taxonomy(path: str | Path | None = None) -> dict:
    """The taxonomy as ``{category: {label_en, label_zh, keywords: {zh: [...], en: [...]}}}``.

    Parameters
    ----------
    path : str or Path, optional
        An edited taxonomy YAML file; None loads the bundled one (:func:`taxonomy_path`).

    Returns
    -------
    dict
        The ``categories`` section, category key -> entry, in file order.

    Raises
    ------
    ConfigError
        When the file is missing, or a category has no keywords or is named ``uncategorised``.
    """
    return load_editable_yaml(path, "complaint_taxonomy.yaml", "complaint taxonomy", _validate)["categories"]


def _pattern(keywords: dict) -> re.Pattern:
    zh = [re.escape(normalize_text(w)) for w in keywords.get("zh") or []]
    en = [r"\b" + re.escape(normalize_text(w)) for w in keywords.get("en") or []]
    return re.compile("|".join(zh + en))


def category_matrix(texts: pd.Series, taxonomy: dict | None = None) -> pd.DataFrame:
    """One boolean column per category: does the text contain one of its keywords?

    Parameters
    ----------
    texts : Series
        The feedback texts (missing values match nothing).
    taxonomy : dict, optional
        :func:`load_taxonomy`'s categories; None loads the bundled taxonomy.

    Returns
    -------
    DataFrame
        ``texts``' index, one boolean column per category key, in taxonomy order.
    """
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    codes, distinct = pd.factorize(texts.astype(object), use_na_sentinel=False)  # match each distinct text once
    normalised = pd.Series(distinct, dtype=object).map(normalize_text)
    matches = pd.DataFrame({key: normalised.str.contains(_pattern(entry["keywords"]), regex=True)
                            for key, entry in taxonomy.items()}).astype(bool)
    return pd.DataFrame(matches.to_numpy()[codes], columns=matches.columns, index=texts.index).astype(bool)


def primary_category(matrix: pd.DataFrame) -> pd.Series:
    """The first matching category (taxonomy order) per text, else ``uncategorised``.

    Parameters
    ----------
    matrix : DataFrame
        :func:`category_matrix`'s boolean table.

    Returns
    -------
    Series
        ``category`` per text (category key or ``uncategorised``), on ``matrix``'s index.
    """
    values = matrix.to_numpy()
    first = np.array(matrix.columns, dtype=object)[values.argmax(axis=1)] if values.size else []
    out = np.where(values.any(axis=1), first, UNCATEGORISED) if values.size else np.array([], dtype=object)
    return pd.Series(out, index=matrix.index, name="category", dtype=object)


def category_labels(lang: str = "en", taxonomy: dict | None = None) -> dict[str, str]:
    """Display label per category key (and for ``uncategorised``).

    Parameters
    ----------
    lang : str, optional
        Language of the labels, ``"en"`` (default) or ``"zh"``; without a label, the key.
    taxonomy : dict, optional
        :func:`load_taxonomy`'s categories; None loads the bundled taxonomy.

    Returns
    -------
    dict of str to str
        Category key -> label, ``uncategorised`` included.
    """
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    labels = {key: entry.get(f"label_{lang}") or key for key, entry in taxonomy.items()}
    labels[UNCATEGORISED] = gettext(lang, "Uncategorised")
    return labels


def category_shares(matrix: pd.DataFrame, lang: str = "en", taxonomy: dict | None = None) -> pd.DataFrame:
    """Texts and share of texts each category catches (a text may count in several), plus the rest.

    Columns ``category``, ``label``, ``texts``, ``share``; the last row is ``uncategorised``
    (texts no category catches). Shares are of all texts given, so they can add up to more than 1.

    Parameters
    ----------
    matrix : DataFrame
        :func:`category_matrix`'s boolean table, one row per text.
    lang : str, optional
        Language of the labels, ``"en"`` (default) or ``"zh"``.
    taxonomy : dict, optional
        The taxonomy the labels come from; None loads the bundled one.

    Returns
    -------
    DataFrame
        Plain 0… index, one row per category then ``uncategorised`` (``share`` NaN without texts).
    """
    n = len(matrix)
    counts = matrix.sum().astype(int)
    counts[UNCATEGORISED] = int((~matrix.any(axis=1)).sum())
    labels = category_labels(lang, taxonomy)
    return pd.DataFrame({"category": counts.index, "label": [labels.get(k, k) for k in counts.index],
                         "texts": counts.to_numpy(),
                         "share": counts.to_numpy() / n if n else np.nan}).reset_index(drop=True)
