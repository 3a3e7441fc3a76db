"""Shared pieces of the provisioning tests: a demo store, a PKI, receivers
and the CLI calls."""

import json
import os

from apihelp import Cli, new_db, skolnav_bin, sql_value
from scim_receiver import Pki, Receiver

ALL_CATS = ("Students", "Duties", "Groups", "Activities", "Email school", "Identifiers")
ORDER = ("Organisations", "SchoolUnitGroups", "SchoolUnits", "Users", "Employments", "StudentGroups",
         "Activities")


class Hub:
    def __init__(self, workdir, demo=True):
        self.workdir = str(workdir)
        self.db = new_db(self.workdir, "prov")
        self.cli = Cli(skolnav_bin(), self.db, self.workdir)
        self.pki = Pki(os.path.join(self.workdir, "pki"))
        self.receivers = []
        if demo:
            self.cli.demo(os.environ.get("SKOLNAV_TEST_SEED", "12000"))
        else:
            self.cli.run("migrate", "--db", self.db, "--create")

    def run(self, *args, check=True, timeout=600):
        return self.cli.run(*args, check=check, timeout=timeout)

    def receiver(self, **kw):
        r = Receiver(self.pki, **kw).start()
        self.receivers.append(r)
        return r

    def add_sp(self, name, rec, *extra, grant=("--all-orgs",) + tuple(
            x for c in ALL_CATS for x in ("--category", c))):
        self.run("provision", "add", "--db", self.db, name, "--url", rec.url, "--ca", self.pki.ca,
                 "--cert", self.pki.client_cert, "--key", self.pki.client_key, "--pin", self.pki.server_pin, *extra)
        if grant:
            self.run("provision", "grant", "--db", self.db, name, *grant)

    def plan(self, name, *extra):
        cp = self.run("provision", "plan", "--db", self.db, name, "--json", *extra, check=False)
        assert cp.returncode in (0, 3), cp.stderr
        return json.loads(cp.stdout)

    def prun(self, name, *extra, expect=0):
        cp = self.run("provision", "run", "--db", self.db, name, *extra, check=False)
        assert cp.returncode == expect, "exit %d, wanted %d:\n%s\n%s" % (cp.returncode, expect, cp.stdout,
                                                                        cp.stderr)
        return cp

    def show(self, name):
        return json.loads(self.run("provision", "show", "--db", self.db, name, "--json").stdout)

    def entity(self, ident):
        return json.loads(sql_value(self.db, "SELECT json FROM entity WHERE id='%s'" % ident))

    def ingest(self, kind, objs):
        for o in objs:
            o.pop("meta", None)
        self.cli.ingest(kind, objs)

    def stop(self):
        for r in self.receivers:
            r.stop()
