/*
 * access_filter: what the SQL scope leaves to do on rendered JSON, driven by
 * the model table. Fields whose category is not granted are removed
 * (array elements by their own category: school e-mail among e-mails).
 * References to entities outside the view are taken out:
 *   - an element of a reference array: the element goes;
 *   - a reference inside an array element (enrolments[].enroledAt,
 *     groupMemberships[].person): when the reference is required there or
 *     names a person, the whole element goes, else the reference;
 *   - a top-level reference: removed, unless the schema requires it, when
 *     only its bare id stays (never a displayName).
 * Which referenced ids are inside the view is asked of the store (scoped
 * display names), one query per referenced kind per page.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "api/serialize.h"
#include "store/sql_query.h"
#include "util/buf.h"

typedef struct fctx {
    access_view *av;
    strmap *ids[K__COUNT]; /* referenced ids; value non-NULL once known visible */
    int apply;             /* 0: collect ids, 1: filter */
} fctx;

static void want(fctx *c, int kind, const char *id)
{
    if (kind < 0 || kind >= K__COUNT || !id)
        return;
    if (!c->ids[kind]) {
        c->ids[kind] = xcalloc(1, sizeof(strmap));
        strmap_init(c->ids[kind]);
    }
    if (!strmap_get(c->ids[kind], id))
        strmap_put(c->ids[kind], id, NULL);
}

static int visible(fctx *c, int kind, json_t *ref)
{
    const char *id = json_string_value(json_object_get(ref, "id"));
    if (!id || kind < 0 || kind >= K__COUNT)
        return 0;
    return c->ids[kind] && strmap_get(c->ids[kind], id) != NULL;
}

static void note(access_view *av, const char *person, uint32_t cats)
{
    if (!person)
        return;
    void **v = strmap_ref(&av->ledger, person);
    *v = (void *)((uintptr_t)*v | cats | 1u << CAT_STANDARD);
}

/* Returns 1 when obj (an array element) must go as a whole. */
static int filter_fields(fctx *c, const field *fields, json_t *obj, int top);

/* A reference value: collect, or 1 when it is outside the view. */
static int ref_out(fctx *c, const field *f, json_t *ref)
{
    if (!json_is_object(ref))
        return 0;
    if (!c->apply) {
        want(c, f->ref, json_string_value(json_object_get(ref, "id")));
        return 0;
    }
    return !visible(c, f->ref, ref);
}

static void filter_array(fctx *c, const field *f, json_t *arr)
{
    for (size_t i = json_array_size(arr); i-- > 0;) {
        json_t *el = json_array_get(arr, i);
        int drop = 0;
        if (c->apply && !access_field_granted(c->av, f, el))
            drop = 1;
        else if (f->type == FT_REF)
            drop = ref_out(c, f, el);
        else if (f->type == FT_OBJECT && json_is_object(el) && f->sub)
            drop = filter_fields(c, f->sub, el, 0);
        if (drop && c->apply)
            json_array_remove(arr, i);
    }
}

static int filter_fields(fctx *c, const field *fields, json_t *obj, int top)
{
    int drop_me = 0;
    for (const field *f = fields; f && f->name; f++) {
        json_t *v = json_object_get(obj, f->name);
        if (!v)
            continue;
        if (c->apply && !f->cat_key && !access_field_granted(c->av, f, NULL)) {
            json_object_del(obj, f->name);
            continue;
        }
        if (f->flags & F_ARRAY) {
            if (json_is_array(v))
                filter_array(c, f, v);
            continue;
        }
        if (f->type == FT_OBJECT && json_is_object(v) && f->sub) {
            if (filter_fields(c, f->sub, v, 0) && c->apply)
                json_object_del(obj, f->name);
            continue;
        }
        if (f->type != FT_REF || !ref_out(c, f, v))
            continue;
        if (top && (f->flags & F_REQUIRED))
            json_object_del(v, "displayName");
        else if (!top && ((f->flags & F_REQUIRED) || (f->flags & F_PERSONREF)))
            drop_me = 1;
        else
            json_object_del(obj, f->name);
    }
    return drop_me;
}

/* Only kinds /deletedEntities reports can have exits worth keeping ids for. */
static void note_seen(access_view *av, int kind, const char *id)
{
    if (!id || kind < 0 || kind >= K__COUNT || !model_kind(kind)->deleted_key)
        return;
    buf_add(&av->seen[kind], id, strlen(id) + 1);
    av->nseen[kind]++;
}

/* What an entity of kind k tells the client about, for the ledger: the
 * persons it names (or is), and the entity itself when it is no person. */
static void note_entity(access_view *av, const kind_desc *k, json_t *obj)
{
    if (k->id != K_PERSON)
        note_seen(av, k->id, json_string_value(json_object_get(obj, "id")));
    if (k->id == K_PERSON) {
        uint32_t cats = 0;
        for (const field *f = k->fields; f->name; f++) {
            json_t *v = json_object_get(obj, f->name);
            if (!v)
                continue;
            if (f->cat_key && json_is_array(v)) {
                size_t i;
                json_t *el;
                json_array_foreach(v, i, el) {
                    const char *t = json_string_value(json_object_get(el, f->cat_key));
                    cats |= 1u << (t && model_enum_has(f->cat_values, t) ? f->cat_alt : f->cat);
                }
            } else {
                cats |= 1u << f->cat;
            }
        }
        note(av, json_string_value(json_object_get(obj, "id")), cats);
        return;
    }
    for (const field *f = k->fields; f->name; f++) {
        if (!(f->flags & F_PERSONREF))
            continue;
        json_t *v = json_object_get(obj, f->name);
        if (f->flags & F_ARRAY) {
            size_t i;
            json_t *el;
            json_array_foreach(v, i, el) {
                note(av, json_string_value(json_object_get(el, "id")), 1u << k->cat);
            }
        } else if (v) {
            note(av, json_string_value(json_object_get(v, "id")), 1u << k->cat);
        }
    }
}

static int is_protected(json_t *obj)
{
    const char *m = json_string_value(json_object_get(obj, "securityMarking"));
    return m && strcmp(m, "Ingen") != 0;
}

/* Alias mode: a protected person keeps only what identifies no one (the
 * hub's id, meta, status, enrolments) under the alias name; never the real
 * name, civic number, birth date, addresses, e-mail, phone, photo,
 * identifiers or guardians. */
int access_alias_keeps(const char *field, size_t len)
{
    static const char *const keep[] = { "id", "meta", "securityMarking", "personStatus", "enrolments", "_embedded" };
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++)
        if (strlen(keep[i]) == len && !strncmp(keep[i], field, len))
            return 1;
    return 0;
}

static void alias_person(json_t *obj)
{
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(obj, tmp, key, v) {
        if (!access_alias_keeps(key, strlen(key)))
            json_object_del(obj, key);
    }
    json_object_set_new(obj, "givenName", json_string(ACCESS_ALIAS_GIVEN));
    json_object_set_new(obj, "familyName", json_string(ACCESS_ALIAS_FAMILY));
    json_t *emb = json_object_get(obj, "_embedded");
    if (emb) {
        /* The links to guardians and the like go with the identity. */
        json_t *rf = json_object_get(emb, "responsibleFor");
        if (rf)
            json_array_clear(rf);
        json_t *op = json_object_get(emb, "ownedPlacements");
        if (op)
            json_array_clear(op);
    }
}

/* Alias mode: items of a custom expansion that link to a protected person
 * (a guardian's responsibleFor a protected child). */
static int links_protected(json_t *item)
{
    json_t *p = json_object_get(item, "person");
    return json_is_object(p) && is_protected(p);
}

static void alias_if_protected(fctx *c, const kind_desc *k, json_t *obj)
{
    if (c->apply && c->av->scope.alias_protected && k && k->id == K_PERSON && is_protected(obj))
        alias_person(obj);
}

/* One pass over the page: the entities and their _embedded values. */
static void pass(fctx *c, const kind_desc *k, json_t **objs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        filter_fields(c, k->fields, objs[i], 1);
        alias_if_protected(c, k, objs[i]);
        if (c->apply && c->av->record)
            note_entity(c->av, k, objs[i]);
        json_t *emb = json_object_get(objs[i], "_embedded");
        for (const expand *x = k->expands; emb && x && x->name; x++) {
            json_t *v = json_object_get(emb, x->name);
            if (!v)
                continue;
            int entity = x->how != E_CUSTOM;
            const kind_desc *ek = entity ? model_kind(x->kind) : NULL;
            const field *fs = entity ? ek->fields : expand_fields(k, x);
            if (!fs)
                continue;
            if (!json_is_array(v)) {
                filter_fields(c, fs, v, entity);
                alias_if_protected(c, ek, v);
                if (c->apply && c->av->record && entity)
                    note_entity(c->av, ek, v);
                continue;
            }
            for (size_t j = json_array_size(v); j-- > 0;) {
                json_t *el = json_array_get(v, j);
                if ((filter_fields(c, fs, el, entity) ||
                     (!entity && c->av->scope.alias_protected && links_protected(el))) && c->apply) {
                    json_array_remove(v, j);
                    continue;
                }
                alias_if_protected(c, ek, el);
                if (c->apply && c->av->record && entity)
                    note_entity(c->av, ek, el);
            }
        }
    }
}

static void mark_visible(void *ctx, const char *id, const char *name)
{
    (void)name;
    strmap_put(ctx, id, (void *)1);
}

int access_filter(access_view *av, store *st, const kind_desc *k, json_t **objs, size_t n, api_error *e)
{
    av->items += (long)n;
    fctx c = { .av = av };
    int rc = 0;
    if (av->passthrough) {
        for (size_t i = 0; av->record && i < n; i++)
            note_entity(av, k, objs[i]);
        return 0;
    }
    pass(&c, k, objs, n);
    for (int kind = 0; kind < K__COUNT && !rc; kind++) {
        strmap *m = c.ids[kind];
        if (!m)
            continue;
        const char **ids = xmalloc((m->n ? m->n : 1) * sizeof *ids);
        size_t nid = 0;
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i])
                ids[nid++] = m->keys[i];
        /* Collect the keys first: mark_visible replaces values, not keys. */
        if (store_display_names(st, kind, ids, nid, mark_visible, m))
            rc = api_fail(e, 500, E_INTERNAL, "checking references failed: %s", store_errmsg(st));
        free(ids);
    }
    if (!rc) {
        c.apply = 1;
        pass(&c, k, objs, n);
        if (av->pseudo)
            access_pseudo_page(av, k, objs, n);
    }
    for (int kind = 0; kind < K__COUNT; kind++) {
        if (c.ids[kind]) {
            strmap_free(c.ids[kind], NULL);
            free(c.ids[kind]);
        }
    }
    return rc;
}

void access_note_stored(access_view *av, const kind_desc *k, const char *id, const char *json, size_t len)
{
    av->items++;
    if (!av->record)
        return;
    if (k->id == K_PERSON) {
        /* Unparsed: a full-access client may have received every category. */
        if (id) {
            buf_add(&av->ledger_all, id, strlen(id) + 1);
            av->nledger_all++;
        }
        return;
    }
    note_seen(av, k->id, id);
    int any = 0;
    for (const field *f = k->fields; f->name && !any; f++)
        any = (f->flags & F_PERSONREF) != 0;
    if (!any)
        return;
    json_t *obj = json_loadb(json, len, 0, NULL);
    if (obj)
        note_entity(av, k, obj);
    json_decref(obj);
}
