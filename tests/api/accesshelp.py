"""Helpers for the access tests: clients made through the CLI, full data
read with a full-access key, and an oracle, written here independently of
the server's filter, of what a grant may see."""

import json

# kind path -> category whose grant serves it (persons: any person role)
KIND_CATEGORY = {
    "organisations": "Standard",
    "placements": "Placements",
    "duties": "Duties",
    "groups": "Groups",
    "programmes": "Programmes",
    "studyplans": "Studyplans",
    "syllabuses": "Programmes",
    "schoolUnitOfferings": "Programmes",
    "activities": "Activities",
    "calendarEvents": "Calendar events",
    "attendances": "Attendances",
    "attendanceEvents": "Attendance events",
    "attendanceSchedule": "Attendance schedule",
    "absences": "Absences",
    "grades": "Grades",
    "resources": "Resources",
    "rooms": "Resources",
}
PERSON_ROLES = ("Students", "Responsibles", "Duties")
ALL_CATEGORIES = sorted(set(KIND_CATEGORY.values()) - {"Standard"}) + [
    "Students", "Responsibles", "CivicNo", "Birthdate", "Sex", "Email", "Email school",
    "Phone numbers", "Addresses", "Photo", "Identifiers"]
# person attribute categories -> the fields (or e-mail types) they carry
PERSON_FIELDS = {
    "CivicNo": ["civicNo"],
    "Birthdate": ["birthDate"],
    "Sex": ["sex"],
    "Phone numbers": ["phoneNumbers"],
    "Addresses": ["addresses"],
    "Photo": ["photo"],
    "Identifiers": ["externalIdentifiers", "eduPersonPrincipalNames"],
    "Responsibles": ["responsibles"],
    "Students": ["enrolments"],
}
SCHOOL_EMAIL = {"Skola elev", "Skola personal"}

# How each kind is tied to organisations: (field path to the reference, kind).
SCOPE = {
    "placements": ("placedAt", "organisations"),
    "duties": ("dutyAt", "organisations"),
    "groups": ("organisation", "organisations"),
    "studyplans": ("student", "persons"),
    "schoolUnitOfferings": ("offeredAt", "organisations"),
    "activities": ("organisation", "organisations"),
    "calendarEvents": ("activity", "activities"),
    "attendances": ("calendarEvent", "calendarEvents"),
    "attendanceEvents": ("person", "persons"),
    "attendanceSchedule": ("placement", "placements"),
    "absences": ("organisation", "organisations"),
    "grades": ("organisation", "organisations"),
    "resources": ("owner", "organisations"),
    "rooms": ("owner", "organisations"),
}
# Top-level references that must name a visible person or the entity is a
# link to a protected person.
REQUIRED_PERSON = {
    "placements": ["child"], "studyplans": ["student"], "attendances": ["student"],
    "attendanceEvents": ["person"], "absences": ["student"], "grades": ["student", "registeredBy"],
    "groups": [],
}
ALL_KINDS = ["organisations", "persons"] + list(KIND_CATEGORY)[1:]
# Parameters a first page of some lists requires (a window wider than the demo).
LIST_PARAMS = {"calendarEvents": {"startTime.onOrAfter": "1900-01-01T00:00:00Z",
                                  "startTime.onOrBefore": "2200-01-01T00:00:00Z"}}


def walk(api, kind, key, limit=1000, params=None):
    p = dict(LIST_PARAMS.get(kind, {}))
    p.update(params or {})
    return api.walk("/" + kind, p, key=key, limit=limit)


def make_client(cli, name, *grant):
    """Creates a client with the given grant options; returns (id, key)."""
    cp = cli.run("client", "add", "--db", cli.db, name, "--json")
    obj = json.loads(cp.stdout.strip().splitlines()[-1])
    if grant:
        cli.run("client", "grant", "--db", cli.db, obj["id"], *grant)
    return obj["id"], obj["key"]


def grant_args(orgs=None, cats=(), protected=None):
    args = ["--all-orgs"] if orgs is None else [x for o in orgs for x in ("--org", o)]
    for c in cats:
        args += ["--category", c]
    if protected:
        args += ["--protected", protected]
    return args


class FullData:
    """Every entity of every kind, read with a full-access key."""

    def __init__(self, api, key):
        self.by_kind = {}
        for kind in ALL_KINDS:
            self.by_kind[kind] = {it["id"]: it for it in walk(api, kind, key)}

    def ref(self, obj, path):
        v = obj.get(path)
        return v.get("id") if isinstance(v, dict) else None


class Oracle:
    """What a grant may see: ids per kind, computed from the full data."""

    def __init__(self, full, orgs, cats, protected="exclude"):
        self.full = full
        self.cats = set(cats) | {"Standard"}
        self.protected = protected
        fk = full.by_kind
        orgs_all = fk["organisations"]
        if orgs is None:
            self.orgs = set(orgs_all)
        else:
            below = set(orgs)
            grew = True
            while grew:
                grew = False
                for oid, o in orgs_all.items():
                    if oid not in below and full.ref(o, "parentOrganisation") in below:
                        below.add(oid)
                        grew = True
            self.orgs = below
        self.all_orgs = orgs is None
        self.protected_ids = {pid for pid, p in fk["persons"].items()
                              if p.get("securityMarking", "Ingen") != "Ingen"}
        self.visible = {"organisations": set(self.orgs)}
        self.visible["persons"] = self._persons()
        for kind in KIND_CATEGORY:
            if kind == "organisations":
                continue
            self.visible[kind] = self._kind(kind)

    def granted(self, kind):
        if kind == "persons":
            return bool(self.cats & set(PERSON_ROLES))
        return KIND_CATEGORY[kind] in self.cats

    def _persons(self):
        fk = self.full.by_kind
        if not self.granted("persons"):
            return set()
        inorg = lambda oid: oid in self.orgs
        out = set()
        if self.all_orgs and set(PERSON_ROLES) <= self.cats:
            out = set(fk["persons"])
        else:
            if "Students" in self.cats:
                for pid, p in fk["persons"].items():
                    if any(inorg(e["enroledAt"]["id"]) for e in p.get("enrolments", [])):
                        out.add(pid)
                for g in fk["groups"].values():
                    if inorg(g["organisation"]["id"]):
                        out.update(m["person"]["id"] for m in g.get("groupMemberships", []))
                for pl in fk["placements"].values():
                    if inorg(pl["placedAt"]["id"]):
                        out.add(pl["child"]["id"])
            if "Duties" in self.cats:
                for d in fk["duties"].values():
                    if inorg(d["dutyAt"]["id"]) and d.get("person"):
                        out.add(d["person"]["id"])
            if "Responsibles" in self.cats:
                kids = set()
                for pid, p in fk["persons"].items():
                    if any(inorg(e["enroledAt"]["id"]) for e in p.get("enrolments", [])):
                        kids.add(pid)
                for pl in fk["placements"].values():
                    if inorg(pl["placedAt"]["id"]):
                        kids.add(pl["child"]["id"])
                        out.update(o["id"] for o in pl.get("owners", []))
                for k in kids:
                    out.update(r["person"]["id"] for r in fk["persons"].get(k, {}).get("responsibles", [])
                               if r.get("person"))
        out &= set(fk["persons"])
        if self.protected == "exclude":
            out -= self.protected_ids
        return out

    def _kind(self, kind):
        fk = self.full.by_kind
        if not self.granted(kind):
            return set()
        out = set()
        for eid, e in fk[kind].items():
            if kind in SCOPE and not self.all_orgs and not self._in_scope(kind, e):
                continue
            if self.protected == "exclude" and any(
                    self.full.ref(e, f) in self.protected_ids for f in REQUIRED_PERSON.get(kind, [])):
                continue
            out.add(eid)
        return out

    def _in_scope(self, kind, e):
        """Organisation scope only, following the chain of SCOPE."""
        field, target = SCOPE[kind]
        tid = self.full.ref(e, field)
        if tid is None:
            return False
        if target == "organisations":
            return tid in self.orgs
        if target == "persons":
            return tid in self._scoped_persons()
        te = self.full.by_kind[target].get(tid)
        return te is not None and self._in_scope(target, te)

    def _scoped_persons(self):
        if not hasattr(self, "_sp"):
            saved = self.protected
            self.protected = "full"
            self._sp = self._persons()
            self.protected = saved
        return self._sp

    def all_visible(self):
        out = set()
        for ids in self.visible.values():
            out |= ids
        return out


# Top-level references the schema requires: when the target is outside the
# view, the server may leave the bare id (never a displayName).
REQUIRED_TOP_REFS = {"placedAt", "child", "dutyAt", "organisation", "student", "offeredAt", "activity",
                     "calendarEvent", "person", "group", "placement", "registeredBy", "syllabus", "owner"}


def walk_refs(node, found, top=True):
    """Collects (id, has_displayName, bare_allowed, key) for every
    reference-like object {"id": ...} below the entity `node`, and for
    every entity embedded in it."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "_embedded" and isinstance(v, dict):
                for ev in v.values():
                    for it in (ev if isinstance(ev, list) else [ev]):
                        if isinstance(it, dict) and isinstance(it.get("id"), str):
                            found.append((it["id"], True, False, "_embedded"))
                            walk_refs(it, found, True)
                        else:
                            walk_refs(it, found, False)
            elif isinstance(v, dict) and isinstance(v.get("id"), str):
                found.append((v["id"], "displayName" in v, top and k in REQUIRED_TOP_REFS, k))
                walk_refs(v, found, False)
            else:
                walk_refs(v, found, False)
    elif isinstance(node, list):
        for x in node:
            walk_refs(x, found, False)
    return found


def check_response_items(items, oracle, kind, where):
    """No id, field or displayName outside the grant in these entities."""
    allowed = oracle.all_visible()
    hidden_names = []
    if oracle.protected == "alias":
        fp = oracle.full.by_kind["persons"]
        hidden_names = ["%s %s" % (fp[p]["givenName"], fp[p]["familyName"]) for p in oracle.protected_ids]
    for it in items:
        if hidden_names:
            text = json.dumps(it, ensure_ascii=False)
            for name in hidden_names:
                assert name not in text, "%s: the protected name %r appears in %s %s" % (where, name, kind, it["id"])
        assert it["id"] in oracle.visible[kind], "%s: %s %s is outside the grant" % (where, kind, it["id"])
        check_fields(it, oracle, where)
        for rid, has_dn, bare_ok, key in walk_refs(it, []):
            if rid in allowed:
                continue
            assert bare_ok and not has_dn, (
                "%s: %s %s holds %s reference %s outside the grant (displayName %s)"
                % (where, kind, it["id"], key, rid, has_dn))


def check_fields(entity, oracle, where):
    """Person fields of categories not granted are absent, wherever the
    person appears (top level or embedded)."""
    if "givenName" in entity and "familyName" in entity:
        if oracle.protected == "alias" and entity["id"] in oracle.protected_ids:
            real = oracle.full.by_kind["persons"][entity["id"]]
            assert (entity["givenName"], entity["familyName"]) == ("Skyddad", "identitet"), where
            assert set(entity) <= {"id", "meta", "givenName", "familyName", "securityMarking", "personStatus",
                                   "enrolments", "_embedded"}, (where, sorted(entity))
            assert real["givenName"] not in json.dumps(entity), where
        for cat, fields in PERSON_FIELDS.items():
            if cat not in oracle.cats:
                for f in fields:
                    assert f not in entity, "%s: person %s has %s without %s" % (where, entity["id"], f, cat)
        for e in entity.get("emails", []):
            need = "Email school" if e["type"] in SCHOOL_EMAIL else "Email"
            assert need in oracle.cats, "%s: person %s has a %s e-mail without %s" % (
                where, entity["id"], e["type"], need)
    for ev in (entity.get("_embedded") or {}).values():
        for it in (ev if isinstance(ev, list) else [ev]):
            if isinstance(it, dict):
                check_fields(it, oracle, where)
