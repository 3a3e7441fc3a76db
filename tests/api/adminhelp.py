"""Helpers for the admin API tests: accounts made with `skolnav admin add`,
signed-in sessions that send the CSRF token, servers on an empty store (the
session, role and OIDC tests need no data)."""

import requests

from apihelp import Server

ROLES = ("administrator", "access-manager", "viewer", "dpo")


def empty_server(workdir, serve_args=()):
    """`skolnav serve` on an empty store, with plain-http cookies allowed."""
    s = Server(workdir, None, serve_args=serve_args)
    s.cli.run("migrate", "--db", s.db, "--create")
    s.cli.run("admin", "settings", "--db", s.db, "--cookie-secure", "off")
    s.key_a = s.key_b = None  # no API clients: only /admin/api is used
    return s.launch()


def demo_server(workdir, seed):
    s = Server(workdir, seed)
    s.start()
    s.cli.run("admin", "settings", "--db", s.db, "--cookie-secure", "off")
    return s


def add_account(srv, user, role):
    """Creates an account; returns its initial password (the last line printed)."""
    cp = srv.cli.run("admin", "add", "--db", srv.db, user, "--role", role)
    lines = [ln for ln in cp.stdout.splitlines() if ln.strip()]
    return lines[-1].strip()


class Admin:
    """A browser-like session on /admin/api."""

    def __init__(self, srv):
        self.base = srv.base + "/admin/api"
        self.s = requests.Session()
        self.csrf = None

    def login(self, user, password, expect=200):
        r = self.s.post(self.base + "/login", json={"user": user, "password": password}, timeout=60)
        assert r.status_code == expect, (r.status_code, r.text)
        if r.status_code == 200:
            self.csrf = r.json()["csrfToken"]
        return r

    def req(self, method, path, csrf=True, **kw):
        headers = dict(kw.pop("headers", {}))
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            headers["X-CSRF-Token"] = self.csrf
        kw.setdefault("timeout", 120)
        kw.setdefault("allow_redirects", False)
        return self.s.request(method, self.base + path, headers=headers, **kw)

    def get(self, path, **kw):
        return self.req("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.req("POST", path, json=body, **kw)

    def ok(self, method, path, body=None, status=200, **kw):
        r = self.req(method, path, json=body, **kw) if body is not None else self.req(method, path, **kw)
        assert r.status_code == status, (method, path, r.status_code, r.text)
        return r.json() if r.content and r.headers.get("Content-Type", "").startswith("application/json") else r


def signed_in(srv, role, user=None):
    user = user or "t-" + role
    pw = add_account(srv, user, role)
    a = Admin(srv)
    a.login(user, pw)
    return a


def assert_admin_error(r, status, code):
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert body.get("code") == code, body
    assert isinstance(body.get("message"), str) and body["message"], body
    return body


def sql_int(db, sql):
    """A number from the store (PostgreSQL's client hands back text)."""
    from apihelp import sql_value
    return int(sql_value(db, sql))
