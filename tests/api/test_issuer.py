"""Externally issued JWTs (issue 5): a trusted issuer's RS256 tokens, with
its claim rules (audience, a location in requested_access, an
organization_id), act as the client they are mapped to. Every way such a
token can be wrong is a 401; a rotated JWKS file takes effect at once."""

import base64
import json
import http.server
import threading
import time

import pytest
import requests
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from accesshelp import grant_args, make_client
from apihelp import assert_error, free_port

ISS = "https://dnp.example.invalid"
AUD = "skolnav-test"
LOC = "SE:2780:hub"
ORG = "2120002387"


def b64(data):
    if isinstance(data, (dict, list)):
        data = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key, kid):
    nums = key.public_key().public_numbers()
    n = nums.n.to_bytes((nums.n.bit_length() + 7) // 8, "big")
    e = nums.e.to_bytes((nums.e.bit_length() + 7) // 8, "big")
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": b64(n), "e": b64(e)}


def rs256(key, header, claims):
    head = b64(header) + "." + b64(claims)
    sig = key.sign(head.encode(), padding.PKCS1v15(), hashes.SHA256())
    return head + "." + b64(sig)


def claims(**over):
    now = int(time.time())
    c = {"iss": ISS, "aud": AUD, "exp": now + 300, "nbf": now - 5, "iat": now, "organization_id": ORG,
         "requested_access": [{"type": "ss12000-api", "locations": [LOC]}]}
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}


@pytest.fixture(scope="module")
def setup(mutable_server, tmp_path_factory):
    srv = mutable_server
    d = tmp_path_factory.mktemp("jwks")
    k1 = new_key()
    jwks = d / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk(k1, "k1")]}))
    cid, _key = make_client(srv.cli, "dnp", *grant_args(cats=["Students"]))
    srv.cli.run("issuer", "add", "--db", srv.db, ISS, "--jwks-file", str(jwks), "--audience", AUD,
                "--location", LOC, "--organization-id", ORG, "--client", cid)
    return srv, cid, k1, jwks


def call(srv, token, path="/persons"):
    return requests.get(srv.api.url(path), params={"limit": 1}, headers={"Authorization": "Bearer " + token},
                        timeout=30)


def test_good_token_acts_as_its_client(setup):
    srv, cid, k1, _ = setup
    tok = rs256(k1, {"alg": "RS256", "kid": "k1", "typ": "JWT"}, claims())
    r = call(srv, tok)
    assert r.status_code == 200, r.text
    assert_error(call(srv, tok, "/grades"), 403)  # the client's grant applies
    srv.cli.run("client", "suspend", "--db", srv.db, cid)
    try:
        assert_error(call(srv, tok), 403)
    finally:
        srv.cli.run("client", "resume", "--db", srv.db, cid)


def test_wrong_tokens(setup):
    srv, _cid, k1, _ = setup
    other = new_key()
    hdr = {"alg": "RS256", "kid": "k1", "typ": "JWT"}
    pub_pem = k1.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    head = b64({"alg": "HS256", "kid": "k1"}) + "." + b64(claims())
    mac = hmac.HMAC(pub_pem, hashes.SHA256())
    mac.update(head.encode())
    confused = head + "." + b64(mac.finalize())
    bad = {
        "expired": rs256(k1, hdr, claims(exp=int(time.time()) - 3600)),
        "no-exp": rs256(k1, hdr, claims(exp=None)),
        "not-yet-valid": rs256(k1, hdr, claims(nbf=int(time.time()) + 3600)),
        "wrong-issuer": rs256(k1, hdr, claims(iss="https://evil.example.invalid")),
        "wrong-audience": rs256(k1, hdr, claims(aud="someone-else")),
        "wrong-location": rs256(k1, hdr, claims(requested_access=[{"type": "ss12000-api", "locations": ["SE:1"]}])),
        "location-of-other-type": rs256(k1, hdr, claims(requested_access=[{"type": "other", "locations": [LOC]}])),
        "no-requested-access": rs256(k1, hdr, claims(requested_access=None)),
        "wrong-organization": rs256(k1, hdr, claims(organization_id="5560000000")),
        "bad-signature": rs256(other, hdr, claims()),
        "unknown-kid": rs256(k1, dict(hdr, kid="k9"), claims()),
        "alg-none": b64({"alg": "none", "kid": "k1"}) + "." + b64(claims()) + ".",
        "alg-hs256-with-public-key": confused,
        "tampered": rs256(k1, hdr, claims()).rsplit(".", 2)[0] + "." + b64(claims(aud=AUD, exp=2 ** 40)) + "." +
                    rs256(k1, hdr, claims()).rsplit(".", 1)[1],
    }
    for name, tok in bad.items():
        r = call(srv, tok)
        assert r.status_code == 401, (name, r.status_code, r.text[:200])
        assert_error(r, 401)


def test_rotated_jwks(setup):
    srv, _cid, k1, jwks = setup
    k2 = new_key()
    old = rs256(k1, {"alg": "RS256", "kid": "k1"}, claims())
    new = rs256(k2, {"alg": "RS256", "kid": "k2"}, claims())
    assert_error(call(srv, new), 401)
    jwks.write_text(json.dumps({"keys": [jwk(k1, "k1"), jwk(k2, "k2")]}))  # rollover: both
    assert call(srv, old).status_code == 200 and call(srv, new).status_code == 200
    jwks.write_text(json.dumps({"keys": [jwk(k2, "k2")]}))  # k1 retired
    assert_error(call(srv, old), 401)
    assert call(srv, new).status_code == 200


def test_issuer_cli(setup):
    srv, _cid, _k1, _ = setup
    out = srv.cli.run("issuer", "list", "--db", srv.db).stdout
    assert ISS in out and AUD in out
    cp = srv.cli.run("issuer", "add", "--db", srv.db, "x", "--jwks-file", "/nonexistent", "--audience", "a",
                     "--client", "dnp", check=False)
    assert cp.returncode != 0 and "JWKS" in cp.stderr


class _KeyServer:
    """A JWKS at a URL on the loopback; `doc` is what it serves, `hits` counts fetches."""

    def __init__(self, doc):
        self.doc, self.hits, self.up = doc, 0, True
        ks = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                ks.hits += 1
                body = json.dumps(ks.doc).encode()
                self.send_response(200 if ks.up else 503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), H)
        self.url = "http://127.0.0.1:%d/jwks.json" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_jwks_by_url_is_cached_refetched_for_a_new_kid_and_kept_when_down(mutable_server):
    srv = mutable_server
    iss = "https://keys.example.invalid/by-url"
    k1, k2 = new_key(), new_key()
    ks = _KeyServer({"keys": [jwk(k1, "u1")]})
    try:
        cid, _key = make_client(srv.cli, "dnp-url", *grant_args(cats=["Students"]))
        cp = srv.cli.run("issuer", "add", "--db", srv.db, iss, "--jwks-url", "http://example.invalid/jwks.json",
                         "--audience", AUD, "--client", cid, check=False)
        assert cp.returncode == 2 and "https://" in cp.stderr  # plain http only on the loopback
        srv.cli.run("issuer", "add", "--db", srv.db, iss, "--jwks-url", ks.url, "--audience", AUD, "--client", cid)
        tok1 = rs256(k1, {"alg": "RS256", "kid": "u1"}, claims(iss=iss))
        assert call(srv, tok1).status_code == 200
        hits = ks.hits
        assert call(srv, tok1).status_code == 200 and ks.hits == hits  # cached
        # A rollover upstream: a token with the new kid makes the hub fetch again.
        ks.doc = {"keys": [jwk(k1, "u1"), jwk(k2, "u2")]}
        tok2 = rs256(k2, {"alg": "RS256", "kid": "u2"}, claims(iss=iss))
        deadline = time.time() + 30
        while call(srv, tok2).status_code != 200:  # at most one fetch per 5 s
            assert time.time() < deadline, "the new key was not fetched"
            time.sleep(1)
        # The issuer goes down: the last good copy keeps working.
        ks.up = False
        assert call(srv, tok1).status_code == 200 and call(srv, tok2).status_code == 200
        # A made-up kid cannot make the hub fetch on every request.
        hits = ks.hits
        bogus = rs256(k2, {"alg": "RS256", "kid": "nope"}, claims(iss=iss))
        for _ in range(5):
            assert_error(call(srv, bogus), 401)
        assert ks.hits - hits <= 1
    finally:
        ks.close()
        srv.cli.run("issuer", "remove", "--db", srv.db, iss)
