"""Decide a text file's encoding on evidence, or stop and ask.

UTF-8 (with or without BOM) and UTF-16 (BOM) are recognised outright. Otherwise the bytes
above 0x7F decide between the two families of 8-bit exports met in practice: Chinese
GBK/GB18030, where such bytes come in pairs forming common characters, and Western
cp1252/Latin-1, where they stand alone between ASCII letters (``crème``). When the evidence is
weak or mixed the reader stops with a :class:`~crmlib.errors.DataError` that shows one line
decoded under each candidate, so the user can name the right one (``encoding:``).

Example
-------
>>> detect_encoding("客户,金额\\n张三,3\\n".encode("gbk"), "t.csv")
'gb18030'
>>> detect_encoding("name,city\\nRené,Besançon crème\\n".encode("latin-1"), "t.csv")
'cp1252'
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np

from crmlib.errors import DataError

ALIASES = {"gbk": "gb18030", "gb2312": "gb18030", "utf8": "utf-8", "utf-8-bom": "utf-8-sig",
           "latin-1": "cp1252", "latin1": "cp1252", "iso-8859-1": "cp1252"}
SAMPLE_BYTES = 1 << 22  # the evidence: the first 4 MiB
CONFIDENT = 0.9
EVIDENCE_CHARS = 1 << 20
WIDE = re.compile(r"[^\x00-\x7f]")


def canonical_encoding(name: str) -> str:
    """The codec crmlib uses for an encoding name from dataset.yaml (gbk -> gb18030, ...).

    Parameters
    ----------
    name : str
        Encoding name as written (case and surrounding spaces do not matter for aliases).

    Returns
    -------
    str
        The codec name from :data:`ALIASES`, else ``name`` stripped.
    """
    return ALIASES.get(name.strip().lower(), name.strip())


def _high_byte_runs(sample: bytes) -> np.ndarray:
    """Lengths of the maximal runs of bytes above 0x7F."""
    high = np.frombuffer(sample, dtype=np.uint8) >= 0x80
    if not high.any():
        return np.zeros(0, dtype=np.int64)
    edges = np.diff(np.concatenate(([0], high.astype(np.int8), [0])))
    return np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)


def _decodes(sample: bytes, encoding: str, final: bool) -> str | None:
    import codecs

    try:
        return codecs.getincrementaldecoder(encoding)().decode(sample, final=final)
    except UnicodeDecodeError:
        return None


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return char in "¥€·"
    return True


def _wide_characters(text: str) -> Counter:
    return Counter(WIDE.findall(text[:EVIDENCE_CHARS]))


def _gbk_share(text: str) -> float:
    """Share of the non-ASCII characters that are in GB2312 (common hanzi, CJK punctuation, ¥).

    Western text misread as GBK pairs a high byte with the ASCII letter after it, which lands
    outside GB2312; real Chinese exports stay almost entirely inside it.
    """
    wide = _wide_characters(text)
    total = sum(wide.values())
    return sum(n for c, n in wide.items() if _in_gb2312(c)) / total if total else 0.0


def _latin_share(text: str) -> float:
    """Share of the non-ASCII characters that are Latin letters, signs or punctuation (U+00A0–U+024F, €, quotes)."""
    wide = _wide_characters(text)
    total = sum(wide.values())
    latin = sum(n for c, n in wide.items() if 0xA0 <= ord(c) <= 0x24F or c in "€‚„…†‡‰‹›‘’“”•–—™")
    return latin / total if total else 0.0


def _first_line_with(sample: bytes) -> bytes:
    for line in sample.splitlines():
        if any(b >= 0x80 for b in line):
            return line[:120]
    return sample.splitlines()[0][:120] if sample else b""


def detect_encoding(data: bytes, path: str | Path) -> str:
    """Return the codec that decodes ``data`` (the whole file or its first megabytes).

    Parameters
    ----------
    data : bytes
        The file's bytes; the first 4 MiB are the evidence.
    path : str or Path
        The file, named in errors.

    Returns
    -------
    str
        ``"utf-16"``, ``"utf-8-sig"``, ``"utf-8"``, ``"gb18030"`` or ``"cp1252"``.

    Raises
    ------
    DataError
        For binary files and when the evidence does not single out one encoding; the message
        shows a line decoded under each candidate.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    sample = data[:SAMPLE_BYTES]
    final = len(data) <= SAMPLE_BYTES
    if b"\x00" in sample[:4096]:
        raise DataError(
            "the file looks binary, not a text export (it contains NUL bytes)",
            file=path,
            hint="Export the table as CSV, Excel (.xlsx) or Parquet and point dataset.yaml at it.",
        )
    if _decodes(sample, "utf-8", final) is not None:
        return "utf-8"
    runs = _high_byte_runs(sample)
    as_gbk, as_latin = _decodes(sample, "gb18030", final), _decodes(sample, "cp1252", final)
    if as_gbk is not None and _gbk_share(as_gbk) >= CONFIDENT:
        return "gb18030"
    if as_latin is not None and float((runs == 1).mean()) >= CONFIDENT and _latin_share(as_latin) >= CONFIDENT:
        return "cp1252"
    _ask_for_encoding(sample, path)
    raise AssertionError("unreachable")


def _ask_for_encoding(sample: bytes, path: str | Path) -> None:
    from charset_normalizer import from_bytes

    candidates = ["gb18030", "cp1252"]
    best = from_bytes(sample).best()
    if best is not None and canonical_encoding(best.encoding) not in candidates:
        candidates.append(best.encoding)
    line = _first_line_with(sample)
    shown = [(name, line.decode(name, errors="replace")) for name in candidates]
    decoded = "".join(f"\n  as {name}: {text!r}" for name, text in shown)
    raise DataError(
        "the text encoding cannot be told from the file with confidence (it is not UTF-8); "
        f"a line decoded under each candidate:{decoded}",
        file=path,
        hint="Name the encoding in dataset.yaml, e.g. `encoding: gbk` for Chinese exports or "
        "`encoding: cp1252` for Western European ones; the lines above show the file decoded "
        "under each candidate.",
    )


def locate_decode_error(data: bytes, encoding: str) -> int | None:
    """The file line (1-based) holding the first byte ``encoding`` cannot decode, or None.

    Parameters
    ----------
    data : bytes
        The file's bytes.
    encoding : str
        The codec to decode with.

    Returns
    -------
    int or None
        The line number; None when everything decodes or the codec is unknown.
    """
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return data[: exc.start].count(b"\n") + 1
    except LookupError:
        return None
    return None
