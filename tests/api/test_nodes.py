"""Several `skolnav serve` nodes on one store behave as one hub: a page
token from one node works on another, clients and data written once are
seen by every node at once, and nodes starting together agree on the
page-token key. Runs on the backend under test (on SQLite the nodes are
processes sharing one file; on PostgreSQL, one database)."""

import time
import uuid

import pytest

from apihelp import Server, new_db

pytestmark = pytest.mark.mutating


def _node(tmp_path_factory, first, name):
    """A second node on first's store, with first's API keys."""
    n = Server(str(tmp_path_factory.mktemp(name)), first.seed, db=first.db)
    n.key_a, n.key_b = first.key_a, first.key_b
    return n


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    a = Server(str(tmp_path_factory.mktemp("node-a")), "5").start()
    b = _node(tmp_path_factory, a, "node-b").launch()
    yield a, b
    for n in (a, b):
        assert n.stop() == 0, n.log()


def _page(api, path, params):
    env = api.get_json(path, params)
    return [i["id"] for i in env["data"]], env.get("pageToken")


def test_page_token_from_one_node_works_on_the_other(nodes):
    a, b = nodes
    for path, params in (("/persons", {"limit": 7}), ("/organisations", {"limit": 3, "sortkey": "DisplayNameAsc"}),
                         ("/groups", {"limit": 5, "groupType": "Klass"})):
        ids_a, tok = _page(a.api, path, params)
        assert tok, "%s %s should have a second page" % (path, params)
        # the second page, asked of each node with the token node A made
        second_a, _ = _page(a.api, path, {"pageToken": tok})
        second_b, _ = _page(b.api, path, {"pageToken": tok})
        assert second_b == second_a and second_b and not set(second_b) & set(ids_a)
        # and the other way round
        _, tok_b = _page(b.api, path, params)
        assert _page(a.api, path, {"pageToken": tok_b})[0] == second_a


def test_ingest_and_delete_are_seen_by_every_node_at_once(nodes):
    a, b = nodes
    pid = str(uuid.uuid4())
    for n in (a, b):
        assert n.api.get("/persons/" + pid).status_code == 404
    a.cli.ingest("persons", [{"id": pid, "givenName": "Nod", "familyName": "Delad"}])
    # no wait and no retry: the next request on either node sees it
    for n in (a, b):
        got = n.api.get_json("/persons/" + pid)
        assert got["givenName"] == "Nod" and got["familyName"] == "Delad"
    a.cli.ingest("persons", [{"id": pid, "givenName": "Nod", "familyName": "Ändrad"}])
    for n in (b, a):
        assert n.api.get_json("/persons/" + pid)["familyName"] == "Ändrad"
    a.cli.delete("persons", pid)
    for n in (a, b):
        assert n.api.get("/persons/" + pid).status_code == 404
        deleted = n.api.get_json("/deletedEntities", {"entities": "Person"})["data"]
        assert pid in deleted.get("persons", [])


def test_a_new_client_is_accepted_by_every_node_at_once(nodes):
    a, b = nodes
    _id, key = a.cli.add_client("node-test", as_json=True)
    for n in (a, b):
        assert n.api.get("/organisations", {"limit": 1}, key=key).status_code == 200
        assert n.api.get("/organisations", {"limit": 1}, key=key[:-2] + "xx").status_code == 401


def test_nodes_starting_together_share_one_page_token_key(tmp_path_factory):
    """Both nodes race to create the key in a store that has none yet; the
    first insert wins and both use it."""
    first = Server(str(tmp_path_factory.mktemp("race-a")), "5", db=new_db(str(tmp_path_factory.mktemp("race"))))
    first.cli.demo(first.seed)
    first.client_a_id, first.key_a = first.cli.add_client("race-a", as_json=True)
    first.key_b = first.key_a
    second = _node(tmp_path_factory, first, "race-b")
    first.spawn()
    second.spawn()
    try:
        first.wait_ready()
        second.wait_ready()
        for x, y in ((first, second), (second, first)):
            ids, tok = _page(x.api, "/persons", {"limit": 4})
            assert tok
            assert _page(y.api, "/persons", {"pageToken": tok})[0] == _page(x.api, "/persons", {"pageToken": tok})[0]
    finally:
        for n in (first, second):
            assert n.stop() == 0, n.log()


def test_one_node_sends_each_notification_and_another_takes_over(tmp_path_factory):
    """The nodes share one webhook dispatcher lease: each change is notified
    once, and when the dispatching node stops another one carries on."""
    from test_webhooks import Receiver, subscribe
    args = ["--webhook-allow-http-loopback"]
    a = Server(str(tmp_path_factory.mktemp("hook-a")), "5", serve_args=args).start()
    b = Server(str(tmp_path_factory.mktemp("hook-b")), "5", db=a.db, serve_args=args)
    b.key_a, b.key_b = a.key_a, a.key_b
    b.launch()
    rec = Receiver().start()
    try:
        subscribe(a.api, rec.url, ["Room"])
        room = a.api.get_json("/rooms", {"limit": 1})["data"][0]
        body = {k: v for k, v in room.items() if k != "meta"}
        for i in range(3):
            a.cli.ingest("rooms", [dict(body, displayName="%s %d" % (room["displayName"], i))])
            rec.wait(i + 1)
        time.sleep(2)  # room for a second node's copy to arrive, were there one
        assert len(rec.got) == 3, [b for _h, b in rec.got]
        assert a.stop() == 0, a.log()
        b.cli.ingest("rooms", [dict(body, displayName=room["displayName"] + " efter")])
        rec.wait(4)
    finally:
        rec.stop()
        for n in (a, b):
            if n.proc and n.proc.poll() is None:
                assert n.stop() == 0, n.log()


def test_concurrent_requests_on_both_nodes_are_all_logged_and_journaled(nodes):
    """Requests on both nodes write the request log and the ledger's journal
    side by side (on PostgreSQL without the hub-wide writer lock): every
    request is logged once, and every person disclosed reaches the ledger,
    even when folds run while other requests are still committing."""
    import concurrent.futures
    import json as _json

    import requests

    a, b = nodes
    cid, key = a.cli.add_client("concurrent-log", as_json=True)
    persons = [p["id"] for p in a.api.get_json("/persons", {"limit": 120})["data"]]
    assert len(persons) == 120
    # the listing above is client A's: the new client starts from nothing
    before = _json.loads(a.cli.run("audit", "client", "--db", a.db, cid, "--json").stdout)
    assert before["requests"] == 0 and before["persons"] == 0

    def worker(t):
        s = requests.Session()
        codes = []
        for i, pid in enumerate(persons[t::6]):
            node = (a, b)[(t + i) % 2]
            r = s.get(node.api.url("/persons/" + pid), headers={"Authorization": "Bearer " + key}, timeout=30)
            codes.append(r.status_code)
            if i % 5 == 4:  # a reader folds the journal now and then, mid-traffic
                node.cli.run("audit", "client", "--db", node.db, cid, "--json")
        s.close()
        return codes

    with concurrent.futures.ThreadPoolExecutor(6) as ex:
        codes = [c for cs in ex.map(worker, range(6)) for c in cs]
    assert codes == [200] * 120
    audit = _json.loads(a.cli.run("audit", "client", "--db", a.db, cid, "--json").stdout)
    assert audit["requests"] == 120 and audit["items"] == 120 and audit["statuses"] == {"200": 120}
    assert audit["persons"] == 120, audit
    for pid in persons[::17]:
        out = _json.loads(b.cli.run("audit", "person", "--db", b.db, pid, "--json").stdout)
        assert [d["client"] for d in out["disclosures"]].count(cid) == 1
