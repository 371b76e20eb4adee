"""挂牌督战 — the supervised counties and villages (list from data/reference/supervision_list.csv):
remaining poor at the start of the year vs now, the trend, projects, funds, red flags, and whether
the current pace reaches zero by the year-end target. The 7 county cards fit one 16:9 screen."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fupin.core.labels import fmt_money_wan, month_label
from fupin.domain.schedule import TARGET_MONTH, Assessment, assess
from fupin.ui import Selection, page_selection, plotly
from fupin.views import figures

sel: Selection = page_selection()
counties = sel.q("supervised_counties_by_month", month=sel.month_date)
villages = sel.q("supervised_villages_by_month", month=sel.month_date)
for df in (counties, villages):
    df["m"] = pd.to_datetime(df["month"]).dt.strftime("%Y-%m")

target_cn = month_label(TARGET_MONTH)
st.title(f"挂牌督战 · {month_label(sel.month)}" + ("（演示数据）" if sel.batch.synthetic and sel.present else ""))
if not sel.present:
    st.caption(
        ("演示数据（合成）。" if sel.batch.synthetic else "")
        + f"名单来自 data/reference/supervision_list.csv；进度判断：按近3个月平均减少速度推算到{target_cn}是否清零。"
    )
if counties.empty:
    st.info("当前范围内没有挂牌督战县。", icon=":material/info:")
    st.stop()


def assessments(df: pd.DataFrame, key: str) -> dict[str, Assessment]:
    return {
        code: assess(list(zip(g["m"], g["remaining_poor_persons"].astype(float), strict=True)))
        for code, g in df.sort_values("m").groupby(key)
    }


county_assess = assessments(counties, "county_code")
now = counties[counties["m"] == sel.month].set_index("county_code")
start = counties[counties["m"] == counties["m"].min()].set_index("county_code")
order = sorted(now.index, key=lambda c: -county_assess[c].risk)
behind = [c for c in order if county_assess[c].behind]

c1, c2, c3, c4 = st.columns(4)
c1.metric(
    "挂牌督战县剩余贫困人口",
    f"{int(now['remaining_poor_persons'].sum()):,}人",
    f"年初 {int(start['remaining_poor_persons'].sum()):,}人",
    delta_color="off",
)
c2.metric("进度滞后的县", f"{len(behind)} / {len(order)}个")
c3.metric("已清零的县", f"{int((now['remaining_poor_persons'] == 0).sum())}个")
v_now = villages[villages["m"] == sel.month]
c4.metric(
    "挂牌督战村剩余贫困人口",
    f"{int(v_now['remaining_poor_persons'].sum()):,}人",
    f"{int((v_now['remaining_poor_persons'] == 0).sum())}/{len(v_now)}村已清零",
    delta_color="off",
)


def card(code: str) -> None:
    r, a, s = now.loc[code], county_assess[code], start.loc[code]
    trend = counties[counties["county_code"] == code]
    with st.container(border=True):
        status = (
            ":red-badge[进度滞后]"
            if a.behind
            else (":green-badge[已清零]" if a.remaining == 0 else ":green-badge[按期]")
        )
        st.markdown(f"**{r.county_name}**　{status}")
        done = 1 - (r.remaining_poor_persons / s.remaining_poor_persons) if s.remaining_poor_persons else 1.0
        st.metric(
            "剩余贫困人口",
            f"{int(r.remaining_poor_persons):,}人",
            f"年初 {int(s.remaining_poor_persons):,}人",
            delta_color="off",
        )
        st.progress(min(max(done, 0.0), 1.0), text=f"已减少 {done:.0%}")
        plotly(
            figures.sparkline(trend, "remaining_poor_persons", height=90 if not sel.present else 110),
            key=f"spark_{code}",
            own_fonts=True,
        )
        paid = r.special_paid / r.special_allocated if r.special_allocated else None
        if sel.present:
            st.caption(
                f"开工 {int(r.projects_started)}/{int(r.projects)} · 支付 {'—' if paid is None else f'{paid:.0%}'}"
                f" · 预警 {int(r.red_flag_households)}户"
            )
        else:
            st.caption(
                f"项目开工 {int(r.projects_started)}/{int(r.projects)} · 资金支付 "
                f"{'—' if paid is None else f'{paid:.0%}'}"
                f"（{fmt_money_wan(r.special_paid)}） · 红色预警 {int(r.red_flag_households)}户"
            )
        st.caption(a.reason)
        if not sel.present:
            q = f"?month={sel.month}&county={code}"
            st.markdown(
                f"[地图]({'/map' + q}) · [资金]({'/funds' + q}) · [红色预警户]({'/warnings' + q}) · [总览]({'/' + q})"
            )


per_row = max(len(order), 1) if sel.present else 4  # meeting mode: all counties in one row of one screen
for i in range(0, len(order), per_row):
    cols = st.columns(per_row)
    for col, code in zip(cols, order[i : i + per_row], strict=False):
        with col:
            card(code)

if sel.present:
    st.stop()  # the village list is for the desk, not the projected screen
st.subheader("挂牌督战村")
village_assess = assessments(villages, "village_code")
vs = v_now.assign(
    start=villages[villages["m"] == villages["m"].min()]
    .set_index("village_code")
    .loc[v_now["village_code"], "remaining_poor_persons"]
    .to_numpy(),
    behind=[village_assess[v].behind for v in v_now["village_code"]],
    reason=[village_assess[v].reason for v in v_now["village_code"]],
    risk=[village_assess[v].risk for v in v_now["village_code"]],
).sort_values("risk", ascending=False)
st.dataframe(
    pd.DataFrame(
        {
            "县": vs["county_name"],
            "乡镇": vs["township_name"],
            "村": vs["village_name"],
            "年初剩余（人）": vs["start"].astype(int),
            "当前剩余（人）": vs["remaining_poor_persons"].astype(int),
            "进度": ["进度滞后" if b else "按期" for b in vs["behind"]],
            "项目开工": [f"{int(a)}/{int(b)}" for a, b in zip(vs["projects_started"], vs["projects"], strict=True)],
            "资金支付（万元）": vs["paid"].astype(float).round(1),
            "红色预警户": vs["red_flag_households"].astype(int),
            "判断依据": vs["reason"],
        }
    ),
    hide_index=True,
    width="stretch",
)
