"""English left on zh report pages (issue 16 audit, findings16 §1): each text below is rendered
the way the page shows it, or made by the crmlib function in zh, and has no English word outside
code, the allowed terms and the dataset's own values."""

import numpy as np
import pandas as pd
from page_text import english_words, visible_text

from crmlib.display.format import Formats
from crmlib.display.tables import render_table
from crmlib.lang import gettext

ZH = Formats("zh", "CNY")


def test_the_csv_link_under_a_long_table_shows_the_file_name_as_code():
    frame = pd.DataFrame({"customer_id": [f"C{i}" for i in range(30)], "value_at_risk": np.arange(30.0)})
    text = gettext("zh", "Download the full table ({file})").format(file="churn_risk.csv")
    page = render_table(frame, ZH, rows=10, interactive=True,
                        link=("../exports/churn_risk.csv", text))._repr_html_()
    assert "<code>churn_risk.csv</code>" in page
    assert english_words(visible_text(page), set()) == []
