#!/usr/bin/env bash
# Bring the whole local system up: PostgreSQL, database provisioning, broker, the five
# services, the web console, nginx edge. Expects scripts/setup.sh and a build to have been run (make up does
# both). Anything already running is left as it is.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -f "$CLM_SECRETS" && -x "$CLM_TANSU" && -e "$CLM_LIBDIR/librdkafka.so.1" ]] ||
    die "not set up: run scripts/setup.sh (or make setup) first"

here="$CLM_ROOT/scripts"
"$here/pg.sh" start
"$here/db-provision.sh" "${CLM_PG_DATABASE:-clm}"
"$here/broker.sh" start
"$here/mail.sh" start
"$here/services.sh" start
"$here/edge.sh" start

cat <<EOF

CLM is up.
  API (edge):      http://127.0.0.1:$CLM_EDGE_PORT/v1/
  web console:     http://127.0.0.1:$CLM_EDGE_PORT/console/  (development sign-in: pick a demo user)
  registry:        http://127.0.0.1:$(clm_service_port registry)/health/ready
  intake:          http://127.0.0.1:$(clm_service_port intake)/health/ready
  approval:        http://127.0.0.1:$(clm_service_port approval)/health/ready
  keygen:          http://127.0.0.1:$(clm_service_port keygen)/health/ready
  ca-gateway:      http://127.0.0.1:$(clm_service_port ca-gateway)/health/ready
  PostgreSQL:      127.0.0.1:$CLM_PG_PORT_LOCAL, database ${CLM_PG_DATABASE:-clm}
  Kafka broker:    127.0.0.1:$CLM_BROKER_PORT
  SMTP catcher:    127.0.0.1:$CLM_SMTP_PORT_LOCAL, mail in $CLM_MAILDIR/new
  identity:        clm dev token --subject NAME --role REALM=ROLE (key in $CLM_IDP_DIR)
  logs:            $CLM_LOGS/
Stop everything with: make down   (or scripts/down.sh)
EOF
