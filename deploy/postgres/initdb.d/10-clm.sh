#!/usr/bin/env bash
# PostgreSQL container init (compose.yaml mounts this folder on /docker-entrypoint-initdb.d
# and ../sql on /clm-sql): the same roles, database and schemas as scripts/db-provision.sh,
# with the passwords taken from the container's environment. Runs once, on an empty volume.
set -euo pipefail
: "${CLM_PG_DATABASE:=clm}"
for v in CLM_REGISTRY_PG_PASSWORD CLM_INTAKE_PG_PASSWORD CLM_APPROVAL_PG_PASSWORD \
    CLM_KEYGEN_PG_PASSWORD CLM_CA_GATEWAY_PG_PASSWORD; do
    [[ -n "${!v:-}" ]] || { echo "10-clm.sh: $v is not set" >&2; exit 1; }
done
psql=(psql -X -q -v ON_ERROR_STOP=1 --username "$POSTGRES_USER")
"${psql[@]}" --dbname postgres \
    -v dbname="$CLM_PG_DATABASE" \
    -v pw_registry="$CLM_REGISTRY_PG_PASSWORD" \
    -v pw_intake="$CLM_INTAKE_PG_PASSWORD" \
    -v pw_approval="$CLM_APPROVAL_PG_PASSWORD" \
    -v pw_keygen="$CLM_KEYGEN_PG_PASSWORD" \
    -v pw_ca_gateway="$CLM_CA_GATEWAY_PG_PASSWORD" \
    -f /clm-sql/10-roles.sql
"${psql[@]}" --dbname "$CLM_PG_DATABASE" -v dbname="$CLM_PG_DATABASE" -f /clm-sql/20-schemas.sql
