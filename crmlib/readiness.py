"""Sections that cannot run on the data at hand: why, in one sentence, and what data would enable them.

Valid but unusual data — one customer, nobody who bought twice, every order on one day, two
months of history, feedback with ratings only or the same few words again and again — leaves
some analyses without anything to learn from. Those analyses raise :class:`NotEnoughData`
instead of a generic error: a :class:`~crmlib.errors.DataError` whose reason and remedy are
catalogue messages, so a notebook can say them in the reader's language and go on
(:meth:`crmlib.notebook.Workbook.attempt`). The checks live where the analysis knows its limits;
the ones several analyses share are here.

Example
-------
>>> import pandas as pd
>>> summary = pd.DataFrame({"frequency": [0, 0, 3]}, index=["C1", "C2", "C3"])
>>> try:
...     require_repeat_buyers(summary, 10)
... except NotEnoughData as reason:
...     print(reason.text("en"))  # doctest: +NORMALIZE_WHITESPACE
Only 1 of 3 customers bought on two different days, too few to learn how often customers come back.
A longer history, in which at least 10 customers bought again, would enable this.
"""

from __future__ import annotations

import pandas as pd

from crmlib.errors import DataError
from crmlib.lang import N_, translator

MIN_REPEAT_BUYERS = 10  # the CLV models and their holdout check need at least this many repeat buyers
NO_COMPLETE_MONTH = N_("No calendar month with purchases is complete by the analysis date {date:%Y-%m-%d}, so there "
                       "is no month to compute monthly figures for.")
COMPLETE_MONTH_ENABLES = N_("Purchases in at least one complete calendar month before the analysis date would "
                            "enable this.")


class NotEnoughData(DataError):
    """Valid data with too little in it (or too little variety) for one analysis.

    Parameters
    ----------
    reason : str
        Catalogue message (English, named ``str.format`` fields): one sentence saying why the
        analysis cannot run, e.g. ``N_("Only {n} customers bought twice.")``.
    enables : str
        Catalogue message: what data would enable it.
    **fields
        Values for the fields of both messages (counts, dates; format money before passing it).

    Example
    -------
    >>> err = NotEnoughData(N_("All {n:,} customers bought on the same day."),
    ...                     N_("Purchases on more than one day would enable it."), n=25)
    >>> print(err.text("en"))
    All 25 customers bought on the same day. Purchases on more than one day would enable it.
    >>> isinstance(err, DataError), err.problem
    (True, 'All 25 customers bought on the same day.')
    """

    def __init__(self, reason: str, enables: str, **fields):
        self.reason, self.enables, self.fields = reason, enables, fields
        super().__init__(reason.format(**fields), hint=enables.format(**fields))

    def __reduce__(self):  # picklable (cached results may carry one, e.g. FeedbackAnalysis.topics_skipped)
        return _rebuild, (self.reason, self.enables, self.fields)

    def sentences(self, lang: str = "en") -> tuple[str, str]:
        """The reason and what would enable the analysis, in ``lang``.

        Parameters
        ----------
        lang : str, optional
            The report language (default ``"en"``).

        Returns
        -------
        tuple of (str, str)
            The translated reason and remedy, their fields filled in.
        """
        _ = translator(lang)
        return _(self.reason).format(**self.fields), _(self.enables).format(**self.fields)

    def text(self, lang: str = "en") -> str:
        """The reason followed by what would enable the analysis, in ``lang``.

        Parameters
        ----------
        lang : str, optional
            The report language (default ``"en"``).

        Returns
        -------
        str
            Both sentences, joined by a space (without one in Chinese).
        """
        reason, enables = self.sentences(lang)
        return f"{reason}{'' if lang == 'zh' else ' '}{enables}"


def _rebuild(reason: str, enables: str, fields: dict) -> NotEnoughData:
    return NotEnoughData(reason, enables, **fields)


def require_repeat_buyers(summary: pd.DataFrame, minimum: int = MIN_REPEAT_BUYERS) -> None:
    """Raise :class:`NotEnoughData` unless at least ``minimum`` customers of ``summary`` bought again.

    Parameters
    ----------
    summary : frame
        One row per customer with ``frequency`` (repeat purchase days, :mod:`crmlib.scans.summary`).
    minimum : int, optional
        Repeat buyers needed (default :data:`MIN_REPEAT_BUYERS`, 10).

    Raises
    ------
    NotEnoughData
        When fewer than ``minimum`` customers have a ``frequency`` above 0.

    >>> require_repeat_buyers(pd.DataFrame({"frequency": [1, 2]}), 2)
    """
    repeat = int((summary["frequency"] > 0).sum())
    if repeat >= minimum:
        return
    if repeat == 0:
        raise NotEnoughData(
            N_("None of the {total:,} customers bought on two different days, so there is no repeat buying "
               "to learn from."),
            N_("A longer history, in which customers come back and buy again, would enable this."),
            total=len(summary))
    raise NotEnoughData(
        N_("Only {repeat:,} of {total:,} customers bought on two different days, too few to learn how often "
           "customers come back."),
        N_("A longer history, in which at least {minimum:,} customers bought again, would enable this."),
        repeat=repeat, total=len(summary), minimum=minimum)


__all__ = ["COMPLETE_MONTH_ENABLES", "MIN_REPEAT_BUYERS", "NO_COMPLETE_MONTH", "NotEnoughData", "require_repeat_buyers"]
