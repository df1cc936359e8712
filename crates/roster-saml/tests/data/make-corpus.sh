#!/usr/bin/env bash
# Regenerates the recorded SAML responses of this folder with the test
# suite's real identity provider (pysaml2 signing through xmlsec1, see
# crates/roster/tests/saml_idp/README.md); run scripts/install-saml-idp.sh
# first. The keys are test keys, made once and kept so that the recordings
# stay verifiable; `cases.txt` says what roster-saml must answer to each.
# Every response is made at a fixed time, which the cases pass as `now`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
tools="${ROSTER_TOOLS_DIR:-/var/cache/roster-tools}"
python="$tools/saml-venv/bin/python"
idp="../../../roster/tests/saml_idp/idp.py"
run() { "$python" "$idp" "$@"; }

mkdir -p keys corpus
for name in idp other sp; do
    [ -f "keys/$name.key" ] || run keys --out keys --name "$name" >/dev/null
done

NOW=2026-12-01T12:00:00Z
base=(--idp-entity-id https://idp.example.test/metadata --key keys/idp.key --cert keys/idp.crt
      --sp-entity-id https://roster.example.test/saml/metadata
      --acs-url https://roster.example.test/saml/consume
      --name-id alice@example.test --name-id-format email
      --attribute groups=Staff --attribute groups=Admins --attribute mail=alice@example.test
      --session-index _session1 --now "$NOW")
common=("${base[@]}" --in-response-to _req1)
response() { local out=$1; shift; run response "${common[@]}" "$@" > "corpus/$out.b64"; }
attack() { local kind=$1; shift; run attack --kind "$kind" "${common[@]}" "$@" > "corpus/attack-$kind.b64"; }

response signed-assertion
response signed-response --sign response
response signed-both --sign both
response signed-sha512 --signature-alg rsa-sha512 --digest-alg sha512
response signed-sha1 --signature-alg rsa-sha1 --digest-alg sha1
response unsigned --sign none
run response "${base[@]}" > corpus/unsolicited.b64
response failed-status --status responder
response other-audience --sp-entity-id https://other-sp.example.test/
response other-destination --destination https://roster.example.test/saml/consume/other
response other-recipient --recipient https://evil.example.test/acs
response other-issuer --idp-entity-id https://evil-idp.example.test/
for alg in aes128-cbc aes256-cbc aes128-gcm aes256-gcm; do
    response "encrypted-$alg" --encrypt-cert keys/sp.crt --encrypt-alg "$alg"
done
response encrypted-oaep-sha256 --encrypt-cert keys/sp.crt --encrypt-alg aes256-gcm \
    --key-transport rsa-oaep --oaep-digest sha256 --oaep-mgf sha256

for kind in wrap-assertion-before wrap-assertion-after wrap-inside-signed wrap-signed-inside-evil \
    wrap-signature-moved wrap-signed-in-evil-signature wrap-signed-in-object \
    wrap-signed-in-extensions duplicate-id wrap-response-in-signature wrap-response-detached \
    response-signature-only-wraps response-signature-appended wrap-in-advice two-assertions \
    comment-in-nameid stripped-signature altered-byte doctype external-entity sha1 \
    empty-reference-uri; do
    attack "$kind"
done
attack other-key --other-key keys/other.key --other-cert keys/other.crt
attack wrap-beside-encrypted --encrypt-cert keys/sp.crt --encrypt-alg aes256-cbc

# IdP metadata with two signing certificates (a rotation in progress).
run metadata --entity-id https://idp.example.test/metadata --sso-url https://idp.example.test/sso \
    --slo-url https://idp.example.test/slo --cert keys/idp.crt --cert keys/other.crt \
    --valid-until 2027-01-01T00:00:00Z --cache-duration PT6H > metadata/idp.xml
