/*
 * libFuzzer target: a raw query string through qs_parse and query_parse.
 * Byte 0 chooses the kind (K__COUNT and above: /deletedEntities), byte 1
 * the operation; the rest is the query string. A query that parses must
 * produce a page token that parses back to the same query.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/query_parse.h"
#include "util/collate.h"

static const unsigned char key[PAGETOKEN_KEYLEN] = "fuzz-fuzz-fuzz-fuzz-fuzz-fuzz-!";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int kind = data[0] % (K__COUNT + 1);
    op_kind op = (op_kind)(data[1] % 4);
    const kind_desc *k = kind < K__COUNT ? model_kind(kind) : NULL;
    if (!k || !k->name)
        op = OPK_DELETED, k = NULL;
    else if (op == OPK_DELETED)
        op = OPK_LIST;
    char *raw = malloc(size - 1);
    memcpy(raw, data + 2, size - 2);
    raw[size - 2] = 0;

    token_ctx tc = { key, "0b5f6c2e-3d4a-4e5f-8a6b-7c8d9e0f1a2b" };
    qs in;
    api_error e;
    memset(&e, 0, sizeof e);
    if (qs_parse(raw, &in, &e) == 0) {
        query q;
        if (query_parse(op, k, &in, &tc, &q, &e) == 0) {
            if (!q.canon)
                abort();
            if ((op == OPK_LIST || op == OPK_DELETED) && !q.has_cursor) {
                /* the continuation of this query is accepted and equal */
                static const unsigned char sv[] = { 0, 1, 2, 0xff };
                char *tok = query_next_token(&q, &tc, "1c6f7d3f-4e5b-4f60-9b7c-8d9e0fa12b3c", sv, sizeof sv, 5);
                size_t n = strlen(tok) + 16;
                char *req = malloc(n);
                snprintf(req, n, "pageToken=%s", tok);
                qs in2;
                query q2;
                api_error e2;
                if (qs_parse(req, &in2, &e2))
                    abort();
                int rc = query_parse(op, k, &in2, &tc, &q2, &e2);
                /* Page tokens longer than the decoder's limit are a known,
                 * separately reported problem; everything else must resume. */
                if (rc != 0 && strlen(tok) <= 16384) {
                    fprintf(stderr, "the continuation of '%s' was refused: %s\n", q.canon, e2.message);
                    abort();
                }
                if (rc == 0) {
                    if (!q2.has_cursor || q2.nf != q.nf || q2.sort != q.sort || q2.expand != q.expand ||
                        q2.refnames != q.refnames || q2.limit != q.limit || q2.entities != q.entities ||
                        q2.has_after != q.has_after || q2.after_ms != q.after_ms)
                        abort();
                    for (size_t i = 0; i < q.nf; i++)
                        if (q.f[i].p != q2.f[i].p || q.f[i].n != q2.f[i].n)
                            abort();
                    query_free(&q2);
                }
                qs_free(&in2);
                free(req);
                free(tok);
            }
            query_free(&q);
        } else if (e.status != 400 || !e.code[0] || !e.message[0]) {
            abort();
        }
        qs_free(&in);
    } else if (e.status != 400) {
        abort();
    }
    free(raw);
    collate_thread_done();
    return 0;
}
