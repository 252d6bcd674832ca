#!/usr/bin/env bash
# Create (idempotently) the CLM database DBNAME (default: clm) in the local cluster:
# login roles clm_registry, clm_intake, clm_approval, clm_keygen, clm_ca_gateway (passwords
# from .local/secrets.env), the database, and one schema per service owned by its role.
#   scripts/db-provision.sh [DBNAME]
# Integration tests call it with a fresh name (e.g. clmtest_ab12cd); calls are serialised
# with a lock so parallel tests do not race on the shared roles.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

db="${1:-clm}"
[[ "$db" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] ||
    die "invalid database name '$db' (use lower-case letters, digits and _, at most 63, not starting with a digit)"
case "$db" in
    postgres | template0 | template1) die "refusing to provision the system database '$db'" ;;
esac

load_secrets
for v in CLM_PG_ADMIN_PASSWORD CLM_REGISTRY_PG_PASSWORD CLM_INTAKE_PG_PASSWORD \
    CLM_APPROVAL_PG_PASSWORD CLM_KEYGEN_PG_PASSWORD CLM_CA_GATEWAY_PG_PASSWORD; do
    [[ -n "${!v:-}" ]] || die "$v missing from $CLM_SECRETS"
done

export PGHOST=127.0.0.1 PGPORT="$CLM_PG_PORT_LOCAL" PGUSER=postgres
export PGPASSWORD="$CLM_PG_ADMIN_PASSWORD" PGCONNECT_TIMEOUT=30 PGAPPNAME=clm-db-provision
export PGOPTIONS="-c client_min_messages=warning"
unset PGSERVICE PGDATABASE PGSSLMODE

sql="$CLM_ROOT/deploy/postgres/sql"
ensure_run_dirs
exec 9>"$CLM_RUN/db-provision.lock"
flock -w 120 9 || die "timed out waiting for another db-provision/db-drop"

psql -X -q -v ON_ERROR_STOP=1 -d postgres \
    -v dbname="$db" \
    -v pw_registry="$CLM_REGISTRY_PG_PASSWORD" \
    -v pw_intake="$CLM_INTAKE_PG_PASSWORD" \
    -v pw_approval="$CLM_APPROVAL_PG_PASSWORD" \
    -v pw_keygen="$CLM_KEYGEN_PG_PASSWORD" \
    -v pw_ca_gateway="$CLM_CA_GATEWAY_PG_PASSWORD" \
    -f "$sql/10-roles.sql" >/dev/null ||
    die "provisioning roles/database '$db' failed (is the cluster up? scripts/pg.sh start)"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v dbname="$db" -f "$sql/20-schemas.sql" >/dev/null ||
    die "provisioning schemas in '$db' failed"
log "database '$db' provisioned on 127.0.0.1:$CLM_PG_PORT_LOCAL"
