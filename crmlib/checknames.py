"""Names of data-quality checks that carry a value (a threshold, a date, a column), as catalogue messages.

Loading writes each check's name in English into the data-quality log (the reason a row was
dropped, changed or flagged); the report shows it in the reader's language. A name with values is
built from one of :data:`TEMPLATES` (:func:`check_name`), so the page can find its message again
and translate it with the values in place (:func:`translate_check`). Both loading and the display
layer import this module, which imports nothing of theirs.

Example
-------
>>> from crmlib.lang import translator
>>> name = check_name(AFTER_ANALYSIS_DATE, date="2024-12-31")
>>> name, translate_check(name, translator("zh"))
('order date after the analysis date 2024-12-31', '订单日期晚于分析日期 2024-12-31')
>>> translate_check("rows kept", translator("zh")) is None
True
"""

from __future__ import annotations

import re
import string

from crmlib.lang import NC_

CONTEXT = "quality check"
OUTLIER = NC_("quality check", "amount far above the rest (over {threshold} = median + {iqrs} × IQR)")
AFTER_ANALYSIS_DATE = NC_("quality check", "order date after the analysis date {date}")
FEEDBACK_AFTER_ANALYSIS_DATE = NC_("quality check", "feedback after the analysis date {date}")
CONTACT_AFTER_ANALYSIS_DATE = NC_("quality check", "contact after the analysis date {date}")
OUT_OF_RANGE = NC_("quality check", "{column} outside {low}–{high} (blanked)")
CANCELLATIONS = NC_("quality check", "cancellations ({rule}): treated as returns")
TEMPLATES = (OUTLIER, AFTER_ANALYSIS_DATE, FEEDBACK_AFTER_ANALYSIS_DATE, CONTACT_AFTER_ANALYSIS_DATE, OUT_OF_RANGE,
             CANCELLATIONS)


def check_name(template: str, **values) -> str:
    """The English name of a check: ``template`` (one of :data:`TEMPLATES`) with its values.

    Parameters
    ----------
    template : str
        One of :data:`TEMPLATES`, e.g. :data:`AFTER_ANALYSIS_DATE`.
    **values
        Its fields (``date``, ``threshold``, ``column`` …), formatted as given.

    Returns
    -------
    str
        The check's name, as written into the data-quality log.
    """
    return template.format(**values)


def _pattern(template: str) -> re.Pattern:
    parts = []
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(f"(?P<{field}>.+?)")
    return re.compile("".join(parts))


_PATTERNS = [(template, _pattern(template)) for template in TEMPLATES]


def translate_check(text: str, _) -> str | None:
    """``text`` in the language of the translator ``_`` when it is a name built from a template, else None.

    Parameters
    ----------
    text : str
        A check's English name from the data-quality log.
    _ : Translator
        The translator of the report's language (:func:`crmlib.lang.translator`).

    Returns
    -------
    str or None
        The translated name with the same values, or None for a name built from no template.
    """
    for template, pattern in _PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            return _.pgettext(CONTEXT, template).format(**found.groupdict())
    return None
