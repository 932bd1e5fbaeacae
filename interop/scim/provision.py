"""Provisions a directory into a live tapid the way an HR system would, with scim2-client, then asserts
what tapid holds: through SCIM, and through tapid's own command line (an independent view).

    python provision.py BASE_URL TOKEN TAPID_BIN CONFIG [USERS]

1. creates USERS (default 1,000) people with the enterprise extension (manager, department, number);
2. creates one group per department and fills each by PATCH;
3. updates every tenth person (PUT) and moves some between groups (PATCH members);
4. deactivates every seventh person (PATCH active=false);
5. asserts counts, filters, memberships and states, then the audit chain (`tapid audit verify`).
"""

import json
import subprocess
import sys
import time

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import ListResponse, PatchOp, PatchOperation, SearchRequest

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
DEPARTMENTS = ["sales", "finance", "engineering", "support", "legal", "people", "ops", "research"]


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def main() -> int:
    base_url, token, tapid_bin, config = sys.argv[1:5]
    count = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
    http = httpx2.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    client = SyncSCIMClient(http)
    client.discover()
    User = client.get_resource_model("User")
    Group = client.get_resource_model("Group")
    started = time.monotonic()

    # 1. People; the first of each department manages the others.
    ids: dict[int, str] = {}
    managers: dict[str, str] = {}
    for n in range(count):
        department = DEPARTMENTS[n % len(DEPARTMENTS)]
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "userName": f"p{n:05d}",
            "externalId": f"hr-{n}",
            "name": {"givenName": f"Given{n}", "familyName": f"Family{n}"},
            "displayName": f"Person {n}",
            "emails": [{"value": f"p{n:05d}@example.com", "type": "work", "primary": True}],
            "active": True,
            ENTERPRISE: {"employeeNumber": f"{100000 + n}", "department": department},
        }
        if department in managers:
            body[ENTERPRISE]["manager"] = {"value": managers[department]}
        created = client.create(User.model_validate(body))
        ids[n] = created.id
        managers.setdefault(department, created.id)
    print(f"created {count} users in {time.monotonic() - started:.1f}s")

    # 2. One group per department, members added by PATCH in batches.
    groups: dict[str, str] = {}
    for department in DEPARTMENTS:
        group = client.create(Group.model_validate({"displayName": f"dept-{department}", "externalId": f"hr-g-{department}"}))
        groups[department] = group.id
        members = [ids[n] for n in range(count) if DEPARTMENTS[n % len(DEPARTMENTS)] == department]
        for start in range(0, len(members), 50):
            patch = {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": m} for m in members[start:start + 50]]}],
            }
            client.modify(Group, group.id, PatchOp[Group].model_validate(patch))
    print(f"created {len(groups)} groups at {time.monotonic() - started:.1f}s")

    # 3. Updates: every tenth person gets a new display name by PUT; every 25th moves to legal.
    for n in range(0, count, 10):
        current = client.query(User, ids[n])
        current.display_name = f"Renamed {n}"
        client.replace(current)
    moved = [n for n in range(0, count, 25) if DEPARTMENTS[n % len(DEPARTMENTS)] != "legal"]
    for n in moved:
        old = DEPARTMENTS[n % len(DEPARTMENTS)]
        client.modify(Group, groups[old], PatchOp[Group].model_validate({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "remove", "path": f'members[value eq "{ids[n]}"]'}],
        }))
        client.modify(Group, groups["legal"], PatchOp[Group].model_validate({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": ids[n]}]}],
        }))
    print(f"updated at {time.monotonic() - started:.1f}s")

    # 4. Leavers.
    leavers = set(range(3, count, 7))
    for n in sorted(leavers):
        client.modify(User, ids[n], PatchOp[User].model_validate({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        }))
    print(f"deactivated {len(leavers)} at {time.monotonic() - started:.1f}s")

    # 5. The directory as SCIM shows it.
    def total(filter_text: str) -> int:
        response = client.query(User, query_parameters=SearchRequest(filter=filter_text, count=0))
        check(isinstance(response, ListResponse), f"{filter_text}: {response}")
        return response.total_results

    check(total('userName sw "p"') == count, "every person is listed")
    check(total("active eq false") == len(leavers), "leavers are inactive")
    check(total('displayName sw "Renamed"') == len(range(0, count, 10)), "PUT updates are kept")
    check(total(f'{ENTERPRISE}:department eq "sales"') == len([n for n in range(count) if n % len(DEPARTMENTS) == 0]), "departments")
    check(total('externalId eq "hr-7" and emails co "p00007@"') == 1, "externalId and emails")
    page = client.query(User, query_parameters=SearchRequest(sort_by="userName", sort_order="descending", start_index=1, count=3))
    check([r.user_name for r in page.resources] == [f"p{n:05d}" for n in (count - 1, count - 2, count - 3)], "sortBy")
    raw = http.get(f"/Users/{ids[9]}").json()
    check(raw[ENTERPRISE]["manager"]["value"] == managers[DEPARTMENTS[9 % len(DEPARTMENTS)]], "manager kept")
    check(raw[ENTERPRISE]["employeeNumber"] == "100009", "employeeNumber kept")
    expected_legal = {ids[n] for n in range(count) if DEPARTMENTS[n % len(DEPARTMENTS)] == "legal"} | {ids[n] for n in moved}
    legal = http.get(f"/Groups/{groups['legal']}").json()
    check({m["value"] for m in legal.get("members", [])} == expected_legal, "legal's members")

    # ... and as tapid's own command line shows it.
    def cli(*args: str) -> str:
        out = subprocess.run([tapid_bin, "--config", config, *args], capture_output=True, text=True)
        check(out.returncode == 0, f"tapid {' '.join(args)}: {out.stderr.strip()}")
        return out.stdout

    for n in (0, 3, 10):
        shown = json.loads(cli("user", "show", f"p{n:05d}", "--json"))
        check(shown["enabled"] == (n not in leavers), f"p{n:05d} enabled")
    members = json.loads(cli("group", "show", "dept-legal", "--json"))
    check(len(members["member_names"]) == len(expected_legal), "legal's members in tapid")
    cli("audit", "verify")
    print(f"provisioning: {count} users, {len(groups)} groups, {len(leavers)} deactivated, all assertions held "
          f"({time.monotonic() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
