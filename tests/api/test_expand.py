"""expand -> _embedded with full objects; expandReferenceNames -> displayName
on every reference (and never without it)."""

import datetime as dt

import pytest

from apihelp import is_reference, person_name, ref_property, references, sample
from spec_facts import (EXPAND, IN_SCOPE, REFERENCE_TARGET, REFERENCE_TARGET_BY_ENTITY, WITH_LOOKUP,
                        WITH_REFERENCES)


def rid(o):
    return o.get("id") if isinstance(o, dict) else None


def today():
    return dt.date.today().isoformat()


def active(o, day):
    return (not o.get("startDate") or o["startDate"] <= day) and (not o.get("endDate") or o["endDate"] >= day)


_REVERSE = {}


def person_links(ds):
    """Per person id, what refers to it, built once per dataset: the checks
    below ask for every person, and a scan per person is quadratic."""
    links = _REVERSE.get(id(ds))
    if links is not None and links[0] is ds:
        return links[1]
    by = {v: {} for v in ("duties", "responsibleFor", "placements", "ownedPlacements", "groupMemberships")}

    def add(value, person, obj):
        if person is not None:
            by[value].setdefault(person, []).append(obj)
    for d in ds.items("duties"):
        add("duties", rid(d.get("person")), d)
    for p in ds.items("persons"):
        for r in {rid(r.get("person")) for r in p.get("responsibles") or []}:
            add("responsibleFor", r, p)
    for p in ds.items("placements"):
        add("placements", rid(p.get("child")), p)
        for o in {rid(o) for o in p.get("owners") or []}:
            add("ownedPlacements", o, p)
    for g in ds.items("groups"):
        for m in {rid(m.get("person")) for m in g.get("groupMemberships") or []}:
            add("groupMemberships", m, g)
    _REVERSE[id(ds)] = (ds, by)
    return by


def expected_embedded(ds, ep, value, item):
    """(kind, required ids, allowed ids) for _embedded[value] of item."""
    x = item["id"]
    if ep == "persons":
        mine = person_links(ds)[value].get(x, [])
        if value == "duties":
            return {d["id"] for d in mine if active(d, today())}, {d["id"] for d in mine}
        ids = {o["id"] for o in mine}
        return ids, ids
    if ep == "placements":
        ids = {rid(item.get("child"))} if value == "child" else {rid(o) for o in item.get("owners") or []}
        return ids, ids
    if ep == "duties":
        return {rid(item.get("person"))} - {None}, {rid(item.get("person"))} - {None}
    if ep == "groups":
        ids = {(d["id"], ar["assignmentRoleType"]) for d in ds.items("duties")
               for ar in d.get("assignmentRole") or [] if rid(ar.get("group")) == x}
        return ids, ids
    if ep == "activities":
        if value == "groups":
            ids = {rid(g) for g in item.get("groups") or []}
        elif value == "teachers":
            ids = {rid(t.get("duty")) for t in item.get("teachers") or []}
        else:
            ids = {rid(item.get("syllabus"))} - {None}
        return ids, ids
    raise AssertionError((ep, value))


def embedded_ids(ep, value, emb):
    if ep == "persons" and value == "responsibleFor":
        return {rid(e.get("person")) for e in emb}
    if ep == "persons" and value == "groupMemberships":
        return {rid(e.get("group")) for e in emb}
    if ep == "groups":
        return {(rid(e.get("duty")), e.get("assignmentRoleType")) for e in emb}
    return {rid(e) for e in emb}


def check_embedded(ds, ep, value, obj):
    key, card, kind = EXPAND[ep][value]
    assert "_embedded" in obj, "%s %s: no _embedded with expand=%s" % (ep, obj["id"], value)
    emb = obj["_embedded"].get(key)
    req, allowed = expected_embedded(ds, ep, value, obj)
    if card == "one":
        if not req:
            assert emb is None
            return 0
        assert isinstance(emb, dict), "_embedded.%s must be an object" % key
        got = {rid(emb)}
        objs = [emb]
    else:
        emb = emb if emb is not None else []
        assert isinstance(emb, list), "_embedded.%s must be an array" % key
        got = embedded_ids(ep, value, emb)
        objs = emb
        assert len(got) == len(emb), "duplicates in _embedded.%s" % key
    assert req <= got <= allowed, "%s %s _embedded.%s: got %s, expected %s" % (ep, obj["id"], key, got, req)
    if kind:  # full objects equal to what their own endpoint serves
        canon = ds.by_id(kind)
        for o in objs:
            assert o == canon[o["id"]], "_embedded.%s %s is not the full object" % (key, o["id"])
    if ep == "persons" and value == "groupMemberships":
        canon = ds.by_id("groups")
        for e in emb:
            g = dict(canon[rid(e["group"])])
            g.pop("groupMemberships", None)
            assert e["group"] == g, "groupMemberships[].group must be the GroupFragment"
    return len(got)


def pick_items(ds, ep, value, n=8):
    """Items whose expected embedded set is non-empty first, then some empty."""
    items = ds.items(ep)
    full = [i for i in items if expected_embedded(ds, ep, value, i)[0]]
    empty = [i for i in items if not expected_embedded(ds, ep, value, i)[0]]
    assert full, "demo data has no %s with anything to expand as %s" % (ep, value)
    return sample(full, n) + sample(empty, 2)


CASES = [(ep, v) for ep in EXPAND for v in EXPAND[ep]]
IDS = ["%s-%s" % c for c in CASES]


@pytest.mark.parametrize("ep,value", CASES, ids=IDS)
def test_expand_on_list(api, dataset, validate, ep, value):
    items = api.walk("/" + ep, {"expand": value}, limit=max(1, len(dataset.items(ep)) // 3))
    assert {i["id"] for i in items} == dataset.ids(ep)
    n = 0
    for it in items:
        n += check_embedded(dataset, ep, value, it)
        plain = dict(it)
        plain.pop("_embedded")
        assert plain == dataset.by_id(ep)[it["id"]], "expand changed the object itself"
    assert n > 0
    validate({"data": items[:50], "pageToken": None}, "GET /" + ep)


@pytest.mark.parametrize("ep,value", CASES, ids=IDS)
def test_expand_on_lookup(api, dataset, validate, ep, value):
    chosen = pick_items(dataset, ep, value)
    got = api.lookup(ep, {"ids": [i["id"] for i in chosen]}, params={"expand": value})
    validate(got, "POST /%s/lookup" % ep)
    assert {o["id"] for o in got} == {i["id"] for i in chosen}
    assert sum(check_embedded(dataset, ep, value, o) for o in got) > 0


@pytest.mark.parametrize("ep,value", CASES, ids=IDS)
def test_expand_on_get_by_id(api, dataset, validate, ep, value):
    for it in pick_items(dataset, ep, value, n=4):
        obj = api.get_json("/%s/%s" % (ep, it["id"]), {"expand": value})
        validate(obj, "GET /%s/{id}" % ep)
        check_embedded(dataset, ep, value, obj)


@pytest.mark.parametrize("ep", list(EXPAND))
def test_expand_all_values_together(api, dataset, ep):
    values = list(EXPAND[ep])
    it = pick_items(dataset, ep, values[0], n=1)[0]
    rep = api.get_json("/%s/%s" % (ep, it["id"]), [("expand", v) for v in values])
    com = api.get_json("/%s/%s" % (ep, it["id"]), {"expand": ",".join(values)})
    assert rep == com
    for v in values:
        check_embedded(dataset, ep, v, rep)


@pytest.mark.parametrize("ep", [e for e in IN_SCOPE if e not in EXPAND])
def test_expand_not_offered_is_400(api, ep):
    r = api.get("/" + ep, {"expand": "anything"})
    assert r.status_code == 400


# --- expandReferenceNames -----------------------------------------------------------

def expected_name(ds, ep, prop, ref_id):
    kind = REFERENCE_TARGET_BY_ENTITY.get((ep, prop)) or REFERENCE_TARGET.get(prop)
    if kind in ("organisations", "groups", "activities", "rooms", "resources"):
        obj = ds.by_id(kind).get(ref_id)
        return obj and obj["displayName"]
    if kind == "persons":
        obj = ds.by_id("persons").get(ref_id)
        return obj and person_name(obj)
    if kind == "programmes":
        obj = ds.by_id("programmes").get(ref_id)
        return obj and obj["name"]
    return None  # syllabus, duty: any non-empty name


def check_names(ds, ep, obj, with_names):
    refs = references(obj)
    for path, ref in refs:
        if with_names:
            assert isinstance(ref.get("displayName"), str) and ref["displayName"], (
                "reference at %s lacks displayName" % "/".join(map(str, path)))
            want = expected_name(ds, ep, ref_property(path), ref["id"])
            if want is not None:
                assert ref["displayName"] == want, "displayName at %s: %r != %r" % (
                    "/".join(map(str, path)), ref["displayName"], want)
        else:
            assert "displayName" not in ref, "displayName without expandReferenceNames at %s" % (
                "/".join(map(str, path)))
    return len(refs)


@pytest.mark.parametrize("ep", IN_SCOPE)
def test_expand_reference_names_on_list(api, dataset, ep):
    items = api.walk("/" + ep, {"expandReferenceNames": "true"})
    n = sum(check_names(dataset, ep, it, True) for it in items)
    assert (n > 0) == (ep in WITH_REFERENCES), "%s: %d references named" % (ep, n)
    for it in items:
        stripped = strip_names(it)
        assert stripped == dataset.by_id(ep)[it["id"]], "only displayName may be added"


def strip_names(obj):
    if isinstance(obj, list):
        return [strip_names(x) for x in obj]
    if isinstance(obj, dict):
        if is_reference(obj):
            return {k: v for k, v in obj.items() if k != "displayName"}
        return {k: strip_names(v) for k, v in obj.items()}
    return obj


@pytest.mark.parametrize("ep", WITH_REFERENCES)
def test_no_reference_names_without_flag(dataset, api, ep):
    assert sum(check_names(dataset, ep, it, False) for it in dataset.items(ep)) > 0
    items = api.walk("/" + ep, {"expandReferenceNames": "false"})
    for it in items:
        check_names(dataset, ep, it, False)


@pytest.mark.parametrize("ep", IN_SCOPE)
def test_expand_reference_names_on_get_by_id(api, dataset, ep):
    for it in sample(dataset.items(ep), 5):
        obj = api.get_json("/%s/%s" % (ep, it["id"]), {"expandReferenceNames": "true"})
        check_names(dataset, ep, obj, True)


@pytest.mark.parametrize("ep", [e for e in WITH_LOOKUP if e in WITH_REFERENCES])
def test_expand_reference_names_on_lookup(api, dataset, ep):
    ids = [i["id"] for i in sample(dataset.items(ep), 10)]
    got = api.lookup(ep, {"ids": ids}, params={"expandReferenceNames": "true"})
    assert sum(check_names(dataset, ep, o, True) for o in got) > 0
    plain = api.lookup(ep, {"ids": ids})
    for o in plain:
        check_names(dataset, ep, o, False)


@pytest.mark.parametrize("ep,value", CASES, ids=IDS)
def test_reference_names_inside_embedded(api, dataset, ep, value):
    it = pick_items(dataset, ep, value, n=1)[0]
    obj = api.get_json("/%s/%s" % (ep, it["id"]), {"expand": value, "expandReferenceNames": "true"})
    emb = obj["_embedded"][EXPAND[ep][value][0]]
    for path, ref in references(emb):
        assert ref.get("displayName"), "embedded reference at %s lacks displayName" % (path,)
