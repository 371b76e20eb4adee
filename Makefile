# 皖扶看板 task runner. `make` runs lint and tests (what CI runs).
PY ?= python
PORT ?= 8501

.PHONY: all install install-dev lint format test ci run demo bench contract reference clean

all: lint test

install:
	$(PY) -m pip install -r requirements.txt

install-dev:
	$(PY) -m pip install -r requirements-dev.txt

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format:
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test:  ## the tests as CI runs them: two xdist workers
	$(PY) -m pytest -q -n 3 --dist loadgroup

ci:  ## exactly what CI runs (apt chromium if missing, pip, lint, tests)
	bash .ci/run

run:
	$(PY) -m streamlit run serve.py --server.port $(PORT)

demo:  ## rebuild the demo exports and warehouse from scratch
	rm -rf data/exports/demo data/warehouse.duckdb
	$(PY) -m fupin generate --scale demo --seed 2020 --out data/exports/demo
	$(PY) -m fupin ingest data/exports/demo --db data/warehouse.duckdb --report data/exports/demo-ingest.json
	$(PY) -m fupin work sync --db data/warehouse.duckdb

bench:  ## province scale: generate + ingest, wall time and peak RSS (not part of CI; ~4 min, ~2 GB disk)
	$(PY) -m tools bench ingest --scale province --workdir bench/out
	$(PY) -m tools bench pages --db bench/out/warehouse-province.duckdb
	$(PY) -m tools bench warnings --db bench/out/warehouse-province.duckdb
	$(PY) -m tools bench scenarios --db bench/out/warehouse-province.duckdb

contract:
	$(PY) -m fupin contract

reference:
	$(PY) -m fupin reference

clean:
	rm -rf bench/out .pytest_cache .ruff_cache
