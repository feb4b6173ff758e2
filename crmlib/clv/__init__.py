"""Customer lifetime value: purchase models, spend model, holdout validation and scoring.

Entry point for other notebooks: :func:`score_customers` (one row per customer with
``p_alive``, ``expected_purchases``, ``expected_avg_spend``, ``clv``, ``clv_decile``).

- :mod:`crmlib.clv.models` — weighted fits (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma) on crmlib's
  likelihoods (:mod:`crmlib.clv.likelihood`) with a reported penalizer fallback;
- :mod:`crmlib.clv.estimators` — the same models as scikit-learn estimators, ``PurchaseModel`` and
  ``SpendModel``, with the closed-form predictions (P(alive), expected purchases and spend);
- :mod:`crmlib.clv.value` — CLV per customer, deciles, concentration;
- :mod:`crmlib.clv.validation` — calibration/holdout comparison and model choice;
- :mod:`crmlib.clv.simple_cltv` — the simple formula CLTV (frequency × AOV × lifespan).

Example
-------
>>> from crmlib.clv import score_customers        # doctest: +SKIP
>>> scores = score_customers(wb.summary())        # doctest: +SKIP
"""

from crmlib.clv.estimators import PurchaseModel, SpendModel
from crmlib.clv.models import (
    PURCHASE_MODELS,
    PurchaseFit,
    SpendFit,
    compress_rfm,
    fit_purchase_model,
    fit_spend_model,
    model_label,
    parse_models,
)
from crmlib.clv.value import (
    SCORE_COLUMNS,
    CLVFit,
    fit_clv,
    predict_customers,
    score_customers,
    value_concentration,
    value_deciles,
)

__all__ = [
    "PURCHASE_MODELS", "SCORE_COLUMNS", "CLVFit", "PurchaseFit", "PurchaseModel", "SpendFit", "SpendModel",
    "compress_rfm",
    "fit_clv", "fit_purchase_model", "fit_spend_model", "model_label", "parse_models",
    "predict_customers", "score_customers", "value_concentration", "value_deciles",
]
