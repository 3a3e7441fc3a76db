/*
 * The demo generator: the fictional municipality Mittköping (and, scaled up,
 * a city or a whole country of them), built deterministically from a seed
 * and written through ingest like any other source.
 *
 * The data is generated school unit by school unit and streamed in batches,
 * so memory stays bounded whatever the scale. Three passes give the store a
 * history: the base state stamped at now-60 days, changes and deletions at
 * now-20 days and a smaller round at now-1 day.
 */
#ifndef SKOLNAV_DEMO_H
#define SKOLNAV_DEMO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

typedef enum { DEMO_MITTKOPING, DEMO_CITY, DEMO_NATION } demo_scale;

typedef struct demo_stats {
    size_t entities;   /* records written (created or updated) over all passes */
    size_t deleted;    /* records deleted */
    size_t persons;    /* persons in the final state */
    double seconds;    /* wall time of demo_generate */
} demo_stats;

typedef struct demo_opts {
    demo_scale scale;
    uint64_t seed;
    int64_t now_ms;     /* 0 = the real time now */
    demo_stats *stats;  /* optional: filled on return */
} demo_opts;

/* "mittkoping" | "city" | "nation" (also "mittköping"). 0 on success. */
int demo_scale_parse(const char *s, demo_scale *out);
const char *demo_scale_name(demo_scale s);

/*
 * Builds the demo data into `st`. Progress goes to `log` (may be NULL).
 * Returns 0, or -1 when a batch was rejected or the store failed (the
 * first problems are printed to `log`).
 */
int demo_generate(store *st, const demo_opts *o, FILE *log);

#endif
