"""Authentication: /health is open, the API needs a valid bearer key."""

import base64
import json
import uuid

import pytest
import requests

from apihelp import assert_error
from spec_facts import ALL_PATHS, IN_SCOPE

PROBES = [
    ("GET", "/persons", None),
    ("GET", "/organisations", None),
    ("GET", "/groups/%s" % uuid.UUID(int=1), None),
    ("POST", "/persons/lookup", {"ids": []}),
    ("POST", "/duties/lookup", {"ids": []}),
    ("GET", "/deletedEntities", None),
]

BAD_AUTH = {
    "missing": None,
    "wrong-key": {"Authorization": "Bearer not-a-valid-key-0123456789"},
    "empty-bearer": {"Authorization": "Bearer "},
    "no-scheme": "KEY_WITHOUT_SCHEME",
    "basic-scheme": "BASIC",
    "garbage": {"Authorization": "\u00e5\u00e4\u00f6 nonsense"},
}


def test_health_without_auth(server):
    r = requests.get(server.base + "/health", timeout=10)
    assert r.status_code == 200


@pytest.mark.parametrize("method,path,body", PROBES, ids=lambda v: str(v))
@pytest.mark.parametrize("how", sorted(BAD_AUTH))
def test_unauthenticated_is_401(api, method, path, body, how):
    hdr = BAD_AUTH[how]
    if hdr == "KEY_WITHOUT_SCHEME":
        hdr = {"Authorization": api.key}
    elif hdr == "BASIC":
        hdr = {"Authorization": "Basic " + base64.b64encode(("x:" + api.key).encode()).decode()}
    headers = {"Content-Type": "application/json"} if body is not None else {}
    headers.update(hdr or {})
    r = requests.request(method, api.url(path), headers=headers,
                         data=json.dumps(body) if body is not None else None, timeout=30)
    assert_error(r, 401)
    www = r.headers.get("WWW-Authenticate")
    assert www and www.lower().startswith("bearer"), "WWW-Authenticate header missing/not Bearer: %r" % www


@pytest.mark.parametrize("ep", IN_SCOPE)
@pytest.mark.parametrize("who", ["default", "other"])
def test_both_clients_are_authorised(api, ep, who):
    r = api.get("/" + ep, {"limit": 1}, key=who)
    assert r.status_code == 200, r.text[:300]
    assert isinstance(r.json()["data"], list)


def test_key_of_one_client_is_not_accepted_with_extra_characters(api):
    assert_error(api.get("/persons", {"limit": 1}, key=api.key + "x"), 401)
    assert_error(api.get("/persons", {"limit": 1}, key=api.key[:-1]), 401)


def test_openapi_json_reachable(api):
    r = requests.get(api.url("/openapi.json"), timeout=30)
    if r.status_code == 401:  # may require auth: then the key must work
        assert r.headers.get("WWW-Authenticate")
        r = api.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert isinstance(doc, dict)
    assert str(doc.get("openapi", "")).startswith("3.0."), doc.get("openapi")
    in_scope = {p for p in ALL_PATHS if p.split("/")[1] in IN_SCOPE or p == "/deletedEntities"}
    missing = in_scope - set(doc.get("paths", {}))
    assert not missing, "openapi.json lacks in-scope paths: %s" % sorted(missing)


def test_unknown_path_is_not_200(api):
    r = api.get("/noSuchEndpoint")
    assert r.status_code in (400, 404), r.status_code
    assert_error(r, r.status_code)


def test_unauthenticated_unknown_path_does_not_leak(api):
    r = requests.get(api.url("/noSuchEndpoint"), timeout=30)
    assert r.status_code in (401, 404)
