/*
 * The store: entities as canonical JSON plus the index rows their filters,
 * sorts and relations need, a change feed and tombstones, all written in
 * one transaction per batch. One `store` is one connection and is used by
 * one thread at a time; the server keeps one per worker thread.
 *
 * The backend is chosen by the URL given to store_open: a file path or
 * "sqlite:PATH" is SQLite; "postgresql://..." or "postgres://..." (a libpq
 * connection URI) is PostgreSQL. Everything below behaves the same on both.
 */
#ifndef SKOLNAV_STORE_H
#define SKOLNAV_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store/query.h"
#include "store/rows.h"

typedef struct store store;

/* STORE_BADCURSOR: store_list was given a cursor it cannot resume from (a
 * page token made by another version); the client starts again. */
enum { STORE_OK = 0, STORE_NOTFOUND = 1, STORE_BADCURSOR = 2, STORE_ERR = -1 };

/* Opens (creating when `create`) and migrates the store. On failure returns
 * -1 with a message a person can act on in err. */
int store_open(const char *url, int create, store **out, char *err, size_t errlen);
void store_close(store *st);
const char *store_errmsg(store *st);
int store_schema_version(store *st);
/* "sqlite" or "postgresql". */
const char *store_backend(store *st);
/* 1 when url names an existing store (an SQLite file; a PostgreSQL
 * database holding the skolnav schema), 0 when not, -1 (with err) when
 * that cannot be told (the server does not answer). */
int store_exists(const char *url, char *err, size_t errlen);
/* Deletes the store url names: the SQLite files, or every skolnav table
 * of the PostgreSQL database (the database itself stays). */
int store_remove(const char *url, char *err, size_t errlen);

/* Tunes the connection for a long series of large write batches (a demo
 * build, a first import): a page cache of about cache_mb megabytes and
 * rarer checkpoints. Durability is unchanged; only memory use grows. */
int store_tune_bulk(store *st, long cache_mb);

/* A bulk load: between begin and end (both outside a transaction), the
 * store may defer indexing what is created and index it in one sorted
 * pass (SQLite: the derived rows of new entities other than organisations
 * are staged). The writer's own reads index what is staged first, so they
 * see no difference. How long rows may stay staged:
 * - STORE_BULK_BATCH: until the transaction commits; every commit indexes
 *   them first, so no other connection ever sees a staged entity (large
 *   imports and pushed batches);
 * - STORE_BULK_LOAD: until store_bulk_end, across commits (filling a new
 *   store, the demo generator). Other connections do not find staged
 *   entities by filters, sorts or relations until then; a load killed
 *   midway leaves its staged rows committed, and they are indexed when
 *   the store is next opened. */
#define STORE_BULK_BATCH 1
#define STORE_BULK_LOAD 2
int store_bulk_begin(store *st, int mode);
int store_bulk_end(store *st);

/* A write transaction. Readers never block on it (WAL). */
int store_begin(store *st);
/* A write transaction that only appends rows no one orders by commit (the
 * request log, the ledger's journal, pseudonyms given out): on PostgreSQL
 * it does not take the hub-wide writer lock store_begin takes, so that the
 * requests of every node commit side by side and PostgreSQL flushes their
 * commits together. On SQLite it is store_begin (one writer anyway). */
int store_begin_append(store *st);
int store_commit(store *st);
void store_rollback(store *st);

/* ---- entity writes (inside a transaction) */

typedef struct store_meta {
    int64_t created, modified;
    char *json;       /* stored JSON (NULL unless asked for) */
    char *source;     /* owning source (NULL unless asked for) */
} store_meta;

/* STORE_OK with meta filled, STORE_NOTFOUND, or STORE_ERR. want_json: also
 * return the stored JSON (caller frees meta->json and meta->source). */
int store_entity_meta(store *st, int kind, const char *id, int want_json, store_meta *meta);
/* store_entity_meta with want_json for n distinct ids of one kind at once
 * (one round trip on PostgreSQL): found[i] is STORE_OK with metas[i] filled
 * or STORE_NOTFOUND. Returns STORE_OK or STORE_ERR (nothing to free then). */
int store_entity_metas(store *st, int kind, const char *const *ids, size_t n, store_meta *metas, int *found);
int store_entity_exists(store *st, int kind, const char *id);
/* Writes an entity with its derived rows. `old` is NULL for a new entity;
 * for an update it is the rows derived from the stored JSON (rows_build),
 * so only the rows that differ are rewritten. Appends to the change feed. */
int store_entity_put(store *st, int kind, const char *id, const char *json, const entity_rows *rows,
                     const entity_rows *old, int64_t created, int64_t modified, const char *source);
/* Removes an entity and its rows (`old`, derived from its stored JSON);
 * leaves a tombstone and a change. */
int store_entity_delete(store *st, int kind, const char *id, const entity_rows *old, int64_t at);
/* Recomputes the organisation closure (call after organisations change). */
int store_orgtree_rebuild(store *st);

/* ---- reads */

typedef struct store_row {
    const char *id;
    const char *json;
    size_t jsonlen;
    const unsigned char *sortv; /* sort value, for the next page's cursor */
    size_t sortvlen;
} store_row;

/* Called per row; a non-zero return stops the iteration (and is returned). */
typedef int (*store_row_fn)(void *ctx, const store_row *row);

/* Runs a list query: up to `limit` rows after the cursor, in order. Rows
 * carry their cursor in sortv. A non-zero return of fn is returned; so are
 * STORE_ERR and STORE_BADCURSOR. */
int store_list(store *st, const query *q, long limit, store_row_fn fn, void *ctx);
/* Entities of `kind` with the given ids (order unspecified; unknown ids skipped). */
int store_fetch_ids(store *st, int kind, const char *const *ids, size_t n, store_row_fn fn, void *ctx);
/* Entities of `kind` having an index row `key` with one of `values`; with
 * via_kind != K_NONE, `key` names an entity of via_kind whose row `via_key`
 * has one of the values. Each entity at most once. */
int store_fetch_by_key(store *st, int kind, const char *key, int via_kind, const char *via_key,
                       const char *const *values, size_t n, store_row_fn fn, void *ctx);

/* Display names for references: fn(ctx, id, name) for each id found. */
typedef void (*store_name_fn)(void *ctx, const char *id, const char *name);
int store_display_names(store *st, int kind, const char *const *ids, size_t n, store_name_fn fn, void *ctx);

/* Tombstones after `after_seq` (and after q->after_ms when has_after), of the
 * kinds in q->entities (0 = all), in sequence order. */
typedef int (*store_tomb_fn)(void *ctx, int64_t seq, int kind, const char *id);
int store_deleted(store *st, const query *q, long limit, store_tomb_fn fn, void *ctx);

/* Restricts every read by this thread (list, fetch, lookup, display names,
 * deletions) to the scope until it is set to NULL; the scope is borrowed.
 * The access view sets it for each request (src/access/), which runs on one
 * thread with one store; the SQL builders apply it (sql_scope.c), so every
 * backend is scoped alike. */
void store_set_scope(store *st, const query_scope *sc);
const query_scope *store_scope(store *st);

/* ---- settings (server secrets and the like) */
int store_setting_get(store *st, const char *key, char **value); /* STORE_NOTFOUND when unset */
int store_setting_set(store *st, const char *key, const char *value);
/* Sets key unless it is set already (race-free between nodes: the first
 * writer wins), then reads it back into *value (caller frees). */
int store_setting_init(store *st, const char *key, const char *value, char **out);

/* A lease for work that one node of many must do alone (the webhook
 * dispatcher, scheduled pulls): kept in the setting table as
 * "lease.<name>", held by `holder` until now + ttl_ms. Takes it when it is
 * free, expired or held by `holder` already (a renewal), atomically across
 * nodes (in a write transaction). STORE_OK when holder has it now,
 * STORE_NOTFOUND when another holder does, STORE_ERR. A holder that stalls
 * past ttl_ms loses it: work under a lease must be safe to repeat. */
int store_lease(store *st, const char *name, const char *holder, int64_t ttl_ms);
/* Gives the lease up (when held by holder), so another node takes over at
 * once rather than after the ttl. */
int store_lease_release(store *st, const char *name, const char *holder);
/* The holder of the lease now (caller frees), or NULL when it is free or
 * expired. */
char *store_lease_holder(store *st, const char *name);
/* Takes the lease over from `from` (a holder known to be gone), as one
 * step: STORE_OK when it was from's and is holder's now, STORE_NOTFOUND
 * when someone else has it meanwhile. */
int store_lease_steal(store *st, const char *name, const char *from, const char *holder, int64_t ttl_ms);

/* ---- raw SQL for the modules that own their tables (clients, ...)
 * Placeholders are "?" (numbered from 1) on every backend; keep to SQL
 * both SQLite and PostgreSQL accept. Step one statement to its end (or
 * finalize it) before running another on the same store: PostgreSQL
 * streams the rows of one statement at a time over the connection. */
typedef struct store_stmt store_stmt;
/* A mistake in the SQL is reported here (SQLite) or by the first
 * store_step (PostgreSQL); check both. */
int store_prepare(store *st, const char *sql, store_stmt **out);
/* Makes a statement ready to run again with new bindings (a binding not
 * made again keeps its value). */
int store_reset(store_stmt *s);
int store_bind_text(store_stmt *s, int i, const char *v);
int store_bind_int(store_stmt *s, int i, int64_t v);
int store_bind_null(store_stmt *s, int i);
int store_bind_blob(store_stmt *s, int i, const void *v, size_t n);
/* 1 = a row is ready, 0 = done, -1 = error. */
int store_step(store_stmt *s);
const char *store_col_text(store_stmt *s, int i);
int64_t store_col_int(store_stmt *s, int i);
const void *store_col_blob(store_stmt *s, int i, size_t *n);
int store_col_is_null(store_stmt *s, int i);
void store_finalize(store_stmt *s);
int store_exec(store *st, const char *sql);
/* Prepares SQL made by the builders of sql_query.h (with "?" placeholders:
 * sqlq_init(q, 0)) and binds its values in order. */
struct sqlq;
int store_prepare_sqlq(store *st, const struct sqlq *q, store_stmt **out);

#endif
