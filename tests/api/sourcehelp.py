"""Helpers for the source tests: a `skolnav serve` with the push ingest
listener on a fresh store (empty or with the demo), push sources made
through the CLI, and an HTTP client for both listeners."""

import json
import os
import signal
import subprocess
import time

import requests

from apihelp import HTTP_TIMEOUT, Cli, backend, free_port, new_db, psql, skolnav_bin, sqlite_connect

MAX_BODY = 1024 * 1024


def sql_rows(db, sql):
    """Every row of sql on the store db (SQLite file or PostgreSQL URL), values as text."""
    if db.startswith("postgres"):
        return [tuple(r) for r in psql(db, sql)]
    con = sqlite_connect(db, timeout=30)
    try:
        rows = [tuple("" if v is None else str(v) for v in r) for r in con.execute(sql).fetchall()]
        con.commit()
        return rows
    finally:
        con.close()


def sql_quote(s):
    return "'" + s.replace("'", "''") + "'"


class IngestServer:
    def __init__(self, workdir, demo=False, max_body=MAX_BODY, scheduled_pulls=False, db=None):
        """scheduled_pulls: the server runs the pull sources' schedules
        (off by default, so a test's own `skolnav pull` runs are the only
        ones); db: serve an existing store (another node)."""
        self.workdir = str(workdir)
        self.scheduled_pulls = scheduled_pulls
        self.binary = skolnav_bin()
        self.db = db or new_db(self.workdir, "hub")  # an SQLite file or a PostgreSQL database
        self.cli = Cli(self.binary, self.db, self.workdir)
        self.demo = demo
        self.max_body = max_body
        self.proc = None
        self.http = requests.Session()

    def start(self):
        if self.demo:
            self.cli.demo("12000")
        else:
            self.cli.run("migrate", "--db", self.db, "--create")
        self.api_key = json.loads(self.cli.run("client", "add", "--db", self.db, "reader", "--full-access",
                                               "--json").stdout)["key"]
        return self.restart()

    def restart(self):
        """Serves the store again (after stop() or a kill), on new ports."""
        self.port, self.iport = free_port(), free_port()
        self.base = "http://127.0.0.1:%d/v2.0" % self.port
        self.ibase = "http://127.0.0.1:%d" % self.iport
        self.log_path = os.path.join(self.workdir, "serve.log")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--db", self.db, "--listen", "127.0.0.1:%d" % self.port,
             "--ingest-listen", "127.0.0.1:%d" % self.iport, "--ingest-max-body", str(self.max_body)] +
            ([] if self.scheduled_pulls else ["--no-scheduled-pulls"]),
            stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("serve exited with %s:\n%s" % (self.proc.returncode, self.log()))
            try:
                if requests.get(self.ibase + "/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.time() < deadline, "serve did not answer within 30 s:\n" + self.log()
            time.sleep(0.1)
        return self

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-4000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        if not self.proc:
            return None
        self.http.close()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = "timeout"
        self._log.close()
        return rc

    # --- sources
    def add_push(self, name, *extra):
        cp = self.cli.run("source", "add", "--db", self.db, name, "--push", *extra)
        return cp.stdout.strip().splitlines()[-1]

    def source_show(self, name):
        return json.loads(self.cli.run("source", "show", "--db", self.db, name, "--json").stdout)

    # --- HTTP
    def push(self, method, path, body, key, raw=None, headers=None):
        h = {"Authorization": "Bearer " + key} if key else {}
        h.update(headers or {})
        data = raw if raw is not None else json.dumps(body).encode()
        return self.http.request(method, self.ibase + path, data=data,
                                 headers=dict(h, **{"Content-Type": "application/json"}), timeout=HTTP_TIMEOUT)

    def get(self, path, **params):
        return self.http.get(self.base + path, params=params, headers={"Authorization": "Bearer " + self.api_key},
                             timeout=HTTP_TIMEOUT)
