#include "store/clients.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/timefmt.h"

static void key_hash(const char *key, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)key, strlen(key), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

int clients_add(store *st, const char *name, int full_access, char id[UUID_STR_LEN], char key[CLIENT_KEY_LEN])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(key, "skn_", 4);
    sodium_bin2base64(key + 4, CLIENT_KEY_LEN - 4, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    uuid_random(id);
    char hash[65];
    key_hash(key, hash);
    store_stmt *s;
    if (store_prepare(st, "INSERT INTO client(id, name, key_hash, full_access, created) VALUES(?,?,?,?,?)", &s))
        return STORE_ERR;
    store_bind_text(s, 1, id);
    store_bind_text(s, 2, name);
    store_bind_text(s, 3, hash);
    store_bind_int(s, 4, full_access);
    store_bind_int(s, 5, time_now_ms());
    int rc = store_step(s);
    store_finalize(s);
    return rc == 0 ? STORE_OK : STORE_ERR;
}

int clients_auth(store *st, const char *key, client *c)
{
    char hash[65];
    key_hash(key, hash);
    store_stmt *s;
    if (store_prepare(st, "SELECT id, name, full_access FROM client WHERE key_hash=? AND disabled=0", &s))
        return STORE_ERR;
    store_bind_text(s, 1, hash);
    int rc = store_step(s);
    if (rc == 1) {
        snprintf(c->id, sizeof c->id, "%s", store_col_text(s, 0));
        snprintf(c->name, sizeof c->name, "%s", store_col_text(s, 1));
        c->full_access = (int)store_col_int(s, 2);
    }
    store_finalize(s);
    return rc == 1 ? STORE_OK : rc == 0 ? STORE_NOTFOUND : STORE_ERR;
}

int clients_list(store *st, void (*fn)(void *ctx, const client *c, int64_t created), void *ctx)
{
    store_stmt *s;
    if (store_prepare(st, "SELECT id, name, full_access, created FROM client ORDER BY created, id", &s))
        return STORE_ERR;
    int rc;
    while ((rc = store_step(s)) == 1) {
        client c;
        snprintf(c.id, sizeof c.id, "%s", store_col_text(s, 0));
        snprintf(c.name, sizeof c.name, "%s", store_col_text(s, 1));
        c.full_access = (int)store_col_int(s, 2);
        fn(ctx, &c, store_col_int(s, 3));
    }
    store_finalize(s);
    return rc == 0 ? STORE_OK : STORE_ERR;
}
