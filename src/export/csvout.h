/*
 * The CSV layout of an export's register basics (docs/export.md): one
 * table per file, each row read from a rendered entity (after the access
 * view has filtered it, so a column the client may not see is empty) or
 * from the elements of one of its arrays (enrolments, memberships).
 * RFC 4180: UTF-8, comma-separated, CRLF, fields quoted when needed.
 */
#ifndef SKOLNAV_CSVOUT_H
#define SKOLNAV_CSVOUT_H

#include <jansson.h>
#include <stdio.h>

typedef struct csv_col {
    const char *name;
    /* "a.b" walks objects; an array of strings is joined with '|'; a
     * leading '^' reads from the entity the row's element belongs to. */
    const char *path;
} csv_col;

typedef struct csv_table {
    const char *file; /* "organisations.csv" */
    int kind;         /* the entity kind it is read from */
    const char *rows; /* NULL: one row per entity; else the array whose elements are rows */
    const csv_col *cols; /* {0}-terminated */
} csv_table;

/* The tables, {0}-terminated. */
extern const csv_table csv_tables[];

/* Writes the header line. */
int csv_write_header(FILE *f, const csv_table *t);
/* Writes the rows entity obj gives for table t. */
int csv_write_rows(FILE *f, const csv_table *t, json_t *obj);

#endif
