#!/usr/bin/env bash
# Installs scim2-tester, the python-scim project's RFC 7643/7644 checker
# that crates/roster/tests/it/scim2_tester.rs runs against roster, into a
# virtualenv with the packages pinned in
# crates/roster/tests/scim2_tester/requirements.txt, at
# ${ROSTER_TOOLS_DIR:-/var/cache/roster-tools}/scim2-tester-venv, through
# scripts/install-python-venv.sh (idempotent: quick when it is there).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

exec scripts/install-python-venv.sh scim2-tester-venv \
    crates/roster/tests/scim2_tester/requirements.txt \
    'import scim2_tester, scim2_client.engines.httpx2'
