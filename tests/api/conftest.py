"""Fixtures: a fresh demo database served by `skolnav serve`, two API
clients, schemas from the server's own /v2.0/openapi.json."""

import os

import pytest
import requests

import apihelp
from apihelp import Dataset, SchemaBook, Server
from spec_facts import BASE_PATH

SEED = os.environ.get("SKOLNAV_TEST_SEED", "12000")


def _start(tmp_path_factory, name):
    srv = Server(str(tmp_path_factory.mktemp(name)), SEED)
    srv.start()
    return srv


def _stop(srv):
    rc = srv.stop()
    assert rc == 0, "skolnav serve exited with %r on SIGTERM:\n%s" % (rc, srv.log())


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The shared server. Tests using it must not change its data."""
    srv = _start(tmp_path_factory, "skolnav")
    yield srv
    _stop(srv)


@pytest.fixture(scope="session")
def api(server):
    return server.api


@pytest.fixture(scope="module")
def mutable_server(tmp_path_factory):
    """A server with its own database, for tests that change data."""
    srv = _start(tmp_path_factory, "skolnav-mut")
    yield srv
    _stop(srv)


@pytest.fixture(scope="session")
def dataset(api):
    return Dataset(api)


@pytest.fixture(scope="session")
def openapi_doc(api):
    url = api.url("/openapi.json")
    r = requests.get(url, timeout=apihelp.HTTP_TIMEOUT)
    if r.status_code == 401:
        r = api.get("/openapi.json")
    assert r.status_code == 200, "GET %s -> %s" % (url, r.status_code)
    return r.json()


@pytest.fixture(scope="session")
def schemas(openapi_doc):
    return SchemaBook(openapi_doc)


@pytest.fixture(scope="session")
def validate(schemas):
    """validate(instance, "Person") or validate(instance, "GET /persons/{id}")."""
    return schemas.validate


@pytest.fixture(scope="session")
def served_paths(openapi_doc):
    return set(openapi_doc.get("paths", {}))


@pytest.fixture
def require_path(served_paths):
    """For `later` tests: skip while the server's document lacks the path."""
    def need(path):
        if path not in served_paths:
            pytest.skip("%s not in the server's openapi.json yet" % path)
    return need


def pytest_report_header(config):
    return "skolnav binary: %s (base path %s)" % (apihelp.skolnav_bin(), BASE_PATH)
