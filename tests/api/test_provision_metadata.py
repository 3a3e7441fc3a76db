"""Federated TLS metadata for provisioning (issue 8): a JWS signed with
ES256 by keys the test makes; good, expired, tampered, unknown key, wrong
pin, wrong entity, and the last good copy kept."""

import json
import os
import time
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from provhelp import Hub
from scim_receiver import jwk_of, sign_jws

ENTITY = "https://sp.skolnav.test"


@pytest.fixture(scope="module")
def fed(tmp_path_factory):
    h = Hub(tmp_path_factory.mktemp("provmd"), demo=False)
    h.org = str(uuid.uuid4())
    h.ingest("organisations", [{"id": h.org, "displayName": "Provkommun", "organisationType": "Huvudman"}])
    h.key = ec.generate_private_key(ec.SECP256R1())
    h.jwks = os.path.join(h.workdir, "jwks.json")
    with open(h.jwks, "w") as f:
        json.dump({"keys": [jwk_of(h.key, "fed-1")]}, f)
    h.rec = h.receiver()
    yield h
    h.stop()


def metadata(h, pin=None, ttl=3600, base=None):
    return {"version": "1.0.0", "cache_ttl": ttl, "entities": [
        {"entity_id": "https://other.test", "issuers": [{"x509certificate": "x"}],
         "servers": [{"base_uri": "https://127.0.0.1:1/", "tags": ["egilv1"],
                      "pins": [{"alg": "sha256", "digest": h.pki.other_pin}]}]},
        {"entity_id": ENTITY, "organization": "Test SP", "issuers": [{"x509certificate": h.pki.ca_pem}],
         "servers": [{"base_uri": "https://127.0.0.1:1/", "tags": ["egilv1", "other"],
                      "pins": [{"alg": "sha256", "digest": h.pki.server_pin}]},
                     {"base_uri": base or h.rec.url, "tags": ["egilv1"],
                      "pins": [{"alg": "sha256", "digest": pin or h.pki.server_pin}]}]}]}


def add(h, name, jws, entity=ENTITY):
    path = os.path.join(h.workdir, name + ".jws")
    with open(path, "w") as f:
        f.write(jws)
    h.run("provision", "add", "--db", h.db, name, "--metadata", path, "--jwks", h.jwks, "--entity-id", entity,
          "--cert", h.pki.client_cert, "--key", h.pki.client_key)
    h.run("provision", "grant", "--db", h.db, name, "--all-orgs")
    return path


def test_good_metadata_selects_the_egil_server_and_pins_it(fed):
    add(fed, "good", sign_jws(metadata(fed), fed.key, "fed-1", int(time.time()) + 3600))
    fed.prun("good")
    assert list(fed.rec.data["Organisations"]) == [fed.org]
    s = fed.show("good")
    assert s["mode"] == "federation" and s["entityId"] == ENTITY and s["health"]["result"] == "ok"


@pytest.mark.parametrize("name,make,message", [
    ("expired", lambda h: sign_jws(metadata(h), h.key, "fed-1", int(time.time()) - 10,
                                   iat=int(time.time()) - 7200), "expired"),
    ("tampered", lambda h: sign_jws(metadata(h), h.key, "fed-1", int(time.time()) + 3600, tamper=True),
     "does not verify"),
    ("otherkey", lambda h: sign_jws(metadata(h), ec.generate_private_key(ec.SECP256R1()), "fed-1",
                                    int(time.time()) + 3600), "does not verify"),
    ("unknownkid", lambda h: sign_jws(metadata(h), h.key, "fed-2", int(time.time()) + 3600), "no ES256 key"),
    ("garbage", lambda h: "this is not a JWS", "is not a JWS"),
])
def test_bad_metadata_is_refused_before_any_request(fed, name, make, message):
    add(fed, name, make(fed))
    fed.rec.reset_log()
    cp = fed.prun(name, expect=1)
    assert message in cp.stderr, cp.stderr
    assert fed.rec.requests() == []
    h = fed.show(name)["health"]
    assert h["result"] == "error" and message in h["message"]


def test_wrong_pin_in_metadata_refuses_the_server(fed):
    add(fed, "wrongpin", sign_jws(metadata(fed, pin=fed.pki.other_pin), fed.key, "fed-1", int(time.time()) + 3600))
    fed.rec.reset_log()
    fed.prun("wrongpin", expect=5)
    assert fed.rec.requests() == []


def test_unknown_entity(fed):
    add(fed, "noentity", sign_jws(metadata(fed), fed.key, "fed-1", int(time.time()) + 3600),
        entity="https://nobody.test")
    cp = fed.prun("noentity", expect=1)
    assert "has no entity https://nobody.test" in cp.stderr


def test_last_good_copy_is_kept(fed):
    path = add(fed, "cached", sign_jws(metadata(fed, ttl=1), fed.key, "fed-1", int(time.time()) + 3600))
    fed.prun("cached")
    with open(path, "w") as f:
        f.write(sign_jws(metadata(fed), fed.key, "fed-1", int(time.time()) + 3600, tamper=True))
    time.sleep(1.2)  # past cache_ttl: the file is read again, found bad
    cp = fed.prun("cached")
    assert "using the last good copy" in cp.stderr
