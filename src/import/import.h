/*
 * File import: SS12000 JSON files (the API's list envelopes {"data": [...]},
 * one file per kind named after it, or a bundle {"<kind>": [...] or
 * {"data": [...]}, ...}) and CSV files of the register basics
 * (docs/csv.md), gzip-compressed or not, gathered into one source batch
 * (sources/batch.h) that is then applied in one transaction.
 */
#ifndef SKOLNAV_IMPORT_H
#define SKOLNAV_IMPORT_H

#include <jansson.h>
#include <stddef.h>

/* The whole file, gunzipped when it is gzip (detected by content). NULL
 * with why in err. Files over IMPORT_MAX_FILE bytes (uncompressed) are refused. */
#define IMPORT_MAX_FILE (4LL * 1024 * 1024 * 1024)
char *import_slurp(const char *path, size_t *len, char *err, size_t errlen);

/* Adds the records of one file (text of len bytes, named path) to batch:
 * batch.upsert.<kind> arrays grow; with full, batch.full lists the kinds.
 * 0, or -1 with why in err (file name, line, what). */
int import_add(json_t *batch, const char *path, const char *text, size_t len, int full, char *err, size_t errlen);

/* The kind path a file name starts with ("persons-2026.json.gz" -> persons), or NULL. */
const char *import_kind_of_name(const char *path);

#endif
