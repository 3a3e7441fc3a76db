#include "export/export.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/access.h"
#include "api/serialize.h"
#include "export/csvout.h"
#include "export/files.h"
#include "export/zipw.h"
#include "util/buf.h"
#include "util/timefmt.h"

/* Entities per store page: the unit of memory and of ledger commits. */
#define EXPORT_PAGE 1000 /* the API's largest page: the scoped list SQL costs per page */
#define COPY_CHUNK (64 * 1024)
#define MAX_CSV_PER_KIND 4

typedef struct run {
    store *st;
    const client *cl;
    const export_opts *o;
    zipw *z;
    buf page;
    json_t *files; /* the manifest's file list */
    int64_t entities;
    int nkinds, kind_no;
    char *err;
    size_t errlen;
} run;

typedef struct csvtmp {
    const csv_table *t;
    FILE *f;
    int64_t rows;
} csvtmp;

static int fail(run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(run *r, const char *fmt, ...)
{
    if (!r->err[0]) { /* the first failure is the cause; later ones follow from it */
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void progress(run *r, const kind_desc *k, int64_t n, int done)
{
    FILE *p = r->o->progress;
    if (!p)
        return;
    double mb = (double)zipw_offset(r->z) / 1e6;
    if (isatty(fileno(p)))
        fprintf(p, "\r[%d/%d] %-24s %10lld entities %9.1f MB zipped\033[K%s", r->kind_no, r->nkinds, k->path, (long long)n,
                mb, done && r->kind_no == r->nkinds ? "\n" : "");
    else if (done)
        fprintf(p, "[%d/%d] %s: %lld entities, %.1f MB zipped so far\n", r->kind_no, r->nkinds, k->path, (long long)n, mb);
    fflush(p);
}

static void manifest_file(run *r, const char *name, const char *what, int64_t n)
{
    json_t *f = json_object();
    json_object_set_new(f, "name", json_string(name));
    json_object_set_new(f, what, json_integer(n));
    json_array_append_new(r->files, f);
}

/* The CSV rows of one rendered page, into the kind's temporary files. */
static int csv_page(run *r, const kind_desc *k, csvtmp *tmps, size_t nt)
{
    buf arr;
    buf_init(&arr);
    buf_addc(&arr, '[');
    buf_add(&arr, r->page.data, r->page.len);
    buf_addc(&arr, ']');
    json_t *objs = json_loadb(arr.data, arr.len, 0, NULL);
    buf_free(&arr);
    if (!json_is_array(objs)) {
        json_decref(objs);
        return fail(r, "the rendered %s page is not JSON (an internal error)", k->path);
    }
    int rc = 0;
    size_t i;
    json_t *o;
    json_array_foreach(objs, i, o) {
        for (size_t t = 0; t < nt && !rc; t++) {
            int64_t before = ftello(tmps[t].f);
            if (csv_write_rows(tmps[t].f, tmps[t].t, o))
                rc = fail(r, "writing the temporary CSV %s: %s", tmps[t].t->file, strerror(errno));
            else if (ftello(tmps[t].f) > before)
                tmps[t].rows += tmps[t].t->rows ? (int64_t)json_array_size(json_object_get(o, tmps[t].t->rows)) : 1;
        }
    }
    json_decref(objs);
    return rc;
}

/* One store page of kind k through the access view into r->page; *n_out
 * rows, *more when another page follows; the cursor moves on in q. */
static int one_page(run *r, const kind_desc *k, query *q, size_t *n_out, int *more)
{
    page pg;
    page_init(&pg);
    api_error e = { 0 };
    access_view av;
    access_begin(&av, r->st, r->cl, "export", 1);
    int rc = 0;
    if (av.broken)
        rc = fail(r, "the client's pseudonym key cannot be read");
    else if (store_list(r->st, q, EXPORT_PAGE + 1, page_collect, &pg))
        rc = fail(r, "reading %s from the store: %s", k->path, store_errmsg(r->st));
    *more = pg.n > EXPORT_PAGE;
    if (*more)
        page_pop(&pg);
    buf_reset(&r->page);
    if (!rc && pg.n && render_items(r->st, k, 0, 0, &pg, &r->page, &e))
        rc = fail(r, "rendering %s: %s", k->path, e.message);
    /* The ledger of this page is committed before the page is written:
     * a disclosure is never missing from it (a failed export may leave
     * rows for what it did not deliver, never the other way round). */
    if (access_finish(&av, r->st, NULL) && !rc)
        rc = fail(r, "writing the disclosure ledger: %s", store_errmsg(r->st));
    if (!rc && pg.n) {
        page_item *last = &pg.it[pg.n - 1];
        q->has_cursor = 1;
        snprintf(q->cur_id, sizeof q->cur_id, "%s", last->id);
        free(q->cur_v);
        q->cur_v = NULL;
        q->cur_vlen = last->sortvlen;
        if (last->sortv) {
            q->cur_v = xmalloc(last->sortvlen ? last->sortvlen : 1);
            memcpy(q->cur_v, last->sortv, last->sortvlen);
        }
    }
    *n_out = pg.n;
    page_free(&pg);
    return rc;
}

static int copy_in(run *r, csvtmp *t)
{
    char name[96];
    snprintf(name, sizeof name, "csv/%s", t->t->file);
    if (fflush(t->f) || fseeko(t->f, 0, SEEK_SET))
        return fail(r, "reading back the temporary CSV %s: %s", t->t->file, strerror(errno));
    if (zipw_begin(r->z, name))
        return fail(r, "%s", zipw_error(r->z));
    char *chunk = xmalloc(COPY_CHUNK);
    size_t got;
    int rc = 0;
    while (!rc && (got = fread(chunk, 1, COPY_CHUNK, t->f)) > 0)
        if (zipw_write(r->z, chunk, got))
            rc = fail(r, "%s", zipw_error(r->z));
    free(chunk);
    if (!rc && ferror(t->f))
        rc = fail(r, "reading back the temporary CSV %s: %s", t->t->file, strerror(errno));
    if (!rc && zipw_end(r->z))
        rc = fail(r, "%s", zipw_error(r->z));
    if (!rc)
        manifest_file(r, name, "rows", t->rows);
    return rc;
}

static int export_kind(run *r, const kind_desc *k)
{
    csvtmp tmps[MAX_CSV_PER_KIND];
    size_t nt = 0;
    int rc = 0;
    for (const csv_table *t = csv_tables; t->file && !rc; t++) {
        if (t->kind != (int)k->id || nt == MAX_CSV_PER_KIND)
            continue;
        tmps[nt].t = t;
        tmps[nt].rows = 0;
        tmps[nt].f = tmpfile();
        if (!tmps[nt].f)
            rc = fail(r, "cannot make a temporary file for %s: %s", t->file, strerror(errno));
        else if (csv_write_header(tmps[nt++].f, t))
            rc = fail(r, "writing the temporary CSV %s: %s", t->file, strerror(errno));
    }
    char name[96];
    snprintf(name, sizeof name, "json/%s.json", k->path);
    /* The API's list without parameters, in its order (by id); kinds that
     * require a window there (calendar events) come whole. */
    query q;
    query_init(&q, k);
    if (!rc && (zipw_begin(r->z, name) || zipw_write(r->z, "{\"data\":[", 9)))
        rc = fail(r, "%s", zipw_error(r->z));
    int64_t n = 0;
    for (int more = !rc; more && !rc;) {
        size_t got;
        rc = one_page(r, k, &q, &got, &more);
        if (!rc && got && ((n && zipw_write(r->z, ",", 1)) || zipw_write(r->z, r->page.data, r->page.len)))
            rc = fail(r, "%s", zipw_error(r->z));
        if (!rc && got && nt)
            rc = csv_page(r, k, tmps, nt);
        n += (int64_t)got;
        if (!rc)
            progress(r, k, n, 0);
    }
    query_free(&q);
    if (!rc && (zipw_write(r->z, "],\"pageToken\":null}", 19) || zipw_end(r->z)))
        rc = fail(r, "%s", zipw_error(r->z));
    if (!rc) {
        manifest_file(r, name, "entities", n);
        r->entities += n;
        progress(r, k, n, 1);
    }
    for (size_t i = 0; i < nt; i++) {
        if (!rc)
            rc = copy_in(r, &tmps[i]);
        fclose(tmps[i].f);
    }
    return rc;
}

/* The kinds an export holds: those the API lists for the client, stored
 * ones only (subscriptions are the client's own; aggregated attendance is
 * computed per request and needs its parameters). */
static int exported(const kind_desc *k, const access_view *av)
{
    return (k->ops & OP_LIST) && k->id != K_SUBSCRIPTION && k->id != K_AGGREGATEDATTENDANCE &&
           access_kind_granted(av, k->id);
}

static int write_manifest(run *r, int64_t now)
{
    char at[TIME_CANON_LEN];
    time_format_ms(now, at);
    json_t *m = json_pack("{s:s, s:{s:s, s:s}, s:s, s:s, s:I, s:O}", "format", "skolnav-export/1", "client", "id",
                          r->cl->id, "name", r->cl->name, "created", at, "spec", "SS12000:2020 (v2.1)", "entities",
                          (json_int_t)r->entities, "files", r->files);
    char *s = m ? json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(m);
    int rc = !s || zipw_begin(r->z, "manifest.json") || zipw_write(r->z, s, strlen(s)) || zipw_end(r->z);
    free(s);
    return rc ? fail(r, "writing the manifest: %s", zipw_error(r->z)) : 0;
}

/* The request-log row of the whole export (the ledger has its pages). */
static void log_export(store *st, const client *cl, const char *path, int status, int64_t bytes, int64_t items,
                       int64_t started)
{
    access_view av;
    access_begin(&av, st, cl, "export", 1);
    av.items = (long)items;
    const char *base = strrchr(path, '/');
    char p[512];
    snprintf(p, sizeof p, "/exports/%s", base ? base + 1 : path);
    access_reqinfo ri = { .method = "EXPORT", .path = p, .status = status, .bytes = (size_t)bytes,
                          .started_ms = started };
    access_finish(&av, st, &ri);
}

static int open_temp(const char *dir, char *tmp, size_t tmplen, FILE **f, char *err, size_t errlen)
{
    snprintf(tmp, tmplen, "%s/.skolnav-export-XXXXXX.part", dir);
    int fd = mkstemps(tmp, 5);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write in the output directory %s: %s", dir, strerror(errno));
        return -1;
    }
    fchmod(fd, 0640);
    *f = fdopen(fd, "w+b");
    if (!*f) {
        snprintf(err, errlen, "cannot write in the output directory %s: %s", dir, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Renames the finished zip into place under its final name, records it,
 * logs it, and prunes the client's older ones: 0, -1 when there is no
 * export (nothing left behind), 1 when it stands but pruning failed. */
static int publish(store *st, const client *cl, const export_opts *o, const char *dir, const char *tmp,
                   int64_t started, export_result *res, char *err, size_t errlen)
{
    char stamp[TIME_CANON_LEN];
    time_format_ms(started, stamp);
    /* 2026-12-02T03:04:05.678Z -> 20261202T030405678Z */
    char compact[32];
    size_t j = 0;
    for (const char *c = stamp; *c && j < sizeof compact - 1; c++)
        if (*c != '-' && *c != ':' && *c != '.')
            compact[j++] = *c;
    compact[j] = 0;
    snprintf(res->path, sizeof res->path, "%s/skolnav-export-%s-%s.zip", dir, cl->id, compact);
    if (rename(tmp, res->path)) {
        snprintf(err, errlen, "moving the export into place: %s", strerror(errno));
        return -1;
    }
    export_rec rec = { .path = res->path, .created = started, .bytes = res->bytes, .entities = res->entities };
    uuid_random(rec.id);
    snprintf(rec.client, sizeof rec.client, "%s", cl->id);
    if (export_record(st, &rec)) {
        snprintf(err, errlen, "recording the export in the store: %s", store_errmsg(st));
        unlink(res->path);
        return -1;
    }
    log_export(st, cl, res->path, 200, res->bytes, res->entities, started);
    int removed;
    if (o->keep > 0 && export_prune(st, cl->id, o->keep, &removed)) {
        /* The new export stands; only the clean-up failed. */
        snprintf(err, errlen, "the export %s is made, but removing older ones failed: %s", res->path,
                 store_errmsg(st));
        return 1;
    }
    return 0;
}

int export_client(store *st, const client *cl, const export_opts *o, export_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    err[0] = 0;
    api_error ae;
    if (access_admit(cl, &ae)) {
        snprintf(err, errlen, "client %s (%s) may not receive data now: %s", cl->name, cl->id, ae.message);
        return -1;
    }
    char dir[PATH_MAX];
    struct stat sb;
    if (!o->dir || !realpath(o->dir, dir) || stat(dir, &sb) || !S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "the output directory %s does not exist or is not a directory", o->dir ? o->dir : "(none)");
        return -1;
    }
    char tmp[PATH_MAX + 64];
    FILE *f;
    if (open_temp(dir, tmp, sizeof tmp, &f, err, errlen))
        return -1;
    int64_t started = time_now_ms();
    run r = { .st = st, .cl = cl, .o = o, .files = json_array(), .err = err, .errlen = errlen };
    buf_init(&r.page);
    r.z = zipw_open(f, started / 1000, o->force_zip64);
    access_view probe;
    access_begin(&probe, st, cl, "export", 0);
    int granted[K__COUNT];
    for (int kind = 0; kind < K__COUNT; kind++)
        r.nkinds += granted[kind] = exported(model_kind(kind), &probe);
    access_finish(&probe, st, NULL);
    int rc = 0;
    for (int kind = 0; kind < K__COUNT && !rc; kind++) {
        if (!granted[kind])
            continue;
        r.kind_no++;
        rc = export_kind(&r, model_kind(kind));
    }
    if (!rc)
        rc = write_manifest(&r, started);
    res->files = (int)json_array_size(r.files) + 1; /* and the manifest */
    char zerr[256] = "";
    if (zipw_close(r.z, zerr, sizeof zerr) && !rc)
        rc = fail(&r, "%s", zerr);
    if (!rc && (fflush(f) || fsync(fileno(f))))
        rc = fail(&r, "writing the export: %s", strerror(errno));
    res->bytes = ftello(f);
    if (fclose(f) && !rc)
        rc = fail(&r, "writing the export: %s", strerror(errno));
    buf_free(&r.page);
    json_decref(r.files);
    res->entities = r.entities;
    int prc = rc ? -1 : publish(st, cl, o, dir, tmp, started, res, err, errlen);
    if (prc < 0) {
        unlink(tmp);
        log_export(st, cl, tmp, 500, 0, 0, started);
    }
    return prc ? -1 : 0;
}
