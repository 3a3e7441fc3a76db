"""The write operations (DIGEST §2.11): POST /attendances, /attendanceEvents,
/attendanceSchedule, /absences and DELETE of the first three. Status codes
as the specification has them, validation failures naming the field with
nothing written, conflicts on existing ids, tombstones, and who may write."""

import datetime
import uuid

import pytest

from apihelp import assert_error, fmt_dt, parse_dt, sql_exec, utcnow

pytestmark = pytest.mark.mutating


@pytest.fixture(scope="module")
def srv(mutable_server):
    return mutable_server


@pytest.fixture(scope="module")
def wapi(srv):
    return srv.api


@pytest.fixture(scope="module")
def refs(wapi):
    """Existing entities to refer to."""
    win = {"startTime.onOrAfter": "2000-01-01T00:00:00Z", "startTime.onOrBefore": "2100-01-01T00:00:00Z",
           "limit": 1}
    ev = wapi.get_json("/calendarEvents", win)["data"][0]
    pl = wapi.get_json("/placements", {"limit": 1})["data"][0]
    return {"event": ev["id"], "student": pl["child"]["id"], "group": pl["group"]["id"], "placement": pl["id"],
            "org": pl["placedAt"]["id"]}


def bodies(r):
    return {
        "attendances": {"calendarEvent": {"id": r["event"]}, "student": {"id": r["student"]}, "isReported": True,
                        "attendanceMinutes": 55, "invalidAbsenceMinutes": 5, "absenceReason": "Sen ankomst",
                        "reportedTimestamp": "2026-11-30T15:10:00+01:00"},
        "attendanceEvents": {"time": "2026-11-30T07:40:00+01:00", "eventType": "In", "person": {"id": r["student"]},
                             "group": {"id": r["group"]}},
        "attendanceSchedule": {"placement": {"id": r["placement"]}, "numberOfWeeks": 1, "startDate": "2026-12-07",
                               "endDate": "2026-12-11", "temporary": True,
                               "state": [{"state": "Begärt", "registeredAt": "2026-12-01T10:00:00+01:00"}],
                               "scheduleEntries": [{"weekOffset": 0, "dayOfWeek": "Måndag", "startTime": "08:00",
                                                    "endTime": "15:30"}]},
        "absences": {"startTime": "2026-12-03T08:00:00+01:00", "endTime": "2026-12-03T16:00:00+01:00",
                     "type": "Anmäld frånvaro", "student": {"id": r["student"]}, "organisation": {"id": r["org"]}},
    }


SCHEMA = {"attendances": "Attendance", "attendanceEvents": "AttendanceEvent",
          "attendanceSchedule": "AttendanceSchedule", "absences": "Absence"}
DELETABLE = ["attendances", "attendanceEvents", "attendanceSchedule"]


@pytest.mark.parametrize("ep", sorted(SCHEMA))
def test_create_returns_200_and_the_stored_entity(wapi, refs, validate, ep):
    before = utcnow()
    r = wapi.post("/" + ep, bodies(refs)[ep])
    assert r.status_code == 200, r.text[:400]
    ent = r.json()
    validate(ent, SCHEMA[ep])
    assert uuid.UUID(ent["id"])
    assert parse_dt(ent["meta"]["created"]) >= before.replace(microsecond=0)
    got = wapi.get_json("/%s/%s" % (ep, ent["id"]))
    assert got == ent
    assert ent["id"] in {x["id"] for x in wapi.lookup(ep, {"ids": [ent["id"]]})}
    just_before = fmt_dt(parse_dt(ent["meta"]["created"]) - datetime.timedelta(milliseconds=1))
    assert ent["id"] in wapi.ids("/" + ep, {"meta.created.after": just_before})


def test_created_attendance_is_found_by_its_filters(wapi, refs):
    ent = wapi.post("/attendances", bodies(refs)["attendances"]).json()
    assert ent["id"] in wapi.ids("/attendances", {"calendarEvent": refs["event"]})
    assert ent["id"] in wapi.ids("/attendances", {"student": refs["student"]})
    ev = wapi.get_json("/calendarEvents/" + refs["event"], {"expand": "attendance"})
    assert ent["id"] in {a["id"] for a in ev["_embedded"]["attendance"]}


def test_client_id_is_kept_and_a_second_create_conflicts(wapi, refs):
    body = dict(bodies(refs)["absences"], id=str(uuid.uuid4()).upper())
    r = wapi.post("/absences", body)
    assert r.status_code == 200 and r.json()["id"] == body["id"].lower()
    first = r.json()
    r = wapi.post("/absences", dict(body, type="Beviljad ledighet"))
    err = assert_error(r, 409, "id")
    assert err["code"] == "CONFLICT"
    assert wapi.get_json("/absences/" + first["id"]) == first, "a conflicting create must change nothing"


def test_meta_in_the_body_is_ignored(wapi, refs):
    body = dict(bodies(refs)["attendanceEvents"], meta={"created": "2001-01-01T00:00:00Z",
                                                      "modified": "2001-01-01T00:00:00Z"})
    ent = wapi.post("/attendanceEvents", body).json()
    assert not ent["meta"]["created"].startswith("2001")


def mutate(body, path, value):
    """A copy of body with the dotted path set to value (None: removed)."""
    import copy
    b = copy.deepcopy(body)
    cur = b
    parts = path.split(".")
    for p in parts[:-1]:
        cur = cur[int(p)] if isinstance(cur, list) else cur[p]
    last = parts[-1]
    if value is None:
        del cur[last]
    elif isinstance(cur, list):
        cur[int(last)] = value
    else:
        cur[last] = value
    return b


MISSING = str(uuid.uuid4())
INVALID = [
    ("attendances", "calendarEvent", None, "calendarEvent"),
    ("attendances", "student", None, "student"),
    ("attendances", "isReported", None, "isReported"),
    ("attendances", "isReported", "yes", "isReported"),
    ("attendances", "attendanceMinutes", "55", "attendanceMinutes"),
    ("attendances", "calendarEvent", {"id": MISSING}, "calendarEvent"),
    ("attendances", "student", {"id": MISSING}, "student"),
    ("attendances", "student", {"id": "not-a-uuid"}, "student"),
    ("attendances", "reportedTimestamp", "yesterday", "reportedTimestamp"),
    ("attendances", "bogus", 1, "bogus"),
    ("attendanceEvents", "eventType", "Inne", "eventType"),
    ("attendanceEvents", "time", None, "time"),
    ("attendanceEvents", "group", {"id": MISSING}, "group"),
    ("attendanceEvents", "person", "just-a-string", "person"),
    ("attendanceSchedule", "state.0.state", "OK", "state"),
    ("attendanceSchedule", "state", None, "state"),
    ("attendanceSchedule", "numberOfWeeks", 1.5, "numberOfWeeks"),
    ("attendanceSchedule", "scheduleEntries.0.dayOfWeek", "Monday", "dayOfWeek"),
    ("attendanceSchedule", "scheduleEntries.0.endTime", "25:00", "endTime"),
    ("attendanceSchedule", "startDate", "2026-02-30", "startDate"),
    ("attendanceSchedule", "placement", {"id": MISSING}, "placement"),
    ("absences", "type", "Sjuk", "type"),
    ("absences", "endTime", None, "endTime"),
    ("absences", "organisation", {"id": MISSING}, "organisation"),
    ("absences", "student", {"id": MISSING}, "student"),
    ("absences", "id", "42", "id"),
]


@pytest.mark.parametrize("ep,path,value,named", INVALID, ids=["%s-%s-%r" % c[:3] for c in INVALID])
def test_invalid_body_is_400_naming_the_field_and_writes_nothing(wapi, refs, ep, path, value, named):
    wanted = str(uuid.uuid4())
    body = mutate(dict(bodies(refs)[ep], id=wanted), path, value)
    assert_error(wapi.post("/" + ep, body), 400, named)
    if path != "id":
        assert_error(wapi.get("/%s/%s" % (ep, wanted)), 404)


@pytest.mark.parametrize("raw", ["", "{", "[]", "[{}]", "null", '{"a":1,"a":2}', "\"x\""])
def test_malformed_json_is_400(wapi, raw):
    r = wapi.request("POST", "/attendances", data=raw, headers={"Content-Type": "application/json"})
    assert_error(r, 400)


def test_query_parameters_on_a_write_are_400(wapi, refs):
    assert_error(wapi.post("/absences", bodies(refs)["absences"], params={"expand": "x"}), 400)


@pytest.mark.parametrize("ep", DELETABLE)
def test_delete_is_204_leaves_a_tombstone_and_is_gone(wapi, refs, ep):
    ent = wapi.post("/" + ep, bodies(refs)[ep]).json()
    r = wapi.request("DELETE", "/%s/%s" % (ep, ent["id"]))
    assert r.status_code == 204 and not r.content
    assert_error(wapi.get("/%s/%s" % (ep, ent["id"])), 404)
    key = {"attendanceSchedule": "attendanceSchedules"}.get(ep, ep)
    just_before = fmt_dt(parse_dt(ent["meta"]["created"]) - datetime.timedelta(milliseconds=1))
    deleted = wapi.get_json("/deletedEntities", {"after": just_before, "limit": 1000})["data"]
    assert ent["id"] in deleted.get(key, [])
    assert_error(wapi.request("DELETE", "/%s/%s" % (ep, ent["id"])), 404)
    assert_error(wapi.request("DELETE", "/%s/not-a-uuid" % ep), 400)


def test_deleting_demo_attendance(wapi, refs):
    one = wapi.get_json("/attendances", {"calendarEvent": refs["event"], "limit": 1})["data"]
    if not one:
        one = wapi.get_json("/attendances", {"limit": 1})["data"]
    assert wapi.request("DELETE", "/attendances/" + one[0]["id"]).status_code == 204


@pytest.mark.parametrize("method,path,allow", [
    ("DELETE", "/absences/%s" % MISSING, "GET"),
    ("POST", "/grades", "GET"),
    ("POST", "/calendarEvents", "GET"),
    ("DELETE", "/calendarEvents/%s" % MISSING, "GET"),
    ("PUT", "/attendances", "GET, POST"),
])
def test_writes_the_spec_lacks_are_405(wapi, method, path, allow):
    r = wapi.request(method, path, json_body={})
    assert_error(r, 405)
    assert r.headers.get("Allow") == allow


def test_only_full_access_clients_write(srv, refs):
    wapi = srv.api
    sql_exec(srv.db, "UPDATE client SET full_access=0 WHERE name='api-test-b'")
    try:
        wanted = str(uuid.uuid4())
        r = wapi.post("/absences", dict(bodies(refs)["absences"], id=wanted), key="other")
        assert_error(r, 403)
        assert_error(wapi.get("/absences/" + wanted), 404)
        ent = wapi.post("/attendanceEvents", bodies(refs)["attendanceEvents"]).json()
        assert_error(wapi.request("DELETE", "/attendanceEvents/" + ent["id"], key="other"), 403)
        assert wapi.get_json("/attendanceEvents/" + ent["id"])["id"] == ent["id"]
    finally:
        sql_exec(srv.db, "UPDATE client SET full_access=1 WHERE name='api-test-b'")
