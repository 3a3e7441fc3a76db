"""List endpoints: envelopes, paging, limit and pageToken rules."""

import base64
import math
import random
import uuid

import pytest

from apihelp import MAX_PAGE, UTC_DATETIME_RE, assert_error, parse_dt, references, sample
from spec_facts import IN_SCOPE, filter_params, sortkeys


def small_limit(n):
    return max(1, math.ceil(n / 40.0))


@pytest.mark.parametrize("ep", IN_SCOPE)
def test_walk_small_pages_equals_large_pages(api, dataset, validate, ep):
    big = dataset.items(ep)
    assert big, "demo data has no %s" % ep
    lim = small_limit(len(big))
    pages = list(api.pages("/" + ep, limit=lim))
    assert len(pages) >= min(2, len(big)), "expected several pages"
    small, seen = [], set()
    for env in pages:
        validate(env, "GET /%s" % ep)
        for it in env["data"]:
            assert it["id"] not in seen, "duplicate %s" % it["id"]
            seen.add(it["id"])
            small.append(it)
    assert pages[-1].get("pageToken") is None
    assert {i["id"] for i in small} == {i["id"] for i in big}, "paging lost or invented items"
    # same objects either way
    by_id = dataset.by_id(ep)
    for it in sample(small, 25):
        assert it == by_id[it["id"]]


@pytest.mark.parametrize("ep", IN_SCOPE)
def test_items_plain_without_expand(dataset, ep):
    for it in dataset.items(ep):
        assert "_embedded" not in it, "_embedded without expand on %s %s" % (ep, it["id"])


@pytest.mark.parametrize("ep", IN_SCOPE)
def test_meta_is_utc_rfc3339(dataset, ep):
    for it in dataset.items(ep):
        meta = it.get("meta")
        assert isinstance(meta, dict), "%s %s lacks meta" % (ep, it["id"])
        for f in ("created", "modified"):
            assert UTC_DATETIME_RE.match(meta[f]), "%s.meta.%s %r not UTC Z" % (ep, f, meta[f])
        assert parse_dt(meta["modified"]) >= parse_dt(meta["created"])


def test_some_entities_were_modified_after_creation(dataset):
    n = sum(1 for ep in IN_SCOPE for it in dataset.items(ep)
            if it["meta"]["modified"] != it["meta"]["created"])
    assert n > 0, "demo history should modify some entities"


@pytest.mark.parametrize("ep", IN_SCOPE)
def test_last_page_token_null_and_single_page(api, dataset, ep):
    total = len(dataset.items(ep))
    if total >= MAX_PAGE:
        # one page cannot hold them: the walk must end on a non-empty page
        # with a null token, having seen everything
        env = api.get_json("/" + ep, {"limit": MAX_PAGE})
        seen = [it["id"] for it in env["data"]]
        while env.get("pageToken"):
            env = api.get_json("/" + ep, {"pageToken": env["pageToken"], "limit": MAX_PAGE})
            assert env["data"], "a non-null pageToken led to an empty page"
            seen += [it["id"] for it in env["data"]]
        assert len(seen) == total and set(seen) == dataset.ids(ep)
        return
    env = api.get_json("/" + ep, {"limit": total + 1})
    assert len(env["data"]) == total
    assert env.get("pageToken") is None


@pytest.mark.parametrize("ep", IN_SCOPE)
def test_limit_one(api, dataset, ep):
    env = api.get_json("/" + ep, {"limit": 1})
    assert len(env["data"]) == 1
    if len(dataset.items(ep)) > 1:
        assert isinstance(env.get("pageToken"), str) and env["pageToken"]


@pytest.mark.parametrize("ep", IN_SCOPE)
def test_default_limit_pages_reach_everything(api, dataset, ep):
    ids = api.ids("/" + ep, limit=None)
    assert ids == dataset.ids(ep)


@pytest.mark.parametrize("ep", ["persons", "organisations", "groups"])
def test_limit_above_max_is_capped(api, dataset, ep):
    r = api.get("/" + ep, {"limit": 100000})
    assert r.status_code == 200, r.text[:300]
    env = r.json()
    assert len(env["data"]) <= MAX_PAGE
    assert len(env["data"]) == min(MAX_PAGE, len(dataset.items(ep)))
    if len(dataset.items(ep)) > MAX_PAGE:
        assert env.get("pageToken")


@pytest.mark.parametrize("ep", IN_SCOPE)
@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.5", "", "1e3", " 5"])
def test_bad_limit(api, ep, bad):
    assert_error(api.get("/" + ep, [("limit", bad)]), 400, "limit")


def _token(api, ep, params=None, key="default"):
    p = [("limit", "1")] + list(params or [])
    env = api.get_json("/" + ep, p, key=key)
    tok = env.get("pageToken")
    assert tok, "need at least two %s for a token" % ep
    return tok


def _a_filter(ep):
    """One valid (name, value) filter of the endpoint besides meta.*."""
    for name, _in, _req, _arr, enum, kind in filter_params(ep):
        if name.startswith("meta."):
            continue
        if enum:
            return name, enum[0]
        if kind == "uuid":
            return name, str(uuid.UUID(int=7))
        if kind == "date":
            return name, "2020-01-01"
        return name, "x"
    return None


@pytest.mark.parametrize("ep", IN_SCOPE)
def test_page_token_with_filters_is_400(api, ep):
    tok = _token(api, ep)
    combos = [("meta.modified.after", "2000-01-01T00:00:00Z"),
              ("meta.created.before", "2100-01-01T00:00:00Z")]
    if sortkeys(ep):
        combos.append(("sortkey", sortkeys(ep)[0]))
    f = _a_filter(ep)
    if f:
        combos.append(f)
    for name, value in combos:
        r = api.get("/" + ep, [("pageToken", tok), (name, value)])
        assert_error(r, 400)
    # limit is allowed, and may differ from the first request's
    r = api.get("/" + ep, [("pageToken", tok), ("limit", "3")])
    assert r.status_code == 200, r.text[:300]
    assert len(r.json()["data"]) <= 3


@pytest.mark.parametrize("ep", IN_SCOPE)
def test_page_token_continues_with_filters_and_sort(api, ep):
    """The token carries the original query: a sorted walk over pages of 1
    returns the same sequence as one big sorted page."""
    keys = sortkeys(ep)
    params = [("sortkey", keys[-1])] if keys else []
    one = api.get_json("/" + ep, params + [("limit", str(MAX_PAGE))])["data"][:6]
    walked = []
    for env in api.pages("/" + ep, params, limit=1):
        walked.extend(env["data"])
        if len(walked) >= len(one):
            break
    assert [i["id"] for i in walked[:len(one)]] == [i["id"] for i in one]


def _mangle(tok):
    mid = len(tok) // 2
    c = tok[mid]
    repl = "A" if c != "A" else "B"
    return tok[:mid] + repl + tok[mid + 1:]


@pytest.mark.parametrize("ep", ["persons", "groups", "organisations", "activities"])
def test_tampered_tokens_are_400(api, ep):
    tok = _token(api, ep)
    bad = [
        _mangle(tok),
        tok[:-2],
        tok + "A",
        tok[::-1],
        "garbage",
        "!!!***",
        base64.urlsafe_b64encode(b'{"after":"00000000-0000-0000-0000-000000000000"}').decode().rstrip("="),
        "%00",
    ]
    for t in bad:
        if t == tok:
            continue
        assert_error(api.get("/" + ep, [("pageToken", t)]), 400, None)


def test_token_of_other_endpoint_is_400(api):
    tok = _token(api, "persons")
    assert_error(api.get("/groups", [("pageToken", tok)]), 400)
    assert_error(api.get("/deletedEntities", [("pageToken", tok)]), 400)


@pytest.mark.parametrize("ep", ["persons", "duties", "rooms"])
def test_token_of_other_client_is_400(api, ep):
    tok = _token(api, ep)
    assert_error(api.get("/" + ep, [("pageToken", tok)], key="other"), 400)
    # and the owner can still use it
    assert api.get("/" + ep, [("pageToken", tok)]).status_code == 200
    tok_b = _token(api, ep, key="other")
    assert_error(api.get("/" + ep, [("pageToken", tok_b)]), 400)


@pytest.mark.parametrize("ep", ["persons", "groups", "activities"])
def test_token_keeps_expand_reference_names(api, ep):
    env = api.get_json("/" + ep, [("limit", "2"), ("expandReferenceNames", "true")])
    tok = env["pageToken"]
    assert tok
    for extra in ([], [("expandReferenceNames", "true")]):
        r = api.get("/" + ep, [("pageToken", tok)] + extra)
        assert r.status_code == 200, r.text[:300]
        refs = [d for it in r.json()["data"] for _p, d in references(it)]
        assert all("displayName" in d for d in refs), "token lost expandReferenceNames"
    # changing it between pages changes the query: refused
    assert_error(api.get("/" + ep, [("pageToken", tok), ("expandReferenceNames", "false")]), 400)


@pytest.mark.parametrize("ep", IN_SCOPE)
def test_unknown_parameter_is_400(api, ep):
    assert_error(api.get("/" + ep, {"noSuchParameter": "1"}), 400, "noSuchParameter")
    assert_error(api.get("/" + ep, {"SortKey": "ModifiedDesc"}), 400, "SortKey")


def test_parameter_of_other_endpoint_is_400(api):
    assert_error(api.get("/groups", {"dutyRole": "Lärare"}), 400, "dutyRole")
    assert_error(api.get("/rooms", {"nameContains": "a"}), 400, "nameContains")



def _new_person(n):
    return {"id": str(uuid.uuid4()), "givenName": "Testa", "familyName": "Nyström%d" % n}


@pytest.mark.mutating
@pytest.mark.parametrize("sortkey", [None, "DisplayNameAsc", "ModifiedDesc"])
def test_paging_while_data_changes(mutable_server, sortkey):
    """Ingest, modify and delete persons between pages: every person that
    existed unchanged during the whole walk appears exactly once."""
    api, cli = mutable_server.api, mutable_server.cli
    before = sorted(api.ids("/persons"))
    assert len(before) >= 16
    lim = max(1, len(before) // 8)
    rnd = random.Random(str(sortkey))
    changed, deleted, added = set(), set(), set()

    def mutate(page_no, env):
        if page_no not in (0, 3) or env.get("pageToken") is None:
            return
        new = [_new_person(page_no * 10 + k) for k in range(3)]
        cli.ingest("persons", new)
        added.update(p["id"] for p in new)
        victims = rnd.sample([i for i in before if i not in changed], 6)
        mods, dels = victims[:3], victims[3:]
        changed.update(victims)
        objs = []
        for pid in mods:
            p = api.get_json("/persons/" + pid)
            p.pop("meta", None)
            p.pop("_embedded", None)
            p["givenName"] = "Ö" + p["givenName"]  # moves it in DisplayNameAsc
            objs.append(p)
        cli.ingest("persons", objs)
        cli.delete("persons", *dels)
        deleted.update(dels)

    params = [("sortkey", sortkey)] if sortkey else []
    walked = api.walk("/persons", params, limit=lim, allow_dup=changed, on_page=mutate)
    assert deleted and added, "the walk was too short to change data"
    got = [i["id"] for i in walked]
    unchanged = set(before) - changed
    missing = unchanged - set(got)
    assert not missing, "%d unchanged persons skipped while paging" % len(missing)
    for pid in deleted:
        assert api.get("/persons/" + pid).status_code == 404
    for pid in added:
        assert api.get("/persons/" + pid).status_code == 200
    modified = api.lookup("persons", {"ids": sorted(changed - deleted)})
    assert all(p["givenName"].startswith("Ö") for p in modified)
