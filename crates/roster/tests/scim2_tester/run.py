"""Runs scim2-tester's checks against one SCIM server and prints each
result as one JSON object a line on standard output, for
crates/roster/tests/it/scim2_tester.rs to judge.

    run.py BASE_URL            (the bearer token in $SCIM_TOKEN)

with the python of the virtualenv scripts/install-scim2-tester.sh makes.

Each line: {"title", "status", "resource_type", "reason", "data"} with
`status` one of scim2-tester's Status names (SUCCESS, COMPLIANT,
ACCEPTABLE, DEVIATION, ERROR, CRITICAL, SKIPPED) and `data` the debugging
data as text, cut short. The exit status is 0 whenever the checks ran,
whatever they found; judging them is the caller's job.
"""

import json
import os
import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import check_server

DATA_LIMIT = 2000


def main() -> None:
    base_url = sys.argv[1].rstrip("/") + "/"
    token = os.environ["SCIM_TOKEN"]
    http = Client(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    client = SyncSCIMClient(http)
    for result in check_server(client):
        data = None if result.data is None else repr(result.data)[:DATA_LIMIT]
        print(
            json.dumps(
                {
                    "title": result.title,
                    "status": result.status.name,
                    "resource_type": result.resource_type,
                    "reason": result.reason,
                    "data": data,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
