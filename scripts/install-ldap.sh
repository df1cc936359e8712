#!/usr/bin/env bash
# Installs what the OpenLDAP test fixture needs (`roster_ldap::testing::Slapd`,
# feature `test-support` of crates/roster-ldap, used by its tests and by other
# crates' LDAP tests):
#
#   - Debian's `slapd` (the server, and `slapadd` to bulk-load a database
#     before it starts), with its schema files and the `memberof` overlay,
#   - `ldap-utils` (`ldapadd`, `ldapmodify`, `ldapdelete`, `ldapmodrdn`,
#     `ldapsearch`), with which the fixture changes the directory,
#   - `openssl`, with which the fixture makes its throwaway CA and certificates.
#
# The package's own server must never run: each test starts its own slapd on
# free ports in its own directory. So the package is preseeded to create no
# configuration or database (`slapd/no_configuration`), services are kept from
# starting while it installs (a temporary policy-rc.d), and its service is
# stopped and disabled afterwards where a service manager runs.
#
# Idempotent: when everything is there it does nothing and takes a few
# milliseconds. Installing needs root.
set -euo pipefail

log() { printf 'install-ldap.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

have_all() {
    [ -x /usr/sbin/slapd ] && [ -x /usr/sbin/slapadd ] \
        && command -v ldapmodify >/dev/null && command -v openssl >/dev/null \
        && [ -f /etc/ldap/schema/inetorgperson.schema ]
}

if have_all; then
    exit 0
fi

[ "$(id -u)" -eq 0 ] || die "slapd, ldap-utils or openssl is missing: run this script as root (it uses apt-get)"

TOOLS_DIR="${ROSTER_TOOLS_DIR:-/var/cache/roster-tools}"
mkdir -p "$TOOLS_DIR"
# One install at a time (parallel CI jobs, or two shells).
exec 9>"$TOOLS_DIR/.ldap.lock"
flock 9
if have_all; then
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# No configuration and no database: the package's slapd has nothing to serve
# and its postinst starts nothing.
debconf-set-selections <<'EOF'
slapd slapd/no_configuration boolean true
slapd slapd/purge_database boolean false
EOF

# Keep invoke-rc.d from starting the service during the install, unless the
# machine already has a policy (containers usually do).
POLICY=/usr/sbin/policy-rc.d
OUR_POLICY=0
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$POLICY"
    chmod 755 "$POLICY"
    OUR_POLICY=1
fi
cleanup() { if [ "$OUR_POLICY" = 1 ]; then rm -f "$POLICY"; fi; }
trap cleanup EXIT

log "installing slapd, ldap-utils and openssl (apt)"
apt-get -qq update >/dev/null
apt-get -qq install -y --no-install-recommends slapd ldap-utils openssl >"$TOOLS_DIR/apt-ldap.log" 2>&1 \
    || { cat "$TOOLS_DIR/apt-ldap.log" >&2; die "apt-get install slapd ldap-utils openssl failed"; }

# Where systemd runs, make sure the package's server is neither running nor
# started at boot; elsewhere (containers) there is no service to stop.
if [ -d /run/systemd/system ]; then
    systemctl disable --now slapd >/dev/null 2>&1 || true
fi

have_all || die "slapd and ldap-utils were installed but /usr/sbin/slapd, slapadd or ldapmodify is missing"
log "done: $(/usr/sbin/slapd -VV 2>&1 | head -n 1)"
