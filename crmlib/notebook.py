"""What every notebook does first: load the dataset, set up charts, and show/export results.

Expensive results that several notebooks need (the CLV fit, the churn study, the Chinese
sentiment model) are asked for through :meth:`Workbook.cached`: computed by the first notebook
of a run, reused by the others (and by later runs on the same data and code).

Example
-------
>>> wb = Workbook.open("data/cdnow")                    # doctest: +SKIP
>>> wb.say(f"{len(wb.summary()):,} customers bought at least once.")   # doctest: +SKIP
>>> wb.export_csv(wb.summary().reset_index(), "summary.csv")           # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import html
import inspect
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from crmlib import PROJECT_ROOT, cache
from crmlib.data.load import Dataset, load_dataset_cached
from crmlib.exports import write_csv, write_json
from crmlib.lang import in_language
from crmlib.logs import log_from_environment
from crmlib.scans.summary import customer_summary

DEFAULT_EXPORT_DIR = PROJECT_ROOT / "reports" / "interactive" / "exports"
PERSONAL_COLUMNS = re.compile(r"(^|_)(name|e-?mail|phone|mobile|tel|address)($|_)|姓名|名字|手机|电话|邮箱|地址",
                              re.IGNORECASE)
ID_COLUMNS = ("customer_id",)
SALT_VARIABLE = "CRM_WORKBOOK_SALT"
T = TypeVar("T")
log = logging.getLogger(__name__)


MISSING = "–"


def readable_number(value):
    """A table cell as a reader wants it: thousands separators from 10,000, 2 decimals, 3 significant
    digits below 1, dates without a midnight time. Text is returned unchanged.

    >>> [readable_number(v) for v in (1234567.891, 1234.5, 2024, 12.3456, 0.853333, 2.4e-05, float("nan"), 7.0)]
    ['1,234,568', '1,234', '2024', '12.35', '0.853', '2.4e-05', '–', '7']
    >>> readable_number(pd.Timestamp("2024-03-01")), readable_number("x")
    ('2024-03-01', 'x')
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}" if value == value.normalize() else str(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return value
    if not np.isfinite(value):
        return MISSING if np.isnan(value) else str(value)
    size = abs(value)
    if float(value).is_integer():
        return f"{value:,.0f}" if size >= 10_000 else f"{value:.0f}"
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 1:
        return f"{value:,.2f}"
    return f"{value:.3g}"


def styled(frame: pd.DataFrame):
    """The frame as report tables show it: readable numbers, "–" for missing values, every cell and
    label HTML-escaped, and no row numbers when the index is just 0, 1, 2, …"""
    style = frame.style.format(readable_number, escape="html", na_rep=MISSING)
    style = style.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if isinstance(frame.index, pd.RangeIndex):
        style = style.hide(axis="index")
    return style


def pseudonym(customer_id: str, salt: str) -> str:
    """A stable, salted, non-reversible stand-in for a customer id.

    >>> pseudonym("C0001", "s") == pseudonym("C0001", "s") != pseudonym("C0002", "s")
    True
    """
    return "cust_" + hashlib.sha256(f"{salt}:{customer_id}".encode()).hexdigest()[:10]


def pseudonymize_frame(frame: pd.DataFrame, salt: str) -> pd.DataFrame:
    """Copy of ``frame`` with customer ids hashed and name/e-mail/phone/address columns dropped."""
    out = frame.drop(columns=[c for c in frame.columns if PERSONAL_COLUMNS.search(str(c))])
    for column in ID_COLUMNS:
        if column in out.columns:
            out[column] = out[column].map(lambda v: pseudonym(v, salt) if pd.notna(v) else v)
    if out.index.name in ID_COLUMNS:
        out.index = out.index.map(lambda v: pseudonym(v, salt))
    return out


@dataclass
class Workbook:
    """A notebook's handle on its dataset, its exports folder and its display settings."""

    dataset: Dataset
    export_dir: Path
    pseudonymize: bool = False
    lang: str = "en"
    salt: str = ""
    _summaries: dict = field(default_factory=dict, repr=False)
    cache_events: list[tuple[str, cache.Entry]] = field(default_factory=list, repr=False)

    @classmethod
    def open(cls, data_dir: str | Path = "data/sample", *, analysis_date: str = "", export_dir: str = "",
             pseudonymize: bool = False, lang: str = "en") -> Workbook:
        """Load ``data_dir`` (relative to the working directory or the project) and set up charts."""
        from crmlib import plots

        if lang not in ("en", "zh"):
            raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
        plots.setup()
        log_from_environment()
        dataset = load_dataset_cached(data_dir, analysis_date=analysis_date or None)
        salt = os.environ.get(SALT_VARIABLE) or dataset.fingerprint[:16]
        folder = Path(export_dir) if export_dir else DEFAULT_EXPORT_DIR
        workbook = cls(dataset=dataset, export_dir=folder, pseudonymize=pseudonymize, lang=lang, salt=salt)
        for warning in dataset.page_warnings:  # e.g. an analysis date long after the last purchase
            workbook.say("⚠ " + (warning.text(lang) if hasattr(warning, "text") else str(warning)))
        return workbook

    def summary(self, time_unit: str = "D") -> pd.DataFrame:
        """The per-customer summary as of the analysis date (computed once per time unit)."""
        if time_unit not in self._summaries:
            self._summaries[time_unit] = customer_summary(
                self.dataset.transactions, self.dataset.analysis_date, time_unit)
        return self._summaries[time_unit]

    def cached(self, function: Callable[..., T], /, *args, **kwargs) -> T:
        """``function(*args, **kwargs)``, computed once per dataset, function, arguments and crmlib
        version, and reused by every notebook (and later run) that asks for the same result.

        The key holds the dataset's fingerprint, the function's module and qualified name, crmlib's
        code version (:func:`crmlib.cache.code_version`) and every argument by parameter name,
        defaults filled in (so ``f(x, 90)`` and ``f(x, window_days=90)`` share an entry): this
        workbook's dataset, its tables and its summaries by name (no hashing), other frames, Series
        and arrays by a content digest, other values by ``repr`` (:func:`crmlib.cache.argument_key`).
        With ``CRM_WORKBOOK_CACHE=off`` the function is simply called.

        Parameters
        ----------
        function : callable
            A module-level function or class (not a lambda or a nested function: their name does
            not identify their code); its result must be picklable.
        *args, **kwargs
            Its arguments.

        Returns
        -------
        object
            What ``function`` returns. Each call is recorded in :attr:`cache_events` and logged
            (``crmlib.notebook``, INFO): reused or computed, and how long it took.

        Example
        -------
        >>> from crmlib.clv import fit_clv                             # doctest: +SKIP
        >>> fit = wb.cached(fit_clv, wb.summary("W"), "bgnbd", time_unit="W")   # doctest: +SKIP
        """
        name = f"{function.__module__}.{function.__qualname__}"
        if "<" in name:
            raise ValueError(f"wb.cached needs a module-level function, not {name}: its name must identify its code")
        try:
            bound = inspect.signature(function).bind(*args, **kwargs)
        except ValueError:  # no signature (some builtins): key the arguments as given
            arguments = {"args": list(args), "kwargs": kwargs}
        else:
            bound.apply_defaults()
            arguments = dict(bound.arguments)
        params = cache.argument_key(arguments, self._known_argument)
        entry = cache.fetch(name, self.dataset.fingerprint, params, lambda: function(*args, **kwargs))
        self.cache_events.append((name, entry))
        if entry.path is None:
            log.info("computed %s in %.1f s (cache off)", name, entry.seconds)
        else:
            log.info("%s %s in %.1f s (%s)", "reused" if entry.hit else "computed", name, entry.seconds,
                     entry.path.name)
        return entry.value

    def _known_argument(self, value) -> str | None:
        """A cheap cache-key name for this workbook's own dataset, tables and summaries (by identity)."""
        if value is self.dataset:
            return "dataset"
        if not isinstance(value, pd.DataFrame):
            return None
        for name, frame in self.dataset.loaded_tables().items():
            if frame is value:
                return f"table:{name}"
        for unit, summary in self._summaries.items():
            if summary is value:
                return f"summary:{unit}"
        return None

    def t(self, en: str, zh: str) -> str:
        """The text in the notebook's language."""
        return in_language(self.lang, en, zh)

    def show(self, frame: pd.DataFrame, rows: int = 20):
        """Display the first ``rows`` rows as a readable table (pseudonymised if asked), see :func:`styled`."""
        from IPython.display import display

        shown = pseudonymize_frame(frame, self.salt) if self.pseudonymize else frame
        display(styled(shown.head(rows)))

    def say(self, text: str) -> None:
        """Show a sentence computed from the data as Markdown (HTML in it is escaped)."""
        from IPython.display import Markdown, display

        display(Markdown(html.escape(text, quote=False)))

    def missing_table(self, table: str, enables: str) -> None:
        """Say plainly that an optional table is absent and what file would enable the section."""
        self.say(
            self.t(
                f"**No {table} table in this dataset.** {enables} To enable this section, add a "
                f"`{table}` entry to `{self.dataset.root.name}/dataset.yaml` (see the README).",
                f"**数据集中没有 {table} 表。** {enables} 如需启用本节，请在 "
                f"`{self.dataset.root.name}/dataset.yaml` 中添加 `{table}`（见 README）。",
            )
        )

    def export_csv(self, frame: pd.DataFrame, name: str) -> Path:
        """Write ``exports/<name>`` (UTF-8 with BOM; real ids, never pseudonymised)."""
        return write_csv(frame, self.export_dir / name)

    def export_json(self, obj, name: str) -> Path:
        """Write ``exports/<name>`` as JSON."""
        return write_json(obj, self.export_dir / name)
