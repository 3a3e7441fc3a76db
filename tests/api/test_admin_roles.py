"""Every admin API endpoint against every role: refused (403 FORBIDDEN,
nothing done) for the roles it must refuse, admitted for the ones it may.
The table is written from docs/admin-api.md, not from the server's router."""

import uuid

import pytest
import requests

from adminhelp import sql_int, ROLES, assert_admin_error, empty_server, signed_in

NOID = str(uuid.UUID(int=0))
ADM, AM, VW, DPO = "administrator", "access-manager", "viewer", "dpo"

# (method, path, body, roles admitted)
ENDPOINTS = [
    ("GET", "/me", None, ROLES),
    ("GET", "/meta", None, ROLES),
    ("GET", "/explorer/organisations", None, (ADM, VW, AM)),
    ("GET", "/explorer/organisations/%s" % NOID, None, (ADM, VW)),
    ("GET", "/explorer/organisations/%s/pupils" % NOID, None, (ADM, VW)),
    ("GET", "/explorer/persons?q=anna", None, (ADM, VW)),
    ("GET", "/explorer/persons/%s" % NOID, None, (ADM, VW)),
    ("GET", "/explorer/entities/groups/%s" % NOID, None, (ADM, VW)),
    ("GET", "/vendors", None, (ADM, AM)),
    ("POST", "/vendors", {"name": "role-test"}, (ADM, AM)),
    ("GET", "/vendors/%s" % NOID, None, (ADM, AM)),
    ("PATCH", "/vendors/%s" % NOID, {"vendor": "x"}, (ADM, AM)),
    ("POST", "/vendors/%s/keys" % NOID, {}, (ADM, AM)),
    ("POST", "/vendors/%s/keys/rotate" % NOID, {}, (ADM, AM)),
    ("POST", "/vendors/%s/keys/0123456789abcdef/revoke" % NOID, None, (ADM, AM)),
    ("GET", "/vendors/%s/permissions" % NOID, None, (ADM, AM)),
    ("PUT", "/vendors/%s/permissions" % NOID, {}, (ADM, AM)),
    ("POST", "/vendors/%s/permissions/preview" % NOID, {}, (ADM, AM)),
    ("POST", "/vendors/%s/stop" % NOID, {"confirm": "x"}, (ADM, AM)),
    ("POST", "/vendors/%s/resume" % NOID, None, (ADM, AM)),
    ("GET", "/vendors/%s/view-as?path=/persons" % NOID, None, (ADM, AM)),
    ("GET", "/stop", None, (ADM, AM)),
    ("POST", "/stop", {"on": False}, (ADM, AM)),
    ("GET", "/sources", None, (ADM,)),
    ("GET", "/sources/nosuch/runs", None, (ADM,)),
    ("POST", "/sources/nosuch/pull", {}, (ADM,)),
    ("POST", "/sources/nosuch/import", None, (ADM,)),
    ("GET", "/held", None, (ADM,)),
    ("POST", "/held/%s/approve" % NOID, None, (ADM,)),
    ("POST", "/held/%s/discard" % NOID, None, (ADM,)),
    ("GET", "/quality", None, (ADM, VW)),
    ("GET", "/audit/requests", None, (ADM, DPO)),
    ("GET", "/audit/ledger/%s" % NOID, None, (ADM, DPO)),
    ("GET", "/audit/ledger/%s?format=csv" % NOID, None, (ADM, DPO)),
    ("GET", "/reports", None, (ADM, DPO)),
    ("GET", "/admin-audit", None, (ADM, DPO)),
    ("GET", "/accounts", None, (ADM,)),
    ("POST", "/accounts", "NEW", (ADM,)),
    ("PATCH", "/accounts/nobody", {"role": "viewer"}, (ADM,)),
    ("POST", "/accounts/nobody/password", None, (ADM,)),
    ("POST", "/logout", None, ROLES),
]


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = empty_server(str(tmp_path_factory.mktemp("admin-roles")))
    yield s
    assert s.stop() == 0, s.log()


@pytest.fixture(scope="module")
def sessions(srv):
    return {role: signed_in(srv, role) for role in ROLES}


def count(srv, table):
    return sql_int(srv.db, "SELECT count(*) FROM %s" % table)


@pytest.mark.parametrize("role", ROLES)
def test_role_table(srv, sessions, role):
    a = sessions[role]
    for method, path, body, admitted in ENDPOINTS:
        if path == "/logout":
            continue
        if body == "NEW":
            body = {"user": "made-by-" + role, "role": "viewer"}
        trail = count(srv, "admin_audit")
        vendors = count(srv, "client")
        kw = {"json": body} if body is not None else {}
        r = a.req(method, path, **kw)
        if role in admitted:
            assert r.status_code not in (401, 403), (role, method, path, r.status_code, r.text)
        else:
            assert_admin_error(r, 403, "FORBIDDEN")
            # A refused call changes nothing, and leaves no trail as if it had.
            assert count(srv, "admin_audit") == trail, (role, method, path)
            assert count(srv, "client") == vendors, (role, method, path)


def test_refused_writes_did_not_happen(srv, sessions):
    assert sql_int(srv.db, "SELECT count(*) FROM admin_account WHERE name='made-by-administrator'") == 1
    for role in ("access-manager", "viewer", "dpo"):
        assert sql_int(srv.db, "SELECT count(*) FROM admin_account WHERE name='made-by-%s'" % role) == 0
    # POST /vendors is admitted for administrators and access managers only.
    assert sql_int(srv.db, "SELECT count(*) FROM client WHERE name='role-test'") == 2


def test_every_endpoint_needs_a_session(srv):
    for method, path, body, _ in ENDPOINTS:
        kw = {"json": body if body != "NEW" else {"user": "x", "role": "viewer"}} if body is not None else {}
        r = requests.request(method, srv.base + "/admin/api" + path, timeout=60, **kw)
        assert_admin_error(r, 401, "UNAUTHORIZED")


def test_logout_for_every_role(srv):
    for role in ROLES:
        a = signed_in(srv, role, "bye-" + role)
        assert a.post("/logout").status_code == 204
        assert_admin_error(a.get("/me"), 401, "UNAUTHORIZED")


def test_public_endpoints(srv):
    r = requests.get(srv.base + "/admin/api/oidc", timeout=30)
    assert r.status_code == 200 and r.json() == {"enabled": False, "issuer": None}
    r = requests.get(srv.base + "/admin/api/oidc/start", timeout=30, allow_redirects=False)
    assert_admin_error(r, 404, "NOT_FOUND")
