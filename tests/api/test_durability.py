"""kill -9 at any moment leaves a consistent store: an ingest batch is all
there or not there at all, with its index rows and change feed, and the
server starts and serves afterwards."""

import json
import os
import random
import signal
import subprocess
import time
import uuid

import pytest

from apihelp import Cli, Server, new_db, skolnav_bin, sql_value

BATCH = 2000
ROUNDS = 12


def _batch_file(workdir, tag):
    ids = [str(uuid.uuid4()) for _ in range(BATCH)]
    recs = [{"id": i, "givenName": "Krasch", "familyName": "%s-%05d" % (tag, n)} for n, i in enumerate(ids)]
    path = os.path.join(workdir, "batch-%s.json" % tag)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(recs, f)
    return path, ids


def _state(db, ids):
    """(entities, change rows, index rows, sort rows) for the ids; an SQLite
    file's integrity is checked on the way (on PostgreSQL only the client
    is killed, and the server's own crash safety is PostgreSQL's)."""
    if not db.startswith("postgres"):
        assert sql_value(db, "PRAGMA integrity_check") == "ok"
    inlist = "(%s)" % ",".join("'%s'" % i for i in ids)
    q = lambda sql: int(sql_value(db, sql % inlist))
    return (q("SELECT count(*) FROM entity WHERE id IN %s"),
            q("SELECT count(*) FROM changes WHERE id IN %s"),
            q("SELECT count(DISTINCT id) FROM idx WHERE id IN %s"),
            q("SELECT count(DISTINCT id) FROM sortidx WHERE id IN %s"))


@pytest.fixture(scope="module")
def store_db(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("durability"))
    db = new_db(workdir)
    Cli(skolnav_bin(), db, workdir).demo("7")
    return workdir, db


def _time_one_ingest(workdir, db):
    path, ids = _batch_file(workdir, "timing")
    t0 = time.monotonic()
    cp = subprocess.run([skolnav_bin(), "ingest", "--db", db, "--kind", "persons", path],
                        capture_output=True, text=True, timeout=300)
    assert cp.returncode == 0, cp.stderr
    assert _state(db, ids) == (BATCH, BATCH, BATCH, BATCH)
    return time.monotonic() - t0


def test_kill_9_during_ingest_leaves_whole_batches(store_db):
    workdir, db = store_db
    took = _time_one_ingest(workdir, db)
    rnd = random.Random(12000)
    for r in range(ROUNDS):
        path, ids = _batch_file(workdir, "round%02d" % r)
        proc = subprocess.Popen([skolnav_bin(), "ingest", "--db", db, "--kind", "persons", path],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # spread the kills over the whole run, including before the start
        # and after the commit
        time.sleep(rnd.uniform(0, took * 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        state = _state(db, ids)
        assert state in ((0, 0, 0, 0), (BATCH, BATCH, BATCH, BATCH)), (
            "round %d: a half-written batch (entities, changes, indexed, sorted) = %r" % (r, state))
    # the same batch again after a kill: it lands whole, and the store serves
    path, ids = _batch_file(workdir, "after")
    cp = subprocess.run([skolnav_bin(), "ingest", "--db", db, "--kind", "persons", path],
                        capture_output=True, text=True, timeout=300)
    assert cp.returncode == 0, cp.stderr
    assert _state(db, ids)[0] == BATCH


def test_server_killed_restarts_and_serves(tmp_path_factory):
    srv = Server(str(tmp_path_factory.mktemp("killed")), "3")
    srv.start()
    try:
        before = srv.api.get_json("/organisations", {"limit": 5})
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait(timeout=30)
    finally:
        srv.api.close()
        srv._log.close()
    # a fresh process on the same file (the demo step is not repeated)
    again = Server(srv.workdir, "3", db=srv.db)
    again.cli = srv.cli
    again.cli.demo = lambda seed: None
    again.start()
    try:
        assert again.api.get_json("/organisations", {"limit": 5})["data"] == before["data"]
    finally:
        assert again.stop() == 0
