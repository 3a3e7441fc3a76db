"""POST /{endpoint}/lookup: bare arrays, union of all body keys, unknown ids
left out, malformed bodies rejected."""

import json
import uuid

import pytest

from apihelp import assert_error, sample
from spec_facts import IN_SCOPE, LOOKUP_KEYS, WITH_LOOKUP


def rid(o):
    return o.get("id") if isinstance(o, dict) else None


@pytest.mark.parametrize("ep", WITH_LOOKUP)
def test_lookup_ids(api, dataset, validate, ep):
    chosen = sample(dataset.items(ep), 15)
    ids = [i["id"] for i in chosen]
    got = api.lookup(ep, {"ids": ids + [str(uuid.uuid4())]})
    validate(got, "POST /%s/lookup" % ep)
    assert sorted(o["id"] for o in got) == sorted(ids), "unknown ids must be left out, known ones returned once"
    canon = dataset.by_id(ep)
    for o in got:
        assert o == canon[o["id"]]


@pytest.mark.parametrize("ep", WITH_LOOKUP)
def test_lookup_duplicate_ids_returned_once(api, dataset, ep):
    i = dataset.items(ep)[0]["id"]
    got = api.lookup(ep, {"ids": [i, i, i]})
    assert [o["id"] for o in got] == [i]


@pytest.mark.parametrize("ep", WITH_LOOKUP)
def test_lookup_only_unknown_ids_is_empty(api, ep):
    assert api.lookup(ep, {"ids": [str(uuid.uuid4()), str(uuid.uuid4())]}) == []


def _pairs(ds):
    """key -> (value picker returning list of values, matcher(item, values))."""
    persons = ds.items("persons")
    groups = ds.by_id("groups")
    return {
        ("organisations", "schoolUnitCodes"): (
            sorted({o["schoolUnitCode"] for o in ds.items("organisations") if o.get("schoolUnitCode")}),
            lambda it, vs: it.get("schoolUnitCode") in vs, None),
        ("organisations", "organisationCodes"): (
            sorted({o["organisationCode"] for o in ds.items("organisations") if o.get("organisationCode")}),
            lambda it, vs: it.get("organisationCode") in vs, None),
        ("persons", "civicNos"): (
            sorted({p["civicNo"]["value"] for p in persons if p.get("civicNo")}),
            lambda it, vs: (it.get("civicNo") or {}).get("value") in vs, None),
        ("placements", "personIds"): (
            sorted({rid(p.get("child")) for p in ds.items("placements")}),
            lambda it, vs: rid(it.get("child")) in vs,
            lambda it, vs: rid(it.get("child")) in vs or bool({rid(o) for o in it.get("owners") or []} & set(vs))),
        ("activities", "teachers"): (
            sorted({rid(t.get("duty")) for a in ds.items("activities") for t in a.get("teachers") or []}),
            lambda it, vs: bool({rid(t.get("duty")) for t in it.get("teachers") or []} & set(vs)), None),
        ("activities", "members"): (
            sorted({rid(m.get("person")) for g in groups.values() for m in g.get("groupMemberships") or []}),
            lambda it, vs: any(set(vs) & {rid(m.get("person")) for m in (groups.get(rid(g)) or {}).get("groupMemberships") or []}
                               for g in it.get("groups") or []), None),
    }


KEY_CASES = [(ep, k) for ep in WITH_LOOKUP for k in LOOKUP_KEYS[ep] if k != "ids"]


@pytest.mark.parametrize("ep,key", KEY_CASES, ids=["%s-%s" % c for c in KEY_CASES])
def test_lookup_by_other_keys_and_union(api, dataset, ep, key):
    values, match, loose = _pairs(dataset)[(ep, key)]
    assert values, "demo data has no values for %s lookup %s" % (ep, key)
    vs = sample(values, 3)
    exp = {i["id"] for i in dataset.items(ep) if match(i, vs)}
    allowed = {i["id"] for i in dataset.items(ep) if (loose or match)(i, vs)}
    assert exp
    got = api.lookup(ep, {key: vs})
    got_ids = [o["id"] for o in got]
    assert len(got_ids) == len(set(got_ids)), "duplicates in lookup result"
    assert exp <= set(got_ids) <= allowed
    # union with ids: an item not matched by key is added, matched ones not duplicated
    extra = next(i["id"] for i in dataset.items(ep) if i["id"] not in allowed)
    both = api.lookup(ep, {key: vs, "ids": [extra] + sorted(exp)[:1]})
    both_ids = [o["id"] for o in both]
    assert len(both_ids) == len(set(both_ids))
    assert set(both_ids) == set(got_ids) | {extra}


@pytest.mark.parametrize("ep", WITH_LOOKUP)
def test_lookup_empty_body_object(api, ep):
    r = api.post("/%s/lookup" % ep, {})
    assert r.status_code in (200, 400), r.status_code
    if r.status_code == 200:
        assert r.json() == []
    else:
        assert_error(r, 400)


BAD_BODIES = {
    "not-json": b"{ids: [",
    "empty": b"",
    "array": json.dumps(["00000000-0000-4000-8000-000000000000"]).encode(),
    "ids-string": json.dumps({"ids": "00000000-0000-4000-8000-000000000000"}).encode(),
    "ids-numbers": json.dumps({"ids": [1, 2]}).encode(),
    "ids-bad-uuid": json.dumps({"ids": ["not-a-uuid"]}).encode(),
    "ids-null-item": json.dumps({"ids": [None]}).encode(),
    "number": b"42",
    "invalid-utf8": b'{"ids": ["\xff\xfe"]}',
}


@pytest.mark.parametrize("ep", WITH_LOOKUP)
@pytest.mark.parametrize("bad", sorted(BAD_BODIES))
def test_lookup_malformed_body_is_400(api, ep, bad):
    r = api.request("POST", "/%s/lookup" % ep, data=BAD_BODIES[bad],
                    headers={"Content-Type": "application/json"})
    assert_error(r, 400)


@pytest.mark.parametrize("ep", ["persons", "activities", "organisations"])
def test_lookup_other_key_with_bad_uuid_is_400(api, ep):
    key = {"persons": "ids", "activities": "members", "organisations": "ids"}[ep]
    assert_error(api.post("/%s/lookup" % ep, {key: ["xyz"]}), 400)


@pytest.mark.parametrize("ep", ["persons", "groups"])
def test_lookup_oversize_list(api, ep):
    ids = [str(uuid.UUID(int=i + 1, version=4)) for i in range(50000)]
    r = api.post("/%s/lookup" % ep, {"ids": ids})
    assert_error(r, (400, 413, 503))


@pytest.mark.parametrize("ep", WITH_LOOKUP)
def test_lookup_rejects_list_parameters(api, dataset, ep):
    i = dataset.items(ep)[0]["id"]
    assert_error(api.post("/%s/lookup" % ep, {"ids": [i]}, params={"limit": "1"}), 400, "limit")


def test_no_lookup_for_studyplans(api, dataset):
    r = api.post("/studyplans/lookup", {"ids": [dataset.items("studyplans")[0]["id"]]})
    assert r.status_code in (404, 405), r.status_code


@pytest.mark.parametrize("ep", [e for e in IN_SCOPE if e in WITH_LOOKUP])
def test_lookup_get_method_not_allowed(api, ep):
    assert api.get("/%s/lookup" % ep).status_code in (400, 404, 405)
