"""The server's own /v2.0/openapi.json is faithful to SS12000 v2.1."""

import jsonschema
import pytest

from apihelp import oas_to_jsonschema
from spec_facts import (ALL_PATHS, NOT_YET_SERVED, DELETED_KEYS, IN_SCOPE, ITEM_SCHEMA, OPERATIONS,
                        RESPONSE_FIXES)


def resolve(doc, node):
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), "external $ref %r" % ref
        cur = doc
        for part in ref[2:].split("/"):
            cur = cur[part]
        node = cur
        seen += 1
        assert seen < 50, "$ref loop at %r" % ref
    return node


def ref_name(node):
    return node["$ref"].rsplit("/", 1)[-1] if isinstance(node, dict) and "$ref" in node else None


def is_in_scope(path):
    return path.split("/")[1] in IN_SCOPE or path == "/deletedEntities"


def test_openapi_version(openapi_doc):
    assert str(openapi_doc["openapi"]).startswith("3.0."), openapi_doc["openapi"]
    assert openapi_doc["info"]["version"].startswith("2.1")


def test_no_paths_outside_the_spec(served_paths):
    extra = served_paths - set(ALL_PATHS)
    assert not extra, "paths not in SS12000 2.1 (misspelled?): %s" % sorted(extra)


def test_in_scope_paths_present(served_paths):
    missing = {p for p in ALL_PATHS if is_in_scope(p)} - served_paths
    assert not missing, sorted(missing)


def test_document_lists_exactly_the_served_operations(openapi_doc):
    """All 2.1 operations but those not served yet; those, absent."""
    assert len(ALL_PATHS) == 59
    listed = {(m.upper(), p) for p, item in openapi_doc["paths"].items() for m in item}
    assert listed == set(OPERATIONS) - NOT_YET_SERVED, (
        "missing: %s; unexpected: %s" % (sorted(set(OPERATIONS) - NOT_YET_SERVED - listed),
                                        sorted(listed - (set(OPERATIONS) - NOT_YET_SERVED))))


def test_bearer_security(openapi_doc):
    schemes = openapi_doc["components"]["securitySchemes"]
    assert any(s.get("type") == "http" and s.get("scheme", "").lower() == "bearer" for s in schemes.values())
    assert openapi_doc.get("security"), "no global security requirement"


OPS = sorted(OPERATIONS)


@pytest.mark.parametrize("method,path", OPS, ids=["%s %s" % o for o in OPS])
def test_operation_parameters(openapi_doc, served_paths, method, path):
    if (method, path) in NOT_YET_SERVED:
        pytest.skip("%s %s not served yet" % (method, path))
    if path not in served_paths:
        if is_in_scope(path):
            pytest.fail("in-scope path %s missing" % path)
        pytest.skip("later path %s not served yet" % path)
    op = openapi_doc["paths"][path].get(method.lower())
    assert op is not None, "%s %s missing" % (method, path)
    params = [resolve(openapi_doc, p) for p in
              openapi_doc["paths"][path].get("parameters", []) + op.get("parameters", [])]
    served = {p["name"]: p for p in params}
    expected = {p[0]: p for p in OPERATIONS[(method, path)]["params"]}
    assert set(served) == set(expected), "params differ: extra %s, missing %s" % (
        sorted(set(served) - set(expected)), sorted(set(expected) - set(served)))
    for name, (_n, where, required, is_array, enum, kind) in expected.items():
        sp = served[name]
        assert sp["in"] == where, name
        assert bool(sp.get("required", False)) == required, name
        schema = resolve(openapi_doc, sp.get("schema", {}))
        assert (schema.get("type") == "array") == is_array, "%s array-ness" % name
        item = resolve(openapi_doc, schema["items"]) if is_array else schema
        if "allOf" in item and "enum" not in item:
            for sub in item["allOf"]:
                sub = resolve(openapi_doc, sub)
                if "enum" in sub:
                    item = sub
        if enum:
            assert set(item.get("enum", ())) == set(enum), "%s enum values" % name
        elif kind in ("uuid", "date", "date-time"):
            assert item.get("format") == kind, "%s format" % name
        elif kind in ("integer", "boolean"):
            assert item.get("type") == kind, "%s type" % name


@pytest.mark.parametrize("method,path", OPS, ids=["%s %s" % o for o in OPS])
def test_success_response_schema(openapi_doc, served_paths, method, path):
    if path not in served_paths or (method, path) in NOT_YET_SERVED:
        pytest.skip("%s not served" % path)
    op = openapi_doc["paths"][path][method.lower()]
    declared = OPERATIONS[(method, path)]["responses"]
    ok = "200" if "200" in declared else "201" if "201" in declared else "204"
    assert ok in op["responses"], "%s %s lacks %s" % (method, path, ok)
    content = op["responses"][ok].get("content", {}).get("application/json")
    if declared.get(ok) is None:
        assert not content or not content.get("schema"), "%s %s declares no body" % (method, path)
        return
    schema = resolve(openapi_doc, content["schema"])
    seg = path.split("/")[1]
    if path.endswith("/lookup"):
        assert schema.get("type") == "array", "lookup answers a bare array"
        want = RESPONSE_FIXES.get((method, path), ITEM_SCHEMA.get(seg))
        assert ref_name(schema["items"]) == want, "lookup items %r != %r" % (schema["items"], want)
    elif path == "/deletedEntities":
        data = resolve(openapi_doc, schema["properties"]["data"])
        assert data.get("type", "object") == "object"
        assert set(data["properties"]) == DELETED_KEYS
        for k, v in data["properties"].items():
            v = resolve(openapi_doc, v)
            assert v["type"] == "array" and resolve(openapi_doc, v["items"]).get("format") == "uuid", k
        assert resolve(openapi_doc, schema["properties"]["pageToken"]).get("nullable") is True
    elif method == "GET" and "{id}" not in path:
        assert ref_name(content["schema"]) == declared[ok], "envelope schema name"
        props = schema["properties"]
        assert "data" in schema.get("required", [])
        assert props["data"]["type"] == "array"
        assert ref_name(props["data"]["items"]) == ITEM_SCHEMA[seg]
        tok = resolve(openapi_doc, props["pageToken"])
        assert tok["type"] == "string" and tok.get("nullable") is True
    else:
        assert ref_name(content["schema"]) == declared[ok], "%r != %r" % (content["schema"], declared[ok])
    for status, name in declared.items():
        if status != ok and name == "Error":
            resp = op["responses"].get(status)
            assert resp is not None, "%s %s lacks response %s" % (method, path, status)
            assert ref_name(resp["content"]["application/json"]["schema"]) == "Error"


def test_error_schema(openapi_doc):
    err = openapi_doc["components"]["schemas"]["Error"]
    assert set(err["required"]) == {"code", "message"}
    assert err["properties"]["code"]["type"] == "string"
    assert err["properties"]["message"]["type"] == "string"


def test_spec_bug_workarounds(openapi_doc, served_paths):
    s = openapi_doc["components"]["schemas"]
    suo = s["SchoolUnitOffering"]
    props = {}
    for part in [suo] + suo.get("allOf", []):
        props.update(resolve(openapi_doc, part).get("properties", {}))
    assert "id" in props and "meta" in props, "SchoolUnitOffering needs id and meta (DIGEST §9 #12)"
    if "/attendanceSchedule" in served_paths:
        entry = s["AttendanceScheduleEntry"]
        assert entry["properties"]["endTime"]["type"] == "string"
        assert "scheduleDays" not in s["AttendanceSchedule"].get("required", [])
    if "/grades" in served_paths:
        assert "schoolUnit" not in s["Grade"].get("required", [])


def test_all_schemas_are_valid_json_schema(openapi_doc):
    defs = {k: oas_to_jsonschema(v) for k, v in openapi_doc["components"]["schemas"].items()}
    for name, sch in defs.items():
        jsonschema.Draft7Validator.check_schema(dict(sch, definitions=defs))
    # every $ref resolves
    v = jsonschema.Draft7Validator({"definitions": defs})
    for name in defs:
        v.resolver.resolve("#/definitions/" + name)
