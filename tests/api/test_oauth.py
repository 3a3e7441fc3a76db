"""OAuth2 client credentials (issue 5): POST /oauth/token issues short-lived
HS256 JWTs for a client's id and key; every way a token can be wrong is a
401 without a hint. Tokens made here with the store's signing key (read
from the SQLite file) reach the claim checks behind the signature."""

import base64
import hashlib
import hmac
import json
import time

import pytest
import requests

from accesshelp import grant_args, make_client
from apihelp import assert_error, sql_value

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def b64(data):
    if isinstance(data, (dict, list)):
        data = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(key, header, claims):
    head = b64(header) + "." + b64(claims)
    mac = hmac.new(key, head.encode(), hashlib.sha256).digest()
    return head + "." + b64(mac)


@pytest.fixture(scope="module")
def vendor(mutable_server):
    srv = mutable_server
    cid, key = make_client(srv.cli, "oauth-vendor", *grant_args(cats=["Students"]))
    return srv, cid, key


def token_url(srv):
    return srv.base + "/oauth/token"


def get_token(srv, cid, key, how="basic"):
    if how == "basic":
        r = requests.post(token_url(srv), data={"grant_type": "client_credentials"}, auth=(cid, key), timeout=30)
    else:
        r = requests.post(token_url(srv), data={"grant_type": "client_credentials", "client_id": cid,
                                                "client_secret": key}, timeout=30)
    return r


def api_get(srv, token, path="/persons"):
    return requests.get(srv.api.url(path), params={"limit": 2},
                        headers={"Authorization": "Bearer " + token}, timeout=30)


def signing_key(srv):
    return bytes.fromhex(sql_value(srv.db, "SELECT v FROM setting WHERE k='oauth_jwt_key'"))


@pytest.mark.parametrize("how", ["basic", "body"])
def test_token_and_use(vendor, how):
    srv, cid, key = vendor
    r = get_token(srv, cid, key, how)
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert body["token_type"] == "Bearer" and 0 < body["expires_in"] <= 3600
    tok = body["access_token"]
    assert tok.count(".") == 2
    r = api_get(srv, tok)
    assert r.status_code == 200 and len(r.json()["data"]) == 2
    # The grant applies: no Grades for this client.
    assert_error(api_get(srv, tok, "/grades"), 403)


@pytest.mark.parametrize("case", ["wrong-secret", "other-client-secret", "unknown-client", "not-a-uuid"])
def test_bad_client_credentials(vendor, case):
    srv, cid, key = vendor
    ocid, okey = make_client(srv.cli, "oauth-other")
    ident, secret = {"wrong-secret": (cid, key[:-2] + "xx"), "other-client-secret": (cid, okey),
                     "unknown-client": ("6f1e2a1c-0000-4000-8000-000000000000", key),
                     "not-a-uuid": ("vendor", key)}[case]
    r = get_token(srv, ident, secret)
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"
    assert r.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("data,headers,error", [
    ({"grant_type": "password"}, FORM, "unsupported_grant_type"),
    ({}, FORM, "invalid_request"),
    ("grant_type=client_credentials&grant_type=client_credentials", FORM, "invalid_request"),
    ('{"grant_type":"client_credentials"}', {"Content-Type": "application/json"}, "invalid_request"),
    ("grant_type=%zz", FORM, "invalid_request"),
])
def test_malformed_token_requests(vendor, data, headers, error):
    srv, cid, key = vendor
    r = requests.post(token_url(srv), data=data, headers=headers, auth=(cid, key), timeout=30)
    assert r.status_code == 400 and r.json()["error"] == error, r.text


def test_token_endpoint_is_post_only(vendor):
    srv, _cid, _key = vendor
    r = requests.get(token_url(srv), timeout=30)
    assert r.status_code == 405 and r.headers["Allow"] == "POST"


def claims_for(cid, kid, **over):
    now = int(time.time())
    c = {"iss": "skolnav", "aud": "ss12000", "sub": cid, "kid": kid, "iat": now, "exp": now + 600, "jti": "t"}
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}


def key_id_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["kid"]


def test_crafted_tokens(vendor):
    srv, cid, key = vendor
    good = get_token(srv, cid, key).json()["access_token"]
    kid = key_id_of(good)
    k = signing_key(srv)
    hs = {"alg": "HS256", "typ": "JWT"}
    ok = sign(k, hs, claims_for(cid, kid))
    assert api_get(srv, ok).status_code == 200  # the crafting is right
    bad = {
        "expired": sign(k, hs, claims_for(cid, kid, exp=int(time.time()) - 5)),
        "no-exp": sign(k, hs, claims_for(cid, kid, exp=None)),
        "wrong-issuer": sign(k, hs, claims_for(cid, kid, iss="someone-else")),
        "wrong-audience": sign(k, hs, claims_for(cid, kid, aud="other-api")),
        "unknown-key-id": sign(k, hs, claims_for(cid, "00000000deadbeef")),
        "other-client": sign(k, hs, claims_for("6f1e2a1c-0000-4000-8000-000000000000", kid)),
        "wrong-signing-key": sign(b"x" * 32, hs, claims_for(cid, kid)),
        "alg-none": b64({"alg": "none", "typ": "JWT"}) + "." + b64(claims_for(cid, kid)) + ".",
        "alg-none-signed": sign(k, {"alg": "none"}, claims_for(cid, kid)),
        "alg-HS512": sign(k, {"alg": "HS512"}, claims_for(cid, kid)),
        "tampered-payload": good.split(".")[0] + "." + b64(claims_for(cid, kid, exp=int(time.time()) + 99999)) +
                            "." + good.split(".")[2],
        "truncated-signature": good[:-4],
        "garbage": "a.b.c",
    }
    for name, tok in bad.items():
        r = api_get(srv, tok)
        assert r.status_code == 401, (name, r.status_code, r.text[:200])
        assert_error(r, 401)
        assert "WWW-Authenticate" in r.headers


def test_rotation_and_stop_end_tokens(vendor):
    srv, cid, key = vendor
    tok = get_token(srv, cid, key).json()["access_token"]
    assert api_get(srv, tok).status_code == 200
    new = json.loads(srv.cli.run("client", "rotate", "--db", srv.db, cid, "--json").stdout)["key"]
    assert api_get(srv, tok).status_code == 200  # grace period
    srv.cli.run("client", "suspend", "--db", srv.db, cid)
    assert_error(api_get(srv, tok), 403)
    assert get_token(srv, cid, new).status_code == 401
    srv.cli.run("client", "resume", "--db", srv.db, cid)
    srv.cli.run("client", "rotate", "--db", srv.db, cid, "--grace", "0")
    assert_error(api_get(srv, tok), 401)
    assert get_token(srv, cid, key).status_code == 401
