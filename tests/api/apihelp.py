"""Helpers for the black-box API tests: server process, CLI, HTTP client,
schema validation derived from the server's own OpenAPI document, a cache of
fully walked collections, Swedish collation and time parsing."""

import atexit
import copy
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unicodedata
import uuid

import jsonschema
import requests

from spec_facts import BASE_PATH

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
MAX_PAGE = 1000
HTTP_TIMEOUT = 60
# The files of an SQLite store: the store, the log file beside it, and
# SQLite's own files of each while open.
SQLITE_FILES = ("", "-wal", "-shm", "-journal", "-log", "-log-wal", "-log-shm", "-log-journal")

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
UTC_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def skolnav_bin():
    return os.environ.get("SKOLNAV_BIN") or os.path.join(REPO_ROOT, "build", "skolnav")


# --- stores: SQLite files or PostgreSQL databases ---------------------------------
# SKOLNAV_TEST_BACKEND=postgresql runs every server of the suite on a fresh
# database of the PostgreSQL server in SKOLNAV_TEST_PG (tests/with-pg starts
# one); otherwise each gets an SQLite file in its work directory.

def backend():
    return os.environ.get("SKOLNAV_TEST_BACKEND", "sqlite")


def pg_base():
    base = os.environ.get("SKOLNAV_TEST_PG")
    assert base, ("no PostgreSQL server for the tests: run them under tests/with-pg "
                  "(as `make check` does), which sets SKOLNAV_TEST_PG")
    return base


def psql(url, sql):
    """Rows of one SQL statement run by psql on url, as lists of strings."""
    cp = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                        capture_output=True, text=True, timeout=300)
    assert cp.returncode == 0, "psql %s: %s" % (sql[:200], cp.stderr)
    return [ln.split("\t") for ln in cp.stdout.splitlines()]


def new_pg_db():
    name = "skn_" + uuid.uuid4().hex[:16]
    psql(pg_base() + "/postgres", "CREATE DATABASE " + name)
    return pg_base() + "/" + name


def new_db(workdir, name="skolnav"):
    """A place for a new store of the backend under test."""
    if backend() == "postgresql":
        return new_pg_db()
    return os.path.join(workdir, name + ".db")


def sqlite_connect(db, timeout=5):
    """A connection to an SQLite store with the log file beside it attached,
    as the server has it (request_log, ledger_journal live there)."""
    import sqlite3
    con = sqlite3.connect(db, timeout=timeout)
    if os.path.exists(db + "-log"):
        con.execute("ATTACH ? AS log", (db + "-log",))
    return con


def sql_value(db, sql):
    """The first column of the first row of sql run on the store db."""
    if db.startswith("postgres"):
        return psql(db, sql)[0][0]
    con = sqlite_connect(db)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def sql_quote(v):
    """v as an SQL string literal (for the few statements tests run)."""
    return "'" + str(v).replace("'", "''") + "'"


def sql_exec(db, sql):
    """Runs one statement that changes the store db, on either backend."""
    if db.startswith("postgres"):
        psql(db, sql)
        return
    con = sqlite_connect(db, timeout=30)
    try:
        con.execute(sql)
        con.commit()
    finally:
        con.close()


# --- time ---------------------------------------------------------------------

def parse_dt(s):
    """RFC 3339 date-time -> aware datetime."""
    assert isinstance(s, str) and DATETIME_RE.match(s), "not an RFC 3339 date-time: %r" % (s,)
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    return dt.datetime.fromisoformat(s)


def parse_date(s):
    assert isinstance(s, str) and DATE_RE.match(s), "not a date: %r" % (s,)
    return dt.date.fromisoformat(s)


def fmt_dt(d):
    """aware datetime -> RFC 3339 UTC with Z, keeping microseconds if any."""
    d = d.astimezone(dt.timezone.utc)
    s = d.strftime("%Y-%m-%dT%H:%M:%S")
    if d.microsecond:
        s += (".%06d" % d.microsecond).rstrip("0")
    return s + "Z"


def with_offset(s, hours=2):
    """The same instant as s written with a +hh:00 offset."""
    d = parse_dt(s).astimezone(dt.timezone(dt.timedelta(hours=hours)))
    txt = d.isoformat()
    return txt


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


# --- Swedish collation ----------------------------------------------------------

_SV_LETTERS = {"å": "{", "ä": "|", "ö": "}",  # sort right after z
               "æ": "|", "ø": "}", "ü": "y"}


def sv_primary(s):
    """Primary collation key in Swedish order: case-insensitive, accents
    other than å ä ö ignored, a..z < å < ä < ö, digits before letters."""
    out = []
    for ch in unicodedata.normalize("NFC", s).lower():
        if ch in _SV_LETTERS:
            out.append(_SV_LETTERS[ch])
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        for c in base:
            if c.isalnum():
                out.append(c)
            elif c.isspace():
                out.append(" ")
            else:
                out.append(c)
    return "".join(out)


def person_name(p):
    return "%s %s" % (p.get("givenName", ""), p.get("familyName", ""))


def get_path(obj, dotted):
    if dotted == "@personName":
        return person_name(obj)
    cur = obj
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def sort_value(item, field, kind):
    v = get_path(item, field)
    if v is None:
        return None
    if kind == "datetime":
        return parse_dt(v)
    if kind == "date":
        return parse_date(v)
    return sv_primary(v)


def check_order(items, field, direction, kind):
    """Asserts that items are ordered by field (Swedish collation for text).
    Items lacking the field must form one block at the start or the end.
    Items with equal values (exactly equal strings/instants) must be ordered
    by id (ascending or descending, consistently)."""
    vals = [sort_value(i, field, kind) for i in items]
    present = [v is not None for v in vals]
    if not all(present) and any(present):
        first = present.index(True)
        last = len(present) - 1 - present[::-1].index(True)
        assert all(present[first:last + 1]), (
            "items without %s are interleaved with items having it" % field)
    seq = [(v, get_path(i, field), i["id"]) for v, i in zip(vals, items) if v is not None]
    tie_dirs = set()
    for (a, ra, ia), (b, rb, ib) in zip(seq, seq[1:]):
        if direction == "asc":
            assert a <= b, "order broken by %s: %r (id %s) before %r (id %s)" % (field, ra, ia, rb, ib)
        else:
            assert a >= b, "order broken by %s: %r (id %s) before %r (id %s)" % (field, ra, ia, rb, ib)
        if a == b and ra == rb:
            assert ia != ib
            tie_dirs.add(ia.lower() < ib.lower())
    assert len(tie_dirs) <= 1, "ties on %s are not broken by id consistently" % field
    return len(seq)


# --- errors ---------------------------------------------------------------------

def assert_error(resp, status, param=None):
    """resp has one of the given statuses and an Error body {code, message};
    when param is given, the message names it."""
    statuses = (status,) if isinstance(status, int) else tuple(status)
    assert resp.status_code in statuses, "expected %s, got %s: %s" % (
        statuses, resp.status_code, resp.text[:500])
    ctype = resp.headers.get("Content-Type", "")
    assert "json" in ctype.lower(), "error body is not JSON (Content-Type %r)" % ctype
    body = resp.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("code"), str) and body["code"], body
    assert isinstance(body.get("message"), str) and body["message"], body
    if param is not None:
        assert param in body["message"], "error message %r does not name %r" % (body["message"], param)
    return body


# --- process management ---------------------------------------------------------

class Cli:
    def __init__(self, binary, db, workdir):
        self.binary = binary
        self.db = db
        self.workdir = workdir

    def run(self, *args, check=True, timeout=300):
        cmd = [self.binary] + [str(a) for a in args]
        cp = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check:
            assert cp.returncode == 0, "%s failed (%d):\n%s\n%s" % (
                " ".join(cmd), cp.returncode, cp.stdout[-2000:], cp.stderr[-2000:])
        return cp

    def demo(self, seed):
        """The Mittköping demo of seed in this store: generated once per
        binary, seed and backend in a test session, then copied (a file
        copy on SQLite, a template database on PostgreSQL), which keeps
        the many servers of the suite from each generating it again."""
        return _demo_cache.copy_into(self, str(seed))

    def add_client(self, name, as_json):
        args = ["client", "add", "--db", self.db, name, "--full-access"]
        if as_json:
            cp = self.run(*(args + ["--json"]))
            obj = json.loads(cp.stdout.strip())
            assert isinstance(obj, dict) and obj.get("id") and obj.get("key"), obj
            return obj["id"], obj["key"]
        cp = self.run(*args)
        lines = [ln.strip() for ln in cp.stdout.splitlines() if ln.strip()]
        assert lines, "client add printed nothing"
        return None, lines[-1]

    def ingest(self, kind, entities, check=True):
        path = os.path.join(self.workdir, "ingest-%s-%s.json" % (kind, uuid.uuid4().hex[:8]))
        with open(path, "w", encoding="utf-8") as f:
            json.dump(entities, f, ensure_ascii=False)
        return self.run("ingest", "--db", self.db, "--kind", kind, path, check=check)

    def delete(self, kind, *ids, check=True):
        return self.run("delete", "--db", self.db, "--kind", kind, *ids, check=check)


class _DemoCache:
    def __init__(self):
        self.made = {}
        self.dir = None

    def _generate(self, cli, seed, pg):
        if pg:
            src = new_pg_db()
        else:
            if self.dir is None:
                self.dir = tempfile.mkdtemp(prefix="skolnav-demo-")
                atexit.register(shutil.rmtree, self.dir, True)
            src = os.path.join(self.dir, "demo-%d-%s.db" % (len(self.made), seed))
        Cli(cli.binary, src, cli.workdir).run("demo", "--db", src, "--scale", "mittkoping", "--seed", seed,
                                              timeout=900)
        return src

    def copy_into(self, cli, seed):
        # By the destination's kind: a test may make an SQLite store while
        # the suite runs on PostgreSQL (migrate tests move one to the other).
        pg = cli.db.startswith("postgres")
        key = (cli.binary, seed, pg)
        src = self.made.get(key)
        if src is None:
            src = self.made[key] = self._generate(cli, seed, pg)
        if pg:
            base, name = cli.db.rsplit("/", 1)
            # CREATE DATABASE ... TEMPLATE copies the files; nobody is
            # connected to the template after its demo run.
            psql(base + "/postgres", "DROP DATABASE IF EXISTS " + name)
            psql(base + "/postgres", "CREATE DATABASE %s TEMPLATE %s" % (name, src.rsplit("/", 1)[1]))
        else:
            for suffix in SQLITE_FILES:
                if os.path.exists(cli.db + suffix):
                    os.unlink(cli.db + suffix)
            for suffix in ("", "-wal", "-log", "-log-wal"):
                if os.path.exists(src + suffix):
                    shutil.copyfile(src + suffix, cli.db + suffix)


_demo_cache = _DemoCache()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running `skolnav serve` on a fresh demo database."""

    def __init__(self, workdir, seed, db=None, serve_args=(), env=None):
        self.workdir = workdir
        self.serve_args = list(serve_args)
        self.env = dict(os.environ, **env) if env else None
        self.binary = skolnav_bin()
        self.db = db or new_db(workdir)
        self.cli = Cli(self.binary, self.db, workdir)
        self.seed = seed
        self.proc = None

    def start(self):
        if not os.access(self.binary, os.X_OK):
            raise AssertionError("skolnav binary not found at %s (set SKOLNAV_BIN or build it)" % self.binary)
        self.cli.demo(self.seed)
        self.client_a_id, self.key_a = self.cli.add_client("api-test-a", as_json=True)
        _id, self.key_b = self.cli.add_client("api-test-b", as_json=False)
        assert self.key_a != self.key_b
        return self.launch()

    def launch(self):
        """Starts `skolnav serve` on the store as it is (keys already set)."""
        return self.spawn().wait_ready()

    def spawn(self):
        """Starts the process without waiting for it to answer."""
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(self.workdir, "serve.log")
        self._log = open(self.log_path, "ab")
        self._spawn()
        self.api = Api(self.base, self.key_a, self.key_b, self.cli)
        return self

    def _spawn(self):
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--db", self.db, "--listen", "127.0.0.1:%d" % self.port] + self.serve_args,
            stdout=self._log, stderr=subprocess.STDOUT, env=self.env)
        return self

    def wait_ready(self):
        deadline = time.time() + 30
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("skolnav serve exited with %s:\n%s" % (self.proc.returncode, self.log()))
            try:
                r = requests.get(self.base + "/health", timeout=1)
                if r.status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.time() > deadline:
                self.proc.kill()
                raise AssertionError("skolnav serve did not answer /health within 30 s:\n" + self.log())
            time.sleep(0.1)
        return self

    def kill9_and_restart(self):
        """SIGKILL (nothing is flushed or finished), then serve the same store again."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.api.close()
        self._spawn()

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-4000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        """SIGTERM; returns the exit status."""
        if self.proc is None:
            return None
        self.api.close()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = "timeout"
        self._log.close()
        return rc


# --- HTTP -----------------------------------------------------------------------

def encode_params(params):
    """dict or list of pairs -> list of pairs; list values become repeated
    keys, booleans become true/false."""
    if params is None:
        return []
    pairs = params.items() if isinstance(params, dict) else params
    out = []
    for k, v in pairs:
        if isinstance(v, (list, tuple)):
            out.extend((k, _scalar(x)) for x in v)
        else:
            out.append((k, _scalar(v)))
    return out


def _scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


class Api:
    def __init__(self, base, key, other_key, cli):
        self.base = base
        self.root = base + BASE_PATH
        self.key = key
        self.other_key = other_key
        self.cli = cli
        self._sessions = {}

    def session(self, key):
        s = self._sessions.get(key)
        if s is None:
            s = requests.Session()
            self._sessions[key] = s
        return s

    def close(self):
        for s in self._sessions.values():
            s.close()

    def url(self, path):
        return self.root + path

    def request(self, method, path, params=None, json_body=None, data=None,
                key="default", headers=None):
        """key: "default" (client A), "other" (client B), None (no auth) or
        an explicit key string."""
        h = {}
        if key == "default":
            key = self.key
        elif key == "other":
            key = self.other_key
        if key is not None:
            h["Authorization"] = "Bearer " + key
        if json_body is not None:
            data = json.dumps(json_body)
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        return self.session(key).request(method, self.url(path), params=encode_params(params),
                                         data=data, headers=h, timeout=HTTP_TIMEOUT)

    def get(self, path, params=None, **kw):
        return self.request("GET", path, params=params, **kw)

    def post(self, path, body=None, params=None, **kw):
        return self.request("POST", path, params=params, json_body=body, **kw)

    def get_json(self, path, params=None, **kw):
        r = self.get(path, params, **kw)
        assert r.status_code == 200, "GET %s %s -> %s %s" % (path, params, r.status_code, r.text[:500])
        return r.json()

    def lookup(self, ep, body, params=None, **kw):
        r = self.post("/%s/lookup" % ep, body, params=params, **kw)
        assert r.status_code == 200, "lookup %s %s -> %s %s" % (ep, body, r.status_code, r.text[:500])
        data = r.json()
        assert isinstance(data, list), "lookup must return a bare array, got %r" % type(data)
        return data

    def pages(self, path, params=None, limit=None, key="default", max_pages=20000, on_page=None):
        """Yields every page (the decoded envelope) following pageToken."""
        first = encode_params(params)
        if limit is not None:
            first.append(("limit", str(limit)))
        query = first
        for n in range(max_pages):
            r = self.get(path, query, key=key)
            assert r.status_code == 200, "GET %s %s -> %s %s" % (path, query, r.status_code, r.text[:500])
            env = r.json()
            assert isinstance(env, dict) and "data" in env, env
            tok = env.get("pageToken")
            assert tok is None or (isinstance(tok, str) and tok), "bad pageToken %r" % (tok,)
            if limit is not None and isinstance(env["data"], list):
                assert len(env["data"]) <= limit, "page larger than limit %d" % limit
            yield env
            if on_page is not None:
                on_page(n, env)
            if tok is None:
                return
            query = [("pageToken", tok)]
            if limit is not None:
                query.append(("limit", str(limit)))
        raise AssertionError("more than %d pages" % max_pages)

    def walk(self, path, params=None, limit=MAX_PAGE, key="default", allow_dup=(), on_page=None):
        """All items of a list endpoint; asserts no id appears twice (except
        ids in allow_dup)."""
        items, seen = [], set()
        for env in self.pages(path, params, limit, key=key, on_page=on_page):
            assert isinstance(env["data"], list), env
            for it in env["data"]:
                iid = it.get("id")
                assert iid is not None, "item without id: %r" % (it,)
                if iid in seen:
                    assert iid in allow_dup, "id %s returned twice while paging %s %s" % (iid, path, params)
                    continue
                seen.add(iid)
                items.append(it)
        return items

    def ids(self, path, params=None, limit=MAX_PAGE, **kw):
        return {it["id"] for it in self.walk(path, params, limit, **kw)}


# --- OpenAPI -> JSON Schema -------------------------------------------------------

_DROP = {"nullable", "readOnly", "writeOnly", "example", "examples", "xml",
         "externalDocs", "deprecated", "discriminator", "description", "title"}


def oas_to_jsonschema(node):
    if isinstance(node, list):
        return [oas_to_jsonschema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k == "$ref":
            out[k] = v.replace("#/components/schemas/", "#/definitions/")
        elif k in _DROP:
            continue
        elif k == "properties":
            out[k] = {pk: oas_to_jsonschema(pv) for pk, pv in v.items()}
        elif k in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(v, bool):
            continue
        else:
            out[k] = oas_to_jsonschema(v)
    for ex, lim in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if node.get(ex) is True and lim in node:
            out[ex] = node[lim]
            out.pop(lim, None)
    if node.get("nullable") is True and "$ref" not in node:
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = list(out["enum"]) + [None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _format_checker():
    fc = jsonschema.FormatChecker(formats=())

    @fc.checks("uuid")
    def _uuid(v):
        return not isinstance(v, str) or bool(UUID_RE.match(v))

    @fc.checks("date")
    def _date(v):
        if not isinstance(v, str):
            return True
        if not DATE_RE.match(v):
            return False
        try:
            dt.date.fromisoformat(v)
            return True
        except ValueError:
            return False

    @fc.checks("date-time")
    def _datetime(v):
        if not isinstance(v, str):
            return True
        try:
            parse_dt(v)
            return True
        except (AssertionError, ValueError):
            return False

    return fc


class SchemaBook:
    """Validates JSON against schemas taken from the server's own document."""

    def __init__(self, doc):
        self.doc = doc
        comps = doc.get("components", {}).get("schemas", {})
        self.definitions = {k: oas_to_jsonschema(v) for k, v in comps.items()}
        self.fc = _format_checker()
        self._cache = {}

    def raw_schema(self, name_or_op):
        if " " in name_or_op:
            method, path = name_or_op.split(" ", 1)
            op = self.doc["paths"][path][method.lower()]
            resp = op["responses"].get("200") or op["responses"].get("201")
            return resp["content"]["application/json"]["schema"]
        return {"$ref": "#/components/schemas/" + name_or_op}

    def validator(self, name_or_op):
        v = self._cache.get(name_or_op)
        if v is None:
            schema = oas_to_jsonschema(copy.deepcopy(self.raw_schema(name_or_op)))
            root = {"definitions": self.definitions}
            root.update(schema)
            v = jsonschema.Draft7Validator(root, format_checker=self.fc)
            self._cache[name_or_op] = v
        return v

    def validate(self, instance, name_or_op):
        errs = sorted(self.validator(name_or_op).iter_errors(instance), key=lambda e: list(e.absolute_path))
        if errs:
            lines = ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "<root>", e.message[:300])
                     for e in errs[:8]]
            raise AssertionError("does not match %s:\n  %s" % (name_or_op, "\n  ".join(lines)))


# --- walked data ---------------------------------------------------------------

class Dataset:
    """Lazily walked collections of one (unchanging) server."""

    def __init__(self, api):
        self.api = api
        self._items = {}

    def items(self, ep):
        if ep not in self._items:
            self._items[ep] = self.api.walk("/" + ep, limit=MAX_PAGE)
        return self._items[ep]

    def by_id(self, ep):
        key = ("by_id", ep)
        if key not in self._items:
            self._items[key] = {i["id"]: i for i in self.items(ep)}
        return self._items[key]

    def ids(self, ep):
        return set(self.by_id(ep))

    def children(self):
        key = "children"
        if key not in self._items:
            ch = {}
            for o in self.items("organisations"):
                p = (o.get("parentOrganisation") or {}).get("id")
                if p:
                    ch.setdefault(p, set()).add(o["id"])
            self._items[key] = ch
        return self._items[key]

    def subtree(self, org_id):
        ch = self.children()
        out, todo = set(), [org_id]
        while todo:
            x = todo.pop()
            if x in out:
                continue
            out.add(x)
            todo.extend(ch.get(x, ()))
        return out


def sample(seq, n):
    """Deterministic spread-out sample of up to n elements."""
    seq = list(seq)
    if len(seq) <= n:
        return seq
    step = len(seq) / float(n)
    return [seq[int(i * step)] for i in range(n)]


def iter_dicts(obj, path=()):
    """Yields (path, dict) for every dict nested in obj."""
    if isinstance(obj, dict):
        yield path, obj
        for k, v in obj.items():
            yield from iter_dicts(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from iter_dicts(v, path + (i,))


def is_reference(d):
    return isinstance(d, dict) and "id" in d and set(d) <= {"id", "displayName", "securityMarking"}


def references(obj):
    """(path, ref) for every object reference in obj."""
    return [(p, d) for p, d in iter_dicts(obj) if is_reference(d)]


def ref_property(path):
    """Name of the property holding the reference at path (skipping indexes)."""
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return None
