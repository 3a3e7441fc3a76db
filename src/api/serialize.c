#include "api/serialize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strmap.h"

void page_init(page *p)
{
    memset(p, 0, sizeof *p);
}

void page_add(page *p, const store_row *row)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->it = xrealloc(p->it, p->cap * sizeof *p->it);
    }
    page_item *it = &p->it[p->n++];
    it->id = xstrdup(row->id);
    it->json = xstrndup(row->json, row->jsonlen);
    it->len = row->jsonlen;
    it->sortv = NULL;
    it->sortvlen = row->sortvlen;
    if (row->sortv) {
        it->sortv = xmalloc(row->sortvlen ? row->sortvlen : 1);
        memcpy(it->sortv, row->sortv, row->sortvlen);
    }
}

void page_pop(page *p)
{
    if (!p->n)
        return;
    p->n--;
    free(p->it[p->n].id);
    free(p->it[p->n].json);
    free(p->it[p->n].sortv);
}

void page_free(page *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->it[i].id);
        free(p->it[i].json);
        free(p->it[i].sortv);
    }
    free(p->it);
    page_init(p);
}

int page_collect(void *ctx, const store_row *row)
{
    page_add(ctx, row);
    return 0;
}

#define PAGE_RESERVE_MAX (8u << 20)

void page_stream_init(page_stream *ps, buf *out, long limit)
{
    memset(ps, 0, sizeof *ps);
    ps->out = out;
    ps->limit = limit;
    buf_init(&ps->last_v);
}

void page_stream_free(page_stream *ps)
{
    buf_free(&ps->last_v);
}

int page_stream_row(void *ctx, const store_row *row)
{
    page_stream *ps = ctx;
    if (ps->n == ps->limit) {
        ps->more = 1;
        return 1; /* the look-ahead row: another page exists */
    }
    if (ps->n++ == 0) {
        /* Room for the whole page at once, from the first row's size:
         * growing by doubling would copy the page several times. */
        size_t want = (size_t)ps->limit * (row->jsonlen + row->jsonlen / 4 + 1);
        buf_reserve(ps->out, want < PAGE_RESERVE_MAX ? want : PAGE_RESERVE_MAX);
    } else {
        buf_addc(ps->out, ',');
    }
    buf_add(ps->out, row->json, row->jsonlen);
    size_t idlen = strnlen(row->id, sizeof ps->last_id - 1);
    memcpy(ps->last_id, row->id, idlen);
    ps->last_id[idlen] = 0;
    buf_reset(&ps->last_v);
    if (row->sortv)
        buf_add(&ps->last_v, row->sortv, row->sortvlen);
    return 0;
}

/* ---------------------------------------------------------- reference names */

typedef struct refwalk {
    strmap *want[K__COUNT]; /* per kind: id → name (NULL until resolved) */
    int set;                /* second pass: write displayName */
} refwalk;

static void walk_fields(refwalk *w, const field *fields, json_t *obj);

static void walk_ref(refwalk *w, const field *f, json_t *ref)
{
    const char *id = json_string_value(json_object_get(ref, "id"));
    if (!id || f->ref < 0 || f->ref >= K__COUNT)
        return;
    if (!w->set) {
        if (!w->want[f->ref]) {
            w->want[f->ref] = xcalloc(1, sizeof(strmap));
            strmap_init(w->want[f->ref]);
        }
        if (!strmap_get(w->want[f->ref], id))
            strmap_put(w->want[f->ref], id, NULL);
        return;
    }
    const char *name = w->want[f->ref] ? strmap_get(w->want[f->ref], id) : NULL;
    if (name)
        json_object_set_new(ref, "displayName", json_string(name));
}

static void walk_value(refwalk *w, const field *f, json_t *v)
{
    if (f->type == FT_REF)
        walk_ref(w, f, v);
    else if (f->type == FT_OBJECT && json_is_object(v))
        walk_fields(w, f->sub, v);
}

static void walk_fields(refwalk *w, const field *fields, json_t *obj)
{
    for (const field *f = fields; f->name; f++) {
        if (f->type != FT_REF && f->type != FT_OBJECT)
            continue;
        json_t *v = json_object_get(obj, f->name);
        if (!v)
            continue;
        if (f->flags & F_ARRAY) {
            size_t i;
            json_t *el;
            json_array_foreach(v, i, el) {
                walk_value(w, f, el);
            }
        } else {
            walk_value(w, f, v);
        }
    }
}

static void walk_entity(refwalk *w, const kind_desc *k, json_t *obj)
{
    walk_fields(w, k->fields, obj);
    json_t *emb = json_object_get(obj, "_embedded");
    for (const expand *x = k->expands; emb && x && x->name; x++) {
        json_t *v = json_object_get(emb, x->name);
        const field *fs = v ? expand_fields(k, x) : NULL;
        if (!fs)
            continue;
        if (json_is_array(v)) {
            size_t i;
            json_t *el;
            json_array_foreach(v, i, el) {
                walk_fields(w, fs, el);
            }
        } else {
            walk_fields(w, fs, v);
        }
    }
}

static void name_found(void *ctx, const char *id, const char *name)
{
    strmap *m = ctx;
    free(strmap_put(m, id, xstrdup(name)));
}

int refnames_apply(store *st, const kind_desc *k, json_t **objs, size_t n, api_error *e)
{
    refwalk w = { 0 };
    for (size_t i = 0; i < n; i++)
        walk_entity(&w, k, objs[i]);
    int rc = 0;
    for (int kind = 0; kind < K__COUNT && !rc; kind++) {
        strmap *m = w.want[kind];
        if (!m)
            continue;
        const char **ids = xmalloc((m->n ? m->n : 1) * sizeof *ids);
        size_t nid = 0;
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i])
                ids[nid++] = m->keys[i];
        /* name_found replaces values while we hold the keys: keys stay put. */
        rc = store_display_names(st, kind, ids, nid, name_found, m);
        free(ids);
    }
    if (rc) {
        api_fail(e, 500, E_INTERNAL, "reading reference names failed: %s", store_errmsg(st));
    } else {
        w.set = 1;
        for (size_t i = 0; i < n; i++)
            walk_entity(&w, k, objs[i]);
    }
    for (int kind = 0; kind < K__COUNT; kind++) {
        if (w.want[kind]) {
            strmap_free(w.want[kind], free);
            free(w.want[kind]);
        }
    }
    return rc ? -1 : 0;
}

/* ---------------------------------------------------------- rendering */

int render_items(store *st, const kind_desc *k, uint32_t expand, int refnames, const page *pg,
                 buf *out, api_error *e)
{
    if (!expand && !refnames) {
        for (size_t i = 0; i < pg->n; i++) {
            if (i)
                buf_addc(out, ',');
            buf_add(out, pg->it[i].json, pg->it[i].len);
        }
        return 0;
    }
    json_t **objs = xcalloc(pg->n ? pg->n : 1, sizeof *objs);
    int rc = 0;
    for (size_t i = 0; i < pg->n && !rc; i++) {
        objs[i] = json_loadb(pg->it[i].json, pg->it[i].len, 0, NULL);
        if (!objs[i])
            rc = api_fail(e, 500, E_INTERNAL, "the stored %s %s is not readable JSON", k->name, pg->it[i].id);
    }
    if (!rc && expand)
        rc = expand_apply(st, k, expand, objs, pg->n, e);
    if (!rc && refnames)
        rc = refnames_apply(st, k, objs, pg->n, e);
    for (size_t i = 0; i < pg->n && !rc; i++) {
        char *s = json_dumps(objs[i], JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (i)
            buf_addc(out, ',');
        buf_adds(out, s);
        free(s);
    }
    for (size_t i = 0; i < pg->n; i++)
        json_decref(objs[i]);
    free(objs);
    return rc;
}
