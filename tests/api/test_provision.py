"""EGIL provisioning (issue 8): full, incremental and safe pushes of the
Mittköping demo to a local SCIM receiver over mutual TLS."""

import json
import os
import signal
import socket
import subprocess
import time
import uuid

import pytest

from apihelp import Server, sql_exec, sql_quote, sql_value
from provhelp import ALL_CATS, ORDER, Hub
from scim_receiver import USER_EXT, validate


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    h = Hub(tmp_path_factory.mktemp("provision"))
    yield h
    h.stop()


@pytest.fixture(scope="module")
def full(hub):
    """The SP 'main' after a first full run."""
    rec = hub.receiver()
    hub.add_sp("main", rec)
    plan = hub.plan("main")
    assert plan["delete"] == 0 and plan["update"] == 0 and plan["create"] > 1000, plan
    assert rec.requests() == [], "plan sent something"
    hub.prun("main")
    return rec, plan


def by_endpoint(rec):
    return {e: rec.count(e) for e in ORDER}


def test_full_provisioning_sends_everything_in_order(hub, full):
    rec, plan = full
    want = {}
    for t in plan["types"]:
        want[t["endpoint"]] = want.get(t["endpoint"], 0) + t["create"]
    assert by_endpoint(rec) == want
    posts = rec.requests("POST")
    assert len(posts) == plan["create"] and all(r["status"] == 201 for r in posts)
    # parents before children: the endpoints arrive in the profile's order
    seen = []
    for r in posts:
        if not seen or seen[-1] != r["endpoint"]:
            seen.append(r["endpoint"])
    assert seen == [e for e in ORDER if want.get(e)], seen
    assert all(r["ctype"] == "application/scim+json" for r in posts)
    h = hub.show("main")["health"]
    assert h["result"] == "ok" and h["failed"] == 0 and h["notSent"] == 0
    assert sum(v["create"] for v in h["done"].values()) == plan["create"]


def test_objects_have_the_egil_shapes(hub, full):
    rec, _ = full
    users = list(rec.data["Users"].values())
    students = [u for u in users if u[USER_EXT].get("enrolments")]
    assert students and len(students) < len(users)
    s = students[0]
    en = s[USER_EXT]["enrolments"][0]
    assert en["$ref"] == "SchoolUnits/" + en["value"] and isinstance(en["schoolYear"], int)
    assert en["value"] in rec.data["SchoolUnits"]
    p = hub.entity(s["externalId"])
    assert s["name"] == {"familyName": p["familyName"], "givenName": p["givenName"]}
    assert s["externalId"] == s["externalId"].lower()
    # generated Employments: uuid5(OID, unit + person), as EgilSCIM derives them
    for e in list(rec.data["Employments"].values())[:50]:
        want = uuid.uuid5(uuid.NAMESPACE_OID, e["employedAt"]["value"] + e["user"]["value"])
        assert e["externalId"] == str(want)
        assert e["user"]["value"] in rec.data["Users"]
    for a in list(rec.data["Activities"].values())[:50]:
        assert all(t["value"] in rec.data["Employments"] for t in a["teachers"])
        assert all(g["value"] in rec.data["StudentGroups"] for g in a["groups"])
    for g in rec.data["StudentGroups"].values():
        assert all(m["value"] in rec.data["Users"] for m in g["studentMemberships"])
    # the receiver checks like Windermere: a missing attribute is refused
    bad = dict(s)
    del bad["userName"]
    assert "userName" in validate("Users", bad)


def test_no_change_run_sends_nothing(hub, full):
    rec, _ = full
    rec.reset_log()
    hub.prun("main")
    assert rec.requests() == []
    assert hub.plan("main")["create"] == 0


def student_of(rec, hub):
    for u in sorted(rec.data["Users"]):
        obj = rec.data["Users"][u]
        if obj[USER_EXT].get("enrolments") and any(
                u in [m["value"] for m in g["studentMemberships"]] for g in rec.data["StudentGroups"].values()):
            return u
    raise AssertionError("no student in a group")


def test_name_change_is_one_put(hub, full):
    rec, _ = full
    sid = student_of(rec, hub)
    p = hub.entity(sid)
    p["givenName"] = "Ändrad"
    hub.ingest("persons", [p])
    plan = hub.plan("main")
    assert (plan["create"], plan["update"], plan["delete"]) == (0, 1, 0)
    assert plan["operations"][0]["id"] == sid
    rec.reset_log()
    hub.prun("main")
    reqs = rec.requests()
    assert [(r["method"], r["path"]) for r in reqs] == [("PUT", "/scim/Users/" + sid)]
    assert rec.data["Users"][sid]["name"]["givenName"] == "Ändrad"
    assert rec.data["Users"][sid]["displayName"].startswith("Ändrad ")


def test_move_between_schools(hub, full):
    rec, _ = full
    sid = student_of(rec, hub)
    p = hub.entity(sid)
    old = p["enrolments"][0]["enroledAt"]["id"]
    new = next(u for u in sorted(rec.data["SchoolUnits"]) if u != old)
    for en in p["enrolments"]:
        if en["enroledAt"]["id"] == old:
            en["enroledAt"]["id"] = new
    hub.ingest("persons", [p])
    rec.reset_log()
    hub.prun("main")
    puts = rec.requests("PUT")
    assert ("/scim/Users/" + sid) in [r["path"] for r in puts]
    values = [e["value"] for e in rec.data["Users"][sid][USER_EXT]["enrolments"]]
    assert new in values and old not in values


def test_deleting_a_student_puts_groups_first(hub, full):
    rec, _ = full
    sid = student_of(rec, hub)
    groups = [g for g, o in rec.data["StudentGroups"].items()
              if sid in [m["value"] for m in o["studentMemberships"]]]
    assert groups
    hub.cli.delete("persons", sid)
    rec.reset_log()
    hub.prun("main")
    reqs = [(r["method"], r["endpoint"], r["id"]) for r in rec.requests()]
    delete_at = reqs.index(("DELETE", "Users", sid))
    group_puts = [i for i, r in enumerate(reqs) if r[0] == "PUT" and r[1] == "StudentGroups"]
    assert group_puts and max(group_puts) < delete_at
    assert sid not in rec.data["Users"]
    assert all(sid not in [m["value"] for m in rec.data["StudentGroups"][g]["studentMemberships"]] for g in groups)


def new_student(hub, rec, name="Nyfiken"):
    unit = sorted(rec.data["SchoolUnits"])[0]
    pid = str(uuid.uuid4())
    hub.ingest("persons", [{"id": pid, "givenName": name, "familyName": "Provsson",
                            "eduPersonPrincipalNames": ["%s@edu.test" % pid[:8]],
                            "enrolments": [{"enroledAt": {"id": unit}, "schoolYear": 3, "schoolType": "GR",
                                            "startDate": "2020-08-01"}]}])
    return pid


def test_409_on_create_becomes_an_update(hub, full):
    rec, _ = full
    pid = new_student(hub, rec)
    # the SP has it already (provisioned by someone else)
    rec.data["Users"][pid] = {"externalId": pid, "stale": True}
    rec.reset_log()
    hub.prun("main")
    assert [(r["method"], r["status"]) for r in rec.requests()] == [("POST", 409), ("PUT", 200)]
    assert "stale" not in rec.data["Users"][pid]
    assert hub.plan("main")["create"] == 0


def test_404_on_update_becomes_a_create(hub, full):
    rec, _ = full
    sid = student_of(rec, hub)
    del rec.data["Users"][sid]  # the SP lost it
    p = hub.entity(sid)
    p["familyName"] = "Återskapad"
    hub.ingest("persons", [p])
    rec.reset_log()
    hub.prun("main")
    assert [(r["method"], r["status"]) for r in rec.requests()] == [("PUT", 404), ("POST", 201)]
    assert rec.data["Users"][sid]["name"]["familyName"] == "Återskapad"


def test_404_on_delete_is_done(hub, full):
    rec, _ = full
    pid = new_student(hub, rec, "Kortlivad")
    hub.prun("main")
    del rec.data["Users"][pid]
    hub.cli.delete("persons", pid)
    rec.reset_log()
    hub.prun("main")
    assert ("DELETE", 404) in [(r["method"], r["status"]) for r in rec.requests()]
    assert hub.plan("main")["delete"] == 0


def test_429_and_500_are_retried(hub, full):
    rec, _ = full
    pid = new_student(hub, rec, "Envis")
    rec.inject("POST", 429, "Users")
    rec.inject("POST", 503, "Users")
    rec.reset_log()
    hub.prun("main")
    assert [r["status"] for r in rec.requests("POST")] == [429, 503, 201]
    assert pid in rec.data["Users"]


def test_a_lasting_failure_is_in_the_health_and_retried_next_run(hub, full):
    rec, _ = full
    pid = new_student(hub, rec, "Motvals")
    rec.inject("POST", 500, "Users", times=10)
    cp = hub.prun("main", expect=1)
    assert pid in cp.stderr and "injected 500" in cp.stderr
    h = hub.show("main")["health"]
    assert h["result"] == "partial" and h["failed"] == 1
    f = h["failures"][0]
    assert (f["op"], f["type"], f["id"], f["status"]) == ("create", "Student", pid, 500)
    assert "injected 500" in f["answer"]
    rec.clear_faults()
    hub.prun("main")
    assert pid in rec.data["Users"]
    assert hub.show("main")["health"]["result"] == "ok"


def test_a_refused_object_is_a_failure_not_a_crash(hub, full):
    rec, _ = full
    pid = new_student(hub, rec, "Vägrad")
    rec.inject("POST", 400, "Users", ident=None)
    hub.prun("main", expect=1)
    assert pid not in rec.data["Users"]
    hub.prun("main")
    assert pid in rec.data["Users"]


def test_timeouts(hub, full):
    rec, _ = full
    hub.run("provision", "set", "--db", hub.db, "main", "--timeout-ms", "400", "--retries", "0")
    try:
        pid = new_student(hub, rec, "Långsam")
        rec.inject("POST", 0, "Users", delay=1.5)
        cp = hub.prun("main", expect=1)
        assert "timed out" in cp.stderr
        time.sleep(1.2)  # the receiver finishes the slow request
        rec.data["Users"].pop(pid, None)
        hub.prun("main")
        assert pid in rec.data["Users"]
        # three timeouts in a row: the SP counts as unreachable for this run
        pids = [new_student(hub, rec, "Tyst%d" % i) for i in range(4)]
        rec.inject("POST", 0, "Users", delay=1.0, times=3)
        cp = hub.prun("main", expect=5)
        assert "too many timeouts" in cp.stderr
        assert hub.show("main")["health"]["result"] == "unreachable"
        time.sleep(1.2)
        for p in pids:
            rec.data["Users"].pop(p, None)
        hub.prun("main")
        assert all(p in rec.data["Users"] for p in pids)
    finally:
        hub.run("provision", "set", "--db", hub.db, "main", "--timeout-ms", "30000", "--retries", "3")


def test_wrong_pin_and_bad_client_certificate_send_nothing(hub, full):
    rec, _ = full
    new_student(hub, rec, "Skyddad")
    rec.reset_log()
    hub.run("provision", "set", "--db", hub.db, "main", "--pin", hub.pki.other_pin)
    cp = hub.prun("main", expect=5)
    assert "pinned" in cp.stderr.lower() or "public key" in cp.stderr.lower(), cp.stderr
    assert hub.show("main")["health"]["result"] == "unreachable"
    hub.run("provision", "set", "--db", hub.db, "main", "--pin", hub.pki.server_pin, "--cert", hub.pki.rogue_cert,
            "--key", hub.pki.rogue_key)
    hub.prun("main", expect=5)
    assert rec.requests() == []
    hub.run("provision", "set", "--db", hub.db, "main", "--cert", hub.pki.client_cert, "--key", hub.pki.client_key)
    hub.prun("main")
    assert len(rec.requests("POST")) == 1


def test_pin_option_is_checked(hub):
    cp = hub.run("provision", "add", "--db", hub.db, "badpin", "--url", "https://127.0.0.1:1/", "--pin", "nope",
                 check=False)
    assert cp.returncode != 0 and "is not a SHA-256 pin" in cp.stderr
    cp = hub.run("provision", "add", "--db", hub.db, "badurl", "--url", "ftp://x/", check=False)
    assert cp.returncode != 0 and "https://" in cp.stderr
    cp = hub.run("provision", "add", "--db", hub.db, "halfcert", "--url", "https://127.0.0.1:1/", "--cert",
                 hub.pki.client_cert, check=False)
    assert cp.returncode != 0 and "--cert and --key go together" in cp.stderr
    assert "badpin" not in hub.run("provision", "list", "--db", hub.db).stdout


def test_threshold_hold_and_force(hub, full):
    rec, _ = full
    hub.run("provision", "set", "--db", hub.db, "main", "--max-deletes", "1")
    try:
        a, b = new_student(hub, rec, "Hold1"), new_student(hub, rec, "Hold2")
        hub.prun("main")
        hub.cli.delete("persons", a, b)
        rec.reset_log()
        cp = hub.prun("main", expect=3)
        assert "exceed the limit of 1" in cp.stdout
        assert rec.requests() == []
        h = hub.show("main")["health"]
        assert h["result"] == "held" and h["planned"]["Student"]["delete"] == 2
        plan = hub.plan("main")
        assert plan["held"] and plan["delete"] == 2
        hub.prun("main", "--force")
        assert a not in rec.data["Users"] and b not in rec.data["Users"]
    finally:
        hub.run("provision", "set", "--db", hub.db, "main", "--max-deletes", "100")


def test_dry_run_sends_and_writes_nothing(hub, full):
    rec, _ = full
    pid = new_student(hub, rec, "Torr")
    health = hub.show("main")["health"]
    rec.reset_log()
    cp = hub.prun("main", "--dry-run", "--json")
    plan = json.loads(cp.stdout)
    assert plan["create"] == 1 and plan["operations"][0]["id"] == pid
    assert plan["operations"][0]["object"]["externalId"] == pid
    assert rec.requests() == [] and hub.show("main")["health"] == health
    hub.prun("main")


def one_unit(hub):
    """A school unit with students, groups, duties and activities."""
    return json.loads(sql_value(
        hub.db, "SELECT json FROM entity WHERE kind=0 AND json LIKE '%\"organisationType\":\"Skolenhet\"%' "
        "AND json LIKE '%\"GR\"%' ORDER BY id LIMIT 1"))["id"]


def unit_grant(hub):
    return ("--org", one_unit(hub)) + tuple(x for c in ALL_CATS for x in ("--category", c))


def test_emergency_stop_between_requests_and_convergence(hub):
    rec = hub.receiver(delay_ms=20)
    hub.add_sp("stoppable", rec, grant=unit_grant(hub))
    total = hub.plan("stoppable")["create"]
    proc = subprocess.Popen([hub.cli.binary, "provision", "run", "--db", hub.db, "stoppable"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while len(rec.requests()) < 20 and time.time() < deadline:
        time.sleep(0.05)
    hub.run("provision", "stop", "--db", hub.db, "stoppable")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 4, err
    sent = len(rec.requests())
    assert 20 <= sent < total
    h = hub.show("stoppable")
    assert h["stopped"] and h["health"]["result"] == "stopped" and h["health"]["notSent"] > 0
    hub.prun("stoppable", expect=4)  # still stopped: nothing goes out
    assert len(rec.requests()) == sent
    hub.run("provision", "resume", "--db", hub.db, "stoppable")
    rec.delay = 0
    hub.prun("stoppable")
    assert sum(by_endpoint(rec).values()) == total
    assert len(rec.requests("POST")) == total  # nothing sent twice


def test_global_stop_is_honoured(hub, full):
    rec, _ = full
    new_student(hub, rec, "Global")
    hub.run("stop", "--db", hub.db, "--all")
    try:
        rec.reset_log()
        hub.prun("main", expect=4)
        assert rec.requests() == []
    finally:
        hub.run("resume", "--db", hub.db, "--all")
    hub.prun("main")


def test_crash_mid_run_converges(hub):
    rec = hub.receiver(delay_ms=20)
    hub.add_sp("crashy", rec, grant=unit_grant(hub))
    total = hub.plan("crashy")["create"]
    proc = subprocess.Popen([hub.cli.binary, "provision", "run", "--db", hub.db, "crashy"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while len(rec.requests()) < 40 and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    before = len(rec.requests())
    assert 40 <= before < total
    left = hub.plan("crashy")["create"]
    # the sent state was written per request: at most the one in flight is lost
    assert total - before <= left <= total - before + 1
    rec.delay = 0
    hub.prun("crashy")
    assert sum(by_endpoint(rec).values()) == total
    rec.reset_log()
    hub.prun("crashy")
    assert rec.requests() == []


def test_a_kind_at_zero_is_held_not_deleted(hub):
    rec = hub.receiver()
    hub.add_sp("emptied", rec, grant=unit_grant(hub))
    hub.prun("emptied")
    n = rec.count("Activities")
    assert n > 0
    hub.run("provision", "revoke", "--db", hub.db, "emptied", "--category", "Activities")
    rec.reset_log()
    cp = hub.prun("emptied", expect=3)
    assert "Activity: the SP holds %d" % n in cp.stdout
    assert rec.requests() == []
    hub.prun("emptied", "--allow-empty", "--force")  # 162 deletes: over the default limit too
    assert rec.count("Activities") == 0 and len(rec.requests("DELETE")) == n


def test_a_narrow_grant_pushes_only_what_it_grants(hub):
    rec = hub.receiver()
    unit = hub.entity(one_unit(hub))
    # without Identifiers (eduPersonPrincipalNames) nor e-mail, no user has a userName: none is sent
    hub.add_sp("narrow", rec, grant=("--org", unit["id"], "--category", "Students", "--category", "Groups"))
    plan = hub.plan("narrow")
    assert plan["types"][3]["objects"] == 0 and plan["types"][3]["skipped"] > 0
    hub.run("provision", "grant", "--db", hub.db, "narrow", "--category", "Identifiers")
    client = hub.show("narrow")["id"]
    hub.prun("narrow")
    assert set(rec.data["SchoolUnits"]) == {unit["id"]}
    assert rec.count("Organisations") == 0 and rec.count("Employments") == 0 and rec.count("Activities") == 0
    users = rec.data["Users"]
    assert users
    for u in users.values():
        assert [e["value"] for e in u[USER_EXT]["enrolments"]] == [unit["id"]]
        assert "civicNo" not in u[USER_EXT]  # CivicNo is not granted
    assert all(g["owner"]["value"] == unit["id"] for g in rec.data["StudentGroups"].values())
    # every person pushed is in the disclosure ledger, on the scim channel, and nobody else
    n = int(sql_value(hub.db, "SELECT count(*) FROM (SELECT DISTINCT client, channel, person FROM (SELECT client, channel, person FROM ledger UNION ALL SELECT client, channel, person FROM ledger_pending) a) l WHERE client='%s' AND channel='scim'" % client))
    assert n == len(users)
    some = sorted(users)[0]
    assert int(sql_value(hub.db, "SELECT count(*) FROM (SELECT DISTINCT client, channel, person FROM (SELECT client, channel, person FROM ledger UNION ALL SELECT client, channel, person FROM ledger_pending) a) l WHERE client='%s' AND person='%s'"
                         % (client, some))) == 1


def test_list_show_and_remove(hub):
    names = hub.run("provision", "list", "--db", hub.db).stdout
    assert "main" in names and "narrow" in names
    arr = json.loads(hub.run("provision", "list", "--db", hub.db, "--json").stdout)
    main = next(s for s in arr if s["name"] == "main")
    assert main["mode"] == "manual" and main["pin"].startswith("sha256//")
    s = hub.show("main")
    assert s["sent"]["Student"] > 0 and s["limits"]["deletes"] == "100"
    rec = hub.receiver()
    hub.add_sp("gone", rec, grant=None)
    assert hub.plan("gone")["create"] == 0  # no grant: nothing
    hub.run("provision", "remove", "--db", hub.db, "gone")
    cp = hub.run("provision", "show", "--db", hub.db, "gone", check=False)
    assert cp.returncode == 1 and "no service provider" in cp.stderr


def test_api_key_target(hub, tmp_path):
    rec = hub.receiver(api_key="s3cret-key", require_cert=False)
    keyfile = tmp_path / "key"
    keyfile.write_text("wrong\n")
    hub.run("provision", "add", "--db", hub.db, "keyed", "--url", rec.url, "--ca", hub.pki.ca, "--pin",
            hub.pki.server_pin, "--api-key-file", str(keyfile))
    hub.run("provision", "grant", "--db", hub.db, "keyed", "--org", one_unit(hub))
    cp = hub.prun("keyed", expect=1)
    assert "HTTP 401" in cp.stderr and rec.count("SchoolUnits") == 0
    assert "s3cret" not in json.dumps(hub.show("keyed"))  # the key is not shown
    keyfile.write_text("s3cret-key\n")
    hub.run("provision", "set", "--db", hub.db, "keyed", "--api-key-file", str(keyfile))
    hub.prun("keyed")
    assert list(rec.data["SchoolUnits"]) == [one_unit(hub)]
    assert all(r["status"] != 401 for r in rec.requests()[1:])


def test_a_scheduled_sp_is_run_by_the_server(hub, tmp_path_factory):
    rec = hub.receiver()
    hub.add_sp("sched", rec, grant=unit_grant(hub))
    cp = hub.run("provision", "schedule", "--db", hub.db, "sched", "--every", "10", check=False)
    assert cp.returncode == 2 and "--every takes seconds from 60" in cp.stderr
    assert hub.show("sched")["scheduleSeconds"] is None
    hub.run("provision", "schedule", "--db", hub.db, "sched", "--every", "3600")
    assert hub.show("sched")["scheduleSeconds"] == 3600
    srv = Server(str(tmp_path_factory.mktemp("prov-serve")), "1", db=hub.db)
    srv.key_a = srv.key_b = None
    srv.launch()
    try:
        # It never ran: the server runs it now, with no `provision run`.
        deadline = time.time() + 180
        while not (hub.show("sched")["health"] or {}).get("result"):
            assert time.time() < deadline, "no scheduled run within 180 s:\n" + srv.log()
            time.sleep(0.5)
        assert hub.show("sched")["health"]["result"] == "ok", hub.show("sched")["health"]
        assert list(rec.data["SchoolUnits"]) == [one_unit(hub)]
        sent = len(rec.requests())
        time.sleep(7)  # more than a scheduler turn: not again before its hour
        assert len(rec.requests()) == sent
    finally:
        assert srv.stop() == 0, srv.log()
        hub.run("provision", "schedule", "--db", hub.db, "sched", "--every", "off")


def test_one_run_of_an_sp_at_a_time(hub):
    """A run holds the SP's lease: another run of it (the server's schedule,
    a second command) sends nothing and says so; a plan needs no lease."""
    rec = hub.receiver()
    hub.add_sp("leased", rec, grant=unit_grant(hub))
    key = "lease.provision." + hub.show("leased")["id"]
    held = "%020d someone-else" % (int(time.time() * 1000) + 3600 * 1000)
    sql_exec(hub.db, "INSERT INTO setting(k, v) VALUES(%s, %s) ON CONFLICT(k) DO UPDATE SET v=excluded.v"
             % (sql_quote(key), sql_quote(held)))
    cp = hub.prun("leased", expect=6)
    assert "a run of leased is under way" in cp.stderr and rec.requests() == []
    assert hub.plan("leased")["create"] > 0  # a plan sends nothing: no lease needed
    assert sql_value(hub.db, "SELECT v FROM setting WHERE k=%s" % sql_quote(key)) == held
    # A lease past its time lapses (a process that died holding it).
    sql_exec(hub.db, "UPDATE setting SET v=%s WHERE k=%s" % (sql_quote("%020d someone-else" % 1), sql_quote(key)))
    hub.prun("leased")
    assert list(rec.data["SchoolUnits"]) == [one_unit(hub)]
    # Released at the end: the next run by hand takes it again.
    assert sql_value(hub.db, "SELECT v FROM setting WHERE k=%s" % sql_quote(key)) == "0 -"
    hub.prun("leased")
    # Held by a live process of this machine: busy. By one that has died
    # (a run killed with -9): taken over at once.
    future = int(time.time() * 1000) + 3600 * 1000
    def held_by(pid):
        sql_exec(hub.db, "UPDATE setting SET v=%s WHERE k=%s"
                 % (sql_quote("%020d %s/%d/x" % (future, socket.gethostname(), pid)), sql_quote(key)))
    held_by(os.getpid())
    hub.prun("leased", expect=6)
    gone = subprocess.Popen(["true"])
    gone.wait()
    held_by(gone.pid)
    hub.prun("leased")
