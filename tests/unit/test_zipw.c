/* export/zipw: the streaming zip writer, read back by an independent
 * reader here (end records, central directory, local headers, inflate and
 * CRC-32 of every entry), with and without ZIP64 records. */
#include "testutil.h"

#include <zlib.h>

#include "export/zipw.h"

typedef struct want {
    const char *name;
    unsigned char *data;
    size_t len;
} want;

static uint32_t rd16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const unsigned char *p)
{
    return rd16(p) | rd16(p + 2) << 16;
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Inflates the raw deflate data and compares it with w. */
static void check_data(const unsigned char *c, size_t clen, const want *w, uint32_t crc)
{
    unsigned char *out = malloc(w->len + 1);
    z_stream zs = { 0 };
    assert_int_equal(inflateInit2(&zs, -MAX_WBITS), Z_OK);
    zs.next_in = (Bytef *)c;
    zs.avail_in = (uInt)clen;
    zs.next_out = out;
    zs.avail_out = (uInt)w->len + 1;
    assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
    assert_int_equal(zs.total_out, w->len);
    assert_int_equal(zs.avail_in, 0);
    inflateEnd(&zs);
    assert_memory_equal(out, w->data, w->len);
    assert_int_equal(crc32(0L, out, (uInt)w->len), crc);
    free(out);
}

static void read_back(const unsigned char *z, size_t n, const want *ws, size_t nw, int zip64)
{
    assert_true(n >= 22);
    const unsigned char *eocd = z + n - 22;
    assert_int_equal(rd32(eocd), 0x06054b50);
    uint64_t count = rd16(eocd + 10), cd_size = rd32(eocd + 12), cd_off = rd32(eocd + 16);
    if (zip64) {
        assert_int_equal(count, 0xFFFF);
        const unsigned char *loc = eocd - 20;
        assert_int_equal(rd32(loc), 0x07064b50);
        const unsigned char *e64 = z + rd64(loc + 8);
        assert_int_equal(rd32(e64), 0x06064b50);
        count = rd64(e64 + 32);
        cd_size = rd64(e64 + 40);
        cd_off = rd64(e64 + 48);
    }
    assert_int_equal(count, nw);
    const unsigned char *p = z + cd_off;
    for (size_t i = 0; i < nw; i++) {
        assert_int_equal(rd32(p), 0x02014b50);
        uint32_t crc = rd32(p + 16);
        uint64_t csize = rd32(p + 20), usize = rd32(p + 24), off = rd32(p + 42);
        size_t nl = rd16(p + 28), xl = rd16(p + 30);
        assert_int_equal(nl, strlen(ws[i].name));
        assert_memory_equal(p + 46, ws[i].name, nl);
        const unsigned char *x = p + 46 + nl;
        if (zip64) {
            assert_int_equal(rd16(x), 1);
            assert_int_equal(rd16(x + 2), 24);
            usize = rd64(x + 4);
            csize = rd64(x + 12);
            off = rd64(x + 20);
        } else {
            assert_int_equal(xl, 0);
        }
        assert_int_equal(usize, ws[i].len);
        const unsigned char *l = z + off;
        assert_int_equal(rd32(l), 0x04034b50);
        assert_int_equal(rd32(l + 14), crc); /* patched after the data */
        assert_int_equal(rd16(l + 26), nl);
        size_t lxl = rd16(l + 28);
        const unsigned char *lx = l + 30 + nl;
        if (zip64) {
            assert_int_equal(rd32(l + 18), 0xFFFFFFFFu);
            assert_int_equal(rd16(lx), 1);
            assert_int_equal(rd64(lx + 4), usize);
            assert_int_equal(rd64(lx + 12), csize);
        } else {
            assert_int_equal(rd32(l + 18), csize);
            assert_int_equal(rd32(l + 22), usize);
        }
        check_data(lx + lxl, (size_t)csize, &ws[i], crc);
        p += 46 + nl + xl;
    }
    assert_ptr_equal(p, z + cd_off + cd_size);
}

static void round_trip(int zip64)
{
    size_t big = 3u << 20;
    unsigned char *rnd = malloc(big);
    uint32_t seed = 12000;
    for (size_t i = 0; i < big; i++) {
        seed = seed * 1103515245u + 12345u;
        rnd[i] = (unsigned char)(seed >> 16);
    }
    unsigned char text[] = "{\"data\":[],\"pageToken\":null}";
    want ws[] = {
        { "json/organisations.json", text, sizeof text - 1 },
        { "empty", (unsigned char *)"", 0 },
        { "csv/random.bin", rnd, big },
        { "åäö/namn.csv", text, 5 },
    };
    size_t nw = sizeof ws / sizeof *ws;
    FILE *f = tmpfile();
    assert_non_null(f);
    zipw *z = zipw_open(f, 1764633600, zip64);
    for (size_t i = 0; i < nw; i++) {
        assert_int_equal(zipw_begin(z, ws[i].name), 0);
        /* odd chunk sizes: entry data crosses the writer's buffers unevenly */
        for (size_t at = 0; at < ws[i].len;) {
            size_t step = ws[i].len - at < 77777 ? ws[i].len - at : 77777;
            assert_int_equal(zipw_write(z, ws[i].data + at, step), 0);
            at += step;
        }
        assert_int_equal(zipw_end(z), 0);
    }
    char err[160];
    assert_int_equal(zipw_close(z, err, sizeof err), 0);
    long n = ftell(f);
    unsigned char *all = malloc((size_t)n);
    rewind(f);
    assert_int_equal(fread(all, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    read_back(all, (size_t)n, ws, nw, zip64);
    free(all);
    free(rnd);
}

static void test_round_trip(void **state)
{
    (void)state;
    round_trip(0);
}

static void test_round_trip_zip64(void **state)
{
    (void)state;
    round_trip(1);
}

static void test_misuse_is_an_error(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    zipw *z = zipw_open(f, 0, 0);
    assert_int_equal(zipw_write(z, "x", 1), -1); /* outside an entry */
    char err[160] = "";
    assert_int_equal(zipw_close(z, err, sizeof err), -1);
    assert_non_null(strstr(err, "outside an entry"));
    z = zipw_open(f, 0, 0);
    assert_int_equal(zipw_begin(z, "a"), 0);
    assert_int_equal(zipw_begin(z, "b"), -1); /* the previous one not ended */
    assert_int_equal(zipw_close(z, err, sizeof err), -1);
    z = zipw_open(f, 0, 0);
    assert_int_equal(zipw_begin(z, ""), -1);
    assert_int_equal(zipw_close(z, err, sizeof err), -1);
    fclose(f);
}

static void test_write_failure_is_reported(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "wb");
    if (!f)
        skip();
    setvbuf(f, NULL, _IONBF, 0);
    zipw *z = zipw_open(f, 0, 0);
    assert_int_equal(zipw_begin(z, "a"), -1);
    char err[160] = "";
    assert_int_equal(zipw_close(z, err, sizeof err), -1);
    assert_non_null(strstr(err, "writing the zip file"));
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_round_trip_zip64),
        cmocka_unit_test(test_misuse_is_an_error),
        cmocka_unit_test(test_write_failure_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
