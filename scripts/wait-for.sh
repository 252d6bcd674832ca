#!/usr/bin/env bash
# Wait until a TCP port accepts connections or an HTTP URL answers 200.
#   scripts/wait-for.sh [-t SECONDS] HOST:PORT | http://URL ...
# Default timeout 30 s per target. Exit 0 when all are ready, 1 otherwise.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

timeout=30
if [[ "${1:-}" == -t ]]; then
    timeout="${2:?-t needs seconds}"
    shift 2
fi
(($# > 0)) || die "usage: $0 [-t SECONDS] HOST:PORT|URL ..."

tcp_ok() { port_open "${1##*:}" "${1%:*}"; }

for target in "$@"; do
    case "$target" in
        http://* | https://*) check=(http_ok "$target") ;;
        *:*) check=(tcp_ok "$target") ;;
        *) die "not HOST:PORT or URL: $target" ;;
    esac
    if wait_until "$timeout" "" "${check[@]}"; then
        log "ready: $target"
    else
        die "not ready after ${timeout}s: $target"
    fi
done
