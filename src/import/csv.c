#include "import/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

void csv_open(csv_reader *r, const char *text, size_t len)
{
    r->p = text;
    r->end = text + len;
    r->line = 1;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        r->p += 3;
    /* The separator is whichever of ',' and ';' the first line has more of
     * outside quotes; a header of one column is comma separated. */
    size_t commas = 0, semis = 0;
    int q = 0;
    for (const char *s = r->p; s < r->end && (q || (*s != '\n' && *s != '\r')); s++) {
        if (*s == '"')
            q = !q;
        else if (!q && *s == ',')
            commas++;
        else if (!q && *s == ';')
            semis++;
    }
    r->sep = semis > commas ? ';' : ',';
}

void csv_row_free(csv_row *row)
{
    for (size_t i = 0; i < row->n; i++)
        free(row->f[i]);
    row->n = 0;
}

static int fail(csv_row *row, char *err, size_t errlen, long line, const char *what)
{
    snprintf(err, errlen, "line %ld: %s", line, what);
    csv_row_free(row);
    return -1;
}

int csv_next(csv_reader *r, csv_row *row, char *err, size_t errlen)
{
    row->n = 0;
    while (r->p < r->end && (*r->p == '\n' || *r->p == '\r')) { /* empty lines */
        if (*r->p == '\n')
            r->line++;
        r->p++;
    }
    if (r->p >= r->end)
        return 0;
    long start = r->line;
    r->rec_line = start;
    buf f;
    buf_init(&f);
    for (;;) {
        buf_reset(&f);
        int quoted = 0;
        if (r->p < r->end && *r->p == '"') {
            quoted = 1;
            r->p++;
            for (;;) {
                if (r->p >= r->end) {
                    buf_free(&f);
                    return fail(row, err, errlen, start, "a quoted field is not closed");
                }
                char c = *r->p++;
                if (c == '"') {
                    if (r->p < r->end && *r->p == '"') {
                        buf_addc(&f, '"');
                        r->p++;
                        continue;
                    }
                    break;
                }
                if (c == '\n')
                    r->line++;
                buf_addc(&f, c);
                if (f.len > CSV_MAX_FIELD) {
                    buf_free(&f);
                    return fail(row, err, errlen, start, "a field is longer than 64 KiB");
                }
            }
        }
        while (r->p < r->end && *r->p != r->sep && *r->p != '\n' && *r->p != '\r') {
            if (quoted || *r->p == '"') {
                buf_free(&f);
                return fail(row, err, errlen, r->line,
                            quoted ? "text after a closing quote (write \"\" for a quote inside a quoted field)"
                                   : "a quote inside an unquoted field (quote the whole field)");
            }
            buf_addc(&f, *r->p++);
            if (f.len > CSV_MAX_FIELD) {
                buf_free(&f);
                return fail(row, err, errlen, start, "a field is longer than 64 KiB");
            }
        }
        if (row->n == CSV_MAX_FIELDS) {
            buf_free(&f);
            return fail(row, err, errlen, start, "more than 256 fields");
        }
        const char *s = buf_cstr(&f);
        if (strlen(s) != f.len || !utf8_valid(s)) {
            buf_free(&f);
            return fail(row, err, errlen, start, "a field is not UTF-8 text (save the file as UTF-8)");
        }
        row->f[row->n++] = xstrdup(s);
        if (r->p < r->end && *r->p == r->sep) {
            r->p++;
            continue;
        }
        break;
    }
    buf_free(&f);
    if (r->p < r->end && *r->p == '\r')
        r->p++;
    if (r->p < r->end && *r->p == '\n') {
        r->p++;
        r->line++;
    }
    return 1;
}
