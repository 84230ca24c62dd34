# Sourced by bin/test and bench/run: installs (as root, with apt) and starts a real Redis and a
# real PostgreSQL on free loopback ports in a temporary folder, exports REDIS_URL and
# DATABASE_URL, and stops and removes them when the calling script exits.
# Needs: REQUIRE (1 = a missing service is an error), say(), and the working directory at the
# project root.
# shellcheck shell=bash

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# --- Debian packages ------------------------------------------------------------------------
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-sentinel >/dev/null || missing+=(redis-sentinel)   # tests/browser/test_redis_sentinel.py
[ -n "$(pg_bin)" ] || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/nginx ] || missing+=(nginx)   # tests/browser/test_nginx.py (docs/deploy.md)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)   # tickets/tests/test_mail.py: fetch_mail over IMAP
[ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)   # UCHAT_TEST_PGBOUNCER=1: database tests through it
command -v npm >/dev/null || missing+=(npm)   # axe-core for tests/browser/test_accessibility.py
# A real S3-compatible object store (bin/swift.sh): OpenStack Swift with its s3api middleware.
for p in swift-proxy-server swift-object-server swift-account-server swift-container-server memcached; do
  command -v "$p" >/dev/null || { missing+=(swift swift-proxy swift-object swift-account swift-container memcached); break; }
done
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  say "installing ${missing[*]} with apt"
  # Installed, not started: the tests start their own servers on loopback ports.
  no_start=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    no_start=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  if [ -n "$no_start" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

# --- Python environment -----------------------------------------------------------------------
. bin/install.sh
install_locked requirements-dev.lock

# --- axe-core from npm (tests/browser/package-lock.json), injected into pages by the browser
# tests; installed again when the lock changes. Never served to users.
if command -v npm >/dev/null && ! cmp -s tests/browser/package-lock.json tests/browser/node_modules/.uchat-lock; then
  say "installing axe-core with npm ci"
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null \
    && cp package-lock.json node_modules/.uchat-lock)
fi

# --- The JavaScript tools from npm (package-lock.json at the root: ESLint, TypeScript, acorn,
# linkedom), for bin/test's checks of static/js and tests/test_protocol_js.py; installed again
# when the lock changes. Never served to users.
if command -v npm >/dev/null && ! cmp -s package-lock.json node_modules/.uchat-lock; then
  say "installing the JavaScript tools with npm ci"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null && cp package-lock.json node_modules/.uchat-lock
elif ! command -v npm >/dev/null && [ "$REQUIRE" = 1 ]; then
  say "npm is missing and UCHAT_REQUIRE_SERVICES=1"; exit 1
fi

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

WORK="$(mktemp -d /tmp/uchat-services.XXXXXX)"
chmod 755 "$WORK"
REDIS_PID=""
PG_DATA=""
. bin/swift.sh
cleanup() {
  swift_stop
  if [ -f "$WORK/pgbouncer/pgbouncer.pid" ]; then kill "$(cat "$WORK/pgbouncer/pgbouncer.pid")" 2>/dev/null || true; fi
  if [ -n "$REDIS_PID" ]; then kill "$REDIS_PID" 2>/dev/null || true; fi
  if [ -n "$PG_DATA" ]; then as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# UCHAT_TEST_PGBOUNCER=1: the tests reach PostgreSQL through a real PgBouncer in transaction
# mode (DATABASE_POOLER=pgbouncer), as a deployment behind one does (.ci/run runs the database
# tests this way too).
pgbouncer_start() {
  if ! command -v pgbouncer >/dev/null; then
    say "pgbouncer is missing and UCHAT_TEST_PGBOUNCER=1"; exit 1
  fi
  local dir="$WORK/pgbouncer" port
  port="$(free_port)"
  mkdir -p "$dir"
  printf '"postgres" ""\n' >"$dir/users.txt"
  cat >"$dir/pgbouncer.ini" <<CONF
[databases]
* = host=127.0.0.1 port=$PG_PORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/users.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 60
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
CONF
  if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; fi
  as_pg pgbouncer -d "$dir/pgbouncer.ini"
  for _ in $(seq 50); do
    "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$port" && break
    sleep 0.1
  done
  export DATABASE_URL="postgres://postgres@127.0.0.1:${port}/uchat"
  export DATABASE_POOLER=pgbouncer
  say "PgBouncer (transaction mode) on port $port, in front of PostgreSQL"
}

as_pg() {
  # PostgreSQL refuses to run as root: use its own account then.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# --- Redis --------------------------------------------------------------------------------------
if command -v redis-server >/dev/null; then
  REDIS_PORT="$(free_port)"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$WORK" --logfile "$WORK/redis.log" &
  REDIS_PID=$!
  export REDIS_PID  # bench/fanout.py reports the CPU Redis spends
  for _ in $(seq 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  export REDIS_URL="redis://127.0.0.1:${REDIS_PORT}/0"
  say "redis-server on port $REDIS_PORT"
elif [ "$REQUIRE" = 1 ]; then
  say "redis-server is missing and UCHAT_REQUIRE_SERVICES=1"; exit 1
else
  say "redis-server is missing: tests that need it are skipped"
fi

# --- PostgreSQL -------------------------------------------------------------------------------
if [ -n "$(pg_bin)" ]; then
  PG_PORT="$(free_port)"
  PG_DATA="$WORK/pg"
  mkdir -p "$PG_DATA" "$WORK/pgsock"
  if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DATA" "$WORK/pgsock"; fi
  as_pg "$(pg_bin)/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --no-sync >/dev/null
  # Each event loop of the suite gets its own message writer, whose two threads keep a
  # connection each; conftest.py closes the writers of loops that have ended.
  as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" -l "$WORK/pgsock/pg.log" -w -o \
    "-p $PG_PORT -k $WORK/pgsock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c timezone=UTC" \
    start >/dev/null
  "$(pg_bin)/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres uchat
  export DATABASE_URL="postgres://postgres@127.0.0.1:${PG_PORT}/uchat"
  say "PostgreSQL on port $PG_PORT"
  if [ "${UCHAT_TEST_PGBOUNCER:-0}" = 1 ]; then pgbouncer_start; fi
elif [ "$REQUIRE" = 1 ]; then
  say "PostgreSQL is missing and UCHAT_REQUIRE_SERVICES=1"; exit 1
else
  say "PostgreSQL is missing: the suite runs on SQLite"
fi

# --- Swift (S3 API) ----------------------------------------------------------------------------
if command -v swift-proxy-server >/dev/null && command -v memcached >/dev/null && id swift >/dev/null 2>&1 \
    && [ "$(id -u)" = 0 ]; then
  swift_start
elif [ "$REQUIRE" = 1 ]; then
  say "Swift (swift-proxy, swift-object, swift-account, swift-container, memcached) is missing and UCHAT_REQUIRE_SERVICES=1"; exit 1
else
  say "Swift is missing (or not root): the object-storage tests are skipped"
fi
