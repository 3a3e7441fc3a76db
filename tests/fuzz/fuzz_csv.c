/*
 * libFuzzer target: CSV text through the reader and, named after byte 0's
 * layout, through the layout mapping into a batch. Every record read has
 * at least one field; a refusal says why; the reader always ends.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import/csv.h"
#include "import/csv_layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const names[] = { "schools.csv", "pupils.csv", "guardians.csv", "staff.csv", "classes.csv" };
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    csv_reader r;
    csv_open(&r, text, len);
    csv_row row;
    char err[256];
    int rc;
    size_t records = 0;
    while ((rc = csv_next(&r, &row, err, sizeof err)) == 1) {
        if (row.n == 0 || row.n > CSV_MAX_FIELDS)
            abort();
        for (size_t i = 0; i < row.n; i++)
            if (strlen(row.f[i]) > CSV_MAX_FIELD)
                abort();
        csv_row_free(&row);
        if (++records > len + 1)
            abort(); /* more records than bytes: the reader is not advancing */
    }
    if (rc < 0 && !err[0])
        abort();
    json_t *batch = json_object();
    err[0] = 0;
    if (csv_layout_add(batch, names[data[0] % 5], text, len, data[0] & 0x80, err, sizeof err) && !err[0])
        abort();
    json_decref(batch);
    return 0;
}
