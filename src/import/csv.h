/*
 * A CSV reader (RFC 4180): quoted fields with "" for a quote, CRLF or LF,
 * comma or semicolon separated (Swedish spreadsheets write ';'; the header
 * line decides), a UTF-8 byte-order mark skipped, empty lines skipped.
 * Works on text in memory; every field must be UTF-8 without NUL bytes.
 */
#ifndef SKOLNAV_CSV_H
#define SKOLNAV_CSV_H

#include <stddef.h>

#define CSV_MAX_FIELDS 256
#define CSV_MAX_FIELD (64 * 1024)

typedef struct csv_reader {
    const char *p, *end;
    char sep;
    long line;   /* the line the reader is on (1-based) */
    long rec_line; /* the line the last record read started on */
} csv_reader;

typedef struct csv_row {
    char *f[CSV_MAX_FIELDS];
    size_t n;
} csv_row;

void csv_open(csv_reader *r, const char *text, size_t len);
/* 1 with a record in row (free with csv_row_free), 0 at the end, -1 with why in err. */
int csv_next(csv_reader *r, csv_row *row, char *err, size_t errlen);
void csv_row_free(csv_row *row);

#endif
