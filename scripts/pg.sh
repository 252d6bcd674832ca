#!/usr/bin/env bash
# Project-local PostgreSQL 15 cluster on 127.0.0.1:55432 (never the system cluster).
#   scripts/pg.sh start|stop|status
# Data in .local/pgdata, unix socket in .run/pg, log in .run/logs/pg.log, pid in
# .run/pids/pg.pid. First start runs initdb with the admin password from .local/secrets.env.
# As root the cluster runs as the `postgres` OS user (PostgreSQL refuses to run as root).
# Every start also makes sure the server offers TLS with a certificate from a local CA whose
# certificate is .local/pg-ca.pem (for CLM_PG_TLS_CA_FILE); plain TCP keeps working.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_PORT="$CLM_PG_PORT_LOCAL"
PG_DATA="$CLM_LOCAL/pgdata"
PG_SOCK="$CLM_RUN/pg"
PG_LOG="$CLM_LOGS/pg.log"
# The local CA (key + certificate) and the server key/certificate it signed, as generated.
PG_TLS_DIR="$CLM_LOCAL/pg-tls"
# The CA certificate clients trust.
PG_CA_PEM="$CLM_LOCAL/pg-ca.pem"

# As root, the postgres OS user must be able to reach the data, socket and log paths. If the
# repository lives somewhere it cannot traverse (e.g. under /root), or the socket path would
# exceed the unix-socket length limit, keep the cluster under /var/tmp instead (one folder
# per checkout) and leave a link in .local for people looking for it.
PG_ALT=""
if is_root; then
    if ! runuser -u postgres -- test -x "$CLM_ROOT" 2>/dev/null; then
        PG_ALT=1
    fi
fi
if (("${#PG_SOCK}" + 16 > 100)); then
    PG_ALT=1
fi
if [[ -n "$PG_ALT" ]]; then
    PG_ALT="/var/tmp/clm-pg-$(printf '%s' "$CLM_ROOT" | sha256sum | cut -c1-12)"
    PG_DATA="$PG_ALT/pgdata"
    PG_SOCK="$PG_ALT/sock"
    PG_LOG="$PG_ALT/pg.log"
fi

# Run a PostgreSQL program as the cluster's OS owner.
pg_run() {
    local prog="$1"
    shift
    if is_root; then
        # from / so the postgres user does not trip over a cwd it may not enter
        (cd / && runuser -u postgres -- "$CLM_PG_BINDIR/$prog" "$@")
    else
        "$CLM_PG_BINDIR/$prog" "$@"
    fi
}

prepare_dirs() {
    ensure_run_dirs
    mkdir -p "$CLM_LOCAL"
    if [[ -n "$PG_ALT" ]]; then
        mkdir -p "$PG_ALT"
        chmod 755 "$PG_ALT"
        [[ -e "$CLM_LOCAL/pgdata" || -L "$CLM_LOCAL/pgdata" ]] || ln -s "$PG_DATA" "$CLM_LOCAL/pgdata"
    fi
    mkdir -p "$PG_DATA" "$PG_SOCK"
    touch "$PG_LOG"
    chmod 700 "$PG_DATA" "$PG_SOCK"
    if is_root; then
        chown postgres:postgres "$PG_DATA" "$PG_SOCK" "$PG_LOG"
    fi
}

init_cluster() {
    load_secrets
    [[ -n "${CLM_PG_ADMIN_PASSWORD:-}" ]] || die "CLM_PG_ADMIN_PASSWORD missing from $CLM_SECRETS"
    log "pg: initdb in $PG_DATA"
    local pwfile
    pwfile="$(mktemp "$PG_SOCK/.pw.XXXXXX")"
    printf '%s\n' "$CLM_PG_ADMIN_PASSWORD" >"$pwfile"
    is_root && chown postgres:postgres "$pwfile"
    if ! pg_run initdb -D "$PG_DATA" -U postgres --pwfile="$pwfile" -E UTF8 --no-locale \
        --auth-local=trust --auth-host=scram-sha-256 --no-instructions >>"$PG_LOG" 2>&1; then
        rm -f "$pwfile"
        log_tail "$PG_LOG"
        die "pg: initdb failed"
    fi
    rm -f "$pwfile"

    # Settings: loopback TCP only, private socket folder, scram passwords. Durability is set
    # on every start (clm-durability.conf, below).
    local conf
    conf="$(mktemp)"
    cat >"$conf" <<EOF

# --- CLM local cluster (scripts/pg.sh) ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
unix_socket_permissions = 0700
password_encryption = 'scram-sha-256'
max_connections = 300
log_min_messages = warning
log_connections = off
EOF
    # appending/truncating keeps the files' owner (postgres when we are root)
    cat "$conf" >>"$PG_DATA/postgresql.conf"
    rm -f "$conf"

    # Only the `postgres` role may use the socket without a password, and the socket folder
    # and socket are 0700, so only the OS user that owns the cluster can reach it. Every
    # TCP connection (all services and tests) must give a scram-sha-256 password.
    local hba
    hba="$(mktemp)"
    cat >"$hba" <<'EOF'
# TYPE  DATABASE  USER      ADDRESS        METHOD
local   all       postgres                 trust
host    all       all       127.0.0.1/32   scram-sha-256
EOF
    cat "$hba" >"$PG_DATA/pg_hba.conf"
    rm -f "$hba"
}

# Succeeds when server.pem is signed by the current CA, names 127.0.0.1 and localhost, and
# stays valid for at least 30 more days.
server_cert_current() {
    [[ -s "$PG_TLS_DIR/server.key" && -s "$PG_TLS_DIR/server.pem" ]] || return 1
    openssl verify -CAfile "$PG_TLS_DIR/ca.pem" "$PG_TLS_DIR/server.pem" >/dev/null 2>&1 || return 1
    openssl x509 -in "$PG_TLS_DIR/server.pem" -noout -checkend $((30 * 86400)) >/dev/null 2>&1 || return 1
    local names
    names="$(openssl x509 -in "$PG_TLS_DIR/server.pem" -noout -ext subjectAltName 2>/dev/null)" || return 1
    [[ "$names" == *"IP Address:127.0.0.1"* && "$names" == *"DNS:localhost"* ]]
}

# install_if_changed SOURCE TARGET MODE: copies SOURCE over TARGET unless they are equal;
# files in the data folder go to the cluster owner. Sets PG_TLS_CHANGED when it wrote.
install_if_changed() {
    local source="$1" target="$2" mode="$3"
    if [[ -f "$target" ]] && cmp -s "$source" "$target"; then
        return 0
    fi
    install -m "$mode" "$source" "$target"
    if is_root && [[ "$target" == "$PG_DATA"/* ]]; then
        chown postgres:postgres "$target"
    fi
    PG_TLS_CHANGED=1
}

# TLS for the cluster, idempotent, for new and existing clusters alike: a local CA (EC P-256,
# made once) signs a server certificate for 127.0.0.1 and localhost; the server's copies live
# in the data folder (key 0600, owned by the cluster owner), and clm-tls.conf, included from
# postgresql.conf, turns ssl on. Being in the data folder, the settings survive restarts
# however the cluster is started. pg_hba's `host` lines match TLS and plain TCP alike, so
# TLS stays the client's choice. Sets PG_TLS_CHANGED when a running server needs a reload.
PG_TLS_CHANGED=""
ensure_tls() {
    command -v openssl >/dev/null 2>&1 || die "pg: openssl is needed to create the TLS certificates"
    mkdir -p "$PG_TLS_DIR"
    chmod 700 "$PG_TLS_DIR"
    if [[ ! -s "$PG_TLS_DIR/ca.key" || ! -s "$PG_TLS_DIR/ca.pem" ]]; then
        log "pg: creating the local TLS CA in $PG_TLS_DIR"
        (
            umask 077
            openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
                -subj "/CN=CLM local PostgreSQL CA" \
                -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
                -addext "keyUsage=critical,keyCertSign,cRLSign" \
                -keyout "$PG_TLS_DIR/ca.key" -out "$PG_TLS_DIR/ca.pem" 2>/dev/null
        ) || die "pg: could not create the TLS CA"
        rm -f "$PG_TLS_DIR/server.pem"
    fi
    if ! server_cert_current; then
        log "pg: issuing the server TLS certificate (127.0.0.1, localhost)"
        local ext
        ext="$(mktemp)"
        cat >"$ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
EOF
        if ! (
            umask 077
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -subj "/CN=localhost" \
                -keyout "$PG_TLS_DIR/server.key" -out "$PG_TLS_DIR/server.csr" 2>/dev/null &&
                openssl x509 -req -in "$PG_TLS_DIR/server.csr" -CA "$PG_TLS_DIR/ca.pem" \
                    -CAkey "$PG_TLS_DIR/ca.key" -CAcreateserial -sha256 -days 825 -extfile "$ext" \
                    -out "$PG_TLS_DIR/server.pem" 2>/dev/null
        ); then
            rm -f "$ext"
            die "pg: could not issue the server TLS certificate"
        fi
        rm -f "$ext" "$PG_TLS_DIR/server.csr"
    fi
    install_if_changed "$PG_TLS_DIR/server.key" "$PG_DATA/clm-server.key" 600
    install_if_changed "$PG_TLS_DIR/server.pem" "$PG_DATA/clm-server.crt" 644
    install_if_changed "$PG_TLS_DIR/ca.pem" "$PG_CA_PEM" 644

    # Relative paths are relative to the data folder.
    local conf
    conf="$(mktemp)"
    cat >"$conf" <<'EOF'
# Written by scripts/pg.sh on every start; edits here are overwritten.
ssl = on
ssl_cert_file = 'clm-server.crt'
ssl_key_file = 'clm-server.key'
ssl_min_protocol_version = 'TLSv1.2'
EOF
    install_if_changed "$conf" "$PG_DATA/clm-tls.conf" 644
    rm -f "$conf"
    local include="include_if_exists = 'clm-tls.conf'"
    if ! grep -qxF "$include" "$PG_DATA/postgresql.conf"; then
        # appending keeps the file's owner (postgres when we are root)
        printf '\n# --- TLS (scripts/pg.sh) ---\n%s\n' "$include" >>"$PG_DATA/postgresql.conf"
        PG_TLS_CHANGED=1
    fi
}

# Durable by default: what `make run` and `make bench` acknowledge survives a power cut. Only
# the test suite trades it for speed, per throw-away database (TestDatabase sets
# synchronous_commit off on each one it creates). Clusters initialised before this had
# fsync off in postgresql.conf; this file is included after it, so it wins. Sets
# PG_TLS_CHANGED (any reload-worthy change) when it wrote.
ensure_durability() {
    local conf include="include_if_exists = 'clm-durability.conf'"
    conf="$(mktemp)"
    cat >"$conf" <<'EOF'
# Written by scripts/pg.sh on every start; edits here are overwritten.
fsync = on
full_page_writes = on
synchronous_commit = on
EOF
    install_if_changed "$conf" "$PG_DATA/clm-durability.conf" 644
    rm -f "$conf"
    if ! grep -qxF "$include" "$PG_DATA/postgresql.conf"; then
        printf '\n# --- durability (scripts/pg.sh) ---\n%s\n' "$include" >>"$PG_DATA/postgresql.conf"
        PG_TLS_CHANGED=1
    fi
}

ensure_config() {
    ensure_tls
    ensure_durability
}

# A running server picks up changed TLS files and settings on reload; no restart needed.
reload_if_tls_changed() {
    [[ -n "$PG_TLS_CHANGED" ]] || return 0
    log "pg: reloading the configuration (TLS, durability)"
    pg_run pg_ctl -D "$PG_DATA" reload >/dev/null || warn "pg: reload failed; restart the cluster to enable TLS"
}

expect() { echo "$PG_DATA"; }

cmd_start() {
    local pid
    if pid="$(pid_alive pg "$(expect)")"; then
        log "pg: already running (pid $pid) on 127.0.0.1:$PG_PORT"
        ensure_config
        reload_if_tls_changed
        return 0
    fi
    prepare_dirs
    # a cluster of ours that is running but lost its .run pid file (e.g. .run was removed)
    if [[ -f "$PG_DATA/postmaster.pid" ]]; then
        pid="$(head -n1 "$PG_DATA/postmaster.pid" | tr -dc '0-9')"
        if [[ -n "$pid" ]] && [[ "$(proc_cmdline "$pid" || true)" == *"$PG_DATA"* ]]; then
            echo "$pid" >"$(pid_file pg)"
            log "pg: already running (pid $pid), pid file restored"
            ensure_config
            reload_if_tls_changed
            return 0
        fi
    fi
    if port_open "$PG_PORT"; then
        die "pg: port $PG_PORT is already in use by a process this project did not start"
    fi
    [[ -s "$PG_DATA/PG_VERSION" ]] || init_cluster
    ensure_config
    log "pg: starting on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
    if ! pg_run pg_ctl -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null; then
        log_tail "$PG_LOG"
        die "pg: failed to start"
    fi
    pid="$(head -n1 "$PG_DATA/postmaster.pid" | tr -dc '0-9')"
    echo "$pid" >"$(pid_file pg)"
    log "pg: running (pid $pid)"
}

cmd_stop() {
    local pid
    if ! pid="$(pid_alive pg "$(expect)")"; then
        log "pg: not running"
        return 0
    fi
    log "pg: stopping (pid $pid)"
    if ! pg_run pg_ctl -D "$PG_DATA" -m fast -w -t 10 stop >/dev/null 2>&1; then
        warn "pg: fast shutdown did not finish in 10 s, using immediate shutdown"
        pg_run pg_ctl -D "$PG_DATA" -m immediate -w -t 10 stop >/dev/null 2>&1 ||
            stop_pid pg "$(expect)" KILL
    fi
    rm -f "$(pid_file pg)"
}

cmd_status() {
    local pid
    if pid="$(pid_alive pg "$(expect)")"; then
        if "$CLM_PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; then
            echo "pg: running (pid $pid), accepting connections on 127.0.0.1:$PG_PORT"
        else
            echo "pg: running (pid $pid), NOT accepting connections on 127.0.0.1:$PG_PORT"
            return 1
        fi
    else
        echo "pg: stopped"
        return 3
    fi
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    datadir) echo "$PG_DATA" ;;
    *) die "usage: $0 start|stop|status|datadir" ;;
esac
