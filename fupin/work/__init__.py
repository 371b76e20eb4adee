"""The work loop (督办事项): findings of the warehouse handed to counties with deadlines, their responses,
reviews and closure, in the transactional store (fupin/access/store.py).

- rules: what raises an item and its deadlines (data/reference/work_item_rules.csv, work_settings.csv)
- items: the states, who may move an item where, transitions with an optimistic version check, reads
- sync: the warehouse's `work_finding` rows → items (one per finding; recurrence re-opens, absence marks)
- demo: a synthetic history for a synthetic batch (varied counties), so the loop has a past to show

May import fupin.core, fupin.access and fupin.warehouse (the warehouse is read through a DuckDB connection);
no streamlit.
"""
