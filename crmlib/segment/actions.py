"""The editable action table: recommended actions per value tier, segment and lifecycle stage.

The actions live in ``crmlib/resources/actions.yaml`` (segment labels in
``segment_rules.yaml``), so a CRM team edits data, not code. Other notebooks (the overview
scorecard) use :func:`action_table` and :func:`recommended_actions` too.

Example
-------
>>> table = action_table("tiers", "en")
>>> table.loc[table["key"] == "high", "label"].item()
'High value'
>>> recommended_actions(pd.Series(["low"]), "tiers", "zh").str.startswith("标准化").tolist()
[True]
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crmlib.data.editable import bundled_path, load_editable_yaml
from crmlib.errors import ConfigError
from crmlib.segment.schemes import SCHEMES, load_rules

KINDS = ("tiers", "rfm11", "cn8", "lifecycle", "crm_stages")
OPTIONAL_KINDS = ("profit",)
"""Sections an edited copy may leave out (the bundled table's section is used then): ``profit`` holds
the actions for unprofitable customers by their main loss reason (:func:`crmlib.profit.loss_reasons`)."""


def actions_path() -> Path:
    """Where the bundled action table is.

    Returns
    -------
    Path
        Path of the bundled ``actions.yaml``.
    """
    return bundled_path("actions.yaml")


def _validate(data: dict, path: str) -> dict:
    missing = [kind for kind in KINDS if not isinstance(data.get(kind), dict)]
    if missing:
        raise ConfigError(f"the action table lacks the sections {missing}", file=path,
                          hint="Keep every section of the bundled actions.yaml.")
    for kind in KINDS + tuple(k for k in OPTIONAL_KINDS if isinstance(data.get(k), dict)):
        for key, entry in data[kind].items():
            absent = [f for f in ("action_en", "action_zh") if f not in (entry or {})]
            if absent:
                raise ConfigError(f"{kind}.{key} lacks {absent}", file=path,
                                  hint="Give every entry action_en and action_zh.")
    return data


def load_actions(path: str | Path | None = None) -> dict:
    """The action table as a dict ``{kind: {key: {en, zh, action_en, action_zh, ...}}}``.

    Parameters
    ----------
    path : str or Path, optional
        Edited action table (default: the bundled ``actions.yaml``).

    Returns
    -------
    dict
        ``{kind: {key: entry}}``, validated: every entry has ``action_en`` and ``action_zh``.

    Raises
    ------
    ConfigError
        If a section of ``KINDS`` or an entry's action is missing.
    """
    return load_editable_yaml(path, "actions.yaml", "action table", _validate)


def action_table(kind: str, lang: str = "en", path: str | Path | None = None,
                 rules_path: str | Path | None = None) -> pd.DataFrame:
    """Tidy table ``key, label, action`` (plus ``crm_stage`` for lifecycle) in ``lang``.

    Segment labels come from the rule table, so every segment of the scheme is listed (with an
    empty action if the action table has none).

    Parameters
    ----------
    kind : {"tiers", "rfm11", "cn8", "lifecycle", "crm_stages", "profit"}
        Section of the action table.
    lang : {"en", "zh"}, default "en"
        Language of ``label`` and ``action``.
    path : str or Path, optional
        Edited action table (default: the bundled ``actions.yaml``).
        A section it leaves out is taken from the bundled table.
    rules_path : str or Path, optional
        Edited segment rule file, for the segment kinds (default: the bundled one).

    Returns
    -------
    DataFrame
        One row per key (default index) with ``key``, ``label``, ``action`` and, for
        ``lifecycle``, ``crm_stage``.
    """
    if kind not in KINDS + OPTIONAL_KINDS:
        raise ValueError(f"kind must be one of {KINDS + OPTIONAL_KINDS}, not {kind!r}")
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    entries = load_actions(path).get(kind) or load_actions()[kind]
    rows = []
    if kind in SCHEMES:
        rules = load_rules(rules_path)[kind]
        keys = [e["key"] for e in rules] + [k for k in entries if k not in {e["key"] for e in rules}]
        labels = {e["key"]: e[lang] for e in rules}
    else:
        keys = list(entries)
        labels = {}
    for key in keys:
        entry = entries.get(key) or {}
        row = {"key": key, "label": labels.get(key, entry.get(lang, key)),
               "action": entry.get(f"action_{lang}", "")}
        if kind == "lifecycle":
            row["crm_stage"] = entry.get("crm_stage", "")
        rows.append(row)
    return pd.DataFrame(rows)


def recommended_actions(keys: pd.Series, kind: str, lang: str = "en",
                        path: str | Path | None = None) -> pd.Series:
    """The recommended action for each key in ``keys`` (same index).

    Parameters
    ----------
    keys : Series
        Tier, segment, lifecycle or CRM-stage keys.
    kind : {"tiers", "rfm11", "cn8", "lifecycle", "crm_stages", "profit"}
        Section of the action table the keys belong to.
    lang : {"en", "zh"}, default "en"
        Language of the actions.
    path : str or Path, optional
        Edited action table (default: the bundled ``actions.yaml``).

    Returns
    -------
    Series
        ``action`` indexed like ``keys`` (NaN for keys the table lacks).
    """
    table = action_table(kind, lang, path).set_index("key")["action"]
    return keys.map(table).rename("action")


def labels_for(keys: pd.Series, kind: str, lang: str = "en", path: str | Path | None = None) -> pd.Series:
    """Display labels for tier, lifecycle or CRM-stage keys (same index).

    Parameters
    ----------
    keys : Series
        Tier, lifecycle or CRM-stage keys.
    kind : {"tiers", "rfm11", "cn8", "lifecycle", "crm_stages", "profit"}
        Section of the action table the keys belong to.
    lang : {"en", "zh"}, default "en"
        Label language.
    path : str or Path, optional
        Edited action table (default: the bundled ``actions.yaml``).

    Returns
    -------
    Series
        ``label`` indexed like ``keys`` (NaN for keys the table lacks).
    """
    table = action_table(kind, lang, path).set_index("key")["label"]
    return keys.map(table).rename("label")
