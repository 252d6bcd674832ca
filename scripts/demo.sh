#!/usr/bin/env bash
# End-to-end demo against a running system (make run starts it, then runs this):
# make a CSR, set up a realm, policy and end entity, submit a request, wait for issuance,
# download the certificate and the CA chain, and verify the certificate with OpenSSL.
# CLI base URL: CLM_URL (default http://127.0.0.1:8080).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export CLM_URL="${CLM_URL:-http://127.0.0.1:$CLM_EDGE_PORT}"
export LD_LIBRARY_PATH="$CLM_LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
BIN_DIR="$(clm_bin_dir)"
CLM="$BIN_DIR/clm"
[[ -x "$CLM" ]] || die "CLI not found at $CLM: build first (make build)"
clm() { "$CLM" "$@"; }

DEMO="$CLM_RUN/demo"
mkdir -p "$DEMO"
chmod 700 "$DEMO"

log "1/8 key pair and CSR (EC P-256) in $DEMO"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$DEMO/www.key" 2>/dev/null
chmod 600 "$DEMO/www.key"
openssl req -new -key "$DEMO/www.key" -subj "/CN=ignored-by-clm" -out "$DEMO/www.csr"

log "2/8 realm"
clm realm create demo --name "Demo realm" --exists-ok
log "3/8 policy"
clm policy create --realm demo --file "$CLM_ROOT/deploy/demo/policy.json" --exists-ok
log "4/8 end entity"
clm entity create --realm demo --file "$CLM_ROOT/deploy/demo/entity.json" --exists-ok

log "5/8 submit request"
submitted="$(clm request submit --realm demo --policy web-server --entity www --csr "$DEMO/www.csr" --output json)"
echo "$submitted"
id="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$submitted")"
[[ -n "$id" ]] || die "no request id in the submit response"

log "6/8 wait for issuance of request $id"
clm request wait --realm demo "$id" --state issued --timeout 60

log "7/8 download certificate and CA chain"
clm request certificate --realm demo "$id" -o "$DEMO/cert.pem"
clm ca chain default -o "$DEMO/chain.pem"

log "8/8 verify with OpenSSL"
# Split chain.pem; the self-issued certificate is the trust anchor, the rest are untrusted
# intermediates (whatever order the chain comes in).
rm -f "$DEMO"/chain-*.pem "$DEMO/root.pem" "$DEMO/intermediates.pem"
python3 - "$DEMO/chain.pem" "$DEMO/chain-" <<'PY'
import re, sys
pems = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", open(sys.argv[1]).read(), re.S)
if not pems:
    sys.exit("no certificates in " + sys.argv[1])
for i, pem in enumerate(pems):
    open(f"{sys.argv[2]}{i}.pem", "w").write(pem + "\n")
PY
: >"$DEMO/intermediates.pem"
for part in "$DEMO"/chain-*.pem; do
    if [[ "$(openssl x509 -in "$part" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" == \
        "$(openssl x509 -in "$part" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')" ]]; then
        cp "$part" "$DEMO/root.pem"
    else
        cat "$part" >>"$DEMO/intermediates.pem"
    fi
done
[[ -s "$DEMO/root.pem" ]] || die "no self-signed root in $DEMO/chain.pem"
untrusted=()
[[ -s "$DEMO/intermediates.pem" ]] && untrusted=(-untrusted "$DEMO/intermediates.pem")
openssl verify -CAfile "$DEMO/root.pem" "${untrusted[@]}" "$DEMO/cert.pem"
openssl x509 -in "$DEMO/cert.pem" -noout -text
log "demo finished: certificate in $DEMO/cert.pem"
