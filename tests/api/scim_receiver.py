"""A local EGIL SCIM receiver for the provisioning tests and the benchmark.

It behaves like Windermere's SQL backend: POST 201 (409 when the id exists),
PUT 200 (404 when unknown), DELETE 204 (404 when unknown), GET a list. It
enforces what Windermere enforces (the required attributes per endpoint, a
UUID in externalId, eight digits in schoolUnitCode, JSON types, the media
type) and a little more (lower-case UUIDs, the URL id equal to externalId,
relative $ref), over HTTPS with client certificates issued by the test CA,
or with an API key. Faults are injected per request: a status, or a delay
longer than the client's timeout.

Use in-process (Receiver(...).start()) or as a program:
    python3 scim_receiver.py --dir DIR [--delay-ms N]
which makes a PKI in DIR, serves, and writes DIR/port when ready.
"""

import argparse
import base64
import datetime
import hashlib
import http.server
import json
import os
import re
import ssl
import sys
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import ipaddress

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ENDPOINTS = ("Organisations", "SchoolUnitGroups", "SchoolUnits", "Users", "Employments", "StudentGroups",
             "Activities")
USER_EXT = "urn:scim:schemas:extension:sis:school:1.0:User"
REQUIRED = {
    "Organisations": ("externalId", "displayName"),
    "SchoolUnitGroups": ("externalId", "displayName"),
    "SchoolUnits": ("externalId", "displayName", "schoolUnitCode"),
    "Users": ("externalId", "userName", "name", "displayName"),
    "Employments": ("externalId", "employedAt", "user", "employmentRole"),
    "StudentGroups": ("externalId", "displayName", "owner"),
    "Activities": ("externalId", "displayName", "owner"),
}
SCHEMA = {
    "Organisations": ["urn:scim:schemas:extension:sis:school:1.0:Organisation"],
    "SchoolUnitGroups": ["urn:scim:schemas:extension:sis:school:1.0:SchoolUnitGroup"],
    "SchoolUnits": ["urn:scim:schemas:extension:sis:school:1.0:SchoolUnit"],
    "Users": ["urn:ietf:params:scim:schemas:core:2.0:User", USER_EXT],
    "Employments": ["urn:scim:schemas:extension:sis:school:1.0:Employment"],
    "StudentGroups": ["urn:scim:schemas:extension:sis:school:1.0:StudentGroup"],
    "Activities": ["urn:scim:schemas:extension:sis:school:1.0:Activity"],
}
REF_TARGET = {"schoolUnitGroup": "SchoolUnitGroups", "organisation": "Organisations", "employedAt": "SchoolUnits",
              "user": "Users", "owner": "SchoolUnits"}
REF_LISTS = {"studentMemberships": "Users", "groups": "StudentGroups", "teachers": "Employments"}


# ------------------------------------------------------------------ PKI

def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject_key, subject, issuer_key, issuer, ca=False, san=None, days=30, not_before=None):
    now = not_before or datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(subject_key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if san:
        b = b.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)
    return path


def pem_key(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption())


def pem_cert(c):
    return c.public_bytes(serialization.Encoding.PEM)


def spki_pin(cert):
    der = cert.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


class Pki:
    """A test CA with a server certificate (127.0.0.1, localhost) and a
    client certificate; a second CA's client certificate for refusals."""

    def __init__(self, d):
        os.makedirs(d, exist_ok=True)
        self.dir = d
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = _cert(ca_key, _name("skolnav test CA"), ca_key, _name("skolnav test CA"), ca=True)
        self.ca = _write(os.path.join(d, "ca.pem"), pem_cert(ca))
        self.ca_pem = pem_cert(ca).decode()
        srv_key = ec.generate_private_key(ec.SECP256R1())
        san = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        srv = _cert(srv_key, _name("localhost"), ca_key, ca.subject, san=san)
        self.server_cert = _write(os.path.join(d, "server.pem"), pem_cert(srv))
        self.server_key = _write(os.path.join(d, "server.key"), pem_key(srv_key))
        self.server_pin = spki_pin(srv)
        cl_key = ec.generate_private_key(ec.SECP256R1())
        cl = _cert(cl_key, _name("skolnav hub"), ca_key, ca.subject)
        self.client_cert = _write(os.path.join(d, "client.pem"), pem_cert(cl))
        self.client_key = _write(os.path.join(d, "client.key"), pem_key(cl_key))
        self.client_pin = spki_pin(cl)
        other = ec.generate_private_key(ec.SECP256R1())
        self.other_pin = spki_pin(_cert(other, _name("other"), other, _name("other")))
        rogue_ca_key = ec.generate_private_key(ec.SECP256R1())
        rogue_ca = _cert(rogue_ca_key, _name("rogue CA"), rogue_ca_key, _name("rogue CA"), ca=True)
        rk = ec.generate_private_key(ec.SECP256R1())
        rc = _cert(rk, _name("rogue"), rogue_ca_key, rogue_ca.subject)
        self.rogue_cert = _write(os.path.join(d, "rogue.pem"), pem_cert(rc))
        self.rogue_key = _write(os.path.join(d, "rogue.key"), pem_key(rk))


# ------------------------------------------------------------------ JWS (federation metadata)

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwk_of(key, kid):
    n = key.public_key().public_numbers()
    return {"kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256",
            "x": b64u(n.x.to_bytes(32, "big")), "y": b64u(n.y.to_bytes(32, "big"))}


def sign_jws(payload, key, kid, exp, iat=None, tamper=False):
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    iat = int(time.time()) if iat is None else iat
    hdr = {"alg": "ES256", "iat": iat, "exp": exp, "iss": "https://fed.test", "kid": kid}
    p = b64u(json.dumps(hdr).encode())
    body = b64u(json.dumps(payload).encode())
    r, s = decode_dss_signature(key.sign(("%s.%s" % (p, body)).encode(), ec.ECDSA(hashes.SHA256())))
    sig = b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    if tamper:
        payload = dict(payload, version="9.9.9")
        body = b64u(json.dumps(payload).encode())
    return json.dumps({"payload": body, "signatures": [{"protected": p, "signature": sig}]})


# ------------------------------------------------------------------ the receiver

class Fault:
    def __init__(self, method, status, endpoint=None, ident=None, times=1, delay=0.0):
        self.method, self.status, self.endpoint, self.ident = method, status, endpoint, ident
        self.times, self.delay = times, delay

    def matches(self, method, endpoint, ident):
        return (self.times != 0 and self.method == method and (self.endpoint in (None, endpoint))
                and (self.ident in (None, ident)))


class Receiver:
    def __init__(self, pki=None, api_key=None, delay_ms=0, require_cert=True):
        self.pki, self.api_key, self.delay = pki, api_key, delay_ms / 1000.0
        self.require_cert = require_cert and pki is not None
        self.data = {e: {} for e in ENDPOINTS}
        self.log = []
        self.faults = []
        self.lock = threading.Lock()
        self.httpd = None

    # --- test API
    def reset_log(self):
        with self.lock:
            self.log = []

    def inject(self, method, status, endpoint=None, ident=None, times=1, delay=0.0):
        with self.lock:
            self.faults.append(Fault(method, status, endpoint, ident, times, delay))

    def clear_faults(self):
        with self.lock:
            self.faults = []

    def count(self, endpoint):
        with self.lock:
            return len(self.data[endpoint])

    def requests(self, method=None, status=None):
        with self.lock:
            return [r for r in self.log if (method is None or r["method"] == method)
                    and (status is None or r["status"] == status)]

    @property
    def url(self):
        scheme = "https" if self.pki else "http"
        return "%s://127.0.0.1:%d/scim/" % (scheme, self.httpd.server_address[1])

    def start(self):
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out together, no delayed-ACK stalls

            def log_message(self, *a):
                pass

            def _send(self, status, obj=None):
                body = b"" if obj is None else json.dumps(obj).encode()
                self.send_response(status)
                if obj is not None:
                    self.send_header("Content-Type", "application/scim+json")
                self.send_header("Content-Length", str(len(body)))
                # one write: a response split over two TLS records waits for an ACK
                self._headers_buffer.append(b"\r\n" + body)
                self.wfile.write(b"".join(self._headers_buffer))
                self._headers_buffer = []
                return status

            def _handle(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = [p for p in self.path.split("?")[0].split("/") if p]
                if parts and parts[0] == "scim":
                    parts = parts[1:]
                endpoint = parts[0] if parts else ""
                ident = parts[1] if len(parts) > 1 else None
                entry = {"method": method, "path": self.path, "endpoint": endpoint, "id": ident,
                         "ctype": self.headers.get("Content-Type"), "body": None, "t": time.time()}
                if raw:
                    try:
                        entry["body"] = json.loads(raw)
                    except ValueError:
                        entry["body"] = raw.decode("utf-8", "replace")
                status = self._dispatch(method, endpoint, ident, raw, entry)
                entry["status"] = status
                with rec.lock:
                    rec.log.append(entry)

            def _dispatch(self, method, endpoint, ident, raw, entry):
                if rec.delay:
                    time.sleep(rec.delay)
                if rec.api_key is not None and self.headers.get("X-API-Key") != rec.api_key:
                    return self._send(401, {"detail": "bad API key"})
                with rec.lock:
                    fault = next((f for f in rec.faults if f.matches(method, endpoint, ident)), None)
                    if fault:
                        fault.times -= 1
                if fault:
                    if fault.delay:
                        time.sleep(fault.delay)
                    if fault.status:
                        return self._send(fault.status, {"detail": "injected %d" % fault.status})
                if endpoint not in ENDPOINTS:
                    return self._send(404, {"detail": "no such endpoint"})
                store = rec.data[endpoint]
                if method == "GET":
                    with rec.lock:
                        res = [dict(v, id=k) for k, v in store.items()]
                    return self._send(200, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                                            "totalResults": len(res), "Resources": res})
                if method == "DELETE":
                    if raw:
                        return self._send(400, {"detail": "DELETE with a body"})
                    with rec.lock:
                        if ident not in store:
                            return self._send(404, {"detail": "missing"})
                        del store[ident]
                    return self._send(204)
                if method not in ("POST", "PUT"):
                    return self._send(501, {"detail": "method"})
                ct = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                if ct != "application/scim+json":
                    return self._send(415, {"detail": "media type %r" % ct})
                obj = entry["body"]
                err = validate(endpoint, obj)
                if err:
                    return self._send(400, {"detail": err})
                oid = obj["externalId"]
                with rec.lock:
                    if method == "POST":
                        if ident is not None:
                            return self._send(405, {"detail": "POST to an item"})
                        if oid in store:
                            return self._send(409, {"detail": "exists"})
                        store[oid] = obj
                        return self._send(201, dict(obj, id=oid))
                    if ident != oid:
                        return self._send(400, {"detail": "URL id differs from externalId"})
                    if oid not in store:
                        return self._send(404, {"detail": "missing"})
                    store[oid] = obj
                    return self._send(200, dict(obj, id=oid))

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_PUT(self):
                self._handle("PUT")

            def do_DELETE(self):
                self._handle("DELETE")

            def do_PATCH(self):
                self._handle("PATCH")

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        if self.pki:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.load_cert_chain(self.pki.server_cert, self.pki.server_key)
            if self.require_cert:
                ctx.verify_mode = ssl.CERT_REQUIRED
                ctx.load_verify_locations(self.pki.ca)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()


def _is_ref(v, target):
    return (isinstance(v, dict) and isinstance(v.get("value"), str) and UUID_RE.match(v["value"])
            and v.get("$ref") == "%s/%s" % (target, v["value"]))


def validate(endpoint, obj):
    """None, or why Windermere (or this stricter receiver) would refuse obj."""
    if not isinstance(obj, dict):
        return "the body is not a JSON object"
    for k in REQUIRED[endpoint]:
        if k not in obj:
            return "missing required attribute %s" % k
    if obj.get("schemas") != SCHEMA[endpoint]:
        return "schemas %r" % obj.get("schemas")
    if not isinstance(obj["externalId"], str) or not UUID_RE.match(obj["externalId"]):
        return "externalId %r is not a lower-case UUID" % obj["externalId"]
    if endpoint == "SchoolUnits" and not re.search(r"[0-9]{8}", str(obj["schoolUnitCode"])):
        return "schoolUnitCode"
    if endpoint == "Users":
        n = obj["name"]
        if not isinstance(n, dict) or "familyName" not in n or "givenName" not in n:
            return "name needs familyName and givenName"
        ext = obj.get(USER_EXT, {})
        for en in ext.get("enrolments", []):
            if not _is_ref(en, "SchoolUnits"):
                return "enrolment %r" % en
            if "schoolYear" in en and not isinstance(en["schoolYear"], int):
                return "schoolYear must be an integer"
        if "securityMarking" in ext and not isinstance(ext["securityMarking"], bool):
            return "securityMarking must be a boolean"
    for k, target in REF_TARGET.items():
        if k in obj and not _is_ref(obj[k], target):
            return "%s is not a relative reference to %s" % (k, target)
    for k, target in REF_LISTS.items():
        if k in obj and not (isinstance(obj[k], list) and all(_is_ref(v, target) for v in obj[k])):
            return "%s must list references to %s" % (k, target)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--delay-ms", type=int, default=0)
    a = ap.parse_args()
    pki = Pki(a.dir)
    rec = Receiver(pki, delay_ms=a.delay_ms).start()
    with open(os.path.join(a.dir, "port.tmp"), "w") as f:
        json.dump({"url": rec.url, "pin": pki.server_pin}, f)
    os.rename(os.path.join(a.dir, "port.tmp"), os.path.join(a.dir, "port"))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        rec.stop()


if __name__ == "__main__":
    sys.exit(main())
