"""Sources as things, full snapshots and the mass-change hold (issue 4)."""

import json
import uuid

import pytest

from sourcehelp import IngestServer


def u():
    return str(uuid.uuid4())


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    srv = IngestServer(tmp_path_factory.mktemp("sources")).start()
    yield srv
    assert srv.stop() == 0, srv.log()


def run(hub, *args, check=True):
    return hub.cli.run(*args, check=check)


def test_add_push_prints_the_credential_last(hub):
    cp = run(hub, "source", "add", "--db", hub.db, "sis-a", "--push")
    key = cp.stdout.strip().splitlines()[-1]
    assert key.startswith("skp_") and len(key) > 40
    obj = json.loads(run(hub, "source", "add", "--db", hub.db, "sis-b", "--push", "--json").stdout)
    assert obj["credential"].startswith("skp_") and obj["credential"] != key
    assert uuid.UUID(obj["id"]) and obj["type"] == "push" and obj["kinds"] == "all"
    names = [s["name"] for s in json.loads(run(hub, "source", "list", "--db", hub.db, "--json").stdout)]
    assert "sis-a" in names and "sis-b" in names
    # the credential works on the ingest listener
    r = hub.push("POST", "/organisations", {"organisations": []}, obj["credential"])
    assert r.status_code == 201 and r.json() == {"ids": []}


@pytest.mark.parametrize("args,message", [
    (["dup", "--push"], "a source named 'dup' exists already"),
    (["local", "--push"], "'local' is reserved"),
    (["bad name", "--push"], "may hold only letters"),
    (["x1"], "give exactly one of --push, --pull URL, --file"),
    (["x2", "--push", "--kinds", "pupils"], "'pupils' is not an entity kind"),
    (["x3", "--pull", "ftp://h"], "is not an http:// or https:// URL"),
    (["x4", "--pull", "http://h"], "--pull needs --bearer TOKEN"),
])
def test_add_errors(hub, args, message):
    run(hub, "source", "add", "--db", hub.db, "dup", "--push", check=False)
    cp = run(hub, "source", "add", "--db", hub.db, *args, check=False)
    assert cp.returncode != 0 and message in cp.stderr, cp.stderr


def test_pull_and_file_sources_are_recorded(hub):
    run(hub, "source", "add", "--db", hub.db, "up", "--pull", "http://127.0.0.1:9/v2.0", "--bearer", "t",
        "--schedule", "600", "--kinds", "organisations,persons")
    s = hub.source_show("up")
    assert (s["type"], s["url"], s["schedule"], s["kinds"]) == ("pull", "http://127.0.0.1:9/v2.0", 600,
                                                                 "organisations,persons")
    assert "auth" not in s, "pull credentials are never shown"


def test_remove_refuses_while_it_owns_entities(hub):
    key = hub.add_push("gone")
    sid = u()
    hub.push("POST", "/organisations", {"organisations": [school(sid)]}, key)
    cp = run(hub, "source", "remove", "--db", hub.db, "gone", check=False)
    assert cp.returncode == 1 and "owns 1 entities; add --delete-entities" in cp.stderr
    assert hub.get("/organisations/" + sid).status_code == 200
    run(hub, "source", "remove", "--db", hub.db, "gone", "--delete-entities")
    assert hub.get("/organisations/" + sid).status_code == 404
    assert hub.push("POST", "/organisations", {"organisations": []}, key).status_code == 403
    assert run(hub, "source", "show", "--db", hub.db, "gone", check=False).returncode == 1


def school(sid=None, name="Skola"):
    return {"id": sid or u(), "displayName": name, "organisationType": "Skolenhet"}


# --- full snapshots and the hold -------------------------------------------------------

def held(hub, source):
    return json.loads(run(hub, "source", "held", "--db", hub.db, source, "--json").stdout)


def test_snapshot_deletes_what_is_absent(hub):
    key = hub.add_push("snap")
    orgs = [school() for _ in range(20)]
    r = hub.push("PUT", "/snapshot", {"organisations": orgs}, key)
    assert r.status_code == 201, r.text
    assert r.json() == {"ids": [o["id"] for o in orgs], "created": 20, "updated": 0, "unchanged": 0, "deleted": 0}
    r = hub.push("PUT", "/snapshot", {"organisations": orgs[1:]}, key)
    assert r.status_code == 201 and r.json()["deleted"] == 1 and r.json()["unchanged"] == 19, r.text
    assert hub.get("/organisations/" + orgs[0]["id"]).status_code == 404
    deleted = hub.get("/deletedEntities", entities="Organisation").json()["data"]
    assert orgs[0]["id"] in json.dumps(deleted)


def test_snapshot_does_not_touch_other_sources(hub):
    a, b = hub.add_push("snap-a"), hub.add_push("snap-b")
    mine = school()
    assert hub.push("POST", "/organisations", {"organisations": [mine]}, a).status_code == 201
    assert hub.push("PUT", "/snapshot", {"organisations": [school()]}, b).status_code == 201
    assert hub.get("/organisations/" + mine["id"]).status_code == 200


def test_mass_delete_is_held_then_discarded_then_approved(hub):
    key = hub.add_push("mass")
    orgs = [school() for _ in range(40)]
    assert hub.push("PUT", "/snapshot", {"organisations": orgs}, key).status_code == 201
    # an export with half the schools missing: held, nothing applied
    r = hub.push("PUT", "/snapshot", {"organisations": orgs[:20]}, key)
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["message"] == "Held for approval"
    kinds = body["summary"]["kinds"]["organisations"]
    assert (kinds["before"], kinds["deleted"], kinds["unchanged"]) == (40, 20, 20)
    assert len(kinds["deletedSamples"]) == 5
    assert "organisations: 20 of 40 deleted (over 5 %)" in body["summary"]["reason"]
    assert all(hub.get("/organisations/" + o["id"]).status_code == 200 for o in orgs[20:])
    h = held(hub, "mass")
    assert [x["id"] for x in h] == [body["heldBatch"]] and h[0]["full"] is True
    assert hub.source_show("mass")["runs"][0]["result"] == "held"
    # discard: forgotten, nothing changes
    run(hub, "source", "discard", "--db", hub.db, body["heldBatch"])
    assert held(hub, "mass") == []
    assert hub.get("/organisations/" + orgs[39]["id"]).status_code == 200
    cp = run(hub, "source", "approve", "--db", hub.db, body["heldBatch"], check=False)
    assert cp.returncode == 1 and "no held batch has that id" in cp.stderr
    # the same export again, approved this time
    hid = hub.push("PUT", "/snapshot", {"organisations": orgs[:20]}, key).json()["heldBatch"]
    cp = run(hub, "source", "approve", "--db", hub.db, hid)
    assert "20 deleted" in cp.stdout
    assert held(hub, "mass") == []
    assert all(hub.get("/organisations/" + o["id"]).status_code == 404 for o in orgs[20:])
    assert hub.get("/organisations/" + orgs[0]["id"]).status_code == 200


def test_mass_delete_through_delete_requests_is_held_too(hub):
    key = hub.add_push("massdel")
    orgs = [school() for _ in range(30)]
    hub.push("POST", "/organisations", {"organisations": orgs}, key)
    r = hub.push("DELETE", "/organisations", {"organisations": [{"id": o["id"]} for o in orgs[:15]]}, key)
    assert r.status_code == 202 and r.json()["message"] == "Held for approval"
    assert hub.get("/organisations/" + orgs[0]["id"]).status_code == 200


def test_small_changes_and_raised_thresholds_pass(hub):
    key = hub.add_push("roll")
    orgs = [school() for _ in range(40)]
    hub.push("PUT", "/snapshot", {"organisations": orgs}, key)
    # many renames: over 50 % changed, held
    renamed = [dict(o, displayName="Ny " + o["displayName"]) for o in orgs]
    assert hub.push("PUT", "/snapshot", {"organisations": renamed}, key).status_code == 202
    # school-year rollover: thresholds raised for a window
    run(hub, "source", "thresholds", "--db", hub.db, "roll", "--raise-pct", "100", "--until", "2999-08-31")
    r = hub.push("PUT", "/snapshot", {"organisations": renamed}, key)
    assert r.status_code == 201 and r.json()["updated"] == 40, r.text
    run(hub, "source", "thresholds", "--db", hub.db, "roll", "--delete-pct", "60", "--raise-pct", "0",
        "--until", "2000-01-01")
    r = hub.push("PUT", "/snapshot", {"organisations": renamed[:20]}, key)
    assert r.status_code == 201 and r.json()["deleted"] == 20, r.text


def test_snapshot_problems(hub):
    key = hub.add_push("snapbad")
    r = hub.push("PUT", "/snapshot", {"pupils": []}, key)
    assert r.status_code == 400 and "'pupils' is not an entity kind" in r.text
    r = hub.push("PUT", "/snapshot", {}, key)
    assert r.status_code == 400 and "at least one kind" in r.text


def test_a_held_batch_counts_its_effect_per_school(hub):
    key = hub.add_push("perschool")
    a, b = school(name="Ängsskolan"), school(name="Björkskolan")
    def pupil(org, n):
        return {"id": str(uuid.uuid4()), "givenName": "Elev%d" % n, "familyName": "Skolsson",
                "enrolments": [{"enroledAt": {"id": org["id"]}, "schoolType": "GR", "startDate": "2025-08-15"}]}
    at_a = [pupil(a, i) for i in range(12)]
    at_b = [pupil(b, i) for i in range(12)]
    assert hub.push("PUT", "/snapshot", {"organisations": [a, b], "persons": at_a + at_b}, key).status_code == 201
    # every pupil of a gone, three of b renamed: held, and the summary says where
    renamed = [dict(p, givenName="Ny") for p in at_b[:3]] + at_b[3:]
    r = hub.push("PUT", "/snapshot", {"organisations": [a, b], "persons": renamed}, key)
    assert r.status_code == 202, r.text
    schools = r.json()["summary"]["schools"]
    assert schools[a["id"]]["displayName"] == a["displayName"]
    assert schools[a["id"]]["persons"] == {"deleted": 12}
    assert schools[b["id"]]["persons"] == {"updated": 3}
    assert "organisations" not in schools[a["id"]]  # unchanged schools are not counted
    held_ = held(hub, "perschool")
    assert held_[0]["summary"]["schools"] == schools
