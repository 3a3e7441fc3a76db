/*
 * One table of layouts: columns, which are required, and the function
 * turning a row into entities. Guardians are added to the pupils'
 * `responsibles` (SS12000 keeps the relation on the child), so a guardians
 * file needs the pupils it names in the same import, listed before it.
 * Duties have no id in a register's staff list: theirs is derived from
 * the staff member, school and role, so a re-import finds the same duty.
 */
#include "import/csv_layout.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/csv.h"
#include "util/buf.h"

#define MAX_COLS 16

typedef struct row_ctx {
    json_t *batch;
    const char *path;
    long line;
    const char *v[MAX_COLS]; /* value per layout column, NULL when empty or absent */
    char *err;
    size_t errlen;
} row_ctx;

typedef struct layout {
    const char *name;
    const char *cols[MAX_COLS];
    unsigned required;  /* bit i: cols[i] must have a value */
    int (*row)(row_ctx *c);
    const char *kinds[3]; /* kinds this layout writes (for --full) */
} layout;

static json_t *kind_array(json_t *batch, const char *kind)
{
    json_t *up = json_object_get(batch, "upsert");
    if (!up) {
        up = json_object();
        json_object_set_new(batch, "upsert", up);
    }
    json_t *a = json_object_get(up, kind);
    if (!a) {
        a = json_array();
        json_object_set_new(up, kind, a);
    }
    return a;
}

static void set_str(json_t *o, const char *k, const char *v)
{
    if (v)
        json_object_set_new(o, k, json_string(v));
}

static json_t *ref(const char *id)
{
    return json_pack("{s:s}", "id", id);
}

static int bad(row_ctx *c, const char *col, const char *what)
{
    snprintf(c->err, c->errlen, "%s: line %ld, column %s: %s", c->path, c->line, col, what);
    return -1;
}

/* Space-separated values as a JSON array of strings. */
static json_t *words(const char *v)
{
    json_t *a = json_array();
    while (v && *v) {
        while (*v == ' ')
            v++;
        size_t n = strcspn(v, " ");
        if (n)
            json_array_append_new(a, json_stringn(v, n));
        v += n;
    }
    return a;
}

static json_t *person(row_ctx *c, int email_type_staff)
{
    json_t *p = json_object();
    set_str(p, "id", c->v[0]);
    set_str(p, "givenName", c->v[1]);
    set_str(p, "familyName", c->v[2]);
    if (c->v[3])
        json_object_set_new(p, "civicNo", json_pack("{s:s}", "value", c->v[3]));
    if (c->v[4])
        json_object_set_new(p, "emails", json_pack("[{s:s,s:s}]", "value", c->v[4], "type",
                                                   email_type_staff ? "Skola personal" : "Privat"));
    return p;
}

/* schools: id,name,schoolUnitCode,schoolTypes,parentId,municipalityCode */
static int row_school(row_ctx *c)
{
    json_t *o = json_object();
    set_str(o, "id", c->v[0]);
    set_str(o, "displayName", c->v[1]);
    json_object_set_new(o, "organisationType", json_string("Skolenhet"));
    if (c->v[4])
        json_object_set_new(o, "parentOrganisation", ref(c->v[4]));
    set_str(o, "schoolUnitCode", c->v[2]);
    if (c->v[3])
        json_object_set_new(o, "schoolTypes", words(c->v[3]));
    set_str(o, "municipalityCode", c->v[5]);
    json_array_append_new(kind_array(c->batch, "organisations"), o);
    return 0;
}

static int school_year(row_ctx *c, const char *v, json_t *into)
{
    if (!v)
        return 0;
    char *end;
    long y = strtol(v, &end, 10);
    if (*end || end == v)
        return bad(c, "schoolYear", "not a whole number");
    json_object_set_new(into, "schoolYear", json_integer(y));
    return 0;
}

/* pupils: id,givenName,familyName,civicNo,email,eppn,schoolId,schoolType,schoolYear,startDate,endDate */
static int row_pupil(row_ctx *c)
{
    json_t *p = person(c, 0);
    if (c->v[5])
        json_object_set_new(p, "eduPersonPrincipalNames", words(c->v[5]));
    json_t *e = json_object();
    json_object_set_new(e, "enroledAt", ref(c->v[6]));
    if (school_year(c, c->v[8], e)) {
        json_decref(e);
        json_decref(p);
        return -1;
    }
    set_str(e, "schoolType", c->v[7]);
    set_str(e, "startDate", c->v[9]);
    set_str(e, "endDate", c->v[10]);
    json_object_set_new(p, "enrolments", json_pack("[o]", e));
    json_array_append_new(kind_array(c->batch, "persons"), p);
    return 0;
}

static json_t *find_person(json_t *batch, const char *id)
{
    json_t *a = kind_array(batch, "persons");
    size_t i;
    json_t *p;
    json_array_foreach(a, i, p)
        if (!strcasecmp(json_string_value(json_object_get(p, "id")), id))
            return p;
    return NULL;
}

/* guardians: id,givenName,familyName,civicNo,email,pupilId,relationType */
static int row_guardian(row_ctx *c)
{
    json_t *child = find_person(c->batch, c->v[5]);
    if (!child)
        return bad(c, "pupilId", "no pupil with this id in the pupils files of this import (list pupils.csv before guardians.csv)");
    if (!find_person(c->batch, c->v[0]))
        json_array_append_new(kind_array(c->batch, "persons"), person(c, 0));
    json_t *resp = json_object_get(child, "responsibles");
    if (!resp) {
        resp = json_array();
        json_object_set_new(child, "responsibles", resp);
    }
    json_array_append_new(resp, json_pack("{s:o,s:s}", "person", ref(c->v[0]), "relationType",
                                          c->v[6] ? c->v[6] : "Vårdnadshavare"));
    return 0;
}

/* A stable UUID from text: the same staff row gives the same duty id. */
static void derived_uuid(const char *text, char out[37])
{
    unsigned char h[16];
    crypto_generichash(h, sizeof h, (const unsigned char *)text, strlen(text), NULL, 0);
    h[6] = (h[6] & 0x0f) | 0x50; /* version 5 shape: name-based */
    h[8] = (h[8] & 0x3f) | 0x80;
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1], h[2], h[3],
             h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]);
}

/* staff: id,givenName,familyName,civicNo,email,eppn,schoolId,dutyRole,startDate,endDate,signature */
static int row_staff(row_ctx *c)
{
    if (!find_person(c->batch, c->v[0])) {
        json_t *p = person(c, 1);
        if (c->v[5])
            json_object_set_new(p, "eduPersonPrincipalNames", words(c->v[5]));
        json_array_append_new(kind_array(c->batch, "persons"), p);
    }
    char key[256], id[37];
    snprintf(key, sizeof key, "skolnav-duty:%s:%s:%s", c->v[0], c->v[6], c->v[7]);
    derived_uuid(key, id);
    json_t *d = json_object();
    json_object_set_new(d, "id", json_string(id));
    json_object_set_new(d, "person", ref(c->v[0]));
    json_object_set_new(d, "dutyAt", ref(c->v[6]));
    set_str(d, "dutyRole", c->v[7]);
    set_str(d, "signature", c->v[10]);
    set_str(d, "startDate", c->v[8]);
    set_str(d, "endDate", c->v[9]);
    json_array_append_new(kind_array(c->batch, "duties"), d);
    return 0;
}

/* classes: id,name,schoolId,schoolType,startDate,endDate,members */
static int row_class(row_ctx *c)
{
    json_t *g = json_object();
    set_str(g, "id", c->v[0]);
    set_str(g, "displayName", c->v[1]);
    set_str(g, "startDate", c->v[4]);
    set_str(g, "endDate", c->v[5]);
    json_object_set_new(g, "groupType", json_string("Klass"));
    set_str(g, "schoolType", c->v[3]);
    json_object_set_new(g, "organisation", ref(c->v[2]));
    json_t *m = json_array(), *ids = words(c->v[6]);
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
        json_array_append_new(m, json_pack("{s:{s:O}}", "person", "id", v));
    json_decref(ids);
    json_object_set_new(g, "groupMemberships", m);
    json_array_append_new(kind_array(c->batch, "groups"), g);
    return 0;
}

#define R(i) (1u << (i))
static const layout layouts[] = {
    { "schools", { "id", "name", "schoolUnitCode", "schoolTypes", "parentId", "municipalityCode" },
      R(0) | R(1), row_school, { "organisations" } },
    { "pupils", { "id", "givenName", "familyName", "civicNo", "email", "eppn", "schoolId", "schoolType", "schoolYear",
                  "startDate", "endDate" },
      R(0) | R(1) | R(2) | R(6) | R(7) | R(9), row_pupil, { "persons" } },
    { "guardians", { "id", "givenName", "familyName", "civicNo", "email", "pupilId", "relationType" },
      R(0) | R(1) | R(2) | R(5), row_guardian, { "persons" } },
    { "staff", { "id", "givenName", "familyName", "civicNo", "email", "eppn", "schoolId", "dutyRole", "startDate",
                 "endDate", "signature" },
      R(0) | R(1) | R(2) | R(6) | R(7) | R(8), row_staff, { "persons", "duties" } },
    { "classes", { "id", "name", "schoolId", "schoolType", "startDate", "endDate", "members" },
      R(0) | R(1) | R(2) | R(4), row_class, { "groups" } },
};

static const layout *layout_of(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < sizeof layouts / sizeof *layouts; i++) {
        size_t n = strlen(layouts[i].name);
        if (!strncmp(base, layouts[i].name, n) && strchr(".-_", base[n]) && base[n])
            return &layouts[i];
    }
    return NULL;
}

static void add_full(json_t *batch, const char *kind)
{
    json_t *full = json_object_get(batch, "full");
    if (!full) {
        full = json_array();
        json_object_set_new(batch, "full", full);
    }
    size_t i;
    json_t *v;
    json_array_foreach(full, i, v)
        if (!strcmp(json_string_value(v), kind))
            return;
    json_array_append_new(full, json_string(kind));
}

int csv_layout_add(json_t *batch, const char *path, const char *text, size_t len, int full, char *err, size_t errlen)
{
    const layout *L = layout_of(path);
    if (!L) {
        snprintf(err, errlen, "%s: a CSV file is named after its layout: schools, pupils, guardians, staff or classes "
                 "(e.g. pupils.csv)", path);
        return -1;
    }
    csv_reader r;
    csv_open(&r, text, len);
    csv_row head, row;
    char cerr[200];
    int rc = csv_next(&r, &head, cerr, sizeof cerr);
    if (rc <= 0) {
        snprintf(err, errlen, "%s: %s", path, rc ? cerr : "empty: a header line naming the columns is needed");
        return -1;
    }
    int map[CSV_MAX_FIELDS]; /* file column -> layout column */
    unsigned seen = 0;
    rc = 0;
    for (size_t i = 0; i < head.n && !rc; i++) {
        map[i] = -1;
        for (int c = 0; c < MAX_COLS && L->cols[c]; c++)
            if (!strcmp(head.f[i], L->cols[c]))
                map[i] = c;
        if (map[i] < 0) {
            buf b;
            buf_init(&b);
            for (int c = 0; c < MAX_COLS && L->cols[c]; c++)
                buf_printf(&b, "%s%s", c ? "," : "", L->cols[c]);
            snprintf(err, errlen, "%s: line 1: unknown column '%s' (the %s layout has %s)", path, head.f[i], L->name, b.data);
            buf_free(&b);
            rc = -1;
        } else if (seen & R(map[i])) {
            snprintf(err, errlen, "%s: line 1: column '%s' appears twice", path, head.f[i]);
            rc = -1;
        } else
            seen |= R(map[i]);
    }
    for (int c = 0; !rc && c < MAX_COLS && L->cols[c]; c++)
        if ((L->required & R(c)) && !(seen & R(c))) {
            snprintf(err, errlen, "%s: line 1: the required column '%s' is missing", path, L->cols[c]);
            rc = -1;
        }
    size_t ncols = head.n;
    while (!rc) {
        int got = csv_next(&r, &row, cerr, sizeof cerr);
        if (got <= 0) {
            if (got < 0) {
                snprintf(err, errlen, "%s: %s", path, cerr);
                rc = -1;
            }
            break;
        }
        row_ctx c = { .batch = batch, .path = path, .line = r.rec_line, .err = err, .errlen = errlen };
        if (row.n != ncols) {
            snprintf(err, errlen, "%s: line %ld: %zu fields where the header has %zu", path, c.line, row.n, ncols);
            csv_row_free(&row);
            rc = -1;
            break;
        }
        for (size_t i = 0; i < row.n; i++)
            c.v[map[i]] = row.f[i][0] ? row.f[i] : NULL;
        for (int k = 0; !rc && k < MAX_COLS && L->cols[k]; k++)
            if ((L->required & R(k)) && !c.v[k])
                rc = bad(&c, L->cols[k], "required, but empty");
        if (!rc)
            rc = L->row(&c);
        csv_row_free(&row);
        rc = rc ? -1 : 0;
    }
    csv_row_free(&head);
    if (rc < 0)
        return -1;
    for (int k = 0; full && k < 3 && L->kinds[k]; k++)
        add_full(batch, L->kinds[k]);
    return 0;
}
