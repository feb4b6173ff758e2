"""Pseudonymise what an HTML report shows, for sharing outside the team.

The notebooks already hash ids and drop personal columns in the tables they show
(``Workbook.show`` with ``pseudonymize=True``). Before a run with ``--pseudonymize``
renders HTML, :class:`Scrubber` also goes over every textual output (printed text, tables,
sentences, error messages) and replaces customer ids with the same salted pseudonym,
e-mail addresses and phone numbers with a placeholder. Exports keep the real ids.

Only ids distinctive enough to be recognised in free text are replaced there: at least
four characters with a letter (``C00123``) or at least six digits. Short numeric ids
(CDNOW's ``1`` … ``2357``) are hashed in tables by the notebooks but cannot be told apart
from ordinary numbers in prose.

Example
-------
>>> scrub = Scrubber(["C00123"], salt="s")
>>> scrub("Top customer C00123 (ann@example.com, 13912345678)")   # doctest: +ELLIPSIS
'Top customer cust_... ([e-mail removed], [phone removed])'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from crmlib.notebook import pseudonym

_TOKEN = re.compile(r"[\w\-]+")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_PHONE = re.compile(r"(?<![\w.])(?:\+?86[\- ]?)?1[3-9]\d[\- ]?\d{4}[\- ]?\d{4}(?![\w.])"
                    r"|(?<![\w.])\+\d{1,3}[\- ]?\(?\d{1,4}\)?(?:[\- ]?\d{2,4}){2,4}(?![\w.])")


def distinctive(customer_id: str) -> bool:
    """Whether an id can be recognised in free text without hitting ordinary numbers/words.

    Parameters
    ----------
    customer_id : str
        The id (taken as text).

    Returns
    -------
    bool
        True for word characters and ``-`` only, and either six digits or more, or four
        characters or more with a digit among them.
    """
    text = str(customer_id)
    if not _TOKEN.fullmatch(text):
        return False
    if text.isdigit():
        return len(text) >= 6
    return len(text) >= 4 and any(ch.isdigit() for ch in text)


class Scrubber:
    """Callable that pseudonymises ids and removes e-mails and phone numbers from text.

    Parameters
    ----------
    customer_ids : iterable of str
        Every customer id; only :func:`distinctive` ones are replaced.
    salt : str
        The salt of the pseudonyms (:func:`crmlib.notebook.pseudonym`).
    """

    def __init__(self, customer_ids: Iterable[str], salt: str):
        self.salt = salt
        self.mapping_ = {str(c): pseudonym(str(c), salt) for c in customer_ids if distinctive(c)}

    def __call__(self, text: str) -> str:
        text = _EMAIL.sub("[e-mail removed]", text)
        text = _PHONE.sub("[phone removed]", text)
        if self.mapping_:
            text = _TOKEN.sub(lambda m: self.mapping_.get(m.group(0), m.group(0)), text)
        return text
