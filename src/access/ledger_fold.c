/*
 * Folding the disclosure ledger's journal into ledger_row (why there is a
 * journal: ledger.c). A reader is a (client, channel, kind): the persons a
 * client received are the rows of its Person readers, and the ids of other
 * kinds it received (for scope exits, exits.c) those of its readers of
 * that kind, folded alike. A fold takes the journal a batch at a time:
 *
 *   1. it reads journal rows in seq order, outside any transaction, into
 *      one hash map of (reader, person) -> categories, first, last, until
 *      the map holds FOLD_KEYS keys: a person that several responses
 *      disclosed (a walk repeated) is one key, looked up once;
 *   2. it sorts the keys as ledger_row orders them (reader, then person
 *      bytewise, as SQLite's BINARY and PostgreSQL's "C" compare);
 *   3. it drops the keys whose row already covers them (its categories, a
 *      first no later, a last within LEDGER_LAST_RESOLUTION_MS), reading
 *      the reader's rows in key order beside the sorted keys: reading a
 *      row is cheaper than writing it, and no writer waits meanwhile;
 *   4. it upserts what is left in transactions of FOLD_WRITE keys, then
 *      deletes the journal rows of the batch in one more.
 *
 * Folding is idempotent (categories OR'd, first the least, last the
 * greatest), so folds that overlap (the folder, a reader folding before it
 * reads) do no harm. Each write transaction first checks that the oldest
 * journal row of its batch is still there: when another fold has finished
 * the batch, this one gives up and reads the journal again, so its copy can
 * never bring back rows a purge deleted after that other fold. That check
 * needs seq never to be used twice (AUTOINCREMENT; bigserial).
 */
#include "access/ledger_fold.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/strmap.h"

/* Keys per batch, about 80 bytes each: more persons than a city's (205 000
 * in the benchmark store), so that the walks of one client fold as one. */
#define FOLD_KEYS 250000
/* Journal rows per read statement (a few MB); the map may pass FOLD_KEYS
 * by one statement's persons. */
#define FOLD_READ_ROWS 64
/* Keys upserted per write transaction: about 20 ms of the write lock,
 * which a response of the server may be waiting for. */
#define FOLD_WRITE 10000
/* A reader's keys worth reading its rows for; fewer are upserted as they
 * are (the upsert itself leaves a covered row unwritten). */
#define FOLD_FILTER_MIN 64

typedef struct fkey {
    uint64_t head;   /* the person's first 8 bytes, big-endian: most comparisons stop there */
    uint32_t reader; /* index into fold.readers */
    uint32_t cats;
    uint32_t person; /* offset of the id (NUL-terminated) in fold.ids */
    uint32_t plen : 31, covered : 1;
    int64_t first, last;
} fkey;

typedef struct freader {
    char *client, *channel;
    int kind;      /* of what its rows list: persons, or another kind's ids (scope exits) */
    int64_t id;    /* ledger_reader.id; 0 until resolved */
    int fresh;     /* created by this fold: no rows to read */
} freader;

typedef struct fold {
    freader *readers;
    size_t nreaders;
    strmap reader_ix; /* "client\x1f" "channel" -> index + 1 */
    fkey *k;
    size_t n, cap;
    uint64_t *slots; /* open addressing: hash << 32 | key index + 1; 0 when empty */
    size_t nslots;
    buf ids;         /* the persons, back to back */
    int64_t lo, hi;  /* the journal rows read */
    /* The seqs read, as runs of consecutive numbers. Journal appends do
     * not queue behind one another (store_begin_append), so a row can
     * commit after rows with a higher seq were read; deleting "seq <= hi"
     * would drop it unfolded. */
    int64_t (*runs)[2];
    size_t nruns, capruns;
} fold;

static void fold_free(fold *f)
{
    for (size_t i = 0; i < f->nreaders; i++) {
        free(f->readers[i].client);
        free(f->readers[i].channel);
    }
    free(f->readers);
    strmap_free(&f->reader_ix, NULL);
    free(f->k);
    free(f->slots);
    free(f->runs);
    buf_free(&f->ids);
    memset(f, 0, sizeof *f);
}

static void note_seq(fold *f, int64_t seq)
{
    if (f->nruns && f->runs[f->nruns - 1][1] + 1 == seq) {
        f->runs[f->nruns - 1][1] = seq;
        return;
    }
    if (f->nruns == f->capruns) {
        f->capruns = f->capruns ? 2 * f->capruns : 16;
        f->runs = xrealloc(f->runs, f->capruns * sizeof *f->runs);
    }
    f->runs[f->nruns][0] = f->runs[f->nruns][1] = seq;
    f->nruns++;
}

static uint64_t key_hash(uint32_t reader, const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull ^ reader;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return h;
}

/* A slot holds the upper half of the key's hash beside its index, so a
 * probe of another key rarely has to look at the key itself. */
static uint64_t slot_of(uint64_t h, size_t i)
{
    return (h & 0xffffffff00000000ull) | (uint64_t)(i + 1);
}

static void grow_slots(fold *f)
{
    free(f->slots);
    f->nslots = f->nslots ? f->nslots * 2 : 1024;
    f->slots = xcalloc(f->nslots, sizeof *f->slots);
    for (size_t i = 0; i < f->n; i++) {
        uint64_t h = key_hash(f->k[i].reader, f->ids.data + f->k[i].person, f->k[i].plen);
        size_t j = h & (f->nslots - 1);
        while (f->slots[j])
            j = (j + 1) & (f->nslots - 1);
        f->slots[j] = slot_of(h, i);
    }
}

static uint64_t head_of(const char *p, size_t n)
{
    uint64_t h = 0;
    for (size_t i = 0; i < 8; i++)
        h = h << 8 | (i < n ? (unsigned char)p[i] : 0);
    return h;
}

/* One disclosure of person (n bytes) to reader at `at`. */
static void note(fold *f, uint32_t reader, const char *person, size_t n, uint32_t cats, int64_t at)
{
    if ((f->n + 1) * 2 > f->nslots)
        grow_slots(f);
    uint64_t h = key_hash(reader, person, n);
    size_t j = h & (f->nslots - 1);
    for (; f->slots[j]; j = (j + 1) & (f->nslots - 1)) {
        if ((f->slots[j] ^ h) >> 32)
            continue;
        fkey *k = &f->k[(uint32_t)f->slots[j] - 1];
        if (k->reader == reader && k->plen == n && !memcmp(f->ids.data + k->person, person, n)) {
            k->cats |= cats;
            k->first = at < k->first ? at : k->first;
            k->last = at > k->last ? at : k->last;
            return;
        }
    }
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 1024;
        f->k = xrealloc(f->k, f->cap * sizeof *f->k);
    }
    fkey *k = &f->k[f->n];
    *k = (fkey){ .head = head_of(person, n), .reader = reader, .cats = cats, .person = (uint32_t)f->ids.len,
                 .plen = (uint32_t)n, .first = at, .last = at };
    buf_add(&f->ids, person, n);
    buf_addc(&f->ids, '\0'); /* so that the id binds as it is */
    f->slots[j] = slot_of(h, f->n++);
}

/* The persons of a journal row as ledger.c writes them,
 * {"categories":["person",...],...}, read without a JSON parser (a fold
 * reads some 40 bytes a person). -1 when the row has another form (an
 * escaped id, say), which note_json then reads; what was noted before the
 * form broke is noted again, which changes nothing. */
static int note_fast(fold *f, uint32_t reader, int64_t at, const char *p)
{
    if (*p++ != '{')
        return -1;
    if (*p == '}')
        return p[1] ? -1 : 0;
    for (;;) {
        if (*p++ != '"' || *p < '0' || *p > '9')
            return -1;
        uint64_t cats = 0;
        while (*p >= '0' && *p <= '9' && cats <= UINT32_MAX)
            cats = cats * 10 + (uint64_t)(*p++ - '0');
        if (cats > UINT32_MAX || *p++ != '"' || *p++ != ':' || *p++ != '[')
            return -1;
        while (*p != ']') {
            if (*p++ != '"')
                return -1;
            const char *id = p;
            while (*p && *p != '"' && *p != '\\')
                p++;
            if (*p != '"' || p == id)
                return -1;
            note(f, reader, id, (size_t)(p - id), (uint32_t)cats, at);
            p++;
            if (*p == ',' && p[1] != ']')
                p++;
            else if (*p != ']')
                return -1;
        }
        p++;
        if (*p == '}')
            return p[1] ? -1 : 0;
        if (*p++ != ',')
            return -1;
    }
}

static int note_json(fold *f, uint32_t reader, int64_t at, const char *text)
{
    json_t *o = json_loads(text, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return -1;
    }
    const char *key;
    json_t *ids;
    int rc = 0;
    json_object_foreach(o, key, ids) {
        char *end;
        unsigned long long cats = strtoull(key, &end, 10);
        if (!json_is_array(ids) || *end || end == key || cats > UINT32_MAX) {
            rc = -1;
            break;
        }
        size_t i;
        json_t *id;
        json_array_foreach(ids, i, id) {
            if (!json_is_string(id) || !json_string_length(id) || json_string_length(id) >= 1u << 31) {
                rc = -1;
                break;
            }
            note(f, reader, json_string_value(id), json_string_length(id), (uint32_t)cats, at);
        }
    }
    json_decref(o);
    return rc;
}

static uint32_t reader_index(fold *f, const char *client, const char *channel, int kind)
{
    buf name;
    buf_init(&name);
    buf_adds(&name, client);
    buf_addc(&name, '\x1f');
    buf_adds(&name, channel);
    buf_printf(&name, "\x1f%d", kind);
    uintptr_t ix = (uintptr_t)strmap_get(&f->reader_ix, buf_cstr(&name));
    if (!ix) {
        f->readers = xrealloc(f->readers, (f->nreaders + 1) * sizeof *f->readers);
        f->readers[f->nreaders] = (freader){ .client = xstrdup(client), .channel = xstrdup(channel), .kind = kind };
        ix = ++f->nreaders;
        strmap_put(&f->reader_ix, buf_cstr(&name), (void *)ix);
    }
    buf_free(&name);
    return (uint32_t)(ix - 1);
}

/* Reads journal rows up to `stop` into the map until it holds FOLD_KEYS
 * keys. 1 when it read a row, 0 when none is left, -1 on failure. */
static int read_journal(store *st, fold *f, int64_t stop)
{
    for (;;) {
        store_stmt *s;
        if (store_prepare(st, "SELECT seq, client, channel, at, persons, kind FROM ledger_journal"
                              " WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?", &s))
            return -1;
        store_bind_int(s, 1, f->hi);
        store_bind_int(s, 2, stop);
        store_bind_int(s, 3, FOLD_READ_ROWS);
        int rc, rows = 0, bad = 0;
        while ((rc = store_step(s)) == 1) {
            int64_t seq = store_col_int(s, 0), at = store_col_int(s, 3);
            uint32_t r = reader_index(f, store_col_text(s, 1), store_col_text(s, 2), (int)store_col_int(s, 5));
            const char *persons = store_col_text(s, 4);
            if (note_fast(f, r, at, persons) && note_json(f, r, at, persons)) {
                log_msg(LOG_ERR, "the disclosure ledger's journal row %lld is not readable", (long long)seq);
                bad = 1;
            }
            f->lo = f->lo ? f->lo : seq;
            f->hi = seq;
            note_seq(f, seq);
            rows++;
        }
        store_finalize(s);
        if (rc < 0 || bad)
            return -1;
        if (rows < FOLD_READ_ROWS || f->n >= FOLD_KEYS)
            return f->lo != 0;
    }
}

/* ledger_reader ids for the batch's readers, creating those that have
 * none (in one transaction of their own). */
static int resolve_readers(store *st, fold *f)
{
    for (int pass = 0; pass < 2; pass++) {
        int missing = 0;
        for (size_t i = 0; i < f->nreaders; i++) {
            freader *r = &f->readers[i];
            if (r->id)
                continue;
            store_stmt *s;
            if (store_prepare(st, "SELECT id FROM ledger_reader WHERE client=? AND channel=? AND kind=?", &s))
                return -1;
            store_bind_text(s, 1, r->client);
            store_bind_text(s, 2, r->channel);
            store_bind_int(s, 3, r->kind);
            int rc = store_step(s);
            r->id = rc == 1 ? store_col_int(s, 0) : 0;
            store_finalize(s);
            if (rc < 0)
                return -1;
            missing |= !r->id;
            r->fresh |= !r->id;
        }
        if (!missing)
            return 0;
        if (pass)
            return -1;
        if (store_begin(st))
            return -1;
        for (size_t i = 0; i < f->nreaders; i++) {
            if (f->readers[i].id)
                continue;
            store_stmt *s;
            if (store_prepare(st, "INSERT INTO ledger_reader(client, channel, kind) VALUES(?,?,?) ON CONFLICT DO NOTHING", &s)) {
                store_rollback(st);
                return -1;
            }
            store_bind_text(s, 1, f->readers[i].client);
            store_bind_text(s, 2, f->readers[i].channel);
            store_bind_int(s, 3, f->readers[i].kind);
            int rc = store_step(s);
            store_finalize(s);
            if (rc < 0) {
                store_rollback(st);
                return -1;
            }
        }
        if (store_commit(st)) {
            store_rollback(st);
            return -1;
        }
    }
    return -1;
}

/* qsort has no context argument; a fold runs on one thread, so the
 * thread's fold being sorted is the context. */
static _Thread_local const fold *sorting;

static int person_cmp(const fold *f, const fkey *k, const char *p, size_t n)
{
    size_t m = k->plen < n ? k->plen : n;
    int c = memcmp(f->ids.data + k->person, p, m);
    return c ? c : (k->plen > n) - (k->plen < n);
}

static int key_order(const void *a, const void *b)
{
    const fkey *x = a, *y = b;
    if (x->reader != y->reader) {
        int64_t rx = sorting->readers[x->reader].id, ry = sorting->readers[y->reader].id;
        return rx < ry ? -1 : 1;
    }
    if (x->head != y->head)
        return x->head < y->head ? -1 : 1;
    return person_cmp(sorting, x, sorting->ids.data + y->person, y->plen);
}

static int covers(const fkey *k, uint32_t cats, int64_t first, int64_t last)
{
    return (cats | k->cats) == cats && first <= k->first && last >= k->last - LEDGER_LAST_RESOLUTION_MS;
}

/* Marks the keys [a, b) of one reader that its rows cover, reading its
 * rows from the first key's person on in key order, at most a few times
 * as many rows as keys: past that, point lookups by the upsert are the
 * cheaper way. */
static int mark_covered(store *st, fold *f, size_t a, size_t b)
{
    store_stmt *s;
    if (store_prepare(st, "SELECT person, cats, first, last FROM ledger_row WHERE reader=? AND person>=?"
                          " ORDER BY person LIMIT ?", &s))
        return -1;
    store_bind_int(s, 1, f->readers[f->k[a].reader].id);
    store_bind_text(s, 2, f->ids.data + f->k[a].person);
    store_bind_int(s, 3, (int64_t)(b - a) * 4 + 1024);
    int rc = 0;
    size_t i = a;
    while (i < b && (rc = store_step(s)) == 1) {
        const char *p = store_col_text(s, 0);
        size_t n = strlen(p);
        int c = 0;
        while (i < b && (c = person_cmp(f, &f->k[i], p, n)) < 0)
            i++;
        if (i < b && c == 0) {
            f->k[i].covered = covers(&f->k[i], (uint32_t)store_col_int(s, 1), store_col_int(s, 2),
                                     store_col_int(s, 3));
            i++;
        }
    }
    if (i == b)
        rc = 0;
    store_finalize(s);
    return rc < 0 ? -1 : 0;
}

#define STR_(x) #x
#define STR(x) STR_(x)
/* A row already up to date is not rewritten: the WHERE of the upsert. */
#define UPSERT_WHERE                                                                                             \
    " WHERE (ledger_row.cats|excluded.cats)<>ledger_row.cats OR ledger_row.first>excluded.first"               \
    " OR ledger_row.last<excluded.last-" STR(LEDGER_LAST_RESOLUTION_MS)

/* SQLite: UPSERT_ROWS keys per statement, so that the statement's start
 * and the bindings' calls are not paid per key (a third of the fold's
 * time when every key was a statement). */
#define UPSERT_ROWS 100
static const char upsert_sqlite_head[] = "INSERT INTO ledger_row(reader, person, cats, first, last) VALUES";
static const char upsert_sqlite_tail[] =
    " ON CONFLICT(reader, person) DO UPDATE SET cats=ledger_row.cats|excluded.cats,"
    " first=min(ledger_row.first, excluded.first), last=max(ledger_row.last, excluded.last)" UPSERT_WHERE;
/* PostgreSQL: one statement per transaction, the keys as a JSON array of
 * [reader, person, cats, first, last] (a statement per key would be a
 * round trip per key). */
static const char upsert_pg[] =
    "INSERT INTO ledger_row(reader, person, cats, first, last)"
    " SELECT (e->>0)::bigint, e->>1, (e->>2)::bigint, (e->>3)::bigint, (e->>4)::bigint"
    " FROM json_array_elements(?::json) e"
    " ON CONFLICT(reader, person) DO UPDATE SET cats=ledger_row.cats|excluded.cats,"
    " first=least(ledger_row.first, excluded.first), last=greatest(ledger_row.last, excluded.last)" UPSERT_WHERE;

static int prepare_upsert(store *st, size_t n, store_stmt **s)
{
    buf sql;
    buf_init(&sql);
    buf_adds(&sql, upsert_sqlite_head);
    for (size_t i = 0; i < n; i++)
        buf_adds(&sql, i ? ",(?,?,?,?,?)" : "(?,?,?,?,?)");
    buf_adds(&sql, upsert_sqlite_tail);
    int rc = store_prepare(st, buf_cstr(&sql), s);
    buf_free(&sql);
    return rc;
}

static int upsert_keys_sqlite(store *st, const fold *f, size_t a, size_t b)
{
    size_t *todo = xmalloc((b - a + 1) * sizeof *todo), n = 0;
    for (size_t i = a; i < b; i++)
        if (!f->k[i].covered)
            todo[n++] = i;
    store_stmt *full = NULL;
    int rc = 0;
    for (size_t g = 0; g < n && !rc; g += UPSERT_ROWS) {
        size_t m = n - g < UPSERT_ROWS ? n - g : UPSERT_ROWS;
        store_stmt *s = NULL;
        if (m < UPSERT_ROWS)
            rc = prepare_upsert(st, m, &s);
        else if (full)
            rc = store_reset(s = full);
        else
            rc = prepare_upsert(st, m, &full), s = full;
        for (size_t j = 0; j < m && !rc; j++) {
            const fkey *k = &f->k[todo[g + j]];
            int c = (int)j * 5;
            rc = store_bind_int(s, c + 1, f->readers[k->reader].id) || store_bind_text(s, c + 2, f->ids.data + k->person) ||
                 store_bind_int(s, c + 3, k->cats) || store_bind_int(s, c + 4, k->first) ||
                 store_bind_int(s, c + 5, k->last);
        }
        rc = rc || store_step(s) < 0;
        if (s != full)
            store_finalize(s);
    }
    store_finalize(full);
    free(todo);
    return rc ? -1 : 0;
}

static int upsert_keys_pg(store *st, const fold *f, size_t a, size_t b)
{
    buf j;
    buf_init(&j);
    buf_addc(&j, '[');
    for (size_t i = a; i < b; i++) {
        const fkey *k = &f->k[i];
        if (k->covered)
            continue;
        buf_printf(&j, "%s[%lld,", j.len > 1 ? "," : "", (long long)f->readers[k->reader].id);
        buf_add_json_string(&j, f->ids.data + k->person);
        buf_printf(&j, ",%lu,%lld,%lld]", (unsigned long)k->cats, (long long)k->first, (long long)k->last);
    }
    buf_addc(&j, ']');
    int rc = 0;
    if (j.len > 2) {
        store_stmt *s;
        rc = store_prepare(st, upsert_pg, &s) || store_bind_text(s, 1, buf_cstr(&j)) || store_step(s) < 0;
        store_finalize(s);
    }
    buf_free(&j);
    return rc ? -1 : 0;
}

/* 1 when the batch's oldest journal row is still there (inside the write
 * transaction, so no other fold can take it meanwhile). */
static int batch_present(store *st, const fold *f)
{
    store_stmt *s;
    if (store_prepare(st, "SELECT 1 FROM ledger_journal WHERE seq=?", &s))
        return -1;
    store_bind_int(s, 1, f->lo);
    int rc = store_step(s);
    store_finalize(s);
    return rc;
}

/* Deletes the journal rows the batch read, and only those. */
static int delete_read(store *st, const fold *f)
{
    store_stmt *s;
    if (store_prepare(st, "DELETE FROM ledger_journal WHERE seq BETWEEN ? AND ?", &s))
        return -1;
    int rc = 0;
    for (size_t i = 0; i < f->nruns && !rc; i++)
        rc = store_reset(s) || store_bind_int(s, 1, f->runs[i][0]) || store_bind_int(s, 2, f->runs[i][1]) ||
             store_step(s) < 0;
    store_finalize(s);
    return rc ? -1 : 0;
}

/* Writes the batch: 0, 1 when another fold finished it first, -1. */
static int write_batch(store *st, fold *f)
{
    int pg = !strcmp(store_backend(st), "postgresql");
    size_t i = 0;
    do {
        size_t end = i, todo = 0;
        while (end < f->n && todo < FOLD_WRITE)
            todo += !f->k[end++].covered;
        /* store_begin holds the writer's lock from the start (on SQLite
         * the store file's only: responses keep appending to the log file
         * meanwhile), so the check below holds until the commit. */
        if (store_begin(st))
            return -1;
        int present = batch_present(st, f);
        int rc = present != 1;
        if (!rc)
            rc = pg ? upsert_keys_pg(st, f, i, end) : upsert_keys_sqlite(st, f, i, end);
        if (rc || store_commit(st)) {
            store_rollback(st);
            return present == 0 ? 1 : -1;
        }
        i = end;
    } while (i < f->n);
    /* Its own transaction: on SQLite the journal is in the log file and
     * the ledger in the store's, and a transaction over both commits in
     * each file, not in both at once. Rows deleted only after the ledger
     * has committed are at worst folded again after a crash (idempotent),
     * never lost. */
    if (store_begin(st) || delete_read(st, f) || store_commit(st)) {
        store_rollback(st);
        return -1;
    }
    return 0;
}

/* One batch: 1 when another fold took it first (read again), 0 when it
 * is folded or the journal holds nothing up to stop, -1 on failure. */
static int fold_batch(store *st, int64_t stop, int *empty)
{
    fold f;
    memset(&f, 0, sizeof f);
    strmap_init(&f.reader_ix);
    buf_init(&f.ids);
    int rc = read_journal(st, &f, stop);
    *empty = rc == 0;
    if (rc == 1)
        rc = resolve_readers(st, &f);
    if (rc == 0 && !*empty) {
        free(f.slots);
        f.slots = NULL;
        sorting = &f;
        qsort(f.k, f.n, sizeof *f.k, key_order);
        sorting = NULL;
        for (size_t a = 0, b; a < f.n && !rc; a = b) {
            for (b = a; b < f.n && f.k[b].reader == f.k[a].reader; b++)
                ;
            if (!f.readers[f.k[a].reader].fresh && b - a >= FOLD_FILTER_MIN)
                rc = mark_covered(st, &f, a, b);
        }
        if (!rc)
            rc = write_batch(st, &f);
    }
    fold_free(&f);
    return rc;
}

int ledger_fold_run(store *st)
{
    store_stmt *s;
    if (store_prepare(st, "SELECT max(seq) FROM ledger_journal", &s))
        return STORE_ERR;
    int rc = store_step(s);
    int64_t stop = rc == 1 ? store_col_int(s, 0) : 0;
    store_finalize(s);
    if (rc < 0)
        return STORE_ERR;
    int empty = !stop;
    while (!empty) {
        rc = fold_batch(st, stop, &empty);
        if (rc < 0) {
            log_msg(LOG_ERR, "folding the disclosure ledger's journal failed: %s", store_errmsg(st));
            return STORE_ERR;
        }
    }
    return STORE_OK;
}
