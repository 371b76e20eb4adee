#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the store tests (CI and developers): Debian's postgresql
# binaries, a fresh cluster in $1 (default /tmp/fupin-pg), trust auth on 127.0.0.1 (PGPORT, or a free port).
# Prints the SQLAlchemy URL to use as FUPIN_TEST_PG_URL. Stop: pg_ctl -D <dir> stop.
set -euo pipefail
DIR=${1:-/tmp/fupin-pg}
if [ -f "$DIR/port" ]; then PORT=$(cat "$DIR/port"); else
    PORT=${PGPORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
RUN=()
if [ "$(id -u)" = 0 ]; then RUN=(runuser -u postgres --); fi  # initdb refuses to run as root
if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR" && { [ "$(id -u)" != 0 ] || chown postgres "$DIR"; }
    "${RUN[@]}" "$BIN/initdb" -D "$DIR" -A trust -U fupin -E UTF8 --locale=C.UTF-8 >/dev/null
fi
if ! "${RUN[@]}" "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
    "${RUN[@]}" "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null
    echo "$PORT" > "$DIR/port"
fi
"${RUN[@]}" "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U fupin -d postgres -tAc \
    "select 1 from pg_database where datname = 'fupin_test'" | grep -q 1 \
    || "${RUN[@]}" "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U fupin fupin_test
echo "postgresql+psycopg://fupin@127.0.0.1:$PORT/fupin_test"
