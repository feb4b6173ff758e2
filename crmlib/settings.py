"""One set of analysis settings: every parameter the notebooks take, with one type, default and help.

:class:`AnalysisSettings` is the single place where the churn window, the CLV horizon, the
discount rate, the margin, the segment scheme, the language and every other analysis parameter
get their default. The notebooks' parameters cells repeat them literally (papermill reads
``name: type = default  # help`` lines; ``tests/test_notebook_rules.py`` checks that each line
equals the setting here), crmlib's functions take their defaults from :data:`DEFAULTS`, and the
runner checks ``-p`` values against it before any kernel starts (``crm-workbook params`` lists
them). :data:`RUN_PARAMETERS` are the three parameters every notebook has that the runner sets
itself (``--data``, the run's exports folder, ``--pseudonymize``).

Example
-------
>>> settings = AnalysisSettings(churn_window_days=120, lang="zh")
>>> settings.churn_window_days, settings.horizon_months
(120, 12)
>>> AnalysisSettings(margin=1.5)
Traceback (most recent call last):
...
crmlib.settings.SettingsError: margin = 1.5: must be at most 1 (share of revenue that is profit (1.0 gives CLV in revenue))
>>> AnalysisSettings.describe("scheme").help.startswith("named segments")
True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any


class SettingsError(ValueError):
    """A setting with a value it cannot take; the message names the setting and what it accepts."""


@dataclass(frozen=True)
class Setting:
    """How one setting is declared: the line a parameters cell holds, and what values it accepts."""

    name: str
    type: str
    default: Any
    help: str
    group: str
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None  # strictly greater than

    @property
    def line(self) -> str:
        """The parameters-cell line: ``name: type = default  # help``."""
        return f"{self.name}: {self.type} = {_literal(self.default)}  # {self.help}"

    def check(self, value) -> Any:
        """``value`` as this setting's type, or a :class:`SettingsError` saying what is allowed.

        Parameters
        ----------
        value : object
            The value given (an ``int`` passes for a ``float``; a ``bool`` only for ``bool``).

        Returns
        -------
        object
            ``value``, as a float for a ``float`` setting.

        Raises
        ------
        SettingsError
            When the type, the choices or a bound do not allow it.
        """
        expected = {"str": str, "int": int, "float": (int, float), "bool": bool}[self.type]
        if isinstance(value, bool) and self.type != "bool" or not isinstance(value, expected):
            raise SettingsError(f"{self.name} = {value!r}: must be a {self.type} ({self.help})")
        if self.type == "float":
            value = float(value)
        if self.choices and value not in self.choices:
            allowed = ", ".join(repr(c) for c in self.choices)
            raise SettingsError(f"{self.name} = {value!r}: must be one of {allowed} ({self.help})")
        for bound, ok, words in ((self.minimum, lambda b: value >= b, "at least"),
                                 (self.maximum, lambda b: value <= b, "at most"),
                                 (self.above, lambda b: value > b, "more than")):
            if bound is not None and not ok(bound):
                raise SettingsError(f"{self.name} = {value!r}: must be {words} {bound:g} ({self.help})")
        return value


def _literal(value) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def setting(default, help: str, group: str, *, choices: tuple = (), minimum: float | None = None,
            maximum: float | None = None, above: float | None = None):
    """A dataclass field of :class:`AnalysisSettings` with its help text and accepted values.

    Parameters
    ----------
    default : object
        The setting's default (immutable).
    help : str
        The help text of its parameters-cell line.
    group : str
        The notebook area it belongs to (``"clv"``, ``"churn"`` …).
    choices : tuple, optional
        The only values allowed (empty: any of its type).
    minimum : float, optional
        Smallest value allowed (None: no bound).
    maximum : float, optional
        Largest value allowed (None: no bound).
    above : float, optional
        Values must be strictly greater than this (None: no bound).

    Returns
    -------
    dataclasses.Field
        The field, with the help, group, choices and bounds in its metadata.
    """
    return field(default=default, metadata={"help": help, "group": group, "choices": choices,
                                            "minimum": minimum, "maximum": maximum, "above": above})


def _date_or_empty(name: str, value: str) -> None:
    if value and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise SettingsError(f"{name} = {value!r}: must be a date YYYY-MM-DD or empty")
    if value:
        try:
            dt.date.fromisoformat(value.strip())
        except ValueError:
            raise SettingsError(f"{name} = {value!r}: must be a date YYYY-MM-DD or empty") from None


DATE_SETTINGS = ("analysis_date", "comparison_date", "calibration_end", "train_cutoff", "test_cutoff")


@dataclass(frozen=True)
class AnalysisSettings:
    """Every analysis parameter of the notebooks, with its one default (see the module docstring).

    Construct it with the values to change; each is checked (type, allowed values, range) and a
    wrong one raises :class:`SettingsError` naming the setting. ``int`` values given to ``float``
    settings become floats.
    """

    analysis_date: str = setting("", "YYYY-MM-DD; empty means the last transaction date", "dataset")
    lang: str = setting("en", 'language of labels and sentences: "en" or "zh"', "dataset", choices=("en", "zh"))

    scheme: str = setting("rfm11", 'named segments: "rfm11" (Champions … Lost, 11 segments) or "cn8" '
                          "(重要价值客户 … 一般挽留客户, 8 classes)", "segments", choices=("rfm11", "cn8"))
    cn8_reference: str = setting("mean", 'cn8 only: R, F, M are high or low against the "mean" or the "median"',
                                 "segments", choices=("mean", "median"))
    frequency_basis: str = setting("purchase_days", 'F counts "purchase_days" (several orders on one day count '
                                   'once) or "orders"', "segments", choices=("purchase_days", "orders"))
    tier_high_share: float = setting(0.8, "high tier: the top customers who together bring this share of revenue",
                                     "segments", above=0, maximum=1)
    tier_medium_share: float = setting(0.95, "medium tier: the next customers up to this share; the rest are low",
                                       "segments", above=0, maximum=1)
    k_min: int = setting(3, "smallest number of clusters tried", "segments", minimum=2)
    k_max: int = setting(8, "largest number of clusters tried; the k with the best silhouette score wins",
                         "segments", minimum=2)
    cluster_attributes: str = setting("", "comma-separated numeric customer attributes to cluster on besides RFM, "
                                      'e.g. "age"', "segments")
    active_days: int = setting(90, "active: bought within this many days (new: first purchase that recent)",
                               "segments", minimum=1)
    lapsed_days: int = setting(180, "lapsed: no purchase for longer than this many days", "segments", minimum=1)
    comparison_months: int = setting(3, "segment shifts are measured against this many months before the "
                                     "analysis date", "segments", minimum=1)
    comparison_date: str = setting("", "YYYY-MM-DD to compare segments with (migration); empty: comparison_months "
                                   "before the analysis date", "segments")

    time_unit: str = setting("W", 'time unit of the CLV models: "W" weeks (as in Fader, Hardie & Lee 2005) or '
                             '"D" days', "clv", choices=("W", "D"))
    calibration_end: str = setting("", "YYYY-MM-DD end of the calibration period; empty means halfway through "
                                   "the history", "clv")
    models: str = setting("bgnbd,mbgnbd,pareto", "purchase models to compare (bgnbd, mbgnbd, pareto); "
                          "Pareto/NBD is the slowest", "clv")
    horizon_months: int = setting(12, "CLV horizon in months (30 days each)", "clv", minimum=1)
    annual_discount_rate: float = setting(0.10, "yearly discount rate applied to future purchases (0.10 is 10 %)",
                                          "clv", above=-1, maximum=10)
    margin: float = setting(1.0, "share of revenue that is profit (1.0 gives CLV in revenue)", "clv",
                            above=0, maximum=1)
    simple_cltv_lapse_days: int = setting(365, "simple CLTV: a customer with no purchase for this many days counts "
                                          "as churned (annual churn)", "clv", minimum=1)

    churn_window_days: int = setting(90, "no purchase for this many days means churned; 0 picks the gap within "
                                     "which 90 % of repeat purchases fall (04_churn: gap_share)", "churn", minimum=0)
    gap_share: float = setting(0.9, "share of repeat purchases the suggested window covers (used when "
                               "churn_window_days is 0)", "churn", above=0, maximum=1)
    mode: str = setting("auto", 'churn label: "auto" (customers\' churned/churn_date when present), "purchases" '
                        'or "labelled"', "churn", choices=("auto", "purchases", "labelled"))
    train_cutoff: str = setting("", "YYYY-MM-DD; the model learns from features up to here; empty means test "
                                "cutoff minus the window", "churn")
    test_cutoff: str = setting("", "YYYY-MM-DD; the model is evaluated from features up to here; empty means "
                               "analysis date minus the window", "churn")
    model: str = setting("auto", 'model behind the risk list: "gradient_boosting", "logistic" or "auto" (best '
                         "test ROC-AUC)", "churn", choices=("auto", "gradient_boosting", "logistic"))
    group_by: str = setting("acquisition_channel", "customers-table column to compare groups by, or "
                            '"segment" for RFM segments', "churn")
    recent_days: int = setting(90, "recent activity: purchases, spend and contacts counted in this many days "
                               "before a cutoff (or before churn)", "churn", minimum=1)
    priority_rows: int = setting(20, "rows of the retention priority list shown (the export holds every "
                                 "customer)", "churn", minimum=1)

    item: str = setting("category", 'what to cross-sell: "category" or "product"', "cross-sell",
                        choices=("category", "product"))
    top_n: int = setting(3, "recommendations per customer", "cross-sell", minimum=1)

    lookback_days: int = setting(30, "a journey is the contacts in this many days before the first purchase",
                                 "journey", minimum=1)
    half_life_days: float = setting(7.0, "time-decay attribution: a contact this many days earlier gets half the "
                                    "credit", "journey", above=0)
    paths_shown: int = setting(10, "number of paths shown in the tables and the path chart", "journey", minimum=1)
    profit_rows: int = setting(10, "rows shown in the lists of customers and referrers", "profitability",
                               minimum=1)

    n_topics: str = setting("auto", 'topics per language: a number, or "auto" for the count (3-8) with the best '
                            "UMass coherence", "feedback")
    sla_hours: float = setting(24.0, "complaints should be resolved within this many hours of submission",
                               "feedback", above=0)
    complaint_rating: int = setting(2, "ratings at or below this (1-5) are complaints that need handling",
                                    "feedback", minimum=1, maximum=5)
    taxonomy_file: str = setting("", "complaint keyword taxonomy (YAML); empty for "
                                 "crmlib/resources/complaint_taxonomy.yaml", "feedback")
    n_examples: int = setting(3, "representative comments shown per topic", "feedback", minimum=1)

    def __post_init__(self):
        for spec in self.specs():
            object.__setattr__(self, spec.name, spec.check(getattr(self, spec.name)))
        for name in DATE_SETTINGS:
            _date_or_empty(name, getattr(self, name))
        if self.tier_high_share >= self.tier_medium_share:
            raise SettingsError(f"tier_high_share = {self.tier_high_share:g} must be below tier_medium_share = "
                                f"{self.tier_medium_share:g} (the high tier is the top of the medium one)")
        if self.k_min > self.k_max:
            raise SettingsError(f"k_min = {self.k_min} must not exceed k_max = {self.k_max}")
        if self.n_topics != "auto" and not (self.n_topics.isdigit() and int(self.n_topics) >= 1):
            raise SettingsError(f'n_topics = {self.n_topics!r}: must be "auto" or a whole number of topics')
        if not [m for m in self.models.split(",") if m.strip()]:
            raise SettingsError("models is empty: name at least one purchase model, e.g. bgnbd")

    @classmethod
    def specs(cls) -> list[Setting]:
        """Every setting's declaration, in the order of the fields.

        Returns
        -------
        list of Setting
            One per field of :class:`AnalysisSettings`.
        """
        hints = {"str": "str", "int": "int", "float": "float", "bool": "bool"}
        return [Setting(f.name, hints[str(f.type)], f.default, f.metadata["help"], f.metadata["group"],
                        f.metadata["choices"], f.metadata["minimum"], f.metadata["maximum"], f.metadata["above"])
                for f in dataclasses.fields(cls)]

    @classmethod
    def describe(cls, name: str) -> Setting:
        """The declaration of one setting (a ``KeyError`` naming the known ones otherwise).

        Parameters
        ----------
        name : str
            The setting's name, e.g. ``"scheme"``.

        Returns
        -------
        Setting
            Its type, default, help, group, choices and bounds.
        """
        found = {spec.name: spec for spec in cls.specs()}
        if name not in found:
            raise KeyError(f"no setting {name!r}; known: {', '.join(found)}")
        return found[name]

    def to_dict(self) -> dict[str, Any]:
        """The settings as a plain mapping (for a manifest).

        Returns
        -------
        dict
            Setting name -> value, in field order.
        """
        return dataclasses.asdict(self)

    def replace(self, **changes) -> AnalysisSettings:
        """A copy with ``changes`` (checked like the constructor).

        Parameters
        ----------
        **changes
            Setting name -> new value.

        Returns
        -------
        AnalysisSettings
            The new settings; a wrong value raises :class:`SettingsError`.
        """
        return dataclasses.replace(self, **changes)


RUN_PARAMETERS = {
    spec.name: spec for spec in (
        Setting("data_dir", "str", "data/sample", "dataset folder holding dataset.yaml (relative to the project or "
                "absolute)", "run"),
        Setting("export_dir", "str", "", "folder for exports/*.csv|json; empty means "
                "reports/interactive/<dataset folder>/exports", "run"),
        Setting("pseudonymize", "bool", False, "show hashed customer ids in tables (exports keep real ids)", "run"),
    )
}
"""The parameters every notebook has that the runner sets itself (``--data``, the run folder, ``--pseudonymize``)."""

DEFAULTS = AnalysisSettings()
"""The default settings; crmlib's functions take their defaults from here."""
