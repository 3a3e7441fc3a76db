"""The admin API on the demo data: the explorer, vendors with their
credentials, permissions and the grant preview (checked against the API
walked with the vendor's key), stops, view as vendor, sources and held
batches, data quality, the request log, the ledger, vendor reports and the
admin audit trail."""

import csv
import io
import json
import uuid

import pytest

from accesshelp import walk
from adminhelp import sql_int, assert_admin_error, demo_server, signed_in
from conftest import SEED

PREVIEW_KINDS = ["organisations", "persons", "placements", "duties", "groups", "programmes", "studyplans",
                 "syllabuses", "schoolUnitOfferings", "activities", "calendarEvents", "attendances",
                 "attendanceEvents", "attendanceSchedule", "absences", "grades", "resources", "rooms"]


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = demo_server(str(tmp_path_factory.mktemp("admin-api")), SEED)
    yield s
    assert s.stop() == 0, s.log()


@pytest.fixture(scope="module")
def admin(srv):
    return signed_in(srv, "administrator", "admin")


@pytest.fixture(scope="module")
def schools(admin):
    """Two school units with pupils, in a stable order."""
    orgs = admin.ok("GET", "/explorer/organisations")["items"]
    out = []
    for o in sorted((o for o in orgs if o["organisationType"] == "Skolenhet"), key=lambda o: o["id"]):
        page = admin.ok("GET", "/explorer/organisations/%s" % o["id"])
        if page["counts"]["pupils"] > 0:
            out.append(o["id"])
        if len(out) == 2:
            return out
    raise AssertionError("the demo has fewer than two school units with pupils")


# --- the data explorer ---------------------------------------------------------------

def test_organisation_tree(srv, admin):
    now = admin.ok("GET", "/explorer/organisations")["items"]
    hist = admin.ok("GET", "/explorer/organisations", params={"historical": 1})["items"]
    full = {o["id"]: o for o in walk(srv.api, "organisations", srv.key_a)}
    assert {o["id"] for o in hist} == set(full)
    assert {o["id"] for o in now} == {o["id"] for o in hist if o["active"]}
    ids = set(full)
    for o in hist:
        want = full[o["id"]]
        assert o["displayName"] == want["displayName"] and o["organisationType"] == want["organisationType"]
        assert o["schoolTypes"] == want.get("schoolTypes", [])
        assert o["schoolUnitCode"] == want.get("schoolUnitCode") and o["endDate"] == want.get("endDate")
        assert o["parent"] == (want.get("parentOrganisation") or {}).get("id")
        assert o["parent"] is None or o["parent"] in ids
    assert_admin_error(admin.get("/explorer/organisations", params={"historical": "maybe"}), 400, "INVALID_PARAMETER")


def test_organisation_page_lists_page_exactly(srv, admin, schools):
    org = schools[0]
    page = admin.ok("GET", "/explorer/organisations/%s" % org)
    assert page["organisation"]["id"] == org
    n = page["counts"]["pupils"]
    got = []
    for off in range(0, n + 7, 7):
        p = admin.ok("GET", "/explorer/organisations/%s/pupils" % org, params={"offset": off, "limit": 7})
        assert p["total"] == n and p["offset"] == off and len(p["items"]) <= 7
        got += [i["id"] for i in p["items"]]
    assert len(got) == n == len(set(got))
    # Against the API: persons enrolled at the school (the demo has no units below schools).
    api = {p["id"] for p in walk(srv.api, "persons", srv.key_a, params={"relationship.organisation": org,
                                                                          "relationship.entity.type": "enrolment"})}
    assert set(got) == api
    groups = admin.ok("GET", "/explorer/organisations/%s/groups" % org, params={"limit": 500})
    want = {g["id"] for g in walk(srv.api, "groups", srv.key_a, params={"organisation": org})}
    assert {g["id"] for g in groups["items"]} == want and groups["total"] == len(want)
    staff = admin.ok("GET", "/explorer/organisations/%s/staff" % org, params={"limit": 500})
    assert staff["total"] == page["counts"]["staff"] and all(s["detail"] for s in staff["items"])
    assert_admin_error(admin.get("/explorer/organisations/%s/teachers" % org), 404, "NOT_FOUND")
    assert_admin_error(admin.get("/explorer/organisations/%s" % uuid.uuid4()), 404, "NOT_FOUND")
    assert_admin_error(admin.get("/explorer/organisations/not-an-id"), 404, "NOT_FOUND")


def test_person_search_and_page(srv, admin, schools):
    pupils = admin.ok("GET", "/explorer/organisations/%s/pupils" % schools[0], params={"limit": 50})["items"]
    pupil = next(p for p in pupils)
    full = srv.api.get_json("/persons/%s" % pupil["id"])
    given = full["givenName"]
    hits = admin.ok("GET", "/explorer/persons", params={"q": given.lower(), "limit": 500})
    assert pupil["id"] in [h["id"] for h in hits["items"]] or hits["total"] > 500
    civic = full["civicNo"]["value"]
    hits = admin.ok("GET", "/explorer/persons", params={"q": civic})
    assert [h["id"] for h in hits["items"]] == [pupil["id"]] and hits["items"][0]["civicNo"] == civic
    if full.get("eduPersonPrincipalNames"):
        eppn = full["eduPersonPrincipalNames"][0]
        assert [h["id"] for h in admin.ok("GET", "/explorer/persons", params={"q": eppn})["items"]] == [pupil["id"]]
    assert_admin_error(admin.get("/explorer/persons", params={"q": "a"}), 400, "INVALID_PARAMETER")
    page = admin.ok("GET", "/explorer/persons/%s" % pupil["id"])
    assert page["person"] == full
    assert page["identity"]["civicNo"] == civic
    assert {g["id"] for g in page["guardians"]} == {r["person"]["id"] for r in full.get("responsibles", [])}
    for g in page["guardians"]:
        gp = admin.ok("GET", "/explorer/persons/%s" % g["id"])
        assert pupil["id"] in [c["id"] for c in gp["responsibleFor"]]
    assert [e["schoolUnit"]["id"] for e in page["enrolments"]] == [e["enroledAt"]["id"] for e in full["enrolments"]]
    assert all(e["schoolUnit"]["displayName"] for e in page["enrolments"])
    groups = {g["id"] for g in walk(srv.api, "groups", srv.key_a)
              if pupil["id"] in [m["person"]["id"] for m in g.get("groupMemberships", [])]}
    assert {g["id"] for g in page["groups"]} == groups
    raw = admin.ok("GET", "/explorer/entities/persons/%s" % pupil["id"])
    assert raw == full
    if page["groups"]:
        gid = page["groups"][0]["id"]
        assert admin.ok("GET", "/explorer/entities/groups/%s" % gid) == srv.api.get_json("/groups/%s" % gid)
    assert_admin_error(admin.get("/explorer/entities/teapots/%s" % pupil["id"]), 404, "NOT_FOUND")


# --- vendors, permissions, preview ----------------------------------------------------

def walk_counts(srv, key):
    out = {}
    for kind in PREVIEW_KINDS:
        r = srv.api.get("/" + kind, {"limit": 1} if kind != "calendarEvents" else
                        {"limit": 1, "startTime.onOrAfter": "1900-01-01T00:00:00Z",
                         "startTime.onOrBefore": "2200-01-01T00:00:00Z"}, key=key)
        if r.status_code == 403:
            out[kind] = set()
            continue
        out[kind] = {e["id"] for e in walk(srv.api, kind, key)}
    return out


def grant(orgs, cats, protected="exclude"):
    return {"allOrganisations": False, "organisations": orgs, "categories": cats, "protectedIdentities": protected,
            "pseudonyms": False, "writes": False}


@pytest.fixture(scope="module")
def vendor(admin):
    v = admin.ok("POST", "/vendors", {"name": "Läromedel AB", "vendor": "Läromedel AB", "contact": "support@example.org",
                                      "purpose": "digital textbooks", "contractEnd": "2030-06-30"}, status=201)
    assert v["key"].startswith("skn_") and v["keyId"]
    return v


def test_vendor_contract_data_and_list(admin, vendor):
    page = admin.ok("GET", "/vendors/%s" % vendor["id"])
    assert page["purpose"] == "digital textbooks" and page["contractEnd"] == "2030-06-30"
    assert page["status"] == "active" and [k["keyId"] for k in page["keys"]] == [vendor["keyId"]]
    assert "key" not in json.dumps(page["keys"]).replace("keyId", "")
    page = admin.ok("PATCH", "/vendors/%s" % vendor["id"], {"purpose": "textbooks and tests", "contact": None})
    assert page["purpose"] == "textbooks and tests" and page["contact"] is None
    assert_admin_error(admin.req("PATCH", "/vendors/%s" % vendor["id"], json={"contractEnd": "soon"}), 400,
                       "INVALID_BODY")
    assert_admin_error(admin.req("PATCH", "/vendors/%s" % vendor["id"], json={"colour": "red"}), 400, "INVALID_BODY")
    assert_admin_error(admin.post("/vendors", {"vendor": "no name"}), 400, "INVALID_BODY")
    listed = {v["id"]: v for v in admin.ok("GET", "/vendors")["items"]}
    assert listed[vendor["id"]]["status"] == "active" and listed[vendor["id"]]["requests30d"] == 0
    assert listed[vendor["id"]]["vendor"] == "Läromedel AB" and listed[vendor["id"]]["serviceProvider"] is False


def test_service_providers_are_listed_beside_the_vendors(srv, admin, tmp_path):
    keyfile = tmp_path / "sp-key"
    keyfile.write_text("k\n")
    srv.cli.run("provision", "add", "--db", srv.db, "EGIL-lärplattform", "--url", "https://sp.example.invalid/scim",
                "--api-key-file", str(keyfile))
    listed = {v["name"]: v for v in admin.ok("GET", "/vendors")["items"]}
    assert listed["EGIL-lärplattform"]["serviceProvider"] is True


def test_preview_matches_the_api_after_saving(srv, admin, vendor, schools):
    vid, key = vendor["id"], vendor["key"]
    before = walk_counts(srv, key)
    assert all(not v for k, v in before.items() if k != "organisations"), before
    new = grant(schools, ["Students", "Groups", "Activities", "CivicNo"])
    pv = admin.ok("POST", "/vendors/%s/permissions/preview" % vid, new)
    # Nothing is saved by a preview.
    assert admin.ok("GET", "/vendors/%s/permissions" % vid)["organisations"] == []
    assert set(pv["categories"]["gained"]) == {"Students", "Groups", "Activities", "CivicNo"}
    assert "persons.civicNo" in pv["fields"]["gained"] and pv["fields"]["lost"] == []
    saved = admin.ok("PUT", "/vendors/%s/permissions" % vid, new)
    assert sorted(saved["organisations"]) == sorted(schools) and "Students" in saved["categories"]
    after = walk_counts(srv, key)
    for kind in PREVIEW_KINDS:
        assert pv["totals"]["gained"][kind] == len(after[kind] - before[kind]), (kind, pv["totals"])
        assert pv["totals"]["lost"][kind] == 0, kind
    assert pv["totals"]["gained"]["persons"] > 0 and pv["totals"]["gained"]["groups"] > 0
    assert [s["id"] for s in pv["schools"]] == schools and all(s["displayName"] for s in pv["schools"])
    assert sum(s["gained"]["persons"] for s in pv["schools"]) >= pv["totals"]["gained"]["persons"]
    # Narrowing to one school without groups: the preview's losses are what the key loses.
    narrow = grant(schools[:1], ["Students", "Activities"])
    pv2 = admin.ok("POST", "/vendors/%s/permissions/preview" % vid, narrow)
    assert "Groups" in pv2["categories"]["lost"] and "persons.civicNo" in pv2["fields"]["lost"]
    admin.ok("PUT", "/vendors/%s/permissions" % vid, narrow)
    final = walk_counts(srv, key)
    for kind in PREVIEW_KINDS:
        assert pv2["totals"]["lost"][kind] == len(after[kind] - final[kind]), (kind, pv2["totals"])
        assert pv2["totals"]["gained"][kind] == len(final[kind] - after[kind]), (kind, pv2["totals"])
    assert pv2["totals"]["lost"]["groups"] == len(after["groups"]) > 0
    lost_school = next(s for s in pv2["schools"] if s["id"] == schools[1])
    assert lost_school["gained"]["persons"] == 0 and lost_school["lost"]["persons"] > 0


def test_permission_editor_refuses_bad_grants(admin, vendor):
    vid = vendor["id"]
    before = admin.ok("GET", "/vendors/%s/permissions" % vid)
    bad = [
        {},
        dict(grant([], ["Students"]), categories=["Astrology"]),
        dict(grant([], ["Students"]), protectedIdentities="sometimes"),
        grant([str(uuid.uuid4())], ["Students"]),
        grant(["not-a-uuid"], ["Students"]),
        dict(grant([], []), extra=1),
    ]
    for b in bad:
        assert_admin_error(admin.req("PUT", "/vendors/%s/permissions" % vid, json=b), 400, "INVALID_BODY")
        assert_admin_error(admin.post("/vendors/%s/permissions/preview" % vid, b), 400, "INVALID_BODY")
    assert admin.ok("GET", "/vendors/%s/permissions" % vid) == before
    assert_admin_error(admin.get("/vendors/%s/permissions" % uuid.uuid4()), 404, "NOT_FOUND")


def test_keys_rotate_revoke(srv, admin, vendor):
    vid = vendor["id"]
    k2 = admin.ok("POST", "/vendors/%s/keys" % vid, {}, status=201)
    assert srv.api.get("/organisations", {"limit": 1}, key=k2["key"]).status_code == 200
    rot = admin.ok("POST", "/vendors/%s/keys/rotate" % vid, {"graceSeconds": 0}, status=201)
    assert srv.api.get("/organisations", {"limit": 1}, key=k2["key"]).status_code == 401
    assert srv.api.get("/organisations", {"limit": 1}, key=vendor["key"]).status_code == 401
    assert srv.api.get("/organisations", {"limit": 1}, key=rot["key"]).status_code == 200
    vendor["key"] = rot["key"]
    k3 = admin.ok("POST", "/vendors/%s/keys" % vid, None, status=201)
    r = admin.ok("POST", "/vendors/%s/keys/%s/revoke" % (vid, k3["keyId"]))
    assert r["keyId"] == k3["keyId"] and r["revoked"]
    assert srv.api.get("/organisations", {"limit": 1}, key=k3["key"]).status_code == 401
    assert_admin_error(admin.post("/vendors/%s/keys/%s/revoke" % (vid, k3["keyId"])), 404, "NOT_FOUND")
    assert_admin_error(admin.post("/vendors/%s/keys/rotate" % vid, {"graceSeconds": -1}), 400, "INVALID_BODY")
    assert_admin_error(admin.post("/vendors/%s/keys" % vid, {"expiresAt": "2001-01-01T00:00:00Z"}), 400, "INVALID_BODY")


def test_stops_need_confirmation_and_take_effect(srv, admin, vendor):
    vid, key = vendor["id"], vendor["key"]
    assert_admin_error(admin.post("/vendors/%s/stop" % vid, {"confirm": "yes"}), 400, "CONFIRMATION_REQUIRED")
    assert srv.api.get("/organisations", {"limit": 1}, key=key).status_code == 200
    v = admin.ok("POST", "/vendors/%s/stop" % vid, {"confirm": "Läromedel AB"})
    assert v["status"] == "suspended"
    assert srv.api.get("/organisations", {"limit": 1}, key=key).status_code == 403
    assert admin.ok("POST", "/vendors/%s/resume" % vid)["status"] == "active"
    assert srv.api.get("/organisations", {"limit": 1}, key=key).status_code == 200
    assert_admin_error(admin.post("/stop", {"on": True}), 400, "CONFIRMATION_REQUIRED")
    assert admin.ok("POST", "/stop", {"on": True, "confirm": "STOP ALL"}) == {"globalStop": True}
    try:
        assert admin.ok("GET", "/stop") == {"globalStop": True}
        assert srv.api.get("/organisations", {"limit": 1}, key=key).status_code == 403
        assert srv.api.get("/organisations", {"limit": 1}).status_code == 403  # full access too
        assert admin.ok("GET", "/vendors/%s" % vid)["status"] == "stopped"
    finally:
        assert admin.ok("POST", "/stop", {"on": False}) == {"globalStop": False}
    assert srv.api.get("/organisations", {"limit": 1}, key=key).status_code == 200


def test_view_as_vendor_records_nothing(srv, admin, vendor):
    vid, key = vendor["id"], vendor["key"]
    logged = sql_int(srv.db, "SELECT count(*) FROM request_log WHERE client='%s'" % vid)
    ledger = sql_int(srv.db, "SELECT count(*) FROM (SELECT DISTINCT client, channel, person FROM (SELECT client, channel, person FROM ledger UNION ALL SELECT client, channel, person FROM ledger_pending) a) l WHERE client='%s'" % vid)
    va = admin.ok("GET", "/vendors/%s/view-as" % vid, params={"path": "/persons?limit=5"})
    assert va["status"] == 200
    assert sql_int(srv.db, "SELECT count(*) FROM request_log WHERE client='%s'" % vid) == logged
    assert sql_int(srv.db, "SELECT count(*) FROM (SELECT DISTINCT client, channel, person FROM (SELECT client, channel, person FROM ledger UNION ALL SELECT client, channel, person FROM ledger_pending) a) l WHERE client='%s'" % vid) == ledger
    direct = srv.api.get_json("/persons", {"limit": 5}, key=key)
    assert [p["id"] for p in va["body"]["data"]] == [p["id"] for p in direct["data"]]
    assert va["body"]["data"] == direct["data"]
    refused = admin.ok("GET", "/vendors/%s/view-as" % vid, params={"path": "/grades"})
    assert refused["status"] == 403
    assert_admin_error(admin.get("/vendors/%s/view-as" % vid, params={"path": "persons"}), 400, "INVALID_PARAMETER")


# --- audit, ledger, reports -------------------------------------------------------------

def test_request_log_and_ledger(srv, admin, vendor):
    vid, key = vendor["id"], vendor["key"]
    persons = srv.api.get_json("/persons", {"limit": 3}, key=key)["data"]
    assert persons
    log = admin.ok("GET", "/audit/requests", params={"vendor": vid, "path": "/persons", "status": 200, "limit": 500})
    assert log["total"] >= 1 and all(e["vendor"] == vid and e["path"].startswith("/persons") and e["status"] == 200
                                     for e in log["items"])
    assert log["items"][0]["vendorName"] == "Läromedel AB" and log["items"][0]["method"] == "GET"
    refused = admin.ok("GET", "/audit/requests", params={"vendor": vid, "status": 403})
    assert refused["total"] >= 1  # the stopped calls above
    assert admin.ok("GET", "/audit/requests", params={"vendor": vid, "from": "2999-01-01T00:00:00Z"})["total"] == 0
    assert_admin_error(admin.get("/audit/requests", params={"from": "yesterday"}), 400, "INVALID_PARAMETER")
    pid = persons[0]["id"]
    led = admin.ok("GET", "/audit/ledger/%s" % pid)
    mine = [d for d in led["disclosures"] if d["vendor"] == vid]
    assert len(mine) == 1 and mine[0]["vendorName"] == "Läromedel AB" and "Students" in mine[0]["categories"]
    assert led["displayName"]
    r = admin.get("/audit/ledger/%s" % pid, params={"format": "csv"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["vendor", "vendor_name", "channel", "categories", "first", "last"]
    assert [vid, "Läromedel AB"] in [row[:2] for row in rows[1:]]
    # by civic number as well
    civic = admin.ok("GET", "/explorer/persons/%s" % pid)["identity"]["civicNo"]
    if civic:
        assert admin.ok("GET", "/audit/ledger/%s" % civic)["person"] == pid
    assert_admin_error(admin.get("/audit/ledger/190001011234"), 404, "NOT_FOUND")


def test_vendor_reports(srv, admin, vendor):
    key = vendor["key"]
    r = srv.api.post("/log", {"message": "sync failed for one group", "severityLevel": "Warning"}, key=key)
    assert r.status_code in (200, 201, 204), r.text
    rep = admin.ok("GET", "/reports", params={"vendor": vendor["id"], "channel": "log"})
    assert rep["total"] >= 1 and rep["items"][0]["vendorName"] == "Läromedel AB"
    assert "sync failed" in json.dumps(rep["items"][0]["body"])
    assert admin.ok("GET", "/reports", params={"vendor": vendor["id"], "channel": "statistics"})["total"] == 0
    assert_admin_error(admin.get("/reports", params={"channel": "gossip"}), 400, "INVALID_PARAMETER")


# --- sources, held batches, quality ----------------------------------------------------

def school(n):
    return {"id": str(uuid.uuid4()), "displayName": "Importskolan %d" % n, "organisationType": "Skolenhet"}


def test_import_hold_approve_discard(srv, admin):
    srv.cli.run("source", "add", "--db", srv.db, "adminfile", "--file")
    orgs = [school(i) for i in range(40)]
    r = admin.post("/sources/adminfile/import", data=json.dumps({"organisations": orgs}),
                   headers={"Content-Type": "application/octet-stream"}, params={"full": 1})
    assert r.status_code == 200 and r.json()["status"] == "applied" and r.json()["created"] == 40, r.text
    r = admin.req("POST", "/sources/adminfile/import", data=json.dumps({"organisations": orgs[:20]}),
                  params={"full": 1})
    body = r.json()
    assert r.status_code == 200 and body["status"] == "held" and body["heldId"], r.text
    held = admin.ok("GET", "/held")["items"]
    h = next(x for x in held if x["id"] == body["heldId"])
    assert h["source"] == "adminfile" and h["full"] is True
    assert h["summary"]["kinds"]["organisations"]["deleted"] == 20
    src = next(s for s in admin.ok("GET", "/sources")["items"] if s["name"] == "adminfile")
    assert src["held"] == 1 and src["lastRun"]["result"] == "held" and src["entities"] == 40
    runs = admin.ok("GET", "/sources/adminfile/runs")["items"]
    assert [x["result"] for x in runs[:2]] == ["held", "ok"]
    assert admin.ok("POST", "/held/%s/discard" % body["heldId"], status=204) is not None
    assert_admin_error(admin.post("/held/%s/approve" % body["heldId"]), 404, "NOT_FOUND")
    r = admin.req("POST", "/sources/adminfile/import", data=json.dumps({"organisations": orgs[:20]}),
                  params={"full": 1})
    hid = r.json()["heldId"]
    out = admin.ok("POST", "/held/%s/approve" % hid)
    assert out["status"] == "applied" and out["deleted"] == 20
    assert srv.api.get("/organisations/%s" % orgs[30]["id"]).status_code == 404
    # A file that cannot be read changes nothing.
    r = admin.req("POST", "/sources/adminfile/import", data="{broken")
    assert_admin_error(r, 400, "INVALID_BODY")
    r = admin.req("POST", "/sources/adminfile/import", data=json.dumps({"organisations": [{"id": "x"}]}))
    assert r.status_code == 422 and r.json()["status"] == "rejected" and r.json()["problems"], r.text
    assert_admin_error(admin.req("POST", "/sources/nosuch/import", data="{}"), 404, "NOT_FOUND")
    assert_admin_error(admin.post("/sources/adminfile/pull", {}), 409, "CONFLICT")


def test_quality_matches_the_cli(srv, admin, schools):
    want = json.loads(srv.cli.run("quality", "--db", srv.db, "--json").stdout)
    assert admin.ok("GET", "/quality") == want
    one = json.loads(srv.cli.run("quality", "--db", srv.db, "--school", schools[0], "--json").stdout)
    assert admin.ok("GET", "/quality", params={"school": schools[0]}) == one
    assert_admin_error(admin.get("/quality", params={"school": "x"}), 400, "INVALID_PARAMETER")


def test_every_action_is_in_the_audit_trail(admin, vendor):
    items = admin.ok("GET", "/admin-audit", params={"limit": 500})["items"]
    acts = {(e["action"], e["target"]) for e in items}
    vid = vendor["id"]
    for a in ("vendor-created", "vendor-changed", "grant-changed", "key-created", "key-rotated", "key-revoked",
              "vendor-stopped", "vendor-resumed"):
        assert (a, vid) in acts, a
    for a in ("global-stop", "global-resume"):
        assert a in {x for x, _ in acts}, a
    assert ("file-imported", "adminfile") in acts
    assert "batch-approved" in {x for x, _ in acts} and "batch-discarded" in {x for x, _ in acts}
    g = next(e for e in items if e["action"] == "grant-changed")
    assert "before" in g["detail"] and "after" in g["detail"]
    # Every action through the API names who did it; the CLI's rows say "cli".
    assert all(e["user"] == "admin" for e in items if e["action"] != "login-failed" and e["address"] != "cli")
    assert all(e["user"] is None for e in items if e["address"] == "cli")


def test_pull_now(srv, tmp_path_factory):
    """A second, empty hub pulls the organisations of this one through the admin API."""
    from adminhelp import empty_server
    hub = empty_server(str(tmp_path_factory.mktemp("admin-pull-hub")))
    try:
        hub.cli.run("source", "add", "--db", hub.db, "upstream", "--pull", srv.base + "/v2.0", "--bearer", srv.key_a,
                    "--kinds", "organisations")
        a = signed_in(hub, "administrator", "puller")
        r = a.ok("POST", "/sources/upstream/pull", {})
        want = len(walk(srv.api, "organisations", srv.key_a))
        assert r["ok"] is True and r["error"] is None and r["created"] == want and r["requests"] >= 1, r
        assert len(a.ok("GET", "/explorer/organisations", params={"historical": 1})["items"]) == want
        again = a.ok("POST", "/sources/upstream/pull", {"full": True})
        assert again["ok"] is True and again["created"] == 0 and again["unchanged"] == want, again
        src = next(s for s in a.ok("GET", "/sources")["items"] if s["name"] == "upstream")
        assert src["type"] == "pull" and src["entities"] == want and src["lastRun"]["result"] == "ok"
        trail = a.ok("GET", "/admin-audit")["items"]
        assert [e["detail"]["full"] for e in trail if e["action"] == "pull-run"] == [True, False]
        assert_admin_error(a.post("/sources/upstream/pull", {"full": "yes"}), 400, "INVALID_BODY")
    finally:
        assert hub.stop() == 0, hub.log()
