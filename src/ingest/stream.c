/*
 * The spool is an unlinked temporary file (tmpfile), so a crash or a
 * kill -9 leaves nothing behind, and its pages sit in the OS page cache
 * rather than in the process. One line per valid record:
 *
 *   <index> TAB <nrefs> TAB (<kind> TAB <id> TAB <where> TAB)* <canonical JSON> LF
 *
 * Canonical JSON is compact with every control character escaped, and ids
 * and field paths never hold a tab or a newline, so the line splits
 * without any quoting.
 */
#include "ingest/stream.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/validate.h"
#include "ingest/write.h"
#include "model/model.h"
#include "util/timefmt.h"
#include "util/uuid.h"

/* The ids of the stream as 16 bytes each: a 100 MB body of persons holds
 * about 150 000 ids, 5 MB with the table's slack. */
typedef struct idset16 {
    unsigned char (*key)[16];
    unsigned char *used;
    size_t cap, n;
} idset16;

struct ingest_stream {
    int kind;
    FILE *spool;
    size_t count;        /* records added, valid or not */
    ingest_result *vres; /* the validation problems of pass 1 */
    idset16 ids;
    int broken;          /* the spool failed: nothing can be applied */
    buf line;            /* the spool line being written */
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A UUID's 16 bytes; -1 when s is not a UUID. */
static int uuid_bin(const char *s, unsigned char out[16])
{
    if (!s || uuid_valid(s))
        return -1;
    int n = 0;
    for (const char *p = s; *p && n < 32; p++) {
        if (*p == '-')
            continue;
        int v = hexval(*p);
        if (v < 0)
            return -1;
        if (n % 2 == 0)
            out[n / 2] = (unsigned char)(v << 4);
        else
            out[n / 2] |= (unsigned char)v;
        n++;
    }
    return n == 32 ? 0 : -1;
}

static size_t slot_of(const unsigned char k[16], size_t cap)
{
    uint64_t h;
    memcpy(&h, k + 8, sizeof h); /* random UUIDs: their bits are the hash */
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return (size_t)h & (cap - 1);
}

static int idset_find(const idset16 *s, const unsigned char k[16], size_t *at)
{
    if (!s->cap)
        return 0;
    size_t i = slot_of(k, s->cap);
    while (s->used[i]) {
        if (!memcmp(s->key[i], k, 16)) {
            *at = i;
            return 1;
        }
        i = (i + 1) & (s->cap - 1);
    }
    *at = i;
    return 0;
}

static void idset_grow(idset16 *s)
{
    idset16 g = { .cap = s->cap ? s->cap * 2 : 1024 };
    g.key = xcalloc(g.cap, sizeof *g.key);
    g.used = xcalloc(g.cap, 1);
    for (size_t i = 0; i < s->cap; i++) {
        size_t at;
        if (s->used[i] && !idset_find(&g, s->key[i], &at)) {
            memcpy(g.key[at], s->key[i], 16);
            g.used[at] = 1;
            g.n++;
        }
    }
    free(s->key);
    free(s->used);
    *s = g;
}

/* 1 when k was present already. */
static int idset_add(idset16 *s, const unsigned char k[16])
{
    if ((s->n + 1) * 2 > s->cap)
        idset_grow(s);
    size_t at;
    if (idset_find(s, k, &at))
        return 1;
    memcpy(s->key[at], k, 16);
    s->used[at] = 1;
    s->n++;
    return 0;
}

ingest_stream *ingest_stream_new(int kind)
{
    FILE *f = tmpfile();
    if (!f)
        return NULL;
    ingest_stream *s = xcalloc(1, sizeof *s);
    s->kind = kind;
    s->spool = f;
    s->vres = xcalloc(1, sizeof *s->vres);
    buf_init(&s->line);
    return s;
}

void ingest_stream_free(ingest_stream *s)
{
    if (!s)
        return;
    if (s->spool)
        fclose(s->spool);
    free(s->vres);
    buf_free(&s->line);
    free(s->ids.key);
    free(s->ids.used);
    free(s);
}

size_t ingest_stream_count(const ingest_stream *s)
{
    return s->count;
}

int ingest_stream_has(const ingest_stream *s, const char *id)
{
    unsigned char k[16];
    size_t at;
    return !uuid_bin(id, k) && idset_find(&s->ids, k, &at);
}

static int spool_record(ingest_stream *s, long index, const ref_list *refs, json_t *canon)
{
    char *json = json_dumps(canon, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!json)
        abort(); /* out of memory, as xmalloc */
    buf *l = &s->line;
    buf_reset(l);
    buf_add_uint(l, (unsigned long)index);
    buf_addc(l, '\t');
    buf_add_uint(l, refs->n);
    buf_addc(l, '\t');
    for (size_t i = 0; i < refs->n; i++) {
        buf_add_uint(l, (unsigned long)refs->kind[i]);
        buf_addc(l, '\t');
        buf_adds(l, refs->id[i]);
        buf_addc(l, '\t');
        buf_adds(l, refs->where[i]);
        buf_addc(l, '\t');
    }
    buf_adds(l, json);
    buf_addc(l, '\n');
    free(json);
    return fwrite(l->data, 1, l->len, s->spool) == l->len ? 0 : -1;
}

int ingest_stream_add(ingest_stream *s, json_t *record)
{
    if (s->broken)
        return -1;
    long index = (long)s->count++;
    ref_list refs = { 0 };
    json_t *canon = validate_entity(s->kind, record, index, s->vres, &refs);
    int rc = 0;
    if (canon) {
        const char *id = json_string_value(json_object_get(canon, "id"));
        unsigned char k[16];
        if (uuid_bin(id, k))
            ingest_problem_add(s->vres, index, id, "id", "the id is not a UUID");
        else if (idset_add(&s->ids, k))
            ingest_problem_add(s->vres, index, id, "id", "the id %s occurs twice in the batch", id);
        else /* even after a problem: its references are checked, and reported, all the same */
            rc = spool_record(s, index, &refs, canon);
        json_decref(canon);
    }
    ref_list_free(&refs);
    if (rc)
        s->broken = 1;
    return rc;
}

/* One spooled line, split in place: its index, references and JSON. */
typedef struct spooled {
    long index;
    size_t nrefs, cap;
    int *kind;
    const char **id, **where;
    const char *json;
} spooled;

static void spooled_free(spooled *sp)
{
    free(sp->kind);
    free(sp->id);
    free(sp->where);
}

/* Splits the next tab-separated field off *p; NULL when there is none. */
static char *field_of(char **p)
{
    char *f = *p, *t = strchr(f, '\t');
    if (!t)
        return NULL;
    *t = 0;
    *p = t + 1;
    return f;
}

/* -1 when the line is damaged (the spool is ours: never, short of a
 * failing disk). */
static int split_line(char *line, spooled *sp)
{
    char *p = line, *f;
    if (!(f = field_of(&p)))
        return -1;
    sp->index = strtol(f, NULL, 10);
    if (!(f = field_of(&p)))
        return -1;
    sp->nrefs = (size_t)strtoull(f, NULL, 10);
    if (sp->nrefs > sp->cap) {
        sp->cap = sp->nrefs;
        sp->kind = xrealloc(sp->kind, sp->cap * sizeof *sp->kind);
        sp->id = xrealloc(sp->id, sp->cap * sizeof *sp->id);
        sp->where = xrealloc(sp->where, sp->cap * sizeof *sp->where);
    }
    for (size_t i = 0; i < sp->nrefs; i++) {
        char *k = field_of(&p), *id = k ? field_of(&p) : NULL, *w = id ? field_of(&p) : NULL;
        if (!w)
            return -1;
        sp->kind[i] = (int)strtol(k, NULL, 10);
        if (!model_kind(sp->kind[i]))
            return -1;
        sp->id[i] = id;
        sp->where[i] = w;
    }
    sp->json = p;
    return 0;
}

static void store_problem(store *st, ingest_result *res)
{
    ingest_problem_add(res, -1, NULL, "", "the store failed: %s", store_errmsg(st));
}

static int in_stream(const void *batch, const char *id)
{
    return ingest_stream_has(batch, id);
}

/* The line's references as ingest_batch checks them: to a record of the
 * same kind in the stream, else to the store (which holds the kinds the
 * batch wrote before this one). 0 when all exist, 1 when some do not
 * (problems in res), -1 when the store failed. */
static int check_refs(store *st, const ingest_stream *s, const spooled *sp, ref_seen *seen, const char *id,
                      ingest_result *res)
{
    return ingest_check_refs(st, s->kind, sp->nrefs, sp->kind, sp->id, sp->where, in_stream, s, seen, sp->index, id,
                             res);
}

static int rewind_spool(ingest_stream *s, ingest_result *res)
{
    if (!s->broken && !fflush(s->spool) && !fseek(s->spool, 0, SEEK_SET))
        return 0;
    ingest_problem_add(res, -1, NULL, "", "the store failed: the batch's spool file failed (%s)", strerror(errno));
    return -1;
}

/* Records checked and waiting to be written, so that their stored metas
 * are read in one go: INGEST_META_CHUNK at most, and no more than
 * PENDING_BYTES of JSON (parsed, a record takes many times its text;
 * a stream holds one record at a time otherwise). */
#define PENDING_BYTES (32 * 1024)
typedef struct pending {
    json_t *canon[INGEST_META_CHUNK];
    char *text[INGEST_META_CHUNK];
    long index[INGEST_META_CHUNK];
    size_t n, bytes;
} pending;

static void pending_clear(pending *p)
{
    for (size_t i = 0; i < p->n; i++) {
        json_decref(p->canon[i]);
        free(p->text[i]);
    }
    p->n = p->bytes = 0;
}

/* Writes what is pending; -1 when the store failed (cres says why) */
static int pending_write(store *st, int kind, pending *p, const ingest_opts *o, int64_t at, ingest_result *cres,
                         size_t *written)
{
    int rc = ingest_write_chunk(st, kind, p->canon, p->text, p->index, 0, p->n, o, at, cres, written);
    pending_clear(p);
    return rc;
}

/* pending_write; on failure res takes the writes' problems, or the
 * store's error, and 1 is returned */
static int write_failed(store *st, int kind, pending *p, const ingest_opts *o, int64_t at, ingest_result *cres,
                        size_t *written, ingest_result *res)
{
    if (!pending_write(st, kind, p, o, at, cres, written))
        return 0;
    memcpy(res, cres, sizeof *res);
    if (!res->nproblems)
        store_problem(st, res);
    return 1;
}

int ingest_stream_apply(store *st, ingest_stream *s, const ingest_opts *o, ingest_result *res)
{
    memcpy(res, s->vres, sizeof *res);
    if (!o || !o->in_txn) {
        ingest_problem_add(res, -1, NULL, "", "the store failed: an ingest stream needs the caller's transaction");
        return -1;
    }
    if (res->nproblems >= INGEST_MAX_ERRORS)
        return -1;
    if (rewind_spool(s, res))
        return -1;
    /* Writes report to cres, so that ownership conflicts and the counts
     * stay apart from the problems that reject the batch as invalid: like
     * ingest_batch, a conflict is only reported when every record and
     * every reference is valid. Writing stops at the first such problem. */
    ingest_result *cres = xcalloc(1, sizeof *cres);
    int64_t at = o->at_ms ? o->at_ms : time_now_ms();
    char *line = NULL;
    size_t cap = 0, written = 0;
    ssize_t len;
    spooled sp = { 0 };
    ref_seen seen = { 0 }; /* the stream writes only its own kind, and deletes nothing */
    pending *pend = xcalloc(1, sizeof *pend);
    int rc = -1, failed = 0;
    while (!failed && (len = getline(&line, &cap, s->spool)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = 0;
        if (split_line(line, &sp)) {
            ingest_problem_add(res, -1, NULL, "", "the store failed: the batch's spool file is damaged");
            failed = 1;
            break;
        }
        json_error_t je;
        json_t *canon = json_loads(sp.json, 0, &je);
        const char *id = json_string_value(json_object_get(canon, "id"));
        if (!id) {
            json_decref(canon);
            ingest_problem_add(res, -1, NULL, "", "the store failed: the batch's spool file is damaged");
            failed = 1;
            break;
        }
        int bad = o->skip_ref_check ? 0 : check_refs(st, s, &sp, &seen, id, res);
        if (bad < 0)
            failed = 1;
        else if (bad && res->nproblems >= INGEST_MAX_ERRORS) {
            json_decref(canon);
            break;
        } else if (!res->nproblems) {
            /* written in chunks; once a problem is found nothing more is
             * written, as the batch will be rejected */
            pend->canon[pend->n] = canon;
            pend->text[pend->n] = xstrdup(sp.json);
            pend->bytes += strlen(sp.json);
            pend->index[pend->n++] = sp.index;
            canon = NULL;
            if (pend->n == INGEST_META_CHUNK || pend->bytes >= PENDING_BYTES)
                failed = write_failed(st, s->kind, pend, o, at, cres, &written, res);
        }
        json_decref(canon);
    }
    if (!failed && !res->nproblems)
        failed = write_failed(st, s->kind, pend, o, at, cres, &written, res);
    pending_clear(pend);
    free(pend);
    ref_seen_free(&seen);
    if (!failed && ferror(s->spool)) {
        ingest_problem_add(res, -1, NULL, "", "the store failed: reading the batch's spool file failed");
        failed = 1;
    }
    if (!failed && !res->nproblems) {
        memcpy(res, cres, sizeof *res); /* the counts, and the conflicts if any */
        if (!res->nproblems && s->kind == K_ORGANISATION && (res->created || res->updated) &&
            store_orgtree_rebuild(st))
            store_problem(st, res);
        rc = res->nproblems ? -1 : 0;
    }
    if (rc)
        res->created = res->updated = res->unchanged = 0;
    spooled_free(&sp);
    free(line);
    free(cres);
    return rc;
}

int ingest_stream_dump(ingest_stream *s, buf *out)
{
    ingest_result scratch;
    if (rewind_spool(s, &scratch))
        return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    spooled sp = { 0 };
    int rc = 0, first = 1;
    buf_addc(out, '[');
    while ((len = getline(&line, &cap, s->spool)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = 0;
        if (split_line(line, &sp)) {
            rc = -1;
            break;
        }
        if (!first)
            buf_addc(out, ',');
        first = 0;
        buf_adds(out, sp.json);
    }
    buf_addc(out, ']');
    if (ferror(s->spool))
        rc = -1;
    spooled_free(&sp);
    free(line);
    return rc;
}
