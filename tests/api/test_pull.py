"""Pull from an upstream SS12000 API (issue 4, "Pull"): a second skolnav
instance as the upstream, then a small misbehaving upstream."""

import json
import os
import signal
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apihelp import free_port
from sourcehelp import IngestServer, sql_rows


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    srv = IngestServer(tmp_path_factory.mktemp("upstream"), demo=True).start()
    yield srv
    assert srv.stop() == 0, srv.log()


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    srv = IngestServer(tmp_path_factory.mktemp("hub")).start()
    yield srv
    assert srv.stop() == 0, srv.log()


@pytest.fixture(scope="module")
def hub2(tmp_path_factory):
    srv = IngestServer(tmp_path_factory.mktemp("hub2")).start()
    yield srv
    assert srv.stop() == 0, srv.log()


def pull(hub, name, *args, check=True):
    return hub.cli.run("pull", "--db", hub.db, name, *args, check=check)


def report(cp):
    # "pull NAME: R requests, C created, U updated, D deleted, N unchanged"
    words = cp.stdout.split(":")[1].replace(",", "").split()
    return dict(zip(words[1::2], map(int, words[0::2])))


def ids(srv, path):
    out, token = set(), None
    for _ in range(10000):
        params = {"pageToken": token} if token else {"limit": 1000}
        body = srv.get(path, **params).json()
        out |= {x["id"] for x in body["data"]}
        token = body.get("pageToken")
        if not token:
            return out
    raise AssertionError("paging did not end")


def add_pull(hub, name, url, key, *extra):
    hub.cli.run("source", "add", "--db", hub.db, name, "--pull", url, "--bearer", key, *extra)


KINDS = ["organisations", "persons", "groups", "duties", "activities", "rooms"]


def test_full_then_incremental_then_changes(hub, upstream, tmp_path):
    add_pull(hub, "up", upstream.base, upstream.api_key)
    first = report(pull(hub, "up"))
    assert first["created"] > 1000 and first["updated"] == 0
    for k in KINDS:
        assert ids(hub, "/" + k) == ids(upstream, "/" + k), k
    # nothing changed upstream: two requests per kind, nothing written
    again = report(pull(hub, "up", "--overlap", "0"))
    assert again["created"] == again["updated"] == again["deleted"] == 0
    nkinds = again["requests"] // 2
    assert again["requests"] == 2 * nkinds and nkinds >= len(KINDS)
    # upstream changes one school and deletes one room
    org = upstream.get("/organisations", limit=1).json()["data"][0]
    org["displayName"] = "Omdöpt skola"
    org.pop("meta")
    path = os.path.join(str(tmp_path), "org.json")
    with open(path, "w") as f:
        json.dump([org], f)
    upstream.cli.run("ingest", "--db", upstream.db, "--kind", "organisations", path)
    room = upstream.get("/rooms", limit=1).json()["data"][0]["id"]
    upstream.cli.run("delete", "--db", upstream.db, "--kind", "rooms", room)
    r = report(pull(hub, "up", "--overlap", "0"))
    assert (r["created"], r["updated"], r["deleted"]) == (0, 1, 1), r
    assert hub.get("/organisations/" + org["id"]).json()["displayName"] == "Omdöpt skola"
    assert hub.get("/rooms/" + room).status_code == 404
    # the overlap window fetches recent changes again, which changes nothing
    r = report(pull(hub, "up"))
    assert r["updated"] == 0 and r["unchanged"] >= 1
    runs = hub.source_show("up")["runs"]
    assert [x["result"] for x in runs[:4]] == ["ok"] * 4


def test_kill_9_midway_then_resume(hub2, upstream):
    hub = hub2
    add_pull(hub, "resume", upstream.base, upstream.api_key)
    proc = subprocess.Popen([hub.binary, "pull", "--db", hub.db, "resume", "--limit", "20"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(3000):
        (seen,), = sql_rows(hub.db, "SELECT count(*) FROM pull_seen WHERE source='resume' AND kind=1")
        if int(seen) >= 100 or proc.poll() is not None:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be killed; use a smaller --limit"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    (phase, token), = sql_rows(hub.db, "SELECT phase, page_token FROM pull_state WHERE source='resume' AND kind=1")
    (partial,), = sql_rows(hub.db, "SELECT count(*) FROM entity WHERE source='resume' AND kind=1")
    partial = int(partial)
    assert phase == "full" and token, "the walk's position was saved"
    up = ids(upstream, "/persons")
    assert 0 < partial < len(up)
    r = report(pull(hub, "resume", "--limit", "500", "--overlap", "0"))
    # resumed at the saved page: at most that page comes again, nothing is deleted
    assert r["deleted"] == 0 and r["unchanged"] <= 500, r
    assert ids(hub, "/persons") == up
    states = sql_rows(hub.db, "SELECT phase, page_token FROM pull_state WHERE source='resume'")
    assert len(states) > 5 and set(states) == {("incremental", "")}


# --- a misbehaving upstream --------------------------------------------------------------

def org(i, mode=None):
    """School i of the upstream in `mode` (each mode its own ids: each test's source owns its own)."""
    mode = mode or Bad.mode
    mode = "ok" if mode == "lost" else mode  # the same upstream, having lost a school
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, "%s/%d" % (mode, i))), "displayName": "Skola %d" % i,
            "organisationType": "Skolenhet"}


class Bad(BaseHTTPRequestHandler):
    mode = "ok"
    hits = 0

    def log_message(self, *a):
        pass

    def send(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        if self.path == "/token" and self.headers.get("Authorization", "").startswith("Basic "):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            return self.send(200, {"access_token": "tok-1", "token_type": "bearer", "expires_in": 60})
        self.send(401, {"code": "UNAUTHORIZED", "message": "no"})

    def do_GET(self):
        cls = type(self)
        cls.hits += 1
        mode, n = cls.mode, cls.hits
        if mode == "oauth" and self.headers.get("Authorization") != "Bearer tok-1":
            return self.send(401, {"code": "UNAUTHORIZED", "message": "token please"})
        if self.path.startswith("/v2.0/deletedEntities"):
            return self.send(200, {"data": {}, "pageToken": None})
        if mode == "flaky" and n == 1:
            return self.send(503, {"code": "X", "message": "busy"})
        if mode == "ratelimit" and n == 1:
            return self.send(429, {"code": "X", "message": "slow down"}, [("Retry-After", "1")])
        if mode == "down":
            return self.send(500, {"code": "X", "message": "broken"})
        if mode == "malformed":
            return self.send(200, b'{"data": [')
        if mode == "notalist":
            return self.send(200, {"items": []})
        if mode == "schema":
            return self.send(200, {"data": [org(1), {"id": str(uuid.uuid4()), "organisationType": "Skolenhet"}]})
        if mode == "loop":
            return self.send(200, {"data": [org(n % 3)], "pageToken": "again"})
        if mode == "hang":
            time.sleep(3)
        if "pageToken=p2" in self.path:
            return self.send(200, {"data": [org(3)] + ([] if mode == "lost" else [org(4)]), "pageToken": None})
        return self.send(200, {"data": [org(1), org(2)], "pageToken": "p2"})


@pytest.fixture(scope="module")
def bad():
    port = free_port()
    srv = ThreadingHTTPServer(("127.0.0.1", port), Bad)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield "http://127.0.0.1:%d" % port
    srv.shutdown()
    srv.server_close()


CASES = [
    ("flaky", True, None),
    ("ratelimit", True, None),
    ("oauth", True, None),
    ("down", False, "answered 500 (broken)"),
    ("malformed", False, "the answer is not a JSON object"),
    ("notalist", False, "is not a list envelope"),
    ("schema", False, "organisations from the upstream were rejected (1 problems), first: record 1"),
    ("loop", False, "pageToken repeats an earlier one"),
    ("hang", False, "Timeout"),
]


@pytest.mark.parametrize("mode,ok,message", CASES, ids=[c[0] for c in CASES])
def test_misbehaving_upstream(hub, bad, mode, ok, message):
    Bad.mode, Bad.hits = mode, 0
    name = "bad-" + mode
    auth = ["--token-url", bad + "/token", "--client-id", "c", "--client-secret", "s"] if mode == "oauth" else [
        "--bearer", "t"]
    hub.cli.run("source", "add", "--db", hub.db, name, "--pull", bad + "/v2.0", "--kinds", "organisations", *auth)
    cp = pull(hub, name, "--timeout-ms", "500", "--retries", "2", "--max-wait", "2", check=False)
    run = hub.source_show(name)["runs"][0]
    if ok:
        assert cp.returncode == 0, cp.stderr
        assert run["result"] == "ok" and run["created"] == 4
        assert hub.get("/organisations/" + org(4)["id"]).status_code == 200
        if mode in ("flaky", "ratelimit"):
            assert report(cp)["requests"] == 3  # the retry and two pages (a first walk asks for no deletions)
    else:
        assert cp.returncode == 1
        assert message in cp.stderr, cp.stderr
        assert run["result"] == "failed" and message in run["errors"]
        if mode == "schema":
            assert hub.source_show(name)["entities"] == 0, "a rejected page wrote nothing"


def test_deleted_upstream_in_a_full_walk(hub, bad):
    Bad.mode, Bad.hits = "ok", 0
    hub.cli.run("source", "add", "--db", hub.db, "walk", "--pull", bad + "/v2.0", "--kinds", "organisations",
                "--bearer", "t")
    pull(hub, "walk")
    assert hub.source_show("walk")["entities"] == 4
    # a full walk where the upstream lost a school: it goes here too
    Bad.mode = "lost"
    r = report(pull(hub, "walk", "--full"))
    assert (r["deleted"], r["unchanged"]) == (1, 3), r
    assert hub.get("/organisations/" + org(4)["id"]).status_code == 404


def test_a_scheduled_pull_runs_by_itself_once_across_nodes(upstream, tmp_path_factory):
    """The server runs a pull source whose schedule is due (here: never
    ran), with no `skolnav pull`; of two nodes on one store, one runs it."""
    a = IngestServer(tmp_path_factory.mktemp("sched-a"), scheduled_pulls=True)
    a.cli.run("migrate", "--db", a.db, "--create")
    add_pull(a, "sched", upstream.base, upstream.api_key, "--schedule", "3600", "--kinds", "organisations")
    a.start()
    b = IngestServer(tmp_path_factory.mktemp("sched-b"), scheduled_pulls=True, db=a.db).start()
    try:
        def pulls():
            return [r for r in a.source_show("sched")["runs"] if r["what"].startswith("pull")]
        deadline = time.time() + 120
        while not pulls():
            assert time.time() < deadline, "no scheduled pull within 120 s:\n" + a.log() + b.log()
            time.sleep(0.2)
        assert pulls()[0]["result"] == "ok", pulls()
        assert ids(a, "/organisations") == ids(upstream, "/organisations")
        time.sleep(3)  # both schedulers have had several turns since
        assert len(pulls()) == 1, pulls()
    finally:
        for n in (b, a):
            assert n.stop() == 0, n.log()
