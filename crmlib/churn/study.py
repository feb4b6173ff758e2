"""Train on an earlier cutoff, evaluate on a later one, then score today: the churn-model workflow.

Timeline (``w`` = churn window, ``A`` = analysis date)::

    ... history ... | train cutoff c1 | c1 + w = test cutoff c2 | c2 + w <= A
    features <= c1, labels (c1, c1+w]  → fit
    features <= c2, labels (c2, c2+w]  → evaluate (ROC-AUC, PR-AUC, lift, calibration)
    then refit on c2 and score every customer with features <= A.

Labels come from purchases (no purchase in the window = churned) or, in labelled mode, from the
customers table's ``churned``/``churn_date``. The BG/NBD ``1 − P(alive)`` at each cutoff is the
third baseline next to gradient boosting and logistic regression.

Example
-------
>>> default_cutoffs("2024-12-31", 90, first_purchase="2023-01-01")
(Timestamp('2024-07-04 00:00:00'), Timestamp('2024-10-02 00:00:00'))
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from crmlib.churn.baseline import bgnbd_at
from crmlib.churn.drivers import driver_importance
from crmlib.churn.features import churn_features
from crmlib.churn.labels import contract_labels, purchase_labels
from crmlib.churn.metrics import calibration_table, lift_by_decile, score_metrics
from crmlib.churn.models import MODEL_LABELS, MODELS, ChurnClassifier
from crmlib.engine import default_engine
from crmlib.errors import DataError
from crmlib.lang import N_
from crmlib.readiness import NotEnoughData
from crmlib.scans.journeys import engagement_features
from crmlib.settings import DEFAULTS

LABEL_SOURCES = ("purchases", "contract")
MAX_TRAIN_CUSTOMERS = 200_000  # larger training sets are a stratified sample of this many (held-out AUC unchanged)


def training_sample(X: pd.DataFrame, y: pd.Series, max_customers: int | None,
                    random_state: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """At most ``max_customers`` rows of ``(X, y)``, stratified by the label, in their original order.

    Everything is returned when there are no more rows than that (or ``max_customers`` is None).

    Parameters
    ----------
    X : DataFrame
        Features, one row per customer.
    y : Series
        Churn labels aligned with ``X``; the sample keeps their class shares.
    max_customers : int or None
        Most rows to keep; None keeps every row.
    random_state : int, optional
        Seed of the stratified sample (default 0).

    Returns
    -------
    (DataFrame, Series)
        The sampled rows of ``X`` and ``y``, in their original order (the inputs when not sampled).

    >>> X = pd.DataFrame({"v": range(10)}); y = pd.Series([True, False] * 5)
    >>> Xs, ys = training_sample(X, y, 4)
    >>> len(Xs), int(ys.sum()), Xs.index.is_monotonic_increasing
    (4, 2, True)
    """
    if max_customers is None or len(y) <= max_customers:
        return X, y
    positions = np.arange(len(y))
    chosen, _ = train_test_split(positions, train_size=max_customers, stratify=y.to_numpy(),
                                 random_state=random_state)
    chosen = np.sort(chosen)
    return X.iloc[chosen], y.iloc[chosen]


def default_cutoffs(analysis_date, window_days: int, first_purchase) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(train, test) cutoffs: test = analysis date − window, train = test − window.

    Raises DataError when less than one window of history precedes the train cutoff.

    Parameters
    ----------
    analysis_date : date-like
        The analysis date; the test cutoff lies one window before it.
    window_days : int
        Length of the churn window in days.
    first_purchase : date-like
        Date of the first purchase in the data (start of the history).

    Returns
    -------
    (Timestamp, Timestamp)
        The train and test cutoffs, normalised to midnight.
    """
    end = pd.Timestamp(analysis_date).normalize()
    test = end - pd.Timedelta(days=window_days)
    train = test - pd.Timedelta(days=window_days)
    start = pd.Timestamp(first_purchase).normalize()
    if train - start < pd.Timedelta(days=window_days):
        raise NotEnoughData(
            N_("The purchases span {span:,} days, too short to train and test a churn model with a {window:,}-day "
               "window (one window of history, one to learn the outcome, one to test it)."),
            N_("At least {need:,} days of purchase history, or a shorter `churn_window_days`, would enable this."),
            span=int((end - start).days), window=window_days, need=3 * window_days)
    return train, test


@dataclass
class ChurnTables:
    """The tables the churn model reads (feature inputs and, in labelled mode, the labels)."""

    transactions: pd.DataFrame
    customers: pd.DataFrame | None = None
    returns: pd.DataFrame | None = None
    feedback: pd.DataFrame | None = None
    touchpoints: pd.DataFrame | None = None  # adds engagement features (crmlib.scans.journeys)
    complaint_rating: int = DEFAULTS.complaint_rating  # feedback rated at or below this is a complaint
    _computed: dict = field(default_factory=dict, repr=False, compare=False)  # scans done, by arguments

    @classmethod
    def from_dataset(cls, dataset, complaint_rating: int = DEFAULTS.complaint_rating) -> ChurnTables:
        """From a :class:`crmlib.data.load.Dataset`.

        Parameters
        ----------
        dataset : Dataset
            Loaded tables; its transactions, customers, returns, feedback and touchpoints (if any).
        complaint_rating : int, optional
            Feedback rated at or below this is a complaint in the features (default
            ``DEFAULTS.complaint_rating``; pass the notebook's ``complaint_rating``).

        Returns
        -------
        ChurnTables
            The dataset's tables, with nothing computed yet.
        """
        return cls(dataset.transactions, dataset.customers, dataset.returns, dataset.feedback,
                   getattr(dataset, "touchpoints", None), complaint_rating)

    def _once(self, key: tuple, compute):
        """The result of ``compute()`` for ``key``, computed once per instance (the tables do not change)."""
        if key not in self._computed:
            self._computed[key] = compute()
        return self._computed[key]

    def features(self, cutoff, recent_days: int = DEFAULTS.recent_days) -> pd.DataFrame:
        """Churn features of every customer who bought by ``cutoff``, computed once per arguments.

        Parameters
        ----------
        cutoff : date-like
            Features use only what happened on or before this date (normalised to midnight).
        recent_days : int, optional
            Length in days of the recent-activity period (default ``DEFAULTS.recent_days``).

        Returns
        -------
        DataFrame
            :func:`crmlib.churn.features.churn_features` indexed by ``customer_id``, joined with the
            engagement features when there are touchpoints.
        """
        cutoff = pd.Timestamp(cutoff).normalize()
        return self._once(("features", cutoff, recent_days), lambda: self._features(cutoff, recent_days))

    def _features(self, cutoff: pd.Timestamp, recent_days: int) -> pd.DataFrame:
        X = churn_features(self.transactions, cutoff, customers=self.customers, returns=self.returns,
                           feedback=self.feedback, recent_days=recent_days, complaint_rating=self.complaint_rating)
        if self.touchpoints is None or self.touchpoints.empty:
            return X
        engagement = engagement_features(default_engine(), self.touchpoints, cutoff, X.index, recent_days=recent_days)
        return X.join(engagement)

    def labels(self, cutoff, window_days: int, analysis_date, source: str) -> pd.Series:
        """Churn labels for the ``window_days`` after ``cutoff`` (purchases or customers table).

        Parameters
        ----------
        cutoff : date-like
            Start of the label window (normalised to midnight).
        window_days : int
            Length of the churn window in days after ``cutoff``.
        analysis_date : date-like
            The analysis date; the window must end on or before it.
        source : {"purchases", "contract"}
            Labels from purchases in the window, or from the customers table's
            ``churned``/``churn_date``.

        Returns
        -------
        Series
            ``churned`` (bool) indexed by ``customer_id``.
        """
        cutoff = pd.Timestamp(cutoff).normalize()
        if source == "purchases":
            return self._once(("labels", cutoff, window_days, pd.Timestamp(analysis_date), source),
                              lambda: purchase_labels(self.transactions, cutoff, window_days, analysis_date))
        if source == "contract":
            return contract_labels(self.customers if self.customers is not None else pd.DataFrame(),
                                   cutoff, window_days, analysis_date)
        raise ValueError(f"label source must be one of {LABEL_SOURCES}, not {source!r}")

    def training_set(self, cutoff, window_days: int, analysis_date, source: str,
                     recent_days: int = DEFAULTS.recent_days) -> tuple[pd.DataFrame, pd.Series]:
        """Features up to ``cutoff`` and labels from the window after it, for the same customers.

        Parameters
        ----------
        cutoff : date-like
            Features up to this date; labels from the window after it.
        window_days : int
            Length of the churn window in days.
        analysis_date : date-like
            The analysis date; the window must end on or before it.
        source : {"purchases", "contract"}
            Where the labels come from (see :meth:`labels`).
        recent_days : int, optional
            Length in days of the recent-activity period (default ``DEFAULTS.recent_days``).

        Returns
        -------
        (DataFrame, Series)
            Features and bool labels of the customers that have both, indexed by ``customer_id``.
        """
        X = self.features(cutoff, recent_days)
        y = self.labels(cutoff, window_days, analysis_date, source)
        common = X.index.intersection(y.index)
        if len(common) == 0:
            raise DataError(f"no customer has both features and a label at the cutoff {pd.Timestamp(cutoff):%Y-%m-%d}",
                            hint="Check the cutoff and, in labelled mode, the customers table's ids.")
        return X.loc[common], y.loc[common].astype(bool)


@dataclass
class ChurnEvaluation:
    """Everything measured on the later (test) cutoff."""

    window_days: int
    label_source: str
    train_cutoff: pd.Timestamp
    test_cutoff: pd.Timestamp
    metrics: pd.DataFrame
    scores: pd.DataFrame
    models: dict[str, ChurnClassifier]
    lift: dict[str, pd.DataFrame]
    calibration: dict[str, pd.DataFrame]
    importance: pd.DataFrame
    X_test: pd.DataFrame
    y_test: pd.Series
    train_size: int = 0
    train_churn_rate: float = float("nan")
    trained_on: int = 0  # customers the models were fitted on (a stratified sample of train_size)
    notes: list[str] = field(default_factory=list)

    def best_model(self) -> str:
        """The classifier with the highest test ROC-AUC.

        Returns
        -------
        str
            Name of the fitted model (e.g. ``"gradient_boosting"``) with the highest ``roc_auc``.
        """
        models = self.metrics.loc[self.metrics["model"].isin(list(self.models))]
        return str(models.sort_values("roc_auc", ascending=False)["model"].iloc[0])

    def to_dict(self) -> dict:
        """Plain summary for ``churn_model.json`` (cutoffs as dates, metrics per model).

        Returns
        -------
        dict
            Label source, window, cutoffs, train/test sizes and churn rates, metrics by model, the
            top 10 drivers and the notes.
        """
        return {
            "label_source": self.label_source,
            "window_days": self.window_days,
            "train_cutoff": f"{self.train_cutoff:%Y-%m-%d}",
            "test_cutoff": f"{self.test_cutoff:%Y-%m-%d}",
            "train_customers": self.train_size,
            "trained_on_customers": self.trained_on or self.train_size,
            "train_churn_rate": self.train_churn_rate,
            "test_customers": int(len(self.y_test)),
            "test_churn_rate": float(self.y_test.mean()),
            "metrics_on_test_cutoff": {row["model"]: {k: row[k] for k in ("label", "roc_auc", "pr_auc",
                                                                           "top_decile_lift", "brier")}
                                       for row in self.metrics.to_dict(orient="records")},
            "drivers": self.importance.head(10).to_dict(orient="records"),
            "notes": self.notes,
        }


def evaluate_models(tables: ChurnTables, *, window_days: int, analysis_date, train_cutoff=None,
                    test_cutoff=None, label_source: str = "purchases", models=MODELS,
                    driver_model: str = "gradient_boosting", recent_days: int = DEFAULTS.recent_days,
                    n_repeats: int = 3, importance_rows: int = 2000, random_state: int = 0,
                    max_train_customers: int | None = MAX_TRAIN_CUSTOMERS) -> ChurnEvaluation:
    """Fit each model on the train cutoff and measure it, and the BG/NBD baselines, on the test cutoff.

    The models are fitted on at most ``max_train_customers`` customers (a stratified sample,
    :func:`training_sample`; ``trained_on`` says how many) and scored on every test customer.
    Permutation importance uses ``n_repeats`` shuffles on at most ``importance_rows`` test customers
    (a seeded random sample) to keep the notebook quick.

    Parameters
    ----------
    tables : ChurnTables
        The feature and label tables.
    window_days : int
        Length of the churn window in days.
    analysis_date : date-like
        The analysis date; the test labels' window must end on or before it.
    train_cutoff, test_cutoff : date-like, optional
        The cutoffs to fit and to test on; None takes those of :func:`default_cutoffs`.
    label_source : {"purchases", "contract"}, optional
        Where the labels come from (default ``"purchases"``).
    models : sequence of str, optional
        The :class:`~crmlib.churn.models.ChurnClassifier` models to fit (default ``MODELS``, both).
    driver_model : str, optional
        Model whose permutation importance is measured (the first fitted one if it was not fitted).
    recent_days : int, optional
        Length in days of the recent-activity period (default ``DEFAULTS.recent_days``).
    n_repeats : int, optional
        Shuffles per feature for the permutation importance (default 3).
    importance_rows : int, optional
        Most test customers used for the permutation importance (default 2000).
    random_state : int, optional
        Seed of the models, the training sample and the importance (default 0).
    max_train_customers : int or None, optional
        Most customers to fit on (default ``MAX_TRAIN_CUSTOMERS``); None fits on all.

    Returns
    -------
    ChurnEvaluation
        Test metrics (one row per model and baseline), test scores, fitted models, lift and
        calibration tables, driver importance and the test features and labels.
    """
    if train_cutoff is None or test_cutoff is None:
        first = tables.transactions["order_date"].min()
        default_train, default_test = default_cutoffs(analysis_date, window_days, first)
        train_cutoff = default_train if train_cutoff is None else train_cutoff
        test_cutoff = default_test if test_cutoff is None else test_cutoff
    train_cutoff, test_cutoff = pd.Timestamp(train_cutoff).normalize(), pd.Timestamp(test_cutoff).normalize()
    if train_cutoff + pd.Timedelta(days=window_days) > test_cutoff:
        raise DataError(
            f"the training labels ({train_cutoff:%Y-%m-%d} + {window_days} days) overlap the test cutoff "
            f"{test_cutoff:%Y-%m-%d}", hint="Put the train cutoff at least one churn window before the test cutoff.")
    X_train, y_train = tables.training_set(train_cutoff, window_days, analysis_date, label_source, recent_days)
    X_test, y_test = tables.training_set(test_cutoff, window_days, analysis_date, label_source, recent_days)
    if y_test.nunique() < 2:
        everyone_churned = bool(y_test.iloc[0]) if len(y_test) else True
        raise NotEnoughData(
            N_("All {n:,} customers at the test cutoff {cutoff:%Y-%m-%d} stayed away for the next {window:,} days, so "
               "a churn model cannot be tested.") if everyone_churned else
            N_("All {n:,} customers at the test cutoff {cutoff:%Y-%m-%d} bought again within {window:,} days, so a "
               "churn model cannot be tested."),
            N_("A history in which some customers bought again within the churn window and others did not would "
               "enable this."), n=len(y_test), cutoff=test_cutoff, window=window_days)
    fitted, rows, scores, lift, calibration, notes = {}, [], pd.DataFrame({"churned": y_test}), {}, {}, []
    X_fit, y_fit = training_sample(X_train, y_train, max_train_customers, random_state)
    for name in models:
        model = ChurnClassifier(name, random_state=random_state).fit(X_fit, y_fit)
        fitted[name] = model
        probability = model.churn_probability(X_test)
        scores[name] = probability
        rows.append({"model": name, "label": MODEL_LABELS[name], **score_metrics(y_test, probability, True)})
        lift[name] = lift_by_decile(y_test, probability)
        calibration[name] = calibration_table(y_test, probability)
    try:
        bgnbd = bgnbd_at(tables.transactions, test_cutoff, window_days).reindex(X_test.index)
    except DataError as error:
        notes.append(f"BG/NBD baselines skipped: {error.problem}")
    else:
        scores["p_alive"] = bgnbd["p_alive"]
        scores["expected_purchases"] = bgnbd["expected_purchases"]
        for name, score in (("p_alive", 1.0 - bgnbd["p_alive"]), ("bgnbd_expected", -bgnbd["expected_purchases"])):
            score = score.fillna(score.median())
            rows.append({"model": name, "label": MODEL_LABELS[name], **score_metrics(y_test, score)})
            lift[name] = lift_by_decile(y_test, score)
    driver = driver_model if driver_model in fitted else next(iter(fitted))
    importance = driver_importance(fitted[driver], X_test, y_test, n_repeats=n_repeats,
                                   random_state=random_state, max_rows=importance_rows)
    return ChurnEvaluation(window_days=window_days, label_source=label_source, train_cutoff=train_cutoff,
                           test_cutoff=test_cutoff, metrics=pd.DataFrame(rows), scores=scores, models=fitted,
                           lift=lift, calibration=calibration, importance=importance, X_test=X_test,
                           y_test=y_test, train_size=len(y_train), train_churn_rate=float(y_train.mean()),
                           trained_on=len(y_fit), notes=notes)


def score_customers_now(tables: ChurnTables, evaluation: ChurnEvaluation, analysis_date, model: str,
                        recent_days: int = DEFAULTS.recent_days, random_state: int = 0,
                        max_train_customers: int | None = MAX_TRAIN_CUSTOMERS) -> tuple[ChurnClassifier, pd.DataFrame]:
    """Refit ``model`` on the test cutoff (the latest with known labels; at most
    ``max_train_customers``, a stratified sample) and return it with the features of every customer
    as of ``analysis_date`` (score them all with ``model.churn_probability``).

    In labelled mode, customers who have already churned by the analysis date are left out.

    Parameters
    ----------
    tables : ChurnTables
        The feature and label tables.
    evaluation : ChurnEvaluation
        Gives the test cutoff, the churn window and the label source.
    analysis_date : date-like
        The features of every customer are taken as of this date.
    model : str
        The :class:`~crmlib.churn.models.ChurnClassifier` model to refit (e.g. the best one).
    recent_days : int, optional
        Length in days of the recent-activity period (default ``DEFAULTS.recent_days``).
    random_state : int, optional
        Seed of the model and the training sample (default 0).
    max_train_customers : int or None, optional
        Most customers to fit on (default ``MAX_TRAIN_CUSTOMERS``); None fits on all.

    Returns
    -------
    (ChurnClassifier, DataFrame)
        The refitted model and the features as of ``analysis_date``, indexed by ``customer_id``.
    """
    X, y = tables.training_set(evaluation.test_cutoff, evaluation.window_days, analysis_date,
                               evaluation.label_source, recent_days)
    X, y = training_sample(X, y, max_train_customers, random_state)
    final = ChurnClassifier(model, random_state=random_state).fit(X, y)
    X_now = tables.features(analysis_date, recent_days)
    if evaluation.label_source == "contract":
        customers = tables.customers.drop_duplicates("customer_id").set_index("customer_id")
        gone = customers["churned"].astype("boolean").fillna(False).astype(bool)
        X_now = X_now.loc[~gone.reindex(X_now.index, fill_value=False)]
    return final, X_now
