/*
 * The store's backends behind store.h. Each backend defines its own
 * `struct store` and `struct store_stmt`; the first member of a store is
 * a store_head (the backend's operation table first) and the first member of a statement is its
 * store, so store.c reaches the table through a pointer to the initial
 * member (C17 6.7.2.1p15) without knowing the rest. store.h stays the one
 * contract; this header is only for store.c and the backends.
 */
#ifndef SKOLNAV_STORE_BACKEND_H
#define SKOLNAV_STORE_BACKEND_H

#include "store/store.h"

typedef struct store_ops store_ops;

/* The first member of every backend's struct store: what store.c keeps
 * for any backend (the access scope is the thread's: sql_scope.c). */
typedef struct store_head {
    const store_ops *ops;
} store_head;

struct store_ops {
    const char *name; /* "sqlite", "postgresql" */
    void (*close)(store *st);
    const char *(*errmsg)(store *st);
    int (*schema_version)(store *st);
    int (*begin)(store *st);
    int (*begin_append)(store *st);
    int (*commit)(store *st);
    void (*rollback)(store *st);
    int (*entity_meta)(store *st, int kind, const char *id, int want_json, store_meta *meta);
    int (*entity_exists)(store *st, int kind, const char *id);
    /* NULL: store.c asks entity_meta for each */
    int (*entity_metas)(store *st, int kind, const char *const *ids, size_t n, store_meta *metas, int *found);
    int (*entity_put)(store *st, int kind, const char *id, const char *json, const entity_rows *rows,
                      const entity_rows *old, int64_t created, int64_t modified, const char *source);
    int (*entity_delete)(store *st, int kind, const char *id, const entity_rows *old, int64_t at);
    /* Moves an entity's derived rows from old to new (either NULL: none),
     * writing only the rows that differ (rows_has_*). */
    int (*entity_rows)(store *st, int kind, const char *id, const entity_rows *old, const entity_rows *new);
    int (*tune_bulk)(store *st, long cache_mb);
    int (*bulk)(store *st, int mode); /* STORE_BULK_*, 0 = end; NULL: a bulk load needs nothing of the backend */
    int (*orgtree_rebuild)(store *st);
    int (*list)(store *st, const query *q, long limit, store_row_fn fn, void *ctx);
    int (*fetch_ids)(store *st, int kind, const char *const *ids, size_t n, store_row_fn fn, void *ctx);
    int (*fetch_by_key)(store *st, int kind, const char *key, int via_kind, const char *via_key,
                        const char *const *values, size_t n, store_row_fn fn, void *ctx);
    int (*display_names)(store *st, int kind, const char *const *ids, size_t n, store_name_fn fn, void *ctx);
    int (*deleted)(store *st, const query *q, long limit, store_tomb_fn fn, void *ctx);
    int (*prepare)(store *st, const char *sql, store_stmt **out);
    int (*reset)(store_stmt *s);
    int (*bind_text)(store_stmt *s, int i, const char *v);
    int (*bind_int)(store_stmt *s, int i, int64_t v);
    int (*bind_null)(store_stmt *s, int i);
    int (*bind_blob)(store_stmt *s, int i, const void *v, size_t n);
    int (*step)(store_stmt *s);
    const char *(*col_text)(store_stmt *s, int i);
    int64_t (*col_int)(store_stmt *s, int i);
    const void *(*col_blob)(store_stmt *s, int i, size_t *n);
    int (*col_is_null)(store_stmt *s, int i);
    void (*finalize)(store_stmt *s);
    int (*exec)(store *st, const char *sql);
    /* After rows were copied in with explicit sequence numbers (changes,
     * tombstone): make the next generated numbers follow them. */
    int (*sequences_sync)(store *st);
};

/* After rows were copied in with their sequence numbers (store_copy). */
int store_sequences_sync(store *st);

/* Backend entry points, chosen by store.c from the URL. */
int sqlite_store_open(const char *path, int create, store **out, char *err, size_t errlen);
int sqlite_store_exists(const char *path);
int sqlite_store_remove(const char *path, char *err, size_t errlen);
int pg_store_open(const char *url, int create, store **out, char *err, size_t errlen);
int pg_store_exists(const char *url, char *err, size_t errlen);
int pg_store_remove(const char *url, char *err, size_t errlen);

#endif
