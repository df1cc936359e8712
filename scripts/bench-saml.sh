#!/usr/bin/env bash
# The sign-in benchmark: verified SAML sign-ins per second through roster's
# assertion consumer service (SQLite, release build), at each concurrency,
# with `roster-bench acs`.
#
#   scripts/bench-saml.sh                               # 1,000 users, 10,000 sign-ins, concurrency 1 and 16
#   USERS=100 SIGN_INS=1000 scripts/bench-saml.sh       # a quick check of the whole loop
#   TRUST=fingerprint scripts/bench-saml.sh             # trust the IdP by certificate fingerprint
#
# Environment: USERS (1000), SIGN_INS (10000), CONCURRENCY ("1 16"), TRUST
# (metadata: the IdP's metadata XML, as `--metadata-file`; or fingerprint),
# CARGO_TARGET_DIR (/var/cache/roster-target), OUT (a new folder under
# $CARGO_TARGET_DIR/bench) for the reports, keys and server logs.
#
# A fresh RSA-2048 IdP key and certificate (openssl) for the whole script;
# for each concurrency a fresh roster on a new data directory with a site,
# an Okta provider trusting that IdP with IdP-initiated sign-in on, and
# `roster serve --public-url`. roster-bench signs every response before it
# posts any; the first is then checked by xmlsec1, when installed
# (scripts/install-saml-idp.sh installs it), so the signatures are not only
# ones that bergshamra, which signs and verifies here, agrees with itself
# about. A refused sign-in stops the script (roster-bench exits non-zero).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BENCH_NAME=bench-saml.sh
# shellcheck source=scripts/bench-common.sh
. scripts/bench-common.sh

USERS="${USERS:-1000}"
SIGN_INS="${SIGN_INS:-10000}"
CONCURRENCY="${CONCURRENCY:-1 16}"
TRUST="${TRUST:-metadata}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/roster-target}"
OUT="${OUT:-$CARGO_TARGET_DIR/bench/saml-$(date +%Y%m%d-%H%M%S)}"
READY_SECONDS=60
IDP_ENTITY_ID="https://idp.bench.example/metadata"
IDP_SSO_URL="https://idp.bench.example/sso"

case "$TRUST" in
    metadata | fingerprint) ;;
    *) die "TRUST is metadata or fingerprint, not '$TRUST'" ;;
esac
command -v python3 >/dev/null || die "python3 is needed (to read JSON and find free ports)"
command -v openssl >/dev/null || die "openssl is needed (to make the IdP's key pair)"
mkdir -p "$OUT"

build=(cargo build --release --quiet -p roster -p roster-bench)
record "${build[@]}"
log "building in release (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
"${build[@]}"
ROSTER="$CARGO_TARGET_DIR/release/roster"
BENCH="$CARGO_TARGET_DIR/release/roster-bench"

# The IdP's key pair and what roster is given to trust it.
KEY="$OUT/idp.key"
CERT="$OUT/idp.crt"
METADATA="$OUT/idp-metadata.xml"
keygen=(openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 2 -subj "/CN=roster bench idp"
    -keyout "$KEY" -out "$CERT")
record "${keygen[@]}"
"${keygen[@]}" 2>/dev/null || die "openssl could not make the IdP's key pair"
cert_body="$(grep -v -- '-----' "$CERT" | tr -d '\n')"
cat >"$METADATA" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="$IDP_ENTITY_ID">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>$cert_body</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="$IDP_SSO_URL"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="$IDP_SSO_URL"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
XML
case "$TRUST" in
    metadata) trust=(--metadata-file "$METADATA") ;;
    fingerprint)
        fingerprint="$(openssl x509 -noout -sha256 -fingerprint -in "$CERT" | cut -d= -f2)"
        trust=(--fingerprint "$fingerprint" --sso-url "$IDP_SSO_URL")
        ;;
esac

# check_sample FILE: the first response of a run, verified by xmlsec1.
XMLSEC_CHECKED=""
check_sample() {
    if ! command -v xmlsec1 >/dev/null; then
        XMLSEC_CHECKED="no (xmlsec1 is not installed: scripts/install-saml-idp.sh)"
        return
    fi
    local check=(xmlsec1 --verify --pubkey-cert-pem "$CERT"
        --id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion "$1")
    record "${check[@]}"
    "${check[@]}" >"$1.xmlsec1.txt" 2>&1 || {
        cat "$1.xmlsec1.txt" >&2
        die "xmlsec1 does not verify the signed response $1"
    }
    XMLSEC_CHECKED="yes, the first response of each run"
}

run_roster() {
    local c="$1" data port public provider
    data="$(mktemp -d)"
    CLEANUP+=("$data")
    record "$ROSTER" --data-dir DIR site create --slug bench
    "$ROSTER" --data-dir "$data" site create --slug bench >/dev/null
    record "$ROSTER" --data-dir DIR provider create --site bench --kind okta --name Bench
    "$ROSTER" --data-dir "$data" provider create --site bench --kind okta --name Bench >/dev/null
    local saml=(provider saml --site bench --provider Bench "${trust[@]}" --idp-initiated on --json)
    record "$ROSTER" --data-dir DIR "${saml[@]}"
    provider="$("$ROSTER" --data-dir "$data" "${saml[@]}" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')" ||
        die "could not read the provider's id from 'roster provider saml --json'"
    port="$(free_port)"
    public="http://127.0.0.1:$port"
    record "$ROSTER" --data-dir DIR serve --listen "127.0.0.1:$port" --public-url "$public"
    "$ROSTER" --data-dir "$data" serve --listen "127.0.0.1:$port" --public-url "$public" \
        >"$OUT/roster-c$c.log" 2>&1 &
    SERVER_PID=$!
    wait_ready "$public/healthz" "$SERVER_PID" "$OUT/roster-c$c.log"
    local cmd=("$BENCH" acs --acs-url "$public/saml/consume/$provider"
        --sp-entity-id "$public/saml/metadata" --idp-entity-id "$IDP_ENTITY_ID"
        --idp-key "$KEY" --idp-cert "$CERT" --users "$USERS" --sign-ins "$SIGN_INS"
        --concurrency "$c" --server-pid "$SERVER_PID" --label roster
        --json-out "$OUT/roster-c$c.json" --sample-out "$OUT/sample-c$c.xml")
    run_bench "$OUT/roster-c$c.txt" "$OUT/roster-c$c.log" "acs at concurrency $c" "${cmd[@]}"
    stop_server
    check_sample "$OUT/sample-c$c.xml"
}

for c in $CONCURRENCY; do
    run_roster "$c"
done

echo
echo "## Sign-ins per second (trust: $TRUST; xmlsec1 checked the signatures: $XMLSEC_CHECKED)"
python3 - "$OUT" "$CONCURRENCY" <<'PY'
import json, os, sys
out, levels = sys.argv[1], sys.argv[2].split()
print(f"{'concurrency':>11} {'phase':<32} {'sign-ins':>9} {'sign-ins/s':>11} {'p50 ms':>8} "
      f"{'p99 ms':>8} {'server CPU ms':>14} {'client CPU ms':>14}")
for c in levels:
    report = json.load(open(os.path.join(out, f"roster-c{c}.json")))
    for p in report["phases"]:
        m, server = p["measure"], p["server_cpu_ms"]
        server = f"{server:.3f}" if server is not None else "-"
        print(f"{c:>11} {p['name']:<32} {m['requests']:>9} {m['requests_per_second']:>11.1f} "
              f"{m['p50_ms']:>8.2f} {m['p99_ms']:>8.2f} {server:>14} {p['client_cpu_ms']:>14.3f}")
    m = report["total"]
    print(f"{c:>11} {'total':<32} {m['requests']:>9} {m['requests_per_second']:>11.1f} "
          f"{m['p50_ms']:>8.2f} {m['p99_ms']:>8.2f}")
PY

echo
echo "## Machine"
print_machine
if command -v xmlsec1 >/dev/null; then echo "xmlsec1: $(xmlsec1 --version)"; fi

echo
echo "## Commands (DIR: a fresh 'mktemp -d' data directory per run)"
print_commands
echo
echo "Reports, keys, samples and server logs: $OUT"
