"""Data in: the export contract, reading files (CSV / XLSX, encodings, caps), validation and quarantine,
ingest into a new warehouse, the synthetic generator and its provenance, the 数据导入 staging, the demo
first start. May import fupin.core, fupin.access, fupin.warehouse and fupin.work."""
