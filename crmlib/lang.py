"""The report languages: English and Simplified Chinese.

Every module that writes text for a reader picks it with :func:`in_language`; a notebook uses
``wb.t(en, zh)``, which calls it with the notebook's ``lang``.

Example
-------
>>> in_language("zh", "Revenue", "收入"), in_language("en", "Revenue", "收入")
('收入', 'Revenue')
"""

from __future__ import annotations

LANGUAGES = ("en", "zh")


def in_language(lang: str, en: str, zh: str) -> str:
    """``zh`` when ``lang`` is "zh", else ``en`` (English is the default for any other value)."""
    return zh if lang == "zh" else en
