"""What every notebook does first: load the dataset, set up charts, and show/export results.

Expensive results that several notebooks need (the CLV fit, the churn study, the Chinese
sentiment model) are asked for through :meth:`Workbook.cached`: computed by the first notebook
of a run, reused by the others (and by later runs on the same data and code).

Text a reader sees comes from the message catalogue: ``_ = wb.gettext`` once, then
``wb.say(_("{n} customers bought at least once.").format(n=wb.fmt.count(n)))``. Tables go
through ``wb.show`` (labels from the catalogue, one format per column, see
:mod:`crmlib.display.tables`); numbers in sentences through ``wb.fmt`` (a
:class:`~crmlib.display.format.Formats` in the notebook's language and the dataset's currency).

Example
-------
>>> wb = Workbook.open("data/cdnow", lang="zh")                        # doctest: +SKIP
>>> _ = wb.gettext                                                      # doctest: +SKIP
>>> wb.say(_("{n} customers bought at least once.").format(n=wb.fmt.count(len(wb.summary()))))  # doctest: +SKIP
>>> wb.export_csv(wb.summary().reset_index(), "summary.csv")           # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import html
import inspect
import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pandas as pd

from crmlib import PROJECT_ROOT, cache
from crmlib.data.config import read_config
from crmlib.data.load import LATE_ANALYSIS_MESSAGE, Dataset, late_analysis_date, load_dataset_cached
from crmlib.display.cards import (
    FIRST_SCREEN_KEY,
    KPI_NAMES,
    PAGE_KPIS,
    Card,
    kpi_card,
    render_cards,
)
from crmlib.display.format import Formats
from crmlib.display.tables import render_table
from crmlib.engine.select import activate, chosen_engine
from crmlib.exports import write_csv, write_json
from crmlib.lang import LANGUAGES, N_, Translator, in_language
from crmlib.logs import log_from_environment
from crmlib.narrative import MISSING_TABLE_KEY
from crmlib.readiness import NotEnoughData
from crmlib.scans.summary import customer_summary
from crmlib.settings import DEFAULTS

INTERACTIVE_REPORTS = PROJECT_ROOT / "reports" / "interactive"  # <dataset>/exports when export_dir is empty
PERSONAL_COLUMNS = re.compile(r"(^|_)(name|e-?mail|phone|mobile|tel|address)($|_)|姓名|名字|手机|电话|邮箱|地址",
                              re.IGNORECASE)
ID_COLUMNS = ("customer_id",)
SALT_VARIABLE = "CRM_WORKBOOK_SALT"
T = TypeVar("T")
SECTIONS = {"clv": N_("Customer lifetime value"), "churn-model": N_("Churn model"),  # wb.attempt's sections
            "clusters": N_("Clusters"), "topics": N_("Topics"), "window": N_("Churn window"),
            "simple-cltv": N_("The simple CLTV formula"), "kpis": N_("Monthly KPIs"),
            "churn-rates": N_("Monthly churn rates")}
log = logging.getLogger(__name__)


def pseudonym(customer_id: str, salt: str) -> str:
    """A stable, salted, non-reversible stand-in for a customer id.

    Parameters
    ----------
    customer_id : str
        The real customer id.
    salt : str
        Secret mixed into the hash (the same salt gives the same pseudonym).

    Returns
    -------
    str
        ``"cust_"`` and the first 10 hex digits of the SHA-256 of ``salt:customer_id``.

    >>> pseudonym("C0001", "s") == pseudonym("C0001", "s") != pseudonym("C0002", "s")
    True
    """
    return "cust_" + hashlib.sha256(f"{salt}:{customer_id}".encode()).hexdigest()[:10]


def pseudonymize_frame(frame: pd.DataFrame, salt: str) -> pd.DataFrame:
    """Copy of ``frame`` with customer ids hashed and name/e-mail/phone/address columns dropped.

    Parameters
    ----------
    frame : frame
        Any table; a ``customer_id`` column or index is pseudonymised.
    salt : str
        Salt of :func:`pseudonym`.

    Returns
    -------
    frame
        Same index (hashed if it is ``customer_id``) and rows, without the personal columns.
    """
    out = frame.drop(columns=[c for c in frame.columns if PERSONAL_COLUMNS.search(str(c))])
    for column in ID_COLUMNS:
        if column in out.columns:
            out[column] = out[column].map(lambda v: pseudonym(v, salt) if pd.notna(v) else v)
    if out.index.name in ID_COLUMNS:
        out.index = out.index.map(lambda v: pseudonym(v, salt))
    return out


def interactive_export_dir(data_dir: str | Path) -> Path:
    """Where a JupyterLab session's exports go: ``reports/interactive/<dataset folder>/exports``,
    so that switching datasets never mixes their files.

    Parameters
    ----------
    data_dir : str or Path
        The dataset folder; only its resolved folder name is used.

    Returns
    -------
    Path
        ``<project>/reports/interactive/<safe folder name>/exports``.

    >>> interactive_export_dir("data/cdnow").relative_to(PROJECT_ROOT).as_posix()
    'reports/interactive/cdnow/exports'
    """
    from crmlib.report.runfolder import safe_name

    return INTERACTIVE_REPORTS / safe_name(Path(data_dir).resolve().name) / "exports"


def call_key(function: Callable, args: tuple, kwargs: dict, known: Callable[[object], str | None],
             fingerprint: str) -> tuple[str, dict, str]:
    """The cache entry of ``function(*args, **kwargs)``: its name, its keyed arguments and its fingerprint.

    Parameters
    ----------
    function : callable
        A module-level function or class.
    args : tuple
        Its positional arguments.
    kwargs : dict
        Its keyword arguments.
    known : callable
        Names the dataset's own objects (a value -> ``"dataset"``, ``"table:…"``, ``"summary:…"`` or None).
    fingerprint : str
        The dataset's fingerprint, used when an argument is one of its own objects.

    Returns
    -------
    tuple of (str, dict, str)
        ``module.qualname``, the arguments by parameter name (defaults filled in) as
        :func:`crmlib.cache.argument_key` keys them, and ``fingerprint``, or
        :data:`crmlib.cache.ANY_DATASET` when no argument is one of the dataset's own objects.

    >>> call_key(divmod, (7, 2), {}, lambda value: None, "abc")
    ('builtins.divmod', {'x': '7', 'y': '2'}, 'any-dataset')
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
    named: list[str] = []

    def naming(value) -> str | None:
        key = known(value)
        named.extend([key] if key else [])
        return key

    params = cache.argument_key(arguments, naming)
    return name, params, fingerprint if named else cache.ANY_DATASET


def prepare_shared_models() -> list[str]:
    """Train the models every dataset shares (the generic Chinese and English sentiment models) into
    the cache, under the keys :meth:`Workbook.cached` looks them up by; ``workbook.py setup`` runs it.

    Returns
    -------
    list of str
        One line per model: its name, and whether it was trained or found cached, in how long.

    Example
    -------
    >>> prepare_shared_models()                      # doctest: +SKIP
    ['crmlib.feedback.sentiment.chinese_model: trained in 8.1 s', ...]
    """
    from crmlib.feedback import chinese_model, english_model

    lines = []
    for function in (chinese_model, english_model):
        name, params, fingerprint = call_key(function, (), {}, lambda value: None, cache.ANY_DATASET)
        entry = cache.fetch(name, fingerprint, params, function)
        lines.append(f"{name}: {'found cached' if entry.hit else 'trained'} in {entry.seconds:.1f} s")
    return lines


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
             pseudonymize: bool = False, lang: str = "en", churn_window_days: int | None = None) -> Workbook:
        """Load ``data_dir`` (relative to the working directory or the project) and set up charts.

        Parameters
        ----------
        data_dir : str or Path, optional
            The dataset folder (with its ``dataset.yaml``); default ``"data/sample"``.
        analysis_date : str, optional
            ISO date of the analysis; empty (default) takes the dataset's own.
        export_dir : str, optional
            Where exports go; empty (default) is :func:`interactive_export_dir` of the dataset.
        pseudonymize : bool, optional
            Hash customer ids and drop personal columns in shown tables (default False).
        lang : {"en", "zh"}, optional
            The notebook's language (one of ``LANGUAGES``); default ``"en"``.
        churn_window_days : int, optional
            The notebook's churn window in days, when it has one: decides when the analysis date
            is too long after the last purchase (None: loading warns with the default window).

        Returns
        -------
        Workbook
            The workbook, after showing the dataset's notes and warnings.

        Raises
        ------
        ValueError
            When ``lang`` is not one of ``LANGUAGES``.
        """
        from crmlib import plots

        if lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {', '.join(map(repr, LANGUAGES))}, not {lang!r}")
        plots.setup()
        log_from_environment()
        dataset = load_dataset_cached(data_dir, analysis_date=analysis_date or None)
        config = read_config(dataset.root)  # engine: duckdb | spark (or --engine) runs the scans
        activate(chosen_engine(config.engine), config.spark)
        salt = os.environ.get(SALT_VARIABLE) or dataset.fingerprint[:16]
        folder = Path(export_dir) if export_dir else interactive_export_dir(dataset.root)
        workbook = cls(dataset=dataset, export_dir=folder, pseudonymize=pseudonymize, lang=lang, salt=salt)
        for note in dataset.page_notes:  # e.g. where a customer snapshot's analysis date comes from
            workbook.say(note.text(lang) if hasattr(note, "text") else str(note))
        warnings = list(dataset.page_warnings)
        if churn_window_days and churn_window_days != DEFAULTS.churn_window_days and dataset.has("transactions"):
            warnings = [w for w in warnings if getattr(w, "template", None) != LATE_ANALYSIS_MESSAGE]
            warnings += late_analysis_date(dataset.analysis_date, dataset.transactions["order_date"].max(),
                                           churn_window_days)
        for warning in warnings:  # e.g. an analysis date long after the last purchase
            workbook.say("⚠ " + (warning.text(lang) if hasattr(warning, "text") else str(warning)))
        return workbook

    @property
    def gettext(self) -> Translator:
        """The notebook's ``_``: ``_ = wb.gettext``, then ``_("Revenue")`` (also ``_.ngettext``, ``_.pgettext``)."""
        return Translator(self.lang)

    @property
    def fmt(self) -> Formats:
        """Numbers, money, percentages and dates in the notebook's language and the dataset's currency."""
        return Formats(self.lang, getattr(self.dataset, "currency", None) or "CNY")

    def summary(self, time_unit: str = "D") -> pd.DataFrame:
        """The per-customer summary as of the analysis date (computed once per time unit).

        Parameters
        ----------
        time_unit : str, optional
            Unit of recency, T and days counts: ``"D"`` (default, days), ``"W"`` …

        Returns
        -------
        frame
            Indexed by ``customer_id``: first/last purchase, frequency, recency, T, monetary value.
        """
        if time_unit not in self._summaries:
            self._summaries[time_unit] = customer_summary(
                self.dataset.transactions, self.dataset.analysis_date, time_unit)
        return self._summaries[time_unit]

    def cached(self, function: Callable[..., T], /, *args, **kwargs) -> T:
        """``function(*args, **kwargs)``, computed once per dataset, function, arguments and crmlib
        version, and reused by every notebook (and later run) that asks for the same result.

        The key holds the function's module and qualified name, crmlib's code version
        (:func:`crmlib.cache.code_version`) and every argument by parameter name, defaults filled in
        (so ``f(x, 90)`` and ``f(x, window_days=90)`` share an entry): this workbook's dataset, its
        tables and its summaries by name (no hashing) together with the dataset's fingerprint, other
        frames, Series and arrays by a content digest, other values by ``repr``
        (:func:`crmlib.cache.argument_key`). A call given none of the dataset's own objects cannot
        depend on the dataset (a sentiment model trained on a bundled corpus): its entry is shared
        by every dataset (:data:`crmlib.cache.ANY_DATASET`), so it is computed once per crmlib version.
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
        name, params, fingerprint = call_key(function, args, kwargs, self._known_argument, self.dataset.fingerprint)
        entry = cache.fetch(name, fingerprint, params, lambda: function(*args, **kwargs))
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
        """The text in the notebook's language (older pair form; use ``wb.gettext`` instead).

        Parameters
        ----------
        en : str
            The English text.
        zh : str
            The Chinese text.

        Returns
        -------
        str
            ``zh`` in a Chinese notebook, else ``en``.
        """
        return in_language(self.lang, en, zh)

    def show(self, frame: pd.DataFrame, rows: int | None = 20, *, columns: dict | None = None,
             labels: dict | None = None, interactive: bool = False, csv: str | None = None) -> None:
        """Display a readable table (pseudonymised if asked), see :func:`crmlib.display.tables.render_table`.

        Parameters
        ----------
        frame : frame
            The table to show.
        rows : int or None, optional
            How many first rows to show (default 20, all if None).
        columns : dict, optional
            Column name -> its :class:`~crmlib.display.tables.Column` or kind, overriding the guess.
        labels : dict, optional
            Column name -> its label (an English message id, translated).
        interactive : bool, optional
            A long table the report page makes sortable and searchable (then up to ``rows`` rows,
            default 500).
        csv : str, optional
            Name of the export with the full table, linked under it (default None: no link).
        """
        from IPython.display import display

        shown = pseudonymize_frame(frame, self.salt) if self.pseudonymize else frame
        if interactive and rows == 20:
            rows = 500
        link = None
        if csv is not None:
            _ = self.gettext
            link = (self.export_href(csv), _("Download the full table ({file})").format(file=csv))
        display(render_table(shown, self.fmt, columns=columns, labels=labels, rows=rows,
                             interactive=interactive, link=link))

    def export_href(self, name: str) -> str:
        """A link to ``exports/<name>`` from where the notebook's page is read: the run folder's
        pages sit beside ``exports/``; in JupyterLab the link is relative to the notebook.

        Parameters
        ----------
        name : str
            The export's file name in the exports folder.

        Returns
        -------
        str
            A relative POSIX path to the export.
        """
        target = self.export_dir / name
        page_folder = self.export_dir.parent if (self.export_dir.parent / "manifest.json").is_file() else Path.cwd()
        return Path(os.path.relpath(target, page_folder)).as_posix()

    def cards(self, cards: Sequence[Card]) -> None:
        """Display a row of KPI cards (see :mod:`crmlib.display.cards`); the report page shows the
        first row right under its title, followed by the sentences shown beside it
        (:mod:`crmlib.report.firstscreen`).

        Parameters
        ----------
        cards : sequence of Card
            The cards, in display order.
        """
        from IPython.display import display

        display(render_cards(cards), metadata={FIRST_SCREEN_KEY: True})

    def page_cards(self, page: str, churn_window_days: int = DEFAULTS.churn_window_days) -> None:
        """Display the first screen's KPI cards of ``page`` (a key of
        :data:`crmlib.display.cards.PAGE_KPIS`: ``"churn"``, ``"clv"`` …) from the dataset's monthly
        KPIs (computed once per dataset and churn window for every page of a run, see :meth:`cached`).

        Shows nothing for a customer snapshot or before the first complete month.

        Parameters
        ----------
        page : str
            A key of :data:`crmlib.display.cards.PAGE_KPIS`.
        churn_window_days : int, optional
            Days without a purchase after which a customer counts as churned (settings default).
        """
        from crmlib.overview.kpi import dataset_monthly_kpis

        if not self.dataset.has("transactions"):  # a customer snapshot: no monthly KPIs (the page says why)
            return
        try:
            monthly = self.cached(dataset_monthly_kpis, self.dataset, churn_window_days)
        except NotEnoughData:  # no complete month yet: no cards (01_overview says why)
            return
        _ = self.gettext
        self.cards(self.kpi_cards(monthly, {key: _(KPI_NAMES[key]) for key in PAGE_KPIS[page]}))

    def kpi_cards(self, monthly: pd.DataFrame, names: dict[str, str]) -> list[Card]:
        """One card per KPI of ``names`` (key -> shown name) from the monthly KPI table: last complete
        month, change against the month before, a sparkline of the last 12 months.

        Parameters
        ----------
        monthly : frame
            The monthly KPI table: one row per month, one column per KPI key.
        names : dict of str to str
            KPI key -> its shown name; keys absent from ``monthly`` are skipped.

        Returns
        -------
        list of Card
            One card per KPI found, in the order of ``names``.
        """
        cards = []
        for key, name in names.items():
            if key in monthly:
                series = monthly[key]  # every month kept: a gap is no "month before" (kpi_card)
                series = series.loc[: series.last_valid_index()]  # up to the latest month with a value
                cards.append(kpi_card(key, name, series.tolist(), series.index[-1] if len(series) else None,
                                      self.fmt))
        return cards

    def say(self, text: str) -> None:
        """Show a sentence computed from the data as Markdown (HTML in it is escaped).

        Parameters
        ----------
        text : str
            The sentence, already translated and formatted.
        """
        from IPython.display import Markdown, display

        display(Markdown(html.escape(text, quote=False)))

    def missing_table(self, table: str, enables: str) -> None:
        """Say in one sentence that an optional table is absent and which file would enable it.

        The report page then leaves out the cells tagged ``needs-<table>`` (the sections that
        would have shown it).

        Parameters
        ----------
        table : str
            The table's key in ``dataset.yaml`` (e.g. ``"feedback"``).
        enables : str
            A translated sentence saying what the table would enable.
        """
        from IPython.display import Markdown, display

        from crmlib.overview.dataquality import table_name

        _ = self.gettext
        text = _("**No {name} table in this dataset.** {enables} To enable this section, add a `{table}` "
                 "entry (its file and columns) to `{folder}/dataset.yaml` (see the README).").format(
            name=table_name(table, self.lang), table=table, enables=enables, folder=self.dataset.root.name)
        display(Markdown(html.escape(text, quote=False)), metadata={MISSING_TABLE_KEY: table})

    def attempt(self, section: str, function: Callable[..., T], /, *args, **kwargs) -> T | None:
        """``function(*args, **kwargs)``, or ``None`` when the data is too thin for it.

        When ``function`` raises :class:`~crmlib.readiness.NotEnoughData`, the notebook says in one
        sentence why the section cannot run and what data would enable it (:meth:`cannot_run`) and
        goes on; the report page leaves out the cells tagged ``needs-<section>``. Cells after it
        test the result for ``None``. Pass ``wb.cached`` as the function to cache a result.

        Parameters
        ----------
        section : str
            The section's key (a key of ``SECTIONS``, e.g. ``"clusters"``, or another name).
        function : callable
            What to call.
        *args, **kwargs
            Its arguments.

        Returns
        -------
        object or None
            What ``function`` returns, or None when it raised ``NotEnoughData``.

        Example
        -------
        >>> clusters = wb.attempt("clusters", seg.RFMClusterer().fit, table)   # doctest: +SKIP
        """
        try:
            return function(*args, **kwargs)
        except NotEnoughData as reason:
            self.cannot_run(section, reason)
            return None

    def cannot_run(self, section: str, reason: NotEnoughData) -> None:
        """Say that ``section`` cannot run, why and what data would enable it; the page then leaves
        out the cells tagged ``needs-<section>`` (as for a missing table, :meth:`missing_table`).

        Parameters
        ----------
        section : str
            The section's key; a key of ``SECTIONS`` gets its title in the sentence.
        reason : NotEnoughData
            The exception saying why and what data would enable the section.
        """
        from IPython.display import Markdown, display

        _ = self.gettext
        because, enables = reason.sentences(self.lang)
        title = SECTIONS.get(section)
        text = (_("**{section}: not enough data.** {reason} {enables}").format(
            section=_(title), reason=because, enables=enables) if title else
            _("**Not enough data for this section.** {reason} {enables}").format(reason=because, enables=enables))
        log.info("section %s cannot run: %s", section, reason.problem)
        display(Markdown(html.escape(text, quote=False)), metadata={MISSING_TABLE_KEY: section})

    def export_csv(self, frame: pd.DataFrame, name: str) -> Path:
        """Write ``exports/<name>`` (UTF-8 with BOM; real ids, never pseudonymised).

        Parameters
        ----------
        frame : frame
            The table to write (its index is not written).
        name : str
            The file name in the exports folder.

        Returns
        -------
        Path
            The written file.
        """
        return write_csv(frame, self.export_dir / name)

    def export_json(self, obj, name: str) -> Path:
        """Write ``exports/<name>`` as JSON.

        Parameters
        ----------
        obj : object
            JSON-able data (numpy/pandas values converted, NaN as null).
        name : str
            The file name in the exports folder.

        Returns
        -------
        Path
            The written file.
        """
        return write_json(obj, self.export_dir / name)
