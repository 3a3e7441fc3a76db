#include "store/store_copy.h"

#include <sodium.h>
#include <string.h>

#include "store/backend.h"
#include "util/buf.h"

/* Every table of the schema with its columns and their types: i integer,
 * t text (may be NULL), b blob, and which rows stay behind (NULL: none).
 * Keep in step with the migrations. */
static const struct {
    const char *name, *cols, *types, *skip;
} tables[] = {
    { "entity", "eid, kind, id, json, display, created, modified, pstart, pend, source", "iittttiitt" },
    { "idx", "kind, key, value, id", "ittt" },
    { "sortidx", "kind, skey, v, id", "itbt" },
    { "prel", "person, type, org, pstart, pend, skind, sid, peid", "tttttiti" },
    { "orgtree", "anc, des", "tt" },
    { "changes", "seq, kind, id, op, at", "iitti" },
    { "tombstone", "seq, kind, id, at", "iiti" },
    { "client", "id, name, full_access, created, suspended, vendor, contact, dpo, purpose, legal_basis,"
                " contract_end, all_orgs, cats, protected, pseudonyms, writes", "ttiiittttttiitii" },
    { "client_key", "id, client, hash, created, expires, revoked", "tttiii" },
    { "client_org", "client, org", "tt" },
    { "access_event", "seq, at, client, what", "iitt" },
    { "request_log", "seq, at, client, credential, method, path, query, status, items, bytes, duration_ms",
      "iitttttiiii" },
    /* ledger is a view of these two (migration 12); readers keep their ids. */
    { "ledger_reader", "id, client, channel, kind", "itti" },
    { "ledger_row", "reader, person, cats, first, last", "itiii" },
    /* seq is left out: the new store numbers the rows itself. */
    { "ledger_journal", "client, channel, at, persons, kind", "ttiti" },
    { "scope_exit", "client, kind, id, at", "titi" },
    { "pseudonym", "client, pseudo, person", "ttt" },
    { "issuer", "iss, jwks_file, audience, location, organization_id, client, created", "tttttti" },
    /* Leases (store_lease) say which node of the old store does what; the
     * new store's nodes take their own. */
    { "setting", "k, v", "tt", "k LIKE 'lease.%'" },
    { "subscription", "id, client, name, target, kinds, secret, expires, created, cursor, failing, last_error,"
                      " scope_at", "ttttitiiiiti" },
    { "outbox", "id, sub, body, created, next_at, first_try, attempts", "ittiiii" },
    { "feedback", "id, client, channel, at, body", "ittit" },
    { "source", "id, name, type, key_hash, url, auth, schedule, kinds, delete_pct, change_pct, hold_min, raised_pct,"
                " raised_until, created", "ttttttititiiii" },
    { "source_run", "seq, source, started, finished, what, result, created, updated, deleted, unchanged, errors",
      "itiittiiiit" },
    { "held_batch", "id, source, created, is_full, summary, payload", "ttiitt" },
    { "pull_state", "source, kind, phase, page_token, walk_started, watermark", "tittii" },
    { "pull_seen", "source, kind, id", "tit" },
    { "admin_account", "name, role, hash, disabled, oidc, created, last_login", "tttiiii" },
    { "admin_session", "id, account, csrf, via, created, seen", "ttttii" },
    { "admin_login_fail", "seq, account, address, at", "itti" },
    { "admin_audit", "seq, at, account, address, action, target, detail", "iittttt" },
    { "admin_oidc_pending", "state, nonce, verifier, created", "ttti" },
    { "export_schedule", "client, every_s, dir, keep, next_at, created, last_at, last_result", "titiiiit" },
    { "export_file", "id, client, path, created, bytes, entities", "tttiii" },
    { "provision_sp", "client, url, ca, cert, key, pin, api_header, api_key, metadata, jwks, entity_id, tag,"
                      " md_cache, md_fetched, max_create, max_update, max_delete, activities, timeout_ms, retries,"
                      " health, created", "tttttttttttttiiiiiiiti" },
    { "provision_sent", "client, uuid, type, hash, json, sent", "ttitti" },
};

#define NTABLES (sizeof tables / sizeof *tables)

size_t store_table_count(void)
{
    return NTABLES;
}

/* One row as bytes: per column a tag, then for text and blobs the length
 * and the bytes, for integers the decimal text. */
static void row_bytes(store_stmt *s, const char *types, buf *b)
{
    buf_reset(b);
    for (int i = 0; types[i]; i++) {
        if (store_col_is_null(s, i)) {
            buf_addc(b, 'N');
            continue;
        }
        size_t n;
        const void *v;
        char num[24];
        if (types[i] == 'i') {
            snprintf(num, sizeof num, "%lld", (long long)store_col_int(s, i));
            v = num;
            n = strlen(num);
        } else if (types[i] == 'b') {
            v = store_col_blob(s, i, &n);
        } else {
            v = store_col_text(s, i);
            n = strlen(v);
        }
        buf_printf(b, "%c%zu:", types[i], n);
        buf_add(b, v, n);
    }
}

/* The digest is the sum, lane by lane (four 64-bit lanes), of the rows'
 * BLAKE2b hashes: the same multiset of rows gives the same digest in
 * whatever order a backend returns them. */
static void digest_add(unsigned char acc[STORE_DIGEST_LEN], const buf *row)
{
    unsigned char h[STORE_DIGEST_LEN];
    crypto_generichash(h, sizeof h, (const unsigned char *)(row->len ? row->data : ""), row->len, NULL, 0);
    for (int lane = 0; lane < 4; lane++) {
        uint64_t a = 0, x = 0;
        for (int k = 0; k < 8; k++) {
            a |= (uint64_t)acc[lane * 8 + k] << (8 * k);
            x |= (uint64_t)h[lane * 8 + k] << (8 * k);
        }
        a += x;
        for (int k = 0; k < 8; k++)
            acc[lane * 8 + k] = (unsigned char)(a >> (8 * k));
    }
}

int store_digests(store *st, store_digest *d)
{
    buf sql, row;
    buf_init(&sql);
    buf_init(&row);
    int rc = STORE_OK;
    for (size_t t = 0; t < NTABLES && rc == STORE_OK; t++) {
        memset(&d[t], 0, sizeof d[t]);
        d[t].table = tables[t].name;
        buf_reset(&sql);
        buf_printf(&sql, "SELECT %s FROM %s", tables[t].cols, tables[t].name);
        if (tables[t].skip)
            buf_printf(&sql, " WHERE NOT (%s)", tables[t].skip);
        store_stmt *s;
        if (store_prepare(st, sql.data, &s)) {
            rc = STORE_ERR;
            break;
        }
        int step;
        while ((step = store_step(s)) == 1) {
            row_bytes(s, tables[t].types, &row);
            digest_add(d[t].hash, &row);
            d[t].rows++;
        }
        store_finalize(s);
        if (step < 0)
            rc = STORE_ERR;
    }
    buf_free(&sql);
    buf_free(&row);
    return rc;
}

static int bind_col(store_stmt *from, store_stmt *to, int i, char type)
{
    if (store_col_is_null(from, i))
        return store_bind_null(to, i + 1);
    if (type == 'i')
        return store_bind_int(to, i + 1, store_col_int(from, i));
    if (type == 'b') {
        size_t n;
        const void *v = store_col_blob(from, i, &n);
        return store_bind_blob(to, i + 1, v, n);
    }
    return store_bind_text(to, i + 1, store_col_text(from, i));
}

/* Copies one table row by row; returns the rows copied or -1. */
static int64_t copy_table(store *from, store *to, size_t t)
{
    buf sel, ins;
    buf_init(&sel);
    buf_init(&ins);
    buf_printf(&sel, "SELECT %s FROM %s", tables[t].cols, tables[t].name);
    if (tables[t].skip)
        buf_printf(&sel, " WHERE NOT (%s)", tables[t].skip);
    buf_printf(&ins, "INSERT INTO %s(%s) VALUES(", tables[t].name, tables[t].cols);
    for (size_t i = 0; tables[t].types[i]; i++)
        buf_adds(&ins, i ? ",?" : "?");
    buf_addc(&ins, ')');
    int64_t n = 0;
    store_stmt *s;
    if (store_prepare(from, sel.data, &s)) {
        n = -1;
        goto out;
    }
    int step;
    while ((step = store_step(s)) == 1) {
        store_stmt *w;
        if (store_prepare(to, ins.data, &w)) {
            n = -1;
            break;
        }
        int bad = 0;
        for (int i = 0; tables[t].types[i]; i++)
            bad |= bind_col(s, w, i, tables[t].types[i]);
        int wrc = bad ? -1 : store_step(w);
        store_finalize(w);
        if (wrc != 0) {
            n = -1;
            break;
        }
        n++;
    }
    if (step < 0)
        n = -1;
    store_finalize(s);
out:
    buf_free(&sel);
    buf_free(&ins);
    return n;
}

static void hex(const unsigned char *h, char out[2 * STORE_DIGEST_LEN + 1])
{
    sodium_bin2hex(out, 2 * STORE_DIGEST_LEN + 1, h, STORE_DIGEST_LEN);
}

int store_copy(store *from, store *to, FILE *out, char *err, size_t errlen)
{
    store_digest dst[NTABLES], src[NTABLES];
    if (store_begin(to)) {
        snprintf(err, errlen, "starting the copy: %s", store_errmsg(to));
        return STORE_ERR;
    }
    /* A new store holds one setting, the rules its (no) derived rows were
     * built by; the copy brings the source's rows and their rules. */
    if (store_exec(to, "DELETE FROM setting WHERE k='rows_version'") || store_digests(to, dst)) {
        snprintf(err, errlen, "reading the destination: %s", store_errmsg(to));
        store_rollback(to);
        return STORE_ERR;
    }
    for (size_t t = 0; t < NTABLES; t++) {
        if (dst[t].rows) {
            snprintf(err, errlen, "the destination already holds data (%lld rows in %s); migrate into an empty store",
                     (long long)dst[t].rows, dst[t].table);
            store_rollback(to);
            return STORE_ERR;
        }
    }
    for (size_t t = 0; t < NTABLES; t++) {
        int64_t n = copy_table(from, to, t);
        if (n < 0) {
            snprintf(err, errlen, "copying %s: %s / %s", tables[t].name, store_errmsg(from), store_errmsg(to));
            store_rollback(to);
            return STORE_ERR;
        }
        if (out)
            fprintf(out, "copied %-10s %10lld rows\n", tables[t].name, (long long)n);
    }
    if (store_sequences_sync(to) || store_commit(to)) {
        snprintf(err, errlen, "finishing the copy: %s", store_errmsg(to));
        store_rollback(to);
        return STORE_ERR;
    }
    /* Check what arrived against what was there. */
    if (store_digests(from, src) || store_digests(to, dst)) {
        snprintf(err, errlen, "checking the copy: %s / %s", store_errmsg(from), store_errmsg(to));
        return STORE_ERR;
    }
    int bad = 0;
    for (size_t t = 0; t < NTABLES; t++) {
        char hs[2 * STORE_DIGEST_LEN + 1], hd[2 * STORE_DIGEST_LEN + 1];
        hex(src[t].hash, hs);
        hex(dst[t].hash, hd);
        int same = src[t].rows == dst[t].rows && !memcmp(src[t].hash, dst[t].hash, STORE_DIGEST_LEN);
        if (out)
            fprintf(out, "checked %-10s %10lld rows  %.16s  %s\n", src[t].table, (long long)dst[t].rows, hd,
                    same ? "same" : "DIFFERENT");
        if (!same && !bad) {
            snprintf(err, errlen, "%s differs after the copy: %lld rows (hash %.16s) became %lld rows (hash %.16s)",
                     src[t].table, (long long)src[t].rows, hs, (long long)dst[t].rows, hd);
            bad = 1;
        }
    }
    return bad ? STORE_ERR : STORE_OK;
}
