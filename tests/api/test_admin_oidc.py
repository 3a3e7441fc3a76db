"""Admin sign-in through OpenID Connect against the test provider
(oidc_provider.py): the code flow with PKCE, RS256 and ES256 id_tokens,
and a refusal for each broken token (nonce, audience, expiry, signature,
issuer) and for a claim that maps to no role."""

import urllib.parse

import pytest
import requests

from adminhelp import assert_admin_error, empty_server, signed_in
from oidc_provider import Provider


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    prov = Provider("skolnav-admin", "s3cret-of-the-client")
    s = empty_server(str(tmp_path_factory.mktemp("admin-oidc")))
    s.cli.run("admin", "oidc", "--db", s.db, "--issuer", prov.issuer, "--client-id", "skolnav-admin",
              "--client-secret", "s3cret-of-the-client", "--redirect-uri", s.base + "/admin/api/oidc/callback",
              "--role-claim", "groups", "--roles", "it-admins=administrator,dataskydd=dpo,lärare=viewer")
    yield s, prov
    assert s.stop() == 0, s.log()
    prov.stop()


@pytest.fixture(autouse=True)
def fresh(setup):
    setup[1].reset()


def sign_in(srv):
    """Follows the redirects as a browser would; returns (session, the callback's response)."""
    sess = requests.Session()
    r = sess.get(srv.base + "/admin/api/oidc/start", allow_redirects=False, timeout=30)
    assert r.status_code == 302, r.text
    auth = r.headers["Location"]
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(auth).query))
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert q["state"] and q["nonce"] and q["redirect_uri"] == srv.base + "/admin/api/oidc/callback"
    r = sess.get(auth, allow_redirects=False, timeout=30)
    assert r.status_code == 302, r.text
    cb = r.headers["Location"]
    assert cb.startswith(srv.base + "/admin/api/oidc/callback?")
    return sess, sess.get(cb, allow_redirects=False, timeout=60)


def test_configured(setup):
    srv, prov = setup
    r = requests.get(srv.base + "/admin/api/oidc", timeout=30)
    assert r.json() == {"enabled": True, "issuer": prov.issuer}


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_good_sign_in(setup, alg):
    srv, prov = setup
    prov.alg = alg
    prov.user = "kommun.it." + alg.lower()
    sess, r = sign_in(srv)
    assert r.status_code == 302 and r.headers["Location"] == "/admin/", r.text
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    me = sess.get(srv.base + "/admin/api/me", timeout=30).json()
    assert me["user"] == prov.user and me["role"] == "administrator" and me["via"] == "oidc"
    # The code went back with its PKCE verifier, and the client authenticated.
    assert prov.token_requests[-1]["code_verifier"] and prov.token_requests[-1]["grant_type"] == "authorization_code"
    # The role follows the claim at every sign-in.
    prov.claims = {"groups": ["lärare"]}
    sess2, r = sign_in(srv)
    assert r.status_code == 302
    assert sess2.get(srv.base + "/admin/api/me", timeout=30).json()["role"] == "viewer"


@pytest.mark.parametrize("fault,why", [
    ("nonce", "nonce"), ("aud", "aud"), ("expired", "expired"), ("signature", "signature"), ("iss", "issuer")])
@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_broken_tokens_are_refused(setup, fault, why, alg):
    srv, prov = setup
    prov.alg, prov.fault = alg, fault
    prov.user = "mallory"
    sess, r = sign_in(srv)
    body = assert_admin_error(r, 401, "OIDC_FAILED")
    assert why in body["message"], body
    assert "Set-Cookie" not in r.headers
    assert_admin_error(sess.get(srv.base + "/admin/api/me", timeout=30), 401, "UNAUTHORIZED")


def test_unmapped_claim_is_refused(setup):
    srv, prov = setup
    prov.claims = {"groups": ["kökspersonal"]}
    prov.user = "stina"
    sess, r = sign_in(srv)
    assert_admin_error(r, 403, "OIDC_NO_ROLE")
    assert "Set-Cookie" not in r.headers
    prov.claims = {}
    sess, r = sign_in(srv)
    assert_admin_error(r, 403, "OIDC_NO_ROLE")


def test_state_is_used_once(setup):
    srv, prov = setup
    sess = requests.Session()
    r = sess.get(srv.base + "/admin/api/oidc/start", allow_redirects=False, timeout=30)
    r = sess.get(r.headers["Location"], allow_redirects=False, timeout=30)
    cb = r.headers["Location"]
    assert sess.get(cb, allow_redirects=False, timeout=60).status_code == 302
    assert_admin_error(sess.get(cb, allow_redirects=False, timeout=60), 401, "OIDC_FAILED")
    forged = cb.split("state=")[0] + "state=forged"
    assert_admin_error(requests.get(forged, allow_redirects=False, timeout=60), 401, "OIDC_FAILED")


def test_password_accounts_cannot_be_taken_over(setup):
    srv, prov = setup
    signed_in(srv, "viewer", "per")  # a password account named per
    prov.user = "per"
    _, r = sign_in(srv)
    assert_admin_error(r, 403, "OIDC_NO_ROLE")


def test_oidc_sign_ins_are_in_the_audit_trail(setup):
    srv, prov = setup
    admin = signed_in(srv, "administrator", "trail-reader")
    items = admin.ok("GET", "/admin-audit", params={"limit": 500})["items"]
    assert any(e["action"] == "login" and e["detail"] == {"via": "oidc"} for e in items)
    assert any(e["action"] == "login-failed" and e["target"] == "oidc" for e in items)


def test_cli_refuses_a_bad_configuration(setup):
    srv, _ = setup
    cp = srv.cli.run("admin", "oidc", "--db", srv.db, "--issuer", "http://example.org", "--client-id", "x",
                     "--redirect-uri", "https://h/cb", "--role-claim", "g", "--roles", "a=administrator", check=False)
    assert cp.returncode == 2 and "https" in cp.stderr
    cp = srv.cli.run("admin", "oidc", "--db", srv.db, "--issuer", "https://idp.example", "--client-id", "x",
                     "--redirect-uri", "https://h/cb", "--role-claim", "g", "--roles", "a=wizard", check=False)
    assert cp.returncode == 2 and "wizard" in cp.stderr
