#!/usr/bin/env bash
# Drop a CLM database of the local cluster (tests clean up with it). The shared roles stay.
#   scripts/db-drop.sh DBNAME
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

db="${1:-}"
[[ -n "$db" ]] || die "usage: $0 DBNAME"
[[ "$db" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "invalid database name '$db'"
case "$db" in
    postgres | template0 | template1) die "refusing to drop the system database '$db'" ;;
esac

load_secrets
export PGHOST=127.0.0.1 PGPORT="$CLM_PG_PORT_LOCAL" PGUSER=postgres
export PGPASSWORD="$CLM_PG_ADMIN_PASSWORD" PGCONNECT_TIMEOUT=30 PGAPPNAME=clm-db-drop
unset PGSERVICE PGDATABASE PGSSLMODE

ensure_run_dirs
exec 9>"$CLM_RUN/db-provision.lock"
flock -w 120 9 || die "timed out waiting for another db-provision/db-drop"

psql -X -q -v ON_ERROR_STOP=1 -d postgres -v dbname="$db" \
    -c 'SELECT 1' >/dev/null || die "cannot reach the cluster (scripts/pg.sh start)"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -v dbname="$db" <<'SQL' >/dev/null
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', :'dbname') \gexec
SQL
log "database '$db' dropped"
