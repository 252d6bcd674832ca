#!/usr/bin/env bash
# Stop everything, then forget all local state: .run/ (logs, pids, rendered configs) and the
# PostgreSQL data. Installed things and .local/secrets.env are kept.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$CLM_ROOT/scripts/down.sh"
datadir="$("$CLM_ROOT/scripts/pg.sh" datadir)"
if [[ "$datadir" != "$CLM_LOCAL/pgdata" ]]; then
    # the cluster lived outside the checkout (see scripts/pg.sh): remove that folder too
    rm -rf "$(dirname "$datadir")"
fi
rm -rf "$CLM_LOCAL/pgdata" "$CLM_RUN"
log "local state removed (kept: $CLM_LOCAL wheels, tools, secrets)"
