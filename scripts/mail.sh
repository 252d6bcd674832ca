#!/usr/bin/env bash
# Local SMTP catcher for e-mail verification (Python's aiosmtpd from Debian) on
# 127.0.0.1:2525. Every message lands in .run/mail (Maildir: new/<file>), where
# `scripts/mail.sh last-link` finds the newest verification link.
#   scripts/mail.sh start|stop|status|last-link
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="$CLM_SMTP_PORT_LOCAL"
LOGFILE="$CLM_LOGS/mail.log"
MATCH="aiosmtpd -n -l 127.0.0.1:$PORT"

# Debian's python3-aiosmtpd installs for the system interpreter; a pyenv or venv python3
# earlier on PATH usually lacks it.
smtp_python() {
    local py
    for py in /usr/bin/python3 python3; do
        if "$py" -c 'import aiosmtpd' 2>/dev/null; then
            echo "$py"
            return 0
        fi
    done
    return 1
}

cmd_start() {
    local pid i py
    if pid="$(pid_alive mail "$MATCH")"; then
        log "mail: already running (pid $pid) on 127.0.0.1:$PORT"
        return 0
    fi
    py="$(smtp_python)" || die "mail: python3-aiosmtpd missing: run scripts/setup.sh first"
    if port_open "$PORT"; then
        die "mail: port $PORT is already in use by a process this project did not start"
    fi
    mkdir -p "$CLM_MAILDIR"/{tmp,new,cur}
    log "mail: SMTP catcher on 127.0.0.1:$PORT, messages in $CLM_MAILDIR/new"
    spawn mail "$LOGFILE" "$py" -m aiosmtpd -n -l "127.0.0.1:$PORT" -c aiosmtpd.handlers.Mailbox "$CLM_MAILDIR"
    pid="$(head -n1 "$(pid_file mail)")"
    for ((i = 0; i < 100; i++)); do
        port_open "$PORT" && return 0
        proc_cmdline "$pid" >/dev/null 2>&1 || break
        sleep 0.1
    done
    log_tail "$LOGFILE"
    die "mail: did not open port $PORT"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) stop_pid mail "$MATCH" ;;
    status)
        if pid="$(pid_alive mail "$MATCH")"; then echo "mail: running (pid $pid) on 127.0.0.1:$PORT"; else
            echo "mail: stopped"
            exit 3
        fi
        ;;
    last-link)
        newest="$(ls -t "$CLM_MAILDIR"/new/* 2>/dev/null | head -n1 || true)"
        [[ -n "$newest" ]] || die "mail: no messages in $CLM_MAILDIR/new"
        grep -Eo 'https?://[^ ]+/v1/verify/[A-Za-z0-9_-]+' "$newest" | tail -n1
        ;;
    *) die "usage: $0 start|stop|status|last-link" ;;
esac
