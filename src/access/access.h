/*
 * The access view: the one choke point through which entities leave the
 * hub for a client (DESIGN.md). Every channel (the SS12000 API, webhooks,
 * SCIM, exports, the admin's "view as") goes through it:
 *
 *   client cl;                        // clients_auth or clients_find
 *   if (access_admit(&cl, &e)) ...    // stopped, suspended, contract over: refuse
 *   access_view av;
 *   access_begin(&av, st, &cl, "api", 1);   // scopes every read on st
 *   ... read through the store, render, and for each outgoing page:
 *   access_filter(&av, st, kind, objs, n, &e);   // fields, references, ledger
 *   access_finish(&av, st, &info);    // request log + ledger, one transaction
 *
 * Organisation scope, granted kinds and protected identities are applied by
 * the store in SQL (query_scope, store_set_scope), so pages, lookups and
 * expands contain only what the client may see and paging stays exact.
 * What SQL cannot do cheaply is done on the rendered JSON by access_filter:
 * fields of categories not granted are removed, and references to entities
 * outside the view are removed (or, where the schema requires them, left as
 * a bare id without displayName).
 *
 * The view of the current request is bound to the thread (one request runs
 * start to end on one thread), so the renderer finds it with
 * access_current() and the read path needs no extra parameters.
 */
#ifndef SKOLNAV_ACCESS_H
#define SKOLNAV_ACCESS_H

#include <jansson.h>
#include <stdint.h>

#include "api/errors.h"
#include "model/model.h"
#include "store/clients.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/strmap.h"

typedef struct access_view {
    client cl;
    query_scope scope;
    int passthrough;     /* full access: stored JSON goes out as it is */
    int record;          /* 0: "view as", nothing is recorded */
    const char *channel; /* "api", "webhook", "scim", "export" */
    strmap ledger;       /* person id -> categories received (uintptr_t) */
    /* Persons received with every category through the unparsed fast path
     * (a full-access /persons page), NUL-terminated back to back: a list
     * costs a copy a person where the map cost a lookup; the fold takes a
     * person listed twice as once. */
    buf ledger_all;
    size_t nledger_all;
    /* Entities of the other kinds received, per kind, NUL-terminated back
     * to back: the fold keeps them per client (ledger_row under a reader
     * of that kind) so that their scope exits can be told (exits.c). */
    buf seen[K__COUNT];
    size_t nseen[K__COUNT];
    long items;          /* entities sent */
    int pseudo;          /* pseudonymous ids (pseudonym.c) */
    int broken;          /* the view could not be set up: refuse the request */
    unsigned char pkey[32];
    strmap pmap;         /* pseudonyms given in this response -> hub id */
    strmap inmap;        /* hub ids the request's pseudonyms mapped to -> pseudonym */
} access_view;

/* Request facts for the request log. */
typedef struct access_reqinfo {
    const char *method, *path, *query;
    int status;
    size_t bytes;
    int64_t started_ms;
} access_reqinfo;

/* 0 when the client may be served now; else fills e (403) and returns -1.
 * Reads nothing: cl comes fresh from the store on every request, so an
 * emergency stop takes effect on the very next request of every node. */
int access_admit(const client *cl, api_error *e);
/* Starts a view on st for cl and binds it to this thread. */
void access_begin(access_view *av, store *st, const client *cl, const char *channel, int record);
/* Unbinds and frees the view, first writing the request log row (when ri)
 * and the ledger rows in one transaction (when recording). Returns -1 when
 * that write failed (logged; the response has gone already). */
int access_finish(access_view *av, store *st, const access_reqinfo *ri);
/* The view bound to this thread, or NULL (internal callers, tests). */
access_view *access_current(void);
/* 1 when stored bytes may go out unparsed: no view is bound, or the bound
 * one passes entities unchanged (full access). Fast paths ask this. */
int access_raw_ok(void);
/* Unbinds the thread's view (access_finish does it). */
void access_unbind(void);

/* 403 when the request path names a kind outside the client's grant. */
int access_check_path(const access_view *av, const char *path, api_error *e);
/* 403 when a query parameter, sort key or lookup key (lookup != 0) of kind
 * k filters or sorts by a field the client may not see: a client without
 * CivicNo cannot find persons by civic number either. */
int access_check_use(const access_view *av, const kind_desc *k, const char *name, const char *value, int lookup,
                     api_error *e);
/* The same for a whole request: its query string and, for a lookup, its
 * body's keys (a body that is not a JSON object is left to the handler). */
int access_check_request(access_view *av, const char *method, const char *path, const char *raw_query,
                         const char *body, size_t bodylen, api_error *e);
/* 1 when the client may write entities of the kind (the write endpoints:
 * attendances, absences...): the kind granted and --writes on. Off by
 * default; full access includes it. access_check_request applies it to
 * POST on a collection and DELETE on an item. */
int access_may_write(const access_view *av, int kind);
/* 1 when the kind's endpoints are granted. */
int access_kind_granted(const access_view *av, int kind);
/* 1 when the client may see the field (by its category, for this element). */
int access_field_granted(const access_view *av, const field *f, json_t *element);

/* Alias mode: 1 when a person's field (its first path segment, len bytes)
 * stays visible under the alias. Finding persons by any other field
 * (a civic number, a name, an e-mail...) would tell who the alias is, so
 * access_check_request takes protected persons out of such a request. */
int access_alias_keeps(const char *field, size_t len);

/* Filters rendered entities of kind k (with their _embedded) in place and
 * notes the persons disclosed for the ledger. */
int access_filter(access_view *av, store *st, const kind_desc *k, json_t **objs, size_t n, api_error *e);
/* For the unparsed fast path (passthrough views): notes one stored entity. */
void access_note_stored(access_view *av, const kind_desc *k, const char *id, const char *json, size_t len);

/* ---- scope exits (exits.c) */

/* The entities the client received that are out of its view now, for
 * /deletedEntities (honouring `after`, `entities`; first page only):
 * *ids is a JSON object of id arrays under the kinds' deletedEntities
 * keys ("persons", "groups", ...), or NULL when there are none. */
int access_scope_exits(access_view *av, store *st, const char *raw_query, json_t **ids);
/* Stamps the exits of the kinds in `kinds` (a bit per kind) that are new,
 * so that /deletedEntities reports them from now on, and clears those of
 * entities back in view. *fresh (may be NULL) is the number stamped now:
 * the webhook dispatcher tells the client when it is not 0. */
int access_exits_refresh(access_view *av, store *st, uint32_t kinds, long *fresh);
/* Adds them to a /deletedEntities response body (call before
 * access_translate_response). */
void access_add_exits(access_view *av, store *st, const char *path, const char *raw_query, int status, buf *body);

/* ---- pseudonymous ids (pseudonym.c) */

/* A secret kept in the store's settings (hex), created when missing. */
int access_secret(store *st, const char *name, unsigned char *key, size_t len, int create);
/* The client's pseudonym for a person id. */
void access_pseudo_id(const access_view *av, const char *person, char out[UUID_STR_LEN]);
/* Replaces person ids in rendered entities by the client's pseudonyms. */
void access_pseudo_page(access_view *av, const kind_desc *k, json_t **objs, size_t n);
/* Maps the pseudonyms of a request (person path id, person-valued filters,
 * lookup ids) to hub ids and opens sealed page tokens; each out is NULL
 * when unchanged, else malloc'd. */
int access_translate_request(access_view *av, store *st, const char *path, const char *raw_query,
                             const char *body, size_t bodylen, char **path_out, char **query_out, char **body_out);
/* Seals the page token and names persons by pseudonym in /deletedEntities
 * and in error messages. */
void access_translate_response(access_view *av, const char *path, int status, buf *body);
/* Keeps the pseudonyms given (access_finish calls it). */
int access_pseudo_write(access_view *av, store *st);

/* The person an argument names: an id (taken as it is, for persons since
 * deleted), or a civic number found through the index. 0, or -1 when no
 * person has that civic number. */
int access_resolve_person(store *st, const char *arg, char id[UUID_STR_LEN]);
/* The ledger rows of a person, oldest first: *list = [{"client",
 * "clientName" (null when the client is removed), "channel", "categories",
 * "first", "last"}]. */
int access_person_disclosures(store *st, const char *person, json_t **list);

/* Moves the journaled disclosures into ledger (ledger_fold.c: batches of
 * keys, written a few thousand per transaction). Call it before reading
 * ledger: until folded, a disclosure is only part of a row of
 * ledger_journal. Call it outside a transaction. */
int access_ledger_fold(store *st);
/* The server's folder: a thread that folds the journal when it has been
 * quiet a moment or has grown large, so that no response waits for a
 * fold. Without it, the response that makes the journal large folds. */
int access_folder_start(const char *db);
void access_folder_stop(void);
/* Deletes request-log and ledger rows last touched before before_ms;
 * writes the counts. */
int access_purge(store *st, int64_t before_ms, int64_t *requests, int64_t *ledger_rows);

#endif
