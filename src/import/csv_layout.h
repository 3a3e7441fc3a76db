/*
 * The CSV layouts of the register basics (docs/csv.md): schools, pupils,
 * guardians, staff and classes, one file each, named after the layout
 * (pupils.csv, pupils-2026.csv.gz...), with a header line naming the
 * columns in any order. Each row becomes SS12000 entities in a source
 * batch; the ingest validation then checks them like any other record.
 */
#ifndef SKOLNAV_CSV_LAYOUT_H
#define SKOLNAV_CSV_LAYOUT_H

#include <jansson.h>
#include <stddef.h>

/* 0, or -1 with why in err (file, line, column). */
int csv_layout_add(json_t *batch, const char *path, const char *text, size_t len, int full, char *err, size_t errlen);

#endif
