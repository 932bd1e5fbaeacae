"""Runs scim2-tester's compliance checks against a live tapid.

    python check_server.py BASE_URL TOKEN

Every check must end SUCCESS, COMPLIANT or ACCEPTABLE; SKIPPED ones are listed with their reason.
Exits non-zero if any check ends DEVIATION, ERROR or CRITICAL.
"""

import sys

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

PASSING = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE}


def main() -> int:
    base_url, token = sys.argv[1], sys.argv[2]
    http = httpx2.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    client = SyncSCIMClient(http)
    results = check_server(client)
    failed = skipped = passed = 0
    for result in results:
        where = f"[{result.resource_type}] " if result.resource_type else ""
        line = f"{result.status.name:<10} {where}{result.title}: {result.reason or ''}".rstrip()
        print(line.replace("\n", " "))
        if result.status in PASSING:
            passed += 1
        elif result.status == Status.SKIPPED:
            skipped += 1
        else:
            failed += 1
    print(f"scim2-tester: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
