"""Find every reader-facing message in crmlib and the notebooks, with Babel, and check catalogues.

Extraction reads the Python sources (``_("…")``, ``N_("…")``, ``gettext(lang, "…")``,
``ngettext``/``pgettext``, and in notebooks ``wb.gettext("…")``) and every Markdown cell of
the notebooks (headings, list items and paragraphs, split as :mod:`crmlib.narrative` splits
them). ``babel.cfg`` at the project root holds the same mapping for ``pybabel extract``.

Command line (``python -m crmlib.messages``)::

    python -m crmlib.messages extract -o crmlib.pot     # the template of every message
    python -m crmlib.messages missing --lang zh          # messages without a translation, as .po entries
    python -m crmlib.messages check                      # exit 1 if any is missing or malformed

Example
-------
>>> import io
>>> source = b'_ = wb.gettext\\nwb.say(_("{n:,} customers").format(n=3))\\n'
>>> [m.id for m in extract_source(io.BytesIO(source))]
['{n:,} customers']
"""

from __future__ import annotations

import argparse
import io
import json
import string
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from crmlib import PROJECT_ROOT
from crmlib.lang import LANGUAGES, LOCALES, catalogue, catalogue_files
from crmlib.narrative import markdown_messages

# Babel keyword specs. gettext/ngettext/pgettext are crmlib.lang's (language first) when called
# with one more argument, and the Workbook's / a Translator's otherwise: told apart by arity.
KEYWORDS = {
    "_": None,
    "N_": None,
    "NC_": ((1, "c"), 2),
    "gettext": {1: (1,), 2: (2,)},
    "ngettext": {3: (1, 2), 4: (2, 3)},
    "pgettext": {2: ((1, "c"), 2), 3: ((2, "c"), 3)},
}
SOURCES = (("crmlib", "**/*.py", "python"), ("notebooks", "*.ipynb", "crmlib.messages:extract_notebook"))


@dataclass(frozen=True)
class Message:
    """One extracted message: its id (a tuple for plural forms), context and where it is."""

    id: str | tuple[str, ...]
    context: str | None
    location: str

    @property
    def key(self):
        singular = self.id[0] if isinstance(self.id, tuple) else self.id
        return (self.context, singular) if self.context else singular


def extract_notebook(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Babel extractor for ``.ipynb``: Markdown cells by :func:`markdown_messages`, code cells as Python.

    Line numbers count through the cells' sources in order, as if they were one file.

    Parameters
    ----------
    fileobj : binary file
        The open notebook.
    keywords : dict
        Babel keyword specs for the code cells (:data:`KEYWORDS`).
    comment_tags : list of str
        Babel's translator-comment tags, passed to its Python extractor.
    options : dict
        Babel's extractor options, passed to its Python extractor.

    Yields
    ------
    tuple
        ``(line, funcname, message, comments)``, as Babel's extractors yield them.
    """
    from babel.messages.extract import extract_python

    nb = json.load(io.TextIOWrapper(fileobj, encoding="utf-8"))
    offset = 0
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            for line, message in markdown_messages(source):
                yield offset + line, None, message, []
        elif cell.get("cell_type") == "code":
            for line, funcname, messages, comments in extract_python(
                    io.BytesIO(source.encode("utf-8")), keywords, comment_tags, options):
                yield offset + line, funcname, messages, comments
        offset += source.count("\n") + 1


def extract_source(fileobj, method: str = "python", location: str = "") -> list[Message]:
    """The messages of one open (binary) source file.

    Parameters
    ----------
    fileobj : binary file
        The open source file.
    method : str, optional
        Babel extraction method (default ``"python"``, or ``"crmlib.messages:extract_notebook"``).
    location : str, optional
        The file's path as shown in each message's location (default empty).

    Returns
    -------
    list of Message
        In file order, each located ``<location>:<line>``.
    """
    from babel.messages.extract import extract

    return [Message(message, context, f"{location}:{line}")
            for line, message, _, context in extract(method, fileobj, keywords=KEYWORDS)]


def source_files(root: Path = PROJECT_ROOT) -> Iterator[tuple[Path, str]]:
    """Every file messages are extracted from, with its Babel extraction method.

    Parameters
    ----------
    root : Path, optional
        The project folder (default the project root) holding ``crmlib/`` and ``notebooks/``.

    Yields
    ------
    tuple of (Path, str)
        Each file (sorted per folder, checkpoints left out) and its extraction method.
    """
    for folder, pattern, method in SOURCES:
        for path in sorted((root / folder).glob(pattern)):
            if ".ipynb_checkpoints" not in path.parts:
                yield path, method


def extract_messages(root: Path = PROJECT_ROOT) -> list[Message]:
    """Every message of crmlib and the notebooks, in file order (a message may occur twice).

    Parameters
    ----------
    root : Path, optional
        The project folder (default the project root).

    Returns
    -------
    list of Message
        Located by their path relative to ``root`` and line.
    """
    found: list[Message] = []
    for path, method in source_files(root):
        with open(path, "rb") as handle:
            found.extend(extract_source(handle, method, path.relative_to(root).as_posix()))
    return found


def template(messages: Iterable[Message]):
    """A Babel catalogue (the ``.pot``) of ``messages``, each with every place it occurs.

    Parameters
    ----------
    messages : iterable of Message
        The extracted messages.

    Returns
    -------
    babel.messages.catalog.Catalog
        The template, without translations.
    """
    from babel.messages.catalog import Catalog

    pot = Catalog(project="crmlib", fuzzy=False)
    for message in messages:
        path, _, line = message.location.rpartition(":")
        pot.add(message.id, locations=[(path, int(line))], context=message.context)
    return pot


def missing(lang: str, messages: Iterable[Message]) -> list[Message]:
    """Messages with no (non-fuzzy, non-empty) translation in ``lang``'s catalogue, first occurrence each.

    Parameters
    ----------
    lang : str
        A report language other than English.
    messages : iterable of Message
        The extracted messages.

    Returns
    -------
    list of Message
        The untranslated messages, in the order of ``messages``.
    """
    known = catalogue(lang)
    seen, out = set(), []
    for message in messages:
        if message.key not in known and message.key not in seen:
            seen.add(message.key)
            out.append(message)
    return out


def field_names(text: str) -> set[str] | None:
    """The ``str.format`` fields of ``text`` (None when it is not a valid format string).

    Parameters
    ----------
    text : str
        A message or its translation.

    Returns
    -------
    set of str or None
        The field names (``""`` for ``{}``), or None.
    """
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def malformed(lang: str) -> list[str]:
    """Problems in ``lang``'s ``.po`` files: fuzzy or empty entries, placeholders that differ.

    Parameters
    ----------
    lang : str
        A report language other than English.

    Returns
    -------
    list of str
        One line per problem, naming the file and the message id.
    """
    from babel.messages.pofile import read_po

    problems = []
    for path in catalogue_files(lang):
        with open(path, "rb") as handle:
            for entry in read_po(handle, locale=LOCALES[lang]):
                if not entry.id:
                    continue
                where = f"{path.name}: {entry.id!r}"
                ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
                strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
                if entry.fuzzy or not all(strings):
                    problems.append(f"{where} is fuzzy or untranslated")
                    continue
                wanted = field_names(ids[-1])
                problems.extend(f"{where}: placeholders {sorted(wanted)} but the translation has "
                                f"{sorted(field_names(text) or [])}"
                                for text in strings if wanted is not None and field_names(text) != wanted)
    return problems


def as_po_entries(messages: Iterable[Message]) -> str:
    """``messages`` as ``.po`` entries with empty translations, to paste into an area's file.

    Parameters
    ----------
    messages : iterable of Message
        The messages to write.

    Returns
    -------
    str
        The entries, without a catalogue header.
    """
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, template(messages), omit_header=True, width=100)
    return buffer.getvalue().decode("utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m crmlib.messages extract|missing|check`` (see the module's docstring).

    Parameters
    ----------
    argv : list of str, optional
        The command-line arguments (None: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 1 when ``check`` finds a missing or malformed entry, else 0.
    """
    parser = argparse.ArgumentParser(prog="python -m crmlib.messages", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    extract = commands.add_parser("extract", help="write the .pot template of every message")
    extract.add_argument("-o", "--output", default="-", help="file to write (default: standard output)")
    for name in ("missing", "check"):
        command = commands.add_parser(name)
        command.add_argument("--lang", choices=[x for x in LANGUAGES if x != "en"], default=None)
    args = parser.parse_args(argv)
    messages = extract_messages()
    if args.command == "extract":
        from babel.messages.pofile import write_po

        buffer = io.BytesIO()
        write_po(buffer, template(messages), width=100)
        if args.output == "-":
            sys.stdout.write(buffer.getvalue().decode("utf-8"))
        else:
            Path(args.output).write_bytes(buffer.getvalue())
        return 0
    status = 0
    for lang in [args.lang] if args.lang else [x for x in LANGUAGES if x != "en"]:
        absent = missing(lang, messages)
        if args.command == "missing":
            sys.stdout.write(as_po_entries(absent))
            continue
        for message in absent:
            print(f"{message.location}: no {lang} translation for {message.id!r}")
        for problem in malformed(lang):
            print(problem)
        status = status or int(bool(absent or malformed(lang)))
    return status


if __name__ == "__main__":
    sys.exit(main())
