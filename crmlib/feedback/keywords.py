"""Keywords that set one group of texts apart (e.g. negative vs other texts): weighted log-odds.

For each word, the log-odds of appearing in the target group's texts against the other texts,
with an informative Dirichlet prior from the word's overall frequency, divided by its standard
error — the z-score of Monroe, Colaresi & Quinn (2008), "Fightin' Words". Counts are of texts
containing the word (a word repeated in one text counts once). Large positive z: typical of the
target group; words seen in fewer than ``min_texts`` texts are ignored.

Example
-------
>>> tokens = pd.Series([["slow", "delivery"], ["slow", "refund"], ["nice", "delivery"], ["nice"]] * 5)
>>> negative = pd.Series([True, True, False, False] * 5)
>>> distinctive_keywords(tokens, negative, n=1)["word"].tolist()
['slow']
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def distinctive_keywords(tokens: pd.Series, target: pd.Series, n: int = 10, min_texts: int = 5,
                         prior_strength: float | None = None) -> pd.DataFrame:
    """Top ``n`` words of the ``target`` texts by z-score.

    Parameters
    ----------
    tokens : Series
        Token list per text.
    target : Series
        Boolean, aligned with ``tokens``: True for the target group (missing counts as False).
    n : int, optional
        How many words to return (default 10).
    min_texts : int, optional
        Words in fewer texts (both groups together) are ignored (default 5).
    prior_strength : float, optional
        Total pseudo-count of the Dirichlet prior, spread over words in proportion to their
        frequency; None (default) makes it as large as the data (each word's own count).

    Returns
    -------
    DataFrame
        Plain 0… index: ``word``, ``target_texts``, ``other_texts``, ``z``; highest ``z`` first.
    """
    target = target.reindex(tokens.index).fillna(False).astype(bool)
    present = pd.Series([sorted(set(t)) for t in tokens], index=tokens.index).explode().dropna()
    if present.empty:
        return pd.DataFrame(columns=["word", "target_texts", "other_texts", "z"])
    in_target = target.loc[present.index].to_numpy()
    counts = pd.DataFrame({"word": present.to_numpy(), "target": in_target})
    table = pd.crosstab(counts["word"], counts["target"]).reindex(columns=[True, False], fill_value=0)
    table.columns = ["target_texts", "other_texts"]
    table = table.loc[table.sum(axis=1) >= min_texts]
    if table.empty:
        return pd.DataFrame(columns=["word", "target_texts", "other_texts", "z"])
    y_i, y_j = table["target_texts"].to_numpy(float), table["other_texts"].to_numpy(float)
    total = y_i + y_j
    strength = total.sum() if prior_strength is None else prior_strength
    alpha = strength * total / total.sum()
    a0 = alpha.sum()
    n_i, n_j = y_i.sum(), y_j.sum()
    with np.errstate(divide="ignore", invalid="ignore"):  # a word that is all of a side's counts: no odds
        delta = (np.log((y_i + alpha) / (n_i + a0 - y_i - alpha))
                 - np.log((y_j + alpha) / (n_j + a0 - y_j - alpha)))
        variance = 1 / (y_i + alpha) + 1 / (y_j + alpha)
        table["z"] = delta / np.sqrt(variance)
    table = table.loc[np.isfinite(table["z"])]  # undefined log-odds are not "typical" of either side
    top = table.sort_values(["z", "target_texts"], ascending=[False, False]).head(n)
    return top.rename_axis("word").reset_index()
