"""Benchmark: crmlib's CLV fits vs plain unweighted lifetimes on 1M synthetic customers.

Data: the sample's generative process (``crmlib.data.sample.generate_orders``: BG/NBD purchases in
days, Gamma-Gamma spend) for ``--customers`` customers, summarised with
``crmlib.scans.summary.customer_summary``. Then, in the same run:

- reference: lifetimes ``BetaGeoFitter().fit(frequency, recency, T)`` and
  ``GammaGammaFitter().fit(frequency, monetary_value)`` on every customer (no weights);
- lifetimes weighted: the same fitters on the unique (frequency, recency, T) rows with weights
  (shows how much the compression alone gives);
- crmlib: ``fit_purchase_model`` + ``fit_spend_model`` (compression included in the time; lifetimes'
  likelihoods with analytic gradients, :mod:`crmlib.clv.likelihood`).

Prints wall times, ratios, the largest relative parameter difference to the reference, and the
MBG/NBD and Pareto/NBD fit times (crmlib; lifetimes' weighted Pareto/NBD Nelder-Mead only with
``--pareto-reference`` because it takes minutes). Time unit ``--unit`` (W by default: recency
and T in weeks as in Fader, Hardie & Lee; D gives the same fit).

    .venv/bin/python benchmarks/bench_clv_fit.py                    # 1,000,000 customers
    .venv/bin/python benchmarks/bench_clv_fit.py --customers 200000
    .venv/bin/python benchmarks/bench_clv_fit.py --whole-weeks      # weekly-resolution data
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--unit", default="W", choices=["D", "W"])
    parser.add_argument("--pareto-reference", action="store_true")
    parser.add_argument("--no-pareto", action="store_true", help="skip the Pareto/NBD timing")
    parser.add_argument("--whole-weeks", action="store_true",
                        help="floor recency and T to whole weeks, as in data recorded per week (implies --unit W)")
    args = parser.parse_args()

    from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter

    from crmlib.clv import compress_rfm, fit_purchase_model, fit_spend_model
    from crmlib.data.sample import SampleParameters, generate_orders
    from crmlib.scans.summary import customer_summary

    started = time.perf_counter()
    params = SampleParameters(n_customers=args.customers, seed=11, prospect_share=0.0)
    orders = generate_orders(params)
    if args.whole_weeks:
        args.unit = "W"
    summary = customer_summary(orders, params.end, args.unit)
    del orders
    if args.whole_weeks:  # weekly-resolution data: far fewer distinct (frequency, recency, T) rows
        summary = summary.assign(recency=np.floor(summary["recency"]), T=np.floor(summary["T"]))
    print(f"data: {len(summary):,} customers from generate_orders + customer_summary "
          f"({time.perf_counter() - started:.1f} s, not part of the comparison)")
    print(f"unique (frequency, recency, T) rows: {len(compress_rfm(summary)):,}")
    f, r, t, m = (summary[c].to_numpy() for c in ("frequency", "recency", "T", "monetary_value"))
    repeat = f > 0

    rows = compress_rfm(summary)
    quiet = contextlib.redirect_stdout(io.StringIO())
    with quiet, np.errstate(all="ignore"):
        t0 = time.perf_counter()
        plain_bg = BetaGeoFitter().fit(f, r, t)
        t1 = time.perf_counter()
        plain_gg = GammaGammaFitter().fit(f[repeat], m[repeat])
        t2 = time.perf_counter()
        BetaGeoFitter().fit(rows["frequency"], rows["recency"], rows["T"], weights=rows["weight"])
        t3 = time.perf_counter()
    reference = {"bgnbd": t1 - t0, "gamma_gamma": t2 - t1}
    weighted = {"bgnbd": t3 - t2, "gamma_gamma": float("nan")}  # spend is continuous: nothing to compress

    t0 = time.perf_counter()
    ours_bg = fit_purchase_model(summary, "bgnbd", time_unit=args.unit)
    t1 = time.perf_counter()
    ours_gg = fit_spend_model(summary)
    t2 = time.perf_counter()
    ours = {"bgnbd": t1 - t0, "gamma_gamma": t2 - t1}

    difference = max(
        *(abs(ours_bg.params[k] / plain_bg.params_[k] - 1) for k in ours_bg.params),
        *(abs(ours_gg.params[k] / plain_gg.params_[k] - 1) for k in ours_gg.params))
    print(f"{'':14s}{'lifetimes':>12s}{'lifetimes':>12s}{'crmlib':>10s}{'ratio to':>10s}")
    print(f"{'':14s}{'unweighted':>12s}{'weighted':>12s}{'':>10s}{'reference':>10s}")
    for key, name in (("bgnbd", "BG/NBD"), ("gamma_gamma", "Gamma-Gamma")):
        compressed = f"{weighted[key]:>10.2f} s" if weighted[key] == weighted[key] else f"{'-':>12s}"
        print(f"{name:14s}{reference[key]:>10.2f} s{compressed}{ours[key]:>8.2f} s{reference[key] / ours[key]:>9.1f}x")
    total_ref, total_ours = sum(reference.values()), sum(ours.values())
    print(f"{'both fits':14s}{total_ref:>10.2f} s{'':>12s}{total_ours:>8.2f} s{total_ref / total_ours:>9.1f}x"
          f"   (target: crmlib <= 3 s)")
    print(f"largest relative parameter difference to lifetimes: {difference:.1e}")
    print(f"BG/NBD {({k: round(v, 4) for k, v in ours_bg.params.items()})}; "
          f"Gamma-Gamma {({k: round(v, 3) for k, v in ours_gg.params.items()})}")

    t0 = time.perf_counter()
    mbg = fit_purchase_model(summary, "mbgnbd", time_unit=args.unit)
    print(f"MBG/NBD (crmlib): {time.perf_counter() - t0:.2f} s {({k: round(v, 4) for k, v in mbg.params.items()})}")
    if args.no_pareto:
        return
    t0 = time.perf_counter()
    pareto = fit_purchase_model(summary, "pareto", time_unit=args.unit)
    print(f"Pareto/NBD (crmlib): {time.perf_counter() - t0:.2f} s "
          f"{({k: round(v, 4) for k, v in pareto.params.items()})}")
    if args.pareto_reference:
        with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
            t0 = time.perf_counter()
            nelder_mead = ParetoNBDFitter().fit(rows["frequency"], rows["recency"], rows["T"],
                                                weights=rows["weight"], initial_params=np.ones(4))
        print(f"Pareto/NBD (lifetimes weighted, Nelder-Mead): {time.perf_counter() - t0:.2f} s "
              f"{({k: round(float(v), 4) for k, v in nelder_mead.params_.items()})}")


if __name__ == "__main__":
    main()
