/*
 * SQL text for the store's read queries, built from a `query` and the
 * model table. Portable SQL (SQLite and PostgreSQL); the placeholder style
 * is the only dialect difference ("?" or "$n").
 */
#ifndef SKOLNAV_SQL_QUERY_H
#define SKOLNAV_SQL_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "store/query.h"
#include "util/buf.h"

typedef enum { B_TEXT, B_INT, B_BLOB } bind_type;

typedef struct sql_bind {
    bind_type t;
    const char *s;      /* B_TEXT (borrowed) */
    int64_t i;          /* B_INT */
    const void *b;      /* B_BLOB (borrowed) */
    size_t blen;
    char *owned;        /* text the builder made (freed with the query) */
} sql_bind;

/* Entities of one kind occupy one range of the entity table's integer key,
 * in arrival order: eid = kind << EID_KIND_SHIFT | n, n from 1. */
#define EID_KIND_SHIFT 40
#define EID_BASE(kind) ((int64_t)(kind) << EID_KIND_SHIFT)

/* What a list row's cursor (store_row.sortv) is made of, after id and json:
 * a sort key's bytes (column 2), or integers that the backend packs as
 * 8-byte big-endian values with the sign bit flipped, so that every cursor
 * compares with memcmp and fits the page token as bytes. */
typedef enum {
    SORTV_NONE,         /* no cursor columns (fetches by id or key) */
    SORTV_BLOB,         /* column 2: sort key bytes */
    SORTV_EID,          /* column 2: eid (arrival order) */
    SORTV_MODIFIED,     /* column 2: meta.modified (ties by id) */
} sortv_kind;

typedef struct sqlq {
    buf sql;
    sql_bind *b;
    size_t nb, cap;
    int dollar;       /* PostgreSQL placeholders and dialect */
    sortv_kind sortv; /* set by sql_list */
    int drive;        /* SQLite: 1 + the index of the filter whose set of ids a page in
                       * arrival order is read through; 0: the range scan of the kind */
    int64_t eid_from; /* set by sql_list: the eid a page in arrival order starts after (0: the
                       * first page), which relationship.*'s set is bounded by too */
    int64_t drive_set; /* SQLite: not 0, the driving relationship.* set is already in the
                        * connection's temp.drive_set under this key (store_sqlite.c) */
    const int64_t *rel_eids; /* PostgreSQL: relationship.*'s set as the connection keeps
                              * it (sorted entity keys, store_pg.c), in place of its SQL */
    size_t nrel_eids;
} sqlq;

void sqlq_init(sqlq *s, int dollar);
void sqlq_free(sqlq *s);
void sqlq_text(sqlq *s, const char *v);
void sqlq_owned_text(sqlq *s, char *v); /* takes ownership of v */
void sqlq_int(sqlq *s, int64_t v);
void sqlq_blob(sqlq *s, const void *v, size_t n);
/* A hash of the statement and its values: the same query, the same hash. */
uint64_t sqlq_hash(const sqlq *s);

/* SELECT id, json, cursor columns (see sortv) ... for a list page. Returns 0, or -1 for a query
 * the engine cannot express (a bug in the model table). */
int sql_list(const query *q, long limit, sqlq *s);
/* SELECT count(*) of at most cap ids of the set that filter i of q admits,
 * for choosing sqlq.drive; -1 when filter i is not a set of ids or the list
 * is in a sort key's order. */
int sql_list_probe(const query *q, size_t i, long cap, sqlq *s);
/* The SELECT of the entity keys filter i of q admits when it is a
 * relationship.* filter, for a backend to keep (0); -1 for any other.
 * With s NULL it only answers. */
int sql_list_keyset(const query *q, size_t i, sqlq *s);
/* SELECT id, json for entities of kind with ids / with an index key value. */
void sql_fetch_ids(int kind, const char *const *ids, size_t n, sqlq *s);
void sql_fetch_by_key(int kind, const char *key, int via_kind, const char *via_key,
                      const char *const *values, size_t n, sqlq *s);
/* SELECT id, display[, person display] for references. */
void sql_display_names(int kind, const char *const *ids, size_t n, sqlq *s);
/* SELECT seq, kind, id FROM tombstone ... */
void sql_deleted(const query *q, long limit, sqlq *s);

/* ---- the access scope (sql_scope.c) */

/* The name a client in alias mode sees for a person with a protected
 * identity, in references and as given and family name. */
#define ACCESS_ALIAS_GIVEN "Skyddad"
#define ACCESS_ALIAS_FAMILY "identitet"
#define ACCESS_ALIAS_NAME ACCESS_ALIAS_GIVEN " " ACCESS_ALIAS_FAMILY

/* The scope of this thread's reads (store_set_scope sets it): every builder
 * below applies it, so each backend that runs their SQL is scoped alike. */
void sql_set_thread_scope(const query_scope *sc);
const query_scope *sql_thread_scope(void);
/* Appends a predicate true for the entities of `kind` (id column `col`)
 * inside the scope. */
void sql_scope(const query_scope *sc, int kind, const char *col, sqlq *s);
/* sql_scope for a list in entity order (`entity e`, ORDER BY e.eid): when
 * the scope is narrow (query_scope.narrow) the set of ids in scope is
 * looked up as entity keys, which the walk then reads in order. */
void sql_scope_walk(const query_scope *sc, int kind, sqlq *s);
/* sql_display_names within a scope: names of entities outside it are not
 * returned, and a duty is not named after a person outside it. */
void sql_display_names_scoped(const query_scope *sc, int kind, const char *const *ids, size_t n, sqlq *s);

#endif
