"""The message catalogue: every message in crmlib and the notebooks has a Chinese translation with
the same placeholders; the narrative is split and translated the same way it is extracted."""

import io
import json
import subprocess
import sys

import nbformat
import pytest

from crmlib import PROJECT_ROOT
from crmlib.lang import catalogue, gettext, ngettext, pgettext
from crmlib.messages import extract_messages, extract_source, field_names, malformed, missing
from crmlib.narrative import markdown_messages, notebook_language, translate_markdown
from crmlib.report.translate import TranslateMarkdown, for_language

MESSAGES = extract_messages()
def test_every_message_has_a_chinese_translation():
    absent = [f"{m.location}: {m.id!r}" for m in missing("zh", MESSAGES)]
    assert absent == [], "add these to a .po file under crmlib/locale/zh_CN/LC_MESSAGES/ " \
                         "(python -m crmlib.messages missing prints them as entries):\n" + "\n".join(absent)


def test_catalogue_entries_are_translated_and_keep_their_placeholders():
    assert malformed("zh") == []


def test_extraction_finds_every_call_form_and_the_markdown():
    source = (b'_ = translator(lang)\n_("a {n}")\nN_("b")\ngettext(lang, "c")\nwb.gettext("d")\n'
              b'ngettext(lang, "e", "es", n)\n_.ngettext("f", "fs", n)\npgettext(lang, "ctx", "g")\n'
              b'print("not a message")\n')
    found = [(m.id, m.context) for m in extract_source(io.BytesIO(source))]
    assert found == [("a {n}", None), ("b", None), ("c", None), ("d", None), (("e", "es"), None),
                     (("f", "fs"), None), ("g", "ctx")]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title\n\nOne\ntwo."),
                                         nbformat.v4.new_code_cell('_ = wb.gettext\nwb.say(_("x"))')])
    raw = io.BytesIO(json.dumps(nb).encode())
    found = extract_source(raw, "crmlib.messages:extract_notebook", "nb.ipynb")
    assert [(m.id, m.location) for m in found] == [("Title", "nb.ipynb:1"), ("One two.", "nb.ipynb:3"),
                                                   ("x", "nb.ipynb:6")]


def test_the_catalogue_reads_context_and_plural_entries():
    assert gettext("zh", "Revenue") == "收入" and gettext("en", "Revenue") == "Revenue"
    assert pgettext("zh", "Value tier", "high") == "高" and gettext("zh", "high") != "高"
    assert ngettext("en", "{n} day", "{n} days", 2) == "{n} days"
    assert all(isinstance(k, str | tuple) for k in catalogue("zh"))


def test_field_names():
    assert field_names("{n:,} of {total:.0%}") == {"n", "total"}
    assert field_names("a } b") is None


def test_markdown_is_split_into_headings_items_and_paragraphs_and_keeps_its_syntax():
    source = ("# 04 · Churn\n\nWho stopped\nbuying?\n\n- **one**: a\n  continued\n- two\n\n"
              "```python\ncode = 1\n```\n\n| a | b |\n|---|---|\n\n1. first")
    assert [m for _, m in markdown_messages(source)] == [
        "04 · Churn", "Who stopped buying?", "**one**: a continued", "two", "first"]
    upper = translate_markdown(source, str.upper)
    assert upper.splitlines() == ["# 04 · CHURN", "", "WHO STOPPED BUYING?", "", "- **ONE**: A CONTINUED",
                                  "- TWO", "", "```python", "code = 1", "```", "", "| a | b |", "|---|---|",
                                  "", "1. FIRST"]
    assert translate_markdown(source, lambda m: None) .splitlines()[2] == "Who stopped buying?"


def test_the_narrative_follows_the_lang_parameter():
    cells = [nbformat.v4.new_markdown_cell("## Revenue"),
             nbformat.v4.new_code_cell('lang: str = "zh"  # language', metadata={"tags": ["parameters"]})]
    nb = nbformat.v4.new_notebook(cells=cells)
    assert notebook_language(nb) == "zh" and for_language(nb).cells[0].source == "## 收入"
    nb.metadata["papermill"] = {"parameters": {"lang": "en"}}
    assert for_language(nb) is nb
    translated, _ = TranslateMarkdown(lang="zh").preprocess(nb, {})
    assert translated.cells[0].source == "## 收入" and nb.cells[0].source == "## Revenue"


def test_the_command_line_reports_missing_messages(tmp_path):
    done = subprocess.run([sys.executable, "-m", "crmlib.messages", "extract", "-o", str(tmp_path / "x.pot")],
                          capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr
    assert 'msgid "Share of customers"' in (tmp_path / "x.pot").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["zh"])
def test_pybabel_reads_the_same_mapping(lang, tmp_path):
    pybabel = PROJECT_ROOT / ".venv" / "bin" / "pybabel"
    if not pybabel.exists():
        pytest.skip("pybabel is not installed in .venv")
    done = subprocess.run([str(pybabel), "extract", "-F", "babel.cfg", "-k", "N_", "-o", str(tmp_path / "p.pot"),
                           "."], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "p.pot").read_text(encoding="utf-8")
    assert 'msgid "Share of customers"' in text and "notebooks/01_overview.ipynb" in text


def test_papermill_finds_the_translating_engine():
    from papermill.engines import papermill_engines

    assert papermill_engines.get_engine("crmlib").__name__ == "TranslatingEngine"
