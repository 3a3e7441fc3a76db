#include "export/csvout.h"

#include <string.h>

#include "model/model.h"
#include "util/buf.h"

static const csv_col org_cols[] = {
    { "id", "id" }, { "displayName", "displayName" }, { "organisationType", "organisationType" },
    { "organisationCode", "organisationCode" }, { "organisationNumber", "organisationNumber" },
    { "schoolUnitCode", "schoolUnitCode" }, { "municipalityCode", "municipalityCode" },
    { "schoolTypes", "schoolTypes" }, { "parentOrganisationId", "parentOrganisation.id" },
    { "startDate", "startDate" }, { "endDate", "endDate" }, { 0 },
};

static const csv_col person_cols[] = {
    { "id", "id" }, { "givenName", "givenName" }, { "middleName", "middleName" }, { "familyName", "familyName" },
    { "civicNo", "civicNo.value" }, { "birthDate", "birthDate" }, { "sex", "sex" },
    { "securityMarking", "securityMarking" }, { "personStatus", "personStatus" },
    { "eduPersonPrincipalNames", "eduPersonPrincipalNames" }, { "emails", "emails.value" }, { 0 },
};

static const csv_col enrolment_cols[] = {
    { "personId", "^id" }, { "enroledAtId", "enroledAt.id" }, { "schoolType", "schoolType" },
    { "schoolYear", "schoolYear" }, { "educationCode", "educationCode" }, { "programmeId", "programme.id" },
    { "startDate", "startDate" }, { "endDate", "endDate" }, { "cancelled", "cancelled" }, { 0 },
};

static const csv_col group_cols[] = {
    { "id", "id" }, { "displayName", "displayName" }, { "groupType", "groupType" }, { "schoolType", "schoolType" },
    { "organisationId", "organisation.id" }, { "startDate", "startDate" }, { "endDate", "endDate" }, { 0 },
};

static const csv_col membership_cols[] = {
    { "groupId", "^id" }, { "personId", "person.id" }, { "startDate", "startDate" }, { "endDate", "endDate" }, { 0 },
};

static const csv_col duty_cols[] = {
    { "id", "id" }, { "personId", "person.id" }, { "dutyAtId", "dutyAt.id" }, { "dutyRole", "dutyRole" },
    { "signature", "signature" }, { "dutyPercent", "dutyPercent" }, { "startDate", "startDate" },
    { "endDate", "endDate" }, { 0 },
};

const csv_table csv_tables[] = {
    { "organisations.csv", K_ORGANISATION, NULL, org_cols },
    { "persons.csv", K_PERSON, NULL, person_cols },
    { "enrolments.csv", K_PERSON, "enrolments", enrolment_cols },
    { "groups.csv", K_GROUP, NULL, group_cols },
    { "memberships.csv", K_GROUP, "groupMemberships", membership_cols },
    { "duties.csv", K_DUTY, NULL, duty_cols },
    { 0 },
};

/* Appends a scalar's text form. */
static void scalar(buf *b, json_t *v)
{
    if (json_is_string(v))
        buf_adds(b, json_string_value(v));
    else if (json_is_integer(v))
        buf_printf(b, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        buf_printf(b, "%.17g", json_real_value(v));
    else if (json_is_true(v))
        buf_adds(b, "true");
    else if (json_is_false(v))
        buf_adds(b, "false");
}

/* The value at path (dots), arrays mapped element-wise and joined by '|'. */
static void value_at(buf *b, json_t *v, const char *path)
{
    if (!v)
        return;
    if (json_is_array(v)) {
        size_t i;
        json_t *el;
        size_t start = b->len;
        json_array_foreach(v, i, el) {
            size_t before = b->len;
            if (b->len > start)
                buf_addc(b, '|');
            size_t mark = b->len;
            value_at(b, el, path);
            if (b->len == mark) /* nothing: no separator either */
                b->len = before;
        }
        return;
    }
    if (!*path) {
        scalar(b, v);
        return;
    }
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    char seg[64];
    if (n >= sizeof seg)
        return;
    memcpy(seg, path, n);
    seg[n] = 0;
    value_at(b, json_object_get(v, seg), dot ? dot + 1 : "");
}

static void field_out(buf *line, const char *s, size_t n)
{
    int quote = strpbrk(s, ",\"\r\n") != NULL || (n && (s[0] == ' ' || s[n - 1] == ' '));
    if (!quote) {
        buf_add(line, s, n);
        return;
    }
    buf_addc(line, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            buf_addc(line, '"');
        buf_addc(line, s[i]);
    }
    buf_addc(line, '"');
}

static int line_out(FILE *f, buf *line)
{
    buf_adds(line, "\r\n");
    return fwrite(line->data, 1, line->len, f) == line->len ? 0 : -1;
}

int csv_write_header(FILE *f, const csv_table *t)
{
    buf line;
    buf_init(&line);
    for (const csv_col *c = t->cols; c->name; c++) {
        if (c != t->cols)
            buf_addc(&line, ',');
        buf_adds(&line, c->name);
    }
    int rc = line_out(f, &line);
    buf_free(&line);
    return rc;
}

static int row_out(FILE *f, const csv_table *t, json_t *parent, json_t *el)
{
    buf line, v;
    buf_init(&line);
    buf_init(&v);
    for (const csv_col *c = t->cols; c->name; c++) {
        if (c != t->cols)
            buf_addc(&line, ',');
        buf_reset(&v);
        if (c->path[0] == '^')
            value_at(&v, parent, c->path + 1);
        else
            value_at(&v, el, c->path);
        field_out(&line, buf_cstr(&v), v.len);
    }
    int rc = line_out(f, &line);
    buf_free(&line);
    buf_free(&v);
    return rc;
}

int csv_write_rows(FILE *f, const csv_table *t, json_t *obj)
{
    if (!t->rows)
        return row_out(f, t, obj, obj);
    json_t *arr = json_object_get(obj, t->rows);
    size_t i;
    json_t *el;
    json_array_foreach(arr, i, el) {
        if (row_out(f, t, obj, el))
            return -1;
    }
    return 0;
}
