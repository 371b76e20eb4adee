"""总览 — placeholder until issue 3: headline figures for the as-of month, straight from the warehouse."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fupin import queries
from fupin.ui import connection

viewer = st.session_state["viewer"]
month = pd.Timestamp(st.session_state["month"] + "-01").date()

totals = queries.run(connection(), "scope_totals_by_month", viewer)
row = totals[pd.to_datetime(totals["month"]) == pd.Timestamp(month)].iloc[0]

st.title(f"总览 · 截至{month.year}年{month.month}月")
st.caption("演示数据 · 页面建设中：地图、挂牌督战、春季攻势、资金与预警页面将陆续上线。")
c1, c2, c3, c4 = st.columns(4)
c1.metric("剩余贫困人口（人）", f"{int(row.remaining_poor_persons):,}")
c2.metric("脱贫监测户（户）", f"{int(row.monitor_households):,}")
c3.metric("边缘户（户）", f"{int(row.edge_households):,}")
c4.metric("红色预警户（户）", f"{int(row.red_flag_households):,}")
c5, c6, c7, c8 = st.columns(4)
c5.metric("扶贫项目开工率", f"{row.projects_started / row.projects:.1%}" if row.projects else "—")
c6.metric("扶贫车间复工率", f"{row.workshops_restarted / row.workshops:.1%}" if row.workshops else "—")
c7.metric("财政专项扶贫资金支付率", f"{row.special_paid / row.special_allocated:.1%}" if row.special_allocated else "—")
c8.metric("外出务工贫困劳动力（人）", f"{int(row.migrant_workers):,}")
