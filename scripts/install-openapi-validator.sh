#!/usr/bin/env bash
# Installs openapi-spec-validator, which crates/roster/tests/it/openapi.rs
# runs on the admin API's OpenAPI document, into a virtualenv with the
# packages pinned in crates/roster/tests/openapi/requirements.txt, at
# ${ROSTER_TOOLS_DIR:-/var/cache/roster-tools}/openapi-validator-venv,
# through scripts/install-python-venv.sh (idempotent: quick when it is
# there).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

exec scripts/install-python-venv.sh openapi-validator-venv \
    crates/roster/tests/openapi/requirements.txt \
    'import openapi_spec_validator'
