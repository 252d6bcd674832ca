#!/usr/bin/env bash
# Local Kafka-compatible broker (Tansu, in-memory) on 127.0.0.1:19092.
#   scripts/broker.sh start|stop|status
# In-memory storage: a restart loses every topic and offset. Services create their topics.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="$CLM_BROKER_PORT"
LOGFILE="$CLM_LOGS/broker.log"

cmd_start() {
    local pid i
    if pid="$(pid_alive broker "$CLM_TANSU")"; then
        log "broker: already running (pid $pid) on 127.0.0.1:$PORT"
        return 0
    fi
    [[ -x "$CLM_TANSU" ]] || die "broker: $CLM_TANSU missing: run scripts/setup.sh first"
    if port_open "$PORT"; then
        die "broker: port $PORT is already in use by a process this project did not start"
    fi
    log "broker: starting Tansu on 127.0.0.1:$PORT (log: $LOGFILE)"
    # Tansu also reads some settings from the environment (CLUSTER_ID, LISTENER_URL, ...);
    # the explicit flags below win, and RUST_LOG keeps the log readable.
    spawn broker "$LOGFILE" env RUST_LOG="${RUST_LOG:-warn}" "$CLM_TANSU" broker \
        --cluster-id clm-local \
        --listener-url "tcp://127.0.0.1:$PORT" \
        --advertised-listener-url "tcp://127.0.0.1:$PORT" \
        --storage-engine memory://tansu/
    pid="$(head -n1 "$(pid_file broker)")"
    for ((i = 0; i < 150; i++)); do
        if port_open "$PORT"; then
            log "broker: running (pid $pid)"
            return 0
        fi
        if ! proc_cmdline "$pid" >/dev/null 2>&1; then
            break
        fi
        sleep 0.1
    done
    log_tail "$LOGFILE"
    stop_pid broker "$CLM_TANSU" >/dev/null 2>&1 || true
    die "broker: did not open port $PORT"
}

cmd_status() {
    local pid
    if pid="$(pid_alive broker "$CLM_TANSU")"; then
        if port_open "$PORT"; then
            echo "broker: running (pid $pid), listening on 127.0.0.1:$PORT"
        else
            echo "broker: running (pid $pid), NOT listening on 127.0.0.1:$PORT"
            return 1
        fi
    else
        echo "broker: stopped"
        return 3
    fi
}

case "${1:-}" in
    start) cmd_start ;;
    stop) stop_pid broker "$CLM_TANSU" ;;
    status) cmd_status ;;
    *) die "usage: $0 start|stop|status" ;;
esac
