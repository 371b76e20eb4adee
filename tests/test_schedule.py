"""The behind-schedule rule of 挂牌督战, with hand-made counties."""

import pytest

from fupin.domain.schedule import assess, months_between

MONTHS = ["2020-01", "2020-02", "2020-03", "2020-04", "2020-05", "2020-06"]


def test_months_between() -> None:
    assert months_between("2020-06", "2020-12") == 6 and months_between("2019-12", "2020-01") == 1


def test_lagging_county_is_flagged_with_its_reason() -> None:
    # 1,000 poor in March, 940 in June: 20 a month, 6 months left → about 820 remain in December.
    a = assess(list(zip(MONTHS, [1100, 1050, 1000, 980, 960, 940], strict=True)))
    assert a.behind and a.pace_per_month == pytest.approx(20) and a.projected_at_target == pytest.approx(820)
    assert "近3个月平均每月减少20.0人" in a.reason and "仍余约820人" in a.reason


def test_on_track_county_is_not_flagged() -> None:
    # 600 → 300 over three months: 100 a month, 3 more months to zero, well before December.
    a = assess(list(zip(MONTHS, [700, 650, 600, 500, 400, 300], strict=True)))
    assert not a.behind and a.months_to_zero == pytest.approx(3) and "3.0个月后清零" in a.reason


def test_exactly_on_the_line_is_on_track() -> None:
    # 60 a month and 360 left with 6 months to go: zero exactly in December.
    a = assess(list(zip(MONTHS, [600, 560, 540, 480, 420, 360], strict=True)))
    assert not a.behind and a.projected_at_target == 0


def test_stalled_and_cleared() -> None:
    stalled = assess([("2020-04", 50), ("2020-05", 50), ("2020-06", 50)])
    assert stalled.behind and "未减少" in stalled.reason
    cleared = assess([("2020-05", 3), ("2020-06", 0)])
    assert not cleared.behind and cleared.reason == "已清零"


def test_risk_orders_the_furthest_behind_first() -> None:
    far = assess([("2020-03", 1000), ("2020-06", 990)])
    near = assess([("2020-03", 100), ("2020-06", 70)])
    fine = assess([("2020-03", 100), ("2020-06", 10)])
    assert sorted([fine, near, far], key=lambda a: -a.risk) == [far, near, fine]


def test_lagging_counties_are_marked() -> None:
    import pandas as pd

    from fupin.core.reference import REFERENCE_DIR
    from fupin.domain.progress import SlowRule, area_rates, rank_counties, rules_by_measure

    rules = rules_by_measure(pd.read_csv(REFERENCE_DIR / "bulletin_rules.csv"))  # the 省定参数, as the pages read it

    df = pd.DataFrame(
        {
            "county_code": ["1", "2", "3"],
            "county_name": ["甲县", "乙县", "丙县"],
            "city_name": ["市"] * 3,
            "projects": [100, 100, 100],
            "projects_started": [90, 85, 50],
            "workshops": [10, 10, 10],
            "workshops_restarted": [10, 9, 9],
            "migrant_workers": [95, 90, 60],
            "migrant_workers_last_year": [100, 100, 100],
            "public_posts_created": [10, 10, 10],
            "public_posts_filled": [10, 10, 10],
        }
    )
    assert area_rates(df)["project_start_rate"] == pytest.approx(0.75)
    ranked = rank_counties(df, rules).set_index("county_name")
    assert ranked.loc["丙县", "lagging"] == "项目开工率、外出务工为上年同期"  # 50 % < 75 % − 10 pp
    assert ranked.loc["乙县", "lagging"] == "" and ranked.loc["甲县", "project_start_rate_rank"] == 1
    stricter = rules | {"project_start_rate": SlowRule("gap_below_area", 0.5)}  # the threshold comes from the rules
    assert rank_counties(df, stricter).set_index("county_name").loc["丙县", "lagging"] == "外出务工为上年同期"
    bigger_base = rules | {"project_start_rate": SlowRule("gap_below_area", 0.1, min_base=101)}  # 100 projects each
    assert rank_counties(df, bigger_base).set_index("county_name").loc["丙县", "lagging"] == "外出务工为上年同期"
