#include "admin/sessions.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timefmt.h"

static long setting_long(store *st, const char *key, long def)
{
    char *v = NULL;
    if (store_setting_get(st, key, &v) != STORE_OK)
        return def;
    char *end;
    long n = strtol(v, &end, 10);
    int ok = *v && !*end && n >= 0;
    free(v);
    return ok ? n : def;
}

int admin_settings_load(store *st, admin_settings *s)
{
    s->secure = setting_long(st, "admin_cookie_secure", 1) != 0;
    s->idle_ms = setting_long(st, "admin_idle_timeout", SESSION_IDLE_DEFAULT_S) * 1000;
    s->lifetime_ms = setting_long(st, "admin_session_lifetime", SESSION_LIFETIME_DEFAULT_S) * 1000;
    s->throttle_account = setting_long(st, "admin_throttle_account", 5);
    s->throttle_address = setting_long(st, "admin_throttle_address", 20);
    s->throttle_window_ms = setting_long(st, "admin_throttle_window", 900) * 1000;
    return 0;
}

/* The stored key: a hash of the cookie value. */
static void id_hash(const char *id, char out[SESSION_ID_LEN])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)id, strlen(id), NULL, 0);
    sodium_bin2hex(out, SESSION_ID_LEN, h, sizeof h);
}

int session_create(store *st, const char *account, const char *via, session *s)
{
    memset(s, 0, sizeof *s);
    unsigned char r[32];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(s->id, sizeof s->id, r, sizeof r);
    snprintf(s->account, sizeof s->account, "%s", account);
    snprintf(s->via, sizeof s->via, "%s", via);
    s->created = s->seen = time_now_ms();
    char h[SESSION_ID_LEN];
    id_hash(s->id, h);
    store_stmt *q;
    if (store_prepare(st, "INSERT INTO admin_session(id, account, csrf, via, created, seen) VALUES (?, ?, '', ?, ?, ?)",
                      &q))
        return STORE_ERR;
    store_bind_text(q, 1, h);
    store_bind_text(q, 2, account);
    store_bind_text(q, 3, via);
    store_bind_int(q, 4, s->created);
    store_bind_int(q, 5, s->seen);
    int rc = store_step(q);
    store_finalize(q);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

static int delete_hash(store *st, const char *h)
{
    store_stmt *q;
    if (store_prepare(st, "DELETE FROM admin_session WHERE id=?", &q))
        return STORE_ERR;
    store_bind_text(q, 1, h);
    int rc = store_step(q);
    store_finalize(q);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

int session_lookup(store *st, const char *id, const admin_settings *cfg, session *s)
{
    char h[SESSION_ID_LEN];
    id_hash(id, h);
    store_stmt *q;
    if (store_prepare(st, "SELECT account, via, created, seen FROM admin_session WHERE id=?", &q))
        return STORE_ERR;
    store_bind_text(q, 1, h);
    int rc = store_step(q);
    if (rc == 1) {
        memset(s, 0, sizeof *s);
        snprintf(s->id, sizeof s->id, "%s", id);
        snprintf(s->account, sizeof s->account, "%s", store_col_text(q, 0));
        snprintf(s->via, sizeof s->via, "%s", store_col_text(q, 1));
        s->created = store_col_int(q, 2);
        s->seen = store_col_int(q, 3);
    }
    store_finalize(q);
    if (rc != 1)
        return rc < 0 ? STORE_ERR : STORE_NOTFOUND;
    int64_t now = time_now_ms();
    if (now - s->seen > cfg->idle_ms || now - s->created > cfg->lifetime_ms) {
        if (store_begin(st) || delete_hash(st, h) || store_commit(st)) {
            store_rollback(st);
            return STORE_ERR;
        }
        return SESSION_EXPIRED;
    }
    s->seen = now;
    if (store_begin(st) || store_prepare(st, "UPDATE admin_session SET seen=? WHERE id=?", &q)) {
        store_rollback(st);
        return STORE_ERR;
    }
    store_bind_int(q, 1, now);
    store_bind_text(q, 2, h);
    rc = store_step(q);
    store_finalize(q);
    if (rc < 0 || store_commit(st)) {
        store_rollback(st);
        return STORE_ERR;
    }
    return STORE_OK;
}

int session_delete(store *st, const char *id)
{
    char h[SESSION_ID_LEN];
    id_hash(id, h);
    return delete_hash(st, h);
}

int session_delete_account(store *st, const char *account)
{
    store_stmt *q;
    if (store_prepare(st, "DELETE FROM admin_session WHERE account=?", &q))
        return STORE_ERR;
    store_bind_text(q, 1, account);
    int rc = store_step(q);
    store_finalize(q);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

int session_cookie_value(const char *h, char id[SESSION_ID_LEN])
{
    static const char name[] = SESSION_COOKIE "=";
    for (const char *p = h; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == sizeof name - 1 + SESSION_ID_LEN - 1 && !strncmp(p, name, sizeof name - 1)) {
            memcpy(id, p + sizeof name - 1, SESSION_ID_LEN - 1);
            id[SESSION_ID_LEN - 1] = 0;
            for (int i = 0; i < SESSION_ID_LEN - 1; i++)
                if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
                    return 0;
            return 1;
        }
        p = end;
    }
    return 0;
}

void session_set_cookie(const char *id, const admin_settings *cfg, char *out, size_t outlen)
{
    snprintf(out, outlen, SESSION_COOKIE "=%s; Path=/admin; HttpOnly; SameSite=Strict%s%s", id,
             cfg->secure ? "; Secure" : "", *id ? "" : "; Max-Age=0");
}
