"""A4 PDFs of the report pages, printed by headless Chromium with CJK glyphs embedded.

``crm-workbook run --pdf`` prints every page after its HTML is written. The page is printed
from a temporary copy beside it that adds ``@font-face`` rules for a CJK font the
``mplfonts`` package ships (SimHei) (servers rarely have a CJK font installed, and the shared HTML must
not point at this machine's files), so Chinese text is embedded in the PDF as text, not boxes.
Charts are the page's images, drawn at twice their shown size (``retina`` PNGs, see
:func:`crmlib.plots.setup`), so they print at about 200 dpi; the page's print styles hide the
navigation and folded run details and set A4 with 12 mm margins.

Example
-------
>>> "@font-face" in print_styles()
True
>>> chromium() is None or Path(chromium()).name.startswith(("chromium", "google-chrome"))
True
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from importlib.resources import files
from pathlib import Path

from crmlib.files import atomic_write

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# SimHei rather than Noto CJK: Chromium writes Noto's shared radical glyphs with Kangxi-radical
# code points (⽉ for 月), so text copied or extracted from the PDF would not match the page.
FONTS = {"SimHei": "SimHei.ttf"}


class PdfError(RuntimeError):
    """The PDF could not be printed (no browser, or the browser failed)."""


def chromium() -> str | None:
    """The headless browser that prints PDFs, or None when none is installed.

    Returns
    -------
    str or None
        The path of the first of ``BROWSERS`` on ``PATH``, or None.
    """
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


CJK_RANGES = "U+2E80-9FFF, U+F900-FAFF, U+FE30-FE4F, U+FF00-FFEF"


def print_styles() -> str:
    """``@font-face`` for the bundled CJK font, limited to CJK characters and put first in the font
    stack (Latin text keeps the page's own fonts).

    Returns
    -------
    str
        A ``<style>`` element for the page's ``<head>`` (without the face when the font is missing).
    """
    folder = Path(str(files("mplfonts") / "fonts"))
    faces = "".join(f'@font-face {{ font-family: "CRM {name}"; src: url("{(folder / file).as_uri()}"); '
                    f"font-weight: 100 900; unicode-range: {CJK_RANGES}; }}\n"
                    for name, file in FONTS.items() if (folder / file).is_file())
    families = ", ".join(f'"CRM {name}"' for name in FONTS)
    stack = (f"body, h1, h2, h3, h4, b, strong, th, td, .jp-Notebook, .jp-RenderedHTMLCommon, .crm-nav, .crm-header "
             f'{{ font-family: {families}, "DejaVu Sans", system-ui, sans-serif !important; }}\n')
    return f"<style>\n{faces}{stack}</style>\n"


def print_pdf(page: Path, target: Path | None = None, timeout: float = 180) -> Path:
    """Print an HTML report page to an A4 PDF with headless Chromium.

    Parameters
    ----------
    page : Path
        The HTML page.
    target : Path or None, optional
        The PDF to write (default None: the page's path with ``.pdf``).
    timeout : float, optional
        Seconds Chromium may take (default 180).

    Returns
    -------
    Path
        The written PDF.

    Raises
    ------
    PdfError
        When no Chromium is installed, or it fails or takes longer than ``timeout``.
    """
    browser = chromium()
    if browser is None:
        raise PdfError("no chromium to print PDFs with: install Debian's chromium (.ci/run does) "
                       "or run without --pdf")
    page = Path(page).resolve()
    target = Path(target) if target else page.with_suffix(".pdf")
    html = page.read_text(encoding="utf-8")
    head_end = html.find("</head>")
    copy = html[:head_end] + print_styles() + html[head_end:] if head_end >= 0 else print_styles() + html
    with tempfile.TemporaryDirectory(prefix="crm-pdf-") as work:
        work = Path(work)
        source = page.parent / f".{page.stem}.print.{os.getpid()}.html"  # beside the page: same relative links
        output = work / "page.pdf"
        try:
            source.write_text(copy, encoding="utf-8")
            done = subprocess.run(
                [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                 "--disable-background-networking", f"--user-data-dir={work / 'profile'}",
                 "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
                 "--virtual-time-budget=10000", f"--print-to-pdf={output}", source.as_uri()],
                capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PdfError(f"chromium did not finish printing {page.name} within {timeout:g} s") from None
        finally:
            source.unlink(missing_ok=True)
        if done.returncode != 0 or not output.is_file() or output.stat().st_size == 0:
            raise PdfError(f"chromium could not print {page.name} (exit {done.returncode}): "
                           f"{done.stderr.strip()[-500:]}")
        return atomic_write(target, output.read_bytes())
