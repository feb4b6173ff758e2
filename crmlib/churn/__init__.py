"""Churn: how many customers we lose, who is about to leave, why, and whom to keep first.

- :mod:`~crmlib.churn.definition` — the no-purchase-within-a-window definition, window from the gap distribution;
- :mod:`~crmlib.churn.rates` — monthly churn rate (churned / active at the start) by group;
- :mod:`~crmlib.churn.cohorts` — cohort retention matrix by first-purchase month;
- :mod:`~crmlib.churn.survival` — lifetimes and Kaplan–Meier curves, log-rank test, medians (lifelines);
- :mod:`~crmlib.churn.features`, :mod:`~crmlib.churn.labels` — leakage-free features at a cutoff, labels after it;
- :mod:`~crmlib.churn.models`, :mod:`~crmlib.churn.baseline`, :mod:`~crmlib.churn.metrics`,
  :mod:`~crmlib.churn.drivers`, :mod:`~crmlib.churn.study` — gradient boosting, logistic regression,
  the BG/NBD P(alive) baseline, ROC/PR-AUC, lift, calibration, permutation-importance drivers;
- :mod:`~crmlib.churn.reasons` — exit-survey reasons; :mod:`~crmlib.churn.priority` — value at risk;
- :mod:`~crmlib.churn.groups` — channel / segment labels and the labelled (contractual) mode switch;
- :mod:`~crmlib.churn.scoring` — ``churn_study(dataset)``, the model workflow (notebooks share it through
  ``wb.cached``), and ``score_churn(study)`` (one row per customer) for other notebooks.

Example
-------
>>> from crmlib.churn import ChurnTables, evaluate_models          # doctest: +SKIP
>>> ev = evaluate_models(ChurnTables.from_dataset(wb.dataset), window_days=90,
...                      analysis_date=wb.dataset.analysis_date)   # doctest: +SKIP
>>> ev.metrics[["label", "roc_auc", "pr_auc"]]                      # doctest: +SKIP
"""

from crmlib.churn.cohorts import cohort_retention, cohort_sizes, cohort_table
from crmlib.churn.definition import churn_status, gap_quantiles, suggest_window, window_coverage
from crmlib.churn.drivers import (
    describe_drivers,
    driver_importance,
    driver_text,
    driver_texts,
    top_drivers,
)
from crmlib.churn.features import churn_features, feature_label
from crmlib.churn.groups import column_groups, first_purchase_cohorts, label_mode, rfm_segments
from crmlib.churn.labels import contract_labels, purchase_labels
from crmlib.churn.metrics import calibration_table, lift_by_decile, score_metrics
from crmlib.churn.models import MODEL_LABELS, MODELS, ChurnClassifier, model_labels
from crmlib.churn.priority import RISK_COLUMNS, one_time_buyers_shown_alive, retention_priority
from crmlib.churn.rates import churn_rate_by_month, churn_rate_summary
from crmlib.churn.reasons import (
    exit_reasons,
    has_reasons,
    likely_reasons,
    reason_label,
    reason_labels,
    reason_share_change,
    reason_shares,
    reason_trend,
    top_reason_per_group,
)
from crmlib.churn.scoring import ChurnStudy, churn_study, score_churn
from crmlib.churn.study import (
    ChurnEvaluation,
    ChurnTables,
    default_cutoffs,
    evaluate_models,
    score_customers_now,
)
from crmlib.churn.survival import (
    SurvivalResult,
    contract_lifetimes,
    purchase_lifetimes,
    survival_by_group,
)

__all__ = [
    "MODELS", "MODEL_LABELS", "RISK_COLUMNS", "ChurnClassifier", "ChurnEvaluation", "ChurnTables",
    "SurvivalResult", "calibration_table", "churn_features", "churn_rate_by_month", "churn_rate_summary",
    "churn_status", "cohort_retention", "cohort_sizes", "cohort_table", "contract_labels",
    "contract_lifetimes", "column_groups", "default_cutoffs", "describe_drivers", "driver_importance",
    "driver_text", "driver_texts", "first_purchase_cohorts", "evaluate_models", "exit_reasons", "feature_label", "gap_quantiles", "has_reasons",
    "label_mode", "model_labels", "lift_by_decile", "likely_reasons", "purchase_labels", "purchase_lifetimes",
    "reason_label", "reason_labels", "reason_share_change", "reason_shares", "reason_trend", "top_reason_per_group", "one_time_buyers_shown_alive", "retention_priority", "rfm_segments", "score_customers_now",
    "ChurnStudy", "churn_study", "score_churn", "score_metrics", "suggest_window", "survival_by_group", "top_drivers", "window_coverage",
]
