/*
 * expand → _embedded (DIGEST §2.7). Forward and reverse expansions are
 * driven by the model table; the three whose items are not plain entities
 * (responsibleFor, groupMemberships, assignmentRoles) are built here.
 * Each expansion fetches what the whole page needs in one store query.
 */
#include <stdlib.h>
#include <string.h>

#include "api/serialize.h"
#include "store/rows.h"
#include "util/strmap.h"

#define MAX_REFS 4096

/* Item shapes of the custom expansions, for reference names. */
static const char *const relation_types[] = { "Vårdnadshavare", "Annan ansvarig", "God man", "Utsedd behörig", 0 };
static const field responsible_for_item[] = {
    { .name = "person", .type = FT_REF, .flags = F_PERSONREF, .ref = K_PERSON },
    { .name = "relationType", .type = FT_ENUM, .enumv = relation_types },
    { 0 },
};
static const field group_membership_item[] = {
    { .name = "group", .type = FT_OBJECT }, /* .sub set at run time: Group's fields */
    { .name = "startDate", .type = FT_DATE },
    { .name = "endDate", .type = FT_DATE },
    { 0 },
};
static const field assignment_role_item[] = {
    { .name = "duty", .type = FT_REF, .ref = K_DUTY },
    { .name = "assignmentRoleType", .type = FT_STRING },
    { .name = "startDate", .type = FT_DATE },
    { .name = "endDate", .type = FT_DATE },
    { 0 },
};

static _Thread_local field gm_item[4];

const field *expand_fields(const kind_desc *k, const expand *x)
{
    (void)k;
    if (x->how != E_CUSTOM)
        return model_kind(x->kind)->fields;
    if (!strcmp(x->name, "responsibleFor"))
        return responsible_for_item;
    if (!strcmp(x->name, "assignmentRoles"))
        return assignment_role_item;
    if (!strcmp(x->name, "groupMemberships")) {
        memcpy(gm_item, group_membership_item, sizeof gm_item);
        gm_item[0].sub = model_kind(K_GROUP)->fields;
        return gm_item;
    }
    return NULL;
}

static const char *index_path(int kind, const char *key)
{
    for (const index_key *ik = model_kind(kind)->index_keys; ik && ik->key; ik++)
        if (!strcmp(ik->key, key))
            return ik->path;
    return NULL;
}

/* Fetched entities, parsed, in fetch order. */
typedef struct fetched {
    json_t **obj;
    size_t n, cap;
} fetched;

static int fetch_row(void *ctx, const store_row *row)
{
    fetched *f = ctx;
    json_t *o = json_loadb(row->json, row->jsonlen, 0, NULL);
    if (!o)
        return 0;
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 32;
        f->obj = xrealloc(f->obj, f->cap * sizeof *f->obj);
    }
    f->obj[f->n++] = o;
    return 0;
}

static void fetched_free(fetched *f)
{
    for (size_t i = 0; i < f->n; i++)
        json_decref(f->obj[i]);
    free(f->obj);
}

static json_t *embedded(json_t *obj)
{
    json_t *emb = json_object_get(obj, "_embedded");
    if (!emb) {
        emb = json_object();
        json_object_set_new(obj, "_embedded", emb);
    }
    return emb;
}

/* The array _embedded.name of obj, created on first use. */
static json_t *emb_array(json_t *obj, const char *name)
{
    json_t *emb = embedded(obj);
    json_t *a = json_object_get(emb, name);
    if (!a) {
        a = json_array();
        json_object_set_new(emb, name, a);
    }
    return a;
}

static const char *obj_id(json_t *o)
{
    return json_string_value(json_object_get(o, "id"));
}

static int page_index(json_t **objs, size_t n, strmap *byid)
{
    for (size_t i = 0; i < n; i++) {
        const char *id = obj_id(objs[i]);
        if (id)
            strmap_put(byid, id, objs[i]);
    }
    return 0;
}

static int forward(store *st, const expand *x, json_t **objs, size_t n)
{
    strmap want;
    strmap_init(&want);
    const char **vals = xmalloc(MAX_REFS * sizeof *vals);
    for (size_t i = 0; i < n; i++) {
        size_t m = rows_path_values(objs[i], x->path, vals, MAX_REFS);
        for (size_t j = 0; j < m; j++)
            strmap_put(&want, vals[j], (void *)1);
    }
    const char **ids = xmalloc((want.n ? want.n : 1) * sizeof *ids);
    size_t nid = 0;
    for (size_t i = 0; i < want.cap; i++)
        if (want.keys[i])
            ids[nid++] = want.keys[i];
    fetched f = { 0 };
    int rc = store_fetch_ids(st, x->kind, ids, nid, fetch_row, &f);
    free(ids);
    /* A GroupFragment is a group without its memberships (DIGEST §2.7). */
    if (x->schema && !strcmp(x->schema, "GroupFragment"))
        for (size_t i = 0; i < f.n; i++)
            json_object_del(f.obj[i], "groupMemberships");
    strmap got;
    strmap_init(&got);
    page_index(f.obj, f.n, &got);
    for (size_t i = 0; i < n && !rc; i++) {
        size_t m = rows_path_values(objs[i], x->path, vals, MAX_REFS);
        if (x->single) {
            json_t *o = m ? strmap_get(&got, vals[0]) : NULL;
            if (o)
                json_object_set(embedded(objs[i]), x->name, o);
            continue;
        }
        json_t *a = emb_array(objs[i], x->name);
        for (size_t j = 0; j < m; j++) {
            json_t *o = strmap_get(&got, vals[j]);
            if (o)
                json_array_append(a, o);
        }
    }
    strmap_free(&got, NULL);
    strmap_free(&want, NULL);
    fetched_free(&f);
    free(vals);
    return rc;
}

/* Entities of x->kind whose index row `key` names one of the page's objects. */
static int fetch_reverse(store *st, int kind, const char *key, json_t **objs, size_t n, fetched *f)
{
    const char **ids = xmalloc((n ? n : 1) * sizeof *ids);
    size_t nid = 0;
    for (size_t i = 0; i < n; i++)
        if (obj_id(objs[i]))
            ids[nid++] = obj_id(objs[i]);
    int rc = store_fetch_by_key(st, kind, key, K_NONE, NULL, ids, nid, fetch_row, f);
    free(ids);
    return rc;
}

static int reverse(store *st, const expand *x, json_t **objs, size_t n)
{
    fetched f = { 0 };
    strmap byid;
    strmap_init(&byid);
    page_index(objs, n, &byid);
    for (size_t i = 0; i < n; i++)
        emb_array(objs[i], x->name);
    int rc = fetch_reverse(st, x->kind, x->key, objs, n, &f);
    const char *path = index_path(x->kind, x->key);
    const char **vals = xmalloc(MAX_REFS * sizeof *vals);
    for (size_t i = 0; i < f.n && !rc && path; i++) {
        size_t m = rows_path_values(f.obj[i], path, vals, MAX_REFS);
        for (size_t j = 0; j < m; j++) {
            json_t *owner = strmap_get(&byid, vals[j]);
            if (owner)
                json_array_append(emb_array(owner, x->name), f.obj[i]);
        }
    }
    free(vals);
    strmap_free(&byid, NULL);
    fetched_free(&f);
    return rc;
}

static json_t *copy_dates(json_t *dst, json_t *src)
{
    json_t *s = json_object_get(src, "startDate"), *e = json_object_get(src, "endDate");
    if (s)
        json_object_set(dst, "startDate", s);
    if (e)
        json_object_set(dst, "endDate", e);
    return dst;
}

/* For each item of array `arr` of each fetched entity whose `refkey`.id is
 * on the page, make an embedded item with make(). */
static int custom(store *st, const expand *x, json_t **objs, size_t n, int kind, const char *key,
                  const char *arr, const char *refkey, json_t *(*make)(json_t *ent, json_t *item))
{
    fetched f = { 0 };
    strmap byid;
    strmap_init(&byid);
    page_index(objs, n, &byid);
    for (size_t i = 0; i < n; i++)
        emb_array(objs[i], x->name);
    int rc = fetch_reverse(st, kind, key, objs, n, &f);
    for (size_t i = 0; i < f.n && !rc; i++) {
        size_t j;
        json_t *item;
        json_array_foreach(json_object_get(f.obj[i], arr), j, item) {
            const char *ref = json_string_value(json_object_get(json_object_get(item, refkey), "id"));
            json_t *owner = ref ? strmap_get(&byid, ref) : NULL;
            if (owner)
                json_array_append_new(emb_array(owner, x->name), make(f.obj[i], item));
        }
    }
    strmap_free(&byid, NULL);
    fetched_free(&f);
    return rc;
}

static json_t *make_responsible_for(json_t *child, json_t *item)
{
    json_t *ref = json_pack("{sO}", "id", json_object_get(child, "id"));
    json_t *sm = json_object_get(child, "securityMarking");
    if (sm)
        json_object_set(ref, "securityMarking", sm);
    json_t *out = json_pack("{so}", "person", ref);
    json_t *rt = json_object_get(item, "relationType");
    if (rt)
        json_object_set(out, "relationType", rt);
    return out;
}

static json_t *make_group_membership(json_t *group, json_t *item)
{
    json_t *frag = json_deep_copy(group);
    json_object_del(frag, "groupMemberships");
    return copy_dates(json_pack("{so}", "group", frag), item);
}

static json_t *make_assignment_role(json_t *duty, json_t *item)
{
    json_t *out = json_pack("{s{sO}}", "duty", "id", json_object_get(duty, "id"));
    json_t *t = json_object_get(item, "assignmentRoleType");
    if (t)
        json_object_set(out, "assignmentRoleType", t);
    return copy_dates(out, item);
}

int expand_apply(store *st, const kind_desc *k, uint32_t mask, json_t **objs, size_t n, api_error *e)
{
    int rc = 0;
    /* Asked-for expansion always shows, even when it found nothing. */
    for (size_t i = 0; i < n; i++)
        embedded(objs[i]);
    for (const expand *x = k->expands; x && x->name && !rc; x++) {
        if (!(mask & (1u << (x - k->expands))))
            continue;
        if (x->how == E_FORWARD)
            rc = forward(st, x, objs, n);
        else if (x->how == E_REVERSE)
            rc = reverse(st, x, objs, n);
        else if (!strcmp(x->name, "responsibleFor"))
            rc = custom(st, x, objs, n, K_PERSON, "responsible", "responsibles", "person", make_responsible_for);
        else if (!strcmp(x->name, "groupMemberships"))
            rc = custom(st, x, objs, n, K_GROUP, "member", "groupMemberships", "person", make_group_membership);
        else if (!strcmp(x->name, "assignmentRoles"))
            rc = custom(st, x, objs, n, K_DUTY, "assignmentGroup", "assignmentRole", "group", make_assignment_role);
    }
    if (rc)
        return api_fail(e, 500, E_INTERNAL, "expanding %s failed: %s", k->path, store_errmsg(st));
    return 0;
}
