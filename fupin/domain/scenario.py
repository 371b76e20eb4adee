"""情景推演 parameters: defaults from the reference data, and a lossless round trip through the URL
so that a link reproduces a scenario. Pure functions; the page only reads and writes query params."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

import pandas as pd

DEEP_AREAS = ("大别山革命老区", "皖北地区", "沿淮行蓄洪区")


@dataclass(frozen=True)
class ScenarioParams:
    # rules and the line (defaults: data/reference/warning_rules.csv, warning_settings.csv)
    line: float = 5000.0
    t02: float = 0.3
    t09: float = 0.2
    min_score: int = 3
    # department comparison thresholds (defaults: data/reference/department_rules.csv, 省定参数)
    d01: float = 5000.0  # D01 医保 self-paid after reimbursement, registered people (元)
    d02: float = 20000.0  # D02 the same for other rural people: new-identification candidates (元)
    d05: float = 10000.0  # D05 教育 non-compulsory self-paid (元)
    # income shock
    migrant_cut: float = 0.0
    migrant_months: int = 0
    farm_loss: float = 0.0
    areas: tuple[str, ...] = ()  # county codes and/or deep-poverty area names; empty = everywhere
    # allocation formula weights
    w_poor: float = 0.5
    w_epidemic: float = 0.3
    w_deep: float = 0.1
    w_supervised: float = 0.1


# The lowest D02 (医保 self-paid of people outside the register, 元) a scenario accepts: D01's reference threshold
# for registered people (department_rules.csv). A 新识别候选 rule that took people outside the register at a lower
# bill than the registered would turn most of the rural sick into candidates (June at province scale: 847 k people
# from 1,000 yuan, 265 k from 5,000, 22 k at the reference 20,000). The warehouse keeps the latest month's records of
# people outside the register from this amount up (dept_keep_floor in dept_match.sql says the same number;
# tests/test_departments.py holds the two equal): lower, the scenario would miss records.
DEPT_D02_MIN = 5000

URL_KEYS = {f.name: f"s_{f.name}" for f in fields(ScenarioParams)}
_BOUNDS: dict[str, tuple[float, float]] = {
    "line": (1000, 20000),
    "t02": (0.05, 0.9),
    "t09": (0.05, 0.9),
    "min_score": (1, 9),
    "d01": (500, 100000),
    "d02": (DEPT_D02_MIN, 200000),
    "d05": (500, 100000),
    "migrant_cut": (0, 1),
    "migrant_months": (0, 12),
    "farm_loss": (0, 1),
    "w_poor": (0, 1),
    "w_epidemic": (0, 1),
    "w_deep": (0, 1),
    "w_supervised": (0, 1),
}


def baseline(rules: pd.DataFrame, settings: pd.DataFrame, dept: pd.DataFrame | None = None) -> ScenarioParams:
    """The reference thresholds: with these the scenario equals the stored numbers. `dept`: the one row of
    queries/dept_thresholds.sql (d01, d02, d05); without it the department thresholds keep the class defaults."""
    t = dict(zip(rules["rule_id"], pd.to_numeric(rules["threshold"], errors="coerce"), strict=True))
    s = dict(zip(settings["key"], settings["value"], strict=True))
    d = {} if dept is None or dept.empty else {k: float(v) for k, v in dept.iloc[0].items() if pd.notna(v)}
    return ScenarioParams(
        line=float(t["R01"]),
        t02=float(t["R02"]),
        t09=float(t["R09"]),
        min_score=int(s["red_flag_min_score"]),
        **{k: d[k] for k in ("d01", "d02", "d05") if k in d},
    )


def from_query(query: dict[str, str], base: ScenarioParams) -> ScenarioParams:
    """Parameters from URL query values; anything missing or malformed keeps the baseline value."""
    values = asdict(base)
    for name, key in URL_KEYS.items():
        raw = query.get(key)
        if raw is None or raw == "":
            continue
        if name == "areas":
            values[name] = tuple(a for a in raw.split(",") if a)
            continue
        try:
            v = int(raw) if name in ("min_score", "migrant_months") else float(raw)
        except ValueError:
            continue
        lo, hi = _BOUNDS[name]
        values[name] = min(max(v, type(v)(lo)), type(v)(hi))
    return ScenarioParams(**values)


def to_query(params: ScenarioParams, base: ScenarioParams) -> dict[str, str]:
    """Only what differs from the baseline goes into the URL."""
    out = {}
    for name, key in URL_KEYS.items():
        v, b = getattr(params, name), getattr(base, name)
        if v != b:
            out[key] = ",".join(v) if name == "areas" else (str(v) if isinstance(v, int) else f"{v:g}")
    return out


def shock_counties(params: ScenarioParams, deep_areas: pd.DataFrame) -> list[str]:
    """County codes the income shock applies to: chosen counties plus every county of chosen areas."""
    codes = {a for a in params.areas if a.isdigit()}
    named = {a for a in params.areas if a in DEEP_AREAS}
    codes |= set(deep_areas.loc[deep_areas["area"].isin(named), "county_code"])
    return sorted(codes)


__all__ = [
    "DEEP_AREAS",
    "URL_KEYS",
    "ScenarioParams",
    "baseline",
    "from_query",
    "replace",
    "shock_counties",
    "to_query",
]
