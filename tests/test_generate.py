"""Calibration of the synthetic exports, proportional at tiny scale (0.2% of the province)."""

import hashlib
import itertools
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from fupin.core.reference import load_reference
from fupin.data.generate import MONTHS, REMAINING_POOR_PERSONS, SCALES, TOTAL_HOUSEHOLDS, generate
from fupin.data.idcard import is_valid

SCALE = SCALES["tiny"]


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_deterministic_for_a_seed(tiny_exports: Path, tmp_path: Path) -> None:
    generate(scale="tiny", seed=7, out=tmp_path / "again")
    assert _digest(tmp_path / "again") == _digest(tiny_exports)
    generate(scale="tiny", seed=8, out=tmp_path / "other")
    assert _digest(tmp_path / "other") != _digest(tiny_exports)


def test_month_folders_and_formats(tiny_exports: Path) -> None:
    assert sorted(p.name for p in tiny_exports.iterdir() if p.is_dir()) == list(MONTHS)
    report = json.loads(Path(str(tiny_exports).replace("tiny", "tiny")).joinpath("_manifest.json").read_text())
    assert report["synthetic"] is True
    heads = [p.read_bytes()[:3] for p in tiny_exports.rglob("*.csv")]
    assert any(h == b"\xef\xbb\xbf" for h in heads), "some CSV in UTF-8 with BOM"
    gb = [p for p in tiny_exports.rglob("*.csv") if _is_gb18030(p)]
    assert gb, "some CSV in GB18030"
    assert gb[0].read_bytes().decode("gb18030").startswith("2020年"), "GB18030 exports carry a title row"
    assert list(tiny_exports.rglob("项目库.xlsx")), "some tables as XLSX"


def _is_gb18030(p: Path) -> bool:
    try:
        p.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def test_households_and_people(con: duckdb.DuckDBPyConnection) -> None:
    n, persons = con.execute(
        "select count(*), sum(household_size) from household_month where month = date '2020-01-01'"
    ).fetchone()
    assert n == pytest.approx(TOTAL_HOUSEHOLDS * SCALE, rel=0.05)
    assert persons / n == pytest.approx(4.8 / 1.9, rel=0.04)
    assert con.execute("select count(distinct left(village_code, 6)) from stg_household").fetchone()[0] == 104


def test_remaining_poor_calibrated_concentrated_and_falling(con: duckdb.DuckDBPyConnection) -> None:
    by_month = con.execute(
        "select month, sum(remaining_poor_persons) from summary_county_month group by 1 order by 1"
    ).fetchall()
    jan = by_month[0][1]
    assert jan == pytest.approx(REMAINING_POOR_PERSONS * SCALE, rel=0.15)
    values = [v for _, v in by_month]
    assert all(a >= b for a, b in itertools.pairwise(values)) and values[-1] < values[0]
    ref = load_reference()
    late = set(ref.poverty_counties.loc[ref.poverty_counties["exit_date"].str.startswith("2020"), "county_code"])
    deep = late | set(ref.deep_poverty_areas["county_code"])
    share = con.execute(
        "select sum(remaining_poor_persons) filter (where list_contains($c, county_code)) / "
        "sum(remaining_poor_persons) "
        "from summary_county_month where month = date '2020-01-01'",
        {"c": sorted(deep)},
    ).fetchone()[0]
    assert share > 0.8


def test_monitored_share(con: duckdb.DuckDBPyConnection) -> None:
    registered, monitor = con.execute(
        "select count(*) filter (where household_category <> '边缘户'), count(*) filter (where household_category "
        "= '脱贫监测户') "
        "from household_month where month = date '2020-01-01'"
    ).fetchone()
    assert 0.035 <= monitor / registered <= 0.065


def test_project_and_workshop_restart_calibration(con: duckdb.DuckDBPyConnection) -> None:
    p = con.execute("select * from stg_project where month = date '2020-06-01'").df()
    started = pd.to_datetime(p["actual_start_date"])
    assert (started <= "2020-03-10").mean() == pytest.approx(1 / 3, abs=0.08)
    assert (started < "2020-04-01").mean() > 0.6
    e = con.execute(
        "select * from stg_enterprise where month = date '2020-06-01' and enterprise_type = '扶贫车间'"
    ).df()
    assert (pd.to_datetime(e["restart_date"]) < "2020-04-01").mean() > 0.9


def test_ids_are_valid_and_carry_the_region(con: duckdb.DuckDBPyConnection) -> None:
    m = con.execute("select id_number, household_id from stg_member").df()
    assert m["id_number"].map(is_valid).all()
    assert (m["id_number"].str[:6] == m["household_id"].str[:6]).all()
    assert m["id_number"].is_unique


def test_pairing_has_a_few_violations(con: duckdb.DuckDBPyConnection) -> None:
    below, late = con.execute(
        "select count(*) filter (where amount_this_year < amount_last_year), "
        "count(*) filter (where arranged_date is null or arranged_date > date '2020-03-31') "
        "from stg_pairing where month = date '2020-06-01'"
    ).fetchone()
    assert below == 3 and late == 3
