#!/usr/bin/env bash
# Show what of the local system is running.
set -uo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
"$here/pg.sh" status
"$here/broker.sh" status
"$here/mail.sh" status || true
"$here/services.sh" status
"$here/edge.sh" status
exit 0
