/*
 * The server's OpenAPI 3.0.2 document, generated from the model table.
 *
 * Entity schemas come from kind.fields, list parameters from kind.params
 * (+ model_meta_params, expand, expandReferenceNames, sortkey, limit,
 * pageToken), lookup bodies from kind.lookup, and the operations from
 * kind.ops. Only the parts that are not entity kinds (deletedEntities,
 * subscriptions, log, statistics, the shared schemas) are written by hand.
 *
 * Names (paths, parameters, properties, enum values, schema names) are the
 * SS12000 2.1 wire names; every description is our own short English.
 *
 * Memory: every builder is NULL-safe. A failed allocation sets c->fail and
 * the jansson *_new calls release whatever they were handed, so a failure
 * anywhere ends in one json_decref of the document and a NULL return.
 */
#include "api/openapi.h"

#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "model/model.h"

typedef struct oa {
    json_t *schemas; /* components.schemas, borrowed from the document */
    int fail;
} oa;

/* ---------------------------------------------------------------- json helpers */

static void put(oa *c, json_t *o, const char *k, json_t *v)
{
    if (json_object_set_new(o, k, v))
        c->fail = 1;
}

static void push(oa *c, json_t *a, json_t *v)
{
    if (json_array_append_new(a, v))
        c->fail = 1;
}

static json_t *obj(oa *c)
{
    json_t *o = json_object();
    if (!o)
        c->fail = 1;
    return o;
}

static json_t *arr(oa *c)
{
    json_t *a = json_array();
    if (!a)
        c->fail = 1;
    return a;
}

static json_t *str(oa *c, const char *s)
{
    json_t *v = s ? json_string(s) : NULL;
    if (!v)
        c->fail = 1;
    return v;
}

static json_t *integer(oa *c, json_int_t i)
{
    json_t *v = json_integer(i);
    if (!v)
        c->fail = 1;
    return v;
}

/* Formats into b (size n); flags the build as failed when it does not fit. */
static const char *fmt2(oa *c, char *b, size_t n, const char *f, const char *a, const char *z)
{
    int w = snprintf(b, n, f, a ? a : "", z ? z : "");
    if (!a || w < 0 || (size_t)w >= n) {
        c->fail = 1;
        b[0] = 0;
    }
    return b;
}

static json_t *ref(oa *c, const char *name)
{
    char b[192];
    json_t *o = obj(c);
    put(c, o, "$ref", str(c, fmt2(c, b, sizeof b, "#/components/schemas/%s%s", name, "")));
    return o;
}

static json_t *typed(oa *c, const char *type, const char *format)
{
    json_t *o = obj(c);
    put(c, o, "type", str(c, type));
    if (format)
        put(c, o, "format", str(c, format));
    return o;
}

static json_t *array_of(oa *c, json_t *items)
{
    json_t *o = typed(c, "array", NULL);
    put(c, o, "items", items);
    return o;
}

/* Adds k: v to schema s. A $ref takes no siblings in OpenAPI 3.0, so a
 * reference is first wrapped in allOf. Returns the (possibly new) schema. */
static json_t *decorate(oa *c, json_t *s, const char *k, json_t *v)
{
    if (s && json_object_get(s, "$ref")) {
        json_t *w = obj(c), *all = arr(c);
        push(c, all, s);
        put(c, w, "allOf", all);
        s = w;
    }
    put(c, s, k, v);
    return s;
}

static json_t *with_doc(oa *c, json_t *s, const char *doc)
{
    return doc ? decorate(c, s, "description", str(c, doc)) : s;
}

/* A component slot: creates an empty object schema under `name` and
 * returns it (borrowed), or NULL when it already exists or on failure. */
static json_t *new_component(oa *c, const char *name)
{
    if (!name) {
        c->fail = 1;
        return NULL;
    }
    if (json_object_get(c->schemas, name))
        return NULL;
    put(c, c->schemas, name, obj(c));
    return json_object_get(c->schemas, name);
}

/* ---------------------------------------------------------------- enums */

static const struct {
    const char *const *values;
    const char *name;
    const char *doc;
} named_enums[] = {
    { enum_organisation_type, "OrganisationTypeEnum", "Type of an organisation element." },
    { enum_school_types, "SchoolTypesEnum", "School type code." },
    { enum_duty_role, "DutyRole", "Role of a duty." },
    { enum_group_types, "GroupTypesEnum", "Type of a group." },
    { enum_relation_types, "RelationTypesEnum", "How a responsible adult relates to a child or student." },
    { enum_assignment_role_type, "AssignmentRoleTypeEnum", "Role of a duty towards a group." },
    { enum_absence, "AbsenceEnum", "Kind of absence." },
    { enum_endpoints, "EndPointsEnum", "Data type (one per entity endpoint)." },
    { enum_curriculum, "CurriculumEnum", "Curriculum a syllabus belongs to." },
};
#define N_NAMED_ENUMS (sizeof named_enums / sizeof named_enums[0])

static json_t *enum_values(oa *c, const char *const *v)
{
    json_t *a = arr(c);
    for (; v && *v; v++)
        push(c, a, str(c, *v));
    return a;
}

static json_t *enum_schema(oa *c, const char *const *v)
{
    for (size_t i = 0; i < N_NAMED_ENUMS; i++)
        if (named_enums[i].values == v)
            return ref(c, named_enums[i].name);
    json_t *s = typed(c, "string", NULL);
    put(c, s, "enum", enum_values(c, v));
    return s;
}

static void named_enum_components(oa *c)
{
    for (size_t i = 0; i < N_NAMED_ENUMS; i++) {
        json_t *s = new_component(c, named_enums[i].name);
        put(c, s, "type", str(c, "string"));
        put(c, s, "description", str(c, named_enums[i].doc));
        put(c, s, "enum", enum_values(c, named_enums[i].values));
    }
}

/* ---------------------------------------------------------------- schemas from fields */

/* The JSON schema of a scalar type (fields and query parameters). */
static json_t *scalar_schema(oa *c, field_type t, const char *const *enumv, int min, int max)
{
    json_t *s;
    switch (t) {
    case FT_UUID:
        return typed(c, "string", "uuid");
    case FT_DATE:
        return typed(c, "string", "date");
    case FT_DATETIME:
        return typed(c, "string", "date-time");
    case FT_URI:
        return typed(c, "string", "uri");
    case FT_EMAIL:
        return typed(c, "string", "email");
    case FT_INT:
        s = typed(c, "integer", NULL);
        if (min < max) {
            put(c, s, "minimum", integer(c, min));
            put(c, s, "maximum", integer(c, max));
        }
        return s;
    case FT_BOOL:
        return typed(c, "boolean", NULL);
    case FT_ENUM:
        return enum_schema(c, enumv);
    case FT_TIME_HM:
        s = typed(c, "string", NULL);
        put(c, s, "pattern", str(c, "^[0-9]{2}:[0-9]{2}$"));
        put(c, s, "description", str(c, "Time of day as HH:MM."));
        return s;
    case FT_STRING:
    case FT_OBJECT:
    case FT_REF:
        break;
    }
    return typed(c, "string", NULL);
}

static void object_component(oa *c, const char *name, const field *fields, const char *skip,
                             unsigned skip_flags, int readonly, const char *doc);

static json_t *field_schema(oa *c, const field *f)
{
    json_t *s;
    if (f->type == FT_OBJECT) {
        object_component(c, f->schema, f->sub, NULL, 0, !!(f->flags & F_READONLY), NULL);
        s = ref(c, f->schema);
    } else if (f->type == FT_REF) {
        s = ref(c, (f->flags & F_PERSONREF) ? "PersonReference" : "ObjectReference");
    } else {
        s = scalar_schema(c, f->type, f->enumv, f->min, f->max);
    }
    if (f->flags & F_ARRAY) {
        s = array_of(c, s);
        if (f->flags & F_UNIQUE)
            put(c, s, "uniqueItems", json_true());
        if (f->flags & F_MINONE)
            put(c, s, "minItems", integer(c, 1));
    }
    /* An object component used read-only carries readOnly itself (Meta). */
    if ((f->flags & F_READONLY) && f->type != FT_OBJECT)
        s = decorate(c, s, "readOnly", json_true());
    if (f->flags & F_SERVER) {
        s = decorate(c, s, "description",
                     str(c, "Not in the SS12000 2.1 schema; this server adds it so the record can be "
                            "fetched by id and filtered on meta."));
        s = decorate(c, s, "x-skolnav-server", json_true());
    }
    return s;
}

/* Fills s with type/properties/required from fields, leaving out the field
 * named `skip` and fields having any of `skip_flags`. */
static void fill_object(oa *c, json_t *s, const field *fields, const char *skip, unsigned skip_flags)
{
    json_t *props = obj(c), *req = arr(c);
    for (const field *f = fields; f && f->name; f++) {
        if ((skip && !strcmp(f->name, skip)) || (f->flags & skip_flags))
            continue;
        put(c, props, f->name, field_schema(c, f));
        if (f->flags & F_REQUIRED)
            push(c, req, str(c, f->name));
    }
    put(c, s, "type", str(c, "object"));
    put(c, s, "properties", props);
    if (json_array_size(req))
        put(c, s, "required", req);
    else
        json_decref(req);
}

static void object_component(oa *c, const char *name, const field *fields, const char *skip,
                             unsigned skip_flags, int readonly, const char *doc)
{
    json_t *s = new_component(c, name);
    if (!s)
        return;
    if (doc)
        put(c, s, "description", str(c, doc));
    if (readonly)
        put(c, s, "readOnly", json_true());
    fill_object(c, s, fields, skip, skip_flags);
}

/* ---------------------------------------------------------------- shared hand-written schemas */

static void common_schemas(oa *c)
{
    json_t *s = new_component(c, "Error");
    put(c, s, "type", str(c, "object"));
    put(c, s, "description", str(c, "Error body: a stable code for programs and a message for people."));
    json_t *p = obj(c);
    json_t *code = typed(c, "string", NULL);
    put(c, code, "description", str(c, "Technical error code, e.g. INVALID_PARAMETER."));
    put(c, p, "code", code);
    json_t *msg = typed(c, "string", NULL);
    put(c, msg, "description", str(c, "Human-readable explanation."));
    put(c, p, "message", msg);
    put(c, s, "properties", p);
    put(c, s, "required", json_pack("[ss]", "code", "message"));

    s = new_component(c, "ObjectReference");
    put(c, s, "type", str(c, "object"));
    put(c, s, "description",
        str(c, "Reference to another record. displayName is only sent when expandReferenceNames=true."));
    p = obj(c);
    put(c, p, "id", typed(c, "string", "uuid"));
    json_t *dn = typed(c, "string", NULL);
    put(c, dn, "readOnly", json_true());
    put(c, p, "displayName", dn);
    put(c, s, "properties", p);
    put(c, s, "required", json_pack("[s]", "id"));

    s = new_component(c, "PersonReference");
    put(c, s, "type", str(c, "object"));
    put(c, s, "description", str(c, "Reference to a person, with the person's security marking when known."));
    p = obj(c);
    put(c, p, "id", typed(c, "string", "uuid"));
    dn = typed(c, "string", NULL);
    put(c, dn, "readOnly", json_true());
    put(c, p, "displayName", dn);
    put(c, p, "securityMarking", enum_schema(c, enum_security_marking));
    put(c, s, "properties", p);
    put(c, s, "required", json_pack("[s]", "id"));

    named_enum_components(c);
}

/* ---------------------------------------------------------------- kinds: schemas */

/* Kinds whose responses use XExpanded = allOf[X, {_embedded}] (DIGEST §2.7);
 * the other kinds with expands carry _embedded in their own schema. */
static int expanded_allof(const kind_desc *k)
{
    return k->expands && (k->id == K_PERSON || k->id == K_PLACEMENT || k->id == K_DUTY ||
                          k->id == K_GROUP || k->id == K_ACTIVITY);
}

/* Name of the schema one record is served as: "PersonExpanded" or "Organisation". */
static const char *item_name(oa *c, const kind_desc *k, char *b, size_t n)
{
    return fmt2(c, b, n, "%s%s", k->schema, expanded_allof(k) ? "Expanded" : "");
}

static json_t *embedded_schema(oa *c, const kind_desc *k)
{
    json_t *s = typed(c, "object", NULL);
    put(c, s, "readOnly", json_true());
    put(c, s, "description", str(c, "Related records asked for with the expand parameter."));
    json_t *p = obj(c);
    for (const expand *x = k->expands; x && x->name; x++)
        put(c, p, x->name, x->single ? ref(c, x->schema) : array_of(c, ref(c, x->schema)));
    put(c, s, "properties", p);
    return s;
}

static void kind_schemas(oa *c, const kind_desc *k)
{
    char b[128], item[128];
    json_t *s = new_component(c, k->schema);
    if (s) {
        put(c, s, "description", str(c, fmt2(c, b, sizeof b, "An SS12000 %s record.%s", k->name, "")));
        fill_object(c, s, k->fields, NULL, 0);
        if (k->expands && !expanded_allof(k))
            put(c, json_object_get(s, "properties"), "_embedded", embedded_schema(c, k));
    }
    if (expanded_allof(k) && (s = new_component(c, item_name(c, k, item, sizeof item)))) {
        json_t *all = arr(c), *part = typed(c, "object", NULL), *p = obj(c);
        put(c, p, "_embedded", embedded_schema(c, k));
        put(c, part, "properties", p);
        push(c, all, ref(c, k->schema));
        push(c, all, part);
        put(c, s, "description",
            str(c, fmt2(c, b, sizeof b, "A %s record with the related records asked for by expand.%s",
                        k->name, "")));
        put(c, s, "allOf", all);
    }
    item_name(c, k, item, sizeof item);
    if (k->list_schema && (s = new_component(c, k->list_schema))) {
        put(c, s, "type", str(c, "object"));
        put(c, s, "description", str(c, "One page of a list."));
        json_t *p = obj(c);
        put(c, p, "data", array_of(c, ref(c, item)));
        json_t *tok = typed(c, "string", NULL);
        put(c, tok, "nullable", json_true());
        put(c, tok, "description",
            str(c, "Pass as pageToken to fetch the next page; null or absent when there is nothing more."));
        put(c, p, "pageToken", tok);
        put(c, s, "properties", p);
        put(c, s, "required", json_pack("[s]", "data"));
    }
    if ((k->ops & OP_LOOKUP) && k->list_schema &&
        (s = new_component(c, fmt2(c, b, sizeof b, "%sArray%s", k->list_schema, "")))) {
        put(c, s, "type", str(c, "array"));
        put(c, s, "items", ref(c, item));
    }
}

/* The inverse of an array of objects on another kind: the items of `src`'s
 * field `array`, with the back reference `back` replaced by `name: schema`
 * (Person _embedded.groupMemberships, Group _embedded.assignmentRoles). */
static void inverse_component(oa *c, const char *name, int src, const char *array, const char *back,
                              const char *key, json_t *schema, const char *doc)
{
    const field *f = model_field(model_kind(src)->fields, array);
    json_t *s = new_component(c, name);
    if (!s || !f || !f->sub) {
        if (!f || !f->sub)
            c->fail = 1;
        json_decref(schema);
        return;
    }
    put(c, s, "description", str(c, doc));
    fill_object(c, s, f->sub, back, 0);
    json_t *p = json_object_get(s, "properties"), *np = obj(c);
    put(c, np, key, schema);
    if (json_object_update(np, p))
        c->fail = 1;
    put(c, s, "properties", np);
    /* The 2.1 schema declares nothing required in these items. */
    json_object_del(s, "required");
}

static void ensure_schema(oa *c, const char *name)
{
    if (!name || json_object_get(c->schemas, name))
        return;
    if (!strcmp(name, "GroupFragment")) {
        object_component(c, name, model_kind(K_GROUP)->fields, "groupMemberships", 0, 0,
                         "A group without its member list.");
    } else if (!strcmp(name, "PersonExpanded_allOf__embedded_groupMemberships")) {
        ensure_schema(c, "GroupFragment");
        inverse_component(c, name, K_GROUP, "groupMemberships", "person", "group", ref(c, "GroupFragment"),
                          "A group the person is a member of, with the membership period.");
    } else if (!strcmp(name, "GroupExpanded_allOf__embedded_assignmentRoles")) {
        inverse_component(c, name, K_DUTY, "assignmentRole", "group", "duty", ref(c, "ObjectReference"),
                          "A duty assigned to the group, with its role and period.");
    }
    /* Any other name is a kind or a nested object schema, already built. */
}

/* ---------------------------------------------------------------- operations */

static json_t *param_obj(oa *c, const char *name, const char *in, int required, json_t *schema,
                         const char *doc)
{
    json_t *p = obj(c);
    put(c, p, "name", str(c, name));
    put(c, p, "in", str(c, in));
    if (doc)
        put(c, p, "description", str(c, doc));
    put(c, p, "required", required ? json_true() : json_false());
    put(c, p, "schema", schema);
    return p;
}

static json_t *model_param_obj(oa *c, const param *p)
{
    json_t *s = scalar_schema(c, p->type, p->enumv, 0, 0);
    if (p->flags & P_MULTI)
        s = array_of(c, s);
    return param_obj(c, p->name, "query", !!(p->flags & P_REQUIRED), s, p->doc);
}

static json_t *id_param(oa *c)
{
    return param_obj(c, "id", "path", 1, typed(c, "string", "uuid"), "The record's id.");
}

static json_t *expand_param(oa *c, const kind_desc *k)
{
    json_t *e = typed(c, "string", NULL), *v = arr(c);
    for (const expand *x = k->expands; x && x->name; x++)
        push(c, v, str(c, x->name));
    put(c, e, "enum", v);
    return param_obj(c, "expand", "query", 0, array_of(c, e),
                     "Embed these related records under _embedded.");
}

static json_t *refnames_param(oa *c)
{
    return param_obj(c, "expandReferenceNames", "query", 0, typed(c, "boolean", NULL),
                     "When true, every reference also carries the referenced record's displayName.");
}

static void paging_params(oa *c, json_t *ps)
{
    json_t *lim = typed(c, "integer", NULL);
    put(c, lim, "minimum", integer(c, 1));
    push(c, ps, param_obj(c, "limit", "query", 0, lim,
                          "Largest number of records in this page; the server may send fewer."));
    push(c, ps, param_obj(c, "pageToken", "query", 0, typed(c, "string", NULL),
                          "Token from the previous page; only limit may be sent with it."));
}

/* A response: description and, when schema is not NULL, a JSON body. */
static json_t *resp(oa *c, const char *desc, json_t *schema)
{
    json_t *r = obj(c);
    put(c, r, "description", str(c, desc));
    if (schema) {
        json_t *ct = obj(c), *mt = obj(c);
        put(c, mt, "schema", schema);
        put(c, ct, "application/json", mt);
        put(c, r, "content", ct);
    }
    return r;
}

enum { R400 = 1, R403 = 2, R404 = 4, R503 = 8 };

static void error_responses(oa *c, json_t *rs, unsigned which, const char *why400)
{
    if (which & R400)
        put(c, rs, "400", resp(c, why400, ref(c, "Error")));
    if (which & R403)
        put(c, rs, "403", resp(c, "The client is not allowed this data or operation.", ref(c, "Error")));
    if (which & R404)
        put(c, rs, "404", resp(c, "No record with this id.", ref(c, "Error")));
    if (which & R503)
        put(c, rs, "503", resp(c, "The answer would be too large; ask for fewer records.", ref(c, "Error")));
    put(c, rs, "default", resp(c, "Unexpected error.", ref(c, "Error")));
}

#define WHY400_LIST "Invalid parameter, or filters sent together with pageToken."
#define WHY400_ID "Malformed id."
#define WHY400_BODY "The request body is not valid."

static json_t *operation(oa *c, const char *tag, const char *summary, const char *desc)
{
    json_t *op = obj(c), *tags = arr(c);
    push(c, tags, str(c, tag));
    put(c, op, "tags", tags);
    put(c, op, "summary", str(c, summary));
    if (desc)
        put(c, op, "description", str(c, desc));
    return op;
}

static json_t *body(oa *c, json_t *schema, const char *desc)
{
    json_t *b = resp(c, desc, schema);
    put(c, b, "required", json_true());
    return b;
}

static json_t *list_op(oa *c, const kind_desc *k)
{
    char b[160];
    json_t *op = operation(c, k->tag, fmt2(c, b, sizeof b, "List %s records%s", k->name, ""),
                           "Paged with limit and pageToken. Array parameters may be repeated or "
                           "comma separated; values of one parameter are alternatives, different "
                           "parameters must all match.");
    json_t *ps = arr(c);
    for (const param *p = k->params; p && p->name; p++)
        push(c, ps, model_param_obj(c, p));
    if (k->ops & OP_META_FILTERS)
        for (const param *p = model_meta_params; p->name; p++)
            push(c, ps, model_param_obj(c, p));
    if (k->expands)
        push(c, ps, expand_param(c, k));
    if (k->ops & OP_REFNAMES)
        push(c, ps, refnames_param(c));
    if (k->sorts && k->sorts->name) {
        json_t *s = typed(c, "string", NULL), *v = arr(c);
        for (const sortkey *x = k->sorts; x->name; x++)
            push(c, v, str(c, x->name));
        put(c, s, "enum", v);
        push(c, ps, param_obj(c, "sortkey", "query", 0, s, "Sort order of the list."));
    }
    paging_params(c, ps);
    put(c, op, "parameters", ps);
    json_t *rs = obj(c);
    put(c, rs, "200", resp(c, "One page of records.", ref(c, k->list_schema)));
    error_responses(c, rs, R400 | R403, WHY400_LIST);
    put(c, op, "responses", rs);
    return op;
}

static const char *lookup_body_schema(oa *c, const kind_desc *k, char *b, size_t n)
{
    int only_ids = 1;
    for (const lookup_key *l = k->lookup; l && l->name; l++)
        if (strcmp(l->name, "ids"))
            only_ids = 0;
    const char *name = only_ids ? "IdLookup" : fmt2(c, b, n, "%sLookup%s", k->schema, "");
    json_t *s = new_component(c, name);
    if (!s)
        return name;
    put(c, s, "type", str(c, "object"));
    put(c, s, "description",
        str(c, "Lists of keys; the answer holds every record matching any of them."));
    json_t *p = obj(c);
    for (const lookup_key *l = k->lookup; l && l->name; l++)
        if (!json_object_get(p, l->name))
            put(c, p, l->name, array_of(c, typed(c, "string", l->type == FT_UUID ? "uuid" : NULL)));
    put(c, s, "properties", p);
    return name;
}

static json_t *lookup_op(oa *c, const kind_desc *k)
{
    char b[160], name[160];
    json_t *op = operation(c, k->tag, fmt2(c, b, sizeof b, "Look up many %s records in one call%s", k->name, ""),
                           "Not paged. Unknown keys are left out of the answer.");
    json_t *ps = arr(c);
    if (k->expands && !(k->ops & OP_LOOKUP_NO_EXPAND))
        push(c, ps, expand_param(c, k));
    if (k->ops & OP_REFNAMES)
        push(c, ps, refnames_param(c));
    if (json_array_size(ps))
        put(c, op, "parameters", ps);
    else
        json_decref(ps);
    put(c, op, "requestBody", body(c, ref(c, lookup_body_schema(c, k, name, sizeof name)), "The keys to look up."));
    json_t *rs = obj(c);
    put(c, rs, "200", resp(c, "The matching records.", ref(c, fmt2(c, b, sizeof b, "%sArray%s", k->list_schema, ""))));
    error_responses(c, rs, R403 | R503, NULL);
    put(c, op, "responses", rs);
    return op;
}

static json_t *get_op(oa *c, const kind_desc *k)
{
    char b[160], item[128];
    json_t *op = operation(c, k->tag, fmt2(c, b, sizeof b, "Get one %s record by id%s", k->name, ""), NULL);
    json_t *ps = arr(c);
    push(c, ps, id_param(c));
    if (k->expands)
        push(c, ps, expand_param(c, k));
    if (k->ops & OP_REFNAMES_GET)
        push(c, ps, refnames_param(c));
    put(c, op, "parameters", ps);
    json_t *rs = obj(c);
    put(c, rs, "200", resp(c, "The record.", ref(c, item_name(c, k, item, sizeof item))));
    error_responses(c, rs, R400 | R403 | R404, WHY400_ID);
    put(c, op, "responses", rs);
    return op;
}

static json_t *delete_op(oa *c, const kind_desc *k)
{
    char b[160];
    json_t *op = operation(c, k->tag, fmt2(c, b, sizeof b, "Delete a %s record%s", k->name, ""),
                           k->deleted_key ? "The id is reported by /deletedEntities afterwards." : NULL);
    json_t *ps = arr(c);
    push(c, ps, id_param(c));
    put(c, op, "parameters", ps);
    json_t *rs = obj(c);
    put(c, rs, "204", resp(c, "Deleted.", NULL));
    error_responses(c, rs, R400 | R403 | R404, WHY400_ID);
    put(c, op, "responses", rs);
    return op;
}

static json_t *create_op(oa *c, const kind_desc *k)
{
    char b[160];
    json_t *op = operation(c, k->tag, fmt2(c, b, sizeof b, "Create a %s record%s", k->name, ""),
                           "The server assigns id and meta; values sent for them are not used.");
    put(c, op, "requestBody", body(c, ref(c, k->schema), "The new record."));
    json_t *rs = obj(c);
    put(c, rs, "200", resp(c, "Created; the stored record.", ref(c, k->schema)));
    error_responses(c, rs, R400 | R403, WHY400_BODY);
    put(c, op, "responses", rs);
    return op;
}

/* Sets paths[p] = {} if needed and returns it (borrowed). */
static json_t *path_item(oa *c, json_t *paths, const char *p)
{
    json_t *it = json_object_get(paths, p);
    if (!it) {
        put(c, paths, p, obj(c));
        it = json_object_get(paths, p);
    }
    return it;
}

static void kind_paths(oa *c, json_t *paths, const kind_desc *k)
{
    char b[160];
    if (k->ops & OP_LIST) {
        json_t *it = path_item(c, paths, fmt2(c, b, sizeof b, "/%s%s", k->path, ""));
        put(c, it, "get", list_op(c, k));
        if (k->ops & OP_CREATE)
            put(c, it, "post", create_op(c, k));
    }
    if (k->ops & OP_LOOKUP)
        put(c, path_item(c, paths, fmt2(c, b, sizeof b, "/%s%s", k->path, "/lookup")), "post", lookup_op(c, k));
    if (k->ops & OP_GET) {
        json_t *it = path_item(c, paths, fmt2(c, b, sizeof b, "/%s%s", k->path, "/{id}"));
        put(c, it, "get", get_op(c, k));
        if (k->ops & OP_DELETE)
            put(c, it, "delete", delete_op(c, k));
    }
}

/* ---------------------------------------------------------------- hand-written endpoints */

static void deleted_entities(oa *c, json_t *paths)
{
    json_t *s = new_component(c, "DeletedEntities");
    put(c, s, "type", str(c, "object"));
    put(c, s, "description", str(c, "Ids of removed records, per data type."));
    json_t *p = obj(c), *data = typed(c, "object", NULL), *dp = obj(c);
    for (int i = 0; i < K__COUNT; i++)
        if (model_kinds[i].deleted_key)
            put(c, dp, model_kinds[i].deleted_key, array_of(c, typed(c, "string", "uuid")));
    put(c, data, "properties", dp);
    put(c, p, "data", data);
    json_t *tok = typed(c, "string", NULL);
    put(c, tok, "nullable", json_true());
    put(c, tok, "description", str(c, "Pass as pageToken to fetch the next page; null or absent at the end."));
    put(c, p, "pageToken", tok);
    put(c, s, "properties", p);
    put(c, s, "required", json_pack("[s]", "data"));

    json_t *op = operation(c, "Borttag", "List ids of removed records",
                           "Paged with limit and pageToken like the entity lists.");
    json_t *ps = arr(c);
    push(c, ps, param_obj(c, "after", "query", 0, typed(c, "string", "date-time"),
                          "Only records removed after this time."));
    push(c, ps, param_obj(c, "entities", "query", 0, array_of(c, ref(c, "EndPointsEnum")),
                          "Only these data types."));
    paging_params(c, ps);
    put(c, op, "parameters", ps);
    json_t *rs = obj(c);
    put(c, rs, "200", resp(c, "One page of removed ids.", ref(c, "DeletedEntities")));
    error_responses(c, rs, R400 | R403, WHY400_LIST);
    put(c, op, "responses", rs);
    put(c, path_item(c, paths, "/deletedEntities"), "get", op);
}

static void subscriptions(oa *c, json_t *paths)
{
    const kind_desc *k = model_kind(K_SUBSCRIPTION);
    char b[160];

    object_component(c, "CreateSubscription", k->fields, NULL, F_READONLY, 0,
                     "A new webhook subscription: the server POSTs a SubscriptionEvent to target "
                     "whenever data of the listed types changes.");
    json_t *s = new_component(c, "SubscriptionEvent");
    put(c, s, "type", str(c, "object"));
    put(c, s, "description", str(c, "Body of a webhook call; fetch the changes from the API."));
    json_t *p = obj(c);
    json_t *me = array_of(c, ref(c, "EndPointsEnum"));
    put(c, me, "description", str(c, "Data types with new or changed records (the name is spelled so in the standard)."));
    put(c, p, "modifiedEntites", me);
    json_t *de = typed(c, "boolean", NULL);
    put(c, de, "description", str(c, "True when /deletedEntities has something new."));
    put(c, p, "deletedEntities", de);
    put(c, s, "properties", p);

    /* GET and POST /subscriptions */
    json_t *it = path_item(c, paths, fmt2(c, b, sizeof b, "/%s%s", k->path, ""));
    json_t *op = operation(c, k->tag, "List subscriptions", "The calling client's subscriptions.");
    json_t *ps = arr(c);
    paging_params(c, ps);
    put(c, op, "parameters", ps);
    json_t *rs = obj(c);
    put(c, rs, "200", resp(c, "One page of subscriptions.", ref(c, k->list_schema)));
    error_responses(c, rs, R403, NULL);
    put(c, op, "responses", rs);
    put(c, it, "get", op);

    op = operation(c, k->tag, "Create a subscription",
                   "The server assigns id and expires and calls target when data changes.");
    put(c, op, "requestBody", body(c, ref(c, "CreateSubscription"), "The subscription."));
    rs = obj(c);
    put(c, rs, "201", resp(c, "Created.", ref(c, k->schema)));
    error_responses(c, rs, R400 | R403, WHY400_BODY);
    put(c, op, "responses", rs);
    json_t *cbpost = obj(c), *cbrs = obj(c);
    put(c, cbpost, "operationId", str(c, "subscriptionEvent_Post"));
    put(c, cbpost, "requestBody", body(c, ref(c, "SubscriptionEvent"), "What changed."));
    put(c, cbrs, "200", resp(c, "The subscriber accepted the notification.", NULL));
    put(c, cbpost, "responses", cbrs);
    json_t *cbpath = obj(c), *cb = obj(c), *cbs = obj(c);
    put(c, cbpath, "post", cbpost);
    put(c, cb, "{$request.body#/target}", cbpath);
    put(c, cbs, "subscriptionEvent", cb);
    put(c, op, "callbacks", cbs);
    put(c, it, "post", op);

    /* /subscriptions/{id} */
    it = path_item(c, paths, fmt2(c, b, sizeof b, "/%s%s", k->path, "/{id}"));
    op = operation(c, k->tag, "Get one subscription by id", NULL);
    ps = arr(c);
    push(c, ps, id_param(c));
    put(c, op, "parameters", ps);
    rs = obj(c);
    put(c, rs, "200", resp(c, "The subscription.", ref(c, k->schema)));
    error_responses(c, rs, R400 | R403 | R404, WHY400_ID);
    put(c, op, "responses", rs);
    put(c, it, "get", op);

    op = operation(c, k->tag, "Renew a subscription",
                   "Moves expires forward by the server's renewal period; no request body.");
    ps = arr(c);
    push(c, ps, id_param(c));
    put(c, op, "parameters", ps);
    rs = obj(c);
    put(c, rs, "200", resp(c, "The renewed subscription.", ref(c, k->schema)));
    error_responses(c, rs, R400 | R403 | R404, WHY400_ID);
    put(c, op, "responses", rs);
    put(c, it, "patch", op);

    put(c, it, "delete", delete_op(c, k));
}

static void feedback(oa *c, json_t *paths)
{
    /* LogEntry */
    json_t *s = new_component(c, "LogEntry");
    put(c, s, "type", str(c, "object"));
    put(c, s, "description", str(c, "A problem or event the client reports back to the data owner."));
    json_t *p = obj(c);
    put(c, p, "message", with_doc(c, typed(c, "string", NULL), "What happened."));
    put(c, p, "messageType", with_doc(c, typed(c, "string", NULL), "The client's own id for this kind of message."));
    put(c, p, "resourceType", ref(c, "EndPointsEnum"));
    put(c, p, "resourceId", with_doc(c, typed(c, "string", "uuid"), "The record concerned, if any."));
    put(c, p, "resourceUrl", with_doc(c, typed(c, "string", "uri"), "The request that led to it, if any."));
    json_t *sev = typed(c, "string", NULL);
    put(c, sev, "enum", json_pack("[sss]", "Info", "Warning", "Error"));
    put(c, p, "severityLevel", sev);
    put(c, p, "timeOfOccurance", with_doc(c, typed(c, "string", "date-time"), "When it happened (spelled so in the standard)."));
    put(c, s, "properties", p);
    put(c, s, "required", json_pack("[ss]", "message", "severityLevel"));

    /* StatisticsEntry */
    s = new_component(c, "StatisticsEntry");
    put(c, s, "type", str(c, "object"));
    put(c, s, "description", str(c, "Counts from one synchronisation run of the client."));
    p = obj(c);
    put(c, p, "resourceType", ref(c, "EndPointsEnum"));
    put(c, p, "newCount", with_doc(c, typed(c, "integer", NULL), "Records created at the client."));
    put(c, p, "updatedCount", with_doc(c, typed(c, "integer", NULL), "Records updated at the client."));
    put(c, p, "deletedCount", with_doc(c, typed(c, "integer", NULL), "Records deleted at the client."));
    put(c, p, "resourceUrl", with_doc(c, typed(c, "string", "uri"), "The request the counts refer to."));
    put(c, p, "timeOfOccurance", with_doc(c, typed(c, "string", "date-time"), "When the run happened (spelled so in the standard)."));
    put(c, s, "properties", p);
    put(c, s, "required", json_pack("[ssss]", "resourceType", "newCount", "updatedCount", "deletedCount"));

    static const struct {
        const char *path, *schema, *summary;
    } ep[] = {
        { "/log/", "LogEntry", "Report a problem or event (also accepted at /log)" },
        { "/statistics/", "StatisticsEntry", "Report synchronisation statistics (also accepted at /statistics)" },
    };
    for (size_t i = 0; i < sizeof ep / sizeof ep[0]; i++) {
        json_t *op = operation(c, "Loggning", ep[i].summary, NULL);
        put(c, op, "requestBody", body(c, ref(c, ep[i].schema), "The entry."));
        json_t *rs = obj(c);
        put(c, rs, "201", resp(c, "Stored.", NULL));
        error_responses(c, rs, R400 | R403, WHY400_BODY);
        put(c, op, "responses", rs);
        put(c, path_item(c, paths, ep[i].path), "post", op);
    }
}

/* ---------------------------------------------------------------- document */

static const struct {
    const char *name, *doc;
} tag_docs[] = {
    { "Organisation", "Organisation elements: principal organisers, school units and the levels between." },
    { "Person", "Persons, their placements and their duties." },
    { "Grupper", "Groups and their members." },
    { "Studieinformation", "Programmes, syllabuses, study plans and school unit offerings." },
    { "Aktiviteter", "Activities, tying teachers and groups to a subject or course." },
    { "Kalenderhändelser", "Calendar events (lessons and the like) of activities." },
    { "Rum och resurser", "Rooms and other bookable resources." },
    { "Närvaro", "Attendance, absences and aggregated attendance." },
    { "Vistelseschema", "Attendance schedules for preschool and school-age childcare." },
    { "Närvarohändelser", "Check-in and check-out events." },
    { "Betyg", "Grades." },
    { "Borttag", "Ids of removed records." },
    { "Prenumeration", "Webhook subscriptions for change notifications." },
    { "Loggning", "Feedback from clients: log entries and synchronisation statistics." },
};

static void add_tag(oa *c, json_t *tags, const char *name)
{
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t) {
        const char *n = json_string_value(json_object_get(t, "name"));
        if (n && !strcmp(n, name))
            return;
    }
    t = obj(c);
    put(c, t, "name", str(c, name));
    for (i = 0; i < sizeof tag_docs / sizeof tag_docs[0]; i++)
        if (!strcmp(tag_docs[i].name, name))
            put(c, t, "description", str(c, tag_docs[i].doc));
    push(c, tags, t);
}

static json_t *info(oa *c)
{
    json_t *i = obj(c);
    put(c, i, "title", str(c, "SS12000"));
    put(c, i, "version", str(c, "2.1.0"));
    put(c, i, "description",
        str(c, "The SS12000:2020 school data API, version 2.1, as served by skolnav. "
               "Authenticate with the API key issued to your client as a bearer token."));
    put(c, i, "x-skolnav",
        str(c, "Generated by skolnav from its model table. Differences from the published 2.1 document, "
               "as recommended for its known errors: POST /calendarEvents/lookup and "
               "POST /attendanceSchedule/lookup return arrays of CalendarEvent and AttendanceSchedule; "
               "SchoolUnitOffering carries id and meta; AttendanceScheduleEntry.endTime is an HH:MM string "
               "like startTime; required lists name only existing properties; 400 and 403 are declared "
               "wherever this server can send them and 404 carries an Error body. "
               "/log and /statistics are also accepted without the trailing slash."));
    return i;
}

/* The document promises only what the route table serves: an operation of
 * the specification that this build does not answer yet is left out, so a
 * client generated from the document never calls into a 404. Schemas stay
 * complete. */
static void drop_unrouted(json_t *paths)
{
    const char *path;
    json_t *item, *tmp;
    json_object_foreach_safe(paths, tmp, path, item) {
        const char *method;
        json_t *op, *tmp2;
        json_object_foreach_safe(item, tmp2, method, op) {
            if (!api_routes(method, path))
                json_object_del(item, method);
        }
        if (!json_object_size(item))
            json_object_del(paths, path);
    }
}

json_t *openapi_document(const char *base_path)
{
    oa c = { 0 };
    json_t *doc = json_object();
    if (!doc)
        return NULL;
    put(&c, doc, "openapi", str(&c, "3.0.2"));
    put(&c, doc, "info", info(&c));

    json_t *servers = arr(&c), *server = obj(&c);
    put(&c, server, "url", str(&c, base_path ? base_path : ""));
    put(&c, server, "description", str(&c, "This server."));
    push(&c, servers, server);
    put(&c, doc, "servers", servers);

    json_t *security = arr(&c), *req = obj(&c);
    put(&c, req, "BearerAuth", arr(&c));
    push(&c, security, req);
    put(&c, doc, "security", security);

    json_t *tags = arr(&c);
    put(&c, doc, "tags", tags);
    put(&c, doc, "paths", obj(&c));
    json_t *paths = json_object_get(doc, "paths");

    json_t *components = obj(&c);
    put(&c, doc, "components", components);
    put(&c, components, "schemas", obj(&c));
    c.schemas = json_object_get(components, "schemas");
    json_t *schemes = obj(&c), *bearer = obj(&c);
    put(&c, bearer, "type", str(&c, "http"));
    put(&c, bearer, "scheme", str(&c, "bearer"));
    put(&c, bearer, "description", str(&c, "The API key issued to the client, sent as 'Authorization: Bearer <key>'."));
    put(&c, schemes, "BearerAuth", bearer);
    put(&c, components, "securitySchemes", schemes);
    if (c.fail || !paths || !c.schemas) {
        json_decref(doc);
        return NULL;
    }

    common_schemas(&c);
    for (int i = 0; i < K__COUNT; i++)
        kind_schemas(&c, &model_kinds[i]);
    for (int i = 0; i < K__COUNT; i++)
        for (const expand *x = model_kinds[i].expands; x && x->name; x++)
            ensure_schema(&c, x->schema);

    for (int i = 0; i < K__COUNT; i++) {
        const kind_desc *k = &model_kinds[i];
        if (k->tag)
            add_tag(&c, tags, k->tag);
        if (k->id != K_SUBSCRIPTION)
            kind_paths(&c, paths, k);
    }
    deleted_entities(&c, paths);
    subscriptions(&c, paths);
    feedback(&c, paths);
    add_tag(&c, tags, "Borttag");
    add_tag(&c, tags, "Loggning");
    drop_unrouted(paths);

    if (c.fail) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}
