#include "import/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "import/csv_layout.h"
#include "model/model.h"
#include "util/buf.h"

char *import_slurp(const char *path, size_t *len, char *err, size_t errlen)
{
    /* gzread reads plain files unchanged, so one path serves both. */
    gzFile f = gzopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open it", path);
        return NULL;
    }
    buf b;
    buf_init(&b);
    for (;;) {
        buf_reserve(&b, 1 << 20);
        int n = gzread(f, b.data + b.len, 1 << 20);
        if (n < 0) {
            int zerr;
            snprintf(err, errlen, "%s: reading failed: %s", path, gzerror(f, &zerr));
            buf_free(&b);
            gzclose(f);
            return NULL;
        }
        if (n == 0)
            break;
        b.len += (size_t)n;
        if ((long long)b.len > IMPORT_MAX_FILE) {
            snprintf(err, errlen, "%s: larger than %lld bytes; split it", path, (long long)IMPORT_MAX_FILE);
            buf_free(&b);
            gzclose(f);
            return NULL;
        }
    }
    gzclose(f);
    *len = b.len;
    buf_reserve(&b, 1);
    b.data[b.len] = 0;
    return buf_steal(&b);
}

const char *import_kind_of_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *best = NULL;
    size_t bestlen = 0;
    for (int k = 0; k < K__COUNT; k++) {
        const kind_desc *d = model_kind(k);
        size_t n = strlen(d->path);
        if (!d->deleted_key || strncmp(base, d->path, n) || n <= bestlen)
            continue;
        char c = base[n];
        if (c == '.' || c == '-' || c == '_' || c == 0) {
            best = d->path;
            bestlen = n;
        }
    }
    return best;
}

static void add_full(json_t *batch, const char *path)
{
    json_t *full = json_object_get(batch, "full");
    if (!full) {
        full = json_array();
        json_object_set_new(batch, "full", full);
    }
    size_t i;
    json_t *v;
    json_array_foreach(full, i, v)
        if (!strcmp(json_string_value(v), path))
            return;
    json_array_append_new(full, json_string(path));
}

static void add_records(json_t *batch, const char *path, json_t *arr, int full)
{
    json_t *up = json_object_get(batch, "upsert");
    if (!up) {
        up = json_object();
        json_object_set_new(batch, "upsert", up);
    }
    json_t *have = json_object_get(up, path);
    if (have)
        json_array_extend(have, arr);
    else
        json_object_set(up, path, arr);
    if (full)
        add_full(batch, path);
}

static json_t *records_of(json_t *v)
{
    if (json_is_array(v))
        return v;
    json_t *d = json_object_get(v, "data");
    return json_is_object(v) && json_is_array(d) ? d : NULL;
}

static int add_json(json_t *batch, const char *path, const char *text, size_t len, int full, char *err, size_t errlen)
{
    json_error_t je;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        snprintf(err, errlen, "%s: not JSON: %s (line %d, column %d)", path, je.text, je.line, je.column);
        return -1;
    }
    int rc = 0;
    json_t *data = json_object_get(doc, "data");
    if (json_is_array(data)) { /* one list envelope: the kind is in the file name */
        const char *kind = import_kind_of_name(path);
        if (!kind) {
            snprintf(err, errlen, "%s: a list envelope {\"data\": [...]} needs a file name that starts with its kind "
                     "(e.g. persons.json)", path);
            rc = -1;
        } else
            add_records(batch, kind, data, full);
    } else if (json_is_object(doc) && json_object_size(doc)) { /* a bundle */
        const char *key;
        json_t *v;
        json_object_foreach(doc, key, v) {
            const kind_desc *k = model_kind_by_path(key, strlen(key));
            json_t *recs = records_of(v);
            if (!k || !k->deleted_key) {
                snprintf(err, errlen, "%s: '%s' is not an entity kind (a bundle is {\"persons\": [...], ...})", path, key);
                rc = -1;
                break;
            }
            if (!recs) {
                snprintf(err, errlen, "%s: '%s' must be an array or a list envelope {\"data\": [...]}", path, key);
                rc = -1;
                break;
            }
            add_records(batch, k->path, recs, full);
        }
    } else {
        snprintf(err, errlen, "%s: expected a list envelope {\"data\": [...]} or a bundle {\"persons\": [...], ...}", path);
        rc = -1;
    }
    json_decref(doc);
    return rc;
}

static int is_csv(const char *path)
{
    size_t n = strlen(path);
    return (n > 4 && !strcmp(path + n - 4, ".csv")) || (n > 7 && !strcmp(path + n - 7, ".csv.gz"));
}

int import_add(json_t *batch, const char *path, const char *text, size_t len, int full, char *err, size_t errlen)
{
    if (!is_csv(path))
        return add_json(batch, path, text, len, full, err, errlen);
    return csv_layout_add(batch, path, text, len, full, err, errlen);
}
