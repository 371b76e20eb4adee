"""Hostile text in the data (a household name with <script> or Markdown) is shown as text."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fupin.core.labels import md_escape
from fupin.data import contract as C
from fupin.data.ingest import ingest
from fupin.data.provenance import sign_folder
from tests.conftest import app_test
from tests.support.builders import household, member, record, write

# One worker builds this module's `hostile_db` fixture and runs its tests (pytest -n 3 --dist loadgroup, .ci/run).
pytestmark = pytest.mark.xdist_group("test_hostile_text")

ROOT = Path(__file__).parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
HOSTILE = "<script>alert(1)</script>**粗体**[链接](http://example.com)"


# Names that Streamlit's Markdown would otherwise turn into formatting, a link, colour, an icon, an emoji, LaTeX,
# HTML, a heading or a list; each must show exactly as typed (and as exported), with no stray backslash.
NAMES = [
    "**x**",
    ":red[张三]",
    "$x$",
    "<script>alert(1)</script>",
    "[链接](http://a)",
    "a\\b",
    "a\\\\b",
    ":material/home:",
    "=1+1",
    ":smile:",
    "王:blue-background[李]",
    "http://a.com",
    "www.a.com",
    "a@b.com",
    "a_b_c",
    "~~s~~",
    "`c`",
    "# h",
    "- y",
    "1. x",
    "&amp;",
    "&#58;",
    "<b>x</b>",
    "|a|b|",
    "\\*",
    "$$x$$",
    "张 三",
    "    四个空格",
    HOSTILE,
]


def test_md_escape_keeps_no_markdown_character() -> None:
    assert md_escape("王伟") == "王伟"
    assert md_escape(":red[张三]") == "&#58;red&#91;张三&#93;"
    for name in NAMES:
        escaped = md_escape(name)
        assert html.unescape(escaped) == name  # the character references decode to exactly the name
        assert not re.search(r"[^A-Za-z0-9&#;\u0080-\U0010ffff]", escaped), escaped  # nothing Markdown would act on
        assert "\\" not in escaped and not re.search(r"&(?!#\d+;)", escaped)


APP = """
import streamlit as st
from fupin.core.labels import md_escape

for i, name in enumerate({names!r}):
    st.container(key=f"n{{i}}_markdown").markdown(md_escape(name))
    st.container(key=f"n{{i}}_caption").caption("户主 " + md_escape(name) + " 户")
    st.container(key=f"n{{i}}_subheader").subheader(md_escape(name) + " 户 · 临泉县")
"""


@pytest.mark.browser
def test_hostile_names_render_exactly_in_the_browser(tmp_path: Path) -> None:
    """st.markdown / st.caption / st.subheader in headless chromium: the visible text is the raw name."""
    from tools.harness import CHROMIUM, CHROMIUM_ARGS, free_port

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)")
    sync_api = pytest.importorskip("playwright.sync_api")
    script = tmp_path / "names.py"
    script.write_text(APP.format(names=NAMES), encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            for _ in range(60):  # the server takes a few seconds to start
                try:
                    page.goto(f"http://127.0.0.1:{port}/")
                    break
                except sync_api.Error:
                    time.sleep(0.5)
            page.wait_for_selector(f".st-key-n{len(NAMES) - 1}_subheader h3", timeout=30_000)
            page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')")
            shown = page.evaluate(
                "() => Object.fromEntries([...document.querySelectorAll('[class*=\"st-key-n\"]')].map(e => "
                "[[...e.classList].find(c => c.startsWith('st-key-n')).slice(7), e.textContent]))"
            )
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=ARTIFACTS / "hostile-names.png", full_page=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    wrong = {}
    for i, name in enumerate(NAMES):
        for kind, want in (("markdown", name), ("caption", f"户主 {name} 户"), ("subheader", f"{name} 户 · 临泉县")):
            if shown.get(f"n{i}_{kind}") != want:
                wrong[f"{kind} {name!r}"] = shown.get(f"n{i}_{kind}")
    assert not wrong, wrong


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("hostile") / "exports" / "2020-06"
    write(src, C.HOUSEHOLD, [household(1, 户主姓名=HOSTILE, 义务教育有保障="否")])  # R03 (高): red-flagged
    write(src, C.MEMBER, [member(1) | {"姓名": HOSTILE}])
    write(src, C.MONITORING, [record(1, "2020-06", est=5200)])
    sign_folder(src.parent, {"synthetic": True})  # a generator-signed synthetic folder: demo accounts apply
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
    at.switch_page("app_pages/warnings.py").run()
    at.session_state["rf_unmask"] = True  # 省级管理员 may unmask: the full hostile name reaches the page
    at.session_state["rf_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    table = next(df.value for df in at.dataframe if "户主" in df.value.columns)
    assert table.iloc[0]["户主"] == HOSTILE  # grid cells are plain text
    heading = at.subheader[0].value
    assert heading.startswith(md_escape(HOSTILE)) and "](http" not in heading and "<script>" not in heading
    assert html.unescape(heading).startswith(HOSTILE + " 户 · ")  # what the browser shows: the name as typed
