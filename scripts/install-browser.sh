#!/usr/bin/env bash
# Installs what the browser test fixture needs
# (crates/roster/tests/it/browser.rs, which drives a real browser over
# WebDriver):
#
#   - Debian's `chromium`, the browser, run headless by each test with a
#     throwaway profile,
#   - `chromium-driver`, its WebDriver server (/usr/bin/chromedriver), which
#     each test starts on a free port on 127.0.0.1.
#
# Both come from Debian rather than from a download of their own: the driver
# must match the browser's version, and the packages keep them in step.
#
# Idempotent: when both are there it does nothing and takes a few
# milliseconds (no apt-get update unless something is missing). Installing
# needs root.
set -euo pipefail

log() { printf 'install-browser.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

have_all() {
    [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]
}

if have_all; then
    exit 0
fi

[ "$(id -u)" -eq 0 ] || die "chromium or chromium-driver is missing: run this script as root (it uses apt-get)"

TOOLS_DIR="${ROSTER_TOOLS_DIR:-/var/cache/roster-tools}"
mkdir -p "$TOOLS_DIR"
# One install at a time (parallel CI jobs, or two shells).
exec 9>"$TOOLS_DIR/.browser.lock"
flock 9
if have_all; then
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
log "installing chromium and chromium-driver (apt)"
apt-get -qq update >/dev/null
# Without recommends: no desktop integration, no extra fonts or codecs; the
# tests render plain server pages.
apt-get -qq install -y --no-install-recommends chromium chromium-driver >"$TOOLS_DIR/apt-browser.log" 2>&1 \
    || { cat "$TOOLS_DIR/apt-browser.log" >&2; die "apt-get install chromium chromium-driver failed"; }

have_all || die "chromium and chromium-driver were installed but /usr/bin/chromium or /usr/bin/chromedriver is missing"
log "done: $(/usr/bin/chromium --version 2>/dev/null), $(/usr/bin/chromedriver --version 2>/dev/null | head -n 1)"
