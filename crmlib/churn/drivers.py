"""Why a model expects churn: permutation importance, direction, and each customer's top driver.

- :func:`driver_importance` — scikit-learn's permutation importance (drop in ROC-AUC when a
  feature's values are shuffled) on the evaluation data, plus the *direction*: the mean
  predicted churn probability with the feature set to its 75th vs its 25th percentile.
- :func:`top_drivers` — per customer, among the most important features, the one whose value
  raises this customer's churn probability most compared with a typical value (the median, or
  the most common category): a simple what-if attribution.
- :func:`describe_drivers` — a plain-words sentence.

Example
-------
>>> import numpy as np, pandas as pd
>>> from crmlib.churn.models import ChurnClassifier
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"days_since_last": rng.uniform(0, 200, 600), "noise": rng.normal(size=600)})
>>> y = X["days_since_last"] + rng.normal(0, 30, 600) > 100
>>> model = ChurnClassifier("logistic").fit(X, y)
>>> imp = driver_importance(model, X, y, n_repeats=3)
>>> imp.iloc[0][["feature", "direction"]].tolist()
['days_since_last', 'higher']
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance

from crmlib.churn.features import feature_label
from crmlib.lang import translator


def _typical(column: pd.Series):
    if pd.api.types.is_numeric_dtype(column):
        return float(column.median()) if column.notna().any() else np.nan
    mode = column.mode()
    return mode.iloc[0] if len(mode) else column.iloc[0]


def driver_importance(model, X: pd.DataFrame, y, n_repeats: int = 5, random_state: int = 0,
                      max_rows: int | None = None) -> pd.DataFrame:
    """Permutation importance (ROC-AUC drop) per feature, most important first.

    Parameters
    ----------
    model : classifier
        A fitted classifier with ``predict_proba``, e.g. a
        :class:`crmlib.churn.models.ChurnClassifier`.
    X : DataFrame
        The evaluation features, one row per customer.
    y : array-like of bool
        The churn labels of ``X``'s rows.
    n_repeats : int, optional
        Shuffles per feature (default 5).
    random_state : int, optional
        Seed of the shuffles and of the row sample (default 0).
    max_rows : int, optional
        Use a seeded random sample of this many customers (faster); None uses every row.

    Returns
    -------
    DataFrame
        Columns ``feature``, ``importance`` (mean AUC drop), ``importance_std``, ``direction``
        ("higher"/"lower": which values of a numeric feature raise predicted churn; ``"=value"``
        for a category: the one, among the ten most common, that raises predicted churn most;
        "" for a constant feature), on a fresh RangeIndex.
    """
    y = pd.Series(np.asarray(y, dtype=bool), index=X.index)
    if max_rows is not None and len(X) > max_rows:
        X = X.sample(n=max_rows, random_state=random_state)
        y = y.loc[X.index]
    result = permutation_importance(model, X, y.to_numpy(), scoring="roc_auc",
                                    n_repeats=n_repeats, random_state=random_state)
    table = pd.DataFrame({"feature": X.columns, "importance": result.importances_mean,
                          "importance_std": result.importances_std})
    directions = []
    for name in X.columns:
        column = X[name]
        if column.nunique() < 2:
            directions.append("")
            continue
        if not pd.api.types.is_numeric_dtype(column):  # the category that raises predicted churn most
            values = column.value_counts().index[:10]
            risk = [model.predict_proba(X.assign(**{name: v}))[:, 1].mean() for v in values]
            directions.append(f"={values[int(np.argmax(risk))]}")
            continue
        low, high = column.quantile([0.25, 0.75])
        if low == high:
            low, high = column.min(), column.max()
        p_low = model.predict_proba(X.assign(**{name: low}))[:, 1].mean()
        p_high = model.predict_proba(X.assign(**{name: high}))[:, 1].mean()
        directions.append("higher" if p_high > p_low else "lower" if p_high < p_low else "")
    table["direction"] = directions
    return table.sort_values("importance", ascending=False, ignore_index=True)


def _columns_of(prepare, X: pd.DataFrame, feature: str, typical) -> np.ndarray:
    """Output columns of the fitted column-wise transformer ``prepare`` that come from ``feature``:
    those that change when only that feature changes (its typical value, every value seen, missing)."""
    values = [typical, *pd.unique(X[feature].dropna())[:50]]
    if pd.api.types.is_numeric_dtype(X[feature]):
        values += [float(typical) + 1.0 if pd.notna(typical) else 0.0, np.nan]
    probe = X.iloc[np.zeros(len(values), dtype=int)].copy()
    probe[feature] = pd.Series(values, index=probe.index, dtype=X[feature].dtype if
                               pd.api.types.is_numeric_dtype(X[feature]) else object)
    out = np.asarray(prepare.transform(probe), dtype=float)
    return np.flatnonzero(~np.all(np.isclose(out, out[:1], equal_nan=True), axis=0))


def _what_if_effects(model, X: pd.DataFrame, features: list[str]) -> tuple[np.ndarray, dict] | None:
    """Base churn probability and, per feature, its drop with that feature at its typical value —
    transforming ``X`` once and patching the feature's columns (the pipeline's steps work column by
    column), instead of re-running the whole pipeline per feature. None for other models."""
    pipeline = getattr(model, "pipeline_", None)
    if pipeline is None or not hasattr(pipeline, "named_steps") or set(pipeline.named_steps) != {"prepare", "classify"}:
        return None
    prepare, classify = pipeline.named_steps["prepare"], pipeline.named_steps["classify"]
    threads = model._threads() if hasattr(model, "_threads") else nullcontext()
    with threads:
        Z = np.asarray(prepare.transform(X[list(model.feature_names_in_)]), dtype=float)
        base = classify.predict_proba(Z)[:, 1]
        effects = {}
        for name in features:
            typical = _typical(X[name])
            columns = _columns_of(prepare, X[list(model.feature_names_in_)], name, typical)
            row = X[list(model.feature_names_in_)].iloc[[0]].copy()
            row[name] = pd.Series([typical], index=row.index, dtype=X[name].dtype if
                                  pd.api.types.is_numeric_dtype(X[name]) else object)
            patched = np.asarray(prepare.transform(row), dtype=float)[0, columns]
            saved = Z[:, columns].copy()
            Z[:, columns] = patched
            effects[name] = base - classify.predict_proba(Z)[:, 1]
            Z[:, columns] = saved
    return base, effects


def top_drivers(model, X: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """Per customer, the feature (among ``features``) that raises their churn probability most.

    For a :class:`crmlib.churn.models.ChurnClassifier` the features are transformed once and each
    what-if patches only its own columns, so every customer is scored without re-running the
    pipeline per feature.

    Parameters
    ----------
    model : classifier
        A fitted classifier with ``predict_proba``.
    X : DataFrame
        The customers' features.
    features : list of str
        The candidate drivers (e.g. the most important features), each set in turn to its
        typical value (median, or most common category).

    Returns
    -------
    DataFrame
        Indexed like ``X``: ``top_driver`` (feature name, "" when no feature raises the
        probability above its typical-value what-if) and ``driver_effect`` (the rise, >= 0).
    """
    fast = _what_if_effects(model, X, features) if features else None
    if fast is not None:
        _, effects = fast
    else:
        base = model.predict_proba(X)[:, 1]
        effects = {}
        for name in features:
            what_if = X.assign(**{name: _typical(X[name])})
            effects[name] = base - model.predict_proba(what_if)[:, 1]
    if not effects:
        return pd.DataFrame({"top_driver": "", "driver_effect": 0.0}, index=X.index)
    table = pd.DataFrame(effects, index=X.index)
    best = table.idxmax(axis=1)
    effect = table.max(axis=1)
    return pd.DataFrame({"top_driver": best.where(effect > 0, ""), "driver_effect": effect.clip(lower=0)})


def driver_text(feature: str, direction: str, lang: str = "en") -> str:
    """E.g. "days since the last purchase is high" or "acquisition channel is social" (``"=social"``).

    Parameters
    ----------
    feature : str
        The feature name; "" gives "".
    direction : str
        ``"higher"``, ``"lower"`` or ``"=value"``; anything else gives the feature's label alone.
    lang : str, optional
        Language of the text, ``"en"`` (default) or ``"zh"``.

    Returns
    -------
    str
        The driver in plain words.
    """
    if not feature:
        return ""
    name, _ = feature_label(feature, lang), translator(lang)
    if direction.startswith("="):
        return _("{feature} is {value}").format(feature=name, value=direction[1:])
    if direction == "higher":
        return _("{feature} is high").format(feature=name)
    if direction == "lower":
        return _("{feature} is low").format(feature=name)
    return name


def driver_texts(drivers: pd.DataFrame, importance: pd.DataFrame, lang: str = "en",
                 X: pd.DataFrame | None = None) -> pd.Series:
    """Plain-words text of each customer's ``top_driver``.

    Vectorised: one pass per driver feature, and one text per distinct (feature, direction),
    however many customers there are.

    Parameters
    ----------
    drivers : DataFrame
        Per customer ``top_driver``, as :func:`top_drivers` gives.
    importance : DataFrame
        ``feature`` and ``direction`` per feature (:func:`driver_importance`): the population
        direction, used without ``X``.
    lang : str, optional
        Language of the texts, ``"en"`` (default) or ``"zh"``.
    X : DataFrame, optional
        The frame the drivers were computed on: the text then describes the customer's own value
        against the typical one — "purchases per 30 days is low" only when theirs is below the
        median — and a categorical driver names their own category.

    Returns
    -------
    Series
        ``top_driver_text`` indexed like ``drivers`` ("" where there is no driver).

    >>> X = pd.DataFrame({"recency": [1.0, 9.0, 5.0], "city": ["a", "b", "b"]}, index=["x", "y", "z"])
    >>> drivers = pd.DataFrame({"top_driver": ["recency", "recency", "city"]}, index=X.index)
    >>> imp = pd.DataFrame({"feature": ["recency", "city"], "direction": ["higher", "=b"]})
    >>> driver_texts(drivers, imp, X=X).tolist()
    ['time between first and last purchase is low', 'time between first and last purchase is high', 'city is b']
    """
    direction = importance.set_index("feature")["direction"]
    features = drivers["top_driver"].fillna("").astype(str).to_numpy(dtype=object)
    how = pd.Series(features, dtype=object).map(direction).fillna("").to_numpy(dtype=object)
    how[features == ""] = ""
    if X is not None:
        for feature in pd.unique(features[features != ""]):
            rows = features == feature
            values = X[feature].reindex(drivers.index[rows])
            if not pd.api.types.is_numeric_dtype(X[feature]):
                how[rows] = ("=" + values.astype(str)).to_numpy(dtype=object)
                continue
            middle = _typical(X[feature])
            numbers = values.to_numpy(dtype=float)
            how[rows] = np.where(numbers > middle, "higher", np.where(numbers < middle, "lower", how[rows]))
    pairs = pd.DataFrame({"feature": features, "how": how})
    distinct = pairs.drop_duplicates()
    distinct = distinct.assign(text=[driver_text(f, h, lang) for f, h in distinct.itertuples(index=False)])
    texts = pairs.merge(distinct, on=["feature", "how"], how="left")["text"]
    return pd.Series(texts.to_numpy(dtype=object), index=drivers.index, name="top_driver_text")


def describe_drivers(importance: pd.DataFrame, top: int = 3, lang: str = "en") -> str:
    """A sentence naming the ``top`` drivers with positive importance, in plain words.

    Parameters
    ----------
    importance : DataFrame
        ``feature``, ``importance`` and ``direction``, most important first
        (:func:`driver_importance`).
    top : int, optional
        Most drivers named (default 3).
    lang : str, optional
        Language of the sentence, ``"en"`` (default) or ``"zh"``.

    Returns
    -------
    str
        The sentence with each driver's ROC-AUC drop, or one saying no single feature matters much.
    """
    useful, _ = importance.loc[importance["importance"] > 0].head(top), translator(lang)
    if useful.empty:
        return _("No single feature matters much: shuffling any one barely changes the model's ranking.")
    parts = [driver_text(f, d, lang) for f, d in zip(useful["feature"], useful["direction"], strict=True)]
    auc = ", ".join(f"{v:.3f}" for v in useful["importance"])
    return _("Customers are most likely to churn when {drivers} (shuffling these lowers ROC-AUC by {auc} "
             "respectively).").format(drivers=_.pgettext("Churn drivers", "; when ").join(parts), auc=auc)
