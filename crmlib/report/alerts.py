"""Alerts for the schedule: thresholds from the run config, checked against a run and its comparison.

A run config may hold ``alerts:``, a mapping of rule: threshold. A rule is **crossed** when the
run's value goes past the threshold (strictly: more than it); a rule that needs a comparison
cannot be checked on a first run or when the area is not comparable, and says why. Crossed
alerts head the digest and ``changes.json``; with ``--alert-exit-code N`` the run exits with N
when one is crossed and every notebook succeeded.

Rules (:data:`RULES`): ``churn_rate_up_points``, ``value_at_risk_share_above``,
``csat_down_points``, ``nps_down_points``, ``new_at_risk_above``, ``revenue_down_pct``,
``active_customers_down_pct``, ``clv_total_down_pct``, and the switches ``notebook_failed``,
``clv_parameter_outside_interval``, ``inputs_unchanged``.

Example
-------
>>> thresholds = validate_alerts({"value_at_risk_share_above": 0.4, "notebook_failed": True})
>>> changes = {"status": "nothing_to_compare", "sections": {}}
>>> found = check_alerts(thresholds, changes, {"value_at_risk_share": 0.47}, {"01_overview": "ok"})
>>> [(a["rule"], a["crossed"]) for a in found]
[('value_at_risk_share_above', True), ('notebook_failed', False)]
>>> exit_code_for(notebooks_ok=True, alerts=found, alert_exit_code=5)
5
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from crmlib.lang import translator
from crmlib.report.compare.formatting import show, show_change
from crmlib.report.params import UsageError

RESERVED_EXIT_CODES = (0, 1, 2, 3, 130, 143)
"""Exit codes that already mean something (docs/running.md) and so cannot signal an alert."""


class NotChecked(Exception):
    """A rule's value is not available for this run (the message says why)."""


@dataclass(frozen=True)
class Rule:
    """One alert rule: how to get its value, and how it reads."""

    switch: bool  # True: `rule: true` turns it on; False: `rule: <number>` is the threshold
    value: Callable[[dict, dict, dict], float]  # (changes, headline values, notebook status) -> value
    message: str  # English message id, filled with value and threshold
    kind: str = "points"  # how value and threshold are shown: points | share | count | relative


def _section(changes: dict, name: str) -> dict:
    if changes.get("status") != "compared":
        raise NotChecked("there is no previous run to compare with")
    section = (changes.get("sections") or {}).get(name) or {}
    if section.get("status") != "compared":
        if section.get("status") == "not_comparable":
            raise NotChecked("not comparable")
        raise NotChecked("an export is missing")
    return section


def _kpi_change(key: str, sign: float) -> Callable[[dict, dict, dict], float]:
    def value(changes: dict, headline: dict, notebooks: dict) -> float:
        rows = {r["key"]: r for r in _section(changes, "kpis").get("rows", [])}
        if key not in rows or rows[key]["change"] is None:
            raise NotChecked("not compared")
        change = rows[key]["change"]
        return sign * (change * 100.0 if rows[key]["change_kind"] == "relative" else change)
    return value


def _headline(key: str) -> Callable[[dict, dict, dict], float]:
    def value(changes: dict, headline: dict, notebooks: dict) -> float:
        if headline.get(key) is None:
            raise NotChecked("not in this run's exports")
        return float(headline[key])
    return value


def _new_at_risk(changes: dict, headline: dict, notebooks: dict) -> float:
    return float(_section(changes, "retention")["entered"])


def _failed(changes: dict, headline: dict, notebooks: dict) -> float:
    return float(sum(status != "ok" for status in notebooks.values()))


def _outside(changes: dict, headline: dict, notebooks: dict) -> float:
    parameters = _section(changes, "clv").get("parameters") or {}
    if parameters.get("status") != "compared":
        raise NotChecked("not comparable")
    rows = parameters.get("rows", [])
    if not any(r.get("outside_interval") is not None for r in rows):
        raise NotChecked("the previous run recorded no intervals")
    return float(sum(bool(r.get("outside_interval")) for r in rows))


def _unchanged(changes: dict, headline: dict, notebooks: dict) -> float:
    drift = _section(changes, "drift")
    return 1.0 if drift.get("inputs_unchanged") else 0.0


RULES: dict[str, Rule] = {
    "churn_rate_up_points": Rule(False, _kpi_change("churn_rate", 1.0),
                                 "Churn rate rose by {value} (alert above {threshold})"),
    "value_at_risk_share_above": Rule(False, _headline("value_at_risk_share"),
                                      "Value at risk is {value} of the value if retained (alert above {threshold})",
                                      "share"),
    "csat_down_points": Rule(False, _kpi_change("csat", -1.0), "CSAT fell by {value} (alert above {threshold})"),
    "nps_down_points": Rule(False, _kpi_change("nps", -1.0), "NPS fell by {value} (alert above {threshold})"),
    "new_at_risk_above": Rule(False, _new_at_risk,
                              "{value} customers are new on the retention list (alert above {threshold})", "count"),
    "revenue_down_pct": Rule(False, _kpi_change("revenue", -1.0),
                             "Revenue this month fell by {value} (alert above {threshold})", "relative"),
    "active_customers_down_pct": Rule(False, _kpi_change("active_customers", -1.0),
                                      "Buyers this month fell by {value} (alert above {threshold})", "relative"),
    "clv_total_down_pct": Rule(False, _kpi_change("clv_total", -1.0),
                               "Total CLV fell by {value} (alert above {threshold})", "relative"),
    "notebook_failed": Rule(True, _failed, "{value} notebook(s) failed or timed out", "count"),
    "clv_parameter_outside_interval": Rule(True, _outside,
                                           "{value} CLV model parameter(s) moved outside the previous run's "
                                           "confidence interval", "count"),
    "inputs_unchanged": Rule(True, _unchanged, "No input file changed since the previous run", "count"),
}


def validate_alerts(config: object, where: str = "run config") -> dict[str, float | bool]:
    """The ``alerts:`` mapping checked: known rules, a number ≥ 0 for thresholds, true/false for
    switches (:class:`~crmlib.report.params.UsageError` naming the rule otherwise).

    Parameters
    ----------
    config : object
        The ``alerts:`` value as read from YAML (None or ``{}``: no alerts).
    where : str, optional
        Where it comes from, for the error message (default ``"run config"``).

    Returns
    -------
    dict of str to float or bool
        Each rule to its threshold or switch, as given.
    """
    if config in (None, {}):
        return {}
    if not isinstance(config, dict):
        raise UsageError(f"{where}: alerts must be a mapping of rule: threshold, e.g. {{churn_rate_up_points: 2}}")
    out: dict[str, float | bool] = {}
    for rule, threshold in config.items():
        if rule not in RULES:
            raise UsageError(f"{where}: unknown alert {rule!r}; known alerts: {', '.join(RULES)}")
        if RULES[rule].switch:
            if not isinstance(threshold, bool):
                raise UsageError(f"{where}: alert {rule} takes true or false, got {threshold!r}")
        elif isinstance(threshold, bool) or not isinstance(threshold, int | float) or not math.isfinite(threshold) \
                or threshold < 0:
            raise UsageError(f"{where}: alert {rule} needs a number of 0 or more, got {threshold!r}")
        out[rule] = threshold
    return out


def validate_exit_code(code: int | None) -> int | None:
    """``--alert-exit-code`` checked: 4-255 and none of the codes that already mean something.

    Parameters
    ----------
    code : int or None
        The code asked for (None: no alert exit code).

    Returns
    -------
    int or None
        The code as an int, or None.
    """
    if code is None:
        return None
    if not 1 <= int(code) <= 255 or int(code) in RESERVED_EXIT_CODES:
        raise UsageError(f"--alert-exit-code {code}: use a number from 4 to 255 other than 130 and 143 "
                         f"(0, 1, 2, 3, 130 and 143 already mean something)")
    return int(code)


def check_alerts(thresholds: dict, changes: dict, headline: dict[str, float],
                 notebooks: dict[str, str], lang: str = "en") -> list[dict]:
    """Each configured rule checked, crossed alerts first.

    Parameters
    ----------
    thresholds : dict
        Rule to threshold or switch (:func:`validate_alerts`); switches set to false are skipped.
    changes : dict
        The comparison with the previous run (``changes.json``'s content).
    headline : dict of str to float
        The run's headline values, e.g. ``value_at_risk_share``.
    notebooks : dict of str to str
        Each notebook's status by stem.
    lang : str, optional
        The language of the messages (default ``"en"``).

    Returns
    -------
    list of dict
        ``rule``, ``threshold``, ``value``, ``crossed`` (True/False, None when it could not be
        checked), ``message`` and ``reason`` (why not checked, else "").
    """
    _ = translator(lang)
    found = []
    for rule, threshold in thresholds.items():
        spec = RULES[rule]
        if spec.switch and not threshold:
            continue
        try:
            value = spec.value(changes, headline, notebooks)
        except NotChecked as reason:
            found.append({"rule": rule, "threshold": threshold, "value": None, "crossed": None,
                          "message": _("{rule}: not checked ({reason})").format(rule=rule, reason=_(str(reason))),
                          "reason": str(reason)})
            continue
        crossed = value > 0 if spec.switch else value > float(threshold)
        found.append({"rule": rule, "threshold": threshold, "value": value, "crossed": bool(crossed),
                      "message": _(spec.message).format(value=_shown(value, spec.kind, lang),
                                                         threshold=_shown(threshold, spec.kind, lang)),
                      "reason": ""})
    return sorted(found, key=lambda a: a["crossed"] is not True)


def crossed(alerts: list[dict]) -> list[dict]:
    """The alerts that were crossed.

    Parameters
    ----------
    alerts : list of dict
        Alerts as :func:`check_alerts` gives them.

    Returns
    -------
    list of dict
        Those whose ``crossed`` is true, in their order.
    """
    return [a for a in alerts if a.get("crossed")]


def exit_code_for(notebooks_ok: bool, alerts: list[dict], alert_exit_code: int | None, ok_code: int = 0,
                  failed_code: int = 1) -> int:
    """The run's exit code: for a failed notebook, else for a crossed alert, else for success.

    Parameters
    ----------
    notebooks_ok : bool
        Whether every notebook succeeded.
    alerts : list of dict
        The run's alerts (:func:`check_alerts`).
    alert_exit_code : int or None
        The code for a crossed alert (None: alerts do not change the exit code).
    ok_code : int, optional
        The code of a successful run (default 0).
    failed_code : int, optional
        The code when a notebook failed (default 1).

    Returns
    -------
    int
        ``failed_code`` when a notebook failed; else ``alert_exit_code`` when it is set and an
        alert was crossed; else ``ok_code``.
    """
    if not notebooks_ok:
        return failed_code
    if alert_exit_code is not None and crossed(alerts):
        return alert_exit_code
    return ok_code


def _shown(value, kind: str, lang: str) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if kind == "relative":
        return show_change(value / 100.0, "relative", lang).lstrip("+")
    if kind == "points":
        return show_change(value, "points", lang).lstrip("+")
    return show(value, kind, lang)
