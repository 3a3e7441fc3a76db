/*
 * What the hub keeps about exports: the files produced (per client, newest
 * first, for the download endpoint and for pruning) and the per-client
 * schedules the server runs. Tables of migration 8.
 */
#ifndef SKOLNAV_EXPORT_FILES_H
#define SKOLNAV_EXPORT_FILES_H

#include <stdint.h>

#include "store/store.h"
#include "util/uuid.h"

typedef struct export_rec {
    char id[UUID_STR_LEN];
    char client[UUID_STR_LEN];
    char *path; /* absolute */
    int64_t created, bytes, entities;
} export_rec;

void export_rec_free(export_rec *r);
int export_record(store *st, const export_rec *r);
/* The client's newest export: STORE_OK, STORE_NOTFOUND or STORE_ERR. */
int export_latest(store *st, const char *client, export_rec *r);
/* Calls fn for each of the client's exports (all clients: NULL), newest first. */
int export_list(store *st, const char *client, void (*fn)(void *ctx, const export_rec *r), void *ctx);
/* Keeps the client's newest `keep` exports and removes the rest (rows and
 * files); *removed counts them. A file already gone is not an error. */
int export_prune(store *st, const char *client, int keep, int *removed);

typedef struct export_sched {
    char client[UUID_STR_LEN];
    int64_t every_s;
    char *dir;
    int keep;
    int64_t next_at, last_at;
    char *last_result; /* NULL before the first run */
} export_sched;

void export_sched_free(export_sched *s);
/* Creates or replaces the client's schedule. */
int export_sched_set(store *st, const export_sched *s);
/* STORE_OK, STORE_NOTFOUND, STORE_ERR. */
int export_sched_remove(store *st, const char *client);
int export_sched_get(store *st, const char *client, export_sched *out);
int export_sched_list(store *st, void (*fn)(void *ctx, const export_sched *s), void *ctx);
/* Claims one schedule due at now (moving its next run on by its interval,
 * so of several nodes only one runs it): STORE_OK with *out filled,
 * STORE_NOTFOUND when none is due. */
int export_sched_claim(store *st, int64_t now, export_sched *out);
int export_sched_result(store *st, const char *client, int64_t at, const char *result);

#endif
