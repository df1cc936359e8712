#!/usr/bin/env bash
# The project's one test command: `scripts/test.sh [nextest args...]`.
#
# On a fresh Debian 12 machine (as root) it installs what is missing
# (PostgreSQL server binaries, cargo-nextest, the test SAML identity
# provider through scripts/install-saml-idp.sh, the scim2-tester checker
# through scripts/install-scim2-tester.sh, openapi-spec-validator through
# scripts/install-openapi-validator.sh, OpenLDAP's slapd for the directory
# tests through scripts/install-ldap.sh, aiosmtpd for the mail tests
# through scripts/install-smtp.sh, and Debian's chromium and chromium-driver
# for the browser tests through scripts/install-browser.sh), starts a
# throwaway PostgreSQL cluster on a free loopback port, exports
# ROSTER_TEST_DATABASE_URL for the tests (which create their own databases
# in it), runs `cargo nextest run --workspace --no-fail-fast "$@"` and exits
# with its status. The cluster is stopped and its directory removed on exit.
#
# If ROSTER_TEST_DATABASE_URL is already set, no cluster is started and that
# server is used as it is. Before the tests it checks formatting and clippy
# lints (warnings are errors); ROSTER_SKIP_LINT=1 skips that.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'test.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/roster-target}"
mkdir -p "$CARGO_TARGET_DIR"

if ! cargo nextest --version >/dev/null 2>&1; then
    log "installing cargo-nextest"
    cargo install cargo-nextest --locked --quiet
fi

# Prints the bin directory of the newest PostgreSQL server found, if any.
find_pg_bindir() {
    local initdb
    initdb="$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)"
    if [ -n "$initdb" ]; then
        dirname "$initdb"
    elif command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    fi
}

# Prints a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
        return
    fi
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 40000))
        if ! ss -Htln "sport = :$port" | grep -q .; then
            echo "$port"
            return
        fi
    done
    die "no free TCP port found"
}

PG_DIR=""
PG_BIN=""

# Runs a PostgreSQL server program as the `postgres` user when we are root
# (the server refuses to run as root), from a directory it may read.
as_pg() {
    if is_root; then
        (cd "$PG_DIR" && runuser -u postgres -- "$@")
    else
        (cd "$PG_DIR" && "$@")
    fi
}

stop_cluster() {
    if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then
        if [ -f "$PG_DIR/data/postmaster.pid" ]; then
            as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$PG_DIR"
    fi
}

start_cluster() {
    PG_BIN="$(find_pg_bindir)"
    if [ -z "$PG_BIN" ]; then
        is_root || die "PostgreSQL is not installed; install the server (Debian: apt-get install postgresql) or set ROSTER_TEST_DATABASE_URL"
        log "installing PostgreSQL"
        export DEBIAN_FRONTEND=noninteractive
        apt-get -qq update >/dev/null
        apt-get -qq install -y postgresql >/dev/null
        PG_BIN="$(find_pg_bindir)"
        [ -n "$PG_BIN" ] || die "PostgreSQL was installed but no initdb was found"
    fi
    if is_root && ! id -u postgres >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    fi

    # In /tmp rather than $TMPDIR: the Unix socket path must stay under ~100 bytes.
    PG_DIR="$(mktemp -d /tmp/roster-pg.XXXXXX)"
    trap stop_cluster EXIT
    if is_root; then
        chown postgres: "$PG_DIR"
    fi
    as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }

    # The port is free when chosen but another process may take it before the
    # server binds, so a failed start is retried on a new port.
    local port attempt
    for attempt in 1 2 3; do
        port="$(free_port)"
        if as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
            -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" \
            start >/dev/null; then
            export ROSTER_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
            log "PostgreSQL $("$PG_BIN/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port"
            return
        fi
        log "PostgreSQL did not start on port $port (attempt $attempt)"
    done
    cat "$PG_DIR/server.log" >&2 || true
    die "could not start PostgreSQL"
}

# Signals end the script through `exit`, so the EXIT trap stops the cluster.
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "${ROSTER_TEST_DATABASE_URL:-}" ]; then
    log "using ROSTER_TEST_DATABASE_URL from the environment"
else
    start_cluster
fi

# The SAML sign-in tests talk to a real identity provider (pysaml2 signing
# through xmlsec1), scim2-tester checks the SCIM server against RFC
# 7643/7644, and openapi-spec-validator checks the admin API's OpenAPI
# document; their scripts install what is missing and are quick when
# nothing is.
scripts/install-saml-idp.sh
scripts/install-scim2-tester.sh
scripts/install-openapi-validator.sh

# The directory tests run real OpenLDAP servers (roster_ldap::testing::Slapd);
# its script installs slapd and ldap-utils and is quick when they are there.
scripts/install-ldap.sh

# The mail tests deliver to a real SMTP server (aiosmtpd, started by each
# test through crates/roster/tests/it/smtp.rs); quick when it is there.
scripts/install-smtp.sh

# The browser tests drive a real headless chromium over WebDriver
# (crates/roster/tests/it/browser.rs, one chromedriver per test); its script
# installs Debian's chromium and chromium-driver and is quick when they are
# there.
scripts/install-browser.sh

# The style rules that a reviewer should not have to check by hand:
# formatting, and clippy (no unwrap/expect/panic outside tests) with
# warnings as errors. ROSTER_SKIP_LINT=1 skips them while iterating.
if [ "${ROSTER_SKIP_LINT:-0}" != 1 ]; then
    for component in rustfmt clippy; do
        if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
            log "installing $component"
            rustup component add "$component"
        fi
    done
    log "checking formatting and lints"
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --quiet -- -D warnings
fi

status=0
cargo nextest run --workspace --no-fail-fast "$@" || status=$?
exit "$status"
