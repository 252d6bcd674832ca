#!/usr/bin/env bash
# End-to-end demo against a running system (make run starts it, then runs this). It shows the
# three approval modes and both key sources:
#   A. CSR + automatic approval: certificate and chain downloaded, verified with OpenSSL;
#   B. server-generated EC P-256 key, downloaded once as PKCS#12 and checked with OpenSSL;
#   C. four-eyes: the requester's own approval is refused, two approvers issue it;
#   D. e-mail verification: the link is read out of the local mail catcher and confirmed.
# Tokens come from the development identity provider (clm dev token).
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
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

DEMO="$CLM_RUN/demo"
mkdir -p "$DEMO"
chmod 700 "$DEMO"

# Who is who: the demo admin sets the realm up and requests (and is an approver too, which
# still does not let them approve their own request); alice and bob approve.
token() { clm dev token --idp-dir "$CLM_IDP_DIR" --lifetime 900 "$@"; }
CLM_TOKEN="$(token --subject demo-admin --platform-admin --role demo=realm-admin,requester,approver,auditor)"
export CLM_TOKEN
ALICE="$(token --subject alice@demo.example --role demo=approver)"
BOB="$(token --subject bob@demo.example --role demo=approver)"

log "setup: realm, policies and end entities"
clm realm create demo --name "Demo realm" --exists-ok
# policy-intranet.json and entity-mismatch.json show, in the console, a request the policy
# blocks before it is submitted.
for f in policy.json policy-four-eyes.json policy-email.json policy-intranet.json; do
    clm policy create --realm demo --file "$CLM_ROOT/deploy/demo/$f" --exists-ok
done
for f in entity.json entity-signer.json entity-person.json entity-mismatch.json; do
    clm entity create --realm demo --file "$CLM_ROOT/deploy/demo/$f" --exists-ok
done

log "A1 key pair and CSR (EC P-256) in $DEMO"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$DEMO/www.key" 2>/dev/null
chmod 600 "$DEMO/www.key"
# CLM uses only the CSR's public key: this subject and SAN never reach the certificate.
openssl req -new -key "$DEMO/www.key" -subj "/CN=ignored-by-clm" -addext "subjectAltName=DNS:evil.example" \
    -out "$DEMO/www.csr"

log "A2 submit request (policy web-server, automatic approval)"
submitted="$(clm request submit --realm demo --policy web-server --entity www --csr "$DEMO/www.csr" --output json)"
echo "$submitted"
id="$(json_field id <<<"$submitted")"
[[ -n "$id" ]] || die "no request id in the submit response"

log "A3 wait for issuance of request $id"
clm request wait --realm demo "$id" --state issued --timeout 60

log "A4 download certificate and CA chain"
clm request certificate --realm demo "$id" -o "$DEMO/cert.pem"
clm ca chain default -o "$DEMO/chain.pem"

log "A5 verify with OpenSSL"
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
openssl x509 -in "$DEMO/cert.pem" -noout -subject -issuer -dates -ext subjectAltName,basicConstraints
if openssl x509 -in "$DEMO/cert.pem" -noout -text | grep -q evil.example; then
    die "the CSR's SAN reached the certificate"
fi

log "B1 server-side key generation (EC P-256); the download password is chosen now"
umask 077
head -c 18 /dev/urandom | base64 >"$DEMO/bundle.password"
submitted="$(clm request submit --realm demo --policy web-server --entity www --generate ec:p256 \
    --key-password-file "$DEMO/bundle.password" --output json)"
id="$(json_field id <<<"$submitted")"
clm request wait --realm demo "$id" --state issued --timeout 60
log "B2 download once as PKCS#12 with that password (the server then destroys the key)"
clm request key-bundle --realm demo "$id" --format pkcs12 --password-file "$DEMO/bundle.password" -o "$DEMO/www.p12"
openssl pkcs12 -in "$DEMO/www.p12" -passin "file:$DEMO/bundle.password" -nokeys -clcerts 2>/dev/null |
    openssl x509 -noout -subject
openssl pkcs12 -in "$DEMO/www.p12" -passin "file:$DEMO/bundle.password" -nocerts -nodes 2>/dev/null |
    openssl pkey -noout -check >/dev/null && echo "PKCS#12 key: OK"
clm request status --realm demo "$id"

log "C1 four-eyes: submit under policy code-signing (2 approvers)"
submitted="$(clm request submit --realm demo --policy code-signing --entity release-signer --generate ec:p256 \
    --key-password-file "$DEMO/bundle.password" --output json)"
id="$(json_field id <<<"$submitted")"
clm request wait --realm demo "$id" --state awaiting_approval --timeout 30
log "C2 the requester approving their own request is refused"
if clm approval approve --realm demo "$id" 2>"$DEMO/own-approval.err"; then
    die "the requester could approve their own request"
fi
cat "$DEMO/own-approval.err"
log "C3 alice and bob approve"
CLM_TOKEN="$ALICE" clm approval approve --realm demo "$id" --comment "reviewed the build pipeline"
CLM_TOKEN="$BOB" clm approval approve --realm demo "$id" --comment "second pair of eyes"
clm request wait --realm demo "$id" --state issued --timeout 60

log "D1 e-mail verification: submit under policy s-mime for alice@demo.example"
submitted="$(clm request submit --realm demo --policy s-mime --entity alice --generate ec:p256 \
    --key-password-file "$DEMO/bundle.password" --output json)"
id="$(json_field id <<<"$submitted")"
clm request wait --realm demo "$id" --state awaiting_verification --timeout 30
link=""
for _ in $(seq 1 50); do
    link="$("$CLM_ROOT/scripts/mail.sh" last-link 2>/dev/null || true)"
    [[ -n "$link" ]] && curl -fsS -H 'Accept: application/json' "$link" | grep -q "$id" && break
    link=""
    sleep 0.2
done
[[ -n "$link" ]] || die "no verification mail for request $id in $CLM_MAILDIR/new"
log "D2 the mailbox owner confirms: POST ${link%/*}/…"
curl -fsS -X POST -H 'Accept: application/json' "$link" >/dev/null
clm request wait --realm demo "$id" --state issued --timeout 60

log "E1 lifecycle: the inventory, and the CRL and OCSP responder that certificate A names"
clm cert list --realm demo --state valid --limit 5
ocsp_url="$(openssl x509 -in "$DEMO/cert.pem" -noout -ocsp_uri)"
echo "OCSP responder: $ocsp_url"
fetch_crl() { curl -fsS -H 'Accept: application/x-pem-file' "${ocsp_url%/ocsp}/crl" >"$DEMO/crl.pem"; }
fetch_crl
openssl verify -crl_check -CAfile "$DEMO/root.pem" "${untrusted[@]}" -CRLfile "$DEMO/crl.pem" "$DEMO/cert.pem"
openssl ocsp -issuer "$DEMO/intermediates.pem" -cert "$DEMO/cert.pem" -url "$ocsp_url" -CAfile "$DEMO/chain.pem"
serial="$(openssl x509 -in "$DEMO/cert.pem" -noout -serial | sed 's/^serial=//')"

log "E2 renew certificate A with a new key; the old one is revoked (superseded) once the new one is issued"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$DEMO/www-2.key" 2>/dev/null
chmod 600 "$DEMO/www-2.key"
openssl req -new -key "$DEMO/www-2.key" -subj "/CN=renewal" -out "$DEMO/www-2.csr"
renewed="$(clm cert renew --realm demo "$serial" --csr "$DEMO/www-2.csr" --revoke-old --output json)"
id="$(json_field id <<<"$renewed")"
clm request wait --realm demo "$id" --state issued --timeout 60
clm request certificate --realm demo "$id" -o "$DEMO/cert-2.pem"
openssl ocsp -issuer "$DEMO/intermediates.pem" -cert "$DEMO/cert.pem" -url "$ocsp_url" -CAfile "$DEMO/chain.pem"
fetch_crl
if openssl verify -crl_check -CAfile "$DEMO/root.pem" "${untrusted[@]}" -CRLfile "$DEMO/crl.pem" "$DEMO/cert.pem"; then
    die "the superseded certificate still verifies against the CRL"
fi
openssl verify -crl_check -CAfile "$DEMO/root.pem" "${untrusted[@]}" -CRLfile "$DEMO/crl.pem" "$DEMO/cert-2.pem"
clm cert show --realm demo "$serial"

log "demo finished: certificates and bundle in $DEMO"
