#!/usr/bin/env bash
# Installs what the SMTP test fixture needs (crates/roster/tests/it/smtp.rs):
# Debian's `python3-aiosmtpd` (for Debian's /usr/bin/python3, which the fixture
# runs whatever python3 comes first on PATH), a real SMTP server that each test
# starts on a free port on 127.0.0.1 with crates/roster/tests/smtp/server.py,
# which writes every message it accepts to a folder the test reads; and
# `openssl`, with which the server makes a throwaway CA and certificate for
# the STARTTLS and TLS tests.
#
# Idempotent: when the module imports it does nothing and takes a few
# milliseconds (no apt-get update unless something is missing). Installing
# needs root.
set -euo pipefail

log() { printf 'install-smtp.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

have_all() {
    /usr/bin/python3 -c 'import aiosmtpd.controller, aiosmtpd.handlers' >/dev/null 2>&1 \
        && command -v openssl >/dev/null
}

if have_all; then
    exit 0
fi

[ "$(id -u)" -eq 0 ] || die "python3-aiosmtpd is missing: run this script as root (it uses apt-get)"

TOOLS_DIR="${ROSTER_TOOLS_DIR:-/var/cache/roster-tools}"
mkdir -p "$TOOLS_DIR"
# One install at a time (parallel CI jobs, or two shells).
exec 9>"$TOOLS_DIR/.smtp.lock"
flock 9
if have_all; then
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
log "installing python3-aiosmtpd and openssl (apt)"
if ! apt-cache show python3-aiosmtpd >/dev/null 2>&1; then
    apt-get -qq update >/dev/null
fi
apt-get -qq install -y --no-install-recommends python3-aiosmtpd openssl >"$TOOLS_DIR/apt-smtp.log" 2>&1 \
    || { cat "$TOOLS_DIR/apt-smtp.log" >&2; die "apt-get install python3-aiosmtpd openssl failed"; }

have_all || die "python3-aiosmtpd was installed but python3 cannot import aiosmtpd"
log "done: aiosmtpd $(/usr/bin/python3 -c 'import aiosmtpd; print(aiosmtpd.__version__)')"
