# Shared by scripts/bench.sh and scripts/bench-saml.sh (sourced, not run):
# logging, the record of commands, starting and stopping the server under
# test, free ports, waiting for readiness, and the machine's description.
# The sourcing script sets BENCH_NAME (its name in messages) and
# READY_SECONDS before calling these.

log() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; }
die() { log "$*"; exit 1; }

# What ran, to print at the end.
COMMANDS=()
record() {
    local line
    printf -v line '%q ' "$@"
    COMMANDS+=("${line% }")
}
print_commands() {
    local line
    for line in "${COMMANDS[@]}"; do
        echo "$line"
    done
}

# The server started last, stopped on any exit; data directories to remove.
SERVER_PID=""
CLEANUP=()
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
on_exit() {
    stop_server
    if [ "${#CLEANUP[@]}" -gt 0 ]; then rm -rf "${CLEANUP[@]}"; fi
}
trap on_exit EXIT

# run_bench TXT LOG WHAT CMD...: runs and records a roster-bench command,
# its table to the terminal and TXT; when it fails (a wrong answer), shows
# the end of the server's LOG and stops the script.
run_bench() {
    local txt="$1" server_log="$2" what="$3"
    shift 3
    record "$@"
    log "roster-bench $what"
    if ! "$@" | tee "$txt"; then
        log "the end of the server log:"
        tail -n 20 "$server_log" >&2
        die "roster-bench failed $what"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_ready URL PID LOG: polls URL until it answers 200, the server exits,
# or READY_SECONDS pass.
wait_ready() {
    python3 - "$1" "$2" "$READY_SECONDS" <<'PY' || { tail -n 20 "$3" >&2; die "no answer from $1"; }
import os, sys, time, urllib.request
url, pid, deadline = sys.argv[1], int(sys.argv[2]), time.monotonic() + float(sys.argv[3])
# Loopback only: never through a proxy from the environment.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the server exited")
    try:
        with opener.open(url, timeout=2) as reply:
            if reply.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.05)
sys.exit("timed out")
PY
}

# How busy the machine was when the script started (1, 5, 15 minutes):
# on a shared machine, a figure is worth as much as its quiet.
LOAD_BEFORE="$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo unknown)"

# The machine the figures were measured on.
print_machine() {
    echo "cpu: $(grep -m 1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"
    free -g
    echo "kernel: $(uname -r)"
    echo "rustc: $(rustc --version)"
    echo "load average when the script started: $LOAD_BEFORE"
}
