"""Policy rules computed in Python (KPI tiles, progress and lag, schedules, scenarios).
May import fupin.core, fupin.access and fupin.warehouse."""
