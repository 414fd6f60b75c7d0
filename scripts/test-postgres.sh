#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (issue 16), made afresh and
# thrown away, never a server that holds anything.
#
#   scripts/test-postgres.sh run CMD...  start a server, run CMD with
#                                        PARTNERCRM_TEST_POSTGRES (and
#                                        PARTNERCRM_TEST_POSTGRES_TLS) set to
#                                        it, stop it however CMD ends, exit
#                                        with CMD's status
#   scripts/test-postgres.sh start       start one and print `export ...`
#                                        lines, to reuse it across runs:
#                                        eval "$(scripts/test-postgres.sh start)"
#   scripts/test-postgres.sh stop        stop the one `start` started
#
# With PARTNERCRM_TEST_POSTGRES already set, `run` starts nothing and runs
# CMD against that server (its user must be allowed to create databases and
# roles: the tests make a database and roles of their own for each test).
#
# PostgreSQL refuses to run as root, so as root the server runs as the
# system user partnercrm-test (made if missing); Debian's postgresql package
# is installed if no server binaries are found. The cluster lives in
# target/pg/ (or, if that user cannot reach the checkout, a private
# directory in /tmp), listens on a Unix socket in a private directory of its
# own (trusted: only its owner and root can open it) and, for the TLS tests,
# on a free port of 127.0.0.1 with a self-signed certificate and
# password authentication. fsync is off: the tests kill clients, never the
# server.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="$ROOT/target/pg"
USER_NAME=partnercrm-test

log() { printf 'test-postgres: %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

find_bin() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return
        fi
    done
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(command -v initdb)"
    fi
}

ensure_binaries() {
    BIN="$(find_bin)"
    if [ -z "$BIN" ]; then
        log "no PostgreSQL server binaries: installing Debian's postgresql package"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        BIN="$(find_bin)"
    fi
    if [ -z "$BIN" ]; then
        log "PostgreSQL's initdb and pg_ctl are still not found"
        exit 1
    fi
    # The test server's certificates are made with it (the package brings it).
    if ! command -v openssl >/dev/null; then
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >&2
    fi
}

# Runs a command as the user the server runs as.
as_server() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$USER_NAME" -- "$@"
    else
        "$@"
    fi
}

ensure_user() {
    if [ "$(id -u)" != 0 ]; then
        return
    fi
    if ! id "$USER_NAME" >/dev/null 2>&1; then
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$USER_NAME"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    if [ -f "$STATE/env" ] && [ -f "$STATE/where" ]; then
        local data
        data="$(cat "$STATE/where")/data"
        if as_server "$BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
            log "already running"
            return
        fi
    fi
    rm -rf "$STATE"
    mkdir -p "$STATE"
    ensure_user
    # The cluster's directory: in target/ if the server's user can reach it.
    local base="$STATE/cluster"
    mkdir -p "$base"
    if [ "$(id -u)" = 0 ]; then
        chown "$USER_NAME" "$base"
        if ! runuser -u "$USER_NAME" -- test -w "$base"; then
            rmdir "$base"
            base="$(mktemp -d /tmp/partnercrm-pg.XXXXXX)"
            chown "$USER_NAME" "$base"
            log "$USER_NAME cannot reach $STATE; the cluster is in $base"
        fi
    fi
    chmod 700 "$base"
    echo "$base" >"$STATE/where"
    # Sockets need a short path (108 bytes), and a private directory.
    local socket
    socket="$(mktemp -d /tmp/partnercrm-pg-socket.XXXXXX)"
    [ "$(id -u)" = 0 ] && chown "$USER_NAME" "$socket"
    chmod 700 "$socket"
    echo "$socket" >"$STATE/socket"

    local password port
    password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
    port="$(free_port)"
    printf '%s\n' "$password" >"$base/password"
    [ "$(id -u)" = 0 ] && chown "$USER_NAME" "$base/password"
    as_server "$BIN/initdb" -D "$base/data" -U postgres --pwfile="$base/password" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$STATE/initdb.log" 2>&1 || {
        cat "$STATE/initdb.log" >&2
        exit 1
    }
    rm -f "$base/password"
    # A certificate authority of its own, and a certificate it signs for
    # localhost, so that sslmode=require, verify-ca and verify-full can be
    # tested.
    openssl req -new -x509 -days 30 -nodes -subj "/CN=partnercrm test CA" \
        -keyout "$STATE/ca.key" -out "$STATE/ca.crt" >/dev/null 2>&1
    openssl req -new -nodes -subj "/CN=localhost" \
        -keyout "$base/data/server.key" -out "$STATE/server.csr" >/dev/null 2>&1
    printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$STATE/server.ext"
    openssl x509 -req -days 30 -in "$STATE/server.csr" -CA "$STATE/ca.crt" -CAkey "$STATE/ca.key" \
        -CAcreateserial -extfile "$STATE/server.ext" -out "$base/data/server.crt" >/dev/null 2>&1
    rm -f "$STATE/ca.key" "$STATE/server.csr" "$STATE/server.ext" "$STATE/ca.srl"
    if [ "$(id -u)" = 0 ]; then
        chown "$USER_NAME" "$base/data/server.key" "$base/data/server.crt"
    fi
    chmod 600 "$base/data/server.key"
    cat >>"$base/data/postgresql.conf" <<EOF

# partnercrm's test server: throwaway, so durability is off.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$socket'
max_connections = 300
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
log_min_messages = warning
EOF
    as_server "$BIN/pg_ctl" -D "$base/data" -l "$base/server.log" -w -t 60 start >/dev/null || {
        cat "$base/server.log" >&2
        exit 1
    }
    # Over the socket, trusted; over TCP with TLS, the password.
    {
        echo "export PARTNERCRM_TEST_POSTGRES='postgresql://postgres@localhost/postgres?host=$socket&port=$port'"
        echo "export PARTNERCRM_TEST_POSTGRES_TLS='postgresql://postgres:$password@localhost:$port/postgres'"
        echo "export PARTNERCRM_TEST_POSTGRES_CA='$STATE/ca.crt'"
    } >"$STATE/env"
    chmod 600 "$STATE/env"
    log "started PostgreSQL ($("$BIN/postgres" --version)) on port $port"
}

stop() {
    [ -f "$STATE/where" ] || return 0
    local base
    base="$(cat "$STATE/where")"
    if [ -d "$base/data" ]; then
        as_server "$BIN/pg_ctl" -D "$base/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    # The server's log outlives it, for a failed run's post-mortem.
    [ -f "$base/server.log" ] && cp "$base/server.log" "$STATE/server.log"
    rm -rf "$base/data" "$base/server.log"
    [ "$base" = "$STATE/cluster" ] || rmdir "$base" 2>/dev/null || true
    [ -f "$STATE/socket" ] && rm -rf "$(cat "$STATE/socket")"
    rm -f "$STATE/env" "$STATE/where" "$STATE/socket"
}

case "${1:-}" in
run)
    shift
    if [ -n "${PARTNERCRM_TEST_POSTGRES:-}" ]; then
        exec "$@"
    fi
    ensure_binaries
    trap stop EXIT
    trap 'exit 130' INT TERM
    start
    # shellcheck disable=SC1091
    . "$STATE/env"
    status=0
    "$@" || status=$?
    exit "$status"
    ;;
start)
    ensure_binaries
    start
    cat "$STATE/env"
    ;;
stop)
    ensure_binaries
    stop
    ;;
*)
    echo "usage: $0 run CMD... | start | stop" >&2
    exit 2
    ;;
esac
