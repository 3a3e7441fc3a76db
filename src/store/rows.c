#include "store/rows.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/collate.h"
#include "util/timefmt.h"

#define MAX_VALUES 4096 /* values one index key may produce for one entity */

/*
 * Person relations for GET /persons relationship.* (DIGEST §3.2). Each row
 * says where a relation lives: optionally an array to iterate, and paths to
 * the person, the organisation and the dates. Paths are relative to the
 * array element; "^" makes them relative to the entity, "$id" is the
 * entity's own id.
 */
typedef struct prel_rule {
    int kind;
    const char *array;
    const char *type;
    const char *person, *org, *start, *end;
} prel_rule;

static const prel_rule prel_rules[] = {
    { K_PERSON, "enrolments[]", "enrolment", "$id", "enroledAt.id", "startDate", "endDate" },
    { K_PERSON, "responsibles[]", "responsibleFor", "person.id", "$id", NULL, NULL },
    { K_DUTY, NULL, "duty", "person.id", "dutyAt.id", "startDate", "endDate" },
    { K_DUTY, "assignmentRole[]", "assignmentRole", "^person.id", "group.id", "startDate", "endDate" },
    { K_PLACEMENT, NULL, "placement.child", "child.id", "placedAt.id", "startDate", "endDate" },
    { K_PLACEMENT, "owners[]", "placement.owner", "id", "^placedAt.id", "^startDate", "^endDate" },
    { K_GROUP, "groupMemberships[]", "groupMembership", "person.id", "^organisation.id", "startDate", "endDate" },
};

static const char *const name_fields[] = { "givenName", "middleName", "familyName" };

static size_t walk(json_t *v, const char *path, const char **out, size_t n, size_t max)
{
    if (!v || n >= max)
        return n;
    if (!*path) {
        if (json_is_string(v))
            out[n++] = json_string_value(v);
        return n;
    }
    const char *dot = strchr(path, '.');
    size_t seglen = dot ? (size_t)(dot - path) : strlen(path);
    const char *rest = dot ? dot + 1 : path + seglen;
    int arr = seglen >= 2 && path[seglen - 2] == '[' && path[seglen - 1] == ']';
    char seg[64];
    size_t klen = arr ? seglen - 2 : seglen;
    if (klen >= sizeof seg)
        return n;
    memcpy(seg, path, klen);
    seg[klen] = 0;
    json_t *child = json_object_get(v, seg);
    if (!arr)
        return walk(child, rest, out, n, max);
    if (!json_is_array(child))
        return n;
    size_t i;
    json_t *el;
    json_array_foreach(child, i, el) {
        n = walk(el, rest, out, n, max);
    }
    return n;
}

size_t rows_path_values(json_t *e, const char *path, const char **out, size_t max)
{
    return walk(e, path, out, 0, max);
}

static const char *first_value(json_t *e, const char *path)
{
    const char *v = NULL;
    return rows_path_values(e, path, &v, 1) ? v : NULL;
}

static void add_idx(entity_rows *r, const char *key, const char *value)
{
    if (r->nidx == r->capidx) {
        r->capidx = r->capidx ? r->capidx * 2 : 16;
        r->idx = xrealloc(r->idx, r->capidx * sizeof *r->idx);
    }
    r->idx[r->nidx].key = key;
    r->idx[r->nidx].value = xstrdup(value);
    r->nidx++;
}

static void add_prel(entity_rows *r, const char *person, const char *type, const char *org,
                     const char *start, const char *end)
{
    if (!person || !org)
        return;
    if (r->nprel == r->capprel) {
        r->capprel = r->capprel ? r->capprel * 2 : 8;
        r->prel = xrealloc(r->prel, r->capprel * sizeof *r->prel);
    }
    prel_row *p = &r->prel[r->nprel++];
    p->person = xstrdup(person);
    p->type = type;
    p->org = xstrdup(org);
    p->start = start ? xstrdup(start) : NULL;
    p->end = end ? xstrdup(end) : NULL;
}

void rows_sort_value(const sortkey *sk, const char *text, int64_t modified_ms, unsigned char **v, size_t *vlen)
{
    if (sk->src == S_MODIFIED) {
        unsigned char *b = xmalloc(8);
        uint64_t u = (uint64_t)modified_ms ^ (1ull << 63); /* signed → unsigned order */
        for (int i = 0; i < 8; i++)
            b[i] = (unsigned char)(u >> (56 - 8 * i));
        *v = b, *vlen = 8;
        return;
    }
    if (!text) {
        /* A missing value sorts first, or last where the key says so. */
        *v = xmalloc(1);
        (*v)[0] = 0xff;
        *vlen = sk->missing_last ? 1 : 0;
        return;
    }
    if (sk->src == S_COLLATE && collate_key(text, v, vlen) == 0)
        return;
    *vlen = strlen(text);
    *v = (unsigned char *)xstrndup(text, *vlen);
}

static void add_sort(entity_rows *r, const sortkey *sk, const char *text, int64_t modified_ms)
{
    if (r->nsort == r->capsort) {
        r->capsort = r->capsort ? r->capsort * 2 : 8;
        r->sort = xrealloc(r->sort, r->capsort * sizeof *r->sort);
    }
    sort_row *s = &r->sort[r->nsort++];
    s->skey = sk->name;
    rows_sort_value(sk, text, modified_ms, &s->v, &s->vlen);
}

static char *display_of(const kind_desc *k, json_t *e)
{
    if (k->display) {
        const char *d = first_value(e, k->display);
        return d ? xstrdup(d) : NULL;
    }
    if (!k->display_parts)
        return NULL;
    buf b;
    buf_init(&b);
    for (const char *const *p = k->display_parts; *p; p++) {
        const char *v = first_value(e, *p);
        if (!v || !*v)
            continue;
        if (b.len)
            buf_addc(&b, ' ');
        buf_adds(&b, v);
    }
    return b.len ? buf_steal(&b) : (buf_free(&b), NULL);
}

/* Period values compare as text: dates as they are, date-times canonical. */
static char *period_value(const kind_desc *k, json_t *e, const char *fieldname)
{
    const char *v = fieldname ? first_value(e, fieldname) : NULL;
    if (!v)
        return NULL;
    const field *f = model_field(k->fields, fieldname);
    int64_t ms;
    if (f && f->type == FT_DATETIME && time_parse_datetime(v, &ms) == 0) {
        char out[TIME_CANON_LEN];
        time_format_ms(ms, out);
        return xstrdup(out);
    }
    return xstrdup(v);
}

static int kind_has_op(const kind_desc *k, query_op op)
{
    for (const param *p = k->params; p && p->name; p++)
        if (p->op == op)
            return 1;
    return 0;
}

static void build_names(json_t *e, entity_rows *r)
{
    for (size_t i = 0; i < sizeof name_fields / sizeof *name_fields; i++) {
        const char *v = first_value(e, name_fields[i]);
        char *f = v ? collate_fold(v) : NULL;
        if (f)
            add_idx(r, "name", f);
        free(f);
    }
}

static void build_identifiers(json_t *e, entity_rows *r)
{
    size_t i;
    json_t *el;
    json_array_foreach(json_object_get(e, "externalIdentifiers"), i, el) {
        const char *v = json_string_value(json_object_get(el, "value"));
        const char *c = json_string_value(json_object_get(el, "context"));
        if (v)
            add_idx(r, "identv", v);
        if (c)
            add_idx(r, "identc", c);
        if (v && c) {
            buf b;
            buf_init(&b);
            buf_printf(&b, "%s\x1f%s", c, v);
            add_idx(r, "identcv", b.data);
            buf_free(&b);
        }
    }
}

static const char *rule_value(json_t *root, json_t *el, const char *path)
{
    if (!path)
        return NULL;
    if (!strcmp(path, "$id"))
        return json_string_value(json_object_get(root, "id"));
    if (path[0] == '^')
        return first_value(root, path + 1);
    if (!strcmp(path, "id") && json_is_object(el))
        return json_string_value(json_object_get(el, "id"));
    return first_value(el, path);
}

static void build_prel(int kind, json_t *e, entity_rows *r)
{
    for (size_t i = 0; i < sizeof prel_rules / sizeof *prel_rules; i++) {
        const prel_rule *rule = &prel_rules[i];
        if (rule->kind != kind)
            continue;
        if (!rule->array) {
            add_prel(r, rule_value(e, e, rule->person), rule->type, rule_value(e, e, rule->org),
                     rule_value(e, e, rule->start), rule_value(e, e, rule->end));
            continue;
        }
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(strlen(rule->array) - 2), rule->array);
        size_t j;
        json_t *el;
        json_array_foreach(json_object_get(e, key), j, el) {
            add_prel(r, rule_value(e, el, rule->person), rule->type, rule_value(e, el, rule->org),
                     rule_value(e, el, rule->start), rule_value(e, el, rule->end));
        }
    }
}

void rows_build(int kind, json_t *e, int64_t modified_ms, entity_rows *r)
{
    const kind_desc *k = model_kind(kind);
    memset(r, 0, sizeof *r);
    const char **vals = xmalloc(MAX_VALUES * sizeof *vals);
    for (const index_key *ik = k->index_keys; ik && ik->key; ik++) {
        size_t n = rows_path_values(e, ik->path, vals, MAX_VALUES);
        for (size_t i = 0; i < n; i++) {
            int dup = 0;
            for (size_t j = 0; j < i && !dup; j++)
                dup = !strcmp(vals[i], vals[j]);
            if (!dup)
                add_idx(r, ik->key, vals[i]);
        }
    }
    free(vals);
    if (kind_has_op(k, Q_NAME_CONTAINS))
        build_names(e, r);
    if (kind_has_op(k, Q_IDENT_VALUE))
        build_identifiers(e, r);
    r->display = display_of(k, e);
    for (const sortkey *sk = k->sorts; sk && sk->name; sk++) {
        /* meta.modified sorts by the entity's own column; a Desc key reads
         * its Asc twin's rows backwards. */
        if (sk->src == S_MODIFIED || model_sort_column(k, sk) != sk)
            continue;
        const char *text = sk->path ? first_value(e, sk->path) : r->display;
        add_sort(r, sk, text, modified_ms);
    }
    r->pstart = period_value(k, e, k->period_start);
    r->pend = period_value(k, e, k->period_end);
    build_prel(kind, e, r);
}

void rows_free(entity_rows *r)
{
    for (size_t i = 0; i < r->nidx; i++)
        free(r->idx[i].value);
    for (size_t i = 0; i < r->nsort; i++)
        free(r->sort[i].v);
    for (size_t i = 0; i < r->nprel; i++) {
        free(r->prel[i].person);
        free(r->prel[i].org);
        free(r->prel[i].start);
        free(r->prel[i].end);
    }
    free(r->idx);
    free(r->sort);
    free(r->prel);
    free(r->pstart);
    free(r->pend);
    free(r->display);
    memset(r, 0, sizeof *r);
}

static int same_opt(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

int rows_has_idx(const entity_rows *r, const idx_row *x)
{
    for (size_t i = 0; r && i < r->nidx; i++)
        if (!strcmp(r->idx[i].key, x->key) && !strcmp(r->idx[i].value, x->value))
            return 1;
    return 0;
}

int rows_has_sort(const entity_rows *r, const sort_row *x)
{
    for (size_t i = 0; r && i < r->nsort; i++)
        if (!strcmp(r->sort[i].skey, x->skey) && r->sort[i].vlen == x->vlen &&
            (!x->vlen || !memcmp(r->sort[i].v, x->v, x->vlen)))
            return 1;
    return 0;
}

int rows_has_prel(const entity_rows *r, const prel_row *x)
{
    for (size_t i = 0; r && i < r->nprel; i++) {
        const prel_row *p = &r->prel[i];
        if (!strcmp(p->person, x->person) && !strcmp(p->type, x->type) && !strcmp(p->org, x->org) &&
            same_opt(p->start, x->start) && same_opt(p->end, x->end))
            return 1;
    }
    return 0;
}
