"""Churn classifiers: scikit-learn gradient boosting and a logistic-regression baseline.

:class:`ChurnClassifier` takes the frame from :func:`crmlib.churn.features.churn_features`
(numeric columns plus string categories), builds the preprocessing from the column types at
``fit`` time and behaves like any scikit-learn classifier (``predict_proba``, usable with
``sklearn.inspection.permutation_importance``).

Example
-------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"days_since_last": rng.uniform(0, 200, 400),
...                   "channel": rng.choice(["a", "b"], 400)})
>>> y = X["days_since_last"] + rng.normal(0, 30, 400) > 100
>>> model = ChurnClassifier("logistic").fit(X, y)
>>> bool(model.churn_probability(X).corr(X["days_since_last"]) > 0.8)
True
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from crmlib.lang import N_, NC_, pgettext
from crmlib.readiness import NotEnoughData

MODELS = ("gradient_boosting", "logistic")
MODEL_LABELS = {"gradient_boosting": NC_("Churn model", "Gradient boosting"),
                "logistic": NC_("Churn model", "Logistic regression"),
                "p_alive": NC_("Churn model", "BG/NBD 1 − P(alive)"),
                "bgnbd_expected": NC_("Churn model", "BG/NBD expected purchases in the window")}  # English


def model_labels(lang: str = "en") -> dict[str, str]:
    """Display names of the models and baselines in the notebook's language.

    Parameters
    ----------
    lang : str, optional
        Language of the names, ``"en"`` (default) or ``"zh"``.

    Returns
    -------
    dict
        Model or baseline key (``MODEL_LABELS``'s) -> display name.
    """
    return {key: pgettext(lang, "Churn model", label) for key, label in MODEL_LABELS.items()}


def signed_log1p(values):
    """sign(x)·log(1 + |x|): tames long-tailed spend and day counts for the linear model.

    Parameters
    ----------
    values : array-like
        Numbers (NaN stays NaN).

    Returns
    -------
    ndarray or like ``values``
        The transformed values, same shape.
    """
    return np.sign(values) * np.log1p(np.abs(values))


class ChurnClassifier(ClassifierMixin, BaseEstimator):
    """Predict P(churn) from churn features.

    Parameters
    ----------
    model : {"gradient_boosting", "logistic"}, optional
        ``HistGradientBoostingClassifier`` (default), or ``LogisticRegression`` on log-scaled,
        standardised features with missing-value flags.
    random_state : int, optional
        Seed of the gradient-boosting model (default 0).
    n_threads : int or None, optional
        OpenMP threads for fitting and predicting (None = library default, all cores).
        1 by default: on the workbook's data sizes the threads' start-up and spin-waiting cost
        more than they save, badly so on a busy 2-core machine.

    Attributes
    ----------
    numeric_features_, categorical_features_ : list of str
        Columns used, by kind.
    empty_features_ : list of str
        Numeric columns without any value in the training data, left out (e.g. the overdue ratio
        when nobody has bought twice by the cutoff).
    pipeline_ : Pipeline
        The fitted scikit-learn pipeline.
    classes_ : ndarray
        ``[False, True]``.
    """

    def __init__(self, model: str = "gradient_boosting", random_state: int = 0, n_threads: int | None = 1):
        self.model = model
        self.random_state = random_state
        self.n_threads = n_threads

    def _threads(self):
        return threadpool_limits(limits=self.n_threads) if self.n_threads else nullcontext()

    def _pipeline(self) -> Pipeline:
        categories = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=10, sparse_output=False)
        if self.model == "gradient_boosting":
            pre = ColumnTransformer([("num", "passthrough", self.numeric_features_),
                                     ("cat", categories, self.categorical_features_)])
            clf = HistGradientBoostingClassifier(learning_rate=0.1, max_iter=100, max_leaf_nodes=15,
                                                 min_samples_leaf=40, l2_regularization=1.0,
                                                 early_stopping=False, random_state=self.random_state)
        elif self.model == "logistic":
            numeric = make_pipeline(FunctionTransformer(signed_log1p, feature_names_out="one-to-one"),
                                    SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
            pre = ColumnTransformer([("num", numeric, self.numeric_features_),
                                     ("cat", categories, self.categorical_features_)])
            clf = LogisticRegression(C=1.0, max_iter=2000)
        else:
            raise ValueError(f"model must be one of {MODELS}, not {self.model!r}")
        return Pipeline([("prepare", pre), ("classify", clf)])

    def fit(self, X: pd.DataFrame, y) -> ChurnClassifier:
        """Fit on features ``X`` and churn labels ``y`` (bool); returns self.

        Parameters
        ----------
        X : DataFrame
            Features (:func:`crmlib.churn.features.churn_features`): numeric and string columns.
        y : array-like of bool
            Churn labels; both classes must occur.

        Returns
        -------
        ChurnClassifier
            This model, fitted.
        """
        y = np.asarray(y, dtype=bool)
        if len(np.unique(y)) < 2:
            raise NotEnoughData(
                N_("All {n:,} training customers have the same churn label, so there is nothing to learn."),
                N_("A history in which some customers bought again within the churn window and others did not would "
                   "enable this."), n=len(y))
        numeric = list(X.select_dtypes("number").columns)
        # a numeric feature without any value in training carries nothing (and breaks the gradient
        # boosting's binning): left out, and named in empty_features_
        self.empty_features_ = [c for c in numeric if X[c].isna().all()]
        self.numeric_features_ = [c for c in numeric if c not in self.empty_features_]
        self.categorical_features_ = [c for c in X.columns if c not in numeric]
        with self._threads():
            self.pipeline_ = self._pipeline().fit(X, y)
        self.classes_ = self.pipeline_.classes_
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities, columns ``[not churned, churned]``.

        Parameters
        ----------
        X : DataFrame
            Features with (at least) the columns seen in :meth:`fit`.

        Returns
        -------
        ndarray
            Shape ``(len(X), 2)``.
        """
        with self._threads():
            return self.pipeline_.predict_proba(X[list(self.feature_names_in_)])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Churned or not: P(churn) of at least 0.5.

        Parameters
        ----------
        X : DataFrame
            Features with (at least) the columns seen in :meth:`fit`.

        Returns
        -------
        ndarray
            Bool per row of ``X``.
        """
        return self.predict_proba(X)[:, 1] >= 0.5

    def churn_probability(self, X: pd.DataFrame) -> pd.Series:
        """P(churn) per customer, indexed like ``X``.

        Parameters
        ----------
        X : DataFrame
            Features with (at least) the columns seen in :meth:`fit`.

        Returns
        -------
        Series
            ``churn_probability`` indexed like ``X``.
        """
        return pd.Series(self.predict_proba(X)[:, 1], index=X.index, name="churn_probability")
