#!/usr/bin/env bash
# Stop everything this project started, in reverse order: edge, services, broker,
# PostgreSQL. Only processes named by our pid files whose command line still matches are
# signalled; nothing else is touched.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

here="$CLM_ROOT/scripts"
rc=0
"$here/edge.sh" stop || rc=1
"$here/services.sh" stop || rc=1
"$here/mail.sh" stop || rc=1
"$here/broker.sh" stop || rc=1
"$here/pg.sh" stop || rc=1
exit "$rc"
