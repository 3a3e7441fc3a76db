#include "ingest/validate.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "util/buf.h"
#include "util/timefmt.h"
#include "util/uuid.h"

#define MAX_DEPTH 8

typedef struct vctx {
    long index;
    const char *id;
    ingest_result *res;
    ref_list *refs;
    int problems;
} vctx;

void ingest_problem_add(ingest_result *res, long index, const char *id, const char *field,
                        const char *fmt, ...)
{
    if (res->nproblems++ >= INGEST_MAX_ERRORS)
        return;
    ingest_problem *p = &res->problems[res->nproblems - 1];
    p->index = index;
    snprintf(p->id, sizeof p->id, "%s", id ? id : "");
    snprintf(p->field, sizeof p->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->message, sizeof p->message, fmt, ap);
    va_end(ap);
}

void ref_list_free(ref_list *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->id[i]);
        free(r->where[i]);
    }
    free(r->kind);
    free(r->id);
    free(r->where);
    memset(r, 0, sizeof *r);
}

static void ref_add(ref_list *r, int kind, const char *id, const char *where)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->kind = xrealloc(r->kind, r->cap * sizeof *r->kind);
        r->id = xrealloc(r->id, r->cap * sizeof *r->id);
        r->where = xrealloc(r->where, r->cap * sizeof *r->where);
    }
    r->kind[r->n] = kind;
    r->id[r->n] = xstrdup(id);
    r->where[r->n] = xstrdup(where);
    r->n++;
}

#define PROBLEM(c, path, ...) \
    ((c)->problems++, ingest_problem_add((c)->res, (c)->index, (c)->id, (path), __VA_ARGS__))

static const char *json_kind(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number with a fraction";
    case JSON_TRUE: case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* Swedish civic numbers: only the form is checked (DIGEST §2.15): 8 digits
 * of date, two digits or letters (temporary numbers), two digits. */
static int civicno_form_ok(const char *s)
{
    if (strlen(s) != 12)
        return 0;
    for (int i = 0; i < 12; i++) {
        int c = (unsigned char)s[i];
        if ((i == 8 || i == 9) ? !isalnum(c) : !isdigit(c))
            return 0;
    }
    return 1;
}

static int email_ok(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1] || strchr(at + 1, '@'))
        return 0;
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p))
            return 0;
    return 1;
}

static int uri_ok(const char *s)
{
    const char *colon = strchr(s, ':');
    if (!colon || colon == s || !isalpha((unsigned char)s[0]))
        return 0;
    for (const char *p = s; p < colon; p++)
        if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
            return 0;
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p))
            return 0;
    return colon[1] != 0;
}

/* path + "." + name (truncated to fit), without printf: this runs for every
 * field of every record. */
static void join_path(char *out, size_t outlen, const char *path, const char *name)
{
    size_t pl = strlen(path), nl = strlen(name), n = 0;
    if (pl >= outlen)
        pl = outlen - 1;
    memcpy(out, path, pl);
    n = pl;
    if (pl && n + 1 < outlen)
        out[n++] = '.';
    if (nl > outlen - 1 - n)
        nl = outlen - 1 - n;
    memcpy(out + n, name, nl);
    out[n + nl] = 0;
}

static json_t *check_object(vctx *c, const field *fields, json_t *in, const char *path, int depth, int top);

static json_t *check_ref(vctx *c, const field *f, json_t *v, const char *path)
{
    if (!json_is_object(v)) {
        PROBLEM(c, path, "must be a reference object {\"id\": ...}, not %s", json_kind(v));
        return NULL;
    }
    json_t *id = json_object_get(v, "id");
    if (!json_is_string(id) || uuid_valid(json_string_value(id))) {
        PROBLEM(c, path, "reference needs an \"id\" that is a UUID");
        return NULL;
    }
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) {
        if (!strcmp(k, "id") || !strcmp(k, "displayName"))
            continue;
        if (!strcmp(k, "securityMarking") && (f->flags & F_PERSONREF)) {
            if (!json_is_string(x) || !model_enum_has(enum_security_marking, json_string_value(x))) {
                char *l = model_enum_list(enum_security_marking);
                PROBLEM(c, path, "securityMarking must be one of %s", l);
                free(l);
                return NULL;
            }
            continue;
        }
        PROBLEM(c, path, "unknown field '%s' in a reference", k);
        return NULL;
    }
    char lower[UUID_STR_LEN];
    uuid_lower(json_string_value(id), lower);
    if (c->refs)
        ref_add(c->refs, f->ref, lower, path);
    json_t *out = json_object();
    json_object_set_new(out, "id", json_string(lower));
    json_t *sm = json_object_get(v, "securityMarking");
    if (sm)
        json_object_set(out, "securityMarking", sm);
    return out;
}

static json_t *check_scalar(vctx *c, const field *f, json_t *v, const char *path, int depth)
{
    const char *s = json_string_value(v);
    switch (f->type) {
    case FT_STRING:
        if (!s)
            break;
        return json_incref(v);
    case FT_UUID:
        if (!s)
            break;
        if (uuid_valid(s)) {
            PROBLEM(c, path, "'%s' is not a UUID", s);
            return NULL;
        }
        {
            char lower[UUID_STR_LEN];
            uuid_lower(s, lower);
            return json_string(lower);
        }
    case FT_DATE:
        if (!s)
            break;
        if (time_parse_date(s)) {
            PROBLEM(c, path, "'%s' is not a date (YYYY-MM-DD)", s);
            return NULL;
        }
        return json_incref(v);
    case FT_DATETIME: {
        int64_t ms;
        if (!s)
            break;
        if (time_parse_datetime(s, &ms)) {
            PROBLEM(c, path, "'%s' is not an RFC 3339 date-time (e.g. 2024-01-15T08:20:00+01:00)", s);
            return NULL;
        }
        return json_incref(v);
    }
    case FT_TIME_HM:
        if (!s)
            break;
        if (time_parse_hm(s)) {
            PROBLEM(c, path, "'%s' is not a time of day (HH:MM)", s);
            return NULL;
        }
        return json_incref(v);
    case FT_INT:
        if (!json_is_integer(v))
            break;
        if (f->min < f->max && (json_integer_value(v) < f->min || json_integer_value(v) > f->max)) {
            PROBLEM(c, path, "%lld is outside %d..%d", (long long)json_integer_value(v), f->min, f->max);
            return NULL;
        }
        return json_incref(v);
    case FT_BOOL:
        if (!json_is_boolean(v))
            break;
        return json_incref(v);
    case FT_ENUM:
        if (!s)
            break;
        if (!model_enum_has(f->enumv, s)) {
            char *l = model_enum_list(f->enumv);
            PROBLEM(c, path, "'%s' is not one of %s", s, l);
            free(l);
            return NULL;
        }
        return json_incref(v);
    case FT_URI:
        if (!s)
            break;
        if (!uri_ok(s)) {
            PROBLEM(c, path, "'%s' is not a URI", s);
            return NULL;
        }
        return json_incref(v);
    case FT_EMAIL:
        if (!s)
            break;
        if (!email_ok(s)) {
            PROBLEM(c, path, "'%s' is not an e-mail address", s);
            return NULL;
        }
        return json_incref(v);
    case FT_REF:
        return check_ref(c, f, v, path);
    case FT_OBJECT:
        if (!json_is_object(v))
            break;
        return check_object(c, f->sub, v, path, depth + 1, 0);
    }
    static const char *const want[] = {
        [FT_STRING] = "a string", [FT_UUID] = "a UUID string", [FT_DATE] = "a date string",
        [FT_DATETIME] = "a date-time string", [FT_INT] = "an integer", [FT_BOOL] = "a boolean",
        [FT_ENUM] = "a string", [FT_OBJECT] = "an object", [FT_REF] = "a reference object",
        [FT_URI] = "a URI string", [FT_EMAIL] = "an e-mail string", [FT_TIME_HM] = "a time string (HH:MM)",
    };
    PROBLEM(c, path, "must be %s, not %s", want[f->type], json_kind(v));
    return NULL;
}

static json_t *check_value(vctx *c, const field *f, json_t *v, const char *path, int depth)
{
    if (!(f->flags & F_ARRAY))
        return check_scalar(c, f, v, path, depth);
    if (!json_is_array(v)) {
        PROBLEM(c, path, "must be an array, not %s", json_kind(v));
        return NULL;
    }
    if ((f->flags & F_MINONE) && json_array_size(v) == 0) {
        PROBLEM(c, path, "must have at least one item");
        return NULL;
    }
    json_t *out = json_array();
    size_t i;
    json_t *el;
    int ok = 1;
    json_array_foreach(v, i, el) {
        char p[192];
        snprintf(p, sizeof p, "%s[%zu]", path, i);
        json_t *cv = check_scalar(c, f, el, p, depth);
        if (!cv) {
            ok = 0;
            continue;
        }
        if (f->flags & F_UNIQUE) {
            size_t j;
            json_t *prev;
            json_array_foreach(out, j, prev) {
                if (json_equal(prev, cv)) {
                    PROBLEM(c, p, "repeats an earlier item; items must be unique");
                    ok = 0;
                }
            }
        }
        json_array_append_new(out, cv);
    }
    if (!ok) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* Civic numbers from Sweden must have the 12-character form; foreign ones
 * are taken as they come. */
static int check_civicno(vctx *c, json_t *out, const char *path)
{
    json_t *cn = json_object_get(out, "civicNo");
    if (!cn)
        return 0;
    const char *nat = json_string_value(json_object_get(cn, "nationality"));
    const char *v = json_string_value(json_object_get(cn, "value"));
    if (v && (!nat || !strcmp(nat, "SE")) && !civicno_form_ok(v)) {
        char p[192];
        snprintf(p, sizeof p, "%s%scivicNo.value", path, *path ? "." : "");
        PROBLEM(c, p, "'%s' is not a Swedish civic number: 12 characters, YYYYMMDD then 4 (no hyphen)", v);
        return -1;
    }
    return 0;
}

/* Skolverket's school unit codes are 8 digits (Skolenhetsregistret). */
static int check_school_unit_code(vctx *c, json_t *out, const char *path)
{
    const char *v = json_string_value(json_object_get(out, "schoolUnitCode"));
    size_t n = v ? strspn(v, "0123456789") : 0;
    if (v && (n != 8 || v[n])) {
        char p[192];
        join_path(p, sizeof p, path, "schoolUnitCode");
        PROBLEM(c, p, "'%s' is not a school unit code (8 digits, as Skolverket assigns them)", v);
        return -1;
    }
    return 0;
}

static json_t *check_object(vctx *c, const field *fields, json_t *in, const char *path, int depth, int top)
{
    if (depth > MAX_DEPTH) {
        PROBLEM(c, path, "nested too deeply");
        return NULL;
    }
    int before = c->problems;
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v) {
        if (top && !strcmp(k, "meta"))
            continue; /* the hub keeps its own meta */
        if (!model_field(fields, k)) {
            char p[192];
            join_path(p, sizeof p, path, k);
            PROBLEM(c, p, "unknown field '%s'", k);
        }
    }
    for (const field *f = fields; f->name; f++) {
        char p[192];
        if (top && !strcmp(f->name, "meta"))
            continue;
        join_path(p, sizeof p, path, f->name);
        json_t *val = json_object_get(in, f->name);
        if (!val) {
            if (f->flags & F_REQUIRED)
                PROBLEM(c, p, "required field '%s' is missing", f->name);
            continue;
        }
        json_t *cv = check_value(c, f, val, p, depth);
        if (cv)
            json_object_set_new(out, f->name, cv);
    }
    if (c->problems == before && model_field(fields, "civicNo"))
        check_civicno(c, out, path);
    if (c->problems == before && model_field(fields, "schoolUnitCode"))
        check_school_unit_code(c, out, path);
    if (c->problems != before) {
        json_decref(out);
        return NULL;
    }
    return out;
}

json_t *validate_entity(int kind, json_t *in, long index, ingest_result *res, ref_list *refs)
{
    vctx c = { .index = index, .res = res, .refs = refs };
    const kind_desc *k = model_kind(kind);
    if (!k) {
        ingest_problem_add(res, index, NULL, "", "unknown entity kind");
        return NULL;
    }
    if (!json_is_object(in)) {
        ingest_problem_add(res, index, NULL, "", "a %s must be a JSON object, not %s", k->name, json_kind(in));
        return NULL;
    }
    c.id = json_string_value(json_object_get(in, "id"));
    return check_object(&c, k->fields, in, "", 0, 1);
}

size_t ingest_validate(int kind, json_t *entity, long index, ingest_result *res)
{
    size_t before = res->nproblems;
    json_t *out = validate_entity(kind, entity, index, res, NULL);
    json_decref(out);
    return res->nproblems - before;
}
