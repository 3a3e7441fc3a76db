/*
 * Data quality: problems found in the store that ingest accepts on
 * purpose (real registers hold them) or cannot see in one batch. The rules
 * are one table (quality.c); each finding names its rule, the school it
 * concerns and the entity. docs/quality.md lists the rules.
 */
#ifndef SKOLNAV_QUALITY_H
#define SKOLNAV_QUALITY_H

#include <jansson.h>

#include "store/store.h"

typedef struct quality_rule {
    const char *name;        /* stable, e.g. "pupil-without-guardian" */
    const char *description;
} quality_rule;

extern const quality_rule quality_rules[];

/* Runs every rule. school: only findings at this organisation or below it
 * (NULL = all). On success returns 0 and *out = {"rules": [...],
 * "findings": [{"school", "rule", "entities": [{"kind", "id", "detail"}]}]}
 * grouped per school and rule; -1 when the store failed. */
int quality_run(store *st, const char *school, json_t **out);

#endif
