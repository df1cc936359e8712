#!/usr/bin/env bash
# The LDAP sync benchmark (issue 17): a full sync of 10,000 users in 100
# groups, each user in two, then an incremental sync after 10 changes, on
# SQLite against a real slapd, next to the directory's own read time.
#
#   scripts/bench-ldap.sh                       # 10,000 users
#   LDAP_BENCH_USERS=1000 scripts/bench-ldap.sh # a quick check
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/roster-target}"
scripts/install-ldap.sh
echo "bench-ldap.sh: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec cargo test --release -p roster --test it ldap_bench -- --ignored --nocapture --test-threads 1
