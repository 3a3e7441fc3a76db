"""Every filter parameter of every in-scope list endpoint: the server's result
equals the subset computed client-side from a full walk; malformed values
are rejected with 400 naming the parameter."""

import datetime

import pytest

from apihelp import Dataset, Server, assert_error, backend, parse_dt, sample, with_offset
from spec_facts import IN_SCOPE, META_PARAMS, OPERATIONS, RELATIONSHIP_TYPES, array_params, filter_params


# --- the plans ---------------------------------------------------------------------

# SQLite reads a filtered page either through the set of ids a filter admits
# or by scanning the kind in key order and checking each row; it chooses by
# the set's size (store_sqlite.c, choose_drive), so one store would exercise
# one plan per query. Every test here runs against each plan forced, and
# both must give what the client-side subset gives. PostgreSQL plans itself.
PLANS = ["set", "scan"] if backend() == "sqlite" else ["auto"]


@pytest.fixture(scope="module", params=PLANS)
def api(request, tmp_path_factory):
    from conftest import SEED, _stop
    env = {"SKOLNAV_LIST_PLAN": request.param} if request.param != "auto" else None
    srv = Server(str(tmp_path_factory.mktemp("filters-" + request.param)), SEED, env=env)
    srv.start()
    yield srv.api
    _stop(srv)


@pytest.fixture(scope="module")
def dataset(server):
    """The client-side truth, walked unfiltered from the shared server."""
    return Dataset(server.api)


# --- predicates -------------------------------------------------------------------

def rid(obj):
    return (obj or {}).get("id") if isinstance(obj, dict) else None


def ref_eq(field):
    return lambda ds, v: lambda it: rid(it.get(field)) == v


def ref_in(field):
    return lambda ds, vs: lambda it: rid(it.get(field)) in set(vs)


def refs_contain(field):
    return lambda ds, v: lambda it: v in {rid(r) for r in it.get(field) or []}


def field_eq(field):
    return lambda ds, v: lambda it: it.get(field) == v


def field_in(field):
    return lambda ds, vs: lambda it: it.get(field) in set(vs)


def date_cmp(field, op):
    def mk(ds, v):
        def pred(it):
            x = it.get(field)
            if x is None:
                return True  # open-ended records are always included
            return x <= v if op == "le" else x >= v
        return pred
    return mk


def meta_cmp(field, op):
    def mk(ds, v):
        bound = parse_dt(v)

        def pred(it):
            x = parse_dt(it["meta"][field])
            return x <= bound if op == "le" else x > bound
        return pred
    return mk


def subtree_of(field):
    return lambda ds, v: (lambda sub: lambda it: rid(it.get(field)) in sub)(ds.subtree(v))


# --- candidate values ------------------------------------------------------------

def c_refs(ep, field):
    def pick(ds):
        vals = set()
        for it in ds.items(ep):
            x = it.get(field)
            for r in (x if isinstance(x, list) else [x]):
                if rid(r):
                    vals.add(rid(r))
        return sorted(vals)
    return pick


def c_field(ep, field):
    return lambda ds: sorted({it[field] for it in ds.items(ep) if it.get(field) is not None})


def c_dates(ep, field):
    return lambda ds: sorted({it[field] for it in ds.items(ep) if it.get(field)})


def c_meta(ep, field):
    """Every stamp in the data, plus one a millisecond before the earliest
    (the only `after` value that selects a kind stamped all at once)."""
    def pick(ds):
        vals = sorted({it["meta"][field] for it in ds.items(ep)}, key=parse_dt)
        if vals:
            first = parse_dt(vals[0]) - datetime.timedelta(milliseconds=1)
            vals.insert(0, first.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (first.microsecond // 1000))
        return vals
    return pick


def c_org_ids(ds):
    return sorted(ds.ids("organisations"))


def _person_names(ds):
    names = set()
    for p in ds.items("persons"):
        for f in ("givenName", "familyName"):
            n = p.get(f) or ""
            if len(n) >= 3:
                names.add(n[1:4].lower())
    return sorted(names)


def _member_ids(ds):
    return sorted({rid(m.get("person")) for g in ds.items("groups") for m in g.get("groupMemberships") or []})


def name_matches(p, needle):
    n = needle.casefold()
    return any(n in (p.get(f) or "").casefold() for f in ("givenName", "middleName", "familyName"))


def activity_member(ds, v):
    groups = ds.by_id("groups")
    hits = {g["id"] for g in groups.values()
            if v in {rid(m.get("person")) for m in g.get("groupMemberships") or []}}
    return lambda it: bool(hits & {rid(r) for r in it.get("groups") or []})


def any_ext(key):
    return lambda ds, v: lambda it: any(e.get(key) == v for e in it.get("externalIdentifiers") or [])


def c_ext(key):
    return lambda ds: sorted({e[key] for p in ds.items("persons") for e in p.get("externalIdentifiers") or []})


# (endpoint, parameter) -> (predicate factory, candidate picker).  Array
# parameters take a list of values (OR), except nameContains (AND).
SPECS = {}


def spec(ep, param, pred, pick):
    SPECS[(ep, param)] = (pred, pick)


for _ep in IN_SCOPE:
    for _f, _op in (("created", "le"), ("created", "gt"), ("modified", "le"), ("modified", "gt")):
        _name = "meta.%s.%s" % (_f, "before" if _op == "le" else "after")
        spec(_ep, _name, meta_cmp(_f, _op), c_meta(_ep, _f))
    for _p in filter_params(_ep):
        if _p[0] in ("startDate.onOrBefore", "startDate.onOrAfter", "endDate.onOrBefore", "endDate.onOrAfter"):
            _fld = _p[0].split(".")[0]
            spec(_ep, _p[0], date_cmp(_fld, "le" if _p[0].endswith("Before") else "ge"), c_dates(_ep, _fld))

spec("organisations", "parent", ref_in("parentOrganisation"), c_refs("organisations", "parentOrganisation"))
spec("organisations", "schoolUnitCode", field_in("schoolUnitCode"), c_field("organisations", "schoolUnitCode"))
spec("organisations", "organisationCode", field_in("organisationCode"), c_field("organisations", "organisationCode"))
spec("organisations", "municipalityCode", field_eq("municipalityCode"), c_field("organisations", "municipalityCode"))
spec("organisations", "type", field_in("organisationType"), c_field("organisations", "organisationType"))
spec("organisations", "schoolTypes",
     lambda ds, vs: lambda it: bool(set(vs) & set(it.get("schoolTypes") or [])),
     lambda ds: sorted({t for o in ds.items("organisations") for t in o.get("schoolTypes") or []}))

spec("persons", "nameContains", lambda ds, vs: lambda it: all(name_matches(it, v) for v in vs), _person_names)
spec("persons", "civicNo", lambda ds, v: lambda it: (it.get("civicNo") or {}).get("value") == v,
     lambda ds: sorted({p["civicNo"]["value"] for p in ds.items("persons") if p.get("civicNo")}))
spec("persons", "eduPersonPrincipalName", lambda ds, v: lambda it: v in (it.get("eduPersonPrincipalNames") or []),
     lambda ds: sorted({e for p in ds.items("persons") for e in p.get("eduPersonPrincipalNames") or []}))
spec("persons", "identifier.value", any_ext("value"), c_ext("value"))
spec("persons", "identifier.context", any_ext("context"), c_ext("context"))

spec("placements", "organisation", ref_eq("placedAt"), c_refs("placements", "placedAt"))
spec("placements", "group", ref_eq("group"), c_refs("placements", "group"))
spec("placements", "child", ref_eq("child"), c_refs("placements", "child"))
spec("placements", "owner", refs_contain("owners"), c_refs("placements", "owners"))

spec("duties", "organisation", subtree_of("dutyAt"), c_org_ids)
spec("duties", "dutyRole", field_eq("dutyRole"), c_field("duties", "dutyRole"))
spec("duties", "person", ref_eq("person"), c_refs("duties", "person"))

spec("groups", "groupType", field_in("groupType"), c_field("groups", "groupType"))
spec("groups", "schoolTypes", field_in("schoolType"), c_field("groups", "schoolType"))
spec("groups", "organisation", ref_in("organisation"), c_refs("groups", "organisation"))

spec("programmes", "schoolType", field_in("schoolType"), c_field("programmes", "schoolType"))
spec("programmes", "code", field_eq("code"), c_field("programmes", "code"))
spec("programmes", "parentProgramme", ref_eq("parentProgramme"), c_refs("programmes", "parentProgramme"))

spec("studyplans", "student", ref_in("student"), c_refs("studyplans", "student"))

spec("schoolUnitOfferings", "organisation", ref_eq("offeredAt"), c_refs("schoolUnitOfferings", "offeredAt"))

spec("activities", "member", activity_member, _member_ids)
spec("activities", "teacher", lambda ds, v: lambda it: v in {rid(t.get("duty")) for t in it.get("teachers") or []},
     lambda ds: sorted({rid(t.get("duty")) for a in ds.items("activities") for t in a.get("teachers") or []}))
spec("activities", "organisation", subtree_of("organisation"), c_org_ids)
spec("activities", "group", refs_contain("groups"), c_refs("activities", "groups"))

spec("resources", "organisation", ref_eq("owner"), c_refs("resources", "owner"))
spec("rooms", "organisation", ref_eq("owner"), c_refs("rooms", "owner"))

RELATIONSHIP_PARAMS = {"relationship.entity.type", "relationship.organisation",
                       "relationship.startDate.onOrBefore", "relationship.startDate.onOrAfter",
                       "relationship.endDate.onOrBefore", "relationship.endDate.onOrAfter"}

FILTER_CASES = [(ep, p[0]) for ep in IN_SCOPE for p in filter_params(ep) if p[0] not in RELATIONSHIP_PARAMS]
ARRAY_CASES = [(ep, name) for ep in IN_SCOPE for name in array_params(ep) if name != "expand"]


def test_every_filter_parameter_has_a_spec():
    missing = [c for c in FILTER_CASES if c not in SPECS]
    assert not missing, missing


def is_array(ep, param):
    return param in array_params(ep)


def choose(ds, ep, param, n_values=1):
    """Picks candidate value(s) whose expected subset is non-empty and, if
    possible, a proper subset. Returns (value, expected_ids)."""
    pred_f, pick = SPECS[(ep, param)]
    items = ds.items(ep)
    total = len(items)
    cands = sample(pick(ds), 40)
    assert cands, "demo data gives no value for %s %s" % (ep, param)
    scored = []
    for c in cands:
        v = [c] if is_array(ep, param) else c
        pred = pred_f(ds, v)
        exp = {it["id"] for it in items if pred(it)}
        if exp:
            scored.append((0 if len(exp) < total else 1, abs(len(exp) - total / 3.0), c, exp))
    assert scored, "no value of %s %s selects anything" % (ep, param)
    scored.sort(key=lambda s: (s[0], s[1]))
    if n_values == 1:
        c, exp = scored[0][2], scored[0][3]
        return ([c] if is_array(ep, param) else c), exp
    chosen = [s[2] for s in scored[:n_values]]
    pred = pred_f(ds, chosen)
    exp = {it["id"] for it in items if pred(it)}
    return chosen, exp


def fetch_ids(api, ep, params, expected_n):
    lim = max(1, expected_n // 3)
    return api.ids("/" + ep, params, limit=lim)


@pytest.mark.parametrize("ep,param", FILTER_CASES, ids=["%s-%s" % c for c in FILTER_CASES])
def test_filter_matches_client_side_subset(api, dataset, ep, param):
    value, expected = choose(dataset, ep, param)
    got = fetch_ids(api, ep, [(param, value)], len(expected))
    assert got == expected, "%s?%s=%r: %d unexpected, %d missing" % (
        ep, param, value, len(got - expected), len(expected - got))


@pytest.mark.parametrize("ep,param", ARRAY_CASES, ids=["%s-%s" % c for c in ARRAY_CASES])
def test_array_parameter_repeated_equals_comma_separated(api, dataset, ep, param):
    if param == "nameContains":
        p = next(p for p in dataset.items("persons") if len(p["givenName"]) >= 3 and len(p["familyName"]) >= 3)
        values = [p["givenName"][:3], p["familyName"][-3:]]
        expected = {q["id"] for q in dataset.items("persons") if all(name_matches(q, v) for v in values)}
        assert p["id"] in expected
    else:
        values, expected = choose(dataset, ep, param, n_values=2)
        assert len(values) == 2, "demo data needs two values for %s %s" % (ep, param)
    repeated = api.ids("/" + ep, [(param, v) for v in values])
    comma = api.ids("/" + ep, [(param, ",".join(values))])
    assert repeated == comma
    assert repeated == expected


@pytest.mark.parametrize("ep", IN_SCOPE)
@pytest.mark.parametrize("param", META_PARAMS)
def test_meta_boundaries(api, dataset, ep, param):
    """before is inclusive, after exclusive, using an item's exact value;
    the same instant written with an offset gives the same result."""
    field = param.split(".")[1]
    items = sorted(dataset.items(ep), key=lambda i: parse_dt(i["meta"][field]))
    pivot = items[len(items) // 2]
    bound = pivot["meta"][field]
    got = api.ids("/" + ep, {param: bound})
    if param.endswith(".before"):
        assert pivot["id"] in got, "%s=%s must include the item itself" % (param, bound)
        expected = {i["id"] for i in items if parse_dt(i["meta"][field]) <= parse_dt(bound)}
    else:
        assert pivot["id"] not in got, "%s=%s must exclude the item itself" % (param, bound)
        expected = {i["id"] for i in items if parse_dt(i["meta"][field]) > parse_dt(bound)}
    assert got == expected
    assert api.ids("/" + ep, {param: with_offset(bound, 2)}) == expected


def test_meta_modified_after_created_differs(api, dataset):
    """Entities modified after creation are found by meta.modified.after
    their creation instant."""
    for ep in IN_SCOPE:
        for it in dataset.items(ep):
            if it["meta"]["modified"] != it["meta"]["created"]:
                got = api.ids("/" + ep, {"meta.modified.after": it["meta"]["created"]})
                assert it["id"] in got
                return
    pytest.fail("no modified entity in demo data")


ENDDATE_EPS = [ep for ep in IN_SCOPE if any(p[0] == "endDate.onOrBefore" for p in filter_params(ep))]


@pytest.mark.parametrize("ep", ENDDATE_EPS)
def test_open_ended_records_always_included(api, dataset, ep):
    open_ended = {i["id"] for i in dataset.items(ep) if not i.get("endDate")}
    if not open_ended:
        pytest.skip("no %s without endDate in demo data" % ep)
    assert api.ids("/" + ep, {"endDate.onOrBefore": "1900-01-01"}) == open_ended
    ended_late = {i["id"] for i in dataset.items(ep) if i.get("endDate") and i["endDate"] >= "9000-01-01"}
    assert api.ids("/" + ep, {"endDate.onOrAfter": "9000-01-01"}) == open_ended | ended_late


@pytest.mark.parametrize("ep", [e for e in ENDDATE_EPS])
def test_active_on_day(api, dataset, ep):
    """startDate.onOrBefore=D & endDate.onOrAfter=D selects records active on D."""
    starts = sorted({i["startDate"] for i in dataset.items(ep) if i.get("startDate")})
    day = starts[len(starts) // 2]
    expected = {i["id"] for i in dataset.items(ep)
                if (not i.get("startDate") or i["startDate"] <= day) and (not i.get("endDate") or i["endDate"] >= day)}
    assert api.ids("/" + ep, {"startDate.onOrBefore": day, "endDate.onOrAfter": day}) == expected


# --- persons: nameContains ---------------------------------------------------------

def test_name_contains_swedish_letters_and_case(api, dataset):
    persons = dataset.items("persons")
    checked = 0
    for letter in ("å", "ä", "ö"):
        holders = [p for p in persons if any(letter in (p.get(f) or "").lower()
                                             for f in ("givenName", "middleName", "familyName"))]
        if not holders:
            continue
        p = holders[0]
        name = next(p[f] for f in ("givenName", "middleName", "familyName") if letter in (p.get(f) or "").lower())
        i = name.lower().index(letter)
        needle = name[max(0, i - 1):i + 2]
        expected = {q["id"] for q in persons if name_matches(q, needle)}
        for variant in {needle, needle.upper(), needle.lower(), needle.swapcase()}:
            got = api.ids("/persons", {"nameContains": variant})
            assert got == expected, "nameContains=%r" % variant
        checked += 1
    assert checked, "demo data has no names with å, ä or ö"


def test_name_contains_multiple_values_must_all_match(api, dataset):
    p = next(p for p in dataset.items("persons") if len(p["givenName"]) >= 3 and len(p["familyName"]) >= 3)
    a, b = p["givenName"][:3], p["familyName"][-3:].upper()
    expected = {q["id"] for q in dataset.items("persons") if name_matches(q, a) and name_matches(q, b)}
    assert p["id"] in expected
    assert api.ids("/persons", [("nameContains", a), ("nameContains", b)]) == expected
    only_a = {q["id"] for q in dataset.items("persons") if name_matches(q, a)}
    assert api.ids("/persons", {"nameContains": a}) == only_a
    assert not api.ids("/persons", [("nameContains", a), ("nameContains", "qqxqqzz")])


def test_identifier_value_and_context_match_same_entry(api, dataset):
    p = next((p for p in dataset.items("persons") if p.get("externalIdentifiers")), None)
    if p is None:
        pytest.skip("no externalIdentifiers in demo data")
    e = p["externalIdentifiers"][0]
    expected = {q["id"] for q in dataset.items("persons")
                if any(x.get("value") == e["value"] and x.get("context") == e["context"]
                       for x in q.get("externalIdentifiers") or [])}
    got = api.ids("/persons", {"identifier.value": e["value"], "identifier.context": e["context"]})
    assert got == expected and p["id"] in got
    assert not api.ids("/persons", {"identifier.value": e["value"], "identifier.context": "urn:no-such-context"})


# --- persons: relationship.* ------------------------------------------------------

def relations(ds):
    """relation type -> list of (person id, organisation id, start, end, optional)."""
    persons = ds.by_id("persons")
    groups = ds.by_id("groups")
    rel = {t: [] for t in RELATIONSHIP_TYPES}
    for p in persons.values():
        for e in p.get("enrolments") or []:
            rel["enrolment"].append((p["id"], rid(e.get("enroledAt")), e.get("startDate"), e.get("endDate"), False))
            for r in p.get("responsibles") or []:
                rel["responsibleFor.enrolment"].append(
                    (rid(r.get("person")), rid(e.get("enroledAt")), e.get("startDate"), e.get("endDate"), False))
    for d in ds.items("duties"):
        rel["duty"].append((rid(d.get("person")), rid(d.get("dutyAt")), d.get("startDate"), d.get("endDate"), False))
        for ar in d.get("assignmentRole") or []:
            g = groups.get(rid(ar.get("group"))) or {}
            rel["groupMembership"].append((rid(d.get("person")), rid(g.get("organisation")),
                                           ar.get("startDate"), ar.get("endDate"), True))
    for pl in ds.items("placements"):
        args = (rid(pl.get("placedAt")), pl.get("startDate"), pl.get("endDate"), False)
        rel["placement.child"].append((rid(pl.get("child")),) + args)
        for o in pl.get("owners") or []:
            rel["placement.owner"].append((rid(o),) + args)
        child = persons.get(rid(pl.get("child"))) or {}
        for r in child.get("responsibles") or []:
            rel["responsibleFor.placement"].append((rid(r.get("person")),) + args)
    for g in groups.values():
        for m in g.get("groupMemberships") or []:
            rel["groupMembership"].append((rid(m.get("person")), rid(g.get("organisation")),
                                           m.get("startDate"), m.get("endDate"), False))
    return rel


def rel_expected(ds, types, org=None, sb=None, sa=None, eb=None, ea=None):
    """(required ids, allowed ids) of persons with a relation matching all
    conditions in one relation record."""
    rel = relations(ds)
    live = ds.ids("persons")
    req, allowed = set(), set()
    for t in types:
        for pid, o, s, e, optional in rel[t]:
            if pid not in live:
                continue
            if org is not None and o != org:
                continue
            if sb and s and not s <= sb:
                continue
            if sa and s and not s >= sa:
                continue
            if eb and e and not e <= eb:
                continue
            if ea and e and not e >= ea:
                continue
            allowed.add(pid)
            if not optional:
                req.add(pid)
    return req, allowed


def assert_between(got, req, allowed, what):
    assert req <= got, "%s: %d expected persons missing" % (what, len(req - got))
    assert got <= allowed, "%s: %d unexpected persons" % (what, len(got - allowed))


@pytest.mark.parametrize("rtype", RELATIONSHIP_TYPES)
def test_relationship_entity_type(api, dataset, rtype):
    req, allowed = rel_expected(dataset, [rtype])
    assert req, "demo data has no %s relation" % rtype
    got = api.ids("/persons", {"relationship.entity.type": rtype})
    assert_between(got, req, allowed, rtype)
    assert got != dataset.ids("persons"), "%s did not filter anything" % rtype


def _busiest_org(dataset, rtype):
    rel = relations(dataset)
    counts = {}
    for pid, o, _s, _e, opt in rel[rtype]:
        if o and not opt:
            counts.setdefault(o, set()).add(pid)
    if not counts:
        return None
    return sorted(counts, key=lambda o: (-len(counts[o]), o))[len(counts) // 2]


@pytest.mark.parametrize("rtype", RELATIONSHIP_TYPES)
def test_relationship_organisation(api, dataset, rtype):
    org = _busiest_org(dataset, rtype)
    if org is None:
        pytest.skip("no %s relation with an organisation" % rtype)
    req, allowed = rel_expected(dataset, [rtype], org=org)
    got = api.ids("/persons", {"relationship.entity.type": rtype, "relationship.organisation": org})
    assert_between(got, req, allowed, "%s at %s" % (rtype, org))


def test_relationship_organisation_without_type_means_any(api, dataset):
    org = _busiest_org(dataset, "enrolment")
    req, allowed = rel_expected(dataset, RELATIONSHIP_TYPES, org=org)
    got = api.ids("/persons", {"relationship.organisation": org})
    assert_between(got, req, allowed, "any relation at %s" % org)


@pytest.mark.parametrize("types", [["enrolment"], None], ids=["enrolment", "any"])
def test_relationship_organisation_paged(api, dataset, types):
    """Small pages through a school's relation set (read in person-eid
    order from prel, bounded by the cursor): exactly the set, in the
    unfiltered list's (arrival) order, no person twice, none skipped."""
    org = _busiest_org(dataset, "enrolment")
    req, allowed = rel_expected(dataset, types or RELATIONSHIP_TYPES, org=org)
    params = {"relationship.organisation": org}
    if types:
        params["relationship.entity.type"] = types[0]
    got = [it["id"] for it in api.walk("/persons", params, limit=7)]
    assert len(got) == len(set(got)), "a person twice while paging"
    assert_between(set(got), req, allowed, "pages of 7 at %s" % org)
    order = {it["id"]: n for n, it in enumerate(dataset.items("persons"))}
    assert [order[i] for i in got] == sorted(order[i] for i in got), "pages not in arrival order"


REL_DATE_PARAMS = [("relationship.startDate.onOrBefore", "sb", 2), ("relationship.startDate.onOrAfter", "sa", 2),
                   ("relationship.endDate.onOrBefore", "eb", 3), ("relationship.endDate.onOrAfter", "ea", 3)]


@pytest.mark.parametrize("rtype", ["enrolment", "duty", "placement.child"])
@pytest.mark.parametrize("param,kw,idx", REL_DATE_PARAMS, ids=[p[0] for p in REL_DATE_PARAMS])
def test_relationship_dates(api, dataset, rtype, param, kw, idx):
    recs = [r for r in relations(dataset)[rtype] if r[idx]]
    if not recs:
        pytest.skip("no %s relation with that date" % rtype)
    dates = sorted({r[idx] for r in recs})
    day = dates[len(dates) // 2]
    req, allowed = rel_expected(dataset, [rtype], **{kw: day})
    got = api.ids("/persons", {"relationship.entity.type": rtype, param: day})
    assert_between(got, req, allowed, "%s %s=%s" % (rtype, param, day))


def test_relationship_active_at_school_unit(api, dataset):
    org = _busiest_org(dataset, "enrolment")
    rel = relations(dataset)["enrolment"]
    day = sorted({r[2] for r in rel if r[1] == org and r[2]})[-1]
    req, allowed = rel_expected(dataset, ["enrolment"], org=org, sb=day, ea=day)
    got = api.ids("/persons", {"relationship.entity.type": "enrolment", "relationship.organisation": org,
                               "relationship.startDate.onOrBefore": day, "relationship.endDate.onOrAfter": day})
    assert_between(got, req, allowed, "active enrolments")
    assert req


# --- organisation trees -------------------------------------------------------------

@pytest.mark.parametrize("ep,field", [("duties", "dutyAt"), ("activities", "organisation")])
def test_organisation_filter_descends_the_tree(api, dataset, ep, field):
    best = None
    for org in dataset.ids("organisations"):
        sub = dataset.subtree(org)
        direct = {i["id"] for i in dataset.items(ep) if rid(i.get(field)) == org}
        deep = {i["id"] for i in dataset.items(ep) if rid(i.get(field)) in sub}
        if deep - direct and (best is None or len(deep - direct) > len(best[2] - best[1])):
            best = (org, direct, deep)
    assert best, "demo data has no organisation whose subtree holds %s below it" % ep
    org, direct, deep = best
    assert api.ids("/" + ep, {"organisation": org}) == deep


def test_group_organisation_filter_is_direct_only(api, dataset):
    for org in sorted(dataset.ids("organisations")):
        sub = dataset.subtree(org) - {org}
        below = {g["id"] for g in dataset.items("groups") if rid(g.get("organisation")) in sub}
        if below:
            direct = {g["id"] for g in dataset.items("groups") if rid(g.get("organisation")) == org}
            assert api.ids("/groups", {"organisation": org}) == direct
            return
    pytest.fail("demo data has no groups below a parent organisation")


# --- malformed values ---------------------------------------------------------------

BAD_VALUES = {
    "uuid": ["not-a-uuid", "1234", "00000000-0000-0000-0000-00000000000g"],
    "date": ["2024-13-01", "2023-02-30", "20240101", "tomorrow"],
    "date-time": ["yesterday", "2024-01-01T25:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T10:00:00"],
    "enum": ["NoSuchValue"],
    "boolean": ["maybe"],
}


def malformed_cases():
    out = []
    for ep in IN_SCOPE:
        for name, _in, _req, _arr, enum, kind in OPERATIONS[("GET", "/" + ep)]["params"]:
            if name in ("limit", "pageToken"):
                continue
            for bad in BAD_VALUES.get(kind, []):
                out.append((ep, name, bad))
    return out


MALFORMED = malformed_cases()


@pytest.mark.parametrize("ep,param,bad", MALFORMED, ids=["%s-%s-%s" % c for c in MALFORMED])
def test_malformed_value_is_400(api, ep, param, bad):
    assert_error(api.get("/" + ep, {param: bad}), 400, param)


ENUM_ARRAY_CASES = [(ep, p[0], p[4][0]) for ep in IN_SCOPE for p in OPERATIONS[("GET", "/" + ep)]["params"]
                    if p[3] and p[4]]


@pytest.mark.parametrize("ep,param,good", ENUM_ARRAY_CASES, ids=["%s-%s" % c[:2] for c in ENUM_ARRAY_CASES])
def test_one_bad_value_in_array_is_400(api, ep, param, good):
    assert api.get("/" + ep, {param: good, "limit": 1}).status_code == 200
    assert_error(api.get("/" + ep, [(param, good), (param, "Bogus")]), 400, param)
    assert_error(api.get("/" + ep, [(param, good + ",Bogus")]), 400, param)


def test_enum_values_are_case_sensitive(api):
    assert_error(api.get("/duties", {"dutyRole": "lärare"}), 400, "dutyRole")
    assert_error(api.get("/groups", {"groupType": "klass"}), 400, "groupType")
    assert_error(api.get("/persons", {"sortkey": "displaynameasc"}), 400, "sortkey")


def test_percent_encoded_swedish_enum(api, dataset):
    expected = {d["id"] for d in dataset.items("duties") if d["dutyRole"] == "Lärare"}
    assert expected, "demo data has no Lärare duties"
    r = api.session(api.key).get(api.url("/duties") + "?dutyRole=L%C3%A4rare&limit=1000",
                                 headers={"Authorization": "Bearer " + api.key}, timeout=60)
    assert r.status_code == 200
    got = {d["id"] for d in r.json()["data"]}
    assert got <= expected and len(got) == min(len(expected), 1000)
