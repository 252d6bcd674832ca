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
exec swift test --skip-build --no-parallel "$@"
