"""Churn from a customer snapshot: one row per customer with ``churned`` yes/no and attributes.

The most common labelled churn data (telecom, subscriptions, banking) is a single snapshot:
``churned`` plus attributes such as contract type, payment method, monthly charges and
``tenure``, with no purchase history. Here the features are the attributes themselves — the
ones named in ``attributes`` (``customers: attributes:`` in ``dataset.yaml``) or else every
column other than the id and the label columns — categorical (text, yes/no) and numeric.
``tenure`` (months by default, or days) stands in for the time since signup.

With one snapshot of labels there is no later period to test on, so the models
(:class:`crmlib.churn.models.ChurnClassifier`: gradient boosting and logistic regression) are
evaluated by stratified k-fold cross-validation: every customer is scored by a model that did
not see them. The drivers are permutation importances of the better model refitted on everyone,
named by attribute and value ("contract = month-to-month").

Example
-------
>>> snap = pd.DataFrame({"customer_id": [f"c{i}" for i in range(200)],
...                      "contract": ["month-to-month", "two year"] * 100,
...                      "churned": [i % 4 == 0 for i in range(200)]})
>>> X, y = snapshot_table(snap)
>>> list(X.columns), int(y.sum())
(['contract'], 50)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from crmlib.churn.drivers import driver_importance
from crmlib.churn.metrics import score_metrics
from crmlib.churn.models import MODELS, ChurnClassifier
from crmlib.errors import DataError
from crmlib.lang import N_, translator

LABEL_AND_ID = ("customer_id", "churned", "churn_date")
DATE_COLUMNS = ("signup_date",)
TENURE_UNITS = {"months": 30.4375, "days": 1.0}
FOLDS = 5
MAX_CATEGORIES = 50  # a text attribute with more distinct values (an id, a free-text note) is not a feature
TRUE_WORDS = {"yes", "y", "true", "1", "churned", "是", "已流失"}
FALSE_WORDS = {"no", "n", "false", "0", "active", "否", "未流失"}


def _labels(column: pd.Series) -> pd.Series:
    """``churned`` as booleans; a clear DataError names the values that are neither yes nor no."""
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        values = pd.to_numeric(column, errors="coerce")
        bad = values.isna() | ~values.isin([0, 1])
        parsed = values == 1
    else:
        text = column.astype("string").str.strip().str.lower()
        parsed = text.isin(TRUE_WORDS)
        bad = ~(parsed | text.isin(FALSE_WORDS))
    if bad.any():
        examples = [(int(i) + 2, column.iloc[i]) for i in np.flatnonzero(bad.to_numpy())[:5]]
        raise DataError(f"{int(bad.sum())} values of churned are neither yes nor no", column="churned",
                        rows=examples, hint="Use yes/no, true/false or 1/0 for churned.")
    return parsed.astype(bool)


def snapshot_table(customers: pd.DataFrame, attributes: list[str] | None = None, *,
                   tenure_unit: str = "months") -> tuple[pd.DataFrame, pd.Series]:
    """Features ``X`` (one column per attribute) and labels ``y`` from a customer snapshot.

    Text columns with more than ``MAX_CATEGORIES`` values are left out (ids, free text).
    Customers with a blank ``churned`` are left out and counted in ``y.attrs["unlabelled"]``.

    Parameters
    ----------
    customers : DataFrame
        One row per customer: ``churned`` (yes/no, true/false or 1/0), attributes and
        optionally ``customer_id``.
    attributes : list of str, optional
        Columns to use as features; None takes every column but the id, the label columns and dates.
    tenure_unit : {"months", "days"}, optional
        Unit of a ``tenure`` column, which becomes ``tenure_days`` (default ``"months"``).

    Returns
    -------
    (DataFrame, Series)
        ``X`` (numbers as floats, text and yes/no as strings) and the bool labels ``y``
        (``churned``), both indexed by ``customer_id`` when the table has it.
    """
    if "churned" not in customers.columns:
        raise DataError("the customers table has no churned column, so churn cannot be learned from it",
                        hint="Map the churn flag (yes/no) to 'churned' under customers: columns: in dataset.yaml.")
    if tenure_unit not in TENURE_UNITS:
        raise DataError(f"unknown tenure unit {tenure_unit!r}", hint="Use 'months' or 'days'.")
    table = customers.set_index("customer_id") if "customer_id" in customers.columns else customers
    unlabelled = table["churned"].isna()
    table = table.loc[~unlabelled]  # customers without a label cannot be learned from: counted, not guessed
    y = _labels(table["churned"]).rename("churned")
    y.attrs["unlabelled"] = int(unlabelled.sum())
    if y.nunique() < 2:
        raise DataError(f"every customer in the snapshot has churned = {bool(y.iloc[0])}",
                        column="churned", hint="A churn model needs both churned and retained customers.")
    if attributes is None:
        attributes = [c for c in table.columns if c not in LABEL_AND_ID + DATE_COLUMNS]
    missing = [a for a in attributes if a not in table.columns]
    if missing:
        raise DataError(f"the customers table lacks the declared attributes {missing}",
                        hint="Check customers: attributes: in dataset.yaml against the file's columns.")
    X = pd.DataFrame(index=table.index)
    for name in attributes:
        column = table[name]
        if name == "tenure":
            X["tenure_days"] = pd.to_numeric(column, errors="coerce") * TENURE_UNITS[tenure_unit]
        elif pd.api.types.is_bool_dtype(column):
            X[name] = column.map({True: "yes", False: "no"}).astype(object)
        elif pd.api.types.is_numeric_dtype(column):
            X[name] = column.astype(float)
        else:
            numeric = pd.to_numeric(column, errors="coerce")
            if numeric.notna().mean() > 0.95:  # numbers stored as text ("29.85", a few blanks)
                X[name] = numeric
            elif column.nunique() <= MAX_CATEGORIES:
                X[name] = column.astype("string").fillna("(missing)").astype(object)
    if X.shape[1] == 0:
        raise DataError("the customer snapshot has no usable attribute besides the churn label",
                        hint="Add attributes such as contract type, payment method or tenure.")
    return X, y


def churn_share(customers: pd.DataFrame) -> dict:
    """How many customers the snapshot marks as churned.

    Parameters
    ----------
    customers : DataFrame
        The snapshot, with a ``churned`` column.

    Returns
    -------
    dict
        ``customers``, ``churned``, ``share`` (of those with a flag; NaN if none has one) and
        ``unlabelled`` (a blank flag).

    >>> churn_share(pd.DataFrame({"churned": [True, False, False, None]}))
    {'customers': 4, 'churned': 1, 'share': 0.3333333333333333, 'unlabelled': 1}
    """
    flags = customers["churned"]
    known = _labels(flags.dropna().reset_index(drop=True))
    return {"customers": len(flags), "churned": int(known.sum()), "share": float(known.mean()) if len(known) else
            float("nan"), "unlabelled": int(flags.isna().sum())}


def churn_share_sentence(customers: pd.DataFrame, lang: str = "en") -> str:
    """The sentence 00 and 01 print for a snapshot: :func:`churn_share` in words.

    Parameters
    ----------
    customers : DataFrame
        The snapshot, with a ``churned`` column.
    lang : str, optional
        Language of the sentence, ``"en"`` (default) or ``"zh"``.

    Returns
    -------
    str
        The sentence.

    >>> churn_share_sentence(pd.DataFrame({"churned": [True, False, False, None]}))
    'The customer snapshot marks 1 of 4 customers (33.3%) as churned; 1 have no churn flag.'
    """
    _ = translator(lang)
    return _("The customer snapshot marks {churned:,} of {customers:,} customers ({share:.1%}) as churned; "
             "{unlabelled:,} have no churn flag.").format(**churn_share(customers))


@dataclass
class SnapshotStudy:
    """What :func:`snapshot_study` measured: out-of-fold metrics per model, the chosen one, its drivers."""

    metrics: pd.DataFrame  # model, roc_auc, pr_auc, churn_rate, top_decile_lift, brier
    chosen: str
    drivers: pd.DataFrame  # feature, importance, importance_std, direction
    probabilities: pd.Series  # out-of-fold P(churn) of the chosen model, per customer
    folds: int
    features: list[str]
    unlabelled: int = 0

    def to_dict(self) -> dict:
        """Plain summary of the study (JSON-ready).

        Returns
        -------
        dict
            Label source, evaluation, customers, unlabelled customers left out, chosen model,
            metrics and drivers (as lists of records) and the features.
        """
        return {"label_source": "snapshot", "evaluation": f"stratified {self.folds}-fold cross-validation",
                "customers": len(self.probabilities), "unlabelled_customers_left_out": self.unlabelled,
                "chosen_model": self.chosen, "metrics": self.metrics.to_dict(orient="records"),
                "drivers": self.drivers.to_dict(orient="records"), "features": self.features}


DIRECTIONS = {"higher": N_("{feature} (higher raises churn)"), "lower": N_("{feature} (lower raises churn)")}


def driver_name(feature: str, direction: str, lang: str = "en") -> str:
    """A driver in words: ``"contract = month-to-month"``, ``"tenure_days (lower raises churn)"``.

    Parameters
    ----------
    feature : str
        The feature (attribute) name.
    direction : str
        ``"=value"`` for a category, ``"higher"`` or ``"lower"`` for a number; other values give
        the feature alone.
    lang : str, optional
        Language of the words, ``"en"`` (default) or ``"zh"``.

    Returns
    -------
    str
        The driver in words.

    >>> driver_name("contract", "=month-to-month"), driver_name("monthly_charges", "higher")
    ('contract = month-to-month', 'monthly_charges (higher raises churn)')
    >>> driver_name("tenure_days", "lower", "zh")
    'tenure_days（越低越易流失）'
    """
    if direction.startswith("="):
        return f"{feature} = {direction[1:]}"
    return translator(lang)(DIRECTIONS[direction]).format(feature=feature) if direction in DIRECTIONS else feature


def driver_names(drivers: pd.DataFrame, lang: str = "en") -> pd.Series:
    """:func:`driver_name` of every row of ``drivers`` (``feature``, ``direction``) in ``lang``.

    Parameters
    ----------
    drivers : DataFrame
        Drivers with ``feature`` and ``direction`` columns
        (:func:`crmlib.churn.drivers.driver_importance`).
    lang : str, optional
        Language of the words, ``"en"`` (default) or ``"zh"``.

    Returns
    -------
    Series
        The driver names (object dtype), indexed like ``drivers``.
    """
    return pd.Series([driver_name(f, d, lang) for f, d in zip(drivers["feature"], drivers["direction"], strict=True)],
                     index=drivers.index, dtype=object)


def snapshot_study(customers: pd.DataFrame, attributes: list[str] | None = None, *, tenure_unit: str = "months",
                   folds: int = FOLDS, random_state: int = 0) -> SnapshotStudy:
    """Stratified k-fold evaluation of the churn classifiers on a customer snapshot, and their drivers.

    Parameters
    ----------
    customers : DataFrame
        The customer snapshot (see :func:`snapshot_table`).
    attributes : list of str, optional
        Columns to use as features; None takes every usable column.
    tenure_unit : {"months", "days"}, optional
        Unit of a ``tenure`` column (default ``"months"``).
    folds : int, optional
        Cross-validation folds (default ``FOLDS``), at most the number of churned or of retained
        customers.
    random_state : int, optional
        Seed of the fold split, the models and the permutation importance (default 0).

    Returns
    -------
    SnapshotStudy
        Out-of-fold metrics per model, the chosen model (highest ROC-AUC), its drivers and its
        out-of-fold probabilities.
    """
    X, y = snapshot_table(customers, attributes, tenure_unit=tenure_unit)
    folds = int(min(folds, y.sum(), (~y).sum()))
    if folds < 2:
        raise DataError("too few churned or retained customers for cross-validation",
                        column="churned", hint="A snapshot needs at least two customers of each kind.")
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    out_of_fold = {model: np.empty(len(y)) for model in MODELS}
    for train, test in splitter.split(X, y):  # a loop over folds, not customers
        for model in MODELS:
            fitted = ChurnClassifier(model, random_state=random_state).fit(X.iloc[train], y.iloc[train])
            out_of_fold[model][test] = fitted.predict_proba(X.iloc[test])[:, 1]
    metrics = pd.DataFrame([{"model": model, **score_metrics(y, out_of_fold[model], is_probability=True)}
                            for model in MODELS])
    chosen = str(metrics.sort_values("roc_auc", ascending=False)["model"].iloc[0])
    final = ChurnClassifier(chosen, random_state=random_state).fit(X, y)
    drivers = driver_importance(final, X, y, random_state=random_state, max_rows=20_000)
    drivers["name"] = driver_names(drivers)
    return SnapshotStudy(metrics=metrics, chosen=chosen, drivers=drivers,
                         probabilities=pd.Series(out_of_fold[chosen], index=X.index, name="churn_probability"),
                         folds=folds, features=list(X.columns), unlabelled=y.attrs.get("unlabelled", 0))


__all__ = ["SnapshotStudy", "churn_share", "churn_share_sentence", "driver_name", "driver_names", "snapshot_study", "snapshot_table"]
