"""fupin/ui/render.py's table: what reaches the browser of a long list."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

SCRIPT = """
import pandas as pd
from fupin.ui.render import table
n = {rows}
table(pd.DataFrame({{"户编号": [f"H{{i:05d}}" for i in range(n)], "分值": range(n)}}), downloadable={downloadable})
"""


@pytest.mark.parametrize(("rows", "downloadable"), [(499, False), (500, False), (501, False), (35041, True)])
def test_a_long_table_sends_its_first_rows_and_says_how_many_there_are(rows: int, downloadable: bool) -> None:
    from fupin.ui.render import SHOWN_MAX

    at = AppTest.from_string(SCRIPT.format(rows=rows, downloadable=downloadable), default_timeout=30).run()
    assert not at.exception
    shown = at.dataframe[0].value
    assert len(shown) == min(rows, SHOWN_MAX)
    assert shown["户编号"].tolist()[:2] == ["H00000", "H00001"] and shown["分值"].iloc[-1] == len(shown) - 1
    captions = [c.value for c in at.caption]
    if rows <= SHOWN_MAX:
        assert captions == []
    else:
        assert captions == [
            f"共{rows:,}行，表中显示前{SHOWN_MAX:,}行（顺序如表）。在侧栏选择市、县可缩小范围"
            + ("；本页的下载按钮导出全部。" if downloadable else "。")
        ]
