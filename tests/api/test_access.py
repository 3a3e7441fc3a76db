"""Vendor access (issue 5): grants by organisation and data category,
protected identities, emergency stop, credentials, the disclosure ledger
and view-as. Clients are made with the CLI on the server's own store; the
server reads grants and stops from the store on every request, so no
restart is needed between a grant and the request that relies on it."""

import json
import os
import signal
import sqlite3
import subprocess
import time
import uuid

import pytest

from accesshelp import (ALL_CATEGORIES, KIND_CATEGORY, PERSON_FIELDS, PERSON_ROLES, FullData, Oracle,
                        check_response_items, grant_args, make_client, walk, LIST_PARAMS)
from apihelp import Server, assert_error, backend, sql_exec, sql_quote, sql_value, sqlite_connect

SEED = os.environ.get("SKOLNAV_TEST_SEED", "12000")
PAGE = 97  # small and odd, so walks cross many page boundaries


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = Server(str(tmp_path_factory.mktemp("access")), SEED)
    s.start()
    yield s
    assert s.stop() == 0, s.log()


@pytest.fixture(scope="module")
def full(srv):
    return FullData(srv.api, srv.key_a)


def schools(full, n=2, offset=0):
    """n school units (Skolenhet) that have enrolled pupils, in a stable order."""
    enrolled = {e["enroledAt"]["id"] for p in full.by_kind["persons"].values() for e in p.get("enrolments", [])}
    units = sorted(oid for oid, o in full.by_kind["organisations"].items()
                   if o["organisationType"] == "Skolenhet" and oid in enrolled)
    return units[offset:offset + n]


def test_new_client_sees_nothing(srv):
    _cid, key = make_client(srv.cli, "nothing-yet")
    assert srv.api.get_json("/organisations", key=key)["data"] == []
    for kind in ["persons"] + [k for k in KIND_CATEGORY if k != "organisations"]:
        assert_error(srv.api.get("/" + kind, key=key), 403)
    assert_error(srv.api.get("/persons/%s" % uuid.uuid4(), key=key), 403)
    assert_error(srv.api.post("/persons/lookup", {"ids": []}, key=key), 403)


def test_full_access_still_sees_everything(srv, full):
    assert len(full.by_kind["persons"]) > 100
    assert any(p["securityMarking"] != "Ingen" for p in full.by_kind["persons"].values())


@pytest.mark.parametrize("kind", sorted(KIND_CATEGORY))
def test_kind_needs_its_category(srv, kind):
    cat = KIND_CATEGORY[kind]
    _c, with_key = make_client(srv.cli, "with-" + kind, *grant_args(cats=[cat] if cat != "Standard" else []))
    params = dict(LIST_PARAMS.get(kind, {}), limit=5)
    r = srv.api.get("/" + kind, params, key=with_key)
    assert r.status_code == 200, r.text[:300]
    others = [c for c in ALL_CATEGORIES if c != cat]
    _c, without_key = make_client(srv.cli, "without-" + kind, *grant_args(cats=others))
    r = srv.api.get("/" + kind, params, key=without_key)
    if cat == "Standard":
        assert r.status_code == 200
    else:
        assert_error(r, 403)


@pytest.mark.parametrize("role", PERSON_ROLES)
def test_persons_need_a_person_role(srv, full, role):
    _c, key = make_client(srv.cli, "role-" + role, *grant_args(cats=[role]))
    got = {p["id"] for p in srv.api.walk("/persons", key=key, limit=1000)}
    oracle = Oracle(full, None, [role])
    assert got == oracle.visible["persons"]
    assert got, "no persons for role %s" % role


@pytest.mark.parametrize("cat", sorted(PERSON_FIELDS))
def test_person_field_category(srv, full, cat):
    fields = PERSON_FIELDS[cat]
    base = ["Students", "Responsibles", "Duties"]
    _c, with_key = make_client(srv.cli, "f-with-" + cat, *grant_args(cats=base + [cat]))
    without = [c for c in base if c != cat] or ["Duties"]
    _c, without_key = make_client(srv.cli, "f-without-" + cat, *grant_args(cats=without, protected="full"))
    have = [p for p in full.by_kind["persons"].values() if any(f in p for f in fields)]
    if not have:
        pytest.skip("the demo has no person with %s" % fields)
    ids = [p["id"] for p in have[:50]]
    got_with = srv.api.lookup("persons", {"ids": ids}, key=with_key)
    assert any(f in p for p in got_with for f in fields), "%s missing although %s is granted" % (fields, cat)
    got_without = srv.api.walk("/persons", key=without_key, limit=1000)
    assert got_without
    for p in got_without:
        for f in fields:
            assert f not in p, "%s present without %s" % (f, cat)


def test_email_school_kept_private_removed(srv, full):
    _c, key = make_client(srv.cli, "school-mail", *grant_args(cats=list(PERSON_ROLES) + ["Email school"]))
    seen_school = False
    for p in srv.api.walk("/persons", key=key, limit=1000):
        for e in p.get("emails", []):
            assert e["type"] in ("Skola elev", "Skola personal"), e
            seen_school = True
    assert seen_school
    _c, key = make_client(srv.cli, "private-mail", *grant_args(cats=list(PERSON_ROLES) + ["Email"]))
    types = {e["type"] for p in srv.api.walk("/persons", key=key, limit=1000) for e in p.get("emails", [])}
    assert "Privat" in types and not types & {"Skola elev", "Skola personal"}


def test_org_scope_every_kind(srv, full):
    units = schools(full, 2)
    cats = [c for c in ALL_CATEGORIES if c != "CivicNo"]
    _c, key = make_client(srv.cli, "two-schools", *grant_args(orgs=units, cats=cats))
    oracle = Oracle(full, units, cats)
    for kind in ["organisations", "persons"] + [k for k in KIND_CATEGORY if k != "organisations"]:
        items = walk(srv.api, kind, key, limit=PAGE)
        got = {it["id"] for it in items}
        assert got == oracle.visible[kind], "%s: %d extra, %d missing" % (
            kind, len(got - oracle.visible[kind]), len(oracle.visible[kind] - got))
        check_response_items(items, oracle, kind, "GET /" + kind)
    assert oracle.visible["persons"] and len(oracle.visible["persons"]) < len(full.by_kind["persons"])


def test_out_of_scope_is_404_and_absent_from_lookup(srv, full):
    units = schools(full, 1)
    _c, key = make_client(srv.cli, "one-school", *grant_args(orgs=units, cats=["Students", "Groups"]))
    oracle = Oracle(full, units, ["Students", "Groups"])
    outside = sorted(set(full.by_kind["persons"]) - oracle.visible["persons"])[:20]
    inside = sorted(oracle.visible["persons"])[:20]
    for pid in outside[:5]:
        assert_error(srv.api.get("/persons/" + pid, key=key), 404)
    got = srv.api.lookup("persons", {"ids": outside + inside}, key=key)
    assert {p["id"] for p in got} == set(inside)
    civics = [full.by_kind["persons"][p]["civicNo"]["value"] for p in outside if "civicNo" in full.by_kind["persons"][p]]
    assert civics
    # Without CivicNo a civic number is not a way in either.
    assert_error(srv.api.post("/persons/lookup", {"civicNos": civics}, key=key), 403)
    _c, ckey = make_client(srv.cli, "one-school-civic", *grant_args(orgs=units, cats=["Students", "CivicNo"]))
    assert srv.api.lookup("persons", {"civicNos": civics}, key=ckey) == []
    inside_civic = full.by_kind["persons"][inside[0]]["civicNo"]["value"]
    assert [p["id"] for p in srv.api.lookup("persons", {"civicNos": [inside_civic]}, key=ckey)] == [inside[0]]
    g_out = sorted(set(full.by_kind["groups"]) - oracle.visible["groups"])[:3]
    for gid in g_out:
        assert_error(srv.api.get("/groups/" + gid, key=key), 404)


def test_expand_and_reference_names_stay_inside(srv, full):
    units = schools(full, 1, offset=1)
    cats = ["Students", "Groups", "Duties", "Placements"]
    _c, key = make_client(srv.cli, "expand-scope", *grant_args(orgs=units, cats=cats))
    oracle = Oracle(full, units, cats)
    for path, params in [("/persons", {"expand": ["duties", "responsibleFor", "placements", "ownedPlacements",
                                                   "groupMemberships"], "expandReferenceNames": True}),
                         ("/groups", {"expandReferenceNames": True}),
                         ("/duties", {"expand": "person", "expandReferenceNames": True}),
                         ("/placements", {"expand": ["child", "owners"], "expandReferenceNames": True})]:
        items = srv.api.walk(path, params, key=key, limit=PAGE)
        check_response_items(items, oracle, path[1:], "GET %s %s" % (path, params))


def test_protected_identities(srv, full):
    prot = {pid for pid, p in full.by_kind["persons"].items() if p["securityMarking"] != "Ingen"}
    assert prot
    _c, key = make_client(srv.cli, "prot-default", *grant_args(cats=list(PERSON_ROLES) + ["Groups"]))
    got = {p["id"] for p in srv.api.walk("/persons", key=key, limit=1000)}
    assert not got & prot
    for g in srv.api.walk("/groups", key=key, limit=1000):
        assert not {m["person"]["id"] for m in g.get("groupMemberships", [])} & prot
    assert srv.api.lookup("persons", {"ids": sorted(prot)}, key=key) == []
    _c, key = make_client(srv.cli, "prot-full", *grant_args(cats=list(PERSON_ROLES), protected="full"))
    got = {p["id"] for p in srv.api.walk("/persons", key=key, limit=1000)}
    assert prot <= got


def test_filters_and_sorts_need_the_field_category(srv, full):
    p = next(p for p in full.by_kind["persons"].values() if "civicNo" in p and p.get("enrolments"))
    _c, key = make_client(srv.cli, "no-civic", *grant_args(cats=["Students"]))
    assert_error(srv.api.get("/persons", {"civicNo": p["civicNo"]["value"]}, key=key), 403, "civicNo")
    assert_error(srv.api.get("/persons", {"sortkey": "CivicNoAsc"}, key=key), 403, "CivicNoAsc")
    assert_error(srv.api.get("/persons", {"identifier.value": "x"}, key=key), 403)
    assert_error(srv.api.get("/persons", {"eduPersonPrincipalName": "x@y"}, key=key), 403)
    assert srv.api.get("/persons", {"sortkey": "GivenNameAsc", "limit": 2}, key=key).status_code == 200
    _c, key = make_client(srv.cli, "civic", *grant_args(cats=["Students", "CivicNo"]))
    got = srv.api.get_json("/persons", {"civicNo": p["civicNo"]["value"]}, key=key)["data"]
    assert [x["id"] for x in got] == [p["id"]]


def test_alias_mode(srv, full):
    prot = {pid: p for pid, p in full.by_kind["persons"].items() if p["securityMarking"] != "Ingen"}
    cats = list(PERSON_ROLES) + ["CivicNo", "Addresses", "Email", "Email school", "Birthdate", "Groups"]
    _c, key = make_client(srv.cli, "alias", *grant_args(cats=cats, protected="alias"))
    got = {p["id"]: p for p in srv.api.lookup("persons", {"ids": sorted(prot)}, key=key)}
    assert got and set(got) <= set(prot)
    for pid, p in got.items():
        real = prot[pid]
        assert (p["givenName"], p["familyName"]) == ("Skyddad", "identitet")
        for f in ("civicNo", "addresses", "emails", "birthDate", "responsibles", "phoneNumbers", "photo"):
            assert f not in p, (pid, f)
        assert real["givenName"] not in json.dumps(p)
    groups = srv.api.walk("/groups", {"expandReferenceNames": True}, key=key, limit=1000)
    for g in groups:
        for m in g.get("groupMemberships", []):
            if m["person"]["id"] in prot:
                assert m["person"].get("displayName") == "Skyddad identitet"


def test_alias_mode_never_finds_a_protected_person_by_what_the_alias_hides(srv, full):
    prot = [p for p in full.by_kind["persons"].values()
            if p["securityMarking"] != "Ingen" and "civicNo" in p and p.get("enrolments")]
    assert prot, "the demo has no protected pupil with a civic number"
    p = prot[0]
    cats = list(PERSON_ROLES) + ["CivicNo"]
    _c, key = make_client(srv.cli, "alias-find", *grant_args(cats=cats, protected="alias"))
    civic = p["civicNo"]["value"]
    assert srv.api.lookup("persons", {"civicNos": [civic]}, key=key) == []
    assert srv.api.get_json("/persons", {"civicNo": civic}, key=key)["data"] == []
    named = srv.api.walk("/persons", {"nameContains": p["givenName"]}, key=key, limit=1000)
    assert p["id"] not in {x["id"] for x in named}
    by_name = srv.api.walk("/persons", {"sortkey": "FamilyNameAsc"}, key=key, limit=1000)
    assert p["id"] not in {x["id"] for x in by_name}
    # By what the alias keeps (the hub's id), it is found, as the alias.
    got = srv.api.lookup("persons", {"ids": [p["id"]]}, key=key)
    assert [(x["id"], x["givenName"]) for x in got] == [(p["id"], "Skyddad")]
    # A full-access client still finds the person by civic number.
    assert [x["id"] for x in srv.api.lookup("persons", {"civicNos": [civic]})] == [p["id"]]


def test_pseudonymous_ids_round_trip(srv, full):
    units = schools(full, 1, offset=2)
    cats = ["Students", "Duties", "Groups"]
    c1, k1 = make_client(srv.cli, "pseudo-1", *grant_args(orgs=units, cats=cats), "--pseudonyms", "on")
    c2, k2 = make_client(srv.cli, "pseudo-2", *grant_args(orgs=units, cats=cats), "--pseudonyms", "on")
    oracle = Oracle(full, units, cats)
    real = set(full.by_kind["persons"])
    pages = []
    p1 = srv.api.walk("/persons", key=k1, limit=7, on_page=lambda n, env: pages.append(env.get("pageToken")))
    assert all(t is None or t.startswith("p.") for t in pages) and len(pages) > 1
    s1 = {p["id"] for p in p1}
    s2 = {p["id"] for p in srv.api.walk("/persons", key=k2, limit=1000)}
    assert len(s1) == len(s2) == len(oracle.visible["persons"])
    assert not s1 & s2 and not s1 & real
    # No hub id of a person anywhere in what the client gets.
    for path, params in [("/persons", {"expand": ["duties", "groupMemberships"], "expandReferenceNames": True}),
                         ("/groups", {}), ("/duties", {"expand": "person"})]:
        for env in srv.api.pages(path, params, 50, key=k1):
            text = json.dumps(env)
            leaked = [r for r in real if r in text]
            assert not leaked, (path, leaked[:3])
    # The client's ids work as ids; the hub's do not.
    first = sorted(s1)[0]
    assert srv.api.get_json("/persons/" + first, key=k1)["id"] == first
    hub_id = srv.cli.run("client", "pseudonym", "--db", srv.db, c1, first).stdout.strip()
    assert hub_id in oracle.visible["persons"]
    assert srv.cli.run("client", "pseudonym", "--db", srv.db, c1, hub_id).stdout.strip() == first
    r = srv.api.get("/persons/" + hub_id, key=k1)
    assert_error(r, 404)
    assert sorted(s1)[0] not in r.text
    got = srv.api.lookup("persons", {"ids": sorted(s1)[:5] + [hub_id]}, key=k1)
    assert {p["id"] for p in got} == set(sorted(s1)[:5])
    duty = next(d for d in srv.api.walk("/duties", key=k1, limit=1000) if d.get("person"))
    mine = srv.api.get_json("/duties", {"person": duty["person"]["id"]}, key=k1)["data"]
    assert duty["id"] in {d["id"] for d in mine}
    # The ledger keeps the hub's ids.
    out = json.loads(srv.cli.run("audit", "person", "--db", srv.db, hub_id, "--json").stdout)
    assert c1 in {d["client"] for d in out["disclosures"]}


def test_deleted_entities_only_granted_kinds(srv, full):
    gid = sorted(full.by_kind["groups"])[0]
    srv.cli.delete("groups", gid)
    _c, key = make_client(srv.cli, "no-groups", *grant_args(cats=["Students"]))
    data = srv.api.get_json("/deletedEntities", key=key)["data"]
    assert "groups" not in data
    _c, key = make_client(srv.cli, "groups", *grant_args(cats=["Groups"]))
    assert gid in srv.api.get_json("/deletedEntities", key=key)["data"].get("groups", [])


def test_emergency_stop_mid_walk(srv):
    cid, key = make_client(srv.cli, "stoppable", *grant_args(cats=["Students"]))
    first = srv.api.get_json("/persons", {"limit": 10}, key=key)
    tok = first["pageToken"]
    assert tok
    srv.cli.run("stop", "--db", srv.db, "--all")
    try:
        assert_error(srv.api.get("/persons", [("pageToken", tok), ("limit", "10")], key=key), 403)
        assert_error(srv.api.get("/organisations", key=srv.key_a), 403)
    finally:
        srv.cli.run("resume", "--db", srv.db, "--all")
    nxt = srv.api.get_json("/persons", [("pageToken", tok), ("limit", "10")], key=key)
    assert nxt["data"] and not {p["id"] for p in nxt["data"]} & {p["id"] for p in first["data"]}
    srv.cli.run("client", "suspend", "--db", srv.db, cid)
    assert_error(srv.api.get("/persons", {"limit": 1}, key=key), 403)
    assert srv.api.get("/persons", {"limit": 1}, key=srv.key_a).status_code == 200
    srv.cli.run("client", "resume", "--db", srv.db, cid)
    assert srv.api.get("/persons", {"limit": 1}, key=key).status_code == 200
    ev = json.loads(srv.cli.run("audit", "client", "--db", srv.db, cid, "--json").stdout)["events"]
    whats = [e["what"] for e in ev]
    assert "emergency stop of all clients" in whats and "suspended (emergency stop)" in whats


def test_expired_and_rotated_keys(srv):
    cp = srv.cli.run("client", "add", "--db", srv.db, "expired", "--expires", "2020-01-01", "--json")
    key = json.loads(cp.stdout)["key"]
    r = srv.api.get("/organisations", key=key)
    assert_error(r, 401)
    assert r.headers["WWW-Authenticate"].lower().startswith("bearer")
    cid, old = make_client(srv.cli, "rotating", "--all-orgs")
    new = json.loads(srv.cli.run("client", "rotate", "--db", srv.db, cid, "--json").stdout)["key"]
    assert new != old
    assert srv.api.get("/organisations", key=old).status_code == 200  # grace period: no gap
    assert srv.api.get("/organisations", key=new).status_code == 200
    newer = json.loads(srv.cli.run("client", "rotate", "--db", srv.db, cid, "--grace", "0", "--json").stdout)["key"]
    assert_error(srv.api.get("/organisations", key=old), 401)
    assert_error(srv.api.get("/organisations", key=new), 401)
    assert srv.api.get("/organisations", key=newer).status_code == 200
    srv.cli.run("client", "remove", "--db", srv.db, cid)
    assert_error(srv.api.get("/organisations", key=newer), 401)


def test_contract_end_ends_access(srv):
    cp = srv.cli.run("client", "add", "--db", srv.db, "ended", "--contract-end", "2021-06-30", "--json")
    assert_error(srv.api.get("/organisations", key=json.loads(cp.stdout)["key"]), 403)


def test_view_as_matches_and_records_nothing(srv, full):
    units = schools(full, 1)
    cid, key = make_client(srv.cli, "viewed", *grant_args(orgs=units, cats=["Students"]))
    cp = srv.cli.run("view-as", "--db", srv.db, cid, "/persons?limit=7&expandReferenceNames=true")
    viewed = json.loads(cp.stdout)
    audit = json.loads(srv.cli.run("audit", "client", "--db", srv.db, cid, "--json").stdout)
    assert audit["requests"] == 0 and audit["persons"] == 0
    served = srv.api.get_json("/persons", {"limit": 7, "expandReferenceNames": True}, key=key)
    assert [p["id"] for p in viewed["data"]] == [p["id"] for p in served["data"]]
    assert viewed["data"] == served["data"]
    cp = srv.cli.run("view-as", "--db", srv.db, cid, "/grades", check=False)
    assert cp.returncode == 1 and json.loads(cp.stdout)["code"] == "FORBIDDEN"


def test_ledger_records_persons_and_categories(srv, full):
    units = schools(full, 1)
    cid, key = make_client(srv.cli, "ledgered", *grant_args(orgs=units, cats=["Students", "CivicNo"]))
    page = srv.api.get_json("/persons", {"limit": 5}, key=key)["data"]
    pid = page[0]["id"]
    out = json.loads(srv.cli.run("audit", "person", "--db", srv.db, pid, "--json").stdout)
    mine = [d for d in out["disclosures"] if d["client"] == cid]
    assert len(mine) == 1 and mine[0]["channel"] == "api"
    assert "CivicNo" in mine[0]["categories"] and "Students" in mine[0]["categories"]
    assert "Addresses" not in mine[0]["categories"]
    civic = full.by_kind["persons"][pid]["civicNo"]["value"]
    by_civic = json.loads(srv.cli.run("audit", "person", "--db", srv.db, civic, "--json").stdout)
    assert by_civic == out
    never = sorted(set(full.by_kind["persons"]) - {p["id"] for p in page})[0]
    out = json.loads(srv.cli.run("audit", "person", "--db", srv.db, never, "--json").stdout)
    assert all(d["client"] != cid for d in out["disclosures"])
    audit = json.loads(srv.cli.run("audit", "client", "--db", srv.db, cid, "--json").stdout)
    assert audit["requests"] == 1 and audit["items"] == 5 and audit["persons"] == 5
    assert audit["statuses"] == {"200": 1}


def test_ledger_journal_folds_into_one_row_per_person(srv, full):
    """A response appends to ledger_journal; a reader of the ledger folds the
    journal first: one row per (client, channel, person), categories OR-ed,
    first the earliest time and last the latest."""
    units = schools(full, 1)
    cid, key = make_client(srv.cli, "journaled", *grant_args(orgs=units, cats=["Students"]))
    q = lambda table: int(sql_value(srv.db, "SELECT count(*) FROM %s WHERE client=%s" % (table, sql_quote(cid))))
    first = srv.api.get_json("/persons", {"limit": 4}, key=key)["data"]
    srv.cli.run("client", "grant", "--db", srv.db, cid, "--category", "CivicNo")
    again = srv.api.get_json("/persons", {"limit": 4}, key=key)["data"]
    assert [p["id"] for p in again] == [p["id"] for p in first]
    # one journal row per response, unpacked by ledger_pending to a row per
    # person and response; unless the server's folder has already folded
    # them (it folds a journal quiet for two seconds)
    if q("ledger_journal"):
        assert q("ledger_journal") == 2 and q("ledger_pending") == 8 and q("ledger") == 0
    else:
        assert q("ledger_pending") == 0 and q("ledger") == 4
    pid = first[0]["id"]
    out = json.loads(srv.cli.run("audit", "person", "--db", srv.db, pid, "--json").stdout)
    mine = [d for d in out["disclosures"] if d["client"] == cid]
    assert len(mine) == 1
    assert "CivicNo" in mine[0]["categories"] and "Students" in mine[0]["categories"]
    assert mine[0]["first"] <= mine[0]["last"]
    assert q("ledger_journal") == 0 and q("ledger") == 4
    # a later request folds onto the same rows
    srv.api.get_json("/persons", {"limit": 4}, key=key)
    audit = json.loads(srv.cli.run("audit", "client", "--db", srv.db, cid, "--json").stdout)
    assert audit["persons"] == 4 and "CivicNo" in audit["categories"]
    assert q("ledger_journal") == 0 and q("ledger") == 4


def test_the_folder_folds_a_quiet_journal_without_a_reader(srv, full):
    """Nobody reads the ledger here: the server's folder moves the journal
    into ledger on its own once no response has appended for a moment."""
    cid, key = make_client(srv.cli, "unread", *grant_args(orgs=schools(full, 1), cats=["Students"]))
    q = lambda table: int(sql_value(srv.db, "SELECT count(*) FROM %s WHERE client=%s" % (table, sql_quote(cid))))
    page = srv.api.get_json("/persons", {"limit": 3}, key=key)["data"]
    assert len(page) == 3
    deadline = time.monotonic() + 30
    while q("ledger_journal") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert q("ledger_journal") == 0 and q("ledger") == 3
    for p in page:
        assert int(sql_value(srv.db, "SELECT count(*) FROM ledger WHERE client=%s AND person=%s"
                             % (sql_quote(cid), sql_quote(p["id"])))) == 1


def test_a_response_repeated_within_the_minute_is_journaled_once(srv, full):
    """The same persons with the same categories to the same client within a
    minute of the first change no ledger row (the last time is kept to the
    minute), so the server does not journal the repeat; a response that
    discloses anything else is journaled. The request log has every request."""
    cid, key = make_client(srv.cli, "repeater", *grant_args(orgs=schools(full, 1), cats=["Students"]))
    q = lambda table: int(sql_value(srv.db, "SELECT count(*) FROM %s WHERE client=%s" % (table, sql_quote(cid))))
    first = srv.api.get_json("/persons", {"limit": 3}, key=key)["data"]
    again = srv.api.get_json("/persons", {"limit": 3}, key=key)["data"]
    assert [p["id"] for p in again] == [p["id"] for p in first]
    # one journal row, or none once the folder has folded it; never two
    assert q("ledger_journal") + (q("ledger") == 3) == 1
    more = srv.api.get_json("/persons", {"limit": 4}, key=key)["data"]
    audit = json.loads(srv.cli.run("audit", "client", "--db", srv.db, cid, "--json").stdout)
    assert audit["requests"] == 3 and audit["persons"] == 4
    assert q("ledger_journal") == 0 and q("ledger") == 4
    out = json.loads(srv.cli.run("audit", "person", "--db", srv.db, more[3]["id"], "--json").stdout)
    assert [d["channel"] for d in out["disclosures"] if d["client"] == cid] == ["api"]


def test_writes_need_write_permission(srv):
    cid, key = make_client(srv.cli, "reader", *grant_args(cats=["Attendances", "Students"]))
    assert_error(srv.api.post("/attendances", {}, key=key), 403, "--writes on")
    assert_error(srv.api.request("DELETE", "/attendances/%s" % uuid.uuid4(), key=key), 403)
    srv.cli.run("client", "grant", "--db", srv.db, cid, "--writes", "on")
    # Allowed by the access view; what the write endpoint answers is its own business.
    assert srv.api.post("/attendances", {}, key=key).status_code != 403


def test_rate_limit(tmp_path):
    s = Server(str(tmp_path), "3", serve_args=["--rate-limit", "2"])
    s.start()
    try:
        statuses, last = [], None
        for _ in range(40):  # a burst of 10 s x 2/s = 20 requests, then refusals
            r = s.api.get("/organisations", {"limit": 1})
            statuses.append(r.status_code)
            if r.status_code == 429:
                last = r
                break
            assert int(r.headers["RateLimit-Limit"]) == 20
            assert int(r.headers["RateLimit-Remaining"]) >= 0
        assert last is not None, statuses
        assert_error(last, 429)
        assert int(last.headers["Retry-After"]) >= 1
        assert last.headers["RateLimit-Remaining"] == "0"
        assert statuses.count(200) >= 15
        # Another client has its own bucket.
        assert s.api.get("/organisations", {"limit": 1}, key="other").status_code == 200
    finally:
        assert s.stop() == 0


def test_ledger_survives_kill_9(tmp_path):
    s = Server(str(tmp_path), "3")
    s.start()
    try:
        cid, key = make_client(s.cli, "crashy", *grant_args(cats=["Students"]))
        ids = [p["id"] for p in s.api.get_json("/persons", {"limit": 20}, key=key)["data"]]
    finally:
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait(timeout=30)
        s._log.close()
    if backend() == "sqlite":  # PostgreSQL's own integrity is the server's business
        con = sqlite_connect(s.db)
        assert con.execute("PRAGMA main.integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA log.integrity_check").fetchone()[0] == "ok"
        con.close()
    for pid in ids[:3] + ids[-2:]:
        out = json.loads(s.cli.run("audit", "person", "--db", s.db, pid, "--json").stdout)
        assert [d["client"] for d in out["disclosures"]] == [cid]


def refuse_request_log(db, on):
    """Makes every insert into request_log fail (on) or work again (off),
    as a full disk or a lock held past the busy timeout would."""
    if db.startswith("postgres"):
        if on:
            sql_exec(db, "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
                         "$$BEGIN RAISE EXCEPTION 'refused by the test'; END$$")
            sql_exec(db, "CREATE TRIGGER test_refuse BEFORE INSERT ON request_log "
                         "FOR EACH ROW EXECUTE FUNCTION test_refuse()")
        else:
            sql_exec(db, "DROP TRIGGER test_refuse ON request_log")
            sql_exec(db, "DROP FUNCTION test_refuse()")
    elif on:
        sql_exec(db, "CREATE TRIGGER log.test_refuse BEFORE INSERT ON request_log "
                     "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
    else:
        sql_exec(db, "DROP TRIGGER log.test_refuse")


def test_a_read_that_cannot_be_recorded_is_not_sent(srv):
    _, key = make_client(srv.cli, "unrecorded", *grant_args(cats=["Students"]))
    pid = srv.api.get_json("/persons", {"limit": 1}, key=key)["data"][0]["id"]
    refuse_request_log(srv.db, True)
    try:
        for resp in (srv.api.get("/persons", {"limit": 5}, key=key),
                     srv.api.get("/persons/" + pid, key=key),
                     srv.api.post("/persons/lookup", {"ids": [pid]}, key=key)):
            body = assert_error(resp, 503)
            assert body["code"] == "INTERNAL_ERROR" and "not sent" in body["message"], body
            assert pid not in resp.text
    finally:
        refuse_request_log(srv.db, False)
    assert srv.api.get("/persons", {"limit": 5}, key=key).status_code == 200


class _Locker:
    """A transaction of the test's own that takes the lock the ledger's fold takes first (the
    store file's on SQLite; on PostgreSQL the pseudonym table's, which a response's append
    writes besides the log tables), holds it, and then takes the one the fold takes second."""

    def __init__(self, db):
        self.db = db
        if db.startswith("postgres"):
            self.p = subprocess.Popen(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", db], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.p.stdin.write("BEGIN; LOCK TABLE pseudonym IN EXCLUSIVE MODE; SELECT 'held';\n")
            self.p.stdin.flush()
            assert self.p.stdout.readline().strip() == "held"
        else:
            self.con = sqlite_connect(db, timeout=3)
            self.con.isolation_level = None
            self.con.execute("BEGIN")
            self.con.execute("UPDATE main.setting SET v=v WHERE 0")

    def second_then_commit(self):
        """Raises (SQLite: database is locked; PostgreSQL: psql fails) when the response holds
        the second lock while it waits for the first."""
        if self.db.startswith("postgres"):
            out, err = self.p.communicate("SET lock_timeout = '3s'; LOCK TABLE request_log IN EXCLUSIVE MODE;"
                                          " COMMIT;\n", timeout=30)
            assert self.p.returncode == 0, err
        else:
            try:
                self.con.execute("UPDATE log.request_log SET at=at WHERE 0")
                self.con.execute("COMMIT")
            finally:
                if self.con.in_transaction:
                    self.con.execute("ROLLBACK")
                self.con.close()


def test_a_pseudonymous_response_waits_for_the_store_file_first(srv, full):
    """A response of a pseudonymous client writes its pseudonyms and its log rows in one
    transaction. Were the log's lock taken first, a writer holding the pseudonyms' lock and then
    wanting the log's (SQLite: the ledger's fold, store file then log file) would wait for that
    response while it waits for them: until the busy timeout refused the response (SQLite), or
    until PostgreSQL's deadlock detector broke one of them."""
    import threading
    _, key = make_client(srv.cli, "lock-order", *grant_args(orgs=schools(full, 1), cats=["Students"]),
                         "--pseudonyms", "on")
    # the first response also makes the hub's pseudonym key; the next one writes only
    # the pseudonyms of the persons it is the first to disclose
    assert srv.api.get("/persons", {"limit": 1}, key=key).status_code == 200
    lock = _Locker(srv.db)
    got = {}
    t = threading.Thread(target=lambda: got.update(r=srv.api.get("/persons", {"limit": 3}, key=key)))
    t.start()
    try:
        time.sleep(1.0)  # the response is waiting in its ledger transaction by now
        assert "r" not in got, "the response did not wait for the lock"
    finally:
        lock.second_then_commit()
        t.join(30)
    assert got["r"].status_code == 200, got["r"].text[:300]
    assert len(got["r"].json()["data"]) == 3


def test_purge_removes_old_rows(srv):
    cid, key = make_client(srv.cli, "purged", *grant_args(cats=["Students"]))
    pid = srv.api.get_json("/persons", {"limit": 1}, key=key)["data"][0]["id"]
    srv.cli.run("audit", "purge", "--db", srv.db)  # default retention keeps today's rows
    out = json.loads(srv.cli.run("audit", "person", "--db", srv.db, pid, "--json").stdout)
    assert any(d["client"] == cid for d in out["disclosures"])
    # ledger is a view of ledger_row, keyed by reader (client, channel)
    sql_exec(srv.db, "UPDATE ledger_row SET first=first-400*CAST(86400000 AS BIGINT), last=last-400*CAST(86400000 AS BIGINT)"
             " WHERE reader IN (SELECT id FROM ledger_reader WHERE client=%s)" % sql_quote(cid))
    sql_exec(srv.db, "UPDATE request_log SET at=at-400*CAST(86400000 AS BIGINT) WHERE client=%s" % sql_quote(cid))
    srv.cli.run("audit", "retention", "--db", srv.db, "365")
    cp = srv.cli.run("audit", "purge", "--db", srv.db)
    assert "older than 365 days" in cp.stdout
    out = json.loads(srv.cli.run("audit", "person", "--db", srv.db, pid, "--json").stdout)
    assert not any(d["client"] == cid for d in out["disclosures"])
    assert json.loads(srv.cli.run("audit", "client", "--db", srv.db, cid, "--json").stdout)["requests"] == 0


def test_cli_rejects_bad_grants(srv):
    cid, _k = make_client(srv.cli, "picky")
    for bad in (["--category", "Shoe size"], ["--org", "not-a-uuid"], ["--org", str(uuid.uuid4())],
                ["--protected", "maybe"], ["--all-orgs", "--org", str(uuid.uuid4())]):
        cp = srv.cli.run("client", "grant", "--db", srv.db, cid, *bad, check=False)
        assert cp.returncode != 0 and cp.stderr.strip(), bad
    show = json.loads(srv.cli.run("client", "show", "--db", srv.db, cid, "--json").stdout)
    assert show["categories"] == ["Standard"] and show["organisations"] == [] and not show["allOrganisations"]


def test_photo_category(srv, full):
    # Changes the data: after the tests that compare against `full`.
    org = schools(full, 1, offset=3)[0]
    pid = str(uuid.uuid4())
    srv.cli.ingest("persons", [{
        "id": pid, "givenName": "Foto", "familyName": "Grafsson", "photo": "https://example.invalid/p.jpg",
        "enrolments": [{"enroledAt": {"id": org}, "schoolType": "GR", "startDate": "2025-08-15"}]}])
    _c, with_key = make_client(srv.cli, "photo-with", *grant_args(orgs=[org], cats=["Students", "Photo"]))
    _c, without_key = make_client(srv.cli, "photo-without", *grant_args(orgs=[org], cats=["Students"]))
    assert srv.api.get_json("/persons/" + pid, key=with_key)["photo"].endswith("p.jpg")
    assert "photo" not in srv.api.get_json("/persons/" + pid, key=without_key)


def test_scope_exits_in_deleted_entities(srv, full):
    # Changes the data: after the tests that compare against `full`.
    a, b = schools(full, 2, offset=4)
    pid, pid2 = str(uuid.uuid4()), str(uuid.uuid4())
    def pupil(i, org, marking="Ingen"):
        return {"id": i, "givenName": "Flytt", "familyName": "Eleven", "securityMarking": marking,
                "enrolments": [{"enroledAt": {"id": org}, "schoolType": "GR", "startDate": "2025-08-15"}]}
    srv.cli.ingest("persons", [pupil(pid, a), pupil(pid2, a)])
    cid, key = make_client(srv.cli, "exits", *grant_args(orgs=[a], cats=["Students"]))
    _c, other = make_client(srv.cli, "never-saw", *grant_args(orgs=[a], cats=["Students"]))
    got = srv.api.lookup("persons", {"ids": [pid, pid2]}, key=key)
    assert {p["id"] for p in got} == {pid, pid2}
    before = srv.api.get_json("/deletedEntities", key=key)["data"].get("persons", [])
    assert pid not in before and pid2 not in before
    # pid moves to a school the client does not have, pid2 becomes protected.
    srv.cli.ingest("persons", [pupil(pid, b), pupil(pid2, a, "Skyddad folkbokföring")])
    assert_error(srv.api.get("/persons/" + pid, key=key), 404)
    gone = srv.api.get_json("/deletedEntities", key=key)["data"].get("persons", [])
    assert pid in gone and pid2 in gone
    assert pid not in srv.api.get_json("/deletedEntities", key=other)["data"].get("persons", [])
    assert pid in srv.api.get_json("/deletedEntities", {"entities": "Person"}, key=key)["data"]["persons"]
    assert "persons" not in srv.api.get_json("/deletedEntities", {"entities": "Group"}, key=key)["data"]
    later = srv.api.get_json("/deletedEntities", {"after": "2999-01-01T00:00:00Z"}, key=key)["data"]
    assert pid not in later.get("persons", [])
    # Back in view: no longer an exit.
    srv.cli.ingest("persons", [pupil(pid, a)])
    assert pid not in srv.api.get_json("/deletedEntities", key=key)["data"].get("persons", [])


def test_scope_exits_of_every_kind(srv, full):
    """Groups and organisations the client received leave its view (a group
    moves, the grant is narrowed): /deletedEntities says so, and names
    nothing it never received."""
    a, b, c = schools(full, 3, offset=6)
    in_a = sorted(g for g, o in full.by_kind["groups"].items() if full.ref(o, "organisation") == a)
    assert len(in_a) >= 2, "the demo has a school with groups"
    cid, key = make_client(srv.cli, "exits-every-kind", *grant_args(orgs=[a, b], cats=["Groups"]))

    def deleted(params=None):
        """What /deletedEntities adds to the demo's own deletions."""
        data = srv.api.get_json("/deletedEntities", params, key=key)["data"]
        return {k: set(data.get(k, [])) - base.get(k, set()) for k in ("groups", "organisations")}
    base = {}
    base = deleted()
    assert not base["organisations"] & {a, b} and in_a[0] not in base["groups"]
    moving = dict(full.by_kind["groups"][in_a[0]], id=str(uuid.uuid4()))
    moving.pop("meta", None)
    moving["organisation"] = {"id": b}
    srv.cli.ingest("groups", [moving])
    got = srv.api.lookup("groups", {"ids": [in_a[0], moving["id"]]}, key=key)
    assert {g["id"] for g in got} == {in_a[0], moving["id"]}
    assert srv.api.get("/organisations/" + a, key=key).status_code == 200
    assert deleted() == {"groups": set(), "organisations": set()}

    # The group moves to a school the client does not have.
    srv.cli.ingest("groups", [dict(moving, organisation={"id": c})])
    assert deleted() == {"groups": {moving["id"]}, "organisations": set()}

    # The grant loses school a: what it received there goes, and only that.
    srv.cli.run("client", "revoke", "--db", srv.db, cid, "--org", a)
    assert deleted() == {"groups": {moving["id"], in_a[0]}, "organisations": {a}}
    assert deleted([("entities", "Group")]) == {"groups": {moving["id"], in_a[0]}, "organisations": set()}
    assert deleted({"after": "2999-01-01T00:00:00Z"}) == {"groups": set(), "organisations": set()}

    # Granted again and back at b: no longer exits.
    srv.cli.run("client", "grant", "--db", srv.db, cid, "--org", a)
    srv.cli.ingest("groups", [dict(moving, organisation={"id": b})])
    assert deleted() == {"groups": set(), "organisations": set()}
