#!/usr/bin/env bash
# nginx edge on 127.0.0.1:8080 routing /v1/... to the five services (deploy/nginx/).
#   scripts/edge.sh start|stop|status|render|test
# The config is rendered into .run/nginx/ with absolute paths; pid in .run/pids/edge.pid,
# logs in .run/logs/edge-*.log. Works as root (workers drop to nobody) or as a normal user.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="$CLM_EDGE_PORT"
PREFIX="$CLM_RUN/nginx"
CONF="$PREFIX/nginx.conf"
SNIPPET="$PREFIX/clm.conf"
TEMPLATE="$CLM_ROOT/deploy/nginx/clm.conf.template"
ERRLOG="$CLM_LOGS/edge-error.log"
ACCESSLOG="$CLM_LOGS/edge-access.log"

nginx_bin() {
    command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } ||
        die "edge: nginx not installed: run scripts/setup.sh first"
}

# Replace ${NAME} placeholders of the template by the values given as NAME=VALUE arguments;
# nginx's own $variables are untouched.
render_template() {
    local text="$1" kv
    shift
    for kv in "$@"; do
        text="${text//"\${${kv%%=*}}"/${kv#*=}}"
    done
    if [[ "$text" =~ \$\{CLM_[A-Z_]*\} ]]; then
        die "edge: unfilled placeholder ${BASH_REMATCH[0]} in $TEMPLATE"
    fi
    printf '%s\n' "$text"
}

cmd_render() {
    local nginx user_line="" temps="" kind
    nginx="$(nginx_bin)"
    ensure_run_dirs
    mkdir -p "$PREFIX/tmp"
    render_template "$(cat "$TEMPLATE")" \
        CLM_EDGE_LISTEN="127.0.0.1:$PORT" \
        CLM_EDGE_ACCESS_LOG="$ACCESSLOG" \
        CLM_REGISTRY_UPSTREAM="127.0.0.1:$(clm_service_port registry)" \
        CLM_INTAKE_UPSTREAM="127.0.0.1:$(clm_service_port intake)" \
        CLM_APPROVAL_UPSTREAM="127.0.0.1:$(clm_service_port approval)" \
        CLM_KEYGEN_UPSTREAM="127.0.0.1:$(clm_service_port keygen)" \
        CLM_CA_GATEWAY_UPSTREAM="127.0.0.1:$(clm_service_port ca-gateway)" \
        CLM_CONSOLE_UPSTREAM="127.0.0.1:$(clm_service_port console)" \
        >"$SNIPPET.tmp"
    mv "$SNIPPET.tmp" "$SNIPPET"
    # The master runs as root only when we are root; its workers then drop to nobody.
    is_root && user_line="user nobody nogroup;"
    # Debian builds nginx with temp paths under /var/lib/nginx: move every one this binary
    # knows about into .run/nginx/tmp.
    for kind in client_body proxy fastcgi uwsgi scgi; do
        if "$nginx" -V 2>&1 | grep -q -- "--http-${kind//_/-}-temp-path="; then
            temps+="    ${kind}_temp_path $PREFIX/tmp/$kind;"$'\n'
        fi
    done
    cat >"$CONF.tmp" <<NGINX
# Rendered by scripts/edge.sh from deploy/nginx/clm.conf.template. Do not edit.
$user_line
worker_processes 1;
pid $(pid_file edge);
error_log $ERRLOG warn;

events { worker_connections 512; }

http {
    default_type application/octet-stream;
    server_tokens off;
    sendfile on;
    keepalive_timeout 65s;
$temps
    include $SNIPPET;
}
NGINX
    mv "$CONF.tmp" "$CONF"
}

nginx_args() { echo -p "$PREFIX/" -c "$CONF" -e "$ERRLOG"; }

cmd_test() {
    cmd_render
    # shellcheck disable=SC2046
    "$(nginx_bin)" $(nginx_args) -g 'daemon on;' -t -q || die "edge: nginx -t failed on $CONF"
}

cmd_start() {
    local pid i
    if pid="$(pid_alive edge "$CONF")"; then
        log "edge: already running (pid $pid) on http://127.0.0.1:$PORT"
        return 0
    fi
    if port_open "$PORT"; then
        die "edge: port $PORT is already in use by a process this project did not start"
    fi
    cmd_test
    log "edge: starting nginx on 127.0.0.1:$PORT (logs: $CLM_LOGS/edge-*.log)"
    # shellcheck disable=SC2046
    "$(nginx_bin)" $(nginx_args) -g 'daemon on;' </dev/null || die "edge: nginx failed to start"
    for ((i = 0; i < 50; i++)); do
        if pid="$(pid_alive edge "$CONF")" && port_open "$PORT"; then
            log "edge: running (pid $pid)"
            return 0
        fi
        sleep 0.1
    done
    log_tail "$ERRLOG"
    die "edge: nginx did not come up on port $PORT"
}

cmd_status() {
    local pid
    if pid="$(pid_alive edge "$CONF")"; then
        echo "edge: running (pid $pid), http://127.0.0.1:$PORT"
    else
        echo "edge: stopped"
        return 3
    fi
}

case "${1:-}" in
    start) cmd_start ;;
    stop) stop_pid edge "$CONF" QUIT ;;
    status) cmd_status ;;
    render) cmd_render && echo "$CONF" ;;
    test) cmd_test && log "edge: $CONF is valid" ;;
    *) die "usage: $0 start|stop|status|render|test" ;;
esac
