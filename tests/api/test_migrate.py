"""skolnav migrate --from --to moves a whole store between backends:
entities, derived rows, change feed, tombstones, clients and settings, so
that a server on the new store answers exactly as one on the old store did
(same keys, same page tokens, same deletions), checked by counts and content
hashes. The PostgreSQL pass moves SQLite to PostgreSQL, the SQLite pass
PostgreSQL to SQLite (both need tests/with-pg's server)."""

import os
import re
import subprocess
import uuid

import pytest

from apihelp import Cli, Server, backend, new_db, new_pg_db, skolnav_bin, sql_value

pytestmark = pytest.mark.mutating

TABLES = ("entity", "idx", "sortidx", "prel", "orgtree", "changes", "tombstone", "client", "setting")


def _migrate(src, dst, check=True):
    cp = subprocess.run([skolnav_bin(), "migrate", "--from", src, "--to", dst],
                        capture_output=True, text=True, timeout=900)
    if check:
        assert cp.returncode == 0, "migrate failed (%d):\n%s\n%s" % (cp.returncode, cp.stdout[-3000:], cp.stderr[-3000:])
    return cp


@pytest.fixture(scope="module")
def moved(tmp_path_factory):
    """(old server, new server, migrate output): the old store was served
    once (so it has its page-token key), then moved."""
    work = str(tmp_path_factory.mktemp("migrate-src"))
    if backend() == "postgresql":
        src, dst = os.path.join(work, "old.db"), new_pg_db()
    else:
        src, dst = new_pg_db(), os.path.join(work, "new.db")
    old = Server(work, "11", db=src).start()
    # history beyond the demo: an update and a deletion
    pid = str(uuid.uuid4())
    old.cli.ingest("persons", [{"id": pid, "givenName": "Flytt", "familyName": "Ett"}])
    old.cli.ingest("persons", [{"id": pid, "givenName": "Flytt", "familyName": "Två"}])
    old.cli.delete("persons", pid)
    cp = _migrate(src, dst)
    new = Server(str(tmp_path_factory.mktemp("migrate-dst")), "11", db=dst)
    new.key_a, new.key_b = old.key_a, old.key_b
    new.launch()
    yield old, new, cp.stdout
    for s in (old, new):
        assert s.stop() == 0, s.log()


def test_every_table_has_the_same_rows(moved):
    old, new, out = moved
    for t in TABLES:
        # Leases are the nodes' own (which node dispatches webhooks), not copied.
        where = " WHERE k NOT LIKE 'lease.%'" if t == "setting" else ""
        n_old = int(sql_value(old.db, "SELECT count(*) FROM %s%s" % (t, where)))
        n_new = int(sql_value(new.db, "SELECT count(*) FROM %s%s" % (t, where)))
        assert n_old == n_new, "%s: %d rows became %d" % (t, n_old, n_new)
        line = [ln for ln in out.splitlines() if ln.startswith("checked") and ln.split()[1] == t]
        assert line and line[0].split()[2] == str(n_old) and line[0].endswith("same"), out
    assert int(sql_value(old.db, "SELECT count(*) FROM tombstone")) > 0
    assert int(sql_value(old.db, "SELECT count(*) FROM setting")) > 0
    # the change feed keeps its numbers
    for t in ("changes", "tombstone"):
        assert int(sql_value(old.db, "SELECT max(seq) FROM %s" % t)) == int(sql_value(new.db, "SELECT max(seq) FROM %s" % t))


def test_the_new_store_serves_what_the_old_one_did(moved):
    old, new, _ = moved
    for path in ("/organisations", "/persons", "/groups", "/duties"):
        assert new.api.ids(path) == old.api.ids(path)
        sample = old.api.get_json(path, {"limit": 3, "expandReferenceNames": "true"})["data"]
        assert new.api.get_json(path, {"limit": 3, "expandReferenceNames": "true"})["data"] == sample
    assert new.api.get_json("/deletedEntities")["data"] == old.api.get_json("/deletedEntities")["data"]
    # the page-token key moved too: a token made by the old server pages the new one
    env = old.api.get_json("/persons", {"limit": 5})
    assert new.api.get_json("/persons", {"pageToken": env["pageToken"]})["data"] == \
        old.api.get_json("/persons", {"pageToken": env["pageToken"]})["data"]


def test_writes_continue_the_feed_after_the_move(moved):
    _old, new, _ = moved
    before = int(sql_value(new.db, "SELECT max(seq) FROM changes"))
    tomb = int(sql_value(new.db, "SELECT max(seq) FROM tombstone"))
    pid = str(uuid.uuid4())
    new.cli.ingest("persons", [{"id": pid, "givenName": "Efter", "familyName": "Flytten"}])
    new.cli.delete("persons", pid)
    assert int(sql_value(new.db, "SELECT max(seq) FROM changes")) == before + 2
    assert int(sql_value(new.db, "SELECT max(seq) FROM tombstone")) == tomb + 1
    assert pid in new.api.get_json("/deletedEntities", {"entities": "Person"})["data"]["persons"]


def test_moving_into_a_store_with_data_is_refused_and_changes_nothing(moved):
    old, new, _ = moved
    before = sql_value(new.db, "SELECT count(*) FROM entity")
    cp = _migrate(old.db, new.db, check=False)
    assert cp.returncode == 1
    assert "already holds data" in cp.stderr and "empty" in cp.stderr, cp.stderr
    assert sql_value(new.db, "SELECT count(*) FROM entity") == before


def test_bad_arguments_are_refused_clearly(tmp_path):
    cp = subprocess.run([skolnav_bin(), "migrate", "--from", str(tmp_path / "x.db")],
                        capture_output=True, text=True, timeout=60)
    assert cp.returncode == 2 and "--to" in cp.stderr
    cp = _migrate(str(tmp_path / "missing.db"), str(tmp_path / "new.db"), check=False)
    assert cp.returncode == 1 and "missing.db" in cp.stderr
    assert not os.path.exists(tmp_path / "new.db")


def test_demo_replaces_a_store_only_with_force(tmp_path):
    """On either backend: an existing store (here an empty one made by
    `migrate --create`) is kept unless --force is given."""
    db = new_db(str(tmp_path))
    run = lambda *a: subprocess.run([skolnav_bin(), *a], capture_output=True, text=True, timeout=900)
    cp = run("migrate", "--db", db)
    assert cp.returncode == 1 and "create" in cp.stderr, cp.stderr
    cp = run("migrate", "--db", db, "--create")
    assert cp.returncode == 0 and re.search(r"schema version [1-9][0-9]*\n", cp.stdout), (cp.stdout, cp.stderr)
    _id, key = Cli(skolnav_bin(), db, str(tmp_path)).add_client("keep-me", as_json=True)
    cp = run("demo", "--db", db, "--seed", "2")
    assert cp.returncode == 1 and "--force" in cp.stderr, cp.stderr
    assert int(sql_value(db, "SELECT count(*) FROM client")) == 1
    assert int(sql_value(db, "SELECT count(*) FROM entity")) == 0
    cp = run("demo", "--db", db, "--seed", "2", "--force")
    assert cp.returncode == 0, cp.stderr
    assert int(sql_value(db, "SELECT count(*) FROM client")) == 0
    assert int(sql_value(db, "SELECT count(*) FROM entity")) > 1000
