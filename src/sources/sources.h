/*
 * Sources: where data comes from. A source has a name (which owns its
 * entities: the entity table's `source` column), a type (push, pull, file),
 * credentials (push: a bearer credential, stored only as a hash; pull: how
 * to authenticate upstream), the entity kinds it may write, the
 * mass-change thresholds of its batches, and a health record (its runs).
 */
#ifndef SKOLNAV_SOURCES_H
#define SKOLNAV_SOURCES_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "store/store.h"
#include "util/uuid.h"

#define SOURCE_KEY_LEN 64
#define SOURCE_NAME_MAX 64

/* Defaults of the mass-change hold (docs/operations.md "Mass-change hold"). */
#define SOURCE_DELETE_PCT 5
#define SOURCE_CHANGE_PCT 50
#define SOURCE_HOLD_MIN 10

typedef struct source_rec {
    char id[UUID_STR_LEN];
    char name[SOURCE_NAME_MAX + 1];
    char type[8];        /* "push", "pull" or "file" */
    char *url;           /* pull: the upstream base URL, else NULL */
    char *auth;          /* pull: JSON with "bearer" or "tokenUrl"/"clientId"/"clientSecret" */
    long schedule;       /* pull: seconds between runs, 0 = on demand */
    unsigned char kinds[K__COUNT]; /* 1 = the source may write this kind */
    int all_kinds;       /* no restriction was given */
    int delete_pct;      /* hold a batch deleting more than this % of a kind */
    int change_pct;      /* hold a batch updating+deleting more than this % of a kind */
    int hold_min;        /* batches changing fewer entities of a kind never hold */
    int raised_pct;      /* rollover: both percentages at least this ... */
    int64_t raised_until;/* ... until this time (ms) */
    int64_t created;
} source_rec;

void source_rec_free(source_rec *s);

/* 0 when name is usable for a new source, else -1 with why in err. */
int source_name_check(const char *name, char *err, size_t errlen);
/* Parses a comma-separated list of kind path names into s->kinds. */
int source_kinds_parse(source_rec *s, const char *list, char *err, size_t errlen);
/* The kinds as a comma-separated list (malloc'd), "all" when unrestricted. */
char *source_kinds_string(const source_rec *s);

/* Adds s (name, type, url, auth, schedule, kinds, thresholds set by the
 * caller; zero thresholds take the defaults). Fills s->id; for push
 * sources writes the new bearer credential into key. STORE_ERR also when
 * the name is taken (store_errmsg says so). */
int sources_add(store *st, source_rec *s, char key[SOURCE_KEY_LEN]);
/* STORE_OK with *s filled (caller frees), STORE_NOTFOUND, STORE_ERR. */
int sources_get(store *st, const char *name, source_rec *s);
/* The push source whose credential this is. */
int sources_auth(store *st, const char *key, source_rec *s);
int sources_list(store *st, void (*fn)(void *ctx, const source_rec *s), void *ctx);
/* Removes the source record, its runs and held batches (not its entities). */
int sources_remove(store *st, const char *name);
/* Sets the thresholds (fields < 0 are left as they are). */
int sources_set_thresholds(store *st, const char *name, int delete_pct, int change_pct, int hold_min,
                           int raised_pct, int64_t raised_until);

/* The entities a source owns, of one kind (K_NONE: all kinds). */
int64_t sources_entity_count(store *st, const char *name, int kind);

/* ---- health: one row per run (push request, import, pull run, approval) */
typedef struct source_run {
    int64_t started, finished;
    const char *what;    /* "push POST persons", "import", "pull", ... */
    const char *result;  /* "ok", "held", "rejected", "failed" */
    size_t created, updated, deleted, unchanged;
    const char *errors;  /* NULL or a short text */
} source_run;

/* Records a run in its own transaction; keeps the last SOURCE_RUNS_KEPT. */
#define SOURCE_RUNS_KEPT 200
int sources_record_run(store *st, const char *name, const source_run *r);
/* The newest runs first, at most limit. */
int sources_runs(store *st, const char *name, long limit, void (*fn)(void *ctx, const source_run *r), void *ctx);

#endif
