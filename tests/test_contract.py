from pathlib import Path

import pytest

from fupin.core.reference import PROJECT_ROOT
from fupin.data import contract as C


@pytest.mark.parametrize("table", C.TABLES, ids=lambda t: t.en)
def test_table_is_well_formed(table: C.Table) -> None:
    cn = [c.cn for c in table.columns]
    en = [c.en for c in table.columns]
    assert len(set(cn)) == len(cn) and len(set(en)) == len(en)
    for key in table.key:
        assert table.column(key).required, f"key column {key} must be required"
    for col in table.columns:
        if col.type in ("enum", "flag"):
            assert col.allowed, col.cn
        if col.ref:
            target, column = col.ref.split(".")
            if not target.startswith("ref_"):
                assert column in {c.en for c in C.TABLES_BY_EN[target].columns}


def test_household_categories_are_the_policy_five() -> None:
    assert C.HOUSEHOLD.column("household_category").allowed == (
        "未脱贫户",
        "不享受政策的脱贫户",
        "享受政策的脱贫户",
        "脱贫监测户",
        "边缘户",
    )


def test_clearance_chains_follow_the_policy() -> None:
    assert C.MONITOR_CLEARANCE_STAGES == ("村级填报", "乡镇审查", "市县审核", "省级备案")
    assert C.EDGE_CLEARANCE_STAGES == ("乡镇汇总填报", "县级审核", "省级销号")


@pytest.mark.parametrize(
    ("stem", "expected"),
    [("户信息", "household"), ("户信息_340100", "household"), ("项目库", "project"), ("贫困户", None)],
)
def test_file_names_map_to_tables(stem: str, expected: str | None) -> None:
    t = C.table_for_file(stem)
    assert (t.en if t else None) == expected


def test_contract_doc_is_up_to_date() -> None:
    doc = Path(PROJECT_ROOT / "docs" / "export-contract.md").read_text(encoding="utf-8")
    assert doc == C.render_markdown(), "run `python -m fupin contract` and commit docs/export-contract.md"
