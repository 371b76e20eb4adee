"""皖扶看板. Data flows down this list; a package imports only those above it.

- core       reference data, labels, months, boundaries
- access     keys, store, accounts and sign-in, scope, masking, audit
- warehouse  the read-only DuckDB warehouse, named queries, build SQL
- work       the 督办 loop: findings → work items in the store, states, deadlines, sync
- data       export contract, readers, validation, ingest, generator, import staging
- domain     policy rules computed in Python
- reports    workbooks, bulletins, safe download writers
- views      what each page shows (no streamlit)
- ui         streamlit glue (connection, sign-in, selection, rendering)

app.py (router) and app_pages/ (layout) sit on top; tools/ (benchmarks, load test) is outside the product.
"""
