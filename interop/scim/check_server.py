"""Runs scim2-tester's compliance checks against a live tapid.

    python check_server.py BASE_URL TOKEN

Every check must end SUCCESS, COMPLIANT or ACCEPTABLE; SKIPPED ones are listed with their reason.
Exits non-zero if any check ends DEVIATION, ERROR or CRITICAL.
"""

import datetime
import random
import sys

import httpx2
import scim2_tester.checkers.patch_add
import scim2_tester.checkers.patch_replace
import scim2_tester.filling
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

PASSING = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE}


def with_datetimes(generate):
    """scim2-tester 0.5.2 has no generator for `dateTime` attributes: it fills them with a UUID string,
    which its own models then refuse to parse. tapid serves one (`startDate` of its extension), so give
    the tester what a dateTime is: a time between ten days ago and ninety days ahead, in UTC."""

    def generate_with_datetimes(context, path, mutability=None, required=None):
        value = generate(context, path, mutability=mutability, required=required)
        binding = path.resolve()
        if binding is not None and binding.target_type is datetime.datetime and value is not None:
            ahead = datetime.timedelta(days=random.randint(-10, 90), seconds=random.randint(0, 86399))
            stamp = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + ahead
            return [stamp] if isinstance(value, list) else stamp
        return value

    return generate_with_datetimes


for module in (scim2_tester.filling, scim2_tester.checkers.patch_add, scim2_tester.checkers.patch_replace):
    module.generate_random_value = with_datetimes(module.generate_random_value)


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
