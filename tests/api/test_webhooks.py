"""Subscriptions (GET/POST /subscriptions, GET/PATCH/DELETE /subscriptions/{id})
and their webhooks, with real HTTP receivers on 127.0.0.1 started here:
delivery after a write and after an ingest, coalescing, retries after the
receiver was down, no loss across kill -9 of the server, signatures, expiry
and renewal, a receiver that never answers, and the failing state. Every
wait is bounded; nothing asserts how fast."""

import hashlib
import hmac
import http.server
import json
import threading
import time
import uuid

import pytest

from accesshelp import grant_args, make_client
from apihelp import Server, assert_error, free_port, parse_dt, sql_quote, sql_value, utcnow

pytestmark = pytest.mark.mutating

WAIT = 60  # seconds any single expected delivery may take at most (ASan, busy machine)


class Receiver:
    """A webhook receiver: mode "ok" answers 200, "fail" 500, "hang" never answers."""

    def __init__(self, port=None, mode="ok"):
        self.port = port or free_port()
        self.mode = mode
        self.got = []
        self.cond = threading.Condition()
        self.release = threading.Event()
        self.httpd = None

    @property
    def url(self):
        return "http://127.0.0.1:%d/hook" % self.port

    def start(self):
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(n)
                with rec.cond:
                    rec.got.append((dict(self.headers), body))
                    rec.cond.notify_all()
                if rec.mode == "hang":
                    rec.release.wait(120)
                    return
                self.send_response(500 if rec.mode == "fail" else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        class S(http.server.ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.httpd = S(("127.0.0.1", self.port), H)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.release.set()
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def wait(self, n=1, timeout=WAIT):
        deadline = time.time() + timeout
        with self.cond:
            while len(self.got) < n:
                left = deadline - time.time()
                assert left > 0, "receiver got %d of %d notifications within %ss" % (len(self.got), n, timeout)
                self.cond.wait(left)
        return self.got

    def bodies(self):
        with self.cond:
            return [json.loads(b) for _h, b in self.got]


def until(pred, what, timeout=WAIT):
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        assert time.time() < deadline, "timed out waiting for " + what
        time.sleep(0.1)


@pytest.fixture(scope="module")
def hooks(tmp_path_factory):
    srv = Server(str(tmp_path_factory.mktemp("hooks")), "4242",
                 serve_args=["--webhook-allow-http-loopback", "--webhook-timeout", "1",
                             "--webhook-retry-for", "4"])
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def receivers():
    made = []

    def make(**kw):
        r = Receiver(**kw)
        made.append(r)
        return r
    yield make
    for r in made:
        r.stop()


def subscribe(api, target, kinds, key="default"):
    r = api.post("/subscriptions", {"name": "test %s" % uuid.uuid4().hex[:6], "target": target,
                                    "resourceTypes": [{"resource": k} for k in kinds]}, key=key)
    assert r.status_code == 201, r.text[:300]
    secret = r.headers.get("X-Skolnav-Webhook-Secret")
    assert secret and len(secret) == 64
    return r.json(), secret


def student_and_org(api):
    pl = api.get_json("/placements", {"limit": 1})["data"][0]
    return pl["child"]["id"], pl["placedAt"]["id"]


def write_absence(api, student):
    r = api.post("/absences", {"startTime": "2026-12-03T08:00:00+01:00", "endTime": "2026-12-03T16:00:00+01:00",
                               "type": "Anmäld frånvaro", "student": {"id": student}})
    assert r.status_code == 200, r.text[:300]
    return r.json()


def verify(headers, body, secret):
    ts = headers["X-Skolnav-Timestamp"]
    want = hmac.new(bytes.fromhex(secret), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["X-Skolnav-Signature"] == "sha256=" + want
    assert abs(time.time() - int(ts)) < 600


# --- the subscription resource -------------------------------------------------------

def test_lifecycle(hooks, validate):
    api = hooks.api
    sub, _secret = subscribe(api, "https://vendor.example/hook", ["Person", "Group"])
    validate(sub, "Subscription")
    assert [r["resource"] for r in sub["resourceTypes"]] == ["Person", "Group"]
    exp = parse_dt(sub["expires"])
    assert exp > utcnow()
    assert api.get_json("/subscriptions/" + sub["id"]) == sub
    validate(api.get_json("/subscriptions"), "GET /subscriptions")
    assert sub["id"] in {s["id"] for s in api.walk("/subscriptions", limit=1)}
    assert_error(api.get("/subscriptions/" + sub["id"], key="other"), 404)
    assert sub["id"] not in {s["id"] for s in api.walk("/subscriptions", key="other")}
    time.sleep(0.01)
    r = api.request("PATCH", "/subscriptions/" + sub["id"])
    assert r.status_code == 200 and parse_dt(r.json()["expires"]) > exp
    validate(r.json(), "Subscription")
    assert_error(api.request("DELETE", "/subscriptions/" + sub["id"], key="other"), 404)
    r = api.request("DELETE", "/subscriptions/" + sub["id"])
    assert r.status_code == 204 and not r.content
    assert_error(api.get("/subscriptions/" + sub["id"]), 404)
    assert_error(api.request("PATCH", "/subscriptions/" + sub["id"]), 404)
    assert_error(api.get("/subscriptions/not-a-uuid"), 400)


def test_bare_string_resource_types_accepted(hooks):
    r = hooks.api.post("/subscriptions", {"name": "x", "target": "https://vendor.example/h",
                                          "resourceTypes": ["Person", "Duty"]})
    assert r.status_code == 201 and {t["resource"] for t in r.json()["resourceTypes"]} == {"Person", "Duty"}


@pytest.mark.parametrize("body,named", [
    ({"target": "https://v.example/h", "resourceTypes": [{"resource": "Person"}]}, "name"),
    ({"name": "x", "resourceTypes": [{"resource": "Person"}]}, "target"),
    ({"name": "x", "target": "https://v.example/h"}, "resourceTypes"),
    ({"name": "x", "target": "https://v.example/h", "resourceTypes": []}, "resourceTypes"),
    ({"name": "x", "target": "https://v.example/h", "resourceTypes": [{"resource": "Organsation"}]}, "resource"),
    ({"name": "x", "target": "ftp://v.example/h", "resourceTypes": [{"resource": "Person"}]}, "target"),
    ({"name": "x", "target": "http://v.example/h", "resourceTypes": [{"resource": "Person"}]}, "https"),
    ({"name": "x", "target": "not a url", "resourceTypes": [{"resource": "Person"}]}, "target"),
    ({"name": "x", "target": "https://u:p@v.example/h", "resourceTypes": [{"resource": "Person"}]}, "target"),
    ({"name": "x", "target": "https://v.example/h", "resourceTypes": [{"resource": "Person"}], "id": "x"}, "id"),
])
def test_bad_subscription_bodies(hooks, body, named):
    assert_error(hooks.api.post("/subscriptions", body), 400, named)


def test_http_loopback_needs_the_server_option(api):
    """The shared server runs with the default: https only."""
    r = api.post("/subscriptions", {"name": "x", "target": "http://127.0.0.1:9/h",
                                    "resourceTypes": [{"resource": "Person"}]})
    assert_error(r, 400, "https")


# --- deliveries ------------------------------------------------------------------------

def test_delivery_after_a_write_is_signed(hooks, receivers):
    api = hooks.api
    rec = receivers().start()
    sub, secret = subscribe(api, rec.url, ["Absence"])
    student, _org = student_and_org(api)
    write_absence(api, student)
    headers, body = rec.wait(1)[0]
    assert json.loads(body) == {"modifiedEntites": ["Absence"], "deletedEntities": False}
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Skolnav-Subscription"] == sub["id"]
    verify(headers, body, secret)
    forged = dict(headers, **{"X-Skolnav-Timestamp": str(int(headers["X-Skolnav-Timestamp"]) + 1)})
    with pytest.raises(AssertionError):
        verify(forged, body, secret)


def test_delivery_after_ingest_and_delete(hooks, receivers):
    api, cli = hooks.api, hooks.cli
    rec = receivers().start()
    subscribe(api, rec.url, ["Room"])
    room = api.get_json("/rooms", {"limit": 1})["data"][0]
    changed = {k: v for k, v in room.items() if k != "meta"}
    changed["displayName"] = room["displayName"] + " (renoverad)"
    cli.ingest("rooms", [changed])
    assert rec.wait(1)[0] and rec.bodies()[0] == {"modifiedEntites": ["Room"], "deletedEntities": False}
    cli.delete("rooms", room["id"])
    rec.wait(2)
    assert rec.bodies()[1]["deletedEntities"] is True


def test_only_the_subscribed_kinds(hooks, receivers):
    api = hooks.api
    rec_abs, rec_att = receivers().start(), receivers().start()
    subscribe(api, rec_abs.url, ["Absence"])
    subscribe(api, rec_att.url, ["AttendanceEvent"])
    student, _org = student_and_org(api)
    write_absence(api, student)
    rec_abs.wait(1)
    pl = api.get_json("/placements", {"limit": 1})["data"][0]
    r = api.post("/attendanceEvents", {"time": "2026-11-30T07:40:00+01:00", "eventType": "In",
                                       "person": {"id": pl["child"]["id"]}, "group": {"id": pl["group"]["id"]}})
    assert r.status_code == 200
    rec_att.wait(1)
    assert all(b["modifiedEntites"] == ["AttendanceEvent"] for b in rec_att.bodies())
    assert all(b["modifiedEntites"] == ["Absence"] for b in rec_abs.bodies())


def test_a_burst_is_coalesced(hooks, receivers):
    api = hooks.api
    rec = receivers().start()
    subscribe(api, rec.url, ["Absence"])
    student, _org = student_and_org(api)
    for _ in range(40):
        write_absence(api, student)
    rec.wait(1)
    time.sleep(2)  # let any further notification of the burst arrive
    n = len(rec.got)
    assert 1 <= n <= 10, "40 writes in a burst gave %d notifications" % n
    assert all(b == {"modifiedEntites": ["Absence"], "deletedEntities": False} for b in rec.bodies())


def test_retry_after_the_receiver_was_down(hooks, receivers):
    api = hooks.api
    port = free_port()
    subscribe(api, "http://127.0.0.1:%d/hook" % port, ["Absence"])
    student, _org = student_and_org(api)
    write_absence(api, student)
    until(lambda: int(sql_value(hooks.db, "SELECT MAX(attempts) FROM outbox") or 0), "a failed attempt")
    rec = receivers(port=port).start()
    assert rec.wait(1) and rec.bodies()[0]["modifiedEntites"] == ["Absence"]


def test_no_loss_across_kill_9(hooks, receivers):
    api = hooks.api
    port = free_port()
    subscribe(api, "http://127.0.0.1:%d/hook" % port, ["AttendanceSchedule"])
    pl = api.get_json("/placements", {"limit": 1})["data"][0]
    r = api.post("/attendanceSchedule", {"placement": {"id": pl["id"]}, "numberOfWeeks": 1, "startDate": "2026-12-07",
                                         "state": [{"state": "Begärt", "registeredAt": "2026-12-01T10:00:00Z"}]})
    assert r.status_code == 200
    # The change is committed; its notification cannot be delivered yet.
    hooks.kill9_and_restart()
    rec = receivers(port=port).start()
    assert rec.wait(1) and rec.bodies()[0]["modifiedEntites"] == ["AttendanceSchedule"]


def test_a_receiver_that_never_answers_stalls_nobody(hooks, receivers):
    api = hooks.api
    hang, ok = receivers(mode="hang").start(), receivers().start()
    subscribe(api, hang.url, ["Absence"])
    subscribe(api, ok.url, ["Absence"])
    student, _org = student_and_org(api)
    write_absence(api, student)
    ok.wait(1)
    hang.wait(2)  # it timed out and was tried again


def test_failing_after_the_retry_period_and_renewal(hooks, receivers):
    api, cli = hooks.api, hooks.cli
    rec = receivers(mode="fail").start()
    sub, _secret = subscribe(api, rec.url, ["Absence"])
    student, _org = student_and_org(api)
    write_absence(api, student)

    def state():
        out = cli.run("subscription", "list", "--db", hooks.db).stdout
        line = [ln for ln in out.splitlines() if ln.startswith(sub["id"])]
        return line and "failing" in line[0] and line[0]
    line = until(state, "the subscription to be marked failing")
    assert "500" in line
    rec.mode = "ok"
    n = len(rec.got)
    assert api.request("PATCH", "/subscriptions/" + sub["id"]).status_code == 200
    rec.wait(n + 1)
    assert "active" in [ln for ln in cli.run("subscription", "list", "--db", hooks.db).stdout.splitlines()
                        if ln.startswith(sub["id"])][0]


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory):
    srv = Server(str(tmp_path_factory.mktemp("hooks-ttl")), "4243",
                 serve_args=["--webhook-allow-http-loopback", "--webhook-ttl", "3"])
    srv.start()
    yield srv
    srv.stop()


def test_expiry_and_renewal(short_lived, receivers):
    api = short_lived.api
    rec = receivers().start()
    sub, _secret = subscribe(api, rec.url, ["Absence"])
    assert (parse_dt(sub["expires"]) - utcnow()).total_seconds() <= 3.5
    student, _org = student_and_org(api)
    write_absence(api, student)
    rec.wait(1)
    until(lambda: parse_dt(api.get_json("/subscriptions/" + sub["id"])["expires"]) < utcnow(), "expiry", timeout=30)
    time.sleep(0.5)
    write_absence(api, student)
    time.sleep(2)
    assert len(rec.got) == 1, "an expired subscription must not be notified"
    r = api.request("PATCH", "/subscriptions/" + sub["id"])
    assert r.status_code == 200 and parse_dt(r.json()["expires"]) > utcnow()
    rec.wait(2)  # what changed while it was expired is announced after renewal


# --- the access view decides what a subscriber hears of ---------------------------

def _caught_up(srv, sub_id):
    """True once the dispatcher has read the whole feed for the subscription."""
    cursor = int(sql_value(srv.db, "SELECT cursor FROM subscription WHERE id=%s" % sql_quote(sub_id)))
    return cursor >= int(sql_value(srv.db, "SELECT COALESCE(MAX(seq), 0) FROM changes"))


def _pending(srv, sub_id):
    return int(sql_value(srv.db, "SELECT count(*) FROM outbox WHERE sub=%s" % sql_quote(sub_id)))


def _pupil(pid, org):
    return {"id": pid, "givenName": "Webb", "familyName": "Krok", "securityMarking": "Ingen",
            "enrolments": [{"enroledAt": {"id": org}, "schoolType": "GR", "startDate": "2025-08-15"}]}


def test_a_scoped_subscriber_hears_only_of_its_view(hooks, receivers):
    api, cli = hooks.api, hooks.cli
    units = sorted(o["id"] for o in api.walk("/organisations", {"type": "Skolenhet"}))
    a, b = units[0], units[1]
    cid, key = make_client(cli, "hook-scoped", *grant_args(orgs=[a], cats=["Students"]))
    rec = receivers().start()
    sub, _secret = subscribe(api, rec.url, ["Person"], key=key)

    # A pupil at the other school: the feed is read, nothing is queued or sent.
    outside = str(uuid.uuid4())
    cli.ingest("persons", [_pupil(outside, b)])
    until(lambda: _caught_up(hooks, sub["id"]), "the dispatcher to read the change")
    assert _pending(hooks, sub["id"]) == 0 and rec.got == []

    # A pupil at its school is notified.
    inside = str(uuid.uuid4())
    cli.ingest("persons", [_pupil(inside, a)])
    rec.wait(1)
    assert rec.bodies()[0] == {"modifiedEntites": ["Person"], "deletedEntities": False}

    # Once received, a pupil who moves out of its view is a deletion to it.
    assert api.get("/persons/" + inside, key=key).status_code == 200
    cli.ingest("persons", [_pupil(inside, b)])
    rec.wait(2)
    assert rec.bodies()[1] == {"modifiedEntites": [], "deletedEntities": True}


def test_a_stopped_subscriber_hears_nothing_until_resumed(hooks, receivers):
    api, cli = hooks.api, hooks.cli
    cid, key = make_client(cli, "hook-stopped", *grant_args(cats=["Students"]))
    rec, witness = receivers().start(), receivers().start()
    sub, _s = subscribe(api, rec.url, ["Person"], key=key)
    subscribe(api, witness.url, ["Person"])  # full access, never stopped
    org = sorted(o["id"] for o in api.walk("/organisations", {"type": "Skolenhet"}))[0]
    cli.run("stop", "--db", cli.db, "--client", cid)
    try:
        cli.ingest("persons", [_pupil(str(uuid.uuid4()), org)])
        witness.wait(1)  # the dispatcher has seen the change
        assert rec.got == [] and not _caught_up(hooks, sub["id"])
    finally:
        cli.run("resume", "--db", cli.db, "--client", cid)
    rec.wait(1)
    assert rec.bodies()[0]["modifiedEntites"] == ["Person"]


def test_scope_exits_of_any_kind_are_deletions_to_the_subscriber(hooks, receivers):
    """A group the client received that moves out of its view, and the
    grant narrowed (which changes no entity), each notify deletedEntities."""
    api, cli = hooks.api, hooks.cli
    units = sorted(o["id"] for o in api.walk("/organisations", {"type": "Skolenhet"}))
    a, b, c = units[2], units[3], units[4]
    cid, key = make_client(cli, "hook-exits", *grant_args(orgs=[a, b], cats=["Groups"]))
    rec = receivers().start()
    sub, _secret = subscribe(api, rec.url, ["Group"], key=key)
    g = next(x for x in api.walk("/groups", key=key) if x["organisation"]["id"] == b)
    moving = {k: v for k, v in g.items() if k != "meta"}
    moving["id"] = str(uuid.uuid4())
    cli.ingest("groups", [moving])
    rec.wait(1)
    assert rec.bodies()[0] == {"modifiedEntites": ["Group"], "deletedEntities": False}
    assert api.get("/groups/" + moving["id"], key=key).status_code == 200

    cli.ingest("groups", [dict(moving, organisation={"id": c})])
    rec.wait(2)
    assert rec.bodies()[1] == {"modifiedEntites": [], "deletedEntities": True}

    # Narrowing the grant: no change in the feed, a deletion all the same.
    cli.run("client", "revoke", "--db", cli.db, cid, "--org", b)
    rec.wait(3)
    assert rec.bodies()[2] == {"modifiedEntites": [], "deletedEntities": True}
    assert g["id"] in api.get_json("/deletedEntities", key=key)["data"]["groups"]
    # A grant that takes nothing away tells nothing.
    cli.run("client", "grant", "--db", cli.db, cid, "--org", c)
    until(lambda: int(sql_value(hooks.db, "SELECT scope_at FROM subscription WHERE id=%s" % sql_quote(sub["id"])))
          >= int(sql_value(hooks.db, "SELECT MAX(at) FROM access_event WHERE client=%s" % sql_quote(cid))),
          "the dispatcher to look at the new grant")
    assert _pending(hooks, sub["id"]) == 0 and len(rec.got) == 3
