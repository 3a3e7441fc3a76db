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

typedef struct sqlq {
    buf sql;
    sql_bind *b;
    size_t nb, cap;
    int dollar; /* PostgreSQL placeholders */
} sqlq;

void sqlq_init(sqlq *s, int dollar);
void sqlq_free(sqlq *s);
void sqlq_text(sqlq *s, const char *v);
void sqlq_owned_text(sqlq *s, char *v); /* takes ownership of v */
void sqlq_int(sqlq *s, int64_t v);
void sqlq_blob(sqlq *s, const void *v, size_t n);

/* SELECT id, json[, sortv] ... for a list page. Returns 0, or -1 for a query
 * the engine cannot express (a bug in the model table). */
int sql_list(const query *q, long limit, sqlq *s);
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

/* Appends a predicate true for the entities of `kind` (id column `col`)
 * inside the scope. */
void sql_scope(const query_scope *sc, int kind, const char *col, sqlq *s);
/* sql_display_names within a scope: names of entities outside it are not
 * returned, and a duty is not named after a person outside it. */
void sql_display_names_scoped(const query_scope *sc, int kind, const char *const *ids, size_t n, sqlq *s);

#endif
