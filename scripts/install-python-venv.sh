#!/usr/bin/env bash
# Installs a Python virtualenv of pinned packages for a test tool, at
# ${ROSTER_TOOLS_DIR:-/var/cache/roster-tools}/NAME, from REQUIREMENTS (a
# pip requirements file with every package pinned, dependencies too), so
# that nothing depends on the user's site-packages. The tools' own
# scripts call it (scripts/install-scim2-tester.sh,
# scripts/install-openapi-validator.sh):
#
#     scripts/install-python-venv.sh NAME REQUIREMENTS 'import module, ...'
#
# The third argument is Python code that must run in the new virtualenv.
#
# Idempotent: when the virtualenv is there and REQUIREMENTS has not changed
# since the last install, it does nothing and takes a few milliseconds. It
# needs `python3` (3.10 or later) with its `venv` module; as root it
# installs Debian's python3-venv when that is missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

[ $# -eq 3 ] || { echo "usage: $0 NAME REQUIREMENTS PYTHON-CHECK" >&2; exit 2; }
NAME="$1"
REQUIREMENTS="$2"
CHECK="$3"

log() { printf 'install-python-venv.sh (%s): %s\n' "$NAME" "$*" >&2; }
die() { log "$*"; exit 1; }

TOOLS_DIR="${ROSTER_TOOLS_DIR:-/var/cache/roster-tools}"
VENV="$TOOLS_DIR/$NAME"
STAMP="$VENV/.installed-requirements"

installed() {
    [ -f "$STAMP" ] && cmp -s "$REQUIREMENTS" "$STAMP" && "$VENV/bin/python" -c '' 2>/dev/null
}

installed && exit 0

mkdir -p "$TOOLS_DIR"
# One install at a time (parallel CI jobs, or two shells); the one that
# waited finds the work done.
exec 9>"$TOOLS_DIR/.$NAME.lock"
flock 9
installed && exit 0

# The interpreter: $ROSTER_PYTHON, else the first python3 on PATH that is
# recent enough (3.10) and has a working venv module.
usable() { "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; }
python=""
for candidate in ${ROSTER_PYTHON:-} python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null && usable "$candidate"; then
        python="$(command -v "$candidate")"
        break
    fi
done
if [ -z "$python" ]; then
    [ "$(id -u)" -eq 0 ] || die "no python3 (3.10 or later) with venv: install python3-venv as root"
    log "installing python3 and python3-venv (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -qq update >/dev/null
    apt-get -qq install -y --no-install-recommends python3 python3-venv >"$TOOLS_DIR/apt-$NAME.log" 2>&1 \
        || { cat "$TOOLS_DIR/apt-$NAME.log" >&2; die "apt-get install python3-venv failed"; }
    python=/usr/bin/python3
    usable "$python" || die "$python is older than 3.10 or has no venv module"
fi

log "creating $VENV with $("$python" --version 2>&1) and installing $REQUIREMENTS"
# The stamp is written last: an interrupted install is redone next time.
rm -rf "$VENV"
"$python" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$REQUIREMENTS"
"$VENV/bin/python" -c "$CHECK" || die "the new virtualenv fails its check: $CHECK"
cp "$REQUIREMENTS" "$STAMP"
log "done: $VENV"
