#!/usr/bin/env bash
# Installs what the SAML identity-provider test fixture needs
# (crates/roster/tests/saml_idp, used by crates/roster/tests/it/saml_*.rs):
#
#   - Debian's `xmlsec1` (signs, encrypts and independently verifies),
#     `xmllint` (libxml2-utils) and `openssl`, with which the fixture's own
#     tests check what it makes,
#   - a virtualenv with pysaml2, lxml and cryptography, pinned in
#     crates/roster/tests/saml_idp/requirements.txt, at
#     ${ROSTER_TOOLS_DIR:-/var/cache/roster-tools}/saml-venv,
#     so that nothing depends on the user's site-packages.
#
# Idempotent: when everything is there and requirements.txt has not changed
# since the last install, it does nothing and takes a few milliseconds.
# Installing Debian packages needs root; the virtualenv needs `python3` with
# its `venv` module (Debian: python3-venv, installed here if missing).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'install-saml-idp.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

TOOLS_DIR="${ROSTER_TOOLS_DIR:-/var/cache/roster-tools}"
VENV="$TOOLS_DIR/saml-venv"
REQUIREMENTS="crates/roster/tests/saml_idp/requirements.txt"
STAMP="$VENV/.installed-requirements"

venv_is_current() {
    [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && cmp -s "$REQUIREMENTS" "$STAMP" \
        && "$VENV/bin/python" -c '' 2>/dev/null
}

if command -v xmlsec1 >/dev/null && command -v xmllint >/dev/null && command -v openssl >/dev/null \
    && venv_is_current; then
    exit 0
fi

mkdir -p "$TOOLS_DIR"
# One install at a time (parallel CI jobs, or two shells).
exec 9>"$TOOLS_DIR/.saml-venv.lock"
flock 9

APT_UPDATED=0
apt_install() {
    [ "$(id -u)" -eq 0 ] || die "missing $*: install them as root (apt-get install $*) or run this script as root"
    export DEBIAN_FRONTEND=noninteractive
    if [ "$APT_UPDATED" = 0 ]; then
        apt-get -qq update >/dev/null
        APT_UPDATED=1
    fi
    log "installing $* (apt)"
    apt-get -qq install -y --no-install-recommends "$@" >"$TOOLS_DIR/apt.log" 2>&1 \
        || { cat "$TOOLS_DIR/apt.log" >&2; die "apt-get install $* failed"; }
}

missing=()
command -v xmlsec1 >/dev/null || missing+=(xmlsec1)
command -v xmllint >/dev/null || missing+=(libxml2-utils)
command -v openssl >/dev/null || missing+=(openssl)
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
fi

if venv_is_current; then
    exit 0
fi

# The interpreter: $ROSTER_PYTHON, else the first python3 on PATH whose
# venv module works, else Debian's (with python3-venv installed).
python=""
for candidate in ${ROSTER_PYTHON:-} python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import venv, ensurepip' 2>/dev/null; then
        python="$(command -v "$candidate")"
        break
    fi
done
if [ -z "$python" ]; then
    apt_install python3 python3-venv
    python=/usr/bin/python3
fi

log "creating $VENV with $("$python" --version 2>&1) and installing $REQUIREMENTS"
# The stamp is written last: an interrupted install is redone next time.
rm -rf "$VENV"
"$python" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$REQUIREMENTS"
"$VENV/bin/python" -W ignore -c 'import saml2.server, lxml.etree, cryptography.x509' \
    || die "the new virtualenv cannot import pysaml2, lxml and cryptography"
cp "$REQUIREMENTS" "$STAMP"
log "done: $VENV"
