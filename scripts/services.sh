#!/usr/bin/env bash
# The five CLM services and the web console as local processes.
#   scripts/services.sh start|stop|status [registry|intake|approval|keygen|ca-gateway|console ...]
# Binaries from CLM_BIN_DIR (default: SwiftPM's debug folder). Logs in .run/logs/<name>.log,
# pids in .run/pids/<name>.pid. start waits up to CLM_READY_TIMEOUT (60) s per service for
# GET /health/ready = 200 and names the one that failed, with the end of its log.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

READY_TIMEOUT="${CLM_READY_TIMEOUT:-60}"

action="${1:-}"
shift || true
names=("$@")
((${#names[@]} > 0)) || names=("${CLM_PROCESSES[@]}")
for n in "${names[@]}"; do
    clm_service_port "$n" >/dev/null || die "unknown service '$n' (known: ${CLM_PROCESSES[*]})"
done

# What a live process of service NAME has in its command line (see spawn in lib.sh).
expect() { echo "/clm-$1 "; }

ready_url() { echo "http://127.0.0.1:$(clm_service_port "$1")/health/ready"; }

start_one() {
    local name="$1" bin port pguser pwvar pid
    local -a kek=()
    if pid="$(pid_alive "$name" "$(expect "$name")")"; then
        log "$name: already running (pid $pid)"
        return 0
    fi
    bin="$BIN_DIR/clm-$name"
    [[ -x "$bin" ]] || die "$name: $bin not found: build first (make build)"
    port="$(clm_service_port "$name")"
    if port_open "$port"; then
        die "$name: port $port is already in use by a process this project did not start"
    fi
    if [[ "$name" == console ]]; then
        start_console "$bin" "$port"
        return 0
    fi
    pguser="clm_${name//-/_}"
    pwvar="CLM_$(tr '[:lower:]-' '[:upper:]_' <<<"$name")_PG_PASSWORD"
    [[ -n "${!pwvar:-}" ]] || die "$name: $pwvar missing from $CLM_SECRETS"
    if [[ "$name" == keygen || "$name" == ca-gateway ]]; then
        kek=(CLM_KEK="$CLM_KEK" CLM_KEK_ID="$CLM_KEK_ID")
    fi
    local -a unset_secrets=()
    for v in "${CLM_SECRET_NAMES[@]}"; do unset_secrets+=(-u "$v"); done
    log "$name: starting on 127.0.0.1:$port (log: $CLM_LOGS/$name.log)"
    spawn "$name" "$CLM_LOGS/$name.log" env "${unset_secrets[@]}" \
        CLM_HTTP_HOST=127.0.0.1 \
        CLM_HTTP_PORT="$port" \
        CLM_PG_HOST=127.0.0.1 \
        CLM_PG_PORT="$CLM_PG_PORT_LOCAL" \
        CLM_PG_DATABASE="${CLM_PG_DATABASE:-clm}" \
        CLM_PG_USER="$pguser" \
        CLM_PG_PASSWORD="${!pwvar}" \
        CLM_KAFKA_BROKERS="127.0.0.1:$CLM_BROKER_PORT" \
        CLM_KAFKA_TOPIC_PREFIX="${CLM_KAFKA_TOPIC_PREFIX:-clm}" \
        CLM_LOG_LEVEL="${CLM_LOG_LEVEL:-info}" \
        CLM_AUTH_JWKS_URL="file://$CLM_IDP_DIR/jwks.json" \
        CLM_SMTP_HOST=127.0.0.1 \
        CLM_SMTP_PORT="$CLM_SMTP_PORT_LOCAL" \
        CLM_PUBLIC_URL="http://127.0.0.1:$CLM_EDGE_PORT" \
        LD_LIBRARY_PATH="$CLM_LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        "${kek[@]}" \
        "$bin"
}

# The console signs people in with the development identity provider (a local run has no
# other); it calls the API through the edge, as a browser's user would.
start_console() {
    local bin="$1" port="$2"
    local -a unset_secrets=()
    for v in "${CLM_SECRET_NAMES[@]}"; do unset_secrets+=(-u "$v"); done
    log "console: starting on 127.0.0.1:$port, development sign-in (log: $CLM_LOGS/console.log)"
    spawn console "$CLM_LOGS/console.log" env "${unset_secrets[@]}" \
        CLM_HTTP_HOST=127.0.0.1 \
        CLM_HTTP_PORT="$port" \
        CLM_LOG_LEVEL="${CLM_LOG_LEVEL:-info}" \
        CLM_CONSOLE_API_URL="http://127.0.0.1:$CLM_EDGE_PORT" \
        CLM_CONSOLE_PUBLIC_URL="http://127.0.0.1:$CLM_EDGE_PORT" \
        CLM_CONSOLE_DEV_SIGN_IN=true \
        CLM_CONSOLE_DEV_IDP_DIR="$CLM_IDP_DIR" \
        CLM_CONSOLE_DEV_USERS_FILE="$CLM_ROOT/deploy/demo/console-users.json" \
        ${CLM_CONSOLE_ASSETS_DIR:+CLM_CONSOLE_ASSETS_DIR="$CLM_CONSOLE_ASSETS_DIR"} \
        "$bin"
}

wait_one() {
    local name="$1" pid rc=0
    pid="$(head -n1 "$(pid_file "$name")" 2>/dev/null || true)"
    wait_until "$READY_TIMEOUT" "$pid" http_ok "$(ready_url "$name")" || rc=$?
    case "$rc" in
        0) log "$name: ready ($(ready_url "$name"))" ;;
        2) echo "FAILED: $name exited before it was ready" >&2 ;;
        *) echo "FAILED: $name not ready within ${READY_TIMEOUT}s ($(ready_url "$name"))" >&2 ;;
    esac
    if ((rc != 0)); then
        log_tail "$CLM_LOGS/$name.log" 40
        return 1
    fi
}

# The development identity provider every service trusts (created once, then kept).
ensure_idp() {
    [[ -f "$CLM_IDP_DIR/jwks.json" ]] && return 0
    [[ -x "$BIN_DIR/clm" ]] || die "$BIN_DIR/clm not found: build first (make build)"
    "$BIN_DIR/clm" dev init-idp --idp-dir "$CLM_IDP_DIR" >&2
}

case "$action" in
    start)
        read_secrets
        BIN_DIR="$(clm_bin_dir)"
        ensure_idp
        # start all first (they do not depend on each other), then wait for each
        for n in "${names[@]}"; do start_one "$n"; done
        failed=()
        for n in "${names[@]}"; do wait_one "$n" || failed+=("$n"); done
        if ((${#failed[@]} > 0)); then
            die "service(s) not ready: ${failed[*]} (others left running; scripts/down.sh stops all)"
        fi
        ;;
    stop)
        for ((i = ${#names[@]} - 1; i >= 0; i--)); do
            stop_pid "${names[i]}" "$(expect "${names[i]}")"
        done
        ;;
    status)
        rc=0
        for n in "${names[@]}"; do
            if pid="$(pid_alive "$n" "$(expect "$n")")"; then
                if http_ok "$(ready_url "$n")"; then
                    echo "$n: running (pid $pid), ready on :$(clm_service_port "$n")"
                else
                    echo "$n: running (pid $pid), NOT ready on :$(clm_service_port "$n")"
                    rc=1
                fi
            else
                echo "$n: stopped"
                rc=3
            fi
        done
        exit "$rc"
        ;;
    *) die "usage: $0 start|stop|status [name ...]" ;;
esac
