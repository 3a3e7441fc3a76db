/*
 * A client's export: everything it is granted, as the API would give it,
 * in one zip (docs/export.md):
 *   json/<kind>.json   each granted kind in the API's list envelope,
 *                      {"data":[...],"pageToken":null}, entities in the
 *                      order and form of the API's list for this client;
 *   csv/<table>.csv    the register basics (export/csvout.h);
 *   manifest.json      the client, the time, each file's entity count.
 * Everything is read through the access view ("export" channel), one
 * store page at a time, so memory stays bounded by a page whatever the
 * size; the ledger is written page by page and the request log gets one
 * row for the export. The zip is written to a temporary file in the
 * output directory and renamed into place when complete.
 */
#ifndef SKOLNAV_EXPORT_H
#define SKOLNAV_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "store/clients.h"
#include "store/store.h"

typedef struct export_opts {
    const char *dir;   /* output directory (must exist and be writable) */
    FILE *progress;    /* progress lines (a tty: one updated line); NULL: quiet */
    int force_zip64;   /* ZIP64 records even when not needed (reader tests) */
    int keep;          /* > 0: keep only the client's newest `keep` exports */
} export_opts;

typedef struct export_result {
    char path[4096];
    int64_t bytes, entities;
    int files;
} export_result;

/* Produces the export and records it (export/files.h). On failure returns
 * -1 with the reason in err, and leaves no file behind. */
int export_client(store *st, const client *cl, const export_opts *o, export_result *r, char *err, size_t errlen);

/* The server's scheduler: a thread producing due exports (files.h) until
 * export_scheduler_stop. */
int export_scheduler_start(const char *db);
void export_scheduler_stop(void);

#endif
