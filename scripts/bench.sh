#!/usr/bin/env bash
# The SCIM benchmark: roster (SQLite) against the reference server
# scim2-server (in-memory), at each concurrency, with `roster-bench`.
#
#   scripts/bench.sh                                   # 20,000 users, concurrency 1 and 16
#   USERS=200 CONCURRENCY="1 16" scripts/bench.sh      # a quick check of the whole loop
#   SERVERS=scim2-server USERS=200 scripts/bench.sh    # one server only
#
# Environment: USERS (20000), GROUP_COUNT (10; bash reserves GROUPS), CONCURRENCY ("1 16"),
# SERVERS ("roster scim2-server"), SCIM2_SERVER_VERSION (0.8.3), THREADS (roster-bench's
# --threads; unset, its default: the concurrency up to the cores; 1 on a 2-core machine),
# CARGO_TARGET_DIR (/var/cache/roster-target), OUT (a new folder under
# $CARGO_TARGET_DIR/bench) for the reports and server logs.
#
# Each run gets a fresh server: roster on a new data directory, scim2-server
# in a new process. The script prints each run's table, the per-phase ratio
# roster/scim2-server of requests per second, the machine and the exact
# commands. A wrong answer from a server stops the script (roster-bench
# exits non-zero); a feature a server lacks is reported as "unsupported".
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BENCH_NAME=bench.sh
# shellcheck source=scripts/bench-common.sh
. scripts/bench-common.sh

USERS="${USERS:-20000}"
GROUP_COUNT="${GROUP_COUNT:-10}"
CONCURRENCY="${CONCURRENCY:-1 16}"
SERVERS="${SERVERS:-roster scim2-server}"
THREADS="${THREADS:-}"
SCIM2_SERVER_VERSION="${SCIM2_SERVER_VERSION:-0.8.3}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/roster-target}"
OUT="${OUT:-$CARGO_TARGET_DIR/bench/$(date +%Y%m%d-%H%M%S)}"
SCIM2_VENV="$CARGO_TARGET_DIR/scim2-venv"
READY_SECONDS=60

command -v python3 >/dev/null || die "python3 is needed (to read JSON and find free ports)"
mkdir -p "$OUT"

# bench LABEL C BASE_URL [args...]: one roster-bench run against the server
# in SERVER_PID; the table goes to the terminal and OUT, the JSON to OUT.
bench() {
    local label="$1" c="$2" base_url="$3"
    shift 3
    local cmd=("$BENCH" --base-url "$base_url" --users "$USERS" --groups "$GROUP_COUNT"
        --concurrency "$c" --server-pid "$SERVER_PID" --label "$label"
        --json-out "$OUT/$label-c$c.json" ${THREADS:+--threads "$THREADS"} "$@")
    run_bench "$OUT/$label-c$c.txt" "$OUT/$label-c$c.log" "against $label at concurrency $c" \
        "${cmd[@]}"
}

run_roster() {
    local c="$1" data port token
    data="$(mktemp -d)"
    CLEANUP+=("$data")
    if ! "$ROSTER" --data-dir "$data" provider scim --help >/dev/null 2>&1; then
        die "this roster has no 'provider scim' command, which prints a provider's SCIM token; build a roster that has it"
    fi
    record "$ROSTER" --data-dir DIR site create --slug bench
    "$ROSTER" --data-dir "$data" site create --slug bench >/dev/null
    record "$ROSTER" --data-dir DIR provider create --site bench --kind okta --name Bench
    "$ROSTER" --data-dir "$data" provider create --site bench --kind okta --name Bench >/dev/null
    record "$ROSTER" --data-dir DIR provider scim --site bench --provider Bench --auth token --json
    token="$("$ROSTER" --data-dir "$data" provider scim --site bench --provider Bench --auth token --json |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')" ||
        die "could not read the token from 'roster provider scim --json'"
    [ -n "$token" ] || die "'roster provider scim --json' gave an empty token"
    port="$(free_port)"
    record "$ROSTER" --data-dir DIR serve --listen "127.0.0.1:$port"
    "$ROSTER" --data-dir "$data" serve --listen "127.0.0.1:$port" >"$OUT/roster-c$c.log" 2>&1 &
    SERVER_PID=$!
    wait_ready "http://127.0.0.1:$port/healthz" "$SERVER_PID" "$OUT/roster-c$c.log"
    # The token goes through the environment, not the command line.
    record export ROSTER_BENCH_TOKEN=TOKEN
    ROSTER_BENCH_TOKEN="$token" bench roster "$c" "http://127.0.0.1:$port/api/scim"
    stop_server
}

install_scim2_server() {
    if [ ! -x "$SCIM2_VENV/bin/python" ]; then
        python3 -m venv "$SCIM2_VENV" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
    fi
    record "$SCIM2_VENV/bin/pip" install "scim2-server==$SCIM2_SERVER_VERSION"
    "$SCIM2_VENV/bin/pip" install --quiet --disable-pip-version-check "scim2-server==$SCIM2_SERVER_VERSION"
}

run_scim2_server() {
    local c="$1" port
    port="$(free_port)"
    # Its test server: in-memory storage, no authentication without --bearer-token.
    record "$SCIM2_VENV/bin/scim2-server" --hostname 127.0.0.1 --port "$port"
    "$SCIM2_VENV/bin/scim2-server" --hostname 127.0.0.1 --port "$port" \
        >"$OUT/scim2-server-c$c.log" 2>&1 &
    SERVER_PID=$!
    wait_ready "http://127.0.0.1:$port/v2/ServiceProviderConfig" "$SERVER_PID" \
        "$OUT/scim2-server-c$c.log"
    bench scim2-server "$c" "http://127.0.0.1:$port/v2"
    stop_server
}

build=(cargo build --release --quiet -p roster-bench)
case " $SERVERS " in *" roster "*) build+=(-p roster) ;; esac
record "${build[@]}"
log "building in release (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
"${build[@]}"
ROSTER="$CARGO_TARGET_DIR/release/roster"
BENCH="$CARGO_TARGET_DIR/release/roster-bench"
case " $SERVERS " in *" scim2-server "*) install_scim2_server ;; esac

for c in $CONCURRENCY; do
    for server in $SERVERS; do
        case "$server" in
            roster) run_roster "$c" ;;
            scim2-server) run_scim2_server "$c" ;;
            *) die "unknown server '$server' in SERVERS (roster, scim2-server)" ;;
        esac
    done
done

echo
echo "## Ratio roster / scim2-server of requests per second"
python3 - "$OUT" "$CONCURRENCY" <<'EOF'
import json, os, sys
out, levels = sys.argv[1], sys.argv[2].split()

def load(label, c):
    path = os.path.join(out, f"{label}-c{c}.json")
    return json.load(open(path)) if os.path.exists(path) else None

def rate(phase):
    m = phase.get("measure")
    return m["requests_per_second"] if phase["status"] == "ok" and m else None

def cell(phase):
    if phase is None:
        return "-"
    r = rate(phase)
    return f"{r:.1f}" if r is not None else phase["status"]

for c in levels:
    a, b = load("roster", c), load("scim2-server", c)
    if not (a and b):
        print(f"concurrency {c}: needs both servers' reports")
        continue
    print(f"concurrency {c}")
    print(f"{'#':>2} {'phase':<34} {'roster req/s':>13} {'scim2 req/s':>12} {'ratio':>8}")
    theirs = {p["key"]: p for p in b["phases"]}
    for p in a["phases"]:
        q = theirs.get(p["key"])
        x, y = rate(p), rate(q) if q else None
        ratio = f"{x / y:.1f}x" if x and y else "n/a"
        print(f"{p['number']:>2} {p['name']:<34} {cell(p):>13} {cell(q):>12} {ratio:>8}")
    x, y = a["total"]["requests_per_second"], b["total"]["requests_per_second"]
    print(f"{'':>2} {'total':<34} {x:>13.1f} {y:>12.1f} {(x / y if y else 0):>7.1f}x")
    print()
EOF

echo "## Machine"
print_machine
if [ -x "$SCIM2_VENV/bin/python" ]; then
    echo "python: $("$SCIM2_VENV/bin/python" --version 2>&1), scim2-server $SCIM2_SERVER_VERSION"
fi

echo
echo "## Commands (DIR: a fresh 'mktemp -d' data directory per run; TOKEN: from 'provider scim')"
print_commands
echo
echo "Reports and server logs: $OUT"
