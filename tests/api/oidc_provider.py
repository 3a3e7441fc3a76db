"""A small OpenID Connect provider for the admin sign-in tests: discovery,
authorize (authorization code, PKCE S256 required), token (client secret
by HTTP Basic) with an RS256 or ES256 id_token, and the JWKS. Test knobs
make it misbehave one way at a time (wrong nonce, audience, expiry,
signature) so the hub's checks can be seen to refuse each."""

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_b64u(n, length=None):
    length = length or (n.bit_length() + 7) // 8
    return b64u(n.to_bytes(length, "big"))


class Provider:
    def __init__(self, client_id, client_secret):
        self.client_id = client_id
        self.client_secret = client_secret
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes = {}
        self.reset()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def reset(self):
        """The next sign-in: user, claims and how the id_token is made."""
        self.user = "oidc-user"
        self.claims = {"groups": ["it-admins"]}
        self.alg = "RS256"
        self.fault = None  # "nonce", "aud", "expired", "signature", "iss"
        self.token_requests = []

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- the id_token

    def jwks(self):
        pub = self.rsa.public_key().public_numbers()
        ecp = self.ec.public_key().public_numbers()
        return {"keys": [
            {"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256", "n": int_b64u(pub.n), "e": int_b64u(pub.e)},
            {"kty": "EC", "kid": "ec-1", "use": "sig", "alg": "ES256", "crv": "P-256",
             "x": int_b64u(ecp.x, 32), "y": int_b64u(ecp.y, 32)},
        ]}

    def id_token(self, nonce):
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": "sub-" + self.user, "aud": self.client_id, "iat": now,
                  "exp": now + 300, "nonce": nonce, "preferred_username": self.user}
        claims.update(self.claims)
        if self.fault == "nonce":
            claims["nonce"] = "not-the-nonce"
        elif self.fault == "aud":
            claims["aud"] = "some-other-client"
        elif self.fault == "expired":
            claims["exp"] = now - 3600
            claims["iat"] = now - 7200
        elif self.fault == "iss":
            claims["iss"] = "http://evil.example"
        kid = "rsa-1" if self.alg == "RS256" else "ec-1"
        header = {"alg": self.alg, "typ": "JWT", "kid": kid}
        signing_input = (b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode())).encode()
        if self.alg == "RS256":
            key = self.other_rsa if self.fault == "signature" else self.rsa
            sig = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        else:
            der = self.ec.sign(signing_input, ec.ECDSA(hashes.SHA256()))
            r, s = decode_dss_signature(der)
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
            if self.fault == "signature":
                sig = sig[:-1] + bytes([sig[-1] ^ 1])
        return signing_input.decode() + "." + b64u(sig)

    # --- HTTP

    def _handler(self):
        prov = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def reply(self, status, body=None, headers=()):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                u = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(u.query))
                if u.path == "/.well-known/openid-configuration":
                    return self.reply(200, {"issuer": prov.issuer, "authorization_endpoint": prov.issuer + "/authorize",
                                            "token_endpoint": prov.issuer + "/token", "jwks_uri": prov.issuer + "/jwks",
                                            "response_types_supported": ["code"],
                                            "code_challenge_methods_supported": ["S256"],
                                            "id_token_signing_alg_values_supported": ["RS256", "ES256"]})
                if u.path == "/jwks":
                    return self.reply(200, prov.jwks())
                if u.path == "/authorize":
                    ok = (q.get("response_type") == "code" and q.get("client_id") == prov.client_id
                          and q.get("code_challenge_method") == "S256" and q.get("code_challenge")
                          and q.get("state") and q.get("nonce") and "openid" in q.get("scope", "").split())
                    if not ok:
                        return self.reply(400, {"error": "invalid_request", "got": q})
                    code = secrets.token_urlsafe(16)
                    prov.codes[code] = q
                    loc = q["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": q["state"]})
                    return self.reply(302, None, [("Location", loc)])
                return self.reply(404, {"error": "not_found"})

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(n).decode()))
                if self.path != "/token":
                    return self.reply(404, {"error": "not_found"})
                prov.token_requests.append(form)
                auth = self.headers.get("Authorization", "")
                want = "Basic " + base64.b64encode(("%s:%s" % (prov.client_id, prov.client_secret)).encode()).decode()
                if auth != want:
                    return self.reply(401, {"error": "invalid_client"})
                a = prov.codes.pop(form.get("code", ""), None)
                if not a or form.get("grant_type") != "authorization_code" or form.get("redirect_uri") != a["redirect_uri"]:
                    return self.reply(400, {"error": "invalid_grant"})
                challenge = b64u(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
                if challenge != a["code_challenge"]:
                    return self.reply(400, {"error": "invalid_grant", "error_description": "PKCE"})
                return self.reply(200, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                                        "expires_in": 300, "id_token": prov.id_token(a["nonce"])})

        return H
