#!/usr/bin/env bash
# Run the Swift test suite against the local infrastructure (make test prepares it:
# setup, build with tests, PostgreSQL + broker started, database provisioned).
#   scripts/test.sh [swift test arguments, e.g. --filter Foo]
# Exports the test environment, then runs `swift test --skip-build "$@"`.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

load_secrets # exports CLM_*_PG_PASSWORD, CLM_PG_ADMIN_PASSWORD, CLM_KEK, CLM_KEK_ID

"$CLM_ROOT/scripts/pg.sh" status >/dev/null ||
    die "PostgreSQL is not running: scripts/pg.sh start (make test does it for you)"
"$CLM_ROOT/scripts/broker.sh" status >/dev/null ||
    die "the broker is not running: scripts/broker.sh start (make test does it for you)"

export CLM_TEST_PG_HOST=127.0.0.1
export CLM_TEST_PG_PORT="$CLM_PG_PORT_LOCAL"
export CLM_TEST_PG_ADMIN_USER=postgres
export CLM_TEST_PG_ADMIN_PASSWORD="$CLM_PG_ADMIN_PASSWORD"
export CLM_TEST_KAFKA_BROKERS="127.0.0.1:$CLM_BROKER_PORT"
export CLM_TEST_REPO_ROOT="$CLM_ROOT"
if [[ -z "${CLM_TEST_BIN_DIR:-}" ]]; then
    CLM_TEST_BIN_DIR="$(cd "$CLM_ROOT" && swift build --show-bin-path)"
fi
export CLM_TEST_BIN_DIR
export LD_LIBRARY_PATH="$CLM_LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

cd "$CLM_ROOT"
# Serial: the integration suites each start five services, and on a two-core machine several
# stacks at once starve each other (slow group joins, PostgreSQL connect timeouts).
log "swift test --skip-build --no-parallel $*"
# Line-buffered output when it goes to a pipe or file (CI): Swift's stdout is otherwise fully
# buffered, and a run that is killed shows nothing of what it did.
buffering=()
if [[ ! -t 1 ]] && command -v stdbuf >/dev/null; then buffering=(stdbuf -oL -eL); fi
limit="${CLM_TEST_TIMEOUT_SECONDS:-2700}"
# A copy of the output, so a failed run ends with a list of what failed: CI shows only the
# tail of a long log, and one failed expectation among 600 tests is otherwise lost in it.
mkdir -p "$CLM_LOGS"
transcript="$CLM_LOGS/swift-test.log"
"${buffering[@]}" swift test --skip-build --no-parallel "$@" > >(tee "$transcript") 2>&1 &
runner=$!
# Watchdog: a test run that hangs is stopped after CLM_TEST_TIMEOUT_SECONDS (default 45
# minutes, three times a normal run) with every thread's stack of the test process printed,
# so the log names what it waited for instead of ending in silence at CI's own limit.
(
    # Diagnostics go to fd 3; bash's own "Terminated" when the sleep is cut short goes nowhere.
    exec 3>&2 2>/dev/null
    sleep "$limit" || exit 0
    kill -0 "$runner" 2>/dev/null || exit 0
    warn "the test run is still going after ${limit}s: stacks of the test processes, then stop" 2>&3
    # Only this run's processes (descendants of the runner), never another run's.
    descendants() { local child; for child in $(pgrep -P "$1" || true); do echo "$child"; descendants "$child"; done; }
    family=$(descendants "$runner")
    [[ -n "$family" ]] && ps -o pid,ppid,etimes,args -p "$(echo "$family" | paste -sd, -)" | cut -c1-200 >&3
    tests=$(for pid in $family; do
        [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == *PackageTests* ]] && echo "$pid"
    done)
    for pid in $tests; do
        if command -v gdb >/dev/null; then
            timeout 120 gdb -p "$pid" -batch -ex 'thread apply all bt 25' 2>/dev/null |
                grep -E '^(Thread|#)' | head -600 >&3 || true
        fi
    done
    # The services a test started are children of the test process: stop them with it.
    for pid in $tests; do pkill -KILL -P "$pid" 2>/dev/null || true; done
    pkill -TERM -P "$runner" 2>/dev/null || true
    kill -TERM "$runner" 2>/dev/null || true
    sleep 10
    for pid in $tests; do kill -KILL "$pid" 2>/dev/null || true; done
) &
watchdog=$!
status=0
wait "$runner" || status=$?
pkill -P "$watchdog" 2>/dev/null || true
kill "$watchdog" 2>/dev/null || true
wait "$watchdog" 2>/dev/null || true
if ((status != 0)); then
    echo "::: what failed (from $transcript)"
    grep -E '✘|recorded an issue|error:|Fatal error|Caught signal' "$transcript" |
        grep -v 'known issue' | cut -c1-400 | head -80 || true
fi
exit "$status"
