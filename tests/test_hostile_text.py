"""Hostile text in the data (a household name with <script> or Markdown) is shown as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from fupin import contract as C
from fupin.ingest import ingest
from fupin.labels import md_escape
from tests.conftest import app_test
from tests.test_rules import household, member, record, write

ROOT = Path(__file__).parent.parent
HOSTILE = "<script>alert(1)</script>**粗体**[链接](http://example.com)"


def test_md_escape_neutralises_markdown() -> None:
    assert md_escape("**粗**[链](http://x)") == r"\*\*粗\*\*\[链\]\(http://x\)"
    assert md_escape("王伟") == "王伟"


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("hostile") / "exports" / "2020-06"
    write(src, C.HOUSEHOLD, [household(1, 户主姓名=HOSTILE, 义务教育有保障="否")])  # R03 (高): red-flagged
    write(src, C.MEMBER, [member(1) | {"姓名": HOSTILE}])
    write(src, C.MONITORING, [record(1, "2020-06", est=5200)])
    (src.parent / "_manifest.json").write_text('{"synthetic": true}', encoding="utf-8")  # demo accounts apply
    db = src.parent.parent / "w.duckdb"
    assert ingest(src.parent, db).ok
    return db


def test_hostile_name_renders_as_text(hostile_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_DB", str(hostile_db))
    monkeypatch.setenv("FUPIN_STORE", str(tmp_path / "audit.sqlite"))
    monkeypatch.chdir(ROOT)
    at = app_test()
    at.session_state["city"] = "341200"
    at.session_state["county"] = "341221"
    at.run()
    at.switch_page("pages/warnings.py").run()
    at.session_state["rf_unmask"] = True  # 省级管理员 may unmask: the full hostile name reaches the page
    at.session_state["rf_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    table = next(df.value for df in at.dataframe if "户主" in df.value.columns)
    assert table.iloc[0]["户主"] == HOSTILE  # grid cells are plain text
    heading = at.subheader[0].value
    assert heading.startswith(md_escape(HOSTILE)) and "](http" not in heading and "<script>" not in heading
