/*
 * The write path shared by every source. Validation happens before the
 * transaction opens so a bad batch costs no lock; references are checked
 * inside it so they see exactly what the batch will commit against.
 */
#include "ingest/ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/validate.h"
#include "ingest/write.h"
#include "model/model.h"
#include "util/buf.h"
#include "util/timefmt.h"

/* A small open-addressing set of the batch's ids, so references to records
 * of the same batch resolve without the store. */
typedef struct idset {
    const char **slot;
    size_t cap;
} idset;

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void idset_init(idset *s, size_t n)
{
    s->cap = 16;
    while (s->cap < n * 2 + 1)
        s->cap *= 2;
    s->slot = xcalloc(s->cap, sizeof *s->slot);
}

/* Returns 1 when id was already present. */
static int idset_add(idset *s, const char *id)
{
    size_t i = hash_str(id) & (s->cap - 1);
    while (s->slot[i]) {
        if (!strcmp(s->slot[i], id))
            return 1;
        i = (i + 1) & (s->cap - 1);
    }
    s->slot[i] = id;
    return 0;
}

static int idset_has(const idset *s, const char *id)
{
    size_t i = hash_str(id) & (s->cap - 1);
    while (s->slot[i]) {
        if (!strcmp(s->slot[i], id))
            return 1;
        i = (i + 1) & (s->cap - 1);
    }
    return 0;
}

static void store_problem(store *st, ingest_result *res)
{
    ingest_problem_add(res, -1, NULL, "", "the store failed: %s", store_errmsg(st));
}

/* Serialises the canonical entity with meta right after its id. The
 * validator puts id first and ids are plain UUIDs, so meta is spliced into
 * the text instead of copying every field into a new object. */
static char *with_meta(json_t *canon, const char *text, int64_t created, int64_t modified)
{
    char c[TIME_CANON_LEN], m[TIME_CANON_LEN], head[64];
    time_format_ms(created, c);
    time_format_ms(modified, m);
    const char *id = json_string_value(json_object_get(canon, "id"));
    char *own = text ? NULL : json_dumps(canon, JSON_COMPACT | JSON_PRESERVE_ORDER);
    const char *body = text ? text : own;
    if (!body)
        abort(); /* out of memory, as xmalloc */
    int hl = snprintf(head, sizeof head, "{\"id\":\"%s\"", id ? id : "");
    buf b;
    buf_init(&b);
    if (!id || hl <= 0 || (size_t)hl >= sizeof head || strncmp(body, head, (size_t)hl) != 0) {
        /* not id first: meta goes first instead (never the case for what
         * the validator makes, which the model tests check) */
        buf_printf(&b, "{\"meta\":{\"created\":\"%s\",\"modified\":\"%s\"}", c, m);
        if (body[1] != '}')
            buf_addc(&b, ',');
        buf_adds(&b, body + 1);
        free(own);
        return buf_steal(&b);
    }
    buf_reserve(&b, strlen(body) + 96);
    buf_add(&b, head, (size_t)hl);
    buf_printf(&b, ",\"meta\":{\"created\":\"%s\",\"modified\":\"%s\"}", c, m);
    buf_adds(&b, body + hl);
    free(own);
    return buf_steal(&b);
}

/* The slot of (kind, id) in seen: the one holding it, or the empty one
 * where it goes. */
static struct ref_seen_slot *ref_seen_slot(const ref_seen *s, int kind, const char *id)
{
    size_t i = (hash_str(id) + (size_t)kind) & (s->cap - 1);
    while (s->slot[i].id && (s->slot[i].kind != kind || strcmp(s->slot[i].id, id)))
        i = (i + 1) & (s->cap - 1);
    return &s->slot[i];
}

static int ref_seen_has(const ref_seen *s, int kind, const char *id)
{
    return s->cap && ref_seen_slot(s, kind, id)->id;
}

static void ref_seen_add(ref_seen *s, int kind, const char *id)
{
    if (s->n >= REF_SEEN_MAX)
        return;
    if (!s->cap) {
        s->cap = 2 * REF_SEEN_MAX; /* never more than half full */
        s->slot = xcalloc(s->cap, sizeof *s->slot);
    }
    struct ref_seen_slot *at = ref_seen_slot(s, kind, id);
    if (at->id)
        return;
    at->kind = kind;
    at->id = xstrdup(id);
    s->n++;
}

void ref_seen_free(ref_seen *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slot[i].id);
    free(s->slot);
    memset(s, 0, sizeof *s);
}

int ingest_check_refs(store *st, int kind, size_t n, const int *kinds, const char *const *ids,
                      const char *const *wheres, int (*in_batch)(const void *batch, const char *id),
                      const void *batch, ref_seen *seen, long index, const char *id, ingest_result *res)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        if ((kinds[i] == kind && in_batch(batch, ids[i])) || ref_seen_has(seen, kinds[i], ids[i]))
            continue;
        int rc = store_entity_exists(st, kinds[i], ids[i]);
        if (rc == STORE_ERR) {
            store_problem(st, res);
            return -1;
        }
        if (rc == STORE_OK)
            ref_seen_add(seen, kinds[i], ids[i]);
        if (rc == STORE_NOTFOUND) {
            ingest_problem_add(res, index, id, wheres[i], "refers to %s %s, which does not exist",
                               model_kind(kinds[i])->name, ids[i]);
            bad = 1;
        }
    }
    return bad;
}

static int in_idset(const void *batch, const char *id)
{
    return idset_has(batch, id);
}

static int check_refs(store *st, const ref_list *refs, const idset *batch, ref_seen *seen, int kind, long index,
                      const char *id, ingest_result *res)
{
    return ingest_check_refs(st, kind, refs->n, refs->kind, (const char *const *)refs->id,
                             (const char *const *)refs->where, in_idset, batch, seen, index, id, res)
               ? -1
               : 0;
}

/* The rows the stored JSON of an entity derives, which an update or a
 * delete replaces. -1 when the stored JSON does not parse (a damaged store). */
static int old_rows(int kind, const store_meta *m, entity_rows *r)
{
    json_t *e = json_loads(m->json, 0, NULL);
    if (!e)
        return -1;
    rows_build(kind, e, m->modified, r);
    json_decref(e);
    return 0;
}

static const char *source_of(const ingest_opts *o)
{
    return o && o->source ? o->source : INGEST_LOCAL_SOURCE;
}

/* 1 (with a problem naming the owner) when another source owns the entity. */
static int foreign(const store_meta *m, int kind, long index, const char *id, const ingest_opts *o,
                   ingest_result *res)
{
    const char *owner = m->source ? m->source : INGEST_LOCAL_SOURCE;
    if (!strcmp(owner, source_of(o)))
        return 0;
    res->nconflicts++;
    ingest_problem_add(res, index, id, "id", "%s %s belongs to source '%s'; source '%s' cannot change or delete it",
                       model_kind(kind)->name, id, owner, source_of(o));
    return 1;
}

int ingest_write_known(store *st, int kind, json_t *canon, const char *text, long index, const ingest_opts *o,
                       int64_t at, ingest_result *res, int rc, store_meta old)
{
    const char *id = json_string_value(json_object_get(canon, "id"));
    int is_new = rc == STORE_NOTFOUND;
    entity_rows before;
    if (!is_new && foreign(&old, kind, index, id, o, res)) {
        free(old.json);
        free(old.source);
        return 1;
    }
    if (!is_new) {
        /* Same content with the old meta means nothing visible changed:
         * keep meta.modified and tell nobody. */
        char *json = with_meta(canon, text, old.created, old.modified);
        int same = !strcmp(json, old.json);
        free(json);
        rc = same ? 0 : old_rows(kind, &old, &before);
        free(old.json);
        free(old.source);
        if (same) {
            res->unchanged++;
            return 0;
        }
        if (rc) {
            ingest_problem_add(res, -1, id, "", "the stored %s %s is damaged (its JSON does not parse)",
                               model_kind(kind)->name, id);
            return -1;
        }
    }
    int64_t created = is_new ? at : old.created;
    char *json = with_meta(canon, text, created, at);
    entity_rows rows;
    rows_build(kind, canon, at, &rows);
    rc = store_entity_put(st, kind, id, json, &rows, is_new ? NULL : &before, created, at, source_of(o));
    rows_free(&rows);
    if (!is_new)
        rows_free(&before);
    free(json);
    if (rc)
        return -1;
    if (is_new)
        res->created++;
    else
        res->updated++;
    return 0;
}

int ingest_write_one(store *st, int kind, json_t *canon, const char *text, long index, const ingest_opts *o,
                     int64_t at, ingest_result *res)
{
    store_meta old;
    int rc = store_entity_meta(st, kind, json_string_value(json_object_get(canon, "id")), 1, &old);
    if (rc == STORE_ERR)
        return -1;
    return ingest_write_known(st, kind, canon, text, index, o, at, res, rc, old);
}

int ingest_write_chunk(store *st, int kind, json_t *const *canon, char *const *text, const long *index, long base,
                       size_t n, const ingest_opts *o, int64_t at, ingest_result *res, size_t *written)
{
    const char **ids = xcalloc(n ? n : 1, sizeof *ids);
    store_meta *old = xcalloc(n ? n : 1, sizeof *old);
    int *found = xcalloc(n ? n : 1, sizeof *found);
    for (size_t i = 0; i < n; i++)
        ids[i] = json_string_value(json_object_get(canon[i], "id"));
    int rc = n && store_entity_metas(st, kind, ids, n, old, found) ? -1 : 0;
    size_t i = rc ? n : 0; /* a failed read left nothing to free */
    for (; !rc && i < n; i++) {
        rc = ingest_write_known(st, kind, canon[i], text ? text[i] : NULL, index ? index[i] : base + (long)i, o, at,
                                res, found[i], old[i]);
        if (rc > 0)
            rc = 0; /* another source's: a problem in res, and on to the next */
        if (!rc && o && o->progress && ++*written % INGEST_PROGRESS_EVERY == 0)
            o->progress(o->progress_ctx, *written);
    }
    for (; i < n; i++) /* after a failure: the metas of the records not written */
        if (found[i] == STORE_OK) {
            free(old[i].json);
            free(old[i].source);
        }
    free(ids);
    free(old);
    free(found);
    return rc;
}

int ingest_batch(store *st, int kind, json_t *records, const ingest_opts *o, ingest_result *res)
{
    memset(res, 0, sizeof *res);
    if (!model_kind(kind) || kind == K_AGGREGATEDATTENDANCE || kind == K_SUBSCRIPTION) {
        ingest_problem_add(res, -1, NULL, "", "entities of this kind cannot be ingested");
        return -1;
    }
    if (!json_is_array(records)) {
        ingest_problem_add(res, -1, NULL, "", "the batch must be a JSON array of entities");
        return -1;
    }
    size_t n = json_array_size(records);
    json_t **canon = xcalloc(n ? n : 1, sizeof *canon);
    ref_list *refs = xcalloc(n ? n : 1, sizeof *refs);
    idset ids;
    idset_init(&ids, n);
    int64_t at = o && o->at_ms ? o->at_ms : time_now_ms();
    int rc = -1, txn = 0, own_txn = !(o && o->in_txn);

    for (size_t i = 0; i < n; i++) {
        canon[i] = validate_entity(kind, json_array_get(records, i), (long)i, res,
                                   o && o->skip_ref_check ? NULL : &refs[i]);
        if (!canon[i])
            continue;
        const char *id = json_string_value(json_object_get(canon[i], "id"));
        if (idset_add(&ids, id))
            ingest_problem_add(res, (long)i, id, "id", "the id %s occurs twice in the batch", id);
    }
    /* References are checked even when some records are invalid, so a
     * rejected batch lists every problem at once. */
    if (res->nproblems >= INGEST_MAX_ERRORS)
        goto out;
    if (own_txn && store_begin(st)) {
        store_problem(st, res);
        goto out;
    }
    txn = own_txn;
    ref_seen seen = { 0 };
    for (size_t i = 0; i < n; i++) {
        if (!canon[i])
            continue;
        const char *id = json_string_value(json_object_get(canon[i], "id"));
        if (check_refs(st, &refs[i], &ids, &seen, kind, (long)i, id, res) && res->nproblems >= INGEST_MAX_ERRORS)
            break;
    }
    ref_seen_free(&seen);
    for (size_t i = 0; o && o->create_only && i < n; i++) {
        const char *id = json_string_value(json_object_get(canon[i], "id"));
        int ex = store_entity_exists(st, kind, id);
        if (ex == STORE_ERR) {
            store_problem(st, res);
            goto out;
        }
        if (ex == STORE_OK) {
            ingest_problem_add(res, (long)i, id, "id", "a %s with id %s exists already", model_kind(kind)->name, id);
            res->conflicts++;
        }
    }
    if (res->nproblems)
        goto out;
    size_t written = 0;
    for (size_t i = 0; i < n; i += INGEST_META_CHUNK) {
        size_t m = n - i < INGEST_META_CHUNK ? n - i : INGEST_META_CHUNK;
        if (ingest_write_chunk(st, kind, canon + i, NULL, NULL, (long)i, m, o, at, res, &written) < 0) {
            if (!res->nproblems)
                store_problem(st, res);
            goto out;
        }
    }
    if (res->nproblems) /* ownership conflicts, every one listed */
        goto out;
    if (kind == K_ORGANISATION && (res->created || res->updated) && store_orgtree_rebuild(st)) {
        store_problem(st, res);
        goto out;
    }
    if (own_txn && store_commit(st)) {
        store_problem(st, res);
        goto out;
    }
    txn = 0;
    rc = 0;
out:
    if (txn)
        store_rollback(st);
    if (rc) {
        res->created = res->updated = res->unchanged = 0;
    }
    for (size_t i = 0; i < n; i++) {
        json_decref(canon[i]);
        ref_list_free(&refs[i]);
    }
    free(canon);
    free(refs);
    free(ids.slot);
    return rc;
}

int ingest_delete(store *st, int kind, const char *const *ids, size_t n, const ingest_opts *o, ingest_result *res)
{
    memset(res, 0, sizeof *res);
    int64_t at = o && o->at_ms ? o->at_ms : time_now_ms();
    if (!model_kind(kind)) {
        ingest_problem_add(res, -1, NULL, "", "unknown entity kind");
        return -1;
    }
    int own_txn = !(o && o->in_txn);
    if (own_txn && store_begin(st)) {
        store_problem(st, res);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char lower[UUID_STR_LEN];
        if (uuid_valid(ids[i])) {
            ingest_problem_add(res, (long)i, ids[i], "id", "'%s' is not a UUID", ids[i]);
            continue;
        }
        uuid_lower(ids[i], lower);
        store_meta m;
        int rc = store_entity_meta(st, kind, lower, 1, &m);
        if (rc == STORE_NOTFOUND) {
            ingest_problem_add(res, (long)i, lower, "id", "no %s with id %s", model_kind(kind)->name, lower);
            continue;
        }
        if (rc == STORE_ERR) {
            store_problem(st, res);
            break;
        }
        if (foreign(&m, kind, (long)i, lower, o, res)) {
            free(m.json);
            free(m.source);
            continue;
        }
        entity_rows before;
        rc = old_rows(kind, &m, &before);
        free(m.json);
        free(m.source);
        if (rc) {
            ingest_problem_add(res, (long)i, lower, "", "the stored %s %s is damaged (its JSON does not parse)",
                               model_kind(kind)->name, lower);
            break;
        }
        rc = store_entity_delete(st, kind, lower, &before, at);
        rows_free(&before);
        if (rc) {
            store_problem(st, res);
            break;
        }
        res->deleted++;
    }
    if (!res->nproblems && kind == K_ORGANISATION && res->deleted && store_orgtree_rebuild(st))
        store_problem(st, res);
    if (res->nproblems || (own_txn && store_commit(st))) {
        if (!res->nproblems)
            store_problem(st, res);
        if (own_txn)
            store_rollback(st);
        res->deleted = 0;
        return -1;
    }
    return 0;
}
