"""Named segments from RFM: the 11-segment scheme and the Chinese 8-class scheme.

The rules live in one editable table, ``crmlib/resources/segment_rules.yaml``:

- ``rfm11`` (Champions ... Lost): ranges of the R score and of the FM score (the F and M
  scores' mean rounded half up); rules are tried in order and the first match wins;
- ``cn8`` (重要价值客户 ... 一般挽留客户): R, F and M each high or low against the mean or
  median of all customers (R is high when days since the last purchase are below it).

Labels come in English or Chinese (``lang``); the ``segment`` column holds a stable key.

Example
-------
>>> import pandas as pd
>>> scores = pd.DataFrame({"r_score": [5, 1], "fm_score": [5, 1]})
>>> assign_rfm11(scores)["segment"].tolist()
['champions', 'lost']
>>> segment_labels(pd.Series(["champions", "lost"]), "rfm11", "zh").tolist()
['冠军客户', '流失客户']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from crmlib.data.editable import bundled_path, load_editable_yaml
from crmlib.errors import ConfigError, DataError

SCHEMES = ("rfm11", "cn8")
LANGS = ("en", "zh")
REFERENCES = ("mean", "median")
UNCLASSIFIED = "unclassified"
UNCLASSIFIED_LABEL = {"en": "Unclassified", "zh": "未分类"}


def rules_path() -> Path:
    """Where the bundled rule table is.

    Returns
    -------
    Path
        Path of the bundled ``segment_rules.yaml``.
    """
    return bundled_path("segment_rules.yaml")


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")


def _validate(rules: dict, source: str) -> dict:
    for scheme in SCHEMES:
        entries = rules.get(scheme)
        if not isinstance(entries, list) or not entries:
            raise ConfigError(f"no '{scheme}' rule list", file=source,
                              hint="Keep both sections of the bundled segment_rules.yaml.")
        keys = [e.get("key") for e in entries]
        if len(set(keys)) != len(keys) or None in keys:
            raise ConfigError(f"'{scheme}' rules need unique keys, got {keys}", file=source,
                              hint="Give every rule its own 'key'.")
        for entry in entries:
            missing = [f for f in ("en", "zh") if f not in entry]
            fields = ("r", "fm") if scheme == "rfm11" else ("r", "f", "m")
            missing += [f for f in fields if f not in entry]
            if missing:
                raise ConfigError(f"rule {entry.get('key')!r} of '{scheme}' lacks {missing}",
                                  file=source, hint="See the comments at the top of the file.")
            if scheme == "rfm11":
                for f in ("r", "fm"):
                    low, high = entry[f]
                    if not 1 <= low <= high:
                        raise ConfigError(f"rule {entry['key']!r}: range {f}={entry[f]} is not "
                                          "[low, high] with 1 <= low <= high", file=source,
                                          hint="Write ranges as [low, high] of 1-5 scores.")
            elif any(entry[f] not in ("high", "low") for f in fields):
                raise ConfigError(f"rule {entry['key']!r}: r, f, m must be 'high' or 'low'",
                                  file=source, hint="Write high or low.")
    return rules


def load_rules(path: str | Path | None = None) -> dict:
    """The rule table (``{"rfm11": [...], "cn8": [...]}``), validated; bundled one by default.

    Parameters
    ----------
    path : str or Path, optional
        Edited segment rule file (default: the bundled ``segment_rules.yaml``).

    Returns
    -------
    dict
        ``{"rfm11": [rule, ...], "cn8": [rule, ...]}``, each rule a dict with ``key``, ``en``,
        ``zh`` and its ranges (``r``, ``fm``) or levels (``r``, ``f``, ``m``).

    Raises
    ------
    ConfigError
        If the file is not a valid rule table.
    """
    return load_editable_yaml(path, "segment_rules.yaml", "segment rule file", _validate)


def rules_table(scheme: str = "rfm11", lang: str = "en", path: str | Path | None = None) -> pd.DataFrame:
    """The rules of a scheme as a table (order, key, label and ranges), for display.

    Parameters
    ----------
    scheme : {"rfm11", "cn8"}, default "rfm11"
        Which scheme's rules.
    lang : {"en", "zh"}, default "en"
        Language of ``label``.
    path : str or Path, optional
        Edited segment rule file (default: the bundled ``segment_rules.yaml``).

    Returns
    -------
    DataFrame
        One row per rule in table order with ``order``, ``segment``, ``label`` and
        ``r_score``/``fm_score`` ranges (rfm11) or ``R``/``F``/``M`` levels (cn8).
    """
    _check_lang(lang)
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, not {scheme!r}")
    rows = []
    for order, entry in enumerate(load_rules(path)[scheme], start=1):
        row = {"order": order, "segment": entry["key"], "label": entry[lang]}
        if scheme == "rfm11":
            row |= {"r_score": f"{entry['r'][0]}-{entry['r'][1]}",
                    "fm_score": f"{entry['fm'][0]}-{entry['fm'][1]}"}
        else:
            row |= {"R": entry["r"], "F": entry["f"], "M": entry["m"]}
        rows.append(row)
    return pd.DataFrame(rows)


def assign_rfm11(scores: pd.DataFrame, path: str | Path | None = None) -> pd.DataFrame:
    """The 11-segment scheme: first rule (in table order) whose R and FM ranges hold.

    Parameters
    ----------
    scores : DataFrame
        Needs ``r_score`` and ``fm_score`` (see :func:`crmlib.segment.rfm.rfm_scores`).
    path : str or Path, optional
        Edited segment rule file (default: the bundled ``segment_rules.yaml``).

    Returns
    -------
    DataFrame
        Same index as ``scores``, one column ``segment`` (rule key, or ``"unclassified"``).
    """
    missing = [c for c in ("r_score", "fm_score") if c not in scores.columns]
    if missing:
        raise DataError(f"the score table lacks {missing}",
                        hint="Compute scores with crmlib.segment.rfm_scores first.")
    r = scores["r_score"].to_numpy()
    fm = scores["fm_score"].to_numpy()
    rules = load_rules(path)["rfm11"]
    conditions = [(r >= e["r"][0]) & (r <= e["r"][1]) & (fm >= e["fm"][0]) & (fm <= e["fm"][1])
                  for e in rules]
    keys = np.select(conditions, [e["key"] for e in rules], default=UNCLASSIFIED)
    return pd.DataFrame({"segment": keys}, index=scores.index)


def uncovered_cells(path: str | Path | None = None, bins: int = 5) -> list[tuple[int, int]]:
    """(R, FM) score pairs no ``rfm11`` rule matches: empty for a complete table.

    Parameters
    ----------
    path : str or Path, optional
        Edited segment rule file (default: the bundled ``segment_rules.yaml``).
    bins : int, default 5
        Scores run 1..``bins`` on both axes.

    Returns
    -------
    list of (int, int)
        The unmatched ``(r_score, fm_score)`` pairs, R ascending then FM ascending.
    """
    grid = pd.DataFrame([(r, fm) for r in range(1, bins + 1) for fm in range(1, bins + 1)],
                        columns=["r_score", "fm_score"])
    segments = assign_rfm11(grid, path)["segment"]
    return [tuple(int(v) for v in pair)
            for pair in grid.loc[segments == UNCLASSIFIED].to_numpy().tolist()]


def assign_cn8(rfm: pd.DataFrame, reference: str = "mean", path: str | Path | None = None) -> pd.DataFrame:
    """The 8-class scheme: R, F, M each high or low against the ``reference`` (mean/median).

    R is high when recency < reference; F and M are high when above it (ties count as low).

    Parameters
    ----------
    rfm : DataFrame
        Needs ``recency`` (days since the last purchase), ``frequency`` and ``monetary``.
    reference : {"mean", "median"}, default "mean"
        Statistic over all customers that splits high from low.
    path : str or Path, optional
        Edited segment rule file (default: the bundled ``segment_rules.yaml``).

    Returns
    -------
    DataFrame
        Same index as ``rfm``, with ``segment`` and the bool flags ``r_high``, ``f_high``,
        ``m_high``.
    """
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}, not {reference!r}")
    missing = [c for c in ("recency", "frequency", "monetary") if c not in rfm.columns]
    if missing:
        raise DataError(f"the RFM table lacks {missing}", hint="Use crmlib.segment.rfm_table first.")
    ref = rfm[["recency", "frequency", "monetary"]].agg(reference)
    flags = pd.DataFrame(
        {
            "r_high": rfm["recency"] < ref["recency"],
            "f_high": rfm["frequency"] > ref["frequency"],
            "m_high": rfm["monetary"] > ref["monetary"],
        },
        index=rfm.index,
    )
    level = {True: "high", False: "low"}
    code = (flags["r_high"].map(level) + flags["f_high"].map(level) + flags["m_high"].map(level))
    lookup = {e["r"] + e["f"] + e["m"]: e["key"] for e in load_rules(path)["cn8"]}
    out = flags.copy()
    out.insert(0, "segment", code.map(lookup).fillna(UNCLASSIFIED))
    return out


def segment_labels(keys: pd.Series, scheme: str, lang: str = "en",
                   path: str | Path | None = None) -> pd.Series:
    """Display labels (English or Chinese) for segment keys.

    Parameters
    ----------
    keys : Series
        Segment keys.
    scheme : {"rfm11", "cn8"}
        Scheme the keys belong to.
    lang : {"en", "zh"}, default "en"
        Label language.
    path : str or Path, optional
        Edited segment rule file (default: the bundled ``segment_rules.yaml``).

    Returns
    -------
    Series
        ``segment_label`` indexed like ``keys`` (NaN for keys not in the scheme).
    """
    _check_lang(lang)
    mapping = {e["key"]: e[lang] for e in load_rules(path)[scheme]}
    mapping[UNCLASSIFIED] = UNCLASSIFIED_LABEL[lang]
    return keys.map(mapping).rename("segment_label")


def segment_order(scheme: str, path: str | Path | None = None) -> list[str]:
    """Segment keys from most to least valuable, for tables and charts.

    ``cn8`` keeps the table order; ``rfm11`` uses a fixed business order (best first).

    Parameters
    ----------
    scheme : {"rfm11", "cn8"}
        Which scheme's segments.
    path : str or Path, optional
        Edited segment rule file (default: the bundled ``segment_rules.yaml``).

    Returns
    -------
    list of str
        Segment keys, best first, ending with ``"unclassified"``.
    """
    keys = [e["key"] for e in load_rules(path)[scheme]]
    if scheme == "rfm11":
        preferred = ["champions", "loyal_customers", "potential_loyalists", "new_customers",
                     "promising", "need_attention", "about_to_sleep", "cant_lose_them", "at_risk",
                     "hibernating", "lost"]
        keys = [k for k in preferred if k in keys] + [k for k in keys if k not in preferred]
    return keys + [UNCLASSIFIED]
