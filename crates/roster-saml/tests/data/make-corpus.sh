#!/usr/bin/env bash
# Regenerates the recorded SAML responses of this folder with the test
# suite's real identity provider (pysaml2 signing through xmlsec1, see
# crates/roster/tests/saml_idp/README.md); run scripts/install-saml-idp.sh
# first. The keys are test keys, made once and kept so that the recordings
# stay verifiable; `cases.txt` says what roster-saml must answer to each.
# Every response is made at a fixed time, which the cases pass as `now`.
#
# With arguments, only the recordings of those names are made again (such as
# `make-corpus.sh encrypted-aes192-gcm attack-tampered-key`): each run signs
# and encrypts afresh, so the others would change for nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
tools="${ROSTER_TOOLS_DIR:-/var/cache/roster-tools}"
python="$tools/saml-venv/bin/python"
idp="../../../roster/tests/saml_idp/idp.py"
run() { "$python" "$idp" "$@"; }
only=("$@")
wanted() {
    [ ${#only[@]} -eq 0 ] && return 0
    local name
    for name in "${only[@]}"; do [ "$name" = "$1" ] && return 0; done
    return 1
}

mkdir -p keys corpus
for name in idp other sp; do
    [ -f "keys/$name.key" ] || run keys --out keys --name "$name" >/dev/null
done
# The SP's decryption keys (and another SP's) as roster takes them: PKCS#8.
for name in sp other; do
    [ -f "keys/$name.p8" ] || openssl pkcs8 -topk8 -nocrypt -in "keys/$name.key" -out "keys/$name.p8"
done

NOW=2026-12-01T12:00:00Z
base=(--idp-entity-id https://idp.example.test/metadata --key keys/idp.key --cert keys/idp.crt
      --sp-entity-id https://roster.example.test/saml/metadata
      --acs-url https://roster.example.test/saml/consume
      --name-id alice@example.test --name-id-format email
      --attribute groups=Staff --attribute groups=Admins --attribute mail=alice@example.test
      --session-index _session1 --now "$NOW")
common=("${base[@]}" --in-response-to _req1)
response() {
    local out=$1; shift
    if wanted "$out"; then run response "${common[@]}" "$@" > "corpus/$out.b64"; fi
}
attack() { attack_as "$1" "$@"; }
# An attack recorded under another name (the same kind with other options).
attack_as() {
    local out=attack-$1 kind=$2; shift 2
    if wanted "$out"; then run attack --kind "$kind" "${common[@]}" "$@" > "corpus/$out.b64"; fi
}

response signed-assertion
response signed-response --sign response
response signed-both --sign both
response signed-sha512 --signature-alg rsa-sha512 --digest-alg sha512
response signed-sha1 --signature-alg rsa-sha1 --digest-alg sha1
response unsigned --sign none
if wanted unsolicited; then run response "${base[@]}" > corpus/unsolicited.b64; fi
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

# Encrypted assertions (to keys/sp.crt unless said): accepted, then refused.
sp=(--encrypt-cert keys/sp.crt)
for alg in aes192-cbc aes192-gcm; do
    response "encrypted-$alg" "${sp[@]}" --encrypt-alg "$alg"
done
response encrypted-signed-response "${sp[@]}" --encrypt-alg aes256-gcm --sign response
response encrypted-signed-response-cbc "${sp[@]}" --encrypt-alg aes256-cbc --sign response
response encrypted-signed-both "${sp[@]}" --encrypt-alg aes128-cbc --sign both
response encrypted-key-beside "${sp[@]}" --encrypt-alg aes256-cbc --encrypted-key-placement sibling
response encrypted-to-other --encrypt-cert keys/other.crt --encrypt-alg aes256-gcm
response encrypted-rsa-1_5 "${sp[@]}" --encrypt-alg aes256-gcm --key-transport rsa-1_5
response encrypted-3des "${sp[@]}" --encrypt-alg tripledes-cbc
response encrypted-unsigned "${sp[@]}" --encrypt-alg aes256-gcm --sign none
response encrypted-unsigned-cbc "${sp[@]}" --encrypt-alg aes256-cbc --sign none
# Signed with the IdP's key, another certificate in KeyInfo: a CBC plaintext
# that nothing but its own signature covers may carry only the IdP's.
response encrypted-keyinfo-other-gcm "${sp[@]}" --encrypt-alg aes256-gcm --cert keys/other.crt
response encrypted-keyinfo-other-cbc "${sp[@]}" --encrypt-alg aes256-cbc --cert keys/other.crt

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
# Attacks on encryption: GCM unless said, so that the refusal names its
# reason; with CBC and no Response signature every such refusal is the one
# decryption error.
gcm=("${sp[@]}" --encrypt-alg aes128-gcm)
attack_as tampered-ciphertext-cbc tampered-ciphertext "${sp[@]}" --encrypt-alg aes256-cbc
attack_as tampered-ciphertext-gcm tampered-ciphertext "${gcm[@]}"
attack tampered-key "${gcm[@]}"
attack_as other-key-encrypted other-key --other-key keys/other.key --other-cert keys/other.crt "${gcm[@]}"
attack_as other-key-encrypted-cbc other-key --other-key keys/other.key --other-cert keys/other.crt \
    "${sp[@]}" --encrypt-alg aes128-cbc
attack two-encrypted "${gcm[@]}"
attack encrypted-in-advice "${gcm[@]}"
attack retrieval-external "${gcm[@]}"
attack cipher-reference "${gcm[@]}"
attack encrypted-doctype "${gcm[@]}"
attack_as encrypted-doctype-cbc encrypted-doctype "${sp[@]}" --encrypt-alg aes128-cbc
attack encrypted-not-assertion "${gcm[@]}"
attack encrypted-undeclared-prefix "${gcm[@]}"
attack encrypted-wrap "${gcm[@]}"
attack encrypted-signature-moved "${gcm[@]}"

# IdP metadata with two signing certificates (a rotation in progress).
wanted metadata || exit 0
run metadata --entity-id https://idp.example.test/metadata --sso-url https://idp.example.test/sso \
    --slo-url https://idp.example.test/slo --cert keys/idp.crt --cert keys/other.crt \
    --valid-until 2027-01-01T00:00:00Z --cache-duration PT6H > metadata/idp.xml
