"""红色预警户: the filter options, the rules with their clauses and where their thresholds come from, the counts and
county breakdown, one page of households (masked unless the viewer may and chose to unmask), the work order, one
household's detail, and the monitoring checks (what the notice demands of the register). No streamlit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go

from fupin.access.privacy import mask_frame
from fupin.access.scope import Viewer
from fupin.core.labels import COLUMNS, FLAG_STATUS, GUARANTEE_ITEMS, md_escape, month_label
from fupin.data.contract import CLEARANCE_STAGES, HOUSEHOLD_CATEGORIES
from fupin.domain.kpi import Tile
from fupin.reports.exports import households_xlsx
from fupin.views import figures
from fupin.views.base import Selection, Table, labelled
from fupin.warehouse import queries

PAGE_SIZE = 50
EXPORT_MAX = 100_000
INCOME_MAX = 40_000  # the slider's top: at the top means no upper bound
# The contract's categories, the two the monitoring is about (脱贫监测户, 边缘户) first, then the rest newest first.
DEFAULT_CATEGORIES = HOUSEHOLD_CATEGORIES[-2:]
CATEGORIES = (*DEFAULT_CATEGORIES, *reversed(HOUSEHOLD_CATEGORIES[:-2]))
STAGES = {"": "全部阶段", **{s: s for s in CLEARANCE_STAGES}}  # choice → label
GUARANTEES = {"": "不限", **{g: g for g in GUARANTEE_ITEMS}}
SORTS = {
    "score": "风险分值（高→低）",
    "open_days": "持续天数（长→短）",
    "income": "预估收入（低→高）",
    "household": "户编号",
}
LIST_COLUMNS = [
    "household_id",
    "county_name",
    "township_name",
    "village_name",
    "head_name",
    "head_id_number",
    "household_category",
    "household_size",
    "income_estimate",
    "rules",
    "score",
    "flag_status",
    "open_days",
    "clearance_stage",
]
SHORT = {"county_name": "县"}
UNMASK_HELP = "仅省级管理员可用；查看详情和导出时记入审计日志"
DETAIL_TABS = (
    "收入与预警",
    "触发规则",
    "部门比对",
    "家庭成员",
    "帮扶措施",
    "走访记录",
    "销号进度",
)  # the list's and the mismatch table's narrow county column


@dataclass(frozen=True)
class Options:
    """What the filter widgets offer: rules, and the county's townships and villages (when a county is chosen)."""

    caption: str
    rules: dict[str, str]  # rule id → name
    rule_choices: dict[str, str]  # '' (all) and rule ids → label
    rules_table: Table  # each rule: clause, severity, threshold and its source (政策规定 / 省定参数)
    open_long_days: int  # "open long" (warning_settings.open_long_days, 省定参数)
    towns: dict[str, str]  # '' (all) and township codes → name (only '' without a county)
    villages: pd.DataFrame  # village_code, village_name, township_code

    def villages_of(self, town: str) -> dict[str, str]:
        """'' (all) and the villages of `town` → name."""
        part = self.villages[self.villages["township_code"] == town] if town else self.villages.iloc[0:0]
        return {"": "全部村", **dict(zip(part["village_code"], part["village_name"], strict=False))}


# The filter widgets' keys, their defaults, and the URL parameter each is kept in (like the sidebar's month and area).
FILTER_DEFAULTS: dict[str, object] = {
    "rf_town": "",
    "rf_village": "",
    "rf_categories": list(DEFAULT_CATEGORIES),
    "rf_rule": "",
    "rf_stage": "",
    "rf_income": (0, INCOME_MAX),
    "rf_guarantee": "",
    "rf_new": False,
    "rf_long": False,
    "rf_red_only": True,
    "rf_sort": "score",
}
URL_KEYS = {
    "rf_town": "town",
    "rf_village": "village",
    "rf_categories": "cat",
    "rf_rule": "rule",
    "rf_stage": "stage",
    "rf_income": "income",
    "rf_guarantee": "guarantee",
    "rf_new": "new",
    "rf_long": "long",
    "rf_red_only": "red",
    "rf_sort": "sort",
}
INCOME_STEP = 500


def _flag(raw: str) -> bool | None:
    return {"1": True, "0": False}.get(raw)


def _income(raw: str) -> tuple[int, int] | None:
    parts = raw.split("-")
    if len(parts) != 2 or not all(p.isdigit() and len(p) <= 6 for p in parts):
        return None
    lo, hi = int(parts[0]), int(parts[1])
    ok = 0 <= lo <= hi <= INCOME_MAX and lo % INCOME_STEP == 0 and hi % INCOME_STEP == 0
    return (lo, hi) if ok else None


def filters_from_query(query: Mapping[str, str], opts: Options) -> dict[str, object]:
    """The filter widgets' values the URL asks for (widget key → value), each checked against what the widget
    offers: anything else in the URL — unknown rules, towns outside the county, hostile text — is ignored."""
    out: dict[str, object] = {}

    def get(key: str) -> str:
        raw = query.get(URL_KEYS[key], "")
        return raw if isinstance(raw, str) and len(raw) <= 200 else ""

    town = get("rf_town")
    if town and town in opts.towns:
        out["rf_town"] = town
        village = get("rf_village")
        if village and village in opts.villages_of(town):
            out["rf_village"] = village
    cats = [c for c in get("rf_categories").split(",") if c]
    if cats and all(c in CATEGORIES for c in cats):
        out["rf_categories"] = list(dict.fromkeys(cats))
    elif get("rf_categories") == "-":  # no category ticked
        out["rf_categories"] = []
    for key, allowed in (
        ("rf_rule", opts.rule_choices),
        ("rf_stage", STAGES),
        ("rf_guarantee", GUARANTEES),
        ("rf_sort", SORTS),
    ):
        if (raw := get(key)) and raw in allowed:
            out[key] = raw
    if income := _income(get("rf_income")):
        out["rf_income"] = income
    for key in ("rf_new", "rf_long", "rf_red_only"):
        if (flag := _flag(get(key))) is not None:
            out[key] = flag
    return out


def filters_to_query(values: Mapping[str, object]) -> dict[str, str]:
    """The URL parameters for the filter widgets' values: only those that differ from the defaults."""
    out: dict[str, str] = {}
    for key, default in FILTER_DEFAULTS.items():
        value = values.get(key, default)
        if key == "rf_categories":
            value, default = list(value or []), list(default)  # type: ignore[call-overload]
        elif key == "rf_income":
            value, default = tuple(value), tuple(default)  # type: ignore[arg-type]
        if value == default:
            continue
        if key == "rf_categories":
            out[URL_KEYS[key]] = ",".join(value) or "-"  # type: ignore[arg-type]
        elif key == "rf_income":
            out[URL_KEYS[key]] = f"{int(value[0])}-{int(value[1])}"  # type: ignore[index]
        elif isinstance(value, bool):
            out[URL_KEYS[key]] = "1" if value else "0"
        else:
            out[URL_KEYS[key]] = str(value)
    return out


def filter_summary(values: Mapping[str, object], opts: Options) -> str:
    """The filters in force in a few words, for the collapsed filter panel's heading."""
    v = {**FILTER_DEFAULTS, **values}
    parts = []
    if v["rf_town"]:
        parts.append(opts.towns.get(str(v["rf_town"]), ""))
        if v["rf_village"]:
            parts.append(opts.villages_of(str(v["rf_town"])).get(str(v["rf_village"]), ""))
    cats = list(v["rf_categories"] or [])  # type: ignore[call-overload]
    parts.append("、".join(cats) if cats else "全部户类别")
    if v["rf_rule"]:
        parts.append(opts.rule_choices.get(str(v["rf_rule"]), ""))
    if v["rf_stage"]:
        parts.append(str(v["rf_stage"]))
    lo, hi = v["rf_income"]  # type: ignore[misc]
    if (lo, hi) != (0, INCOME_MAX):
        parts.append(f"收入{lo:,}–{hi:,}元" if hi < INCOME_MAX else f"收入{lo:,}元以上")
    if v["rf_guarantee"]:
        parts.append(f"两不愁三保障：{v['rf_guarantee']}")
    if v["rf_new"]:
        parts.append("本月新增")
    if v["rf_long"]:
        parts.append(f"持续超过{opts.open_long_days}天")
    parts.append("仅红色预警" if v["rf_red_only"] else "含未标红")
    return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class WarningsView:
    filters: dict[str, object]  # the query parameters (and the audit's record of them)
    tiles: list[Tile]
    total: int
    by_county: Table | None  # None: nothing to break down
    by_county_figure: go.Figure | None
    by_county_label: str
    mismatch: Table
    mismatch_label: str
    pages: int
    sort: str
    export_name: str
    export_title: str
    export_disabled: bool
    export_warning: str | None
    export_filters: dict[str, object]  # what the work order's audit row records
    rules: dict[str, str]  # rule id → name, for the work order
    synthetic: bool  # the work order says 演示数据


@dataclass(frozen=True)
class PageRows:
    """One page of the list (paged and sorted in DuckDB)."""

    caption: str
    household_ids: list[str]  # of the shown rows, in order (a clicked row → its household)
    table: Table
    audit_view: dict[str, object]  # filters + sort + page: what an unmasked page is recorded as


@dataclass(frozen=True)
class DetailView:
    heading: str  # Markdown, data escaped
    caption: str
    income: go.Figure
    hits: Table
    departments: Table  # the household's department comparison hits, every month, with the record's file and line
    members: Table
    measures: Table
    visits: Table
    clearance: Table
    no_measure: str | None = None  # a red-flagged household with no 帮扶措施 on record: said, highlighted

    @property
    def tabs(self) -> list[tuple[str, go.Figure | Table]]:
        """The detail's tabs in order: label → what it shows."""
        shown = (self.income, self.hits, self.departments, self.members, self.measures, self.visits, self.clearance)
        return list(zip(DETAIL_TABS, shown, strict=True))


RULE_COLUMNS = ["rule_id", "rule_name", "clause", "severity", "threshold", "unit", "threshold_source"]


def settings(sel: Selection) -> dict[str, str]:
    """data/reference/warning_settings.csv as key → value."""
    df = sel.q("warning_settings")
    return dict(zip(df["key"], df["value"], strict=True))


def options(sel: Selection) -> Options:
    rules = sel.q("warning_rules")
    places = sel.q("area_places", county=sel.county) if sel.county else pd.DataFrame(columns=["township_code"])
    names = dict(zip(rules["rule_id"], rules["name"], strict=True))
    shown = rules.rename(columns={"name": "rule_name"}).fillna({"threshold": "", "unit": "", "threshold_source": ""})
    shown["threshold_source"] = shown["threshold_source"].replace("", "（无阈值）")
    return Options(
        caption=("演示数据（合成）。" if sel.batch.synthetic else "")
        + "红色标注由预警规则判定（规则、所依据的条款和阈值见页面下方“预警规则”；阈值注明政策规定或省定参数）；"
        "部门比对产生“风险”的命中（D 开头，规则见部门比对页）同样计入分值；"
        "姓名、证件号码、电话默认脱敏。",
        rules=names,
        rule_choices={"": "全部规则", **{r: f"{r} {n}" for r, n in names.items()}},
        rules_table=Table(labelled(shown, {c: COLUMNS[c] for c in RULE_COLUMNS})),
        open_long_days=int(settings(sel)["open_long_days"]),
        towns={"": "全部乡镇", **dict(zip(places["township_code"], places.get("township_name", []), strict=False))},
        villages=places.reindex(columns=["village_code", "village_name", "township_code"]),
    )


def households_table(df: pd.DataFrame, rules: dict[str, str], *, unmask: bool) -> Table:
    """The list as shown and exported: masked unless `unmask`, rule names, the flag status in Chinese."""
    shown = mask_frame(df, unmask=unmask) if len(df) else df.astype(object)  # masking an empty list fails in arrow
    shown = shown.assign(
        income_estimate=shown["income_estimate"].astype(float),
        rules=shown["rules"].map(lambda rs: "、".join(rules.get(r, r) for r in rs)),
        flag_status=shown["flag_status"].map(FLAG_STATUS).fillna(""),
    )
    labels = {c: SHORT.get(c) or COLUMNS[c] for c in LIST_COLUMNS}
    return Table(labelled(shown, labels), formats={COLUMNS["income_estimate"]: "%d"})


def red_flag_filters(
    month: object,
    area_prefix: str,
    *,
    red_only: bool = True,
    categories: list[str] | tuple[str, ...] = DEFAULT_CATEGORIES,
    rule: str = "",
    stage: str = "",
    income: tuple[float, float] = (0, INCOME_MAX),
    guarantee: str = "",
    only_new: bool = False,
    open_long: bool = False,
    open_long_days: int = 0,
) -> dict[str, object]:
    """The page's filter choices as the parameters of the warehouse macro red_flag_filtered, which both
    red_flag_by_county and red_flag_households bind (an income range at the slider's top has no upper bound)."""
    return {
        "month": month,
        "area_prefix": area_prefix,
        "red_only": red_only,
        "categories": list(categories),
        "rule": rule,
        "stage": stage,
        "income_min": float(income[0]),
        "income_max": float(income[1]) if income[1] < INCOME_MAX else 1e12,
        "guarantee": guarantee,
        "only_new": only_new,
        "open_over": open_long_days if open_long else 0,  # warning_settings.open_long_days (Options)
    }


def view(
    sel: Selection,
    opts: Options,
    *,
    town: str = "",
    village: str = "",
    sort: str = "score",
    **choices: Any,
) -> WarningsView:
    """The list for the page's filters: `choices` are red_flag_filters' keywords (red_only, categories, rule,
    stage, income, guarantee, only_new, open_long); town and village narrow a county's list."""
    area_prefix = (village or town or sel.county) if sel.county else sel.area_prefix
    filters = red_flag_filters(sel.month_date, area_prefix, open_long_days=opts.open_long_days, **choices)
    by_county = sel.q("red_flag_by_county", **filters)
    total = int(by_county["households"].sum())
    mismatch = sel.q("category_mismatches", area_prefix=area_prefix)
    breakdown = total > 0 and len(by_county) > 1
    county_cols = ["county_name", "city_name", "households", "new_this_month", "open_long"]
    mismatch_cols = ["household_id", "county_name", "exported", "expected", "income", "reason"]
    return WarningsView(
        filters=filters,
        tiles=[
            Tile("红色预警户" if filters["red_only"] else "符合条件的户", f"{total:,}户", None, "off"),
            Tile("本月新增", f"{int(by_county['new_this_month'].sum()):,}户", None, "off"),
            Tile(f"持续超过{opts.open_long_days}天", f"{int(by_county['open_long'].sum()):,}户", None, "off"),
            Tile("涉及县（市、区）", f"{len(by_county)}个", None, "off"),
        ],
        total=total,
        by_county=Table(
            labelled(by_county, {c: COLUMNS[c] for c in county_cols} | {"open_long": f"超{opts.open_long_days}天"})
        )
        if breakdown
        else None,
        by_county_figure=figures.households_by_county_bar(by_county) if breakdown else None,
        by_county_label=f"按县分布（{len(by_county)}个县）",
        mismatch=Table(labelled(mismatch, {c: SHORT.get(c) or COLUMNS[c] for c in mismatch_cols})),
        mismatch_label=f"数据质量：{len(mismatch):,}户的户类别与政策标准不一致（按规则重算，未改动导出数据）",
        pages=max(1, -(-total // PAGE_SIZE)),
        sort=sort,
        export_filters=filters | {"sort": sort},
        rules=opts.rules,
        synthetic=sel.batch.synthetic,
        export_name=f"红色预警户_{sel.month}.xlsx",
        export_title=f"红色预警户工作单 · {sel.area_name} · {month_label(sel.month)}",
        export_disabled=total > EXPORT_MAX,
        export_warning=f"符合条件的户超过 {EXPORT_MAX:,} 户，请缩小筛选范围后再导出。" if total > EXPORT_MAX else None,
    )


def page_rows(sel: Selection, v: WarningsView, opts: Options, page: int = 1, *, unmask: bool = False) -> PageRows:
    page = min(max(int(page), 1), v.pages)
    rows = sel.q("red_flag_households", **v.filters, sort=v.sort, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return PageRows(
        caption=f"第 {page} / {v.pages} 页，每页 {PAGE_SIZE} 户；点击一行查看详情。",
        household_ids=list(rows["household_id"]),
        table=households_table(rows, opts.rules, unmask=unmask),
        audit_view={**v.filters, "sort": v.sort, "page": page},
    )


def work_order(con: duckdb.DuckDBPyConnection, viewer: Viewer, v: WarningsView, *, unmask: bool) -> tuple[bytes, int]:
    """The whole filtered list as the XLSX work order: called when the button is clicked, uncached."""
    everything = queries.run(con, "red_flag_households", viewer, **v.filters, sort=v.sort, limit=EXPORT_MAX, offset=0)
    table = households_table(everything, v.rules, unmask=unmask)
    book = households_xlsx(table.frame, title=v.export_title, synthetic=v.synthetic, sheet_name="红色预警户工作单")
    return book, len(everything)


def _txt(v: object) -> str:
    """A data value for Markdown text, escaped (masked values carry '*'; names may carry anything)."""
    return "—" if v is None or (not isinstance(v, str) and pd.isna(v)) or v == "" else md_escape(v)


def monitor_line(sel: Selection) -> float:
    """The 监测线 in force (data/reference/warning_settings.csv, key monitor_line)."""
    settings = sel.q("warning_settings").set_index("key")["value"]
    return float(settings["monitor_line"])


def detail(sel: Selection, household_id: str, *, unmask: bool) -> DetailView | None:
    """One household: None when it is outside the viewer's scope."""
    profile = sel.q("household_profile", household_id=household_id)
    if profile.empty:
        return None
    p = mask_frame(profile, unmask=unmask).iloc[0]
    months = sel.q("household_months", household_id=household_id)

    def table(name: str, cols: list[str], *, masked: bool = False) -> Table:
        df = sel.q(name, household_id=household_id)
        shown = mask_frame(df, unmask=unmask) if masked and len(df) else df  # the masks expect rows
        return Table(labelled(shown, {c: COLUMNS[c] for c in cols}))

    member_cols = ["name", "id_number", "relation", "sex", "birth_date", "labour_ability", "health", "schooling"]
    measures = table("household_measures", ["measure_date", "measure_type", "amount", "fund_source", "project_id"])
    now = months[months["month"].astype(str).str[:7] == sel.month]
    red = bool(len(now)) and bool(now.iloc[-1]["red_flag"])
    no_measure = (
        "红色预警户，尚无任何帮扶措施记录：请限期落实帮扶、消除风险点。" if red and measures.frame.empty else None
    )
    return DetailView(
        heading=f"{_txt(p.head_name)} 户 · {_txt(f'{p.city_name}{p.county_name}{p.township_name}{p.village_name}')}",
        caption=f"户编号 {household_id} · 证件号码 {_txt(p.head_id_number)} · {p.household_category} · "
        f"{p.household_size}人 · 脱贫年度 {_txt(p.exit_year)} · 联系人 {_txt(p.contact_name)} {_txt(p.contact_phone)}",
        income=figures.income_history(months, line=monitor_line(sel)),
        hits=table("household_rule_hits", ["month", "rule_id", "rule_name", "severity", "evidence", "clause"]),
        departments=table(
            "household_department_hits",
            ["month", "rule_id", "rule_name", "department", "produces", "severity", "name", "evidence", "source"],
            masked=True,
        ),
        members=table("household_members", [*member_cols, "migrant_status", "work_place"], masked=True),
        measures=measures,
        visits=table("household_visits", ["visit_date", "method", "visitor_name", "notes"], masked=True),
        clearance=Table(figures.clearance_timeline(months)),
        no_measure=no_measure,
    )


# ------------------------------------------------------------------------------------------ monitoring checks


@dataclass(frozen=True)
class ChecksView:
    """What the notice demands of the register, checked at ingest (data/reference/monitoring_checks.csv), in the
    selected month: per check its clause and count, per county, and the findings of one check (户编号 only)."""

    label: str
    checks: Table  # check, name, clause, findings in the area
    counts: dict[str, int]  # check id → findings in the area this month
    names: dict[str, str]  # check id → name, for the picker
    by_county: Table  # the picked check (or all) per county
    findings: Table  # the picked check's (or every) finding


def checks(sel: Selection, *, check: str = "") -> ChecksView:
    area = sel.area_prefix
    per_county = sel.q("monitoring_checks_by_county", month=sel.month_date, area_prefix=area)
    summary = per_county.groupby(["check_id", "check_name", "clause"], as_index=False)["findings"].sum()
    counts = dict(zip(summary["check_id"], summary["findings"].astype(int), strict=True))
    picked = per_county[per_county["county_code"].notna()]
    if check:
        picked = picked[picked["check_id"] == check]
    county = picked.groupby(["county_name", "city_name"], as_index=False)["findings"].sum()
    county = county.sort_values(["findings", "county_name"], ascending=[False, True])
    rows = sel.q("monitoring_findings", month=sel.month_date, area_prefix=area, check_id=check)
    total = sum(counts.values())
    return ChecksView(
        label=f"政策要求核查：{month_label(sel.month)} {total:,}条"
        "（销号、帮扶责任人、联系人、帮扶措施、临时救助、财政补助）",
        checks=Table(labelled(summary, {c: COLUMNS[c] for c in ("check_id", "check_name", "clause", "findings")})),
        counts=counts,
        names=dict(zip(summary["check_id"], summary["check_name"], strict=True)),
        by_county=Table(labelled(county, {c: COLUMNS[c] for c in ("county_name", "city_name", "findings")})),
        findings=Table(
            labelled(
                rows, {c: SHORT.get(c) or COLUMNS[c] for c in ("check_id", "household_id", "county_name", "detail")}
            )
        ),
    )
