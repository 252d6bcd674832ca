#!/usr/bin/env bash
# make bench: the whole system from release binaries, then clm-bench against the edge.
#   BENCH_SCALE (1: 600 CSR, 200 server EC, 24 server RSA-3072 requests), BENCH_CONCURRENCY (50),
#   BENCH_SCENARIOS (csr-ec-p256,server-ec-p256,server-rsa-3072), BENCH_OUTPUT (JSON path).
# The services are restarted from .build/release so their peak memory and CPU time belong to
# this run; they stay up afterwards (make down stops them).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RELEASE_DIR="$(cd "$CLM_ROOT" && swift build -c release --show-bin-path)"
[[ -x "$RELEASE_DIR/clm-bench" ]] || die "no release build in $RELEASE_DIR: run swift build -c release (make bench does)"
export CLM_BIN_DIR="$RELEASE_DIR"

here="$CLM_ROOT/scripts"
"$here/pg.sh" start
"$here/db-provision.sh" "${CLM_PG_DATABASE:-clm}"
"$here/broker.sh" start
"$here/mail.sh" start
# Restart on the release binaries (whatever ran before), then the edge.
"$here/services.sh" stop
CLM_LOG_LEVEL="${CLM_LOG_LEVEL:-warning}" "$here/services.sh" start
"$here/edge.sh" start

log "clm-bench (release build, $(nproc) cores)"
export LD_LIBRARY_PATH="$CLM_LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
CLM_URL="http://127.0.0.1:$CLM_EDGE_PORT" \
CLM_DEV_IDP_DIR="$CLM_IDP_DIR" \
CLM_RUN_DIR="$CLM_RUN" \
CLM_BENCH_SCALE="${BENCH_SCALE:-1}" \
CLM_BENCH_CONCURRENCY="${BENCH_CONCURRENCY:-50}" \
CLM_BENCH_SCENARIOS="${BENCH_SCENARIOS:-}" \
CLM_BENCH_OUTPUT="${BENCH_OUTPUT:-$CLM_RUN/bench/bench-$(date -u +%Y%m%dT%H%M%SZ).json}" \
    "$RELEASE_DIR/clm-bench"
