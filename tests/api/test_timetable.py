"""Reads of the timetable and attendance endpoints (calendarEvents,
attendances, attendanceEvents, attendanceSchedule, absences, grades,
aggregatedAttendance): every parameter filters as the specification says
(checked against the subset computed client-side from a full walk), the
sortkeys order, expand and expandReferenceNames, the required windows,
Error bodies for malformed values, and tombstones in deletedEntities."""

import datetime

import pytest

from apihelp import Dataset, assert_error, check_order, parse_dt, references, with_offset
from spec_facts import ITEM_SCHEMA, META_PARAMS, array_params, filter_params, sort_field, sortkeys
from test_filters import (c_meta, c_refs, choose, date_cmp, field_eq, meta_cmp, ref_eq, ref_in, rid)

WINDOW = {"startTime.onOrAfter": "2000-01-01T00:00:00Z", "startTime.onOrBefore": "2100-01-01T00:00:00Z"}
EPS = ["calendarEvents", "attendances", "attendanceEvents", "attendanceSchedule", "absences", "grades"]
BASE = {"calendarEvents": WINDOW}


class TimetableData(Dataset):
    """Full walks; calendarEvents with the required window."""

    def items(self, ep):
        if ep not in self._items:
            self._items[ep] = self.api.walk("/" + ep, BASE.get(ep), limit=1000)
        return self._items[ep]


@pytest.fixture(scope="module")
def tt(api):
    return TimetableData(api)


def with_base(ep, params):
    out = list(BASE.get(ep, {}).items())
    return out + (list(params.items()) if isinstance(params, dict) else list(params))


# --- predicates specific to these endpoints ------------------------------------

def t_cmp(field, op):
    """Date-time comparison of item[field] with the value: le, ge, gt."""
    def mk(ds, v):
        b = parse_dt(v)
        ops = {"le": lambda x: x <= b, "ge": lambda x: x >= b, "gt": lambda x: x > b}[op]
        return lambda it: ops(parse_dt(it[field]))
    return mk


def c_times(ep, field):
    return lambda ds: sorted({it[field] for it in ds.items(ep)}, key=parse_dt)


def activity_of_event(ds):
    acts = ds.by_id("activities")
    return lambda ev: acts.get(rid(ev.get("activity"))) or {}


def members_of_groups(ds, group_ids):
    groups = ds.by_id("groups")
    return {rid(m.get("person")) for g in group_ids for m in (groups.get(g) or {}).get("groupMemberships") or []}


def event_student(ds, v):
    act = activity_of_event(ds)
    return lambda ev: (v in members_of_groups(ds, [rid(g) for g in act(ev).get("groups") or []])
                       or v in {rid(x.get("student")) for x in ev.get("studentExceptions") or []})


def event_teacher(ds, v):
    act = activity_of_event(ds)
    return lambda ev: (v in {rid(t.get("duty")) for t in act(ev).get("teachers") or []}
                       or v in {rid(x.get("duty")) for x in ev.get("teacherExceptions") or []})


def event_org(ds, v):
    act, sub = activity_of_event(ds), ds.subtree(v)
    return lambda ev: rid(act(ev).get("organisation")) in sub


def event_group(ds, v):
    act = activity_of_event(ds)
    return lambda ev: v in {rid(g) for g in act(ev).get("groups") or []}


def attendance_org(ds, v):
    events = ds.by_id("calendarEvents")
    inner = event_org(ds, v)
    return lambda a: inner(events.get(rid(a.get("calendarEvent"))) or {})


def schedule_group(ds, v):
    placements = ds.by_id("placements")
    return lambda s: rid((placements.get(rid(s.get("placement"))) or {}).get("group")) == v


def c_of(ep_from, field):
    return c_refs(ep_from, field)


def c_persons_in_groups(ds):
    return sorted({rid(m.get("person")) for g in ds.items("groups") for m in g.get("groupMemberships") or []})[::7]


SPECS = {}


def spec(ep, param, pred, pick):
    SPECS[(ep, param)] = (pred, pick)


for _ep in EPS:
    for _f, _op in (("created", "le"), ("created", "gt"), ("modified", "le"), ("modified", "gt")):
        spec(_ep, "meta.%s.%s" % (_f, "before" if _op == "le" else "after"), meta_cmp(_f, _op), c_meta(_ep, _f))

spec("calendarEvents", "endTime.onOrBefore", t_cmp("endTime", "le"), c_times("calendarEvents", "endTime"))
spec("calendarEvents", "endTime.onOrAfter", t_cmp("endTime", "ge"), c_times("calendarEvents", "endTime"))
spec("calendarEvents", "activity", ref_eq("activity"), c_refs("calendarEvents", "activity"))
spec("calendarEvents", "student", event_student, c_persons_in_groups)
spec("calendarEvents", "teacher", event_teacher,
     lambda ds: sorted({rid(t.get("duty")) for a in ds.items("activities") for t in a.get("teachers") or []})[::5])
spec("calendarEvents", "organisation", event_org, lambda ds: sorted(ds.ids("organisations")))
spec("calendarEvents", "group", event_group, c_refs("activities", "groups"))

spec("attendances", "student", ref_eq("student"), c_refs("attendances", "student"))
spec("attendances", "calendarEvent", ref_eq("calendarEvent"), c_refs("attendances", "calendarEvent"))
spec("attendances", "organisation", attendance_org, lambda ds: sorted(ds.ids("organisations")))

spec("attendanceEvents", "group", ref_in("group"), c_refs("attendanceEvents", "group"))
spec("attendanceEvents", "person", ref_eq("person"), c_refs("attendanceEvents", "person"))

spec("attendanceSchedule", "placement", ref_eq("placement"), c_refs("attendanceSchedule", "placement"))
spec("attendanceSchedule", "group", schedule_group, c_refs("placements", "group"))
for _p in ("startDate.onOrBefore", "startDate.onOrAfter", "endDate.onOrBefore", "endDate.onOrAfter"):
    _fld = _p.split(".")[0]
    spec("attendanceSchedule", _p, date_cmp(_fld, "le" if _p.endswith("Before") else "ge"),
         (lambda f: lambda ds: sorted({it[f] for it in ds.items("attendanceSchedule") if it.get(f)}))(_fld))

spec("absences", "organisation", ref_eq("organisation"), c_refs("absences", "organisation"))
spec("absences", "student", ref_eq("student"), c_refs("absences", "student"))
spec("absences", "registeredBy", ref_eq("registeredBy"), c_refs("absences", "registeredBy"))
spec("absences", "type", field_eq("type"), lambda ds: ["Anmäld frånvaro", "Beviljad ledighet"])
# The specification makes the two onOrAfter parameters of /absences exclusive.
spec("absences", "startTime.onOrBefore", t_cmp("startTime", "le"), c_times("absences", "startTime"))
spec("absences", "startTime.onOrAfter", t_cmp("startTime", "gt"), c_times("absences", "startTime"))
spec("absences", "endTime.onOrBefore", t_cmp("endTime", "le"), c_times("absences", "endTime"))
spec("absences", "endTime.onOrAfter", t_cmp("endTime", "gt"), c_times("absences", "endTime"))

spec("grades", "organisation", ref_eq("organisation"), c_refs("grades", "organisation"))
spec("grades", "student", ref_eq("student"), c_refs("grades", "student"))
spec("grades", "registeredBy", ref_eq("registeredBy"), c_refs("grades", "registeredBy"))
spec("grades", "gradingTeacher", ref_eq("gradingTeacher"), c_refs("grades", "gradingTeacher"))
spec("grades", "registeredDate.onOrAfter", lambda ds, v: lambda g: g["registeredDate"] >= v,
     lambda ds: sorted({g["registeredDate"] for g in ds.items("grades")}))
spec("grades", "registeredDate.onOrBefore", lambda ds, v: lambda g: g["registeredDate"] <= v,
     lambda ds: sorted({g["registeredDate"] for g in ds.items("grades")}))

REQUIRED_WINDOW = {"startTime.onOrAfter", "startTime.onOrBefore"}
FILTER_CASES = [(ep, p[0]) for ep in EPS for p in filter_params(ep) if p[0] not in REQUIRED_WINDOW]


def test_every_filter_parameter_has_a_spec():
    missing = [c for c in FILTER_CASES if c not in SPECS]
    assert not missing, missing


@pytest.mark.parametrize("ep", EPS)
def test_demo_has_data_and_pages_match_schema(api, tt, validate, ep):
    assert len(tt.items(ep)) >= 50, "the demo should have %s" % ep
    env = api.get_json("/" + ep, with_base(ep, {"limit": 7}))
    assert len(env["data"]) == 7 and env["pageToken"]
    validate(env, "GET /" + ep)
    one = env["data"][0]
    validate(api.get_json("/%s/%s" % (ep, one["id"])), ITEM_SCHEMA[ep])


@pytest.mark.parametrize("ep,param", FILTER_CASES, ids=["%s-%s" % c for c in FILTER_CASES])
def test_filter_matches_client_side_subset(api, tt, ep, param):
    import test_filters
    saved = test_filters.SPECS
    test_filters.SPECS = SPECS
    try:
        value, expected = choose(tt, ep, param)
    finally:
        test_filters.SPECS = saved
    got = api.ids("/" + ep, with_base(ep, [(param, value)]), limit=max(1, len(expected) // 3))
    assert got == expected, "%s?%s=%r: %d unexpected, %d missing" % (
        ep, param, value, len(got - expected), len(expected - got))
    assert len(expected) < len(tt.items(ep)), "%s does not filter anything" % param


def test_calendar_event_window(api, tt):
    events = tt.items("calendarEvents")
    starts = sorted({e["startTime"] for e in events}, key=parse_dt)
    lo, hi = starts[len(starts) // 3], starts[len(starts) // 2]
    expected = {e["id"] for e in events if parse_dt(lo) <= parse_dt(e["startTime"]) <= parse_dt(hi)}
    got = api.ids("/calendarEvents", {"startTime.onOrAfter": lo, "startTime.onOrBefore": hi}, limit=100)
    assert got == expected and 0 < len(got) < len(events)
    # The same instants written with another offset give the same answer.
    assert api.ids("/calendarEvents", {"startTime.onOrAfter": with_offset(lo, 5),
                                       "startTime.onOrBefore": with_offset(hi, -3)}, limit=1000) == expected


@pytest.mark.parametrize("missing", sorted(REQUIRED_WINDOW))
def test_calendar_events_window_required_on_first_page(api, missing):
    params = {k: v for k, v in WINDOW.items() if k != missing}
    assert_error(api.get("/calendarEvents", params), 400, missing)


def test_window_carried_by_page_token(api, tt):
    """The token carries the window: later pages need (and take) no window."""
    lo, hi = "2000-01-01T00:00:00Z", sorted((e["startTime"] for e in tt.items("calendarEvents")), key=parse_dt)[50]
    expected = {e["id"] for e in tt.items("calendarEvents") if parse_dt(e["startTime"]) <= parse_dt(hi)}
    got = api.ids("/calendarEvents", {"startTime.onOrAfter": lo, "startTime.onOrBefore": hi}, limit=10)
    assert got == expected
    env = api.get_json("/calendarEvents", {"startTime.onOrAfter": lo, "startTime.onOrBefore": hi, "limit": 10})
    r = api.get("/calendarEvents", {"pageToken": env["pageToken"], "startTime.onOrAfter": lo})
    assert_error(r, 400, "startTime.onOrAfter")


BAD = {"uuid": "not-a-uuid", "date": "2024-13-01", "date-time": "yesterday", "enum": "Bogus"}


def bad_cases():
    out = []
    for ep in EPS + ["aggregatedAttendance"]:
        for p in filter_params(ep):
            kind = "enum" if p[4] else p[5]
            if kind in BAD:
                out.append((ep, p[0], BAD[kind]))
    return out


@pytest.mark.parametrize("ep,param,bad", bad_cases(), ids=["%s-%s" % c[:2] for c in bad_cases()])
def test_malformed_value_is_400_naming_it(api, ep, param, bad):
    base = dict(BASE.get(ep, {}))
    if ep == "aggregatedAttendance":
        base = {"startDate": "2026-01-01", "endDate": "2026-01-31"}
    base[param] = bad
    assert_error(api.get("/" + ep, base), 400, param)


@pytest.mark.parametrize("ep", EPS)
def test_unknown_parameter_is_400(api, ep):
    assert_error(api.get("/" + ep, with_base(ep, {"bogus": "1"})), 400, "bogus")


SORT_CASES = [(ep, k) for ep in EPS for k in sortkeys(ep)]


@pytest.mark.parametrize("ep,key", SORT_CASES, ids=["%s-%s" % c for c in SORT_CASES])
def test_sortkey_orders(api, tt, ep, key):
    field, direction, kind = sort_field(ep, key)
    items = api.walk("/" + ep, with_base(ep, {"sortkey": key}), limit=1000)
    assert len(items) == len(tt.items(ep))
    assert check_order(items, field, direction, kind) > 1


@pytest.mark.parametrize("ep", [e for e in EPS if not sortkeys(e)])
def test_no_sortkey_where_the_spec_has_none(api, ep):
    assert_error(api.get("/" + ep, with_base(ep, {"sortkey": "ModifiedDesc"})), 400, "sortkey")


def test_bad_sortkey(api):
    assert_error(api.get("/calendarEvents", dict(WINDOW, sortkey="StartTimeAscending")), 400, "sortkey")


EXPANDS = {
    "calendarEvents": {"activity": ("one", "activities"), "attendance": ("many", "attendances")},
    "attendanceEvents": {"person": ("one", "persons"), "group": ("one", "groups"),
                         "registeredBy": ("one", "persons")},
}


@pytest.mark.parametrize("ep,value", [(ep, v) for ep in EXPANDS for v in EXPANDS[ep]])
def test_expand(api, tt, validate, ep, value):
    env = api.get_json("/" + ep, with_base(ep, {"expand": value, "limit": 200}))
    validate(env, "GET /" + ep)
    shape, target = EXPANDS[ep][value]
    seen = 0
    for it in env["data"]:
        emb = it.get("_embedded", {}).get(value)
        if shape == "one":
            ref = it.get(value)
            if ref:
                assert emb and emb["id"] == ref["id"], it
                seen += 1
                if value == "group":
                    assert "groupMemberships" not in emb, "a GroupFragment has no groupMemberships"
        else:
            want = {a["id"] for a in tt.items("attendances") if rid(a.get("calendarEvent")) == it["id"]}
            assert {a["id"] for a in emb or []} == want
            seen += len(want)
    if ep == "attendanceEvents" and value == "registeredBy":
        return  # the demo's check-ins carry no registeredBy
    assert seen, "nothing was expanded"


def test_calendar_event_expand_attendance_on_past_lessons(api, tt):
    att = tt.items("attendances")
    eid = rid(att[0]["calendarEvent"])
    ev = api.get_json("/calendarEvents/" + eid, {"expand": "attendance"})
    assert {a["id"] for a in ev["_embedded"]["attendance"]} == {
        a["id"] for a in att if rid(a["calendarEvent"]) == eid}


def test_expand_not_offered_where_the_spec_has_none(api):
    for ep in ("attendances", "absences", "grades", "attendanceSchedule"):
        assert_error(api.get("/" + ep, {"expand": "student"}), 400, "expand")
    assert_error(api.post("/calendarEvents/lookup", {"ids": []}, params={"expand": "activity"}), 400, "expand")


@pytest.mark.parametrize("ep", EPS)
def test_expand_reference_names(api, ep):
    with_names = api.get_json("/" + ep, with_base(ep, {"expandReferenceNames": "true", "limit": 30}))["data"]
    without = api.get_json("/" + ep, with_base(ep, {"limit": 30}))["data"]
    refs = [r for it in with_names for _p, r in references(it) if _p[-1] != "_embedded"]
    assert refs and all(isinstance(r.get("displayName"), str) and r["displayName"] for _p, r in
                        [(p, r) for it in with_names for p, r in references(it)])
    assert not any("displayName" in r for it in without for _p, r in references(it))


@pytest.mark.parametrize("ep", ["attendances", "absences"])
def test_no_reference_names_on_get_by_id(api, tt, ep):
    """The specification offers expandReferenceNames on neither GET /attendances/{id} nor /absences/{id}."""
    one = tt.items(ep)[0]
    assert_error(api.get("/%s/%s" % (ep, one["id"]), {"expandReferenceNames": "true"}), 400, "expandReferenceNames")


@pytest.mark.parametrize("ep", EPS)
def test_lookup(api, tt, validate, ep):
    items = tt.items(ep)[:4]
    got = api.lookup(ep, {"ids": [i["id"] for i in items]})
    assert {g["id"] for g in got} == {i["id"] for i in items}
    for g in got:
        validate(g, ITEM_SCHEMA[ep])


def test_lookup_by_relations(api, tt):
    ev = tt.items("calendarEvents")[0]
    aid = rid(ev["activity"])
    got = {e["id"] for e in api.lookup("calendarEvents", {"activities": [aid]})}
    assert got == {e["id"] for e in tt.items("calendarEvents") if rid(e["activity"]) == aid}
    a = tt.items("attendances")[0]
    got = {x["id"] for x in api.lookup("attendances", {"calendareEvents": [rid(a["calendarEvent"])]})}
    assert got == {x["id"] for x in tt.items("attendances") if rid(x["calendarEvent"]) == rid(a["calendarEvent"])}
    s = tt.items("attendanceSchedule")[0]
    got = {x["id"] for x in api.lookup("attendanceSchedule", {"placement": [rid(s["placement"])]})}
    assert s["id"] in got
    ae = tt.items("attendanceEvents")[0]
    got = {x["id"] for x in api.lookup("attendanceEvents", {"person": [rid(ae["person"])]})}
    assert got == {x["id"] for x in tt.items("attendanceEvents") if rid(x["person"]) == rid(ae["person"])}


@pytest.mark.parametrize("ep,enum", [("calendarEvents", "CalendarEvent"), ("attendances", "Attendance")])
def test_tombstones(api, tt, ep, enum):
    env = api.get_json("/deletedEntities", {"entities": enum, "limit": 1000})
    ids = env["data"].get(ep, [])
    assert ids, "the demo deletes some %s" % ep
    assert not set(ids) & tt.ids(ep)
    assert_error(api.get("/%s/%s" % (ep, ids[0])), 404)


def test_absences_include_reported_in_advance(tt):
    now = datetime.datetime.now(datetime.timezone.utc)
    future = [a for a in tt.items("absences") if parse_dt(a["startTime"]) > now]
    assert any(a["type"] == "Anmäld frånvaro" for a in future)
    assert any(a["type"] == "Beviljad ledighet" for a in tt.items("absences"))


def test_grades_of_year_6_9_and_gymnasieskola(tt):
    groups = tt.by_id("groups")
    names = {(groups[rid(g["group"])]["schoolType"], groups[rid(g["group"])]["displayName"][0])
             for g in tt.items("grades") if rid(g.get("group")) in groups}
    assert ("GR", "6") in names and ("GR", "9") in names and any(st == "GY" for st, _ in names)


# --- aggregatedAttendance ------------------------------------------------------------

def expected_aggregate(tt, start, end, org=None, students=None, school_types=None):
    """The figures docs/api.md defines, computed from the walked data."""
    acts, groups = tt.by_id("activities"), tt.by_id("groups")

    def in_scope(a):
        if org and rid(a.get("organisation")) != org:
            return False
        if school_types:
            return any((groups.get(rid(g)) or {}).get("schoolType") in school_types for g in a.get("groups") or [])
        return True

    def minutes(ev, exc):
        if exc and exc.get("teachingLength") is not None:
            return exc["teachingLength"]
        if ev.get("teachingLengthStudent") is not None:
            return ev["teachingLengthStudent"]
        return int((parse_dt(ev["endTime"]) - parse_dt(ev["startTime"])).total_seconds() // 60)

    rows = {}

    def row(a, s):
        return rows.setdefault((a, s), dict(attendanceSum=0, validAbsenceSum=0, invalidAbsenceSum=0,
                                            otherAttendanceSum=0, reportedSum=0, offeredSum=0))
    lo = parse_dt(start + "T00:00:00Z")
    hi = parse_dt(end + "T00:00:00Z") + datetime.timedelta(days=1)
    events = {}
    for ev in tt.items("calendarEvents"):
        a = acts.get(rid(ev["activity"]))
        if not a or not in_scope(a) or not (lo <= parse_dt(ev["startTime"]) < hi):
            continue
        events[ev["id"]] = ev
        if ev.get("cancelled"):
            continue
        day = parse_dt(ev["startTime"]).astimezone(datetime.timezone.utc).date().isoformat()
        exc = {rid(x["student"]): x for x in ev.get("studentExceptions") or []}
        offered = set()
        for g in a.get("groups") or []:
            for m in (groups.get(rid(g)) or {}).get("groupMemberships") or []:
                s = rid(m["person"])
                if (m.get("startDate") or "") <= day and (not m.get("endDate") or m["endDate"] >= day):
                    if not (s in exc and not exc[s]["participates"]):
                        offered.add(s)
        offered |= {s for s, x in exc.items() if x["participates"]}
        for s in offered:
            if students is None or s in students:
                row(a["id"], s)["offeredSum"] += minutes(ev, exc.get(s))
    for at in tt.items("attendances"):
        ev = events.get(rid(at["calendarEvent"]))
        s = rid(at["student"])
        if not ev or (students is not None and s not in students):
            continue
        r = row(rid(ev["activity"]), s)
        for f, k in (("attendanceMinutes", "attendanceSum"), ("validAbsenceMinutes", "validAbsenceSum"),
                     ("invalidAbsenceMinutes", "invalidAbsenceSum"), ("otherAttendanceMinutes", "otherAttendanceSum")):
            r[k] += at.get(f) or 0
        if at["isReported"] and not ev.get("cancelled"):
            exc = {rid(x["student"]): x for x in ev.get("studentExceptions") or []}
            r["reportedSum"] += minutes(ev, exc.get(s))
    return rows


def agg_walk(api, params, limit=500):
    rows = {}
    for env in api.pages("/aggregatedAttendance", params, limit=limit):
        for it in env["data"]:
            key = (it["activity"]["id"], it["student"]["id"])
            assert key not in rows, "row %s twice" % (key,)
            rows[key] = {k: it.get(k) for k in ("attendanceSum", "validAbsenceSum", "invalidAbsenceSum",
                                                "otherAttendanceSum", "reportedSum", "offeredSum")}
            assert it["startDate"] == params["startDate"] and it["endDate"] == params["endDate"]
    return rows


def recent_window(tt):
    last = max(parse_dt(a["reportedTimestamp"]) for a in tt.items("attendances") if a.get("reportedTimestamp"))
    end = last.date()
    return (end - datetime.timedelta(days=13)).isoformat(), end.isoformat()


def busiest_school(tt):
    counts = {}
    for a in tt.items("activities"):
        counts[rid(a["organisation"])] = counts.get(rid(a["organisation"]), 0) + 1
    return max(counts, key=counts.get)


def test_aggregated_matches_definition_for_a_school(api, tt, validate):
    start, end = recent_window(tt)
    org = busiest_school(tt)
    params = {"startDate": start, "endDate": end, "organisation": org}
    exp = expected_aggregate(tt, start, end, org=org)
    got = agg_walk(api, params, limit=97)
    assert got == exp
    assert any(r["attendanceSum"] for r in got.values()) and any(r["invalidAbsenceSum"] for r in got.values())
    assert any(r["offeredSum"] > r["reportedSum"] for r in got.values())
    validate(api.get_json("/aggregatedAttendance", dict(params, limit=5)), "GET /aggregatedAttendance")


def test_aggregated_student_and_school_type_filters(api, tt):
    start, end = recent_window(tt)
    whole = agg_walk(api, {"startDate": start, "endDate": end}, limit=1000)
    students = sorted({s for _a, s in whole})[:3]
    got = agg_walk(api, {"startDate": start, "endDate": end, "student": students})
    assert got == {k: v for k, v in whole.items() if k[1] in students} and got
    comma = agg_walk(api, {"startDate": start, "endDate": end, "student": ",".join(students)})
    assert comma == got
    gy = agg_walk(api, {"startDate": start, "endDate": end, "schoolType": "GY"}, limit=1000)
    assert gy == expected_aggregate(tt, start, end, school_types={"GY"}) and 0 < len(gy) < len(whole)


def test_aggregated_window_required_and_checked(api):
    assert_error(api.get("/aggregatedAttendance", {"startDate": "2026-01-01"}), 400, "endDate")
    assert_error(api.get("/aggregatedAttendance", {"endDate": "2026-01-01"}), 400, "startDate")
    assert_error(api.get("/aggregatedAttendance", {"startDate": "2026-02-01", "endDate": "2026-01-01"}), 400,
                 "startDate")
    assert_error(api.get("/aggregatedAttendance", {"startDate": "2026-01-01", "endDate": "2026-02-01",
                                                  "sortkey": "ModifiedDesc"}), 400, "sortkey")


def test_aggregated_token_carries_window(api, tt):
    start, end = recent_window(tt)
    env = api.get_json("/aggregatedAttendance", {"startDate": start, "endDate": end, "limit": 3})
    assert env["pageToken"]
    r = api.get("/aggregatedAttendance", {"pageToken": env["pageToken"]})
    assert r.status_code == 200 and r.json()["data"][0]["startDate"] == start
    assert_error(api.get("/aggregatedAttendance", {"pageToken": env["pageToken"], "startDate": start}), 400,
                 "startDate")


@pytest.mark.parametrize("value", ["activity", "student"])
def test_aggregated_expand(api, tt, validate, value):
    start, end = recent_window(tt)
    env = api.get_json("/aggregatedAttendance", {"startDate": start, "endDate": end, "expand": value,
                                                 "expandReferenceNames": "true", "limit": 20})
    validate(env, "GET /aggregatedAttendance")
    for it in env["data"]:
        assert it["_embedded"][value]["id"] == it[value]["id"]
        assert it[value]["displayName"]
