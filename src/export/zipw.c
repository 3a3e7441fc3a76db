#include "export/zipw.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "util/buf.h"

#define ZIP_OUTBUF (64 * 1024)
#define U32_MAX_ZIP 0xFFFFFFFFu
#define U16_MAX_ZIP 0xFFFFu
/* A private extra-field id that readers skip: it keeps the room for a
 * ZIP64 extra in the local header of an entry that did not need it. */
#define PAD_EXTRA_ID 0x6E73
#define LOCAL_EXTRA_LEN 20 /* id, size, usize(8), csize(8) */

typedef struct zentry {
    char *name;
    uint32_t crc;
    uint64_t usize, csize, offset;
} zentry;

struct zipw {
    FILE *f;
    int force64;
    uint16_t dtime, ddate;
    zentry *e;
    size_t n, cap;
    int open;     /* an entry is being written */
    int failed;
    char err[160];
    uint64_t off; /* bytes written */
    z_stream zs;
    int zs_init;
    unsigned char out[ZIP_OUTBUF];
};

static int fail(zipw *z, const char *what)
{
    if (!z->failed)
        snprintf(z->err, sizeof z->err, "%s: %s", what, errno ? strerror(errno) : "failed");
    z->failed = 1;
    return -1;
}

static int put(zipw *z, const void *p, size_t n)
{
    if (z->failed)
        return -1;
    errno = 0;
    if (n && fwrite(p, 1, n, z->f) != n)
        return fail(z, "writing the zip file");
    z->off += n;
    return 0;
}

static void le16(buf *b, uint32_t v)
{
    unsigned char c[2] = { (unsigned char)v, (unsigned char)(v >> 8) };
    buf_add(b, c, 2);
}

static void le32(buf *b, uint32_t v)
{
    unsigned char c[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 24) };
    buf_add(b, c, 4);
}

static void le64(buf *b, uint64_t v)
{
    le32(b, (uint32_t)v);
    le32(b, (uint32_t)(v >> 32));
}

zipw *zipw_open(FILE *f, int64_t mtime, int force_zip64)
{
    zipw *z = xcalloc(1, sizeof *z);
    z->f = f;
    z->force64 = force_zip64;
    time_t t = (time_t)mtime;
    struct tm tm;
    if (gmtime_r(&t, &tm) && tm.tm_year >= 80) {
        z->dtime = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
        z->ddate = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
    } else {
        z->ddate = 1 << 5 | 1; /* 1980-01-01 */
    }
    return z;
}

const char *zipw_error(const zipw *z)
{
    return z->err;
}

uint64_t zipw_offset(const zipw *z)
{
    return z->off;
}

/* The local header, with room for a ZIP64 extra, sizes patched later. */
static void local_header(zipw *z, const zentry *e, int zip64, buf *b)
{
    le32(b, 0x04034b50);
    le16(b, zip64 ? 45 : 20);
    le16(b, 1u << 11); /* names are UTF-8 */
    le16(b, 8);        /* deflate */
    le16(b, z->dtime);
    le16(b, z->ddate);
    le32(b, e->crc);
    le32(b, zip64 ? U32_MAX_ZIP : (uint32_t)e->csize);
    le32(b, zip64 ? U32_MAX_ZIP : (uint32_t)e->usize);
    le16(b, (uint32_t)strlen(e->name));
    le16(b, LOCAL_EXTRA_LEN);
    buf_adds(b, e->name);
    le16(b, zip64 ? 0x0001 : PAD_EXTRA_ID);
    le16(b, 16);
    le64(b, zip64 ? e->usize : 0);
    le64(b, zip64 ? e->csize : 0);
}

int zipw_begin(zipw *z, const char *name)
{
    if (z->failed)
        return -1;
    if (z->open) {
        snprintf(z->err, sizeof z->err, "zip entry %s begun before the previous one ended", name);
        z->failed = 1;
        return -1;
    }
    size_t nl = strlen(name);
    if (!nl || nl > U16_MAX_ZIP) {
        snprintf(z->err, sizeof z->err, "zip entry name of %zu bytes", nl);
        z->failed = 1;
        return -1;
    }
    if (z->n == z->cap) {
        z->cap = z->cap ? z->cap * 2 : 16;
        z->e = xrealloc(z->e, z->cap * sizeof *z->e);
    }
    zentry *e = &z->e[z->n++];
    memset(e, 0, sizeof *e);
    e->name = xstrdup(name);
    e->offset = z->off;
    e->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    buf b;
    buf_init(&b);
    local_header(z, e, 0, &b);
    int rc = put(z, b.data, b.len);
    buf_free(&b);
    if (rc)
        return -1;
    memset(&z->zs, 0, sizeof z->zs);
    /* Raw deflate (negative window bits): zip has its own framing. */
    if (deflateInit2(&z->zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        snprintf(z->err, sizeof z->err, "zlib could not start a deflate stream");
        z->failed = 1;
        return -1;
    }
    z->zs_init = 1;
    z->open = 1;
    return 0;
}

static int pump(zipw *z, int flush)
{
    zentry *e = &z->e[z->n - 1];
    int zrc;
    do {
        z->zs.next_out = z->out;
        z->zs.avail_out = sizeof z->out;
        zrc = deflate(&z->zs, flush);
        if (zrc == Z_STREAM_ERROR) {
            snprintf(z->err, sizeof z->err, "zlib deflate failed");
            z->failed = 1;
            return -1;
        }
        size_t have = sizeof z->out - z->zs.avail_out;
        if (put(z, z->out, have))
            return -1;
        e->csize += have;
    } while (z->zs.avail_out == 0 || (flush == Z_FINISH && zrc != Z_STREAM_END));
    return 0;
}

int zipw_write(zipw *z, const void *p, size_t n)
{
    if (z->failed || !z->open)
        return z->failed ? -1 : (snprintf(z->err, sizeof z->err, "zip write outside an entry"), z->failed = 1, -1);
    zentry *e = &z->e[z->n - 1];
    const unsigned char *s = p;
    while (n) {
        /* zlib counts in uInt: feed at most 1 GiB at a time. */
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        e->crc = (uint32_t)crc32(e->crc, s, chunk);
        e->usize += chunk;
        z->zs.next_in = (Bytef *)s;
        z->zs.avail_in = chunk;
        if (pump(z, Z_NO_FLUSH))
            return -1;
        s += chunk;
        n -= chunk;
    }
    return 0;
}

int zipw_end(zipw *z)
{
    if (z->failed || !z->open)
        return -1;
    z->zs.next_in = NULL;
    z->zs.avail_in = 0;
    int rc = pump(z, Z_FINISH);
    deflateEnd(&z->zs);
    z->zs_init = 0;
    z->open = 0;
    if (rc)
        return -1;
    zentry *e = &z->e[z->n - 1];
    int zip64 = z->force64 || e->usize >= U32_MAX_ZIP || e->csize >= U32_MAX_ZIP;
    buf b;
    buf_init(&b);
    local_header(z, e, zip64, &b);
    errno = 0;
    if (fseeko(z->f, (off_t)e->offset, SEEK_SET) || fwrite(b.data, 1, b.len, z->f) != b.len ||
        fseeko(z->f, (off_t)z->off, SEEK_SET))
        rc = fail(z, "patching a zip entry header");
    buf_free(&b);
    return rc;
}

static void central_entry(zipw *z, const zentry *e, buf *b)
{
    int big_u = z->force64 || e->usize >= U32_MAX_ZIP;
    int big_c = z->force64 || e->csize >= U32_MAX_ZIP;
    int big_o = z->force64 || e->offset >= U32_MAX_ZIP;
    int zip64 = big_u || big_c || big_o;
    uint16_t xlen = (uint16_t)(zip64 ? 4 + 8 * (big_u + big_c + big_o) : 0);
    le32(b, 0x02014b50);
    le16(b, 3u << 8 | 45); /* made by Unix, spec 4.5 */
    le16(b, zip64 ? 45 : 20);
    le16(b, 1u << 11);
    le16(b, 8);
    le16(b, z->dtime);
    le16(b, z->ddate);
    le32(b, e->crc);
    le32(b, big_c ? U32_MAX_ZIP : (uint32_t)e->csize);
    le32(b, big_u ? U32_MAX_ZIP : (uint32_t)e->usize);
    le16(b, (uint32_t)strlen(e->name));
    le16(b, xlen);
    le16(b, 0); /* comment */
    le16(b, 0); /* disk */
    le16(b, 0); /* internal attributes */
    le32(b, (0100644u) << 16); /* a regular file, rw-r--r-- */
    le32(b, big_o ? U32_MAX_ZIP : (uint32_t)e->offset);
    buf_adds(b, e->name);
    if (zip64) {
        le16(b, 0x0001);
        le16(b, (uint32_t)(xlen - 4));
        if (big_u)
            le64(b, e->usize);
        if (big_c)
            le64(b, e->csize);
        if (big_o)
            le64(b, e->offset);
    }
}

int zipw_close(zipw *z, char *err, size_t errlen)
{
    if (!z)
        return -1;
    if (z->zs_init)
        deflateEnd(&z->zs);
    int rc = z->failed || z->open ? -1 : 0;
    if (!rc) {
        buf b;
        buf_init(&b);
        uint64_t cd_off = z->off;
        for (size_t i = 0; i < z->n; i++)
            central_entry(z, &z->e[i], &b);
        uint64_t cd_size = b.len;
        int zip64 = z->force64 || z->n >= U16_MAX_ZIP || cd_off >= U32_MAX_ZIP || cd_size >= U32_MAX_ZIP;
        if (zip64) {
            uint64_t eocd64 = cd_off + cd_size;
            le32(&b, 0x06064b50);
            le64(&b, 44);
            le16(&b, 3u << 8 | 45);
            le16(&b, 45);
            le32(&b, 0);
            le32(&b, 0);
            le64(&b, z->n);
            le64(&b, z->n);
            le64(&b, cd_size);
            le64(&b, cd_off);
            le32(&b, 0x07064b50); /* the locator */
            le32(&b, 0);
            le64(&b, eocd64);
            le32(&b, 1);
        }
        le32(&b, 0x06054b50);
        le16(&b, 0);
        le16(&b, 0);
        le16(&b, zip64 ? U16_MAX_ZIP : (uint32_t)z->n);
        le16(&b, zip64 ? U16_MAX_ZIP : (uint32_t)z->n);
        le32(&b, zip64 ? U32_MAX_ZIP : (uint32_t)cd_size);
        le32(&b, zip64 ? U32_MAX_ZIP : (uint32_t)cd_off);
        le16(&b, 0);
        rc = put(z, b.data, b.len);
        buf_free(&b);
        errno = 0;
        if (!rc && fflush(z->f))
            rc = fail(z, "writing the zip file");
    }
    if (rc && err)
        snprintf(err, errlen, "%s", z->err[0] ? z->err : "the zip file is incomplete");
    for (size_t i = 0; i < z->n; i++)
        free(z->e[i].name);
    free(z->e);
    free(z);
    return rc;
}
