"""POST /log/ and POST /statistics/ (DIGEST §2.14): 201 with no body, with
and without the trailing slash; every schema violation a 400 naming the
field; bounded in size and rate; readable through `skolnav feedback list`."""

import json

import pytest

from apihelp import assert_error

pytestmark = pytest.mark.mutating

LOG = {"message": "courseCode \"MAT101\" kan inte mappas mot någon känd kurs.", "messageType": "ValueMapping",
       "resourceType": "Syllabus", "resourceId": "5e10f18c-0d9e-4d6b-9b5c-2f4f0c1d2e3f",
       "resourceUrl": "https://service.example.se/ss12000/activities?expand=syllabus", "severityLevel": "Warning",
       "timeOfOccurance": "2026-11-30T10:00:00+01:00"}
STATS = {"resourceType": "Person", "newCount": 12, "updatedCount": 3, "deletedCount": 0,
         "resourceUrl": "https://service.example.se/ss12000/persons", "timeOfOccurance": "2026-11-30T10:00:00Z"}


@pytest.fixture(scope="module")
def fsrv(mutable_server):
    return mutable_server


@pytest.mark.parametrize("path,body", [("/log/", LOG), ("/log", LOG), ("/statistics/", STATS),
                                       ("/statistics", STATS),
                                       ("/log/", {"message": "x", "severityLevel": "Info"})])
def test_accepted_201_without_body_and_listed(fsrv, path, body):
    r = fsrv.api.post(path, body)
    assert r.status_code == 201 and not r.content, r.text[:300]
    out = fsrv.cli.run("feedback", "list", "--db", fsrv.db, "--client", fsrv.client_a_id,
                       "--channel", path.strip("/")).stdout
    assert json.dumps(body["message"] if "message" in body else body["resourceUrl"], ensure_ascii=False)[1:-1] in out


@pytest.mark.parametrize("path,change,named", [
    ("/log/", {"message": None}, "message"),
    ("/log/", {"severityLevel": None}, "severityLevel"),
    ("/log/", {"severityLevel": "Fatal"}, "severityLevel"),
    ("/log/", {"resourceType": "Persons"}, "resourceType"),
    ("/log/", {"resourceId": "42"}, "resourceId"),
    ("/log/", {"timeOfOccurance": "igår"}, "timeOfOccurance"),
    ("/log/", {"resourceUrl": "no-scheme"}, "resourceUrl"),
    ("/log/", {"message": "x" * 4001}, "message"),
    ("/log/", {"bogus": 1}, "bogus"),
    ("/statistics/", {"newCount": None}, "newCount"),
    ("/statistics/", {"updatedCount": -1}, "updatedCount"),
    ("/statistics/", {"deletedCount": "0"}, "deletedCount"),
    ("/statistics/", {"resourceType": None}, "resourceType"),
])
def test_invalid_is_400_naming_the_field(fsrv, path, change, named):
    body = dict(LOG if path == "/log/" else STATS)
    for k, v in change.items():
        if v is None:
            body.pop(k, None)
        else:
            body[k] = v
    assert_error(fsrv.api.post(path, body), 400, named)


def test_not_json_and_too_large(fsrv):
    assert_error(fsrv.api.request("POST", "/log/", data="{", headers={"Content-Type": "application/json"}), 400)
    assert_error(fsrv.api.post("/log/", dict(LOG, messageType="x" * 20000)), 413)
    assert_error(fsrv.api.get("/log/"), 405)


def test_rate_limited_per_client(fsrv):
    """At most 120 entries a minute per client; the 121st is refused."""
    statuses = [fsrv.api.post("/statistics/", STATS, key="other").status_code for _ in range(125)]
    assert statuses[0] == 201 and 429 in statuses
    first = statuses.index(429)
    assert all(s == 201 for s in statuses[:first]) and first <= 120
    assert_error(fsrv.api.post("/log/", LOG, key="other"), 429)
    assert fsrv.api.post("/log/", LOG).status_code == 201, "another client is not limited"
