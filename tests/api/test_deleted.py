"""GET /deletedEntities: shape, filters, paging, and deletions via the CLI."""

import datetime as dt
import time

import pytest

from apihelp import UUID_RE, assert_error, fmt_dt, utcnow
from spec_facts import DELETED_KEY_OF_PATH, DELETED_KEYS, ENDPOINT_ENUM, IN_SCOPE


def deleted_walk(api, params=None, limit=1000):
    """{key: [ids]} over all pages; asserts no id is reported twice."""
    out = {}
    for env in api.pages("/deletedEntities", params, limit=limit):
        data = env["data"]
        assert isinstance(data, dict), "data must be an object, got %r" % type(data)
        assert set(data) <= DELETED_KEYS, "unknown keys %s" % sorted(set(data) - DELETED_KEYS)
        for k, ids in data.items():
            assert isinstance(ids, list)
            for i in ids:
                assert isinstance(i, str) and UUID_RE.match(i), i
                assert i not in out.get(k, []), "%s %s reported twice" % (k, i)
                out.setdefault(k, []).append(i)
    return out


def test_shape_and_schema(api, validate):
    env = api.get_json("/deletedEntities")
    validate(env, "GET /deletedEntities")
    assert "activities" not in env["data"], "the key is spelled activitites"


def test_demo_history_has_deletions(api):
    assert any(deleted_walk(api).values()), "demo history should delete some entities"


def test_deleted_ids_are_gone(api, dataset):
    allk = deleted_walk(api)
    for path in IN_SCOPE:
        key = DELETED_KEY_OF_PATH[path]
        for i in allk.get(key, [])[:10]:
            assert i not in dataset.ids(path), "deleted %s %s still listed" % (path, i)
            assert_error(api.get("/%s/%s" % (path, i)), 404)


def test_paging_equals_single_page(api):
    big = deleted_walk(api, limit=1000)
    total = sum(len(v) for v in big.values())
    small = deleted_walk(api, limit=max(1, total // 5))
    assert {k: set(v) for k, v in big.items() if v} == {k: set(v) for k, v in small.items() if v}


def test_entities_filter_forms(api):
    allk = deleted_walk(api)
    present = [e for e, (_p, key) in ENDPOINT_ENUM.items() if allk.get(key)]
    assert present
    for e in present:
        key = ENDPOINT_ENUM[e][1]
        got = deleted_walk(api, {"entities": e})
        assert {k for k, v in got.items() if v} == {key}
        assert set(got[key]) == set(allk[key])
    two = present[:2]
    rep = deleted_walk(api, [("entities", e) for e in two])
    com = deleted_walk(api, {"entities": ",".join(two)})
    assert {k: set(v) for k, v in rep.items() if v} == {k: set(v) for k, v in com.items() if v}
    assert {k for k, v in rep.items() if v} == {ENDPOINT_ENUM[e][1] for e in two}


def test_after_filter_extremes(api):
    allk = {k: set(v) for k, v in deleted_walk(api).items() if v}
    past = {k: set(v) for k, v in deleted_walk(api, {"after": "2000-01-01T00:00:00Z"}).items() if v}
    assert past == allk
    future = deleted_walk(api, {"after": fmt_dt(utcnow() + dt.timedelta(days=3650))})
    assert not any(future.values())


@pytest.mark.parametrize("param,bad", [("after", "yesterday"), ("after", "2024-01-01T25:00:00Z"),
                                       ("entities", "Persons"), ("entities", "Person,Bogus"),
                                       ("limit", "0"), ("sortkey", "ModifiedDesc"),
                                       ("expandReferenceNames", "true")])
def test_bad_parameters(api, param, bad):
    assert_error(api.get("/deletedEntities", {param: bad}), 400, param)


def test_page_token_with_filter_is_400(api):
    env = api.get_json("/deletedEntities", {"limit": 1})
    tok = env.get("pageToken")
    if not tok:
        pytest.skip("fewer than two deletions")
    assert_error(api.get("/deletedEntities", {"pageToken": tok, "after": "2000-01-01T00:00:00Z"}), 400)
    assert_error(api.get("/deletedEntities", {"pageToken": tok, "entities": "Person"}), 400)
    assert_error(api.get("/deletedEntities", {"pageToken": tok}, key="other"), 400)
    assert api.get("/deletedEntities", {"pageToken": tok}).status_code == 200


@pytest.mark.mutating
@pytest.mark.parametrize("path", ["persons", "groups", "activities", "rooms", "studyplans", "schoolUnitOfferings"])
def test_cli_delete_appears(mutable_server, path):
    api, cli = mutable_server.api, mutable_server.cli
    key = DELETED_KEY_OF_PATH[path]
    victim = api.get_json("/" + path, {"limit": 1, "sortkey": "ModifiedDesc"})["data"][0]["id"]
    t0 = utcnow() - dt.timedelta(seconds=2)
    time.sleep(0.01)
    cli.delete(path, victim)
    t1 = utcnow() + dt.timedelta(seconds=2)
    assert_error(api.get("/%s/%s" % (path, victim)), 404)
    assert victim not in api.ids("/" + path)
    got = deleted_walk(api, {"after": fmt_dt(t0)})
    assert victim in got.get(key, []), "fresh deletion missing from deletedEntities?after=t0"
    assert victim in deleted_walk(api).get(key, [])
    assert victim not in deleted_walk(api, {"after": fmt_dt(t1)}).get(key, [])
    enum = [e for e, (p, _k) in ENDPOINT_ENUM.items() if p == path][0]
    assert victim in deleted_walk(api, {"entities": enum}).get(key, [])

