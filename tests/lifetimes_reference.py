"""lifetimes' fitters with crmlib's fitted parameters: the reference crmlib's estimators are checked against.

crmlib no longer builds lifetimes objects; the tests do, to compare. ``predict`` is set as
lifetimes' own ``fit()`` sets it, so lifetimes' ``customer_lifetime_value`` can use the fitter.
"""

from __future__ import annotations

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter

FITTERS = {"bgnbd": BetaGeoFitter, "mbgnbd": ModifiedBetaGeoFitter, "pareto": ParetoNBDFitter}


def purchase_fitter(model: str, params: dict):
    """lifetimes' fitter of ``model`` ("bgnbd", "mbgnbd", "pareto") with ``params`` set."""
    fitter = FITTERS[model]()
    fitter.params_ = pd.Series(params)
    fitter.predict = fitter.conditional_expected_number_of_purchases_up_to_time
    return fitter


def spend_fitter(params: dict) -> GammaGammaFitter:
    """lifetimes' Gamma-Gamma fitter with ``params`` (p, q, v) set."""
    fitter = GammaGammaFitter()
    fitter.params_ = pd.Series(params)
    return fitter
